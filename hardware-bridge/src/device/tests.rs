use super::burn::burn;
use super::clock::{sync_time, SyncParams};
use super::plan::{most_capable, plan_burn, BurnParams, BurnPlan};
use super::*;
use tokensmith_api::ErrorCode;
use tokensmith_core::caps::Model;
use tokensmith_core::otp::Algorithm;
use tokensmith_core::secret::Secret;
use tokensmith_proto::molto2::Molto2Error;
use tokensmith_proto::token2::{self, Token2Error};
use tokensmith_proto::transport::TransportError;
use tokensmith_proto::ykoath;

/// Plans as the bridge did by kind: a Molto2 of `profiles` (the v2 when unknown), an OATH
/// key that can do everything (a YubiKey of unknown firmware).
fn plan_for(
    kind: DeviceKind,
    p: &BurnParams,
    s: &Secret,
    profiles: Option<u8>,
) -> Result<BurnPlan, BridgeError> {
    let model = match (kind, profiles) {
        (DeviceKind::Molto2, Some(50)) => Model::Molto2,
        (k, _) => most_capable(k),
    };
    plan_burn(model, None, p, s)
}

fn secret() -> Secret {
    Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap()
}

#[test]
fn token2_validation() {
    let s = secret();
    let mut p = BurnParams::default();
    assert!(matches!(
        plan_for(DeviceKind::Token2, &p, &s, None),
        Ok(BurnPlan::Token2 { .. })
    ));
    p.digits = Some(8);
    assert!(plan_for(DeviceKind::Token2, &p, &s, None).is_err());
    p.digits = None;
    p.algorithm = Some(Algorithm::Sha512);
    assert!(plan_for(DeviceKind::Token2, &p, &s, None).is_err());
    p.algorithm = Some(Algorithm::Sha256);
    p.period = Some(45);
    assert!(plan_for(DeviceKind::Token2, &p, &s, None).is_err());
    p.period = Some(60);
    p.display_timeout = Some(45);
    assert!(plan_for(DeviceKind::Token2, &p, &s, None).is_err());
    p.display_timeout = Some(120);
    let plan = plan_for(DeviceKind::Token2, &p, &s, None).unwrap();
    assert_eq!(plan.params().period, 60);
    assert_eq!(plan.params().algorithm, Algorithm::Sha256);
    p.profile = Some(1);
    assert!(plan_for(DeviceKind::Token2, &p, &s, None).is_err());
    let long = Secret::from_bytes(vec![1; 64]).unwrap();
    assert!(plan_for(DeviceKind::Token2, &BurnParams::default(), &long, None).is_err());
}

#[test]
fn molto2_and_oath_validation() {
    let s = secret();
    let mut p = BurnParams {
        profile: Some(49),
        digits: Some(8),
        title: Some("GitHub".into()),
        ..Default::default()
    };
    assert!(plan_for(DeviceKind::Molto2, &p, &s, Some(50)).is_ok());
    p.profile = Some(50);
    assert!(plan_for(DeviceKind::Molto2, &p, &s, Some(50)).is_err());
    assert!(plan_for(DeviceKind::Molto2, &p, &s, Some(100)).is_ok());
    p.digits = Some(7);
    assert!(plan_for(DeviceKind::Molto2, &p, &s, None).is_err());
    p.digits = Some(6);
    p.title = Some("thirteen byte".into());
    assert!(plan_for(DeviceKind::Molto2, &p, &s, None).is_err());
    p.title = None;
    p.profile = None;
    assert!(plan_for(DeviceKind::Molto2, &p, &s, None).is_err());

    let mut o = BurnParams {
        account: Some("alice".into()),
        issuer: Some("Example".into()),
        algorithm: Some(Algorithm::Sha512),
        digits: Some(8),
        period: Some(60),
        ..Default::default()
    };
    match plan_for(DeviceKind::Oath, &o, &s, None).unwrap() {
        BurnPlan::Oath { name, .. } => assert_eq!(name, "60/Example:alice"),
        _ => panic!(),
    }
    o.display_timeout = Some(30);
    assert!(plan_for(DeviceKind::Oath, &o, &s, None).is_err());
    o.display_timeout = None;
    o.digits = Some(9);
    assert!(plan_for(DeviceKind::Oath, &o, &s, None).is_err());
    o.digits = Some(6);
    o.account = None;
    assert!(plan_for(DeviceKind::Oath, &o, &s, None).is_err());
}

#[test]
fn classes_and_exit_codes() {
    assert_eq!(BridgeError::NoReader.code().exit_code(), 3);
    assert_eq!(
        BridgeError::from(Token2Error::AuthFailed)
            .code()
            .exit_code(),
        4
    );
    assert_eq!(
        BridgeError::from(Token2Error::AuthFailed).code(),
        ErrorCode::AuthFailed
    );
    assert_eq!(
        BridgeError::from(Molto2Error::AuthFailed {
            attempts_left: Some(2)
        })
        .code(),
        ErrorCode::AuthFailed
    );
    assert_eq!(
        BridgeError::from(Token2Error::Transport(TransportError::NoCard)).code(),
        ErrorCode::CardRemoved
    );
    assert_eq!(BridgeError::BadInput("x".into()).code().exit_code(), 2);
    assert_eq!(
        BridgeError::from(Token2Error::Status(tokensmith_proto::status::SwError {
            protocol: tokensmith_proto::status::Protocol::Token2,
            command: "write seed",
            sw: tokensmith_proto::status::StatusWord(0x6A80),
        }))
        .code()
        .exit_code(),
        5
    );
}

use tokensmith_proto::emulator::{Card, EmulatedTransport, Token2Card, YkoathCard};

