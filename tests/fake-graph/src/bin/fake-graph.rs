//! Runs the fake Graph for trying `hardware-bridge entra` by hand: prints the options to give
//! it, then serves until killed. Users: alice@, bob@ (no tokens), carol@ (five already).
#![forbid(unsafe_code)]

use fake_graph::{Config, FakeGraph};

fn main() {
    let fake = FakeGraph::start(Config {
        pending_polls: 3,
        interval: 2,
        page_size: 3,
        throttle_every: std::env::args().any(|a| a == "--throttle").then_some(7),
        ..Config::default()
    });
    let cfg = fake.config();
    let tenant = &cfg.tenant;
    fake.add_user(&format!("alice@{tenant}"), "Alice Example");
    fake.add_user(&format!("bob@{tenant}"), "Bob Example");
    let carol = fake.add_user(&format!("carol@{tenant}"), "Carol Example");
    fake.add_software_methods(&carol, 5);
    let secret = fake.dir().join("client-secret.txt");
    std::fs::write(&secret, &cfg.client_secret).expect("secret file");
    println!("fake Graph and identity platform on {}", fake.url());
    println!(
        "options: --tenant {tenant} --client-id {} --graph-url {url} --login-url {url} --ca-file {}",
        cfg.client_id,
        fake.ca_file().display(),
        url = fake.url()
    );
    println!(
        "client secret file (for --client-secret-file): {}",
        secret.display()
    );
    println!("users: alice@{tenant}, bob@{tenant}, carol@{tenant} (already 5 OATH apps)");
    println!("the device-code sign-in is approved by itself after a few polls; Ctrl-C stops");
    loop {
        std::thread::park();
    }
}
