//! Issue 9, the Token2 and Molto2 side: the bridge's operations against emulators that behave
//! like the devices (proto's emulators, corrected facts), counting what reaches the device.

use std::sync::{Arc, Mutex};

use tokensmith_api::{Confirmation, DeviceKind, ErrorCode};
use tokensmith_core::caps::Model;
use tokensmith_core::secret::Secret;
use tokensmith_proto::emulator::{EmulatedTransport, Molto2Card, Token2Card};
use tokensmith_proto::molto2::{CustomerKey, Molto2Model};
use tokensmith_proto::token2;
use tokensmith_proto::transport::{Transport, TransportError};

use super::burn::{burn, Written};
use super::clock::{sync_time, SyncParams};
use super::plan::{plan_burn, BurnParams};
use super::*;
use crate::backend::{Backend, ReaderEntry};
use crate::error::BridgeError;

const NOW: i64 = 1_700_000_000;

fn secret() -> Secret {
    Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap()
}

fn molto2(
    card: Molto2Card,
    model: Option<Molto2Model>,
) -> (EmulatedTransport<Molto2Card>, Detected) {
    let mut t = EmulatedTransport::new(card);
    let d = detect_as(&mut t, "TOKEN2 MOLTO2 [CCID Interface] 00 00", None, model).unwrap();
    t.clear_log();
    (t, d)
}

/// Burn with `p`, planned for the detected model: the result and the writes the device
/// acknowledged.
fn burn_recorded(
    t: &mut dyn Transport,
    d: &Detected,
    p: &BurnParams,
    creds: &Credentials,
) -> (
    Result<tokensmith_api::BurnResult, BridgeError>,
    Vec<Written>,
) {
    let s = secret();
    let plan = plan_burn(d.model.unwrap(), None, p, &s).unwrap();
    let mut written = Vec::new();
    let r = burn(t, d, &plan, &s, creds, NOW, &mut |w| written.push(w));
    (r, written)
}

fn profile(n: u8, title: Option<&str>) -> BurnParams {
    BurnParams {
        profile: Some(n),
        title: title.map(String::from),
        ..Default::default()
    }
}

/// Point 3: the reader name says Molto2 in any case; detection sends one command (the info)
/// and guesses no model: the user's, or the Molto2 (v1) whose profiles exist on both.
#[test]
fn molto2_detection_by_name_without_a_model_guess() {
    let mut t = EmulatedTransport::new(Molto2Card::new(Molto2Model::V2, "M2"));
    let d = detect(&mut t, "token2 molto2 00 00", None).unwrap();
    assert_eq!(d.kind(), DeviceKind::Molto2);
    assert_eq!(t.log().len(), 1, "only the info command");
    assert_eq!(
        (d.device.model.as_str(), d.device.profiles),
        ("Molto2", Some(50))
    );
    let d = detect_as(&mut t, "TOKEN2 Molto2 00 00", None, Some(Molto2Model::V2)).unwrap();
    assert_eq!(
        (d.device.model.as_str(), d.device.profiles),
        ("Molto2v2", Some(100))
    );
    // A model for another kind of device is refused.
    let mut t2 = EmulatedTransport::new(Token2Card::of_model(Model::C302));
    let e = detect_as(&mut t2, "ACS ACR122U", None, Some(Molto2Model::V1)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadInput, "{e}");
    // Profile 50 needs the Molto2v2 named.
    let (_, d) = molto2(Molto2Card::default(), None);
    let e = plan_burn(d.model.unwrap(), None, &profile(75, None), &secret()).unwrap_err();
    assert!(e.to_string().contains("profiles 0–49"), "{e}");
}

