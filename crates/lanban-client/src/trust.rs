//! Trust on first use: which certificate to pin for which host, decided before anything is sent to it.
//!
//! This computer is reached over plain HTTP on loopback. Another computer is reached only over HTTPS pinned to
//! one certificate: the one the person confirmed (or an invite link named, or an earlier visit remembered), or
//! one they confirmed for another board of the same host. Without such a pin, the host's certificate is read
//! from a TLS handshake and handed back for the person to compare with the host's share panel; nothing else is
//! sent. An address found by discovery must also belong to the host whose certificate makes the room code's tag,
//! so a code goes only to the host that gave it out.

use std::net::SocketAddr;

use lanban_core::fingerprint::Fingerprint;
use lanban_core::room_code::HostTag;

use crate::api::Api;
use crate::error::ClientError;
use crate::tls::probe_fingerprint;

/// Where a request is about to go, and what is known about that host.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    /// The host's address as typed or remembered: `192.168.1.20:7420`, with or without `https://`.
    pub address: &'a str,
    /// The only certificate the host may present, if one is known (confirmed, from an invite, remembered).
    pub pin: Option<Fingerprint>,
    /// The address came from discovery for a room code with this tag: the host's certificate must make it, and
    /// an announcement never steers the code to this computer.
    pub discovered_for: Option<HostTag>,
}

/// What to do about a destination.
#[derive(Debug)]
pub enum Resolved {
    /// Talk to it with this client: plain HTTP to this computer, HTTPS pinned to one certificate elsewhere.
    Client(Api),
    /// First time on this host: nothing was sent. The person compares the words of `fingerprint`, the certificate
    /// it presented, with the host's share panel, and asks again with it as the pin.
    ConfirmHost { fingerprint: Fingerprint },
}

/// Why a destination cannot be used. Nothing was sent to it.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The text given as a pin is not a certificate fingerprint.
    #[error("not a host fingerprint")]
    NotAFingerprint,
    /// Found by discovery, but the host at `address` does not give out codes starting with `tag` (or it is this
    /// computer): the code would go to the wrong host.
    #[error("the host at {address} does not give out codes starting with {tag}")]
    WrongHost { address: String, tag: HostTag },
    /// The host could not be reached, or the address is not usable.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// A pin typed or stored as text: blank is none.
pub fn parse_pin(text: Option<&str>) -> Result<Option<Fingerprint>, TrustError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| TrustError::NotAFingerprint),
        None => Ok(None),
    }
}

/// `host:port` of an address typed with or without a scheme.
fn host_port(address: &str) -> &str {
    let address = address.trim().trim_end_matches('/');
    address
        .strip_prefix("https://")
        .or_else(|| address.strip_prefix("http://"))
        .unwrap_or(address)
}

/// The address to reach this computer at, if `address` is on it: a loopback socket address (`127.0.0.1:7420`,
/// `[::1]:7420`) or `localhost:PORT`, with or without a scheme. Anything else is another computer, including text a
/// URL parser would read as some other host (`127.0.0.1:1@192.0.2.50:7420`).
fn on_this_computer(address: &str) -> Option<String> {
    let host_port = host_port(address);
    if let Ok(socket) = host_port.parse::<SocketAddr>() {
        return socket
            .ip()
            .to_canonical()
            .is_loopback()
            .then(|| socket.to_string());
    }
    let (host, port) = host_port.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    host.eq_ignore_ascii_case("localhost")
        .then(|| format!("localhost:{port}"))
}

/// True for an address on this computer: a loopback socket address or `localhost:PORT`, with or without a scheme.
pub fn is_this_computer(address: &str) -> bool {
    on_this_computer(address).is_some()
}

/// Decides how to reach `to`. `trusted` says whether the person confirmed a certificate before (for another board
/// of the same host), so it needs no second look.
pub async fn resolve(
    to: Destination<'_>,
    trusted: impl Fn(&Fingerprint) -> bool,
) -> Result<Resolved, TrustError> {
    let Some(local) = on_this_computer(to.address) else {
        return resolve_remote(to, trusted).await;
    };
    if let Some(tag) = to.discovered_for {
        return Err(TrustError::WrongHost {
            address: local,
            tag,
        });
    }
    let api = match to.pin {
        None => Api::new(&local)?,
        // Only a server that serves TLS on loopback too answers this.
        Some(pin) => Api::pinned(&local, pin)?,
    };
    Ok(Resolved::Client(api))
}

/// Another computer: HTTPS pinned to the given or a trusted certificate, or one for the person to confirm.
async fn resolve_remote(
    to: Destination<'_>,
    trusted: impl Fn(&Fingerprint) -> bool,
) -> Result<Resolved, TrustError> {
    let pin = match to.pin {
        Some(pin) => pin,
        None => {
            let presented = probe_fingerprint(host_port(to.address)).await?;
            // Before trust: a host trusted for its own boards is still the wrong one for another host's code.
            check_tag(&to, presented)?;
            if !trusted(&presented) {
                return Ok(Resolved::ConfirmHost {
                    fingerprint: presented,
                });
            }
            presented
        }
    };
    check_tag(&to, pin)?;
    Ok(Resolved::Client(Api::pinned(host_port(to.address), pin)?))
}

