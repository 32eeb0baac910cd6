//! Host mode: the lanban-server embedded in this process, its data in the app's data directory. It listens on
//! loopback until the person shares the board on the network, then on every interface, on the same port.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use lanban_core::fingerprint::Fingerprint;
use lanban_core::ids::MemberId;
use lanban_discovery::HostAdvert;
use lanban_server::{Config, RunningServer};
use serde::Serialize;
use tokio::sync::Mutex;

use crate::error::{AppErrorCode, CommandError, CommandResult};

/// The port a host listens on when it is free (teammates type it; keeping it stable helps).
pub const DEFAULT_PORT: u16 = 7420;

/// What the share panel shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ShareStatus {
    /// Listening on every interface (teammates can reach it) rather than loopback only.
    pub sharing: bool,
    pub port: u16,
    /// This computer's own address, `127.0.0.1:PORT`.
    pub local: String,
    /// Addresses teammates on the network can type, `IP:PORT` (empty while not sharing).
    pub addresses: Vec<String>,
    /// While sharing: the fingerprint of this server's certificate, which teammates' apps show them to compare.
    pub fingerprint: Option<String>,
    /// The same as six words, easier to compare.
    pub phrase: Option<String>,
    /// The two characters that start this computer's room codes (its host tag on the network).
    pub tag: String,
}

/// The embedded server, when running (a tokio `Mutex`: starting and stopping are awaited under it).
pub struct Host {
    data_dir: PathBuf,
    preferred_port: u16,
    running: Mutex<Option<Hosted>>,
}

struct Hosted {
    server: RunningServer,
    sharing: bool,
}

fn start_error(err: impl std::fmt::Display) -> CommandError {
    CommandError::new(
        AppErrorCode::ServerStart,
        format!("Cannot start the board server: {err}"),
    )
}

/// Interfaces of containers and virtual machines on this computer (Docker, Podman, libvirt, VirtualBox,
/// VMware, Kubernetes): teammates cannot reach it there, so they are neither shown nor put in invite links.
fn is_virtual_interface(name: &str) -> bool {
    const PREFIXES: [&str; 10] = [
        "docker", "br-", "veth", "virbr", "vboxnet", "vmnet", "podman", "cni", "flannel", "lxcbr",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p))
}

/// The machine's non-loopback IPv4 addresses on real networks, for teammates to type.
pub fn lan_addresses() -> Vec<IpAddr> {
    let mut addresses: Vec<IpAddr> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| !i.is_loopback() && !is_virtual_interface(&i.name))
        .map(|i| i.ip())
        .filter(|ip| ip.is_ipv4())
        .collect();
    addresses.sort();
    addresses.dedup();
    addresses
}

impl Host {
    /// A host keeping its server's data in `data_dir`, preferring `port` (0: any free port).
    pub fn new(data_dir: PathBuf, port: u16) -> Self {
        Self {
            data_dir,
            preferred_port: port,
            running: Mutex::new(None),
        }
    }

    fn config(&self) -> Config {
        // TLS while sharing (teammates pin its fingerprint); plain HTTP for this app itself, on loopback.
        Config::new(&self.data_dir)
    }

    /// Starts the server on loopback if it is not running; returns its URL and the host credential.
    pub async fn ensure(&self) -> CommandResult<(String, String)> {
        let mut running = self.running.lock().await;
        if let Some(hosted) = running.as_ref() {
            return Ok((
                local_url(hosted.server.addr.port()),
                hosted.server.host_token.clone(),
            ));
        }
        let server = start(
            self.config(),
            Ipv4Addr::LOCALHOST.into(),
            self.preferred_port,
        )
        .await?;
        let result = (local_url(server.addr.port()), server.host_token.clone());
        *running = Some(Hosted {
            server,
            sharing: false,
        });
        Ok(result)
    }

