//! The table itself: one entry per model, facts from `shared/reference/*.md`.

use super::{
    Account, Caps, Clock, DisplayTimeout, Family, Feature, Firmware, Model, Periods, Touch,
    OATH_NAME_BYTES,
};
use crate::otp::Algorithm;
use crate::secret::MAX_SECRET_LEN;

const SHA1_256: &[Algorithm] = &[Algorithm::Sha1, Algorithm::Sha256];
const ALL_ALGS: &[Algorithm] = &Algorithm::ALL;
const THIRTY_SIXTY: Periods = Periods::Only(&[30, 60]);
const ALL_TIMEOUTS: &[DisplayTimeout] = &DisplayTimeout::ALL;
/// Token2 and Molto2 seeds: 1–63 raw bytes (the encrypted block must stay ≤ 64 bytes with the
/// `80` marker).
const TOKEN2_SEED: (usize, usize) = (1, 63);
/// YKOATH: the host hashes keys longer than the hash's block size, so any key core accepts fits.
const OATH_SEED: (usize, usize) = (1, MAX_SECRET_LEN);
const OATH_NAME: Option<usize> = Some(OATH_NAME_BYTES);
const T2_NOTE: &str = "Its configuration has no digits field.";

/// Who a model is, with nothing stored or shown yet: each family below fills in the rest.
struct Names {
    model: Model,
    slug: &'static str,
    label: &'static str,
    human: &'static str,
    manufacturer: &'static str,
    name: &'static str,
}

const fn base(n: Names, family: Family) -> Caps {
    Caps {
        model: n.model,
        slug: n.slug,
        label: n.label,
        human: n.human,
        manufacturer: n.manufacturer,
        name: n.name,
        family,
        algorithms: SHA1_256,
        digits: &[6],
        periods: Periods::Any,
        display_timeouts: &[],
        profiles: None,
        title_bytes: None,
        seed_bytes: (1, MAX_SECRET_LEN),
        name_bytes: None,
        clock: Clock::None,
        account: Account::None,
        touch: Touch::None,
        firmware: &[],
        features: &[],
        serial_prefix: None,
        note: "",
    }
}

const fn names(
    model: Model,
    slug: &'static str,
    label: &'static str,
    human: &'static str,
    manufacturer: &'static str,
    name: &'static str,
) -> Names {
    Names {
        model,
        slug,
        label,
        human,
        manufacturer,
        name,
    }
}

const fn token2(n: Names, prefix: &'static str, clears_seed: bool) -> Caps {
    Caps {
        periods: THIRTY_SIXTY,
        display_timeouts: ALL_TIMEOUTS,
        seed_bytes: TOKEN2_SEED,
        clock: Clock::SetByConfig { clears_seed },
        serial_prefix: Some(prefix),
        note: T2_NOTE,
        ..base(n, Family::Token2)
    }
}

const fn molto2(n: Names, profiles: u8) -> Caps {
    Caps {
        digits: &[4, 6, 8, 10],
        periods: THIRTY_SIXTY,
        display_timeouts: ALL_TIMEOUTS,
        profiles: Some(profiles),
        title_bytes: Some(12),
        seed_bytes: TOKEN2_SEED,
        clock: Clock::SetPerProfile,
        ..base(n, Family::Molto2)
    }
}

const fn oath(n: Names) -> Caps {
    Caps {
        digits: &[6, 7, 8],
        seed_bytes: OATH_SEED,
        name_bytes: OATH_NAME,
        account: Account::Required,
        ..base(n, Family::Oath)
    }
}