/// Point 2: an occupied profile is refused without a single write (not even an
/// authentication); `overwrite` replaces it; seed, title, config in that order, each write
/// told as it is acknowledged.
#[test]
fn molto2_occupied_profile_refused_then_overwritten() {
    let mut card = Molto2Card::default();
    card.preload(7, b"someone else's seed", Some("Bank"));
    let (mut t, d) = molto2(card, None);
    let (r, written) = burn_recorded(
        &mut t,
        &d,
        &profile(7, Some("GitHub")),
        &Credentials::default(),
    );
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Occupied, "{e}");
    assert_eq!(e.code().exit_code(), 2);
    let msg = e.to_string();
    assert!(
        msg.contains("profile 7 already holds a seed (titled \"Bank\")"),
        "{msg}"
    );
    assert!(msg.contains("--overwrite"), "{msg}");
    assert!(written.is_empty());
    assert_eq!(t.log().len(), 1, "only the public block was read");
    assert_eq!(t.card().stored_seed(7), Some(&b"someone else's seed"[..]));

    // Overwrite, without a title: the old title stays, and the user is told.
    t.clear_log();
    let p = BurnParams {
        overwrite: true,
        ..profile(7, None)
    };
    let (r, written) = burn_recorded(&mut t, &d, &p, &Credentials::default());
    let out = r.unwrap();
    assert_eq!(
        written,
        vec![Written::OldSeedDeleted, Written::Seed, Written::Config]
    );
    assert_eq!(t.count_ins(0xCE), 1, "one authentication");
    assert_eq!(t.card().stored_seed(7), Some(secret().as_bytes()));
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("old seed was replaced")),
        "{:?}",
        out.warnings
    );
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("old title \"Bank\"")),
        "{:?}",
        out.warnings
    );
    assert_eq!(out.name.as_deref(), Some("Bank"));

    // An empty profile: seed, title, config.
    let (r, written) = burn_recorded(
        &mut t,
        &d,
        &profile(8, Some("GitHub")),
        &Credentials::default(),
    );
    r.unwrap();
    assert_eq!(
        written,
        vec![Written::Seed, Written::Title, Written::Config]
    );
}

/// Point 1: `63 C7` is "7 attempts left", the warning it is, in the message and the API's
/// `attempts_left` — never 199; authentication is not retried.
#[test]
fn molto2_lock_out_counter_is_the_warning_it_is() {
    let (mut t, d) = molto2(Molto2Card::default(), None);
    let creds = Credentials {
        customer_key: Some(CustomerKey::parse("not the key").unwrap()),
        ..Default::default()
    };
    let (r, written) = burn_recorded(&mut t, &d, &profile(3, None), &creds);
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::AuthFailed);
    assert_eq!(e.attempts_left(), Some(7));
    let msg = e.to_string();
    assert!(
        msg.contains("7 attempts left before the device locks"),
        "{msg}"
    );
    assert!(!msg.contains("199"), "{msg}");
    assert!(written.is_empty());
    assert_eq!(t.count_ins(0xCE), 1, "never retried");
}

/// Point 3: delete needs no authentication, so none is made (a mistyped key would cost an
/// attempt); an empty profile is no error.
#[test]
fn molto2_delete_without_authentication() {
    let mut card = Molto2Card::default();
    card.preload(2, b"seed", Some("Mail"));
    let (mut t, d) = molto2(card, None);
    assert!(molto2::profile_delete(&mut t, &d, 2).unwrap());
    assert!(
        !molto2::profile_delete(&mut t, &d, 2).unwrap(),
        "already empty"
    );
    assert_eq!(t.count_ins(0xCE) + t.count_ins(0x4B), 0);
    assert_eq!(t.card().stored_seed(2), None);
    assert_eq!(t.card().stored_title(2), Some(&b"Mail"[..]));
}

/// Point 7: profiles listed with title and occupancy only by the seed byte (an empty profile
/// reports the device's default config, which is not shown as one).
#[test]
fn molto2_profiles_list_titles_and_occupancy() {
    let mut card = Molto2Card::default();
    card.preload(1, b"seed", Some("À la carte"));
    let (mut t, d) = molto2(card, None);
    let list = molto2::profiles_list(&mut t, &d).unwrap();
    assert_eq!(list.len(), 50);
    assert_eq!(
        (list[1].title.as_str(), list[1].seed_present),
        ("À la carte", true)
    );
    assert!(list[1].algorithm.is_some());
    assert!(!list[5].seed_present);
    assert_eq!(
        (list[5].algorithm, list[5].digits, list[5].period),
        (None, None, None)
    );
}