fn t2(model: Model) -> (EmulatedTransport<Token2Card>, Detected) {
    let mut t = EmulatedTransport::new(Token2Card::of_model(model));
    let d = detect(&mut t, "test reader", None).unwrap();
    assert_eq!(d.kind(), DeviceKind::Token2);
    (t, d)
}

#[test]
fn token2_auth_failure_is_not_retried() {
    let (mut t, d) = t2(Model::C302);
    t.card_mut()
        .set_device_key(tokensmith_proto::crypto::Sm4Key::new([7; 16]));
    let s = secret();
    let plan = plan_for(d.kind(), &BurnParams::default(), &s, None).unwrap();
    let e = burn(
        &mut t,
        &d,
        &plan,
        &s,
        &Credentials::default(),
        1_700_000_000,
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::AuthFailed, "{e}");
    assert_eq!(e.code().exit_code(), 4);
    assert_eq!(t.count_ins(token2::INS_AUTHENTICATE), 1);
    assert_eq!(t.count_ins(token2::INS_WRITE_CONFIG), 0);
    assert_eq!(t.card().stored_seed(), None);
}

#[test]
fn card_removed_mid_way() {
    let (mut t, d) = t2(Model::C302);
    t.remove_card();
    let s = secret();
    let plan = plan_for(d.kind(), &BurnParams::default(), &s, None).unwrap();
    let e = burn(
        &mut t,
        &d,
        &plan,
        &s,
        &Credentials::default(),
        1_700_000_000,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(e, BridgeError::CardRemoved), "{e}");
    assert_eq!(e.code(), ErrorCode::CardRemoved);
    assert_eq!(e.code().exit_code(), 3);
}

#[test]
fn sync_warns_before_clearing_the_seed() {
    let (mut t, d) = t2(Model::OtpcP2);
    t.card_mut().set_seed(Some(b"keep me"));
    t.clear_log();
    let e = sync_time(
        &mut t,
        &d,
        &SyncParams::default(),
        &Credentials::default(),
        1_700_000_000,
    )
    .unwrap_err();
    assert!(matches!(e, BridgeError::WillClearSeed { .. }), "{e}");
    assert!(t.log().is_empty(), "nothing may be sent");
    let p = SyncParams {
        confirm_clear_seed: true,
        ..Default::default()
    };
    let out = sync_time(&mut t, &d, &p, &Credentials::default(), 1_700_000_000).unwrap();
    assert!(out.seed_cleared);
    assert_eq!(t.card().clock(), 1_700_000_000);
    // A model that keeps its seed needs no confirmation.
    let (mut t, d) = t2(Model::MiniOtp2);
    t.card_mut().set_seed(Some(b"keep me"));
    let out = sync_time(
        &mut t,
        &d,
        &SyncParams::default(),
        &Credentials::default(),
        1_700_000_000,
    )
    .unwrap();
    assert!(!out.seed_cleared);
    assert_eq!(t.card().stored_seed(), Some(&b"keep me"[..]));
}

#[test]
fn unknown_token2_model_needs_force() {
    let mut t = EmulatedTransport::new(Token2Card::new("1234567000001"));
    let d = detect(&mut t, "r", None).unwrap();
    assert!(!d.device.known_model);
    let s = secret();
    let mut p = BurnParams::default();
    let plan = plan_for(d.kind(), &p, &s, None).unwrap();
    let e = burn(
        &mut t,
        &d,
        &plan,
        &s,
        &Credentials::default(),
        1_700_000_000,
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadInput, "{e}");
    assert_eq!(t.count_ins(token2::INS_AUTHENTICATE), 0);
    p.force_unknown_model = true;
    let plan = plan_for(d.kind(), &p, &s, None).unwrap();
    let out = burn(
        &mut t,
        &d,
        &plan,
        &s,
        &Credentials::default(),
        1_700_000_000,
        &mut |_| {},
    )
    .unwrap();
    assert!(!out.warnings.is_empty());
    assert_eq!(t.card().stored_seed(), Some(s.as_bytes()));
}

/// An OATH key whose CALCULATE answers are wrong.
struct Liar(YkoathCard);
impl Card for Liar {
    fn atr(&self) -> Vec<u8> {
        self.0.atr()
    }
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        let mut r = self.0.process(apdu);
        if apdu.get(1) == Some(&ykoath::INS_CALCULATE) && r.len() > 3 {
            let i = r.len() - 3;
            r[i] ^= 0x55;
        }
        r
    }
}

#[test]
fn oath_verification_mismatch_is_an_error() {
    let mut t = EmulatedTransport::new(Liar(YkoathCard::new()));
    let d = detect(&mut t, "r", None).unwrap();
    assert_eq!(d.kind(), DeviceKind::Oath);
    let s = secret();
    let p = BurnParams {
        account: Some("a".into()),
        ..Default::default()
    };
    let plan = plan_for(d.kind(), &p, &s, None).unwrap();
    let e = burn(
        &mut t,
        &d,
        &plan,
        &s,
        &Credentials::default(),
        1_700_000_000,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(e, BridgeError::VerifyMismatch { .. }), "{e}");
    assert_eq!(e.code().exit_code(), 5);
}

#[test]
fn unknown_card() {
    struct Stranger;
    impl Card for Stranger {
        fn atr(&self) -> Vec<u8> {
            vec![0x3B, 0]
        }
        fn process(&mut self, _: &[u8]) -> Vec<u8> {
            vec![0x6E, 0x00]
        }
    }
    let mut t = EmulatedTransport::new(Stranger);
    let e = detect(&mut t, "r", None).unwrap_err();
    assert_eq!(e.code(), ErrorCode::UnknownCard);
    assert_eq!(e.code().exit_code(), 3);
}