// Serial prefixes and which models keep their seed on a config write
// (8659600, 8659612, 8659632): token2-nfc-single-profile.md.
const C301: Caps = token2(
    names(
        Model::C301,
        "c301",
        "Token2 C301-i (card)",
        "Token2 C301-i",
        "Token2",
        "C301-i",
    ),
    "8659610",
    true,
);
const C302: Caps = token2(
    names(
        Model::C302,
        "c302",
        "Token2 C302-i (card)",
        "Token2 C302-i",
        "Token2",
        "C302-i",
    ),
    "8659632",
    false,
);
const OTPC_P1: Caps = token2(
    names(
        Model::OtpcP1,
        "otpc-p1",
        "Token2 OTPC-P1-i (card)",
        "Token2 OTPC-P1-i",
        "Token2",
        "OTPC-P1-i",
    ),
    "8659612",
    false,
);
const OTPC_P2: Caps = token2(
    names(
        Model::OtpcP2,
        "otpc-p2",
        "Token2 OTPC-P2-i (card)",
        "Token2 OTPC-P2-i",
        "Token2",
        "OTPC-P2-i",
    ),
    "8659622",
    true,
);
const OTPC_P2_NB: Caps = token2(
    names(
        Model::OtpcP2Nb,
        "otpc-p2-nb",
        "Token2 OTPC-P2-i-NB (card)",
        "Token2 OTPC-P2-i-NB",
        "Token2",
        "OTPC-P2-i-NB",
    ),
    "8659621",
    true,
);
const MINI_OTP2: Caps = token2(
    names(
        Model::MiniOtp2,
        "minotp2",
        "Token2 miniOTP-2-i (key fob)",
        "Token2 miniOTP-2-i",
        "Token2",
        "miniOTP-2-i",
    ),
    "8659600",
    false,
);
const MINI_OTP3: Caps = token2(
    names(
        Model::MiniOtp3,
        "minotp3",
        "Token2 miniOTP-3-i (key fob)",
        "Token2 miniOTP-3-i",
        "Token2",
        "miniOTP-3-i",
    ),
    "8659601",
    true,
);
const MINI_OTP3_NB: Caps = token2(
    names(
        Model::MiniOtp3Nb,
        "minotp3-nb",
        "Token2 miniOTP-3-i-NB (key fob)",
        "Token2 miniOTP-3-i-NB",
        "Token2",
        "miniOTP-3-i-NB",
    ),
    "8659609",
    true,
);
// token2-molto2.md: profiles 0–49 (v1), 0–99 (v2); titles 1–12 bytes.
const MOLTO2: Caps = molto2(
    names(
        Model::Molto2,
        "molto2",
        "Token2 Molto2 (profiles 0–49)",
        "Molto2",
        "Token2",
        "Molto2",
    ),
    50,
);
const MOLTO2V2: Caps = molto2(
    names(
        Model::Molto2v2,
        "molto2v2",
        "Token2 Molto2v2 (profiles 0–99)",
        "Molto2v2",
        "Token2",
        "Molto2v2",
    ),
    100,
);
// ykoath.md; firmware rules as ykman enforces them (`ykman oath accounts add` / `rename`):
// touch from 4.2.6, SHA-512 from 4.3.1, RENAME from 5.3.1, and no name that begins an existing
// one below 4.3.5 (ykman: above 4.0.0 only; the NEO's 3.x is refused too, as nothing says it
// is safe there).
const YUBIKEY: Caps = Caps {
    algorithms: ALL_ALGS,
    touch: Touch::Available,
    firmware: &[
        (Feature::Sha512, Firmware(4, 3, 1)),
        (Feature::Touch, Firmware(4, 2, 6)),
        (Feature::Rename, Firmware(5, 3, 1)),
        (Feature::PrefixName, Firmware(4, 3, 5)),
    ],
    features: &[Feature::Rename, Feature::AccessPassword, Feature::Overwrite],
    ..oath(names(
        Model::YubiKey,
        "yubikey",
        "YubiKey (OATH application)",
        "YubiKey",
        "Yubico",
        "YubiKey 5",
    ))
};
// ykoath.md, "Nitrokey 3 differs": a SHA-512 credential is stored but CALCULATE refuses it;
// no YKOATH access password (a PIN instead), no overwrite (`69 83`), no RENAME (Nitrokey's own
// update command instead).
const NITROKEY3: Caps = Caps {
    note: "A SHA-512 credential would be stored but never compute a code.",
    ..oath(names(
        Model::Nitrokey3,
        "nitrokey",
        "Nitrokey 3 (Secrets app, OATH)",
        "Nitrokey 3",
        "Nitrokey",
        "Nitrokey 3",
    ))
};
// Unknown maker: only what every YKOATH implementation in ykoath.md does; touch is not
// offered because not every one is known to honour the property, nor renaming, a password or
// overwriting (a Nitrokey-like applet refuses or, worse, pretends).
const OATH_KEY: Caps = Caps {
    note: "The maker is unknown, so only what every OATH key does is offered.",
    ..oath(names(
        Model::OathKey,
        "oath-key",
        "OATH key of unknown maker (YKOATH)",
        "OATH key",
        "",
        "",
    ))
};
const APP: Caps = Caps {
    algorithms: ALL_ALGS,
    digits: &[4, 5, 6, 7, 8, 9, 10],
    account: Account::Optional,
    note: "Apps read every setting from the QR code; most support only SHA-1, 6 digits and 30 s, \
           so test the app before relying on anything else.",
    ..base(
        names(
            Model::App,
            "generic",
            "Generic authenticator app",
            "authenticator app",
            "",
            "",
        ),
        Family::App,
    )
};