/// Point 3: a sync of every profile carries on past the ones refused and reports each; one
/// profile alone.
#[test]
fn molto2_sync_all_reports_each_and_sync_one() {
    // A Molto2 (v1) the user called a Molto2v2: 50–99 are refused, 0–49 set.
    let (mut t, d) = molto2(
        Molto2Card::new(Molto2Model::V1, "M1"),
        Some(Molto2Model::V2),
    );
    let out = sync_time(
        &mut t,
        &d,
        &SyncParams::default(),
        &Credentials::default(),
        NOW,
    )
    .unwrap();
    assert_eq!(out.profiles.len(), 100);
    assert!(out.profiles[..50].iter().all(|p| p.ok));
    assert!(out.profiles[50..]
        .iter()
        .all(|p| !p.ok && p.error.as_deref().unwrap().contains("6A 86")));
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("profile(s) 50–99 was NOT set")),
        "{:?}",
        out.warnings
    );
    assert_eq!(t.card().profile(49).unwrap().rtc, NOW as u32);

    let (mut t, d) = molto2(Molto2Card::default(), None);
    let p = SyncParams {
        profile: Some(9),
        ..Default::default()
    };
    let out = sync_time(&mut t, &d, &p, &Credentials::default(), NOW).unwrap();
    assert_eq!(out.profiles.len(), 1);
    assert_eq!(t.count(0x84, 0xD4), 1);
    assert_eq!(t.card().profile(9).unwrap().rtc, NOW as u32);
}

/// A transport that remembers whether it was asked to leave the card alone.
struct Leaves<T> {
    inner: T,
    left: Arc<Mutex<bool>>,
}

impl<T: Transport> Transport for Leaves<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.inner.transmit(apdu)
    }
    fn leave_card(&mut self) {
        *self.left.lock().unwrap() = true;
    }
}

/// Point 7: change key, factory reset, screen lock: each says what the device waits for (▲
/// after `90 60`), and the connection then leaves the device alone so the press counts.
#[test]
fn molto2_management_explains_the_button() {
    let (t, d) = molto2(Molto2Card::default(), None);
    let left = Arc::new(Mutex::new(false));
    let mut t = Leaves {
        inner: t,
        left: left.clone(),
    };
    let new_key = CustomerKey::parse("a longer new passphrase").unwrap();
    let a = molto2::change_key(&mut t, &d, &Credentials::default(), &new_key).unwrap();
    assert_eq!(a.confirmation, Confirmation::PressButton);
    assert!(a.message.contains("press ▲"), "{}", a.message);
    assert!(
        a.message.contains("16"),
        "a non-16-byte key is noted: {}",
        a.message
    );
    assert!(*left.lock().unwrap(), "no reset after 90 60");
    t.inner.card_mut().press_button();
    let ok = Credentials {
        customer_key: Some(new_key),
        ..Default::default()
    };
    molto2::profile_title(&mut t, &d, &ok, 0, "Works").unwrap();

    let e = molto2::factory_reset(&mut t, &d, false).unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadInput);
    let before = t.inner.log().len();
    let e2 = crate::operation::precheck(
        &crate::operation::Target::default(),
        &crate::operation::Operation::Molto2FactoryReset { confirmed: false },
    );
    assert!(e2.is_err());
    assert_eq!(t.inner.log().len(), before, "nothing sent unconfirmed");
    let a = molto2::factory_reset(&mut t, &d, true).unwrap();
    assert_eq!(a.confirmation, Confirmation::PressButton);
    assert!(
        a.message.contains("every profile is deleted"),
        "{}",
        a.message
    );

    *left.lock().unwrap() = false;
    let a = molto2::screen(&mut t, &d, true).unwrap();
    assert_eq!(a.confirmation, Confirmation::Done);
    assert!(t.inner.card().screen_locked());
    assert!(!*left.lock().unwrap());
    molto2::screen(&mut t, &d, false).unwrap();
    assert!(!t.inner.card().screen_locked());
}

fn token2(card: Token2Card) -> (EmulatedTransport<Token2Card>, Detected) {
    let mut t = EmulatedTransport::new(card);
    let d = detect(&mut t, "ACS ACR122U 00 00", None).unwrap();
    t.clear_log();
    (t, d)
}

