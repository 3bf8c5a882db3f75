//! The records: what one line of the journal says, and the rules every field must follow
//! (checked before a record is written and again when it is read).

use serde::{Deserialize, Serialize};
use tokensmith_core::otp::{Algorithm, MAX_DIGITS, MIN_DIGITS};
use tokensmith_core::secret::Secret;

/// One line after the header: its place in the journal, when it was written, what happened.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// 1, 2, 3, … with no gap: a missing or moved line is noticed.
    pub seq: u64,
    /// UTC seconds when the record was written.
    pub at: i64,
    pub event: Event,
}

/// What a record says. Serialized with the variant name as the key
/// (`{"intent":{…}}`) so reading never buffers a seed in a non-wiping copy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    BatchStarted(BatchStart),
    BatchResumed(BatchRef),
    UserSkipped(UserSkipped),
    BatchEnded(BatchEnded),
    /// Written before anything is sent to the token.
    Intent(Intent),
    /// A write the token acknowledged.
    Written(Written),
    Verified(Verified),
    VerificationFailed(VerificationFailed),
    Aborted(Aborted),
}

/// A token attempt: the `seq` of its [`Intent`] record. A re-burn of the same token is a new
/// attempt with a new id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenId(pub u64);

impl std::fmt::Display for TokenId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The kind of device (spelled like the bridge's `DeviceKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Token2 single-profile token.
    Token2,
    /// Token2 Molto2 multi-profile token.
    Molto2,
    /// A key with the YKOATH applet (YubiKey, Nitrokey 3).
    Oath,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Token2 => "token2",
            Kind::Molto2 => "molto2",
            Kind::Oath => "oath",
        }
    }

    /// The manufacturer column of exports when the intent names none (as the old results file).
    pub fn default_manufacturer(self) -> &'static str {
        match self {
            Kind::Token2 | Kind::Molto2 => "Token2",
            Kind::Oath => "OATH",
        }
    }
}

/// One write that changes what a token holds, in the order the device code sends them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Write {
    /// Token2/Molto2 configuration (clock, algorithm, period, display). On most Token2
    /// single-profile models it erases the stored seed ([`Intent::config_erases_seed`]).
    Config,
    /// Token2/Molto2 seed.
    Seed,
    /// Molto2 profile title.
    Title,
    /// OATH: the credential (name, key, parameters) in one PUT.
    Credential,
}

impl Write {
    /// Whether this write puts the new seed into the token.
    pub fn carries_seed(self) -> bool {
        matches!(self, Write::Seed | Write::Credential)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Write::Config => "configuration",
            Write::Seed => "seed",
            Write::Title => "title",
            Write::Credential => "credential",
        }
    }
}

/// Which token, on which reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader: Option<String>,
    pub serial: String,
    pub model: String,
    /// Manufacturer for exports; `None`: [`Kind::default_manufacturer`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// Molto2 profile slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<u8>,
    /// OATH credential name (`issuer:account`, with `period/` when not 30 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// The code parameters burned with the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(with = "algorithm_name")]
    pub algorithm: Algorithm,
    pub digits: u8,
    pub period: u32,
    /// Token2/Molto2 display timeout in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_timeout: Option<u32>,
    /// OATH HOTP: the credential counts instead of stepping with time, starting at this
    /// counter (`period` is then meaningless). `None`: TOTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotp_counter: Option<u64>,
}

impl Params {
    /// TOTP, or HOTP from its initial counter — how the exchange formats say it.
    pub fn otp_kind(&self) -> tokensmith_core::otpauth::Kind {
        match self.hotp_counter {
            Some(counter) => tokensmith_core::otpauth::Kind::Hotp { counter },
            None => tokensmith_core::otpauth::Kind::Totp,
        }
    }
}

/// Where a batch token belongs: the batch and the user's position in its list (from 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchSlot {
    pub batch: BatchId,
    pub position: u32,
}

