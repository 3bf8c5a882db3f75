//! The one exchange: send a command APDU, collect the whole reply. Response chaining (`61 xx`:
//! more data waiting) is followed here for every protocol, the way its reference says; the
//! protocols only see complete replies.

use zeroize::Zeroizing;

use crate::apdu::{Command, Response};
use crate::status::Protocol;
use crate::transport::{Transport, TransportError};

/// How a card hands out the rest of a reply after `61 xx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chaining {
    /// ISO 7816-4 GET RESPONSE `00 C0 00 00 xx` (T=0 contact readers; pcsc.md).
    GetResponse,
    /// YKOATH SEND REMAINING `00 A5 00 00` (ykoath.md).
    SendRemaining,
}

/// The exchange itself failed: no reply, or not even a status word.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("malformed reply: {0}")]
    Malformed(String),
}

/// The conversions every protocol error has: a failed exchange (transport, or a reply
/// without a status word) and a value the device cannot encode.
macro_rules! protocol_error_conversions {
    ($error:ident) => {
        impl From<$crate::exchange::ExchangeError> for $error {
            fn from(e: $crate::exchange::ExchangeError) -> Self {
                match e {
                    $crate::exchange::ExchangeError::Transport(t) => $error::Transport(t),
                    $crate::exchange::ExchangeError::Malformed(m) => $error::MalformedReply(m),
                }
            }
        }
    };
    ($error:ident, $invalid:ident) => {
        $crate::exchange::protocol_error_conversions!($error);
        impl From<$crate::wire::Unencodable> for $error {
            fn from(e: $crate::wire::Unencodable) -> Self {
                $error::$invalid(e.to_string())
            }
        }
    };
}
pub(crate) use protocol_error_conversions;

/// Chained data beyond this is not a device speaking the protocol (64 KiB is far more than
/// any reply of these applets).
const MAX_ROUNDS: usize = 256;

/// A transport speaking one protocol: every command goes through [`Channel::transmit`].
pub struct Channel<T: Transport> {
    transport: T,
    protocol: Protocol,
    chaining: Chaining,
}

impl<T: Transport> Channel<T> {
    pub fn new(transport: T, protocol: Protocol, chaining: Chaining) -> Self {
        Channel {
            transport,
            protocol,
            chaining,
        }
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    fn once(&mut self, apdu: &[u8]) -> Result<Response, ExchangeError> {
        let raw = Zeroizing::new(self.transport.transmit(apdu)?);
        Response::parse(&raw).map_err(|e| ExchangeError::Malformed(e.to_string()))
    }

    /// The command that fetches more of a reply, or `None` when the reply is complete.
    /// (A `6C xx` "wrong Le, resend with xx" from T=0 readers would be answered here too, by
    /// re-sending `apdu` with Le = xx.)
    fn follow_up(&self, reply: &Response) -> Option<Vec<u8>> {
        let waiting = reply.more_data()?;
        Some(match self.chaining {
            Chaining::GetResponse => Command::new(0x00, 0xC0, 0, 0).le(waiting).to_bytes(),
            Chaining::SendRemaining => Command::new(0x00, 0xA5, 0, 0).to_bytes(),
        })
    }

    /// Send `apdu` and return the complete reply: the data of every chained part, and the
    /// status word of the last one.
    pub fn transmit(&mut self, apdu: &[u8]) -> Result<Response, ExchangeError> {
        let mut r = self.once(apdu)?;
        let mut data = std::mem::take(&mut r.data);
        let mut rounds = 0;
        while let Some(next) = self.follow_up(&r) {
            rounds += 1;
            if rounds > MAX_ROUNDS {
                return Err(ExchangeError::Malformed("endless 61 xx chain".into()));
            }
            r = self.once(&next)?;
            data.append(&mut r.data);
        }
        Ok(Response::new(data, r.sw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apdu::reply;

    /// Answers every command with 300 bytes in chunks of 100, through either chaining.
    struct Chunky {
        left: usize,
        seen: Vec<Vec<u8>>,
    }

    impl Transport for Chunky {
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.seen.push(apdu.to_vec());
            let n = self.left.min(100);
            self.left -= n;
            let sw = if self.left > 0 {
                0x6100 | self.left.min(255) as u16
            } else {
                0x9000
            };
            Ok(reply(&vec![0xAB; n], sw))
        }
    }

    #[test]
    fn follows_61xx_with_the_protocols_command() {
        for (chaining, follow) in [
            (Chaining::GetResponse, vec![0x00, 0xC0, 0, 0, 200]),
            (Chaining::SendRemaining, vec![0x00, 0xA5, 0, 0]),
        ] {
            let t = Chunky {
                left: 300,
                seen: vec![],
            };
            let mut ch = Channel::new(t, Protocol::Ykoath, chaining);
            let r = ch.transmit(&[0, 0xA1, 0, 0]).unwrap();
            assert_eq!((r.data.len(), r.sw), (300, 0x9000));
            let seen = &ch.transport_mut().seen;
            assert_eq!(seen.len(), 3);
            assert_eq!(seen[1], follow);
        }
    }

    #[test]
    fn an_endless_chain_is_an_error() {
        struct Forever;
        impl Transport for Forever {
            fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
                Ok(vec![1, 0x61, 0x01])
            }
        }
        let mut ch = Channel::new(Forever, Protocol::Ykoath, Chaining::SendRemaining);
        assert!(matches!(
            ch.transmit(&[0, 0xA1, 0, 0]),
            Err(ExchangeError::Malformed(_))
        ));
    }
}
