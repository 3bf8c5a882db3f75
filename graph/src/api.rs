//! Typed calls to Graph's beta hardware OATH endpoints, over a signed-in session.
//!
//! Each call says whether it may be repeated: reads and deletes are retried by [`Http`];
//! creations, assignments and activations are not, and come back as [`CallError::Unknown`]
//! when Graph's answer was lost, so the caller can look before trying again.

use serde::Deserialize;
use zeroize::Zeroizing;

use crate::auth::{Credential, Session};
use crate::config::Endpoints;
use crate::error::{refusal_hint, Error, GraphMessage};
use crate::http::{encode, path_of, Body, Http, HttpOptions, Method, Request, Response};
use crate::ui::Ui;

/// One hardware OATH token in the tenant's inventory. Graph never returns the secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub id: String,
    #[serde(default)]
    pub serial_number: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub manufacturer: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    /// `available`, `assigned`, `activated`, `failedActivation`.
    #[serde(default)]
    pub status: Option<String>,
    /// A number in answers, though Graph's own examples send it as a string.
    #[serde(default, deserialize_with = "number_or_string")]
    pub time_interval_in_seconds: Option<u32>,
    #[serde(default)]
    pub hash_function: Option<String>,
    #[serde(default)]
    pub assigned_to: Option<Identity>,
    #[serde(default)]
    pub last_used_date_time: Option<String>,
}

impl Device {
    pub fn status(&self) -> &str {
        self.status.as_deref().unwrap_or("unknown")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub user_principal_name: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// A hardware OATH method on a user: the assignment of one device.
#[derive(Debug, Clone, Deserialize)]
pub struct OathMethod {
    pub id: String,
    #[serde(default)]
    pub device: Option<Device>,
}

/// Why a call did not give what was asked.
#[derive(Debug)]
pub enum CallError {
    /// Graph said no to this request (4xx): it concerns this item only.
    Graph(GraphMessage),
    /// 401 after a renewed sign-in, or 403: a missing permission or role.
    Refused(GraphMessage),
    /// A change whose answer was lost (5xx, timeout, dropped connection): it may have happened.
    Unknown(String),
    /// Nothing more can be done in this run.
    Fatal(Error),
}

impl From<Error> for CallError {
    fn from(e: Error) -> Self {
        CallError::Fatal(e)
    }
}

impl CallError {
    /// For calls whose failure stops the whole run (tenant-wide reads and creations).
    pub fn fatal(self, what: &str) -> Error {
        match self {
            CallError::Fatal(e) => e,
            CallError::Refused(m) => Error::Refused {
                hint: refusal_hint(m.status, what),
                graph: m,
            },
            CallError::Graph(m) => Error::Protocol(format!("{what}: {m}")),
            CallError::Unknown(d) => Error::Unreachable(format!("{what}: {d}")),
        }
    }
}

/// Per-item result of a bulk creation.
#[derive(Debug, Clone)]
pub enum Created {
    Device(Device),
    Failed(GraphMessage),
}

/// What one item of a bulk creation was, to read Graph's per-item answers back.
pub struct SentItem<'a> {
    pub content_id: String,
    pub serial: &'a str,
}

pub struct Graph<'u> {
    http: Http,
    session: Session,
    endpoints: Endpoints,
    ui: &'u dyn Ui,
}

fn number_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.and_then(|v| {
        v.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .or_else(|| v.as_str()?.trim().parse().ok())
    }))
}

/// OData string literal: single quotes doubled.
fn odata_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

