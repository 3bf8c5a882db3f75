//! Client side of vsmartcard's virtual reader (vpcd): connects a [`Card`]
//! to the vpcd driver loaded in pcscd, which then shows it as an inserted
//! card in "Virtual PCD 00 00".
//!
//! Framing: each message is a 2-byte big-endian length then the payload.
//! One-byte payloads are control messages: `00` power off, `01` power on,
//! `02` reset, `04` get ATR (answered with the ATR). Longer payloads are
//! APDUs, answered with the card's response.
//!
//! A [`Fault`] makes the card misbehave at one command, the way a real token does when it is
//! pulled or stops answering: the fault tests of the burn journal run through a real pcscd with
//! it.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tokensmith_proto::emulator::Card;

/// Where vpcd listens by default.
pub const DEFAULT_ADDR: &str = "127.0.0.1:35963";

pub const CTRL_POWER_OFF: u8 = 0x00;
pub const CTRL_POWER_ON: u8 = 0x01;
pub const CTRL_RESET: u8 = 0x02;
pub const CTRL_GET_ATR: u8 = 0x04;

/// Largest payload accepted from vpcd (an extended APDU is at most ~65 KiB).
const MAX_PAYLOAD: usize = 65_544;

/// Write one framed message.
pub fn write_frame<W: Write>(w: &mut W, payload: &[u8]) -> io::Result<()> {
    let len = u16::try_from(payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "payload over 65535 bytes"))?;
    let mut buf = Vec::with_capacity(2 + payload.len());
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(payload);
    w.write_all(&buf)?;
    w.flush()
}

/// Read one framed message; `Ok(None)` when the peer closed the connection
/// cleanly between messages.
pub fn read_frame<R: Read>(r: &mut R) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let n = u16::from_be_bytes(len) as usize;
    if n > MAX_PAYLOAD {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "frame too long"));
    }
    let mut payload = vec![0u8; n];
    r.read_exact(&mut payload)?;
    Ok(Some(payload))
}

/// What a card does wrong at its `N`th command APDU (counted from 1 since it was inserted;
/// control messages are not counted). `N` is chosen by the test to land between two writes of a
/// burn, or on a write itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Pulled as command `N` arrives: it is not carried out (the `N - 1` before were answered).
    RemovedBefore(usize),
    /// Command `N` is carried out, then the card is pulled before it answers: the host cannot
    /// know whether it took effect.
    RemovedDuring(usize),
    /// Command `N` is carried out and never answered, nor anything after it, while the card
    /// stays in the reader (a hung token: the reader waits for it).
    SilentDuring(usize),
}

impl Fault {
    fn at(self) -> usize {
        match self {
            Fault::RemovedBefore(n) | Fault::RemovedDuring(n) | Fault::SilentDuring(n) => n,
        }
    }
}

impl std::str::FromStr for Fault {
    type Err = String;

    /// `removed-before:N`, `removed-during:N` or `silent-during:N` (N ≥ 1).
    fn from_str(s: &str) -> Result<Self, String> {
        let usage = || {
            format!(
                "fault {:?}: use removed-before:N, removed-during:N or silent-during:N (N from 1)",
                tokensmith_core::echo::echo(s)
            )
        };
        let (what, n) = s.split_once(':').ok_or_else(usage)?;
        let n: usize = n.parse().ok().filter(|n| *n >= 1).ok_or_else(usage)?;
        match what {
            "removed-before" => Ok(Fault::RemovedBefore(n)),
            "removed-during" => Ok(Fault::RemovedDuring(n)),
            "silent-during" => Ok(Fault::SilentDuring(n)),
            _ => Err(usage()),
        }
    }
}

/// How serving a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// vpcd closed the connection (pcscd stopped, or the test ended).
    Closed,
    /// The card was pulled by its [`Fault`]: the caller must close the connection (vpcd then
    /// reports the card removed).
    Removed,
}

