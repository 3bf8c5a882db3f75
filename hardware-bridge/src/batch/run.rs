//! One reader's loop: wait for a token, burn it for the next user, verify, wait for it to be
//! taken off. Several readers run this at once, each on its own thread; they share the one
//! burn journal (one writer per file), locked for each record only, so their burns overlap.
//! A token is connected to once: read, checked, burned and verified on that connection, which
//! is then held, exclusive, until the token is taken off: no other program can reach the
//! session the burn opened, and that session ends as the card loses power. So no card reset
//! (≈ 90 ms through pcscd + vpcd) stands between the last command and the row; a token left
//! on the reader when the loop ends is reset then. A Molto2's profiles are burned on
//! connections of their own, each closed (reset) before its row.

use std::sync::Mutex;
use std::time::Duration;

use tokensmith_api::{BatchAction, DeviceKind, ErrorCode, Profiles, RowStatus, Verification};
use tokensmith_core::batch::BatchUser;
use tokensmith_core::otp::OtpParams;
use tokensmith_core::secret::Secret;
use tokensmith_proto::molto2::Molto2Model;

use super::Batch;
use crate::backend::Backend;
use crate::error::BridgeError;
use crate::operation::{self, BurnJob, Opened, Operation, Target};
use tokensmith_burn_journal::{Journal, Method, TokenId};

/// How long one wait for a card blocks before the loop looks at pause/stop again.
const TICK: Duration = Duration::from_millis(250);

/// What a loop tells the admin about its reader.
pub const PLACE: &str = "place the next token";
pub const TAKE_OFF: &str = "take the token off the reader";
/// Why a batch stopped at a Molto2 that refused its customer key, and what to do.
const KEY_REFUSED: &str = " — the batch is stopped: the box shares this customer key, and each \
     refusal counts toward a Molto2's lock-out; start it again with the right key and Resume \
     (CLI: --resume)";
/// Why a batch stopped at an OATH key that refused its password, and what to do.
const PASSWORD_REFUSED: &str = " — the batch is stopped: one password is given for the whole \
     box, so the next keys would refuse it too; start it again with the right password and \
     Resume (CLI: --resume)";

