use super::*;
use crate::entra::Format;

fn otp(algorithm: Algorithm, digits: u8, period: u32) -> OtpParams {
    OtpParams {
        algorithm,
        digits,
        period,
    }
}

fn refusals(model: Model, p: &Params) -> Vec<Refusal> {
    check(model, p).err().unwrap_or_default()
}

fn messages(model: Model, p: &Params) -> Vec<String> {
    refusals(model, p).iter().map(ToString::to_string).collect()
}

#[test]
fn table_is_consistent() {
    let mut slugs = Vec::new();
    for m in Model::ALL {
        let c = m.caps();
        assert_eq!(c.model, m, "{}", c.slug);
        assert!(!slugs.contains(&c.slug), "duplicate slug {}", c.slug);
        slugs.push(c.slug);
        assert!(!c.algorithms.is_empty() && c.algorithms.contains(&Algorithm::Sha1));
        assert!(c.digits.windows(2).all(|w| w[0] < w[1]), "{}", c.slug);
        assert!(
            c.digits.contains(&6),
            "{}: every target shows 6 digits",
            c.slug
        );
        assert!(c.seed_bytes.0 >= 1 && c.seed_bytes.0 <= c.seed_bytes.1);
        assert_eq!(m.to_string(), c.human);
        assert_eq!(c.slug.parse::<Model>(), Ok(m));
        // The de-facto default works everywhere.
        assert_eq!(
            check(m, &Params::otp(OtpParams::default())),
            Ok(()),
            "{}",
            c.slug
        );
    }
}

#[test]
fn token2_single_profile_models() {
    let names = [
        "C301-i",
        "C302-i",
        "OTPC-P1-i",
        "OTPC-P2-i",
        "OTPC-P2-i-NB",
        "miniOTP-2-i",
        "miniOTP-3-i",
        "miniOTP-3-i-NB",
    ];
    let singles: Vec<Model> = Model::ALL
        .into_iter()
        .filter(|m| m.caps().family == Family::Token2)
        .collect();
    assert_eq!(singles.len(), names.len());
    for (m, name) in singles.into_iter().zip(names) {
        let c = m.caps();
        assert_eq!(
            (c.family, c.manufacturer, c.name),
            (Family::Token2, "Token2", name)
        );
        assert_eq!(c.algorithms, [Algorithm::Sha1, Algorithm::Sha256]);
        assert_eq!(c.digits, [6]);
        assert_eq!(c.periods, Periods::Only(&[30, 60]));
        assert_eq!(c.display_timeouts, DisplayTimeout::ALL);
        assert_eq!(
            (c.profiles, c.title_bytes, c.name_bytes),
            (None, None, None)
        );
        assert_eq!(c.seed_bytes, (1, 63));
        assert_eq!((c.account, c.touch), (Account::None, Touch::None));
        let prefix = c.serial_prefix.expect("a serial prefix");
        assert_eq!(
            Model::from_token2_serial(&format!("{prefix}000123")),
            Some(m)
        );
        let keeps = ["8659600", "8659612", "8659632"].contains(&prefix);
        assert_eq!(
            c.clock,
            Clock::SetByConfig {
                clears_seed: !keeps
            },
            "{name}"
        );
    }
    assert_eq!(Model::from_token2_serial("8659999000"), None);
    assert_eq!(Model::from_token2_serial("865961"), None);
    assert_eq!(
        Model::from_token2_serial(" 8659621999 "),
        Some(Model::OtpcP2Nb)
    );
}

