//! The API handlers: each endpoint of [`tokensmith_api::endpoint`] parses its request type,
//! turns it into an [`Operation`] and runs it on the device thread, one at a time; the answer
//! is the endpoint's response type.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use tokensmith_api::endpoint::{self, Endpoint, Method};
use tokensmith_api::{
    BurnRequest, Cancelled, ChangeKeyRequest, DeviceKind, ErrorBody, ErrorCode,
    FactoryResetRequest, Health, Molto2Model, OathListRequest, OathNameRequest,
    OathPasswordRequest, OathRenameRequest, ProfileDeleteRequest, ProfileTitleRequest,
    ScreenRequest, SecretString, SyncRequest, API_VERSION,
};
use tokensmith_core::secret::{Encoding, Secret};

use super::guard::{body_response, error_response};
use super::AppState;
use crate::device::clock::SyncParams;
use crate::device::plan::BurnParams;
use crate::device::Credentials;
use crate::error::BridgeError;
use crate::operation::{self, BurnJob, Operation, Outcome, Target};
use tokensmith_proto::molto2::CustomerKey;

pub(super) fn bridge_error_response(e: &BridgeError) -> Response {
    body_response(
        ErrorBody::new(e.code(), e.to_string())
            .with_attempts_left(e.attempts_left())
            .with_journal(e.journal_entry().cloned()),
    )
}

/// Parse a JSON body without echoing any of its content in errors (a misplaced secret must
/// not come back in a message or a log): serde's message is kept only where it names a field
/// or the allowed values, never a value that was sent.
pub(super) fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| {
        let s = e.to_string();
        let s = s.split(" at line").next().unwrap_or("");
        let detail = if s.starts_with("unknown field") {
            unknown_field(s)
        } else if s.starts_with("missing field") {
            s.to_string()
        } else if let Some((_, expected)) = s.split_once(", expected ") {
            format!("{:?} error, expected {expected}", e.classify())
        } else {
            format!("{:?} error", e.classify())
        };
        Box::new(error_response(
            ErrorCode::BadRequest,
            &format!(
                "invalid JSON request (line {}, column {}): {detail}",
                e.line(),
                e.column()
            ),
        ))
    })
}

/// serde's "unknown field `x`, expected one of `a`, `b`" repeats the name that was sent: it is
/// kept only when it looks like a misspelt field (short, a lowercase letter, not a hex or
/// base32 run) and the rest is serde's list of our names (found by fuzzing: any name, however
/// long, came back whole).
fn unknown_field(s: &str) -> String {
    let rest = s.strip_prefix("unknown field `").unwrap_or_default();
    let (name, list) = rest.split_once('`').unwrap_or((rest, ""));
    let name_like = name.len() <= 24
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.bytes().any(|b| b.is_ascii_lowercase())
        && !(name.len() >= 16 && name.bytes().all(|b| b.is_ascii_hexdigit()));
    // serde's own words follow the name's closing backtick; anything else means the name
    // held a backtick and the rest is still what was sent.
    let list_like = (list.is_empty()
        || list.starts_with(", expected ")
        || list.starts_with(", there are no fields"))
        && list
            .bytes()
            .all(|b| b.is_ascii_lowercase() || matches!(b, b'_' | b'`' | b',' | b' '));
    if name_like && list_like {
        s.to_string()
    } else {
        "unknown field (a name this request does not have)".into()
    }
}

/// Run a blocking device job on the blocking pool, one at a time.
async fn on_device_thread<R>(
    st: Arc<AppState>,
    f: impl FnOnce(&AppState) -> Result<R, BridgeError> + Send + 'static,
) -> Response
where
    R: serde::Serialize + Send + 'static,
{
    let res = tokio::task::spawn_blocking(move || {
        // A handler that panicked released the device: the next operation opens the reader
        // afresh.
        let _one = st
            .device
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&st)
    })
    .await;
    match res {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(e)) => bridge_error_response(&e),
        Err(_) => bridge_error_response(&BridgeError::Internal("operation panicked".into())),
    }
}

/// A request turned into the operation it asks for, on the device it addresses.
type Addressed = Result<(Target, Operation), BridgeError>;

