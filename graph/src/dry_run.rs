//! `--dry-run`: the requests a push would send, with seeds and codes masked. Nothing is sent,
//! not even a sign-in: what Entra already has is only known on a real run, so every request a
//! fresh push makes is shown.

use std::fmt::Write as _;

use zeroize::Zeroize;

use crate::config::Endpoints;
use crate::error::Error;
use crate::http::encode;
use crate::journal::{token_key, Journal, Step};
use crate::push::{Input, PushOptions, MAX_BATCH};
use crate::report::TokenReport;

pub const MASK: &str = "********";

/// Replaces every `secretKey` value, wiping the parsed copy.
fn mask_secrets(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, value) in map.iter_mut() {
                if k == "secretKey" {
                    if let serde_json::Value::String(s) = value {
                        s.zeroize();
                    }
                    *value = MASK.into();
                } else {
                    mask_secrets(value);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_secrets),
        _ => {}
    }
}

pub fn dry_run(
    endpoints: &Endpoints,
    client_secret: bool,
    input: &Input,
    checked: &[TokenReport],
    journal: &Journal,
    opts: &PushOptions,
) -> Result<String, Error> {
    let mut out = String::new();
    let api = endpoints.graph_api();
    let valid: Vec<usize> = (0..input.records.len())
        .filter(|&i| checked[i].ok())
        .collect();
    let w = |out: &mut String, line: String| {
        let _ = writeln!(out, "{line}");
    };
    w(
        &mut out,
        format!(
            "DRY RUN: nothing is sent. For the {} token(s) that pass the checks, a push would:",
            valid.len()
        ),
    );
    w(
        &mut out,
        if client_secret {
            format!(
                "  sign in: POST {} (client credentials; the secret is read from the file)",
                endpoints.token_url()
            )
        } else {
            format!(
                "  sign in: POST {} (device code: a person signs in in a browser), then poll {}",
                endpoints.device_code_url(),
                endpoints.token_url()
            )
        },
    );
    let mut upns: Vec<String> = Vec::new();
    let mut serials: Vec<String> = Vec::new();
    for &i in &valid {
        let r = &input.records[i];
        let upn = r.upn.to_lowercase();
        if !upn.is_empty() && !upns.contains(&upn) {
            upns.push(upn);
        }
        if !serials.contains(&r.serial.trim().to_string()) {
            serials.push(r.serial.trim().to_string());
        }
    }
    for upn in &upns {
        w(
            &mut out,
            format!(
                "  GET {api}/users/{}?$select=id,userPrincipalName,displayName",
                encode(upn)
            ),
        );
        w(
            &mut out,
            format!(
                "  GET {api}/users/{{id of {upn}}}/authentication/hardwareOathMethods and …/softwareOathMethods   (Entra allows 5 per user)"
            ),
        );
    }
    for serial in &serials {
        let filter = format!("serialNumber eq '{}'", serial.replace('\'', "''"));
        w(
            &mut out,
            format!(
                "  GET {api}/directory/authenticationMethodDevices/hardwareOathDevices?$filter={}   (what Entra already has is not created again)",
                encode(&filter)
            ),
        );
    }
    let batch = opts.batch_size.clamp(1, MAX_BATCH);
    for chunk in valid.chunks(batch) {
        let records: Vec<_> = chunk
            .iter()
            .map(|&i| tokensmith_core::entra::TokenRecord {
                upn: String::new(),
                display_name: crate::push::display_name(&input.records[i]),
                ..input.records[i].clone()
            })
            .collect();
        let body = tokensmith_core::entra::graph_bulk_json(&records)
            .map_err(|e| Error::BadInput(e.to_string()))?;
        let mut value: serde_json::Value =
            serde_json::from_str(&body).map_err(|e| Error::Protocol(format!("bulk body: {e}")))?;
        mask_secrets(&mut value);
        w(
            &mut out,
            format!(
                "  PATCH {api}/directory/authenticationMethodDevices/hardwareOathDevices   ({} token(s), those not in Entra yet)",
                chunk.len()
            ),
        );
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        for line in text.lines() {
            w(&mut out, format!("    {line}"));
        }
    }
    for &i in &valid {
        let r = &input.records[i];
        let label = checked[i].label();
        let state = journal
            .get(&token_key(r))
            .and_then(|e| e.step)
            .filter(|s| *s != Step::CreateSent)
            .map(|s| format!("   [journal: {}]", s.as_str()))
            .unwrap_or_default();
        if r.upn.is_empty() {
            w(
                &mut out,
                format!("  {label}: no UPN, stays unassigned{state}"),
            );
            continue;
        }
        let upn = r.upn.to_lowercase();
        w(
            &mut out,
            format!(
                "  POST {api}/users/{{id of {upn}}}/authentication/hardwareOathMethods  {{\"device\":{{\"id\":\"{{device of {label}}}\"}}}}{state}"
            ),
        );
        w(
            &mut out,
            format!(
                "  POST {api}/users/{{id of {upn}}}/authentication/hardwareOathMethods/{{method id}}/activate  {{\"verificationCode\":\"{MASK}\"}}   (computed from the seed at that moment)"
            ),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_at_any_depth() {
        let mut v = serde_json::json!({"value": [{"secretKey": "JBSWY3DPEHPK3PXP", "x": {"secretKey": "A"}}]});
        mask_secrets(&mut v);
        let text = v.to_string();
        assert!(!text.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(text.matches(MASK).count(), 2);
    }
}