#[test]
fn token2_refusals_name_the_value_and_the_fix() {
    let p = Params::otp(otp(Algorithm::Sha512, 8, 45));
    assert_eq!(
        messages(Model::C301, &p),
        [
            "the Token2 C301-i cannot store SHA-512; choose SHA-1 or SHA-256",
            "the Token2 C301-i cannot show 8 digits; choose 6",
            "the Token2 C301-i cannot step every 45 s; choose 30 or 60 s",
        ]
    );
    let whats: Vec<String> = refusals(Model::C301, &p)
        .iter()
        .map(Refusal::what)
        .collect();
    assert_eq!(whats, ["SHA-512", "8 digits", "a 45 s period"]);
    let params: Vec<Param> = refusals(Model::C301, &p)
        .iter()
        .map(Refusal::param)
        .collect();
    assert_eq!(params, [Param::Algorithm, Param::Digits, Param::Period]);

    let burn = Params {
        display_timeout: Some(DisplayTimeout::S120),
        seed_len: Some(63),
        complete: true,
        ..Params::otp(otp(Algorithm::Sha256, 6, 60))
    };
    assert_eq!(check(Model::C302, &burn), Ok(()));
    let too_much = Params {
        seed_len: Some(64),
        profile: Some(0),
        title: Some("x"),
        account: Some("alice"),
        touch: true,
        ..burn
    };
    assert_eq!(
        refusals(Model::C302, &too_much),
        [
            Refusal::ProfileUnused { model: Model::C302 },
            Refusal::TitleUnused { model: Model::C302 },
            Refusal::AccountUnused { model: Model::C302 },
            Refusal::SeedLength {
                model: Model::C302,
                bytes: 64
            },
            Refusal::Touch { model: Model::C302 },
        ]
    );
    assert_eq!(
        Refusal::SeedLength {
            model: Model::C302,
            bytes: 64
        }
        .to_string(),
        "a 64-byte secret does not fit the Token2 C302-i: it takes 1–63 bytes; generate or choose a shorter seed"
    );
}

#[test]
fn molto2_profiles_titles_and_digits() {
    for (m, n) in [(Model::Molto2, 50u8), (Model::Molto2v2, 100)] {
        let c = m.caps();
        assert_eq!(
            (c.family, c.profiles, c.max_profile()),
            (Family::Molto2, Some(n), Some(n - 1))
        );
        assert_eq!(c.digits, [4, 6, 8, 10]);
        assert_eq!(c.title_bytes, Some(12));
        assert_eq!(c.clock, Clock::SetPerProfile);
        assert_eq!(Model::molto2_with(n), Some(m));
        let at = |profile| Params {
            profile: Some(profile),
            complete: true,
            ..Params::otp(otp(Algorithm::Sha256, 8, 60))
        };
        assert_eq!(check(m, &at(n - 1)), Ok(()));
        assert_eq!(
            refusals(m, &at(n)),
            [Refusal::ProfileRange {
                model: m,
                profile: n
            }]
        );
    }
    assert_eq!(Model::molto2_with(99), None);
    assert_eq!(largest_profile(), 99);
    let p = Params {
        profile: Some(50),
        ..Params::otp(otp(Algorithm::Sha1, 5, 30))
    };
    assert_eq!(
        messages(Model::Molto2, &p),
        [
            "the Molto2 cannot show 5 digits; choose 4, 6, 8 or 10",
            "the Molto2 has profiles 0–49, not 50; choose one of those",
        ]
    );
    // A burn names its profile; a preset preview does not need to.
    let no_slot = Params::otp(OtpParams::default());
    assert_eq!(check(Model::Molto2, &no_slot), Ok(()));
    assert_eq!(
        messages(
            Model::Molto2,
            &Params {
                complete: true,
                ..no_slot
            }
        ),
        ["the Molto2 needs a profile slot; choose one from 0–49"]
    );
    // Titles count UTF-8 bytes: "Zürich-Bank1" is 13.
    let titled = |t| Params {
        title: Some(t),
        profile: Some(0),
        ..no_slot
    };
    assert_eq!(check(Model::Molto2v2, &titled("Contoso Mail")), Ok(()));
    assert_eq!(
        refusals(Model::Molto2v2, &titled("Zürich-Bank1")),
        [Refusal::TitleLength {
            model: Model::Molto2v2,
            bytes: 13
        }]
    );
    let c = Model::Molto2.caps();
    assert_eq!(
        c.title_from("  Contoso Mail Server "),
        Some("Contoso Mail".into())
    );
    assert_eq!(c.title_from("Zürich-Bank1"), Some("Zürich-Bank".into()));
    assert_eq!(c.title_from("Zürich Bank"), Some("Zürich Bank".into()));
    assert_eq!(c.title_from("ab cdefghijk€"), Some("ab cdefghijk".into()));
    assert_eq!(Model::C301.caps().title_from("x"), None);
    let named = Params {
        account: Some("alice"),
        ..titled("x")
    };
    assert_eq!(
        refusals(Model::Molto2, &named),
        [Refusal::AccountUnused {
            model: Model::Molto2
        }]
    );
}

