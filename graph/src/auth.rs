//! Signing in to the Microsoft identity platform (OAuth 2.0, v2.0 endpoints):
//! - a person: the device authorization grant (RFC 8628) — print the code and the address,
//!   then poll as the server says (`interval`, `slow_down`, `authorization_pending`,
//!   `expired_token`);
//! - automation: client credentials with a secret read from a file.
//!
//! Access and refresh tokens live only in memory, in wiping buffers, and are never printed.

use std::time::{Duration, Instant};

use serde::Deserialize;
use zeroize::Zeroizing;

use crate::config::{Endpoints, PERMISSIONS};
use crate::error::{Error, GraphMessage};
use crate::http::{form, Body, Http, Method, Request, Response};
use crate::ui::{DeviceCodePrompt, Ui};

/// Renew this long before the access token expires, so no request carries a dying token.
const RENEW_BEFORE: Duration = Duration::from_secs(120);
/// RFC 8628 §3.5: `slow_down` adds 5 seconds to the polling interval.
const SLOW_DOWN_STEP: u64 = 5;

/// How to sign in.
pub enum Credential {
    /// A person, in a browser, with the device code flow (public client).
    DeviceCode,
    /// The app itself (confidential client), for automation.
    ClientSecret(Zeroizing<String>),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Credential::DeviceCode => "DeviceCode",
            Credential::ClientSecret(_) => "ClientSecret(<redacted>)",
        })
    }
}

/// A signed-in session: the bearer token for Graph, renewed when it runs out.
pub struct Session {
    credential: Credential,
    access: Zeroizing<String>,
    refresh: Option<Zeroizing<String>>,
    expires_at: Instant,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Session({:?}, <tokens redacted>)", self.credential)
    }
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Deserialize)]
struct DeviceCodeReply {
    device_code: String,
    user_code: String,
    verification_uri: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    interval: Option<u64>,
}

fn delegated_scopes(endpoints: &Endpoints) -> String {
    let mut scopes: Vec<String> = PERMISSIONS.iter().map(|p| endpoints.scope(p)).collect();
    // A refresh token lets a long push renew its access without a second sign-in.
    scopes.push("offline_access".into());
    scopes.join(" ")
}

impl Session {
    pub fn sign_in(
        http: &Http,
        endpoints: &Endpoints,
        credential: Credential,
        ui: &dyn Ui,
    ) -> Result<Session, Error> {
        let reply = match &credential {
            Credential::ClientSecret(secret) => client_credentials(http, endpoints, secret, ui)?,
            Credential::DeviceCode => device_code(http, endpoints, ui)?,
        };
        Session::from_reply(credential, reply)
    }

    fn from_reply(credential: Credential, mut reply: TokenReply) -> Result<Session, Error> {
        if let (Credential::DeviceCode, Some(granted)) = (&credential, &reply.scope) {
            let missing = missing_permissions(granted);
            if !missing.is_empty() {
                return Err(Error::SignIn(format!(
                    "the sign-in was not granted {}: an administrator must grant admin consent \
                     for these delegated Graph permissions in the app registration (API \
                     permissions → Grant admin consent), then run the command again",
                    missing.join(", ")
                )));
            }
        }
        let lifetime = reply
            .expires_in
            .as_ref()
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .unwrap_or(3600);
        Ok(Session {
            credential,
            access: Zeroizing::new(std::mem::take(&mut reply.access_token)),
            refresh: reply.refresh_token.take().map(Zeroizing::new),
            expires_at: Instant::now() + Duration::from_secs(lifetime),
        })
    }

    /// The current access token, renewed first if it is about to expire.
    pub fn bearer(
        &mut self,
        http: &Http,
        endpoints: &Endpoints,
        ui: &dyn Ui,
    ) -> Result<&str, Error> {
        if Instant::now() + RENEW_BEFORE >= self.expires_at {
            self.renew(http, endpoints, ui)?;
        }
        Ok(self.access.as_str())
    }

    /// A new access token: from the refresh token (person) or a new client-credentials grant.
    pub fn renew(&mut self, http: &Http, endpoints: &Endpoints, ui: &dyn Ui) -> Result<(), Error> {
        let reply =
            match (&self.credential, &self.refresh) {
                (Credential::ClientSecret(secret), _) => {
                    client_credentials(http, endpoints, secret, ui)?
                }
                (Credential::DeviceCode, Some(refresh)) => {
                    let scope = delegated_scopes(endpoints);
                    let body = form(&[
                        ("grant_type", "refresh_token"),
                        ("client_id", &endpoints.client_id),
                        ("refresh_token", refresh.as_str()),
                        ("scope", &scope),
                    ]);
                    let resp = token_request(http, &endpoints.token_url(), &body, ui)?;
                    if resp.status != 200 {
                        return Err(Error::SignIn(format!(
                            "the session could not be renewed ({}): run the command again to sign \
                         in; the journal keeps what is already done",
                            GraphMessage::from_body(resp.status, &resp.body)
                        )));
                    }
                    parse_token(&resp)?
                }
                (Credential::DeviceCode, None) => return Err(Error::SignIn(
                    "the session expired and the sign-in gave no refresh token: run the command \
                     again; the journal keeps what is already done"
                        .into(),
                )),
            };
        let credential = std::mem::replace(&mut self.credential, Credential::DeviceCode);
        let old_refresh = self.refresh.take();
        *self = Session::from_reply(credential, reply)?;
        // The identity platform may not send a new refresh token on every renewal.
        if self.refresh.is_none() {
            self.refresh = old_refresh;
        }
        Ok(())
    }
}