/// Everything needed to know what a token will hold, written before anything is sent to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Intent {
    pub target: Target,
    #[serde(with = "seed_base32")]
    pub seed: Secret,
    pub params: Params,
    /// The writes, in the order they will be sent. Exactly one carries the seed.
    pub writes: Vec<Write>,
    /// This model's configuration write erases the stored seed (most Token2 single-profile
    /// models): once the configuration is written, the old seed is gone.
    #[serde(default, skip_serializing_if = "is_false")]
    pub config_erases_seed: bool,
    /// Molto2 profile title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// OATH credential that needs a touch to compute a code (the bridge cannot verify it).
    #[serde(default, skip_serializing_if = "is_false")]
    pub touch: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchSlot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Written {
    pub token: TokenId,
    pub write: Write,
}

/// How a code was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// OATH: the key computed the code and it equals the one computed from the seed.
    DeviceCalculated,
    /// Token2/Molto2: the admin compared the token's display with the expected code.
    ComparedByAdmin,
    /// Accepted without a comparison, in a run the admin chose to trust ("auto-accept").
    AutoAccepted,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verified {
    pub token: TokenId,
    pub method: Method,
    /// The code that matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Time steps between the token's clock and the host's (0: in sync).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift_steps: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerificationFailed {
    pub token: TokenId,
    pub reason: String,
    /// What the token showed or computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_shown: Option<String>,
}

/// The burn stopped before an outcome was known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aborted {
    pub token: TokenId,
    pub reason: String,
    /// The write that was sent without an answer (card pulled, time-out): the token may or
    /// may not have taken it. `None`: nothing was in flight (an error reply, or stopped
    /// between writes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_flight: Option<Write>,
}

/// A batch's name: 1–64 of `A–Z a–z 0–9 - _`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BatchId(pub String);

impl BatchId {
    /// 64 random bits in hex.
    pub fn random() -> Result<BatchId, getrandom::Error> {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b)?;
        Ok(BatchId(data_encoding::HEXLOWER.encode(&b)))
    }
}

impl std::fmt::Display for BatchId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One user of a batch's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchUser {
    pub upn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// A serial the list assigns to this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// A batch: its users in list order and the parameters chosen once for all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchStart {
    pub batch: BatchId,
    /// The user list's file name, for the admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    pub params: Params,
    pub users: Vec<BatchUser>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchRef {
    pub batch: BatchId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSkipped {
    pub batch: BatchId,
    pub position: u32,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchEnded {
    pub batch: BatchId,
    /// `None`: every user was handled; otherwise why it stopped (Ctrl-C, stop button).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

// ---- field rules ----

pub(crate) const MAX_NAME: usize = 256;
pub(crate) const MAX_REASON: usize = 2000;
pub(crate) const MAX_PERIOD: u32 = 86_400;
pub(crate) const MAX_BATCH_USERS: usize = 100_000;

/// A name-like field: not empty, at most `max` characters, no control characters. The
/// message names the field and never repeats the value.
pub(crate) fn check_text(field: &str, value: &str, max: usize) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("{field} is empty"));
    }
    let n = value.chars().count();
    if n > max {
        return Err(format!("{field} is {n} characters long (at most {max})"));
    }
    if let Some(pos) = value.chars().position(char::is_control) {
        return Err(format!(
            "{field} has a control character at character {}",
            pos + 1
        ));
    }
    Ok(())
}

fn check_opt(field: &str, value: &Option<String>, max: usize) -> Result<(), String> {
    value
        .as_deref()
        .map_or(Ok(()), |v| check_text(field, v, max))
}

/// A code: 4 to 10 ASCII digits.
fn check_code(field: &str, value: &Option<String>) -> Result<(), String> {
    match value {
        Some(c)
            if !(usize::from(MIN_DIGITS)..=usize::from(MAX_DIGITS)).contains(&c.len())
                || !c.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Err(format!(
                "{field} is not a code of {MIN_DIGITS} to {MAX_DIGITS} digits"
            ))
        }
        _ => Ok(()),
    }
}