impl<'u> Graph<'u> {
    /// Signs in (a device code prompt goes through `ui`).
    pub fn connect(
        endpoints: &Endpoints,
        http: &HttpOptions,
        credential: Credential,
        ui: &'u dyn Ui,
    ) -> Result<Graph<'u>, Error> {
        let http = Http::new(http)?;
        let session = Session::sign_in(&http, endpoints, credential, ui)?;
        Ok(Graph {
            http,
            session,
            endpoints: endpoints.clone(),
            ui,
        })
    }

    pub fn ui(&self) -> &'u dyn Ui {
        self.ui
    }

    fn devices_url(&self) -> String {
        format!(
            "{}/directory/authenticationMethodDevices/hardwareOathDevices",
            self.endpoints.graph_api()
        )
    }

    fn user_url(&self, user: &str) -> String {
        format!("{}/users/{}", self.endpoints.graph_api(), encode(user))
    }

    /// One authenticated request; a 401 renews the session once and repeats (a 401 means the
    /// request was not carried out).
    fn call(
        &mut self,
        method: Method,
        url: &str,
        body: Option<Body<'_>>,
        idempotent: bool,
    ) -> Result<Response, CallError> {
        let mut renewed = false;
        loop {
            let bearer = self.session.bearer(&self.http, &self.endpoints, self.ui)?;
            let sent = self.http.send(
                &Request {
                    method,
                    url,
                    bearer: Some(bearer),
                    body,
                },
                idempotent,
                self.ui,
            );
            let resp = match sent {
                Ok(r) => r,
                Err(e) if idempotent => {
                    return Err(CallError::Fatal(Error::Unreachable(format!(
                        "{} {}: {} (after {} tries); run the same command again later — what is \
                         done is not redone",
                        method.as_str(),
                        path_of(url),
                        e.0,
                        self.http.policy.attempts
                    ))))
                }
                Err(e) => return Err(CallError::Unknown(e.0)),
            };
            let status = resp.status;
            match status {
                200..=299 => return Ok(resp),
                401 if !renewed => {
                    renewed = true;
                    self.session.renew(&self.http, &self.endpoints, self.ui)?;
                }
                401 | 403 => {
                    return Err(CallError::Refused(GraphMessage::from_body(
                        status, &resp.body,
                    )))
                }
                429 => {
                    return Err(CallError::Fatal(Error::Unreachable(format!(
                        "Graph is still throttling {} {} after waiting as asked: run the same \
                         command again later — what is done is not redone",
                        method.as_str(),
                        path_of(url)
                    ))))
                }
                500..=599 if idempotent => {
                    return Err(CallError::Fatal(Error::Unreachable(format!(
                        "{} {} kept failing ({}): run the same command again later — what is \
                         done is not redone",
                        method.as_str(),
                        path_of(url),
                        GraphMessage::from_body(status, &resp.body)
                    ))))
                }
                500..=599 => {
                    return Err(CallError::Unknown(
                        GraphMessage::from_body(status, &resp.body).to_string(),
                    ))
                }
                _ => {
                    return Err(CallError::Graph(GraphMessage::from_body(
                        status, &resp.body,
                    )))
                }
            }
        }
    }

    fn json<T: serde::de::DeserializeOwned>(resp: &Response, what: &str) -> Result<T, CallError> {
        serde_json::from_slice(&resp.body)
            .map_err(|e| CallError::Fatal(Error::Protocol(format!("{what}: {e}"))))
    }

    /// A collection, following `@odata.nextLink` — only to the same Graph: the bearer token
    /// must not be handed to any other host.
    fn list<T: serde::de::DeserializeOwned>(&mut self, first: String) -> Result<Vec<T>, CallError> {
        #[derive(Deserialize)]
        struct Page<T> {
            #[serde(default = "Vec::new")]
            value: Vec<T>,
            #[serde(rename = "@odata.nextLink", default)]
            next: Option<String>,
        }
        let mut out = Vec::new();
        let mut url = first;
        let origin = format!("{}/", self.endpoints.graph_url);
        for _ in 0..10_000 {
            let resp = self.call(Method::Get, &url, None, true)?;
            let page: Page<T> = Self::json(&resp, path_of(&url))?;
            out.extend(page.value);
            match page.next {
                None => return Ok(out),
                Some(next) if next.starts_with(&origin) => url = next,
                Some(next) => {
                    return Err(CallError::Fatal(Error::Protocol(format!(
                        "the next-page link points to {} instead of {}: not following it",
                        next.split('?').next().unwrap_or(&next),
                        self.endpoints.graph_url
                    ))))
                }
            }
        }
        Err(CallError::Fatal(Error::Protocol(
            "more than 10000 pages: the next-page links do not end".into(),
        )))
    }

    /// The tenant's devices with this serial number (several for a multi-profile token).
    pub fn devices_with_serial(&mut self, serial: &str) -> Result<Vec<Device>, CallError> {
        let filter = format!("serialNumber eq {}", odata_string(serial));
        let url = format!("{}?$filter={}", self.devices_url(), encode(&filter));
        let devices: Vec<Device> = self.list(url)?;
        // Exact match only: the filter's case rules are Graph's, the serial rules are ours.
        Ok(devices
            .into_iter()
            .filter(|d| d.serial_number == serial)
            .collect())
    }

    pub fn device(&mut self, id: &str) -> Result<Option<Device>, CallError> {
        let url = format!("{}/{}", self.devices_url(), encode(id));
        match self.call(Method::Get, &url, None, true) {
            Ok(resp) => Ok(Some(Self::json(&resp, "device")?)),
            Err(CallError::Graph(m)) if m.status == 404 => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `None`: no such user.
    pub fn user(&mut self, upn: &str) -> Result<Option<User>, CallError> {
        let url = format!(
            "{}?$select=id,userPrincipalName,displayName",
            self.user_url(upn)
        );
        match self.call(Method::Get, &url, None, true) {
            Ok(resp) => Ok(Some(Self::json(&resp, "user")?)),
            Err(CallError::Graph(m)) if m.status == 404 => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn hardware_methods(&mut self, user_id: &str) -> Result<Vec<OathMethod>, CallError> {
        let url = format!(
            "{}/authentication/hardwareOathMethods",
            self.user_url(user_id)
        );
        self.list(url)
    }

    /// Authenticator apps registered as OATH software tokens count toward the same limit.
    pub fn software_method_count(&mut self, user_id: &str) -> Result<usize, CallError> {
        let url = format!(
            "{}/authentication/softwareOathMethods",
            self.user_url(user_id)
        );
        Ok(self.list::<serde_json::Value>(url)?.len())
    }

    /// Bulk creation (`PATCH` with `@context: #$delta`). Per item: the device, Graph's
    /// refusal, or `None` when the answer does not mention it (check by serial).
    pub fn create_batch(
        &mut self,
        body: &[u8],
        sent: &[SentItem<'_>],
    ) -> Result<Vec<Option<Created>>, CallError> {
        let url = self.devices_url();
        let resp = self.call(Method::Patch, &url, Some(Body::Json(body)), false)?;
        let answer: serde_json::Value = Self::json(&resp, "bulk creation")?;
        Ok(read_bulk_answer(&answer, sent))
    }

    /// Single creation (`POST`), used to find which item of a refused batch Graph objects to.
    pub fn create_one(&mut self, body: &[u8]) -> Result<Device, CallError> {
        let url = self.devices_url();
        let resp = self.call(Method::Post, &url, Some(Body::Json(body)), false)?;
        Self::json(&resp, "creation")
    }

    /// Assigns a device to a user; returns the new method's ID.
    pub fn assign(&mut self, user_id: &str, device_id: &str) -> Result<String, CallError> {
        let url = format!(
            "{}/authentication/hardwareOathMethods",
            self.user_url(user_id)
        );
        let body = serde_json::to_vec(&serde_json::json!({ "device": { "id": device_id } }))
            .unwrap_or_default();
        let resp = self.call(Method::Post, &url, Some(Body::Json(&body)), false)?;
        let m: OathMethod = Self::json(&resp, "assignment")?;
        Ok(m.id)
    }

    pub fn activate(
        &mut self,
        user_id: &str,
        method_id: &str,
        code: &str,
        display_name: Option<&str>,
    ) -> Result<(), CallError> {
        let url = format!(
            "{}/authentication/hardwareOathMethods/{}/activate",
            self.user_url(user_id),
            encode(method_id)
        );
        let mut body = serde_json::json!({ "verificationCode": code });
        if let Some(name) = display_name {
            body["displayName"] = name.into();
        }
        let bytes = Zeroizing::new(serde_json::to_vec(&body).unwrap_or_default());
        self.call(Method::Post, &url, Some(Body::Json(&bytes)), false)
            .map(drop)
    }

    /// Unassigns (the device stays in the inventory). Gone already counts as done.
    pub fn unassign(&mut self, user_id: &str, method_id: &str) -> Result<(), CallError> {
        let url = format!(
            "{}/authentication/hardwareOathMethods/{}",
            self.user_url(user_id),
            encode(method_id)
        );
        self.delete(&url)
    }

    pub fn delete_device(&mut self, id: &str) -> Result<(), CallError> {
        let url = format!("{}/{}", self.devices_url(), encode(id));
        self.delete(&url)
    }

    fn delete(&mut self, url: &str) -> Result<(), CallError> {
        match self.call(Method::Delete, url, None, true) {
            Ok(_) => Ok(()),
            Err(CallError::Graph(m)) if m.status == 404 => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Reads a bulk creation's answer item by item. Graph's documented answer lists the created
/// methods (each with its `device`) in order, without `@contentId`; OData's delta format adds
/// `@contentId` and marks failures with `@Core.DataModificationException`. Items are matched by
/// content ID when present, else by serial number in order.
pub fn read_bulk_answer(answer: &serde_json::Value, sent: &[SentItem<'_>]) -> Vec<Option<Created>> {
    let mut out: Vec<Option<Created>> = sent.iter().map(|_| None).collect();
    let items = answer["value"].as_array().cloned().unwrap_or_default();
    for item in &items {
        let content_id = item
            .get("@contentId")
            .or_else(|| item.get("@Org.OData.Core.V1.ContentID"))
            .and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_u64().map(|n| n.to_string()))
            });
        let device_json = item.get("device").filter(|d| d.is_object()).unwrap_or(item);
        let serial = device_json["serialNumber"].as_str();
        let slot = match content_id {
            Some(id) => sent.iter().position(|s| s.content_id == id),
            None => serial.and_then(|serial| {
                sent.iter()
                    .enumerate()
                    .position(|(i, s)| s.serial == serial && out[i].is_none())
            }),
        };
        let Some(slot) = slot.filter(|&i| out[i].is_none()) else {
            continue;
        };
        let failure = item
            .get("@Core.DataModificationException")
            .or_else(|| item.get("@Org.OData.Core.V1.DataModificationException"))
            .or_else(|| item.get("error"));
        out[slot] = Some(match failure {
            Some(f) => {
                let info = f.get("info").unwrap_or(f);
                Created::Failed(GraphMessage {
                    status: f["responseCode"]
                        .as_u64()
                        .and_then(|n| u16::try_from(n).ok())
                        .unwrap_or(400),
                    code: info["code"].as_str().unwrap_or_default().to_string(),
                    message: info["message"].as_str().unwrap_or_default().to_string(),
                })
            }
            None => match serde_json::from_value::<Device>(device_json.clone()) {
                Ok(d) if !d.id.is_empty() => Created::Device(d),
                _ => continue,
            },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_answers_in_graphs_documented_shape_and_in_odata_delta_shape() {
        let sent = [
            SentItem {
                content_id: "1".into(),
                serial: "A",
            },
            SentItem {
                content_id: "2".into(),
                serial: "B",
            },
            SentItem {
                content_id: "3".into(),
                serial: "B",
            },
            SentItem {
                content_id: "4".into(),
                serial: "C",
            },
        ];
        // Documented: methods with nested devices, in order, no content IDs.
        let doc = serde_json::json!({"value": [
            {"id": "m1", "device": {"id": "d1", "serialNumber": "A", "status": "available"}},
            {"id": "m2", "device": {"id": "d2", "serialNumber": "B", "timeIntervalInSeconds": "30"}},
            {"id": "m3", "device": {"id": "d3", "serialNumber": "B"}}
        ]});
        let r = read_bulk_answer(&doc, &sent);
        let ids: Vec<Option<String>> = r
            .iter()
            .map(|c| match c {
                Some(Created::Device(d)) => Some(d.id.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            ids,
            [
                Some("d1".into()),
                Some("d2".into()),
                Some("d3".into()),
                None
            ]
        );
        if let Some(Created::Device(d)) = &r[1] {
            assert_eq!(d.time_interval_in_seconds, Some(30));
        }
        // OData delta: content IDs, out of order, one failure.
        let delta = serde_json::json!({"value": [
            {"@contentId": "4", "id": "d4", "serialNumber": "C"},
            {"@contentId": "1", "@Core.DataModificationException": {
                "responseCode": 409, "info": {"code": "conflict", "message": "Serial exists"}}}
        ]});
        let r = read_bulk_answer(&delta, &sent);
        assert!(matches!(&r[3], Some(Created::Device(d)) if d.id == "d4"));
        assert!(
            matches!(&r[0], Some(Created::Failed(m)) if m.status == 409 && m.message == "Serial exists")
        );
        assert!(r[1].is_none() && r[2].is_none());
    }

    #[test]
    fn odata_literals_double_quotes() {
        assert_eq!(odata_string("O'Neil"), "'O''Neil'");
    }
}