/// For an address found by discovery: the certificate makes the room code's tag.
fn check_tag(to: &Destination<'_>, certificate: Fingerprint) -> Result<(), TrustError> {
    match to.discovered_for {
        Some(tag) if certificate.tag() != tag => Err(TrustError::WrongHost {
            address: host_port(to.address).to_owned(),
            tag,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use lanban_server::tls::TlsMode;
    use lanban_server::{Config, RunningServer};

    /// A host serving HTTPS on loopback too, so the rules for another computer can be tried on this one.
    async fn tls_server(dir: &std::path::Path) -> RunningServer {
        let mut config = Config::new(dir);
        config.tls = TlsMode::Always;
        RunningServer::start(config, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("the server starts")
    }

    fn to(address: &str) -> Destination<'_> {
        Destination {
            address,
            pin: None,
            discovered_for: None,
        }
    }

    fn other_tag(tag: HostTag) -> HostTag {
        (0..=u16::MAX)
            .map(HostTag::from_bits)
            .find(|t| *t != tag)
            .unwrap()
    }

    #[test]
    fn only_loopback_socket_addresses_are_this_computer() {
        for (address, here) in [
            ("127.0.0.1:7420", true),
            ("http://127.0.0.1:7420/", true),
            ("localhost:7420", true),
            ("LOCALHOST:7420", true),
            ("[::1]:7420", true),
            ("[::ffff:127.0.0.1]:7420", true),
            ("127.1.2.3:7420", true),
            ("192.168.1.20:7420", false),
            ("https://10.0.0.5:7420", false),
            ("[fe80::1]:7420", false),
            ("studio-pc.local:7420", false),
            // A URL parser reads these as another host (the part before `@` is a user name).
            ("127.0.0.1:1@192.0.2.50:7420", false),
            ("localhost:1@192.0.2.50:7420", false),
            ("http://localhost@192.0.2.50:7420", false),
            // Not a socket address at all.
            ("127.0.0.1", false),
            ("localhost", false),
            ("localhost:99999", false),
        ] {
            assert_eq!(is_this_computer(address), here, "{address}");
        }
        assert_eq!(host_port("https://10.0.0.5:7420/"), "10.0.0.5:7420");
    }

    #[test]
    fn a_pin_is_a_fingerprint_or_nothing() {
        let fingerprint = Fingerprint::of_der(b"cert");
        assert_eq!(
            parse_pin(Some(&format!(" {fingerprint} "))).unwrap(),
            Some(fingerprint)
        );
        assert_eq!(parse_pin(Some("  ")).unwrap(), None);
        assert_eq!(parse_pin(None).unwrap(), None);
        assert!(matches!(
            parse_pin(Some("nope")),
            Err(TrustError::NotAFingerprint)
        ));
    }

    #[tokio::test]
    async fn this_computer_is_reached_over_plain_http_and_never_by_an_announcement() {
        let dir = tempfile::tempdir().unwrap();
        let server = RunningServer::start(Config::new(dir.path()), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let address = server.addr.to_string();
        let Resolved::Client(api) = resolve(to(&address), |_| false).await.unwrap() else {
            panic!("this computer needs no confirmation");
        };
        assert_eq!(api.pin(), None);
        let host = api.with_token(&server.host_token);
        assert!(host.list_boards().await.unwrap().is_empty());

        // Discovery never steers a code to this computer, whatever tag it claims.
        let announced = Destination {
            discovered_for: Some(server.tag()),
            ..to(&address)
        };
        assert!(matches!(
            resolve(announced, |_| true).await,
            Err(TrustError::WrongHost { .. })
        ));
        server.stop().await.unwrap();
    }

    #[tokio::test]
    async fn another_computer_is_pinned_only_once_its_certificate_is_confirmed() {
        let dir = tempfile::tempdir().unwrap();
        let server = tls_server(dir.path()).await;
        let real = server.fingerprint().expect("it serves TLS");
        let address = server.addr.to_string();

        // First time: nothing but a handshake; the person is shown the certificate to compare.
        match resolve_remote(to(&address), |_| false).await.unwrap() {
            Resolved::ConfirmHost { fingerprint } => assert_eq!(fingerprint, real),
            Resolved::Client(_) => panic!("pinned an unconfirmed certificate"),
        }
        // Confirmed (sent back as the pin), or trusted from another board of this host: HTTPS pinned to it.
        let confirmed = Destination {
            pin: Some(real),
            ..to(&address)
        };
        for resolved in [
            resolve_remote(confirmed, |_| false).await.unwrap(),
            resolve_remote(to(&address), |f| *f == real).await.unwrap(),
        ] {
            let Resolved::Client(api) = resolved else {
                panic!("a confirmed host needs no second look");
            };
            assert_eq!(api.pin(), Some(real));
            assert_eq!(api.base_url(), format!("https://{address}"));
            api.health().await.unwrap();
        }
        server.stop().await.unwrap();
    }

    #[tokio::test]
    async fn a_discovered_address_must_belong_to_the_host_of_the_codes_tag() {
        let dir = tempfile::tempdir().unwrap();
        let server = tls_server(dir.path()).await;
        let real = server.fingerprint().unwrap();
        let address = server.addr.to_string();
        let for_tag = |tag| Destination {
            discovered_for: Some(tag),
            ..to(&address)
        };

        // The host's certificate makes the code's tag: on to the usual confirmation.
        assert!(matches!(
            resolve_remote(for_tag(real.tag()), |_| false).await,
            Ok(Resolved::ConfirmHost { .. })
        ));
        // Another host's code: refused, even for a trusted host, and even with its pin given.
        let wrong = other_tag(real.tag());
        let pinned = Destination {
            pin: Some(real),
            ..for_tag(wrong)
        };
        for refused in [
            resolve_remote(for_tag(wrong), |_| true).await,
            resolve_remote(pinned, |_| true).await,
        ] {
            match refused {
                Err(TrustError::WrongHost { address: at, tag }) => {
                    assert_eq!((at.as_str(), tag), (address.as_str(), wrong));
                }
                other => panic!("expected WrongHost, got {other:?}"),
            }
        }
        server.stop().await.unwrap();
    }
}