/// Free text written by the bridge itself (an error's message): made safe rather than
/// refused, because refusing an abort record would lose it.
pub(crate) fn tidy_reason(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_REASON)
        .collect();
    if out.is_empty() {
        out.push_str("(no reason given)");
    }
    out
}

impl Params {
    pub(crate) fn check(&self) -> Result<(), String> {
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&self.digits) {
            return Err(format!(
                "digits {} outside {MIN_DIGITS}–{MAX_DIGITS}",
                self.digits
            ));
        }
        if !(1..=MAX_PERIOD).contains(&self.period) {
            return Err(format!("period {} s outside 1–{MAX_PERIOD}", self.period));
        }
        if let Some(d) = self.display_timeout {
            if !(1..=3600).contains(&d) {
                return Err(format!("display timeout {d} s outside 1–3600"));
            }
        }
        Ok(())
    }
}

impl BatchId {
    pub(crate) fn check(&self) -> Result<(), String> {
        let ok = (1..=64).contains(&self.0.len())
            && self
                .0
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(())
        } else {
            Err("batch id is not 1–64 of A–Z a–z 0–9 - _".into())
        }
    }
}

impl Intent {
    pub(crate) fn check(&self) -> Result<(), String> {
        let t = &self.target;
        check_opt("reader", &t.reader, MAX_NAME)?;
        check_text("serial", &t.serial, 64)?;
        check_text("model", &t.model, 64)?;
        check_opt("manufacturer", &t.manufacturer, 64)?;
        check_opt("credential", &t.credential, MAX_NAME)?;
        check_opt("title", &self.title, 64)?;
        check_opt("upn", &self.upn, MAX_NAME)?;
        check_opt("display name", &self.display_name, MAX_NAME)?;
        self.params.check()?;
        if let Some(b) = &self.batch {
            b.batch.check()?;
        }
        let kind = t.kind.as_str();
        let slot_ok = match t.kind {
            Kind::Token2 => t.profile.is_none() && t.credential.is_none() && self.title.is_none(),
            Kind::Molto2 => t.profile.is_some() && t.credential.is_none(),
            Kind::Oath => t.profile.is_none() && t.credential.is_some() && self.title.is_none(),
        };
        if !slot_ok {
            return Err(format!(
                "a {kind} target needs {}",
                match t.kind {
                    Kind::Token2 => "no profile, credential or title",
                    Kind::Molto2 => "a profile and no credential",
                    Kind::Oath => "a credential name and no profile or title",
                }
            ));
        }
        if self.touch && t.kind != Kind::Oath {
            return Err("touch applies to OATH credentials only".into());
        }
        if self.params.hotp_counter.is_some() && t.kind != Kind::Oath {
            return Err("an HOTP counter applies to OATH credentials only".into());
        }
        if self.config_erases_seed && t.kind != Kind::Token2 {
            return Err("config_erases_seed applies to Token2 single-profile tokens only".into());
        }
        let allowed: &[Write] = match t.kind {
            Kind::Token2 => &[Write::Config, Write::Seed],
            Kind::Molto2 => &[Write::Config, Write::Seed, Write::Title],
            Kind::Oath => &[Write::Credential],
        };
        for (i, w) in self.writes.iter().enumerate() {
            if !allowed.contains(w) {
                return Err(format!("a {kind} token has no {} write", w.as_str()));
            }
            if self.writes[..i].contains(w) {
                return Err(format!("the {} write is listed twice", w.as_str()));
            }
        }
        if self.writes.iter().filter(|w| w.carries_seed()).count() != 1 {
            return Err("the writes must include the seed exactly once".into());
        }
        if self.writes.contains(&Write::Title) != self.title.is_some() {
            return Err("a title write needs a title, and a title needs a title write".into());
        }
        Ok(())
    }
}

impl BatchUser {
    fn check(&self) -> Result<(), String> {
        check_text("upn", &self.upn, MAX_NAME)?;
        check_opt("display name", &self.display_name, MAX_NAME)?;
        check_opt("serial", &self.serial, 64)?;
        check_opt("model", &self.model, 64)
    }
}

