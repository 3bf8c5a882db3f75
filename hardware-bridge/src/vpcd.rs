//! Client side of vsmartcard's virtual reader (vpcd): connects a [`Card`]
//! to the vpcd driver loaded in pcscd, which then shows it as an inserted
//! card in "Virtual PCD 00 00".
//!
//! Framing: each message is a 2-byte big-endian length then the payload.
//! One-byte payloads are control messages: `00` power off, `01` power on,
//! `02` reset, `04` get ATR (answered with the ATR). Longer payloads are
//! APDUs, answered with the card's response.

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

/// Serve one vpcd connection until it closes.
pub fn serve<S: Read + Write, C: Card + ?Sized>(stream: &mut S, card: &mut C) -> io::Result<()> {
    while let Some(payload) = read_frame(stream)? {
        match payload.as_slice() {
            [] => {}
            [CTRL_POWER_OFF] => card.power_off(),
            [CTRL_POWER_ON] => card.power_on(),
            [CTRL_RESET] => card.reset(),
            [CTRL_GET_ATR] => write_frame(stream, &card.atr())?,
            [_] => {} // unknown control message: ignore
            apdu => {
                let resp = card.process(apdu);
                write_frame(stream, &resp)?;
            }
        }
    }
    Ok(())
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
/// the socket closes.
pub fn run<C: Card + ?Sized>(
    addr: &str,
    wait: Duration,
    card: &mut C,
    on_connected: impl FnOnce(),
) -> io::Result<()> {
    let mut stream = connect(addr, wait)?;
    on_connected();
    serve(&mut stream, card)
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
        run(&addr, Duration::from_secs(5), &mut card, || {
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
        run(&addr, Duration::from_secs(5), &mut card, || {}).unwrap();
        let (atr, sel, other) = vpcd.join().unwrap();
        assert_eq!(atr, card.atr());
        assert_eq!(&sel[sel.len() - 2..], &[0x90, 0x00]);
        assert_eq!(sel[0], 0x79);
        assert_eq!(other, vec![0x6A, 0x82]);
    }
}