#[test]
fn yubikey_firmware_rules_follow_ykman() {
    let c = Model::YubiKey.caps();
    assert_eq!(c.algorithms, Algorithm::ALL);
    assert_eq!(c.digits, [6, 7, 8]);
    assert_eq!(
        (c.clock, c.account, c.touch),
        (Clock::None, Account::Required, Touch::Available)
    );
    let sha512 = |firmware| Params {
        firmware,
        ..Params::otp(otp(Algorithm::Sha512, 8, 30))
    };
    // Unknown firmware (the page, before any device is read): allowed.
    assert_eq!(check(Model::YubiKey, &sha512(None)), Ok(()));
    assert_eq!(
        check(Model::YubiKey, &sha512(Some(Firmware(4, 3, 1)))),
        Ok(())
    );
    assert_eq!(
        messages(Model::YubiKey, &sha512(Some(Firmware(4, 3, 0)))),
        ["the YubiKey with firmware 4.3.0 cannot do SHA-512 (it needs 4.3.1 or later); choose SHA-1 or SHA-256"]
    );
    let touch = |f| Params {
        touch: true,
        firmware: Some(f),
        ..Params::otp(OtpParams::default())
    };
    assert_eq!(check(Model::YubiKey, &touch(Firmware(4, 2, 6))), Ok(()));
    assert_eq!(
        refusals(Model::YubiKey, &touch(Firmware(4, 2, 5)))[0].param(),
        Param::Touch
    );
    assert_eq!(
        Params::otp(OtpParams::default()).firmware,
        None,
        "no firmware unless a device was read"
    );
}

#[test]
fn oath_names_and_accounts() {
    for m in [Model::YubiKey, Model::Nitrokey3, Model::OathKey] {
        let complete = |account, issuer, period| Params {
            account,
            issuer,
            complete: true,
            ..Params::otp(otp(Algorithm::Sha1, 6, period))
        };
        assert_eq!(
            refusals(m, &complete(None, Some("Contoso"), 30)),
            [Refusal::AccountMissing { model: m }]
        );
        assert_eq!(
            refusals(m, &complete(Some("  "), None, 30)),
            [Refusal::AccountMissing { model: m }]
        );
        // "Contoso:" + 56 bytes = 64, the limit; a 60 s period adds "60/".
        let account = "a".repeat(56);
        assert_eq!(
            check(m, &complete(Some(&account), Some("Contoso"), 30)),
            Ok(())
        );
        assert_eq!(
            refusals(m, &complete(Some(&account), Some("Contoso"), 60)),
            [Refusal::NameLength {
                model: m,
                bytes: 67
            }]
        );
        let display = Params {
            display_timeout: Some(DisplayTimeout::S30),
            ..complete(Some("alice"), None, 30)
        };
        assert_eq!(
            refusals(m, &display)[0].to_string(),
            format!("the {m} has no display timeout to set; leave it out")
        );
        for d in [5, 9] {
            assert_eq!(
                refusals(m, &Params::otp(otp(Algorithm::Sha1, d, 30))).len(),
                1
            );
        }
        assert_eq!(
            check(m, &Params::otp(otp(Algorithm::Sha256, 7, 90))),
            Ok(())
        );
    }
}

#[test]
fn nitrokey_and_unknown_oath_keys_have_no_sha512_and_no_touch() {
    // The reference decides where the page and the bridge used to disagree: a Nitrokey 3
    // stores a SHA-512 credential but CALCULATE refuses it.
    for m in [Model::Nitrokey3, Model::OathKey] {
        let p = Params {
            touch: true,
            ..Params::otp(otp(Algorithm::Sha512, 6, 30))
        };
        assert_eq!(
            refusals(m, &p),
            [
                Refusal::Algorithm {
                    model: m,
                    algorithm: Algorithm::Sha512
                },
                Refusal::Touch { model: m },
            ]
        );
    }
    assert!(Model::Nitrokey3.caps().summary().contains("(no SHA-512)"));
}

#[test]
fn authenticator_app_takes_anything_the_otp_code_can_compute() {
    let c = Model::App.caps();
    assert_eq!(c.digits, [4, 5, 6, 7, 8, 9, 10]);
    assert_eq!(
        check(Model::App, &Params::otp(otp(Algorithm::Sha512, 10, 45))),
        Ok(())
    );
    assert_eq!(
        messages(Model::App, &Params::otp(otp(Algorithm::Sha1, 6, 0))),
        ["the authenticator app cannot step every 0 s; choose any whole number of seconds"]
    );
    assert_eq!(
        check(
            Model::App,
            &Params {
                account: Some("x"),
                ..Params::default()
            }
        ),
        Ok(())
    );
}