/// An endpoint whose request becomes an [`Operation`] on one device.
fn operation<E>(to_op: fn(E::Request) -> Addressed) -> MethodRouter<Arc<AppState>>
where
    E: Endpoint,
    E::Request: Send + 'static,
    E::Response: TryFrom<Outcome, Error = BridgeError> + Send + 'static,
{
    let handler = move |State(st): State<Arc<AppState>>, body: Bytes| async move {
        let req = match parse_body::<E::Request>(&body) {
            Ok(r) => r,
            Err(r) => return *r,
        };
        on_device_thread(st, move |st| {
            let (target, op) = to_op(req)?;
            let out = match (&op, &st.journal) {
                (Operation::Burn(_), Some(j)) => {
                    // A panic while it was held leaves the journal as its last append left it:
                    // whole records only.
                    let mut j = j.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    operation::run(st.backend.as_ref(), &target, op, Some(&mut j))?
                }
                _ => operation::run(st.backend.as_ref(), &target, op, None)?,
            };
            E::Response::try_from(out)
        })
        .await
    };
    match E::METHOD {
        Method::Get => get(handler),
        Method::Post => post(handler),
    }
}

fn customer_key(k: Option<SecretString>) -> Result<Option<CustomerKey>, BridgeError> {
    Ok(k.map(|k| CustomerKey::parse(k.as_str())).transpose()?)
}

pub(super) fn creds(
    customer_key_text: Option<SecretString>,
    password: Option<SecretString>,
) -> Result<Credentials, BridgeError> {
    Ok(Credentials {
        customer_key: customer_key(customer_key_text)?,
        oath_password: password,
    })
}

fn target(reader: Option<String>, kind: Option<DeviceKind>, model: Option<Molto2Model>) -> Target {
    Target {
        reader,
        kind,
        model: model.map(crate::device::molto2_model),
    }
}

fn burn_op(r: BurnRequest) -> Addressed {
    let secret = Secret::parse(r.secret.as_str(), Encoding::Auto)
        .map_err(|e| crate::error::secret_refused(&e))?
        .secret;
    let params = BurnParams::from(&r);
    let job = BurnJob {
        secret,
        params,
        creds: creds(r.customer_key, r.password)?,
        upn: r.upn,
    };
    Ok((
        target(r.reader, r.kind, r.model),
        Operation::Burn(Box::new(job)),
    ))
}

fn oath_put_op(r: BurnRequest) -> Addressed {
    let (mut t, op) = burn_op(r)?;
    t.kind = Some(DeviceKind::Oath);
    Ok((t, op))
}

fn sync_op(r: SyncRequest) -> Addressed {
    let params = SyncParams::from(&r);
    let creds = creds(r.customer_key, None)?;
    Ok((
        target(r.reader, r.kind, r.model),
        Operation::Sync { params, creds },
    ))
}

fn title_op(r: ProfileTitleRequest) -> Addressed {
    let op = Operation::SetProfileTitle {
        profile: r.profile,
        title: r.title,
        creds: creds(r.customer_key, None)?,
    };
    Ok((target(r.reader, r.kind, r.model), op))
}

fn delete_profile_op(r: ProfileDeleteRequest) -> Addressed {
    let op = Operation::DeleteProfile { profile: r.profile };
    Ok((target(r.reader, r.kind, r.model), op))
}

fn change_key_op(r: ChangeKeyRequest) -> Addressed {
    let op = Operation::Molto2ChangeKey {
        new_key: CustomerKey::parse(r.new_customer_key.as_str())?,
        creds: creds(r.customer_key, None)?,
    };
    Ok((target(r.reader, r.kind, r.model), op))
}

fn factory_reset_op(r: FactoryResetRequest) -> Addressed {
    let op = Operation::Molto2FactoryReset {
        confirmed: r.confirm,
    };
    Ok((target(r.reader, r.kind, r.model), op))
}

fn screen_op(r: ScreenRequest) -> Addressed {
    let op = Operation::Molto2Screen { locked: r.locked };
    Ok((target(r.reader, r.kind, r.model), op))
}

fn oath_list_op(r: OathListRequest) -> Addressed {
    let op = Operation::ListOath {
        creds: creds(None, r.password)?,
    };
    Ok((target(r.reader, r.kind, r.model), op))
}

