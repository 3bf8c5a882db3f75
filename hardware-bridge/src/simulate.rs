//! `--simulate`: a [`Backend`] of in-process emulated cards, so someone with
//! no hardware can try the whole flow (list, info, burn, sync, profiles,
//! OATH) from the page or the command line.
//!
//! Three readers, each holding a card for the life of the process:
//! - `Simulated reader 0 (Token2 C302-i)`: a single-profile Token2;
//! - `Simulated Molto2 reader 1`: a Molto2v2 (known by the reader name, as real Molto2
//!   readers are; `--model molto2v2` reaches its profiles 50–99), factory customer key; the
//!   simulated user presses ▲ at once when it asks for a confirmation;
//! - `Simulated reader 2 (OATH key)`: an OATH applet without a password.
//!
//! `--simulate-fault` (hidden; for the page's tests) makes every simulated card misbehave at
//! the Nth command of an operation the way `emulated-card --fault` does through vpcd: a pulled card answers
//! "no card", a silent one never answers (the wait's time limit or a cancel ends the
//! operation, as with a real reader).

pub mod supply;

use std::sync::{Arc, Mutex};

use crate::backend::{select_reader, Backend, ReaderEntry};
use crate::card_wait::{watch, CardWait};
use crate::error::BridgeError;
use crate::vpcd::Fault;
use tokensmith_core::caps::Model;
use tokensmith_proto::emulator::{Card, Molto2Card, Token2Card, YkoathCard};
use tokensmith_proto::molto2::Molto2Model;
use tokensmith_proto::transport::{Transport, TransportError};

pub const TOKEN2_READER: &str = "Simulated reader 0 (Token2 C302-i)";
pub const MOLTO2_READER: &str = "Simulated Molto2 reader 1";
pub const OATH_READER: &str = "Simulated reader 2 (OATH key)";

/// A card that stays on its reader for the life of the process, shared by the connections.
trait Slot: Send + Sync {
    fn process(&self, apdu: &[u8]) -> Result<Vec<u8>, TransportError>;
    fn reset(&self);
    fn atr(&self) -> Option<Vec<u8>>;
}

impl<C: Card + Send> Slot for Mutex<C> {
    fn process(&self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut c = self
            .lock()
            .map_err(|_| TransportError::Other("emulated card poisoned".into()))?;
        Ok(c.process(apdu))
    }

    fn reset(&self) {
        if let Ok(mut c) = self.lock() {
            c.reset();
        }
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.lock().ok().map(|c| c.atr())
    }
}

/// A Molto2 whose user presses ▲ as soon as it asks (`90 60`): a key change or factory reset
/// tried in the simulation completes.
struct PressesAtOnce(Molto2Card);

impl Card for PressesAtOnce {
    fn atr(&self) -> Vec<u8> {
        self.0.atr()
    }
    fn power_on(&mut self) {
        self.0.power_on()
    }
    fn power_off(&mut self) {
        self.0.power_off()
    }
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        let r = self.0.process(apdu);
        if r.ends_with(&[0x90, 0x60]) {
            self.0.press_button();
        }
        r
    }
}

/// A transport to a shared in-process card.
/// A slot whose card misbehaves at its Nth command since it was last reset: each operation's
/// connection resets the card (listing does not), so N counts within one operation, and the
/// next operation finds the card as if pulled and put back.
struct Faulty {
    slot: Arc<dyn Slot>,
    fault: Fault,
    commands: Mutex<usize>,
}

/// How long a silent simulated card blocks its connection's thread before it counts as pulled
/// (the operation gave up long before: the time limit or a cancel).
const SILENT_FOR: std::time::Duration = std::time::Duration::from_secs(120);

impl Slot for Faulty {
    fn process(&self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let n = {
            let mut c = self.commands.lock().unwrap_or_else(|e| e.into_inner());
            *c += 1;
            *c
        };
        match self.fault {
            Fault::RemovedBefore(at) if n >= at => Err(TransportError::NoCard),
            Fault::RemovedDuring(at) if n >= at => {
                if n == at {
                    self.slot.process(apdu)?;
                }
                Err(TransportError::NoCard)
            }
            Fault::SilentDuring(at) if n >= at => {
                if n == at {
                    self.slot.process(apdu)?;
                }
                std::thread::sleep(SILENT_FOR);
                Err(TransportError::NoCard)
            }
            _ => self.slot.process(apdu),
        }
    }

    fn reset(&self) {
        *self.commands.lock().unwrap_or_else(|e| e.into_inner()) = 0;
        self.slot.reset()
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.slot.atr()
    }
}

struct SlotTransport(Arc<dyn Slot>);

impl Transport for SlotTransport {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.process(apdu)
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.0.atr()
    }
}

/// Emulated readers and cards.
pub struct SimBackend {
    readers: Vec<(String, Arc<dyn Slot>)>,
    token2: Arc<Mutex<Token2Card>>,
    wait: CardWait,
}

impl Default for SimBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl SimBackend {
    pub fn new() -> Self {
        Self::with(CardWait::default(), None)
    }

