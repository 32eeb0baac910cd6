//! Finding Lanban hosts on the LAN with mDNS/DNS-SD (`_lanban._tcp.local.`): a host that shares its boards
//! advertises itself with a TXT record (protocol, display name, certificate fingerprint, host tag, board count);
//! the Join screen browses and lists what it sees.
//!
//! This is the only crate that opens multicast sockets, and it opens none until asked: an mDNS daemon joins the
//! multicast group on every interface as it starts. With `LANBAN_REQUIRE_NETNS=<name>` (the tests set it) it
//! refuses to start one anywhere but inside the network namespace `/run/netns/<name>`, so tests only ever
//! multicast inside namespaces they created. With `LANBAN_DISCOVERY=0` ([`DISCOVERY_ENV`]) it starts none at all.
//!
//! # Layout
//! - this file: the advert and its TXT record, the daemon ([`Discovery`]): advertise, withdraw, browse, watch.
//! - [`setting`]: the one reading of `LANBAN_DISCOVERY`, and the name this computer announces.

pub mod setting;

pub use setting::{DISCOVERY_ENV, computer_name, forced_by_environment};

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use lanban_core::fingerprint::Fingerprint;
use mdns_sd::{IfKind, ServiceDaemon, ServiceEvent, ServiceInfo};
use serde::Serialize;

/// The DNS-SD service type of a Lanban host.
pub const SERVICE_TYPE: &str = "_lanban._tcp.local.";

/// What a host says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostAdvert {
    /// The person's name for the computer ("studio-pc").
    pub name: String,
    /// The server's id, stable across restarts and addresses.
    pub server_id: String,
    /// The host's TLS certificate: its identity, stable across restarts and addresses.
    pub fingerprint: Fingerprint,
    /// A short tag that starts the host's room codes, so a code alone names its host.
    pub tag: String,
    /// Boards it serves.
    pub boards: u32,
    /// The boards it hosts from a member's copy because their previous host was gone for good, by
    /// [`board_key`], most recent first (at most [`MAX_TOOK`]): teammates whose copies still point at the old host
    /// learn where the board is now.
    pub took: Vec<String>,
    /// The wire protocol it speaks ([`lanban_core::PROTOCOL_VERSION`]).
    pub protocol: u32,
    pub port: u16,
}

/// Most boards an advert names in `took` (each key and its comma take 13 of a TXT value's 200 bytes).
pub const MAX_TOOK: usize = 15;

/// The short name a host's advert gives a board in `took`: the last 12 hex digits of its id (the random ones).
pub fn board_key(board: lanban_core::ids::BoardId) -> String {
    let text = board.to_string();
    text[text.len() - 12..].to_owned()
}

fn is_board_key(key: &str) -> bool {
    key.len() == 12
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A host seen on the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundHost {
    pub advert: HostAdvert,
    /// Its IPv4 addresses.
    pub addresses: Vec<IpAddr>,
}

/// Why discovery cannot run.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("mDNS: {0}")]
    Mdns(#[from] mdns_sd::Error),
    #[error("cannot start the discovery thread: {0}")]
    Thread(String),
    #[error(
        "refusing to start mDNS outside the network namespace {0} (LANBAN_REQUIRE_NETNS: tests multicast only \
         inside namespaces they create)"
    )]
    OutsideNamespace(String),
    #[error("discovery is turned off ({DISCOVERY_ENV}=0)")]
    TurnedOff,
}

/// Which interfaces to multicast on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Interfaces {
    /// Every IPv4 interface but loopback.
    #[default]
    Lan,
    /// Only these, by name.
    Named(Vec<String>),
}

const MAX_TXT_VALUE: usize = 200;

impl HostAdvert {
    fn txt(&self) -> Vec<(&'static str, String)> {
        let took: Vec<&str> = self
            .took
            .iter()
            .take(MAX_TOOK)
            .map(String::as_str)
            .collect();
        let mut txt = vec![
            ("v", self.protocol.to_string()),
            ("name", self.name.chars().take(60).collect()),
            ("id", self.server_id.clone()),
            ("fp", self.fingerprint.to_string()),
            ("tag", self.tag.clone()),
            ("boards", self.boards.to_string()),
        ];
        if !took.is_empty() {
            txt.push(("took", took.join(",")));
        }
        txt
    }

