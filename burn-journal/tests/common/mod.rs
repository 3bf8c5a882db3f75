//! What the integration tests share: sample records and passphrases.
#![allow(dead_code)]

use tokensmith_burn_journal::{
    Intent, Kind, Params, Passphrase, Protection, SecretString, Target, Write,
};
use tokensmith_core::otp::Algorithm;
use tokensmith_core::secret::Secret;

/// The lowest scrypt cost age allows here: tests open many journals.
pub const TEST_WORK_FACTOR: u8 = 10;

pub const PASSPHRASE: &str = "correct horse battery staple";

pub fn passphrase(p: &str) -> Passphrase {
    Passphrase::new(SecretString::from(p.to_owned())).with_work_factor(TEST_WORK_FACTOR)
}

pub fn encrypted() -> Protection {
    Protection::Passphrase(passphrase(PASSPHRASE))
}

/// A seed whose base32 is easy to look for in a file.
pub fn seed(n: u8) -> Secret {
    Secret::from_bytes(vec![0xA0 ^ n; 20]).unwrap()
}

pub fn token2(serial: &str, n: u8) -> Intent {
    Intent {
        target: Target {
            kind: Kind::Token2,
            reader: Some("Simulated reader 0".into()),
            serial: serial.into(),
            model: "C302-i".into(),
            manufacturer: None,
            profile: None,
            credential: None,
        },
        seed: seed(n),
        params: Params {
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
            display_timeout: Some(30),
            hotp_counter: None,
        },
        writes: vec![Write::Config, Write::Seed],
        config_erases_seed: true,
        title: None,
        touch: false,
        upn: Some(format!("user{n}@contoso.com")),
        display_name: None,
        batch: None,
    }
}