impl Event {
    /// The per-field rules (the fold checks how records follow each other).
    pub(crate) fn check(&self) -> Result<(), String> {
        match self {
            Event::BatchStarted(b) => {
                b.batch.check()?;
                check_opt("source", &b.source, MAX_NAME)?;
                check_opt("model", &b.model, 64)?;
                b.params.check()?;
                if b.users.is_empty() {
                    return Err("a batch needs at least one user".into());
                }
                if b.users.len() > MAX_BATCH_USERS {
                    return Err(format!(
                        "a batch has at most {MAX_BATCH_USERS} users, not {}",
                        b.users.len()
                    ));
                }
                for (i, u) in b.users.iter().enumerate() {
                    u.check().map_err(|e| format!("user {}: {e}", i + 1))?;
                }
                Ok(())
            }
            Event::BatchResumed(b) => b.batch.check(),
            Event::UserSkipped(s) => {
                s.batch.check()?;
                check_text("reason", &s.reason, MAX_REASON)
            }
            Event::BatchEnded(e) => {
                e.batch.check()?;
                check_opt("reason", &e.stopped, MAX_REASON)
            }
            Event::Intent(i) => i.check(),
            Event::Written(_) => Ok(()),
            Event::Verified(v) => check_code("code", &v.code),
            Event::VerificationFailed(f) => {
                check_text("reason", &f.reason, MAX_REASON)?;
                check_code("code shown", &f.code_shown)
            }
            Event::Aborted(a) => check_text("reason", &a.reason, MAX_REASON),
        }
    }
}