/// Point 4: one authentication per burn (config, then seed), each write told as it happens;
/// the burner's advice comes with the result.
#[test]
fn token2_burn_authenticates_once_and_gives_the_advice() {
    let (mut t, d) = token2(Token2Card::of_model(Model::C302));
    let s = secret();
    let (out, written) = burn_recorded(&mut t, &d, &BurnParams::default(), &Credentials::default());
    let out = out.unwrap();
    assert_eq!(t.count_ins(token2::INS_AUTHENTICATE), 1);
    assert_eq!(written, vec![Written::Config, Written::Seed]);
    let advice = out.advice.join("\n");
    assert!(advice.contains("switch the token off and on"), "{advice}");
    assert!(advice.contains("press its button"), "{advice}");
    assert_eq!(t.card().stored_seed(), Some(s.as_bytes()));
}

/// Point 4: a clock sync on an unknown model is refused unless forced — with zero
/// authentication attempts.
#[test]
fn token2_sync_on_unknown_model_needs_force_and_sends_no_authentication() {
    let (mut t, d) = token2(Token2Card::new("1234567000001"));
    assert!(!d.device.known_model);
    let p = SyncParams {
        confirm_clear_seed: true,
        ..Default::default()
    };
    let e = sync_time(&mut t, &d, &p, &Credentials::default(), NOW).unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadInput, "{e}");
    assert!(e.to_string().contains("--force-unknown-model"), "{e}");
    assert_eq!(t.count_ins(token2::INS_AUTHENTICATE), 0);
    assert!(t.log().is_empty(), "nothing at all was sent");
    let forced = SyncParams {
        force_unknown_model: true,
        ..p
    };
    let out = sync_time(&mut t, &d, &forced, &Credentials::default(), NOW).unwrap();
    assert_eq!(t.count_ins(token2::INS_AUTHENTICATE), 1);
    assert_eq!(t.card().clock(), NOW as u32);
    assert!(out.advice.iter().any(|a| a.contains("off and on")));
}

/// Point 4: a serial with padding around it is trimmed, and the model found.
#[test]
fn token2_padded_serial_is_trimmed() {
    let (_, d) = token2(Token2Card::new(" 8659632000042\0"));
    assert_eq!(d.device.serial, "8659632000042");
    assert!(d.device.known_model);
    assert_eq!(d.model, Some(Model::C302));
}

/// Point 7 (expert): the seed alone keeps the token's config and clock, with a warning.
#[test]
fn token2_seed_only_write() {
    let mut card = Token2Card::of_model(Model::OtpcP2);
    card.set_clock(1234);
    let (mut t, d) = token2(card);
    let s = secret();
    let p = BurnParams {
        seed_only: true,
        ..Default::default()
    };
    let (out, written) = burn_recorded(&mut t, &d, &p, &Credentials::default());
    let out = out.unwrap();
    assert_eq!(written, vec![Written::Seed]);
    assert_eq!(t.count_ins(token2::INS_WRITE_CONFIG), 0);
    assert_eq!((t.card().stored_config(), t.card().clock()), (None, 1234));
    assert!(
        out.warnings.iter().any(|w| w.contains("seed only")),
        "{:?}",
        out.warnings
    );
    // Not for a Molto2.
    let e = plan_burn(
        Model::Molto2,
        None,
        &BurnParams {
            seed_only: true,
            ..profile(1, None)
        },
        &s,
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadInput);
}

/// A backend of three readers: one another program holds, a Molto2, a Token2.
struct Readers {
    opened: Mutex<Vec<String>>,
}

impl Backend for Readers {
    fn readers(&self) -> Result<Vec<ReaderEntry>, BridgeError> {
        let r = |name: &str, busy| ReaderEntry {
            name: name.into(),
            card_present: true,
            busy,
        };
        Ok(vec![
            r("Yubico YubiKey OTP+FIDO+CCID 00 00", true),
            r("TOKEN2 Molto2 [CCID Interface] 01 00", false),
            r("ACS ACR122U PICC 02 00", false),
        ])
    }
    fn open(
        &self,
        reader: Option<&str>,
    ) -> Result<(String, Box<dyn Transport + Send>), BridgeError> {
        let name = crate::backend::select_reader(&self.readers()?, reader)?;
        let t = self.probe(&name)?;
        Ok((name, t))
    }
    fn probe(&self, reader: &str) -> Result<Box<dyn Transport + Send>, BridgeError> {
        self.opened.lock().unwrap().push(reader.to_string());
        if reader.contains("Yubi") {
            return Err(BridgeError::CardBusy(reader.into()));
        }
        Ok(Box::new(EmulatedTransport::new(Token2Card::of_model(
            Model::C302,
        ))))
    }
}

