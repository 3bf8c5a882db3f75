//! The pcscd + vpcd rig of the end-to-end tests: a pcscd of the test's own (or the one
//! running), and emulated cards inserted into vsmartcard's virtual readers on threads of this
//! process (their state stays inspectable), optionally misbehaving ([`vpcd::Fault`]).
#![allow(dead_code)]

use std::net::{Shutdown, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use hardware_bridge::vpcd;
use tokensmith_proto::emulator::Card;

pub const READER: &str = "Virtual PCD 00 01";
pub const VPCD_ADDR: &str = "127.0.0.1:35964";
/// vpcd's first reader: the busy-reader test holds it from this process.
pub const FIRST_READER: &str = "Virtual PCD 00 00";
pub const FIRST_VPCD_ADDR: &str = "127.0.0.1:35963";

// ---------------------------------------------------------------- pcscd

pub struct Pcscd(Option<Child>);

impl Drop for Pcscd {
    fn drop(&mut self) {
        if let Some(c) = &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn pcsc_readers() -> Option<Vec<String>> {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).ok()?;
    let r = ctx.list_readers_owned().ok()?;
    Some(
        r.into_iter()
            .map(|c| c.to_string_lossy().into_owned())
            .collect(),
    )
}

pub fn start_pcscd() -> Pcscd {
    let driver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
    assert!(
        std::path::Path::new("/usr/sbin/pcscd").exists(),
        "pcscd is missing: install the Debian packages `pcscd vsmartcard-vpcd libpcsclite-dev pkgconf`"
    );
    assert!(
        std::path::Path::new(driver).exists(),
        "vsmartcard's vpcd driver ({driver}) is missing: install the Debian package `vsmartcard-vpcd`"
    );
    if pcsc_readers().is_some_and(|r| r.iter().any(|n| n == READER)) {
        eprintln!("using the pcscd that is already running");
        return Pcscd(None);
    }
    spawn_pcscd()
}

/// A pcscd of our own, once its vpcd readers are there.
fn spawn_pcscd() -> Pcscd {
    std::fs::create_dir_all("/run/pcscd").expect("mkdir /run/pcscd");
    let child = Command::new("/usr/sbin/pcscd")
        .arg("--foreground")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start pcscd");
    let p = Pcscd(Some(child));
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if pcsc_readers().is_some_and(|r| r.iter().any(|n| n == READER)) {
            return p;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("pcscd started but the vpcd reader {READER:?} did not appear (is vpcd configured in /etc/reader.conf.d/?)");
}

impl Pcscd {
    /// Stop pcscd (ours, or the one that was running: by its pid file) and wait until PC/SC is
    /// gone; cards inserted lose their vpcd connection.
    pub fn stop(&mut self) {
        match self.0.take() {
            Some(mut c) => {
                let _ = c.kill();
                let _ = c.wait();
            }
            None => {
                let pid =
                    std::fs::read_to_string("/run/pcscd/pcscd.pid").expect("pcscd's pid file");
                let _ = Command::new("kill").arg(pid.trim()).status();
            }
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while pcsc_readers().is_some() {
            assert!(Instant::now() < deadline, "pcscd did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Start a pcscd of our own again.
    pub fn start(&mut self) {
        *self = spawn_pcscd();
    }
}

pub fn card_present_on(reader: &str, want: bool) {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("pcsc context");
    let name = std::ffi::CString::new(reader).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let mut st = [pcsc::ReaderState::new(
            name.as_c_str(),
            pcsc::State::UNAWARE,
        )];
        if ctx
            .get_status_change(Duration::from_millis(0), &mut st)
            .is_ok()
        {
            let present = st[0].event_state().contains(pcsc::State::PRESENT);
            if present == want {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("card on {reader} present={want} not reached");
}

// ------------------------------------------------------- emulated cards

/// A card shared between the vpcd thread and the test.
pub struct Shared<C> {
    pub card: Arc<Mutex<C>>,
    apdus: Arc<AtomicUsize>,
    /// CLA and INS of every command, in order.
    sent: Arc<Mutex<Vec<(u8, u8)>>>,
    /// When each warm reset came (a disconnect with `ResetCard`: a session ended).
    resets: Arc<Mutex<Vec<Instant>>>,
    /// When each command arrived and how long the card took to answer it.
    times: Arc<Mutex<Vec<(Instant, Duration)>>>,
}

impl<C: Card> Card for Shared<C> {
    fn atr(&self) -> Vec<u8> {
        self.card.lock().unwrap().atr()
    }
    fn power_on(&mut self) {
        self.card.lock().unwrap().power_on()
    }
    fn power_off(&mut self) {
        self.card.lock().unwrap().power_off()
    }
    fn reset(&mut self) {
        self.resets.lock().unwrap().push(Instant::now());
        self.card.lock().unwrap().reset()
    }
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.apdus.fetch_add(1, Ordering::SeqCst);
        if apdu.len() >= 2 {
            self.sent.lock().unwrap().push((apdu[0], apdu[1]));
        }
        let arrived = Instant::now();
        let answer = self.card.lock().unwrap().process(apdu);
        self.times
            .lock()
            .unwrap()
            .push((arrived, arrived.elapsed()));
        answer
    }
}

/// A card inserted in a virtual reader until dropped.
pub struct Inserted<C> {
    pub card: Arc<Mutex<C>>,
    apdus: Arc<AtomicUsize>,
    sent: Arc<Mutex<Vec<(u8, u8)>>>,
    resets: Arc<Mutex<Vec<Instant>>>,
    times: Arc<Mutex<Vec<(Instant, Duration)>>>,
    stream: TcpStream,
    thread: Option<JoinHandle<()>>,
    reader: &'static str,
}

impl<C: Card + Send + 'static> Inserted<C> {
    pub fn new(card: C) -> Self {
        Self::into_reader(card, READER, VPCD_ADDR)
    }

    /// Into vpcd's other reader, `Virtual PCD 00 00` (127.0.0.1:35963).
    pub fn into_first_reader(card: C) -> Self {
        Self::into_reader(card, FIRST_READER, FIRST_VPCD_ADDR)
    }

    /// Into vpcd's second reader, misbehaving at one command as `fault` says (a pulled card
    /// closes its connection: vpcd then reports it removed).
    pub fn with_fault(card: C, fault: vpcd::Fault) -> Self {
        Self::into_reader_with(card, READER, VPCD_ADDR, Some(fault))
    }

    /// Into the virtual reader `reader`, whose card side is `addr`.
    pub fn into_reader(card: C, reader: &'static str, addr: &str) -> Self {
        Self::into_reader_with(card, reader, addr, None)
    }

    /// The same card (state and all) into a reader again: a token put back.
    pub fn put_back(card: Arc<Mutex<C>>, reader: &'static str, addr: &str) -> Self {
        Self::insert(card, reader, addr, None)
    }

    /// Into `reader`, misbehaving at one command as `fault` says.
    pub fn into_reader_with(
        card: C,
        reader: &'static str,
        addr: &str,
        fault: Option<vpcd::Fault>,
    ) -> Self {
        Self::insert(Arc::new(Mutex::new(card)), reader, addr, fault)
    }

    fn insert(
        card: Arc<Mutex<C>>,
        reader: &'static str,
        addr: &str,
        fault: Option<vpcd::Fault>,
    ) -> Self {
        let apdus = Arc::new(AtomicUsize::new(0));
        let sent = Arc::new(Mutex::new(Vec::new()));
        let resets = Arc::new(Mutex::new(Vec::new()));
        let times = Arc::new(Mutex::new(Vec::new()));
        let stream = vpcd::connect(addr, Duration::from_secs(10)).unwrap_or_else(|e| {
            panic!("connect to vpcd on {addr} (is pcscd with vpcd running?): {e}")
        });
        let mut s2 = stream.try_clone().unwrap();
        let mut shared = Shared {
            card: card.clone(),
            apdus: apdus.clone(),
            sent: sent.clone(),
            resets: resets.clone(),
            times: times.clone(),
        };
        let thread = std::thread::spawn(move || {
            if let Ok(vpcd::Ended::Removed) = vpcd::serve_with(&mut s2, &mut shared, fault) {
                let _ = s2.shutdown(Shutdown::Both);
            }
        });
        card_present_on(reader, true);
        Inserted {
            card,
            apdus,
            sent,
            resets,
            times,
            stream,
            thread: Some(thread),
            reader,
        }
    }

    pub fn apdus(&self) -> usize {
        self.apdus.load(Ordering::SeqCst)
    }

    /// When each command arrived and how long the card took to answer it, in order.
    pub fn apdu_times(&self) -> Vec<(Instant, Duration)> {
        self.times.lock().unwrap().clone()
    }

    pub fn resets(&self) -> usize {
        self.resets.lock().unwrap().len()
    }

    /// When the reader last reset the card.
    pub fn session_ended(&self) -> Option<Instant> {
        self.resets.lock().unwrap().last().copied()
    }

    /// The INS of every command the card received, in order.
    pub fn sent(&self) -> Vec<u8> {
        self.sent.lock().unwrap().iter().map(|(_, i)| *i).collect()
    }

    /// How many commands with this INS the card received.
    pub fn sent_ins(&self, ins: u8) -> usize {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, i)| *i == ins)
            .count()
    }
}

impl<C> Drop for Inserted<C> {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        card_present_on(self.reader, false);
    }
}
