//! Test support: two "computers" on a LAN, as two network namespaces joined by a veth pair with addresses that
//! exist only inside them (`10.<subnet>.0.1` and `.2`). Deleted when dropped. Tests that need another computer's
//! point of view (a non-loopback peer, mDNS between hosts) run their processes inside with [`Lan::exec`]; nothing
//! reaches a real network.
//!
//! Creating namespaces needs root and `ip` (iproute2); CI has both.

use std::process::Command;

/// Two network namespaces joined by a veth pair.
pub struct Lan {
    namespaces: [String; 2],
    veths: [String; 2],
}

impl Lan {
    /// Creates the pair; `tag` (a few letters) and the process id make the names unique, `subnet` picks
    /// `10.<subnet>.0.0/24`.
    pub fn create(tag: &str, subnet: u8) -> Lan {
        assert!(
            Command::new("id")
                .arg("-u")
                .output()
                .is_ok_and(|o| o.stdout.starts_with(b"0\n")),
            "this test creates network namespaces and must run as root (CI does)"
        );
        let id = std::process::id();
        let lan = Lan {
            namespaces: [format!("lb{tag}a{id}"), format!("lb{tag}b{id}")],
            veths: [format!("v{tag}a{id}"), format!("v{tag}b{id}")],
        };
        let [a, b] = &lan.namespaces;
        let [va, vb] = &lan.veths;
        let (addr_a, addr_b) = (format!("10.{subnet}.0.1/24"), format!("10.{subnet}.0.2/24"));
        for args in [
            vec!["netns", "add", a],
            vec!["netns", "add", b],
            vec!["link", "add", va, "type", "veth", "peer", "name", vb],
            vec!["link", "set", va, "netns", a],
            vec!["link", "set", vb, "netns", b],
            vec!["-n", a, "addr", "add", &addr_a, "dev", va],
            vec!["-n", b, "addr", "add", &addr_b, "dev", vb],
            vec!["-n", a, "link", "set", "lo", "up"],
            vec!["-n", b, "link", "set", "lo", "up"],
            vec!["-n", a, "link", "set", va, "up"],
            vec!["-n", b, "link", "set", vb, "up"],
        ] {
            let status = Command::new("ip").args(&args).status().expect("`ip` runs");
            assert!(status.success(), "ip {}", args.join(" "));
        }
        lan
    }

    /// The name of namespace `i` (0 or 1).
    pub fn namespace(&self, i: usize) -> &str {
        &self.namespaces[i]
    }

    /// Namespace `i`'s end of the veth pair.
    pub fn interface(&self, i: usize) -> &str {
        &self.veths[i]
    }

    /// `program` to run inside namespace `i`.
    pub fn exec(&self, i: usize, program: &str) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.namespaces[i], program]);
        command
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        // Deleting a namespace removes its end of the veth pair, and with it the other end.
        for ns in &self.namespaces {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}