/// Point 5: a busy reader is listed as busy and the listing goes on; the Molto2 is known by
/// its reader's name and not connected to.
#[test]
fn listing_passes_busy_readers_and_never_connects_to_a_molto2() {
    let b = Readers {
        opened: Mutex::new(Vec::new()),
    };
    let list = list(&b).unwrap();
    assert_eq!(list.len(), 3);
    assert!(list[0].busy && list[0].device.is_none());
    assert!(list[0]
        .error
        .as_deref()
        .unwrap()
        .contains("another program"));
    assert_eq!(list[1].kind, Some(DeviceKind::Molto2));
    assert!(list[1].device.is_none());
    assert_eq!(list[2].device.as_ref().unwrap().model, "C302-i");
    assert_eq!(
        *b.opened.lock().unwrap(),
        vec!["ACS ACR122U PICC 02 00".to_string()],
        "only the free, non-Molto2 reader was connected to"
    );
    // A search over all readers: the busy one is passed over; two free cards remain.
    let e = crate::backend::select_reader(&b.readers().unwrap(), None).unwrap_err();
    assert!(
        e.to_string().contains("Molto2") && !e.to_string().contains("Yubico"),
        "{e}"
    );
}

/// Answers one command with a status word of our choosing, the rest as the card does.
struct RefuseNth<T> {
    inner: T,
    /// (CLA, INS) of the commands counted, which one (0-based) is refused, and with what.
    command: (u8, u8),
    nth: usize,
    sw: [u8; 2],
    seen: usize,
}

impl<T: Transport> Transport for RefuseNth<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        if apdu.len() >= 2 && (apdu[0], apdu[1]) == self.command {
            self.seen += 1;
            if self.seen == self.nth + 1 {
                return Ok(self.sw.to_vec());
            }
        }
        self.inner.transmit(apdu)
    }
}

/// A sync of every profile of a Molto2v2 whose card answers `sw` to profile 3's clock: the
/// clock commands sent, and the result.
fn sync_all_refusing_profile_3(sw: [u8; 2]) -> (usize, tokensmith_api::SyncResult) {
    let (t, d) = molto2(
        Molto2Card::new(Molto2Model::V2, "M2"),
        Some(Molto2Model::V2),
    );
    let mut t = RefuseNth {
        inner: t,
        command: (0x84, 0xD4),
        nth: 3,
        sw,
        seen: 0,
    };
    let out = sync_time(
        &mut t,
        &d,
        &SyncParams::default(),
        &Credentials::default(),
        NOW,
    )
    .unwrap();
    (t.seen, out)
}

/// Found by the `session` fuzz target: a sync of every profile carried on after the device
/// refused one for security (`69 83`, `69 82`, `63 Cx`), sending up to 99 more secured
/// commands that could only be refused — and might each count against the lock-out. It stops
/// there and says why; a refusal about the profile itself (`6A 86`) still carries on.
#[test]
fn molto2_sync_all_stops_at_a_security_refusal() {
    for sw in [[0x69, 0x83], [0x69, 0x82], [0x63, 0xC5], [0x69, 0x88]] {
        let (seen, out) = sync_all_refusing_profile_3(sw);
        assert_eq!(seen, 4, "{sw:02X?}: nothing sent after profile 3's refusal");
        assert_eq!(out.profiles.len(), 4);
        assert!(out.profiles[..3].iter().all(|p| p.ok));
        assert!(!out.profiles[3].ok);
        assert!(
            out.warnings.iter().any(
                |w| w.starts_with("the device refused profile 3 for security")
                    && w.contains("the later profiles were not set")
            ),
            "{sw:02X?}: {:?}",
            out.warnings
        );
        assert!(!out.warnings.iter().any(|w| w.contains("was lost")));
    }
    // Refused for the profile itself: carries on to the end.
    let (seen, out) = sync_all_refusing_profile_3([0x6A, 0x86]);
    assert_eq!((seen, out.profiles.len()), (100, 100));
    assert_eq!(
        out.profiles
            .iter()
            .filter(|p| !p.ok)
            .map(|p| p.profile)
            .collect::<Vec<_>>(),
        [3]
    );
}