    /// Reads an advert from a TXT record; `None` if a required key is missing or malformed, or if the tag is
    /// not the one its fingerprint makes (room codes start with the tag of the certificate that serves them).
    fn from_txt(get: impl Fn(&str) -> Option<String>, port: u16) -> Option<HostAdvert> {
        let value = |key: &str| get(key).filter(|v| v.len() <= MAX_TXT_VALUE);
        let fingerprint: Fingerprint = value("fp")?.parse().ok()?;
        let tag = value("tag")?;
        if tag != fingerprint.tag().as_str() {
            return None;
        }
        Some(HostAdvert {
            name: value("name")?,
            server_id: value("id")?,
            fingerprint,
            tag,
            boards: value("boards").and_then(|b| b.parse().ok()).unwrap_or(0),
            took: value("took")
                .map(|t| {
                    t.split(',')
                        .filter(|k| is_board_key(k))
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            protocol: value("v")?.parse().ok()?,
            port,
        })
    }
}

/// Services seen while browsing, by full name (what `ServiceRemoved` names) and announced fingerprint: a later
/// announcement under the same name with another fingerprint (a replayed or copied one) is kept apart, never in
/// place of the first.
#[derive(Default)]
struct Seen {
    services: BTreeMap<(String, String), FoundHost>,
}

impl Seen {
    /// Takes in one browse event; true if the hosts changed.
    fn apply(&mut self, event: ServiceEvent) -> bool {
        match event {
            ServiceEvent::ServiceResolved(service) => {
                let get = |key: &str| {
                    service
                        .txt_properties
                        .get_property_val_str(key)
                        .map(str::to_owned)
                };
                let Some(advert) = HostAdvert::from_txt(get, service.port) else {
                    return false;
                };
                let mut addresses: Vec<IpAddr> = service
                    .addresses
                    .iter()
                    .map(|a| a.to_ip_addr())
                    .filter(is_lan_address)
                    .collect();
                addresses.sort();
                addresses.dedup();
                // Names are case-insensitive in DNS; a removal may spell one differently.
                let key = (
                    service.fullname.to_lowercase(),
                    advert.fingerprint.to_string(),
                );
                let host = FoundHost { advert, addresses };
                let changed = self.services.get(&key) != Some(&host);
                self.services.insert(key, host);
                changed
            }
            ServiceEvent::ServiceRemoved(_, fullname) => {
                // A goodbye names no fingerprint: every announcement under the name goes.
                let name = fullname.to_lowercase();
                let before = self.services.len();
                self.services.retain(|(n, _), _| *n != name);
                self.services.len() != before
            }
            _ => false,
        }
    }

    /// One entry per announced fingerprint and address (a host re-announced under a new instance name is still
    /// one host; an impostor copying a host's fingerprint from elsewhere is a second entry, not a replacement),
    /// sorted by name. Hosts with no usable address are left out.
    fn hosts(&self) -> Vec<FoundHost> {
        let mut by_identity: BTreeMap<(String, IpAddr), FoundHost> = BTreeMap::new();
        for host in self.services.values() {
            if let Some(first) = host.addresses.first() {
                by_identity.insert((host.advert.fingerprint.to_string(), *first), host.clone());
            }
        }
        let mut hosts: Vec<FoundHost> = by_identity.into_values().collect();
        hosts.sort_by(|a, b| a.advert.name.cmp(&b.advert.name));
        hosts
    }
}

/// An address a LAN host can be reached at: IPv4, not loopback (that would be this computer: an announcement
/// must never steer a client there), unspecified, multicast, broadcast or link-local.
fn is_lan_address(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_loopback()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_link_local())
        }
        IpAddr::V6(_) => false,
    }
}

/// True if this process runs inside the named network namespace (`ip netns add <name>`): its namespace file is
/// the one bound at `/run/netns/<name>`.
fn inside_namespace(name: &str) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let ours = std::fs::metadata("/proc/self/ns/net");
        let named = std::fs::metadata(std::path::Path::new("/run/netns").join(name));
        matches!((ours, named), (Ok(a), Ok(b)) if a.dev() == b.dev() && a.ino() == b.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = name;
        false
    }
}

/// With `required`, refuses to run anywhere but inside that network namespace.
fn check_namespace(required: Option<&str>) -> Result<(), DiscoveryError> {
    match required {
        Some(name) if !inside_namespace(name) => {
            Err(DiscoveryError::OutsideNamespace(name.to_owned()))
        }
        _ => Ok(()),
    }
}