/// The permissions named in `PERMISSIONS` that a granted `scope` string lacks. Granted scopes
/// come back as short names or as full `https://graph…/Name` URIs, in any case.
pub fn missing_permissions(granted: &str) -> Vec<&'static str> {
    let have: Vec<String> = granted
        .split_whitespace()
        .map(|s| s.rsplit('/').next().unwrap_or(s).to_ascii_lowercase())
        .collect();
    PERMISSIONS
        .iter()
        .copied()
        .filter(|p| !have.contains(&p.to_ascii_lowercase()))
        .collect()
}

fn token_request(http: &Http, url: &str, body: &[u8], ui: &dyn Ui) -> Result<Response, Error> {
    // Repeating a token request is harmless (it only issues another token).
    http.send(
        &Request {
            method: Method::Post,
            url,
            bearer: None,
            body: Some(Body::Form(body)),
        },
        true,
        ui,
    )
    .map_err(|e| Error::Unreachable(format!("cannot reach the sign-in service {url}: {}", e.0)))
}

fn parse_token(resp: &Response) -> Result<TokenReply, Error> {
    serde_json::from_slice(&resp.body)
        .map_err(|_| Error::Protocol("the sign-in answer has no access token".into()))
}

fn client_credentials(
    http: &Http,
    endpoints: &Endpoints,
    secret: &str,
    ui: &dyn Ui,
) -> Result<TokenReply, Error> {
    let scope = format!("{}/.default", endpoints.graph_url);
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", &endpoints.client_id),
        ("client_secret", secret),
        ("scope", &scope),
    ]);
    let resp = token_request(http, &endpoints.token_url(), &body, ui)?;
    if resp.status != 200 {
        let m = GraphMessage::from_body(resp.status, &resp.body);
        return Err(Error::SignIn(format!("{m}{}", sign_in_hint(&m))));
    }
    parse_token(&resp)
}

fn device_code(http: &Http, endpoints: &Endpoints, ui: &dyn Ui) -> Result<TokenReply, Error> {
    let scope = delegated_scopes(endpoints);
    let body = form(&[("client_id", &endpoints.client_id), ("scope", &scope)]);
    let url = endpoints.device_code_url();
    let resp = token_request(http, &url, &body, ui)?;
    if resp.status != 200 {
        let m = GraphMessage::from_body(resp.status, &resp.body);
        return Err(Error::SignIn(format!("{m}{}", sign_in_hint(&m))));
    }
    let mut code: DeviceCodeReply = serde_json::from_slice(&resp.body)
        .map_err(|_| Error::Protocol("the device code answer is incomplete".into()))?;
    let device_code = Zeroizing::new(std::mem::take(&mut code.device_code));
    let lifetime = code.expires_in.unwrap_or(900);
    ui.device_code(&DeviceCodePrompt {
        verification_uri: code.verification_uri.clone(),
        user_code: code.user_code.clone(),
        expires_in: lifetime,
    });
    let deadline = Instant::now() + Duration::from_secs(lifetime);
    let mut interval = code.interval.unwrap_or(5).max(1);
    let body = form(&[
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", &endpoints.client_id),
        ("device_code", device_code.as_str()),
    ]);
    loop {
        std::thread::sleep(Duration::from_secs(interval));
        if Instant::now() >= deadline {
            return Err(Error::SignIn(format!(
                "nobody signed in with code {} within {} minutes: run the command again for a new code",
                code.user_code,
                lifetime / 60
            )));
        }
        let resp = token_request(http, &endpoints.token_url(), &body, ui)?;
        if resp.status == 200 {
            return parse_token(&resp);
        }
        let m = GraphMessage::from_body(resp.status, &resp.body);
        match m.code.as_str() {
            "authorization_pending" => {}
            "slow_down" => {
                interval += SLOW_DOWN_STEP;
                ui.note(&format!(
                    "the sign-in service asks to poll more slowly: every {interval} s"
                ));
            }
            "expired_token" => {
                return Err(Error::SignIn(format!(
                "code {} expired before the sign-in finished: run the command again for a new code",
                code.user_code
            )))
            }
            "authorization_declined" | "access_denied" => {
                return Err(Error::SignIn(
                    "the sign-in was declined in the browser".into(),
                ))
            }
            _ => return Err(Error::SignIn(format!("{m}{}", sign_in_hint(&m)))),
        }
    }
}

/// What to change in the app registration for the identity platform's common refusals.
fn sign_in_hint(m: &GraphMessage) -> &'static str {
    let text = &m.message;
    if text.contains("AADSTS7000218") {
        " — the device code flow needs a public client: in the app registration, Authentication → \
         Allow public client flows → Yes (or use --client-secret-file)"
    } else if text.contains("AADSTS7000215") || text.contains("AADSTS7000222") {
        " — check the secret file: it must hold the client secret's Value (not its ID), and the \
         secret must not have expired"
    } else if text.contains("AADSTS700016") {
        " — no such application in this tenant: check --client-id and --tenant"
    } else if text.contains("AADSTS90002") {
        " — no such tenant: check --tenant (and --login-url for a national cloud)"
    } else if text.contains("AADSTS65001") {
        " — consent is missing: an administrator must grant admin consent in the app registration"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granted_scopes_are_compared_by_name() {
        assert!(missing_permissions(
            "Policy.ReadWrite.AuthenticationMethod https://graph.microsoft.com/UserAuthenticationMethod.ReadWrite.All user.read.all openid profile"
        )
        .is_empty());
        assert_eq!(
            missing_permissions("Policy.ReadWrite.AuthenticationMethod offline_access"),
            vec!["UserAuthenticationMethod.ReadWrite.All", "User.Read.All"]
        );
    }
}