fn oath_delete_op(r: OathNameRequest) -> Addressed {
    let op = Operation::DeleteOath {
        name: r.name,
        creds: creds(None, r.password)?,
    };
    Ok((target(r.reader, r.kind, r.model), op))
}

fn oath_code_op(r: OathNameRequest) -> Addressed {
    let op = Operation::CalculateOath {
        name: r.name,
        creds: creds(None, r.password)?,
    };
    Ok((target(r.reader, r.kind, r.model), op))
}

fn oath_rename_op(r: OathRenameRequest) -> Addressed {
    let op = Operation::RenameOath {
        name: r.name,
        issuer: r.issuer,
        account: r.account,
        creds: creds(None, r.password)?,
    };
    Ok((target(r.reader, r.kind, r.model), op))
}

/// With `new_password` a set or a change, whichever the key needs; without, a removal.
fn oath_password_op(r: OathPasswordRequest) -> Addressed {
    use crate::device::oath::PasswordChange;
    let change = match r.new_password {
        Some(_) => PasswordChange::SetOrChange,
        None => PasswordChange::Remove,
    };
    let op = Operation::OathPassword {
        change,
        new_password: r.new_password,
        creds: creds(None, r.password)?,
    };
    Ok((target(r.reader, r.kind, r.model), op))
}

async fn health(State(st): State<Arc<AppState>>) -> Response {
    Json(Health {
        version: env!("CARGO_PKG_VERSION").into(),
        api: API_VERSION,
        simulate: st.cfg.simulate,
        results_file: st.journal.is_some(),
    })
    .into_response()
}

/// Not on the device thread: the operation to stop holds it.
async fn cancel(State(st): State<Arc<AppState>>) -> Response {
    Json(Cancelled {
        cancelled: st.backend.cancel(),
    })
    .into_response()
}

async fn readers(State(st): State<Arc<AppState>>) -> Response {
    on_device_thread(st, |st| operation::list(st.backend.as_ref())).await
}

async fn api_not_found() -> Response {
    error_response(ErrorCode::NotFound, "no such API endpoint")
}

/// The API routes.
pub fn routes() -> Router<Arc<AppState>> {
    use endpoint::*;
    Router::new()
        .route(GetHealth::PATH, get(health))
        .route(ListReaders::PATH, get(readers))
        .route(Cancel::PATH, post(cancel))
        .route(
            GetInfo::PATH,
            operation::<GetInfo>(|t| Ok((target(t.reader, t.kind, t.model), Operation::Info))),
        )
        .route(Burn::PATH, operation::<Burn>(burn_op))
        .route(Sync::PATH, operation::<Sync>(sync_op))
        .route(
            ListProfiles::PATH,
            operation::<ListProfiles>(|t| {
                Ok((target(t.reader, t.kind, t.model), Operation::ListProfiles))
            }),
        )
        .route(
            SetProfileTitle::PATH,
            operation::<SetProfileTitle>(title_op),
        )
        .route(
            DeleteProfile::PATH,
            operation::<DeleteProfile>(delete_profile_op),
        )
        .route(
            ChangeMolto2Key::PATH,
            operation::<ChangeMolto2Key>(change_key_op),
        )
        .route(
            ResetMolto2::PATH,
            operation::<ResetMolto2>(factory_reset_op),
        )
        .route(Molto2Screen::PATH, operation::<Molto2Screen>(screen_op))
        .route(ListOath::PATH, operation::<ListOath>(oath_list_op))
        .route(PutOath::PATH, operation::<PutOath>(oath_put_op))
        .route(DeleteOath::PATH, operation::<DeleteOath>(oath_delete_op))
        .route(
            CalculateOath::PATH,
            operation::<CalculateOath>(oath_code_op),
        )
        .route(RenameOath::PATH, operation::<RenameOath>(oath_rename_op))
        .route(
            SetOathPassword::PATH,
            operation::<SetOathPassword>(oath_password_op),
        )
        .route(StartBatch::PATH, post(super::batch::start_batch))
        .route(GetBatch::PATH, get(super::batch::get_batch))
        .route(ControlBatch::PATH, post(super::batch::control_batch))
        .route(AnswerBatch::PATH, post(super::batch::answer_batch))
        .route(BatchResultsOf::PATH, get(super::batch::batch_results))
        .route("/api/{*rest}", get(api_not_found).post(api_not_found))
}