/// Algorithms by their exact names (`SHA1`, `SHA256`, `SHA512`): a damaged cell is an error,
/// never a silent SHA-1.
pub(crate) mod algorithm_name {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};
    use tokensmith_core::otp::Algorithm;

    pub fn serialize<S: Serializer>(a: &Algorithm, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(a.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Algorithm, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        parse(&s).ok_or_else(|| D::Error::custom("algorithm is not SHA1, SHA256 or SHA512"))
    }

    pub fn parse(s: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// The seed as unpadded upper-case base32, read without copies that outlive the record.
mod seed_base32 {
    use data_encoding::BASE32_NOPAD;
    use serde::de::{Error, Visitor};
    use serde::{Deserializer, Serializer};
    use tokensmith_core::secret::Secret;
    use zeroize::{Zeroize, Zeroizing};

    pub fn serialize<S: Serializer>(secret: &Secret, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&secret.to_base32())
    }

    struct SeedVisitor;

    impl Visitor<'_> for SeedVisitor {
        type Value = Secret;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a base32 seed")
        }

        fn visit_str<E: Error>(self, v: &str) -> Result<Secret, E> {
            // The message must not quote the value: it is a seed.
            let bytes = Zeroizing::new(
                BASE32_NOPAD
                    .decode(v.as_bytes())
                    .map_err(|_| E::custom("seed is not unpadded upper-case base32"))?,
            );
            Secret::from_bytes(bytes.to_vec()).map_err(|e| E::custom(format!("seed: {e}")))
        }

        fn visit_string<E: Error>(self, mut v: String) -> Result<Secret, E> {
            let r = self.visit_str(&v);
            v.zeroize();
            r
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        d.deserialize_str(SeedVisitor)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The integration tests' Token2 intent, with RFC 6238's seed and Alice.
    pub(crate) fn intent() -> Intent {
        let mut i = crate::samples::token2("8659632000001", 1);
        i.target.reader = Some("Reader 0".into());
        i.seed = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        i.upn = Some("alice@contoso.com".into());
        i
    }

    #[test]
    fn json_shape() {
        let r = Record {
            seq: 1,
            at: 1_700_000_000,
            event: Event::Intent(intent()),
        };
        let j = serde_json::to_string(&r).unwrap();
        assert_eq!(
            j,
            r#"{"seq":1,"at":1700000000,"event":{"intent":{"target":{"kind":"token2","reader":"Reader 0","serial":"8659632000001","model":"C302-i"},"seed":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ","params":{"algorithm":"SHA1","digits":6,"period":30,"display_timeout":30},"writes":["config","seed"],"config_erases_seed":true,"upn":"alice@contoso.com"}}}"#
        );
        let back: Record = serde_json::from_str(&j).unwrap();
        let Event::Intent(i) = back.event else {
            panic!("not an intent")
        };
        assert_eq!(i.seed.as_bytes(), b"12345678901234567890");
    }

    #[test]
    fn debug_output_hides_the_seed() {
        let r = Record {
            seq: 1,
            at: 1,
            event: Event::Intent(intent()),
        };
        let d = format!("{r:?}");
        assert!(d.contains("8659632000001"), "{d}");
        assert!(!d.contains("GEZDGNBV") && !d.contains("1234567890"), "{d}");
    }

    #[test]
    fn unknown_fields_and_damaged_cells_are_refused() {
        let j = r#"{"seq":1,"at":1,"event":{"written":{"token":1,"write":"seed","extra":1}}}"#;
        assert!(serde_json::from_str::<Record>(j).is_err());
        let j = r#"{"seq":1,"at":1,"event":{"written":{"token":1,"write":"seed"}},"x":1}"#;
        assert!(serde_json::from_str::<Record>(j).is_err());
        let good = serde_json::to_string(&Record {
            seq: 1,
            at: 1,
            event: Event::Intent(intent()),
        })
        .unwrap();
        for (from, to) in [
            ("\"SHA1\"", "\"SHA2X6\""),
            ("\"SHA1\"", "\"sha1\""),
            ("\"SHA1\"", "\"\""),
            (
                "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
                "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1",
            ),
            ("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", ""),
        ] {
            let bad = good.replace(from, to);
            let e = serde_json::from_str::<Record>(&bad)
                .unwrap_err()
                .to_string();
            assert!(!e.contains("GEZDGNBV"), "{e}");
        }
    }

    #[test]
    fn field_rules() {
        assert!(intent().check().is_ok());
        let mut i = intent();
        i.params.digits = 99;
        assert_eq!(i.check().unwrap_err(), "digits 99 outside 4–10");
        let mut i = intent();
        i.target.serial = "86596\0".into();
        assert_eq!(
            i.check().unwrap_err(),
            "serial has a control character at character 6"
        );
        let mut i = intent();
        i.target.serial = "x".repeat(65);
        assert!(i.check().unwrap_err().contains("65 characters"));
        let mut i = intent();
        i.writes = vec![Write::Config];
        assert!(i.check().unwrap_err().contains("seed exactly once"));
        let mut i = intent();
        i.writes = vec![Write::Seed, Write::Seed];
        assert!(i.check().unwrap_err().contains("twice"));
        let mut i = intent();
        i.writes = vec![Write::Credential];
        assert!(i.check().unwrap_err().contains("no credential write"));
        let mut i = intent();
        i.target.kind = Kind::Molto2;
        i.config_erases_seed = false;
        assert!(i.check().unwrap_err().contains("needs a profile"));
        i.target.profile = Some(3);
        assert!(i.check().is_ok());
        i.writes = vec![Write::Seed, Write::Title, Write::Config];
        assert!(i.check().unwrap_err().contains("title"));
        i.title = Some("GitHub".into());
        assert!(i.check().is_ok());
        let v = Event::Verified(Verified {
            token: TokenId(1),
            method: Method::ComparedByAdmin,
            code: Some("12a456".into()),
            drift_steps: None,
        });
        assert!(v.check().is_err());
        assert_eq!(tidy_reason("card\nremoved"), "card removed");
        assert_eq!(tidy_reason(""), "(no reason given)");
        assert_eq!(tidy_reason(&"x".repeat(5000)).len(), MAX_REASON);
        assert!(BatchId("a b".into()).check().is_err());
        assert_eq!(BatchId::random().unwrap().0.len(), 16);
    }
}
