//! What is on a reader: detection (kind, serial, model, clock) and the reader list.

use tokensmith_api::{Device, DeviceKind, Reader};
use tokensmith_core::caps::{self, Firmware};
use tokensmith_proto::molto2::{CustomerKey, Molto2Model, Molto2Session};
use tokensmith_proto::token2::Token2Session;
use tokensmith_proto::ykoath::{SelectResponse, YkoathSession};
use tokensmith_proto::{yubico, Transport};

use crate::backend::{is_molto2_reader, Backend};
use crate::error::BridgeError;

/// What was found on a reader: what the API reports, and what the capability table knows
/// the device as (which decides what a burn may ask of it).
#[derive(Debug, Clone)]
pub struct Detected {
    pub device: Device,
    /// `None` for a Token2 whose serial prefix is not a known programmable model.
    pub model: Option<caps::Model>,
    /// OATH: the applet's version (some features need newer firmware).
    pub firmware: Option<Firmware>,
}

impl Detected {
    pub fn kind(&self) -> DeviceKind {
        self.device.kind
    }

    /// The Molto2 generation (the only kinds with profiles); `None` for other kinds.
    pub fn molto2(&self) -> Option<Molto2Model> {
        self.device.profiles.and_then(Molto2Model::with_profiles)
    }
}

/// Detect the device: a reader whose name contains "molto" (any case) holds a Molto2;
/// otherwise a Token2 get-info answer means a single-profile Token2 (model by serial prefix);
/// otherwise a successful SELECT of the OATH applet means an OATH key. `forced` skips the
/// guessing (but still reads the device).
pub fn detect(
    t: &mut dyn Transport,
    reader: &str,
    forced: Option<DeviceKind>,
) -> Result<Detected, BridgeError> {
    detect_as(t, reader, forced, None)
}

/// [`detect`], with the Molto2 generation the user named (the device cannot tell; without
/// one it is taken for a Molto2 (v1), whose profiles exist on both). Naming one for another
/// kind of device is refused.
pub fn detect_as(
    t: &mut dyn Transport,
    reader: &str,
    forced: Option<DeviceKind>,
    molto2: Option<Molto2Model>,
) -> Result<Detected, BridgeError> {
    let d = detect_kind(t, reader, forced, molto2.unwrap_or_default())?;
    if molto2.is_some() && d.kind() != DeviceKind::Molto2 {
        return Err(BridgeError::BadInput(format!(
            "a Molto2 model was given, but the device on {reader} is a {} (leave out the model)",
            d.kind()
        )));
    }
    Ok(d)
}

fn detect_kind(
    t: &mut dyn Transport,
    reader: &str,
    forced: Option<DeviceKind>,
    molto2: Molto2Model,
) -> Result<Detected, BridgeError> {
    let guess = forced.or_else(|| is_molto2_reader(reader).then_some(DeviceKind::Molto2));
    // A card gone or a reader failing ends the guessing; a refusal means "not this kind".
    let give_up = |e: &BridgeError| matches!(e, BridgeError::CardRemoved | BridgeError::Reader(_));
    match guess {
        Some(DeviceKind::Token2) => detect_token2(t, reader),
        Some(DeviceKind::Molto2) => detect_molto2(t, reader, molto2),
        Some(DeviceKind::Oath) => detect_oath(t, reader),
        None => match detect_token2(t, reader) {
            Err(e) if !give_up(&e) => match detect_oath(t, reader) {
                Err(e) if !give_up(&e) => Err(BridgeError::UnknownCard(reader.to_string())),
                other => other,
            },
            other => other,
        },
    }
}

fn device(kind: DeviceKind, reader: &str, serial: String, model: String) -> Device {
    Device {
        kind,
        reader: reader.to_string(),
        serial,
        model,
        known_model: true,
        token_time: None,
        profiles: None,
        oath_version: None,
        password_set: None,
        pin_attempts: None,
    }
}

fn detect_token2(t: &mut dyn Transport, reader: &str) -> Result<Detected, BridgeError> {
    let info = Token2Session::new(&mut *t).info()?;
    let model = info.model();
    let name = model.map_or("unknown Token2 model", |m| m.caps().name);
    let mut d = device(DeviceKind::Token2, reader, info.serial, name.into());
    d.known_model = model.is_some();
    d.token_time = Some(i64::from(info.utc));
    Ok(Detected {
        device: d,
        model,
        firmware: None,
    })
}

/// One command, the info: the model is the user's (no guess from a status word).
fn detect_molto2(
    t: &mut dyn Transport,
    reader: &str,
    model: Molto2Model,
) -> Result<Detected, BridgeError> {
    let info = Molto2Session::new(&mut *t, &CustomerKey::default(), model).info()?;
    let caps = model.caps_model();
    let mut d = device(
        DeviceKind::Molto2,
        reader,
        info.serial,
        caps.caps().name.into(),
    );
    d.token_time = Some(i64::from(info.utc));
    d.profiles = Some(model.profile_count());
    Ok(Detected {
        device: d,
        model: Some(caps),
        firmware: None,
    })
}