/// Runs the loop on `reader` until the batch is stopped or no user waits.
pub fn reader_loop(
    batch: &Batch,
    backend: &dyn Backend,
    reader: &str,
    journal: &Mutex<Journal>,
) -> Result<(), BridgeError> {
    while batch.wait_running() && batch.work_left() {
        batch.set_reader_message(reader, PLACE);
        match backend.wait_presence(reader, false, TICK) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                batch.set_reader_message(reader, &format!("{e} (trying again)"));
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        }
        // `held`: the burned token's connection, until the token is gone (dropped on a
        // return below, with the token still there: the card is reset then).
        let (note, held) = match token_placed(batch, backend, reader, journal) {
            Ok(placed) => placed,
            Err(e) => (format!("{e}: {TAKE_OFF}"), None),
        };
        batch.set_reader_message(reader, &note);
        if !batch.work_left() {
            // Nobody waits for a token any more: the last one may stay on the reader.
            return Ok(());
        }
        // The next token only after this one is gone: never the same one twice by accident.
        loop {
            match backend.wait_presence(reader, true, TICK) {
                Ok(false) => break,
                Ok(true) | Err(_) if batch.state() == tokensmith_api::BatchState::Stopped => {
                    return Ok(())
                }
                Ok(true) => {}
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
        if let Some(mut card) = held {
            // The card is gone, and its session with it: nothing to reset.
            card.leave_card();
        }
    }
    batch.set_reader_message(reader, "done");
    Ok(())
}

/// A token is on the reader: burn it for the next user(s). Answers what to tell the admin,
/// and the connection to hold until the token is taken off (after a burn).
fn token_placed(
    batch: &Batch,
    backend: &dyn Backend,
    reader: &str,
    journal: &Mutex<Journal>,
) -> Result<(String, Option<Opened>), BridgeError> {
    let note = |n: String| Ok((n, None));
    let kind = batch.spec.kind();
    let molto2 = molto2_model(batch.spec.model);
    let target = Target {
        reader: Some(reader.to_string()),
        kind: Some(kind),
        model: molto2,
    };
    batch.set_reader_message(reader, "reading the token");
    let card = Opened::open(
        backend,
        &Target {
            kind: batch.kind_given.then_some(kind),
            ..target.clone()
        },
    )?;
    let dev = card.detected.device.clone();
    if dev.kind != kind {
        return note(format!(
            "this is a {} ({}), the batch burns {}: {TAKE_OFF}",
            dev.kind,
            dev.model,
            batch.spec.model.caps().label
        ));
    }
    let serial = dev.serial.trim().to_string();
    if serial.is_empty() {
        return note(format!(
            "this key reports no serial: give each user's printed serial in the list's serial \
             column, or use keys that report one; {TAKE_OFF}"
        ));
    }
    if kind == DeviceKind::Molto2 {
        // Its profiles are listed and burned on connections of their own, as before.
        drop(card);
        return fill_molto2(batch, backend, &target, &serial, journal).map(|n| (n, None));
    }
    if batch.is_uncertain(&serial) && !batch.spec.overwrite {
        return note(format!(
            "token {serial}: an earlier burn of it was interrupted, it may hold a seed (the \
             journal lists it; results-to-csv names it): refused; {TAKE_OFF} and place a fresh \
             one (--overwrite burns it again)"
        ));
    }
    if batch.is_burned(&serial) && !batch.spec.overwrite {
        return note(format!(
            "token {serial} is already burned (in the journal or this batch): refused; \
             {TAKE_OFF} and place a fresh one (--overwrite burns it again)"
        ));
    }
    let Some((p, user)) = batch.claim(&serial, reader) else {
        return note(format!(
            "no user in the list waits for token {serial}: {TAKE_OFF}"
        ));
    };
    let burn = burn_for(batch, card, &target, &serial, p, &user, None, journal);
    if burn.halt == Some(Halt::PasswordRefused) {
        // Nothing was written: the key refused before any change.
        stop_at(batch, p, PASSWORD_REFUSED);
        return Ok((
            format!("key {serial} refused the password{PASSWORD_REFUSED}; {TAKE_OFF}"),
            burn.held,
        ));
    }
    Ok((format!("token {serial} done: {TAKE_OFF}"), burn.held))
}

/// A Molto2: the next users in list order into its consecutive free profiles.
fn fill_molto2(
    batch: &Batch,
    backend: &dyn Backend,
    target: &Target,
    serial: &str,
    journal: &Mutex<Journal>,
) -> Result<String, BridgeError> {
    let Profiles { profiles } = Profiles::try_from(operation::run(
        backend,
        target,
        Operation::ListProfiles,
        None,
    )?)?;
    let last = batch.spec.model.caps().max_profile().unwrap_or(0);
    let free: Vec<u8> = profiles
        .iter()
        .filter(|p| !p.seed_present && p.profile <= last)
        .map(|p| p.profile)
        .collect();
    let claims = batch.claim_many(serial, target.reader.as_deref().unwrap_or(""), &free);
    if claims.is_empty() {
        return Ok(format!(
            "Molto2 {serial} has no free profile for the users waiting: {TAKE_OFF}"
        ));
    }
    let (mut tried, mut refused, mut gone) = (0, false, None);
    let mut claims = claims.into_iter();
    for (p, user, profile) in claims.by_ref() {
        if !batch.wait_running() {
            batch.update_row(p, unclaim);
            break;
        }
        match Opened::open(backend, target) {
            // Taken off, or silent, between two profiles: nothing was sent for this user.
            Err(e) if matches!(Halt::of(&e), Some(Halt::Gone(_))) => {
                batch.update_row(p, unclaim);
                gone = Halt::of(&e);
                break;
            }
            Ok(card) => {
                tried += 1;
                // A profile's connection is closed before its row: nothing is given back.
                let burn = burn_for(
                    batch,
                    card,
                    target,
                    serial,
                    p,
                    &user,
                    Some(profile),
                    journal,
                );
                match burn.halt {
                    Some(Halt::KeyRefused) => {
                        // The box shares one customer key: every further profile, of this
                        // Molto2 or the next, would only spend another attempt toward a
                        // lock-out.
                        stop_at(batch, p, KEY_REFUSED);
                        refused = true;
                        break;
                    }
                    Some(Halt::Gone(_)) => {
                        // Its row says what the profile may hold; the users after it wait for
                        // the next token instead of failing one by one against an empty
                        // reader.
                        gone = burn.halt;
                        break;
                    }
                    _ => {}
                }
            }
            Err(e) => {
                tried += 1;
                fail_row(batch, p, e.to_string())
            }
        }
    }
    for (p, _, _) in claims {
        batch.update_row(p, unclaim);
    }
    Ok(if refused {
        format!("Molto2 {serial} refused the customer key{KEY_REFUSED}; {TAKE_OFF}")
    } else if let Some(Halt::Gone(what)) = gone {
        let off = if what == GONE_SILENT {
            format!("{TAKE_OFF}; ")
        } else {
            String::new()
        };
        format!(
            "Molto2 {serial} {what} after {tried} profile(s) (each row says how): {off}the \
             users left wait for the next token — this one again, placed back, takes them into \
             its free profiles"
        )
    } else {
        format!("Molto2 {serial}: {tried} profile(s) done (each row says how); {TAKE_OFF}")
    })
}

fn unclaim(r: &mut tokensmith_api::BatchRow) {
    if r.status == RowStatus::Burning {
        r.status = RowStatus::Waiting;
        r.serial = None;
        r.profile = None;
        r.reader = None;
    }
}

fn molto2_model(m: tokensmith_core::caps::Model) -> Option<Molto2Model> {
    match m {
        tokensmith_core::caps::Model::Molto2 => Some(Molto2Model::V1),
        tokensmith_core::caps::Model::Molto2v2 => Some(Molto2Model::V2),
        _ => None,
    }
}

fn fail_row(batch: &Batch, p: usize, reason: String) {
    batch.update_row(p, |r| {
        r.status = RowStatus::Failed;
        r.reason = Some(reason);
    })
}

/// Tells the admin, in the reader's line, what happens on `target`'s reader.
fn tell(batch: &Batch, target: &Target, message: String) {
    if let Some(r) = &target.reader {
        batch.set_reader_message(r, &message);
    }
}

/// What [`burn_for`] gives back.
struct Burn {
    /// A single-profile token's connection, to hold until it is taken off.
    held: Option<Opened>,
    /// The failure (the row says it) ends more than this row.
    halt: Option<Halt>,
}

/// A burn's failure that ends more than its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Halt {
    /// A Molto2 refused the customer key: the batch stops.
    KeyRefused,
    /// An OATH key refused the password given (a key asking for one when none was given is
    /// not refused): the batch stops.
    PasswordRefused,
    /// The token was taken off or stopped answering (what happened, for the admin): the
    /// token's other users wait for the next one.
    Gone(&'static str),
}

const GONE_SILENT: &str = "stopped answering";

impl Halt {
    fn of(e: &BridgeError) -> Option<Halt> {
        match (e.cause(), e.code()) {
            (BridgeError::Molto2(_), ErrorCode::AuthFailed) => Some(Halt::KeyRefused),
            (BridgeError::Oath(tokensmith_proto::ykoath::YkoathError::WrongPassword), _) => {
                Some(Halt::PasswordRefused)
            }
            (_, ErrorCode::CardRemoved | ErrorCode::NoCard) => Some(Halt::Gone("was taken off")),
            (_, ErrorCode::CardTimeout) => Some(Halt::Gone(GONE_SILENT)),
            _ => None,
        }
    }
}

/// Stops the batch at row `p`, whose reason gets `why`.
fn stop_at(batch: &Batch, p: usize, why: &str) {
    let _ = batch.control(BatchAction::Stop, None);
    batch.update_row(p, |r| {
        if let Some(reason) = &mut r.reason {
            reason.push_str(why);
        }
    });
}

/// Burns a fresh seed for row `p` on `card` and verifies it; the row says how it went. A
/// Molto2 profile's connection is closed (the card reset) before the row is updated, for the
/// next profile's; a single-profile token's is given back, to hold until it is taken off.
#[allow(clippy::too_many_arguments)]
fn burn_for(
    batch: &Batch,
    mut card: Opened,
    target: &Target,
    serial: &str,
    p: usize,
    user: &BatchUser,
    profile: Option<u8>,
    journal: &Mutex<Journal>,
) -> Burn {
    tell(
        batch,
        target,
        format!("burning token {serial} for {}", user.upn),
    );
    let secret = match Secret::generate(batch.spec.seed_bytes, None) {
        Ok(s) => s,
        Err(e) => {
            fail_row(batch, p, format!("no random seed: {e}"));
            return Burn {
                held: None,
                halt: None,
            };
        }
    };
    let spec = &batch.spec;
    let mut params = spec.params.clone();
    params.serial = Some(serial.to_string());
    params.overwrite = spec.overwrite && profile.is_none();
    params.profile = profile;
    if profile.is_some() {
        let label = user.display_name.as_deref().unwrap_or(&user.upn);
        params.title = spec.model.caps().title_from(label);
    }
    if spec.kind() == DeviceKind::Oath {
        params.account = Some(user.upn.clone());
    }
    let otp = OtpParams {
        algorithm: params.algorithm.unwrap_or_default(),
        digits: params.digits.unwrap_or(6),
        period: params.period.unwrap_or(30),
    };
    let job = BurnJob {
        secret: secret.clone(),
        params,
        creds: spec.creds.clone(),
        upn: Some(user.upn.clone()),
    };
    // The intent is fsynced before the first write, each acknowledged write after it; the
    // journal is locked for each record only, so other readers' burns go on meanwhile.
    let burned = card
        .run(target, Operation::Burn(Box::new(job)), Some(journal.into()))
        .and_then(tokensmith_api::BurnResult::try_from);
    let halt = burned.as_ref().err().and_then(Halt::of);
    let held = match profile {
        Some(_) => {
            drop(card);
            None
        }
        None => Some(card),
    };
    settle(
        batch,
        burned,
        target,
        serial,
        p,
        profile,
        journal,
        (&secret, otp),
    );
    Burn { held, halt }
}

/// The row (and the journal's verification) after a burn: verified by the key itself, by
/// `--auto-accept`, or by the admin comparing the token's code.
#[allow(clippy::too_many_arguments)]
fn settle(
    batch: &Batch,
    burned: Result<tokensmith_api::BurnResult, BridgeError>,
    target: &Target,
    serial: &str,
    p: usize,
    profile: Option<u8>,
    journal: &Mutex<Journal>,
    (secret, otp): (&Secret, OtpParams),
) {
    let say = |message: String| tell(batch, target, message);
    let fail = |reason: String| fail_row(batch, p, reason);
    let spec = &batch.spec;
    let out = match burned {
        Ok(o) => o,
        Err(e) => {
            if profile.is_none() && matches!(e, BridgeError::Journaled { .. }) {
                // Something may be in the token now: it is not taken again by accident.
                batch.mark_burned(serial);
            }
            return fail(e.to_string());
        }
    };
    let attempt = out.journal.as_ref().map(|e| TokenId(e.attempt));
    // What the admin (or --auto-accept) said, journaled before the row says it.
    let settle = |method: Option<Method>, code: &str| -> Result<(), BridgeError> {
        let Some(id) = attempt else { return Ok(()) };
        let mut j = journal.lock().unwrap_or_else(|p| p.into_inner());
        match method {
            Some(m) => j.verified(id, m, Some(code.to_string()), None),
            None => j.verification_failed(id, "the admin saw another code on the token", None),
        }
        .map_err(crate::journal::error)
    };
    if profile.is_none() {
        batch.mark_burned(serial);
    }
    let verified = |by: &str| {
        batch.update_row(p, |r| {
            r.status = RowStatus::Verified;
            r.verified_by = Some(by.to_string());
            r.expected_code = None;
        });
        batch.finished_one();
    };
    match out.verification {
        Verification::DeviceCalculated { matches: true, .. } => verified("device_calculated"),
        Verification::DeviceCalculated { matches: false, .. } => {
            fail("the key computed another code than the seed gives: take it off and retry".into())
        }
        Verification::NotChecked { .. } => verified("not_checked"),
        Verification::CompareWithDisplay { expected_code, .. } if spec.auto_accept => {
            match settle(Some(Method::AutoAccepted), &expected_code) {
                Ok(()) => verified("auto_accepted"),
                Err(e) => fail(e.to_string()),
            }
        }
        Verification::CompareWithDisplay { expected_code, .. } => {
            say(format!(
                "token {serial}: compare the code it shows (switch it off and on first)"
            ));
            batch.await_comparison(p, secret.clone(), otp, expected_code);
            let answer = batch.wait_answer(p);
            let shown = tokensmith_core::otp::totp(secret.as_bytes(), &otp, crate::device::now())
                .unwrap_or_default();
            match answer {
                Some(true) => match settle(Some(Method::ComparedByAdmin), &shown) {
                    Ok(()) => verified("compared_by_admin"),
                    Err(e) => fail(e.to_string()),
                },
                Some(false) => {
                    let _ = settle(None, &shown);
                    fail(
                        "the token showed another code (it is recorded: a retry needs a fresh \
                     token, or --overwrite for this one)"
                            .into(),
                    )
                }
                // Stopped: recorded, the code not compared yet.
                None => {}
            }
        }
    }
}