#[test]
fn every_combination_gets_the_same_verdict_from_the_pickers_and_the_check() {
    let periods = [0, 1, 15, 30, 45, 60, 90, 86_400];
    for m in Model::ALL {
        let c = m.caps();
        for a in Algorithm::ALL {
            for d in 0..=12 {
                for period in periods {
                    let o = otp(a, d, period);
                    let picker =
                        c.allows_algorithm(a) && c.allows_digits(d) && c.allows_period(period);
                    assert_eq!(c.allows(&o), picker);
                    assert_eq!(check(m, &Params::otp(o)).is_ok(), picker, "{m} {o:?}");
                }
            }
        }
    }
}

#[test]
fn summaries_say_what_is_possible() {
    let s = Model::C301.caps().summary();
    assert!(s.starts_with("The Token2 C301-i stores SHA-1 or SHA-256 (no SHA-512), always shows 6 digits and steps every 30 or 60 s."), "{s}");
    assert!(s.contains("clears the seed"), "{s}");
    assert!(!Model::C302.caps().summary().contains("clears the seed"));
    let m = Model::Molto2.caps().summary();
    assert!(
        m.contains("shows 4, 6, 8 or 10 digits") && m.contains("50 profiles (0–49)"),
        "{m}"
    );
    let y = Model::YubiKey.caps().summary();
    assert!(
        y.contains(
            "SHA-1, SHA-256 or SHA-512, computes 6 to 8-digit codes and takes any time step"
        ),
        "{y}"
    );
    assert!(
        y.contains("SHA-512 needs firmware 4.3.1 and touch needs firmware 4.2.6 or later."),
        "{y}"
    );
    assert!(y.contains("no clock"), "{y}");
    assert!(Model::App.caps().summary().contains("test the app"));
}

#[test]
fn entra_limits() {
    let sha256 = otp(Algorithm::Sha256, 6, 30);
    assert_eq!(entra::check(Format::Graph, &sha256), Ok(()));
    assert_eq!(
        entra::check(Format::Csv, &sha256)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["SHA-256 cannot be uploaded by CSV (Entra treats CSV tokens as SHA-1); use the Graph upload"]
    );
    let bad = otp(Algorithm::Sha512, 8, 45);
    for format in [Format::Csv, Format::Graph] {
        assert_eq!(entra::check(format, &bad).unwrap_err().len(), 3);
    }
    let notes: Vec<String> = entra::notes(&bad).iter().map(ToString::to_string).collect();
    assert_eq!(
        notes,
        [
            "SHA-512 tokens cannot be used with Entra; use SHA-1 or SHA-256",
            "8 digits: Entra verifies 6-digit codes only; use 6 digits",
            "a 45 s time interval: Entra accepts 30 or 60 s only; use 30 or 60 s",
        ]
    );
    assert_eq!(entra::notes(&sha256).len(), 1);
    assert!(entra::notes(&OtpParams::default()).is_empty());
    assert_eq!(entra::check_secret(128), Ok(()));
    assert_eq!(
        entra::check_secret(130).unwrap_err().reason(),
        "the secret is 130 base32 characters; Entra accepts at most 128 (80 bytes)"
    );
    assert_eq!(entra::algorithms(Format::Csv), [Algorithm::Sha1]);
    assert_eq!(entra::algorithms_label(Format::Csv), "SHA-1 only");
    assert_eq!(entra::algorithms_label(Format::Graph), "SHA-1 or SHA-256");
}

#[test]
fn display_timeouts_and_firmware_versions() {
    let secs: Vec<u32> = DisplayTimeout::ALL.into_iter().map(u32::from).collect();
    assert_eq!(secs, [15, 30, 60, 120]);
    for d in DisplayTimeout::ALL {
        assert_eq!(DisplayTimeout::try_from(d.seconds()), Ok(d));
    }
    assert_eq!(DisplayTimeout::default(), DisplayTimeout::S30);
    assert_eq!(
        DisplayTimeout::try_from(45).unwrap_err().to_string(),
        "display timeout 45 s: the tokens offer 15, 30, 60 or 120 s"
    );
    assert_eq!("5.4.3".parse(), Ok(Firmware(5, 4, 3)));
    assert_eq!("4.3".parse(), Ok(Firmware(4, 3, 0)));
    assert!(Firmware(4, 3, 1) > Firmware(4, 2, 6));
    assert!("5.x".parse::<Firmware>().is_err());
    assert!("1.2.3.4".parse::<Firmware>().is_err());
    assert_eq!(Firmware(5, 7, 1).to_string(), "5.7.1");
}