/// Which OATH key this is: a Nitrokey 3 sends its serial in the SELECT reply (tag `8F`), a
/// YubiKey names itself in its ATR (or its USB reader's name) or answers Yubico's management
/// or OTP applet with a serial; any other key gets only what every YKOATH applet does.
fn oath_model(
    sel: &SelectResponse,
    atr: Option<&[u8]>,
    reader: &str,
    yubico_serial: bool,
) -> caps::Model {
    let says_yubikey = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .to_ascii_lowercase()
            .contains("yubikey")
    };
    if sel.serial.is_some() {
        caps::Model::Nitrokey3
    } else if yubico_serial || atr.is_some_and(says_yubikey) || says_yubikey(reader.as_bytes()) {
        caps::Model::YubiKey
    } else {
        caps::Model::OathKey
    }
}

/// An OATH key: the applet's SELECT reply, then the device serial — a Nitrokey 3's from that
/// reply, anyone else's from Yubico's management or OTP applet. The OATH salt is never taken
/// for a serial (it changes on every OATH reset, and the serial goes to Entra): a key that
/// tells none gets an empty serial, and a burn asks the user for the printed one.
fn detect_oath(t: &mut dyn Transport, reader: &str) -> Result<Detected, BridgeError> {
    let atr = t.atr();
    let sel = YkoathSession::select(&mut *t)?.selected().clone();
    let serial = match sel.serial {
        Some(s) => Some(s),
        None => yubico::read_serial(&mut *t)?.map(|(s, _)| s),
    };
    let model = oath_model(
        &sel,
        atr.as_deref(),
        reader,
        sel.serial.is_none() && serial.is_some(),
    );
    let version = sel.version_string();
    let name = match model.caps().name {
        "" => "OATH key",
        n => n,
    };
    let mut d = device(
        DeviceKind::Oath,
        reader,
        serial.map(|s| s.to_string()).unwrap_or_default(),
        name.into(),
    );
    d.oath_version = Some(version.clone());
    d.password_set = Some(sel.password_set());
    d.pin_attempts = sel.pin_attempts;
    Ok(Detected {
        device: d,
        model: Some(model),
        firmware: version.parse().ok(),
    })
}

/// Open the target card and detect it.
pub fn open_detect(
    backend: &dyn Backend,
    reader: Option<&str>,
    kind: Option<DeviceKind>,
) -> Result<(Box<dyn Transport + Send>, Detected), BridgeError> {
    open_detect_as(backend, reader, kind, None)
}

/// [`open_detect`] with the Molto2 generation the user named.
pub fn open_detect_as(
    backend: &dyn Backend,
    reader: Option<&str>,
    kind: Option<DeviceKind>,
    molto2: Option<Molto2Model>,
) -> Result<(Box<dyn Transport + Send>, Detected), BridgeError> {
    let (name, mut t) = backend.open(reader)?;
    let d = detect_as(&mut *t, &name, kind, molto2)?;
    Ok((t, d))
}

/// Readers with what is on them. Nothing stops the listing: a reader another program holds
/// is reported busy, a card that cannot be read gets its error. A Molto2 is known by its
/// reader's name and not connected to (the user reads it with `info`); every other card is
/// probed, leaving it as it was.
pub fn list(backend: &dyn Backend) -> Result<Vec<Reader>, BridgeError> {
    let mut out = Vec::new();
    for r in backend.readers()? {
        let mut rep = Reader {
            name: r.name.clone(),
            card_present: r.card_present,
            busy: r.busy,
            kind: None,
            device: None,
            error: None,
        };
        if is_molto2_reader(&r.name) {
            rep.kind = Some(DeviceKind::Molto2);
        } else if r.busy {
            rep.error = Some(BridgeError::CardBusy(r.name.clone()).to_string());
        } else if r.card_present {
            let probed = backend
                .probe(&r.name)
                .and_then(|mut t| detect(&mut *t, &r.name, None));
            match probed {
                Ok(d) => rep.device = Some(d.device),
                Err(e) => {
                    rep.busy = matches!(e, BridgeError::CardBusy(_));
                    rep.error = Some(e.to_string());
                }
            }
        }
        out.push(rep);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oath_keys_are_told_apart() {
        let sel = |serial| SelectResponse {
            version: vec![5, 4, 3],
            salt: Some(vec![1; 8]),
            challenge: None,
            algorithm: None,
            serial,
            pin_attempts: None,
        };
        let yubi_atr = tokensmith_proto::emulator::YKOATH_ATR;
        let plain_atr = [0x3B, 0x80, 0x80, 0x01, 0x01];
        assert_eq!(
            oath_model(&sel(None), Some(&yubi_atr), "ACS ACR122U", false),
            caps::Model::YubiKey
        );
        assert_eq!(
            oath_model(
                &sel(None),
                None,
                "Yubico YubiKey OTP+FIDO+CCID 00 00",
                false
            ),
            caps::Model::YubiKey
        );
        assert_eq!(
            oath_model(&sel(Some(7)), Some(&yubi_atr), "r", false),
            caps::Model::Nitrokey3
        );
        assert_eq!(
            oath_model(&sel(None), Some(&plain_atr), "r", false),
            caps::Model::OathKey
        );
        // Yubico's management applet told a serial: a YubiKey whatever the ATR.
        assert_eq!(
            oath_model(&sel(None), Some(&plain_atr), "r", true),
            caps::Model::YubiKey
        );
    }
}