/// Serve one vpcd connection until it closes.
pub fn serve<S: Read + Write, C: Card + ?Sized>(stream: &mut S, card: &mut C) -> io::Result<()> {
    serve_with(stream, card, None).map(|_| ())
}

/// [`serve`], misbehaving as `fault` says.
pub fn serve_with<S: Read + Write, C: Card + ?Sized>(
    stream: &mut S,
    card: &mut C,
    fault: Option<Fault>,
) -> io::Result<Ended> {
    let mut apdus = 0usize;
    let mut silent = false;
    while let Some(payload) = read_frame(stream)? {
        if silent {
            // A hung card: everything is read (so a closed connection is noticed), nothing
            // answered, not even the ATR.
            continue;
        }
        match payload.as_slice() {
            [] => {}
            [CTRL_POWER_OFF] => card.power_off(),
            [CTRL_POWER_ON] => card.power_on(),
            [CTRL_RESET] => card.reset(),
            [CTRL_GET_ATR] => write_frame(stream, &card.atr())?,
            [_] => {} // unknown control message: ignore
            apdu => {
                apdus += 1;
                match fault.filter(|f| f.at() == apdus) {
                    Some(Fault::RemovedBefore(_)) => return Ok(Ended::Removed),
                    Some(Fault::RemovedDuring(_)) => {
                        card.process(apdu);
                        return Ok(Ended::Removed);
                    }
                    Some(Fault::SilentDuring(_)) => {
                        card.process(apdu);
                        silent = true;
                    }
                    None => {
                        let resp = card.process(apdu);
                        write_frame(stream, &resp)?;
                    }
                }
            }
        }
    }
    Ok(Ended::Closed)
}

