use super::*;
use tokensmith_core::caps::Model;
use tokensmith_core::otp::Algorithm as Alg;

fn h(s: &str) -> String {
    s.to_ascii_uppercase()
}

#[test]
fn kat_authenticate() {
    let apdu = authenticate_apdu(&device_key(), &[0, 1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(
        hex::encode_upper(apdu),
        h("80CE000010E5C5D39F9147143A36BE0FC3C165A6E4")
    );
}

#[test]
fn kat_write_seed() {
    let apdu = write_seed_apdu(&device_key(), b"12345678901234567890").unwrap();
    assert_eq!(
        hex::encode_upper(&*apdu),
        h("84C50100245E5856092FD3228D4D33EEE3DAAC4B55CE37D18D332B7AC6A40E8661FA23042AF47B0153")
    );
}

#[test]
fn kat_write_config() {
    let cfg = Token2Config::from_values(30, 1_700_000_000, Alg::Sha1, 30).unwrap();
    assert_eq!(
        hex::encode_upper(write_config_apdu(&device_key(), &cfg)),
        h("84D400001781111F01010F046553F10086060A01010D011E4FFDC288")
    );
    assert_eq!(
        Token2Config::from_wire(1, 1_700_000_000, 1, 0x1E).unwrap(),
        cfg
    );
}

#[test]
fn fixed_forms() {
    assert_eq!(get_info_apdu(), vec![0x80, 0x41, 0, 0, 2, 2, 0x11]);
    assert_eq!(get_challenge_apdu(), vec![0x80, 0x4B, 8, 0, 1, 0]);
}

#[test]
fn seed_lengths() {
    let k = device_key();
    assert!(matches!(
        write_seed_apdu(&k, &[]),
        Err(Token2Error::InvalidSeed(_))
    ));
    assert!(write_seed_apdu(&k, &[1; 64]).is_err());
    // 63 bytes + marker = 64 = 4 blocks.
    assert_eq!(write_seed_apdu(&k, &[1; 63]).unwrap().len(), 5 + 64 + 4);
    // Exactly 16 bytes gets an extra block for the marker.
    let a = write_seed_apdu(&k, &[1; 16]).unwrap();
    assert_eq!(a[4], 32 + 4);
    let ct = &a[5..37];
    let pt = k.ecb_decrypt(ct).unwrap();
    assert_eq!(pt[16], 0x80);
    assert!(pt[17..].iter().all(|&b| b == 0));
    // 15 bytes fit in one block with the marker.
    assert_eq!(write_seed_apdu(&k, &[1; 15]).unwrap()[4], 16 + 4);
}

#[test]
fn config_validation() {
    assert!(Token2Config::from_values(45, 0, Alg::Sha1, 30).is_err());
    assert!(Token2Config::from_values(30, -1, Alg::Sha1, 30).is_err());
    assert!(Token2Config::from_values(30, 1 << 32, Alg::Sha1, 30).is_err());
    assert!(Token2Config::from_values(30, 0, Alg::Sha512, 30).is_err());
    assert!(Token2Config::from_values(30, 0, Alg::Sha1, 45).is_err());
    assert!(Token2Config::from_wire(4, 0, 1, 0x1E).is_err());
    assert!(Token2Config::from_wire(0, 0, 3, 0x1E).is_err());
    assert!(Token2Config::from_wire(0, 0, 1, 0x1F).is_err());
    let c = Token2Config::from_values(120, 5, Alg::Sha256, 60).unwrap();
    assert_eq!(c.tlv()[4], 3);
    assert_eq!(c.tlv()[15], 2);
    assert_eq!(c.tlv()[18], 0x3C);
}

#[test]
fn models() {
    assert_eq!(model_from_serial("86596120001234"), Some(Model::OtpcP1));
    assert_eq!(model_from_serial("8659621999"), Some(Model::OtpcP2Nb));
    assert_eq!(model_from_serial("8659609000"), Some(Model::MiniOtp3Nb));
    assert_eq!(model_from_serial("1234567"), None);
    assert_eq!(model_from_serial("865961"), None);
    let token2_models: Vec<Model> = Model::ALL
        .into_iter()
        .filter(|m| m.caps().serial_prefix.is_some())
        .collect();
    assert_eq!(token2_models.len(), 8);
    for m in token2_models {
        let p = m.caps().serial_prefix.unwrap();
        let keeps = ["8659600", "8659612", "8659632"].contains(&p);
        assert_eq!(
            config_write_clears_seed(&format!("{p}00001")),
            !keeps,
            "{p}"
        );
        assert_eq!(model_from_serial(&serial_of(m, "000001")), Some(m));
    }
    assert!(config_write_clears_seed("999"));
}

#[test]
fn info_parsing() {
    let mut d = vec![0, 0, 0, 7];
    d.extend_from_slice(b"8659622");
    d.extend_from_slice(&[0, 0]);
    d.extend_from_slice(&1_700_000_000u32.to_be_bytes());
    let i = parse_info(&d).unwrap();
    assert_eq!(i.serial, "8659622");
    assert_eq!(i.utc, 1_700_000_000);
    assert_eq!(i.model(), Some(Model::OtpcP2));
    assert!(parse_info(&d[..d.len() - 1]).is_err());
    assert!(parse_info(&[0, 0]).is_err());
}

/// Issue 9: a serial with padding or white space around it is trimmed (Token2's burner and
/// keyroost do), not a reason to reject the token.
#[test]
fn serial_padding_is_trimmed_not_rejected() {
    let info = |serial: &[u8]| {
        let mut d = vec![0, 0, 0, serial.len() as u8];
        d.extend_from_slice(serial);
        d.extend_from_slice(&[0, 0]);
        d.extend_from_slice(&42u32.to_be_bytes());
        parse_info(&d)
    };
    for padded in [
        &b" 8659632000123 "[..],
        b"8659632000123\0\0\0",
        b"\t8659632000123\r\n",
        b"8659632000123\xFF\xFF",
    ] {
        let i = info(padded).unwrap();
        assert_eq!(i.serial, "8659632000123");
        assert_eq!(i.model(), Some(Model::C302));
    }
    // Only padding, or a control byte inside, is not a serial.
    assert!(info(b"  \0").is_err());
    assert!(info(b"8659\x01632").is_err());
}

#[test]
fn status_words() {
    let sw = |sw: u16, command: &'static str| {
        Err(Token2Error::Status(SwError {
            protocol: Protocol::Token2,
            command,
            sw: crate::status::StatusWord(sw),
        }))
    };
    assert_eq!(
        check_sw(0x6983, Step::Authenticate),
        Err(Token2Error::AuthFailed)
    );
    assert_eq!(
        check_sw(0x6983, Step::Secured("write seed")),
        Err(Token2Error::SecurityFailure("write seed"))
    );
    // Without a meaning of its own, every other status word is the one status-word error,
    // naming the command.
    for code in [0x6700, 0x6A80, 0x6D00, 0x6E00, 0x6F00] {
        assert_eq!(
            check_sw(code, Step::Plain("get info")),
            sw(code, "get info")
        );
    }
    assert_eq!(
        check_sw(0x6983, Step::Plain("get info")),
        sw(0x6983, "get info")
    );
    assert!(check_sw(0x6700, Step::Plain("get info"))
        .unwrap_err()
        .to_string()
        .contains("wrong length"));
}
