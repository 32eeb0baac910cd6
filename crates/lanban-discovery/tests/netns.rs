//! Two computers on a LAN, as two network namespaces joined by a veth pair: one advertises a Lanban host over
//! mDNS, the other browses and finds it, with its name, tag, certificate fingerprint, address and port. Every
//! mDNS daemon here runs inside a namespace this test created (`LANBAN_REQUIRE_NETNS=<namespace>` makes the probe
//! refuse anything else); nothing reaches a real network.
//!
//! Needs root (to create namespaces) and `ip`; CI has both.

use std::process::{Child, Command, Stdio};

use lanban_core::fingerprint::Fingerprint;
use lanban_testnet::Lan;

const PROBE: &str = env!("CARGO_BIN_EXE_lanban-lan-probe");

/// The probe, inside computer `i`, multicasting on its end of the veth only.
fn probe(lan: &Lan, i: usize) -> Command {
    let mut command = lan.exec(i, "env");
    command
        .arg(format!("LANBAN_REQUIRE_NETNS={}", lan.namespace(i)))
        // Inside the namespace discovery is wanted, whatever the test run turned off outside it.
        .arg("LANBAN_DISCOVERY=1")
        .arg(PROBE)
        .args(["--interface", lan.interface(i)]);
    command
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_host_advertised_on_one_computer_is_found_from_another() {
    let lan = Lan::create("dsc", 202);
    let _host = Running(
        probe(&lan, 0)
            .args([
                "--seconds",
                "20",
                "advertise",
                "--name",
                "studio-pc",
                "--port",
                "7420",
            ])
            .args([
                "--certificate-text",
                "studio's certificate",
                "--boards",
                "2",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("the advertiser starts"),
    );
    // Browse until it shows up (the advertiser probes its name for about half a second first).
    let mut hosts = serde_json::Value::Null;
    for _ in 0..5 {
        let output = probe(&lan, 1)
            .args(["--seconds", "3", "browse"])
            .output()
            .expect("the browser runs");
        assert!(
            output.status.success(),
            "browse failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        hosts = serde_json::from_slice(&output.stdout).expect("JSON");
        if hosts.as_array().is_some_and(|h| !h.is_empty()) {
            break;
        }
    }
    let hosts = hosts.as_array().expect("a list");
    assert_eq!(hosts.len(), 1, "{hosts:?}");
    let host = &hosts[0];
    assert_eq!(host["advert"]["name"], "studio-pc");
    assert_eq!(
        host["advert"]["tag"],
        Fingerprint::of_der(b"studio's certificate").tag().as_str()
    );
    assert_eq!(host["advert"]["boards"], 2);
    assert_eq!(host["advert"]["port"], 7420);
    assert_eq!(
        host["advert"]["fingerprint"],
        Fingerprint::of_der(b"studio's certificate").to_string()
    );
    assert_eq!(host["addresses"], serde_json::json!(["10.202.0.1"]));
}