/// An mDNS daemon: advertises this host and browses for others. Stop it with [`Discovery::shutdown`].
pub struct Discovery {
    daemon: ServiceDaemon,
    registered: Option<String>,
}

impl Discovery {
    /// Starts the daemon on `interfaces` (IPv4 only: one answer per host), unless [`DISCOVERY_ENV`] turns
    /// discovery off.
    pub fn start(interfaces: &Interfaces) -> Result<Discovery, DiscoveryError> {
        if forced_by_environment() == Some(false) {
            return Err(DiscoveryError::TurnedOff);
        }
        check_namespace(std::env::var("LANBAN_REQUIRE_NETNS").ok().as_deref())?;
        let daemon = ServiceDaemon::new()?;
        daemon.disable_interface(IfKind::IPv6)?;
        match interfaces {
            Interfaces::Lan => daemon.disable_interface(IfKind::LoopbackV4)?,
            Interfaces::Named(names) => {
                daemon.disable_interface(IfKind::All)?;
                for name in names {
                    daemon.enable_interface(IfKind::Name(name.clone()))?;
                }
            }
        }
        Ok(Discovery {
            daemon,
            registered: None,
        })
    }

    /// Advertises this host (again, if its advert changed).
    pub fn advertise(&mut self, advert: &HostAdvert) -> Result<(), DiscoveryError> {
        // The mDNS host name is ours, never the OS's (which another responder may already answer for).
        let fp = advert.fingerprint.to_string();
        let host = format!(
            "lanban-{}.local.",
            &fp[..8].to_ascii_lowercase().replace(['-', '_'], "x")
        );
        let txt = advert.txt();
        let properties: Vec<(&str, &str)> = txt.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let info = ServiceInfo::new(
            SERVICE_TYPE,
            &advert.name,
            &host,
            (),
            advert.port,
            &properties[..],
        )?
        .enable_addr_auto();
        self.registered = Some(info.get_fullname().to_owned());
        self.daemon.register(info)?;
        Ok(())
    }

    /// Hosts seen within `wait`, by fingerprint (an instance name may be renamed "name (2)" on a clash).
    pub fn browse_for(&self, wait: Duration) -> Result<Vec<FoundHost>, DiscoveryError> {
        let events = self.daemon.browse(SERVICE_TYPE)?;
        let deadline = std::time::Instant::now() + wait;
        let mut seen = Seen::default();
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match events.recv_timeout(left) {
                Ok(event) => {
                    seen.apply(event);
                }
                Err(_) => break,
            }
        }
        let _ = self.daemon.stop_browse(SERVICE_TYPE);
        Ok(seen.hosts())
    }

    /// Browses until [`Discovery::stop_watching`] (or shutdown): `on_change` gets every host seen so far, sorted by
    /// name, each time a host appears, changes or leaves. Runs on a thread of its own.
    pub fn watch(
        &self,
        on_change: impl Fn(Vec<FoundHost>) + Send + 'static,
    ) -> Result<(), DiscoveryError> {
        let events = self.daemon.browse(SERVICE_TYPE)?;
        std::thread::Builder::new()
            .name("lanban-mdns-watch".into())
            .spawn(move || {
                let mut seen = Seen::default();
                while let Ok(event) = events.recv() {
                    if matches!(event, ServiceEvent::SearchStopped(_)) {
                        break;
                    }
                    if seen.apply(event) {
                        on_change(seen.hosts());
                    }
                }
            })
            .map_err(|e| DiscoveryError::Thread(e.to_string()))?;
        Ok(())
    }

    /// Stops the browsing [`Discovery::watch`] started.
    pub fn stop_watching(&self) {
        let _ = self.daemon.stop_browse(SERVICE_TYPE);
    }

    /// Stops advertising (browsers see the host leave); the daemon keeps running.
    pub fn withdraw(&mut self) {
        if let Some(fullname) = self.registered.take()
            && let Ok(done) = self.daemon.unregister(&fullname)
        {
            let _ = done.recv_timeout(Duration::from_secs(2));
        }
    }

    /// Withdraws the advert (browsers see it leave) and stops the daemon's thread.
    pub fn shutdown(mut self) {
        self.withdraw();
        if let Ok(done) = self.daemon.shutdown() {
            let _ = done.recv_timeout(Duration::from_secs(2));
        }
    }
}

#[cfg(test)]
mod tests;