    /// Listens on every interface (or loopback only again), keeping the port; connected sockets reconnect.
    pub async fn set_sharing(&self, sharing: bool) -> CommandResult<ShareStatus> {
        let mut running = self.running.lock().await;
        let Some(hosted) = running.take() else {
            return Err(CommandError::new(
                AppErrorCode::NotHosting,
                "This computer is not hosting a board.",
            ));
        };
        if hosted.sharing == sharing {
            let status = status_of(&hosted);
            *running = Some(hosted);
            return Ok(status);
        }
        let port = hosted.server.addr.port();
        hosted.server.stop().await.map_err(start_error)?;
        let ip: IpAddr = if sharing {
            Ipv4Addr::UNSPECIFIED.into()
        } else {
            Ipv4Addr::LOCALHOST.into()
        };
        let server = start(self.config(), ip, port).await?;
        let hosted = Hosted { server, sharing };
        let status = status_of(&hosted);
        *running = Some(hosted);
        Ok(status)
    }

    /// The share panel's facts, if hosting.
    pub async fn status(&self) -> Option<ShareStatus> {
        self.running.lock().await.as_ref().map(status_of)
    }

    /// Where an invite points while this computer shares its boards: its LAN addresses, port and fingerprint.
    pub async fn invite_parts(&self) -> Option<(Vec<IpAddr>, u16, Fingerprint)> {
        let running = self.running.lock().await;
        let hosted = running.as_ref().filter(|h| h.sharing)?;
        let addresses = lan_addresses();
        if addresses.is_empty() {
            return None;
        }
        Some((
            addresses,
            hosted.server.addr.port(),
            hosted.server.fingerprint()?,
        ))
    }

    /// What discovery announces while this computer shares its boards on the network: `None` while it does not.
    pub async fn advert(&self) -> Option<HostAdvert> {
        let running = self.running.lock().await;
        let hosted = running.as_ref().filter(|h| h.sharing)?;
        hosted
            .server
            .advert(&lanban_discovery::computer_name())
            .await
    }

    /// Members connected to this computer's server other than `mine` (this app's own members).
    pub fn teammates_online(&self, mine: &[MemberId]) -> usize {
        match self.running.try_lock() {
            Ok(running) => running.as_ref().map_or(0, |hosted| {
                hosted
                    .server
                    .hub()
                    .online()
                    .iter()
                    .filter(|(_, member)| !mine.contains(member))
                    .count()
            }),
            // Busy starting or stopping: nobody can be connected right now.
            Err(_) => 0,
        }
    }

    /// Stops the server (sockets get a close frame; the last commit is on disk).
    pub async fn stop(&self) {
        let hosted = self.running.lock().await.take();
        if let Some(hosted) = hosted
            && let Err(err) = hosted.server.stop().await
        {
            tracing::warn!(error = %err, "embedded server did not stop cleanly");
        }
    }
}

async fn start(config: Config, ip: IpAddr, port: u16) -> CommandResult<RunningServer> {
    match RunningServer::start(config.clone(), SocketAddr::new(ip, port)).await {
        Ok(server) => Ok(server),
        // The preferred port is taken (another app, another Lanban): any free port will do.
        Err(lanban_server::StartError::Listen(err)) if port != 0 => {
            tracing::info!(port, error = %err, "port busy; taking a free one");
            RunningServer::start(config, SocketAddr::new(ip, 0))
                .await
                .map_err(start_error)
        }
        Err(err) => Err(start_error(err)),
    }
}

fn local_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

fn status_of(hosted: &Hosted) -> ShareStatus {
    let port = hosted.server.addr.port();
    ShareStatus {
        sharing: hosted.sharing,
        port,
        local: format!("127.0.0.1:{port}"),
        addresses: if hosted.sharing {
            lan_addresses()
                .into_iter()
                .map(|ip| format!("{ip}:{port}"))
                .collect()
        } else {
            Vec::new()
        },
        fingerprint: hosted.server.fingerprint().map(|f| f.to_string()),
        phrase: hosted.server.fingerprint().map(|f| f.phrase()),
        tag: hosted.server.tag().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_and_vm_interfaces_are_not_offered_to_teammates() {
        for name in [
            "docker0",
            "br-3f2a1b",
            "veth12ab",
            "virbr0",
            "vboxnet0",
            "vmnet8",
            "podman0",
            "cni0",
        ] {
            assert!(is_virtual_interface(name), "{name}");
        }
        for name in ["eth0", "enp3s0", "wlan0", "wlp2s0", "tailscale0", "en0"] {
            assert!(!is_virtual_interface(name), "{name}");
        }
    }
}