/// Connect to vpcd, retrying until `wait` has passed (vpcd may still be
/// starting).
pub fn connect(addr: &str, wait: Duration) -> io::Result<TcpStream> {
    let deadline = Instant::now() + wait;
    loop {
        match TcpStream::connect(addr) {
            Ok(s) => {
                s.set_nodelay(true)?;
                return Ok(s);
            }
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// Connect a card to vpcd at `addr`, call `on_connected`, then serve until
/// the socket closes (or the card is pulled by `fault`: the connection is closed then).
pub fn run<C: Card + ?Sized>(
    addr: &str,
    wait: Duration,
    card: &mut C,
    fault: Option<Fault>,
    on_connected: impl FnOnce(),
) -> io::Result<Ended> {
    let mut stream = connect(addr, wait)?;
    on_connected();
    let ended = serve_with(&mut stream, card, fault)?;
    if ended == Ended::Removed {
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use tokensmith_proto::emulator::{Card, YkoathCard};

    struct Echo {
        powered: u32,
        resets: u32,
    }

    impl Card for Echo {
        fn atr(&self) -> Vec<u8> {
            vec![0x3B, 0x00]
        }
        fn power_on(&mut self) {
            self.powered += 1;
        }
        fn reset(&mut self) {
            self.resets += 1;
        }
        fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
            let mut r = apdu.to_vec();
            r.extend_from_slice(&[0x90, 0x00]);
            r
        }
    }

    #[test]
    fn loopback_vpcd_framing() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let vpcd = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            // Get ATR.
            s.write_all(&[0, 1, 4]).unwrap();
            let atr = read_frame(&mut s).unwrap().unwrap();
            // Power on, reset: no reply expected.
            s.write_all(&[0, 1, 1]).unwrap();
            s.write_all(&[0, 1, 2]).unwrap();
            // An APDU (sent in two pieces to exercise partial reads).
            s.write_all(&[0, 4, 0x00]).unwrap();
            s.flush().unwrap();
            std::thread::sleep(Duration::from_millis(20));
            s.write_all(&[0xA4, 0x04, 0x00]).unwrap();
            let resp = read_frame(&mut s).unwrap().unwrap();
            (atr, resp)
        });
        let mut card = Echo {
            powered: 0,
            resets: 0,
        };
        let mut connected = false;
        run(&addr, Duration::from_secs(5), &mut card, None, || {
            connected = true
        })
        .unwrap();
        let (atr, resp) = vpcd.join().unwrap();
        assert!(connected);
        assert_eq!(atr, vec![0x3B, 0x00]);
        assert_eq!(resp, vec![0x00, 0xA4, 0x04, 0x00, 0x90, 0x00]);
        assert_eq!((card.powered, card.resets), (1, 1));
    }

    #[test]
    fn ykoath_over_loopback() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let vpcd = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            write_frame(&mut s, &[CTRL_GET_ATR]).unwrap();
            let atr = read_frame(&mut s).unwrap().unwrap();
            write_frame(&mut s, &[CTRL_POWER_ON]).unwrap();
            write_frame(&mut s, &tokensmith_proto::ykoath::select_apdu()).unwrap();
            let sel = read_frame(&mut s).unwrap().unwrap();
            write_frame(&mut s, &[0x00, 0xA4, 0x04, 0x00, 0x02, 0xA0, 0x00]).unwrap();
            let other = read_frame(&mut s).unwrap().unwrap();
            (atr, sel, other)
        });
        let mut card = YkoathCard::new();
        run(&addr, Duration::from_secs(5), &mut card, None, || {}).unwrap();
        let (atr, sel, other) = vpcd.join().unwrap();
        assert_eq!(atr, card.atr());
        assert_eq!(&sel[sel.len() - 2..], &[0x90, 0x00]);
        assert_eq!(sel[0], 0x79);
        assert_eq!(other, vec![0x6A, 0x82]);
    }

    /// Counts the commands it carried out.
    #[derive(Default)]
    struct Counter(u32);

    impl Card for Counter {
        fn atr(&self) -> Vec<u8> {
            vec![0x3B, 0x00]
        }
        fn process(&mut self, _apdu: &[u8]) -> Vec<u8> {
            self.0 += 1;
            vec![0x90, 0x00]
        }
    }

    /// Each fault at command 2 of 3: what vpcd gets back, what the card carried out, how
    /// serving ends.
    #[test]
    fn faults_land_on_the_command_they_name() {
        let apdu = [0x00, 0xA4, 0x04, 0x00];
        for (fault, answered, carried_out, ended) in [
            ("removed-before:2", 1, 1, Ended::Removed),
            ("removed-during:2", 1, 2, Ended::Removed),
            // Served until vpcd gives up and closes.
            ("silent-during:2", 1, 2, Ended::Closed),
        ] {
            let fault: Fault = fault.parse().unwrap();
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap().to_string();
            let vpcd = std::thread::spawn(move || {
                let (mut s, _) = listener.accept().unwrap();
                s.set_read_timeout(Some(Duration::from_millis(300)))
                    .unwrap();
                let mut answered = 0;
                for _ in 0..3 {
                    if write_frame(&mut s, &apdu).is_err() {
                        break;
                    }
                    match read_frame(&mut s) {
                        Ok(Some(r)) => {
                            assert_eq!(r, [0x90, 0x00]);
                            answered += 1;
                        }
                        _ => break,
                    }
                }
                // A silent card answers not even the ATR.
                let atr = write_frame(&mut s, &[CTRL_GET_ATR])
                    .ok()
                    .and_then(|_| read_frame(&mut s).ok().flatten());
                (answered, atr.is_some())
            });
            let mut card = Counter::default();
            let end = run(&addr, Duration::from_secs(5), &mut card, Some(fault), || {}).unwrap();
            let (got, atr) = vpcd.join().unwrap();
            assert_eq!(
                (got, card.0, end),
                (answered, carried_out, ended),
                "{fault:?}"
            );
            assert!(!atr, "{fault:?}");
        }
        assert!("removed-during:0".parse::<Fault>().is_err());
        assert!("pulled:3".parse::<Fault>().is_err());
    }
}