pub(super) fn caps(model: Model) -> &'static Caps {
    match model {
        Model::C301 => &C301,
        Model::C302 => &C302,
        Model::OtpcP1 => &OTPC_P1,
        Model::OtpcP2 => &OTPC_P2,
        Model::OtpcP2Nb => &OTPC_P2_NB,
        Model::MiniOtp2 => &MINI_OTP2,
        Model::MiniOtp3 => &MINI_OTP3,
        Model::MiniOtp3Nb => &MINI_OTP3_NB,
        Model::Molto2 => &MOLTO2,
        Model::Molto2v2 => &MOLTO2V2,
        Model::YubiKey => &YUBIKEY,
        Model::Nitrokey3 => &NITROKEY3,
        Model::OathKey => &OATH_KEY,
        Model::App => &APP,
    }
}

/// "a", "a or b", "a, b or c".
pub(crate) fn or_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let head: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} or {}", head.join(", "), last.as_ref())
        }
    }
}

fn sentence(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub(crate) fn algorithms_text(algs: &[Algorithm]) -> String {
    let names: Vec<&str> = algs.iter().map(|a| a.human()).collect();
    or_list(&names)
}

pub(crate) fn digits_text(digits: &[u8]) -> String {
    match digits {
        [first, .., last] if usize::from(last - first) + 1 == digits.len() => {
            format!("{first} to {last}")
        }
        _ => {
            let list: Vec<String> = digits.iter().map(u8::to_string).collect();
            or_list(&list)
        }
    }
}

pub(crate) fn periods_text(periods: Periods) -> String {
    match periods {
        Periods::Only(list) => {
            let list: Vec<String> = list.iter().map(u32::to_string).collect();
            format!("{} s", or_list(&list))
        }
        Periods::Any => "any whole number of seconds".into(),
    }
}

pub(super) fn summary(c: &Caps) -> String {
    let missing: Vec<&str> = Algorithm::ALL
        .into_iter()
        .filter(|a| !c.allows_algorithm(*a))
        .map(Algorithm::human)
        .collect();
    let no = if missing.is_empty() {
        String::new()
    } else {
        format!(" (no {})", or_list(&missing))
    };
    let digits = match (c.family, c.digits) {
        (Family::Oath, list) => format!("computes {}-digit codes", digits_text(list)),
        (_, [only]) => format!("always shows {only} digits"),
        (_, list) => format!("shows {} digits", digits_text(list)),
    };
    let steps = match c.periods {
        Periods::Only(_) => format!("steps every {}", periods_text(c.periods)),
        Periods::Any => "takes any time step".into(),
    };
    let (subject, verb) = match c.family {
        Family::App => ("An authenticator app".to_string(), "takes"),
        _ => (format!("The {}", c.human), "stores"),
    };
    let mut out = format!(
        "{subject} {verb} {}{no}, {digits} and {steps}.",
        algorithms_text(c.algorithms)
    );
    let mut add = |s: &str| {
        if !s.is_empty() {
            out.push(' ');
            out.push_str(s);
        }
    };
    add(c.note);
    let needs: Vec<String> = c
        .firmware
        .iter()
        .filter(|(f, _)| f.is_setting())
        .map(|(f, v)| format!("{} needs firmware {v}", f.human()))
        .collect();
    if !needs.is_empty() {
        add(&format!("{} or later.", sentence(&needs.join(" and "))));
    }
    if let Some(n) = c.profiles {
        add(&format!(
            "Each of its {n} profiles (0–{}) is one row with the same serial.",
            n - 1
        ));
    }
    add(match (c.family, c.clock) {
        (_, Clock::SetByConfig { clears_seed: true }) => {
            "Burning sets its clock; setting the clock later clears the seed (burn again after)."
        }
        (_, Clock::SetByConfig { clears_seed: false }) => {
            "Burning sets its clock; setting it later keeps the seed."
        }
        (_, Clock::SetPerProfile) => "Its clock can be set without touching the seeds.",
        (Family::App, _) => "",
        (_, Clock::None) => "It has no clock, so the computer's clock picks the step.",
    });
    out
}