#[test]
fn models_parse_from_slug_or_name() {
    assert_eq!("C301-i".parse(), Ok(Model::C301));
    assert_eq!("molto2V2".parse(), Ok(Model::Molto2v2));
    assert_eq!(" nitrokey ".parse(), Ok(Model::Nitrokey3));
    let e = "C999".parse::<Model>().unwrap_err();
    assert!(
        e.contains("unknown model 'C999'") && e.contains("c301"),
        "{e}"
    );
    assert!("".parse::<Model>().is_err(), "an empty name is no model");
}

#[test]
fn oath_management_features_follow_ykman_and_nitrokey() {
    let fw = |s: &str| s.parse::<Firmware>().ok();
    let yes = |m, f, v: Option<Firmware>| check_feature(m, f, v) == Ok(());
    for f in [Feature::Rename, Feature::AccessPassword, Feature::Overwrite] {
        assert!(yes(Model::YubiKey, f, None), "{f:?}");
        for m in [Model::Nitrokey3, Model::OathKey, Model::C302, Model::App] {
            assert_eq!(
                check_feature(m, f, None),
                Err(Refusal::Unsupported {
                    model: m,
                    feature: f
                })
            );
        }
    }
    // ykman: RENAME from 5.3.1.
    assert!(yes(Model::YubiKey, Feature::Rename, fw("5.3.1")));
    let r = check_feature(Model::YubiKey, Feature::Rename, fw("5.2.7")).unwrap_err();
    assert_eq!(
        r.to_string(),
        "the YubiKey with firmware 5.2.7 cannot do renaming an account (it needs 5.3.1 or later); \
         delete the account and store it again under the new name"
    );
    // YubiKey 4 below 4.3.5 may overwrite the longer name; any other key stores any name.
    assert!(!yes(Model::YubiKey, Feature::PrefixName, fw("4.3.4")));
    assert!(yes(Model::YubiKey, Feature::PrefixName, fw("4.3.5")));
    assert!(yes(Model::Nitrokey3, Feature::PrefixName, None));
    assert!(!yes(Model::C302, Feature::PrefixName, None));
    // The burn settings through the same door.
    assert!(!yes(Model::Nitrokey3, Feature::Sha512, None));
    assert!(!yes(Model::YubiKey, Feature::Sha512, fw("4.3.0")));
    assert!(yes(Model::YubiKey, Feature::Touch, fw("4.2.6")));
    let pw = check_feature(Model::Nitrokey3, Feature::AccessPassword, None).unwrap_err();
    assert!(pw.to_string().contains("PIN"), "{pw}");
    assert_eq!(pw.param(), Param::Account);
    // The page's summary names only burn settings.
    let y = Model::YubiKey.caps().summary();
    assert!(!y.contains("renam") && !y.contains("begins"), "{y}");
}

#[test]
fn nearest_keeps_what_a_model_can_do_and_moves_the_rest() {
    for model in Model::ALL {
        let c = model.caps();
        for a in Algorithm::ALL {
            for (digits, period) in [(6, 30), (8, 60), (10, 45), (4, 1)] {
                let p = otp(a, digits, period);
                let n = c.nearest(p);
                assert!(c.allows(&n), "{model:?}: {n:?}");
                if c.allows(&p) {
                    assert_eq!(n, p, "{model:?} keeps what it can do");
                }
                if c.allows_algorithm(a) {
                    assert_eq!(n.algorithm, a);
                }
            }
        }
    }
    // A Token2 card: SHA-1/SHA-256, 30 or 60 s — 45 s becomes 30.
    let c301 = Model::C301.caps();
    assert_eq!(c301.nearest(otp(Algorithm::Sha1, 6, 45)).period, 30);
    assert_eq!(
        c301.nearest(OtpParams::default()),
        OtpParams::default(),
        "a new job on the default model starts on the defaults"
    );
}
