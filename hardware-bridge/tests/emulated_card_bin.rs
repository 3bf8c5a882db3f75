//! The `emulated-card` binary against a loopback stand-in for vpcd.

use hardware_bridge::vpcd::{read_frame, write_frame, CTRL_GET_ATR, CTRL_POWER_ON};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};

fn run_kind(args: &[&str], check: impl FnOnce(&mut std::net::TcpStream)) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_emulated-card"))
        .args(args)
        .args(["--addr", &addr, "--wait", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let (mut stream, _) = listener.accept().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");
    check(&mut stream);
    drop(stream);
    let status = child.wait().unwrap();
    assert!(status.success(), "exits cleanly when vpcd closes");
}

#[test]
fn ykoath_card_binary() {
    run_kind(&["--kind", "ykoath", "--password", "pw"], |s| {
        write_frame(s, &[CTRL_GET_ATR]).unwrap();
        let atr = read_frame(s).unwrap().unwrap();
        assert_eq!(
            hex::encode_upper(atr),
            "3B8D80018073C021C057597562694B6579F9"
        );
        write_frame(s, &[CTRL_POWER_ON]).unwrap();
        write_frame(s, &tokensmith_proto::ykoath::select_apdu()).unwrap();
        let sel = read_frame(s).unwrap().unwrap();
        let parsed = tokensmith_proto::ykoath::parse_select(&sel[..sel.len() - 2]).unwrap();
        assert!(parsed.password_set());
    });
}

#[test]
fn token2_card_binary_serial() {
    run_kind(
        &[
            "--kind",
            "token2",
            "--serial",
            "8659612000042",
            "--clock",
            "99",
        ],
        |s| {
            write_frame(s, &[CTRL_POWER_ON]).unwrap();
            write_frame(s, &tokensmith_proto::token2::get_info_apdu()).unwrap();
            let r = read_frame(s).unwrap().unwrap();
            let info = tokensmith_proto::token2::parse_info(&r[..r.len() - 2]).unwrap();
            assert_eq!(info.serial, "8659612000042");
            assert_eq!(info.utc, 99);
        },
    );
}

#[test]
fn molto2_card_binary() {
    run_kind(&["--kind", "molto2"], |s| {
        write_frame(s, &[CTRL_GET_ATR]).unwrap();
        let atr = read_frame(s).unwrap().unwrap();
        assert_eq!(atr[0], 0x3B);
        write_frame(s, &tokensmith_proto::molto2::profile_data_apdu(0)).unwrap();
        let r = read_frame(s).unwrap().unwrap();
        assert_eq!(&r[r.len() - 2..], &[0x90, 0x00]);
    });
}

#[test]
fn molto2_v1_with_customer_key() {
    run_kind(
        &[
            "--kind",
            "molto2",
            "--model",
            "v1",
            "--customer-key",
            "ABCDEFGHIJKLMNOP",
        ],
        |s| {
            // Profile 49 exists, 50 does not on a Molto2 v1.
            write_frame(s, &tokensmith_proto::molto2::profile_data_apdu(49)).unwrap();
            let r = read_frame(s).unwrap().unwrap();
            assert_eq!(&r[r.len() - 2..], &[0x90, 0x00]);
            write_frame(s, &tokensmith_proto::molto2::profile_data_apdu(50)).unwrap();
            assert_eq!(read_frame(s).unwrap().unwrap(), vec![0x6A, 0x86]);
            // The default key is refused: 63 NN.
            write_frame(s, &tokensmith_proto::molto2::challenge_apdu()).unwrap();
            let ch = read_frame(s).unwrap().unwrap();
            let ch: [u8; 8] = ch[..8].try_into().unwrap();
            let default = tokensmith_proto::molto2::CustomerKey::default().sm4_key();
            write_frame(
                s,
                &tokensmith_proto::molto2::authenticate_apdu(&default, &ch),
            )
            .unwrap();
            assert_eq!(read_frame(s).unwrap().unwrap()[0], 0x63);
            // The configured key works.
            write_frame(s, &tokensmith_proto::molto2::challenge_apdu()).unwrap();
            let ch = read_frame(s).unwrap().unwrap();
            let ch: [u8; 8] = ch[..8].try_into().unwrap();
            let key = tokensmith_proto::molto2::CustomerKey::parse("ABCDEFGHIJKLMNOP")
                .unwrap()
                .sm4_key();
            write_frame(s, &tokensmith_proto::molto2::authenticate_apdu(&key, &ch)).unwrap();
            assert_eq!(read_frame(s).unwrap().unwrap(), vec![0x90, 0x00]);
        },
    );
}

#[test]
fn bad_arguments_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_emulated-card"))
        .args(["--kind", "floppy", "--addr", "127.0.0.1:1", "--wait", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