    /// Cards answered within `wait`, misbehaving as `fault` says.
    pub fn with(wait: CardWait, fault: Option<Fault>) -> Self {
        let now = crate::device::now();
        let mut t2 = Token2Card::of_model(Model::C302);
        // A token whose clock has drifted a little, as real ones do.
        t2.set_clock(u32::try_from(now - 37).unwrap_or(0));
        let mut m2 = Molto2Card::new(Molto2Model::V2, "MOLTO2SIM0001");
        m2.set_clock(u32::try_from(now + 12).unwrap_or(0));
        let token2 = Arc::new(Mutex::new(t2));
        let mut readers: Vec<(String, Arc<dyn Slot>)> = vec![
            (TOKEN2_READER.into(), token2.clone()),
            (
                MOLTO2_READER.into(),
                Arc::new(Mutex::new(PressesAtOnce(m2))),
            ),
            (OATH_READER.into(), Arc::new(Mutex::new(YkoathCard::new()))),
        ];
        for (_, c) in &mut readers {
            c.reset();
            if let Some(fault) = fault {
                *c = Arc::new(Faulty {
                    slot: c.clone(),
                    fault,
                    commands: Mutex::new(0),
                });
            }
        }
        SimBackend {
            readers,
            token2,
            wait,
        }
    }

    fn slot(&self, name: &str) -> Result<Arc<dyn Slot>, BridgeError> {
        self.readers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.clone())
            .ok_or_else(|| BridgeError::Internal(format!("simulated reader {name:?} vanished")))
    }

    /// Whether the simulated Token2 holds a seed (for tests: was anything burned?).
    pub fn token2_has_seed(&self) -> bool {
        self.token2.lock().is_ok_and(|c| c.stored_seed().is_some())
    }
}

impl Backend for SimBackend {
    fn readers(&self) -> Result<Vec<ReaderEntry>, BridgeError> {
        Ok(self
            .readers
            .iter()
            .map(|(n, _)| ReaderEntry {
                name: n.clone(),
                card_present: true,
                busy: false,
            })
            .collect())
    }

    fn open(
        &self,
        reader: Option<&str>,
    ) -> Result<(String, Box<dyn Transport + Send>), BridgeError> {
        let name = select_reader(&self.readers()?, reader)?;
        let card = self.slot(&name)?;
        // A fresh connection is a card reset, as with PC/SC exclusive connects.
        card.reset();
        let t = watch(SlotTransport(card), &self.wait, || {});
        Ok((name, Box::new(t)))
    }

    fn probe(&self, reader: &str) -> Result<Box<dyn Transport + Send>, BridgeError> {
        // A probe leaves the card as it is: no reset.
        let t = SlotTransport(self.slot(reader)?);
        Ok(Box::new(watch(t, &self.wait, || {})))
    }

    fn cancel(&self) -> bool {
        self.wait.cancel.request()
    }

    /// The same cards, with a cancel of their own (as [`crate::pcsc::PcscBackend`]'s).
    fn apart(&self) -> Option<Arc<dyn Backend>> {
        Some(Arc::new(SimBackend {
            readers: self.readers.clone(),
            token2: self.token2.clone(),
            wait: CardWait::new(self.wait.timeout),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::burn::burn;
    use crate::device::plan::{plan_burn, BurnParams};
    use crate::device::{self, Credentials};
    use tokensmith_api::DeviceKind;
    use tokensmith_api::Verification;
    use tokensmith_core::secret::Secret;

    #[test]
    fn simulated_flow() {
        let b = SimBackend::new();
        let list = device::list(&b).unwrap();
        assert_eq!(list.len(), 3);
        let kinds: Vec<_> = list
            .iter()
            .map(|r| r.device.as_ref().map(|d| d.kind).or(r.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                Some(DeviceKind::Token2),
                Some(DeviceKind::Molto2),
                Some(DeviceKind::Oath)
            ]
        );
        // The Molto2 is known by its reader's name, not read.
        assert!(list[1].device.is_none());
        let secret = Secret::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        let (mut t, d) = device::open_detect(&b, Some("Token2"), None).unwrap();
        let plan = plan_burn(
            d.model.unwrap(),
            d.firmware,
            &BurnParams::default(),
            &secret,
        )
        .unwrap();
        let now = device::now();
        let burn_now = |t: &mut dyn tokensmith_proto::transport::Transport, d, plan| {
            burn(
                t,
                d,
                plan,
                &secret,
                &Credentials::default(),
                now,
                &mut |_| {},
            )
            .unwrap()
        };
        let out = burn_now(&mut *t, &d, &plan);
        let Verification::CompareWithDisplay { expected_code, .. } = out.verification else {
            panic!("no expected code");
        };
        let want = tokensmith_core::otp::totp(
            secret.as_bytes(),
            &tokensmith_core::otp::OtpParams::default(),
            now,
        )
        .unwrap();
        assert_eq!(expected_code, want);
        let (mut t, d) = device::open_detect(&b, Some("OATH"), None).unwrap();
        // The emulated key has a YubiKey's ATR: it is planned as a YubiKey.
        assert_eq!(d.model, Some(tokensmith_core::caps::Model::YubiKey));
        let p = BurnParams {
            account: Some("alice".into()),
            ..Default::default()
        };
        let plan = plan_burn(d.model.unwrap(), d.firmware, &p, &secret).unwrap();
        let out = burn_now(&mut *t, &d, &plan);
        assert!(matches!(
            out.verification,
            Verification::DeviceCalculated { matches: true, .. }
        ));
    }
}
