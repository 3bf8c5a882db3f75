//! The one exchange: send a command APDU, collect the whole reply. Response chaining (`61 xx`:
//! more data waiting) is followed here for every protocol, the way its reference says, and a
//! T=0 contact reader's `6C xx` ("wrong Le: send it again with Le = xx") is answered by sending
//! the same command again with that Le (pcsc.md); the protocols only see complete replies.

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
    fn follow_up(&self, reply: &Response) -> Option<Vec<u8>> {
        let waiting = reply.more_data()?;
        Some(match self.chaining {
            Chaining::GetResponse => Command::new(0x00, 0xC0, 0, 0).le(waiting).to_bytes(),
            Chaining::SendRemaining => Command::new(0x00, 0xA5, 0, 0).to_bytes(),
        })
    }

    /// Send `apdu` and return the complete reply: the data of every chained part, and the
    /// status word of the last one. A `6C xx` (the card did nothing and wants Le = xx) sends
    /// the command in flight again with that Le; a `61 xx` fetches the rest.
    pub fn transmit(&mut self, apdu: &[u8]) -> Result<Response, ExchangeError> {
        // A copy may hold key material (an OATH PUT): wiped on drop.
        let mut command = Zeroizing::new(apdu.to_vec());
        let mut data = Vec::new();
        for _ in 0..=MAX_ROUNDS {
            let mut r = self.once(&command)?;
            if let Some(le) = r.wrong_le() {
                command = Zeroizing::new(with_le(&command, le));
                continue;
            }
            data.append(&mut r.data);
            match self.follow_up(&r) {
                Some(next) => command = Zeroizing::new(next),
                None => return Ok(Response::new(data, r.sw)),
            }
        }
        Err(ExchangeError::Malformed(
            "endless 61 xx / 6C xx exchange".into(),
        ))
    }
}

/// `apdu` with its Le set to `le`: appended to a command without one (ISO 7816-4 cases 1 and
/// 3), replacing the one it has (cases 2 and 4).
pub fn with_le(apdu: &[u8], le: u8) -> Vec<u8> {
    let mut out = apdu.to_vec();
    let has_le = match apdu.len() {
        0..=4 => false,
        5 => true,
        n => n == 6 + usize::from(apdu[4]),
    };
    if has_le {
        out.pop();
    }
    out.push(le);
    out
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

    /// A T=0 contact reader: answers `6C 08` to any command whose Le is not 8, then 12 bytes in
    /// two parts (`61 04`), and `6C 04` to a GET RESPONSE asking for more than is left.
    struct ContactReader {
        seen: Vec<Vec<u8>>,
        left: usize,
    }

    impl Transport for ContactReader {
        fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.seen.push(apdu.to_vec());
            let le = usize::from(*apdu.last().unwrap());
            if apdu[1] == 0xC0 {
                if le != self.left {
                    return Ok(reply(&[], 0x6C00 | self.left as u16));
                }
                let n = std::mem::take(&mut self.left);
                return Ok(reply(&vec![0xCD; n], 0x9000));
            }
            if le != 8 {
                return Ok(reply(&[], 0x6C08));
            }
            self.left = 4;
            Ok(reply(&[0xAB; 8], 0x6104))
        }
    }

    #[test]
    fn wrong_le_is_answered_by_resending_with_that_le() {
        // Case 1 (no Le), case 2, case 3 (data, no Le), case 4: each gets Le = 08.
        for (apdu, resent) in [
            (vec![0x80, 0x41, 0, 0], vec![0x80, 0x41, 0, 0, 8]),
            (vec![0x80, 0x41, 0, 0, 0], vec![0x80, 0x41, 0, 0, 8]),
            (
                vec![0x80, 0x41, 0, 7, 1, 0x70],
                vec![0x80, 0x41, 0, 7, 1, 0x70, 8],
            ),
            (
                vec![0x80, 0x41, 0, 7, 1, 0x70, 0],
                vec![0x80, 0x41, 0, 7, 1, 0x70, 8],
            ),
        ] {
            let t = ContactReader {
                seen: vec![],
                left: 0,
            };
            let mut ch = Channel::new(t, Protocol::Molto2, Chaining::GetResponse);
            let r = ch.transmit(&apdu).unwrap();
            assert_eq!(r.sw, 0x9000);
            assert_eq!(r.data, [[0xAB; 8].as_slice(), &[0xCD; 4]].concat());
            let seen = &ch.transport_mut().seen;
            assert_eq!(seen[0], apdu);
            assert_eq!(seen[1], resent, "resent with Le = 08");
            // 61 04 → GET RESPONSE with Le 04, answered at once.
            assert_eq!(seen[2], vec![0x00, 0xC0, 0, 0, 4]);
            assert_eq!(seen.len(), 3);
        }
    }

    #[test]
    fn a_get_response_answered_6cxx_is_sent_again() {
        struct Picky(Vec<Vec<u8>>);
        impl Transport for Picky {
            fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
                self.0.push(apdu.to_vec());
                Ok(match (apdu[1], apdu.last()) {
                    (0xC0, Some(0x05)) => reply(b"12345", 0x9000),
                    (0xC0, _) => reply(&[], 0x6C05),
                    // Says "more" without a count (00 = 256 or more).
                    _ => reply(b"ab", 0x6100),
                })
            }
        }
        let mut ch = Channel::new(Picky(vec![]), Protocol::Token2, Chaining::GetResponse);
        let r = ch.transmit(&[0x80, 0x41, 0, 0, 2, 2, 0x11]).unwrap();
        assert_eq!((r.data.as_slice(), r.sw), (&b"ab12345"[..], 0x9000));
        let seen = &ch.transport_mut().0;
        assert_eq!(seen[1], vec![0x00, 0xC0, 0, 0, 0]);
        assert_eq!(seen[2], vec![0x00, 0xC0, 0, 0, 5]);
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
        struct WrongLeForever;
        impl Transport for WrongLeForever {
            fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
                Ok(vec![0x6C, 0x10])
            }
        }
        let mut ch = Channel::new(WrongLeForever, Protocol::Molto2, Chaining::GetResponse);
        assert!(matches!(
            ch.transmit(&[0x80, 0x41, 0, 0, 0]),
            Err(ExchangeError::Malformed(_))
        ));
    }
}
