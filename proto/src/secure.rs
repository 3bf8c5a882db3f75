//! The SM4 secure channel of the Token2 family, shared by the single-profile tokens and the
//! Molto2: get a challenge, answer it with SM4-ECB(challenge || 8 zero bytes) under the key,
//! then send MAC'd (`84`) commands. The two differ only in the challenge command's form and
//! in what the status words of authenticate mean, which each protocol decides.

use crate::apdu::{Command, Response};
use crate::crypto::Sm4Key;
use crate::exchange::{Chaining, Channel, ExchangeError};
use crate::status::Protocol;
use crate::transport::Transport;

pub const INS_GET_CHALLENGE: u8 = 0x4B;
pub const INS_AUTHENTICATE: u8 = 0xCE;

/// `80 CE 00 00 10` || SM4-ECB(key, challenge || 8 zero bytes).
pub fn authenticate_apdu(key: &Sm4Key, challenge: &[u8; 8]) -> Vec<u8> {
    Command::with_data(
        0x80,
        INS_AUTHENTICATE,
        0,
        0,
        key.auth_cryptogram(challenge).to_vec(),
    )
    .to_bytes()
}

/// How an authentication attempt ended, for the protocol to interpret.
#[derive(Debug)]
pub enum Attempt {
    /// The get-challenge command was refused (nothing was authenticated).
    ChallengeRefused(Response),
    /// The reply to the authenticate command (success or not).
    Answered(Response),
}

/// A channel to a Token2-family device holding its SM4 key.
pub struct SecureChannel<T: Transport> {
    channel: Channel<T>,
    key: Sm4Key,
}

impl<T: Transport> SecureChannel<T> {
    pub fn new(transport: T, protocol: Protocol, key: Sm4Key) -> Self {
        SecureChannel {
            channel: Channel::new(transport, protocol, Chaining::GetResponse),
            key,
        }
    }

    pub fn key(&self) -> &Sm4Key {
        &self.key
    }

    /// Use another key from now on (after a key change the device accepted).
    pub fn set_key(&mut self, key: Sm4Key) {
        self.key = key;
    }

    pub fn protocol(&self) -> Protocol {
        self.channel.protocol()
    }

    pub fn transport_mut(&mut self) -> &mut T {
        self.channel.transport_mut()
    }

    pub fn into_transport(self) -> T {
        self.channel.into_transport()
    }

    /// Send one command (plain or already secured) and return the whole reply.
    pub fn transmit(&mut self, apdu: &[u8]) -> Result<Response, ExchangeError> {
        self.channel.transmit(apdu)
    }

    /// One authentication: `challenge_apdu`, then the cryptogram. Never retried here: a
    /// failure is the caller's to report (older tokens lock for good).
    pub fn authenticate(&mut self, challenge_apdu: &[u8]) -> Result<Attempt, ExchangeError> {
        let r = self.transmit(challenge_apdu)?;
        if !r.is_success() {
            return Ok(Attempt::ChallengeRefused(r));
        }
        let challenge: [u8; 8] = r.data.as_slice().try_into().map_err(|_| {
            ExchangeError::Malformed(format!("challenge of {} bytes", r.data.len()))
        })?;
        let apdu = authenticate_apdu(&self.key, &challenge);
        Ok(Attempt::Answered(self.transmit(&apdu)?))
    }
}
