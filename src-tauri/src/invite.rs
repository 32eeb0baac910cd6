//! Invite links: `lanban://join?code=7KQ2-M9XD&host=192.168.1.20&host=10.0.0.5&port=7420&fp=…`. One link holds
//! everything a teammate needs: the room code, the host's addresses (tried in order), its port, and its
//! certificate fingerprint, which the joining app pins, so the link's holder never has to compare words and the
//! code goes to no other computer. Opening one launches the app at the filled-in Join screen.

use lanban_core::fingerprint::Fingerprint;
use lanban_core::room_code::RoomCode;
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Serialize;

use crate::error::{AppErrorCode, CommandError, CommandResult};

/// The URL scheme the app registers.
pub const SCHEME: &str = "lanban";

/// Most addresses a link may carry (a host has a handful of interfaces at most).
const MAX_HOSTS: usize = 8;

/// An invite, read from a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Invite {
    /// The room code, `XXXX-XXXX`.
    pub code: String,
    /// `IP:PORT` addresses of the host, to try in order.
    pub addresses: Vec<String>,
    /// The host certificate's fingerprint, pinned when joining.
    pub fingerprint: String,
}

fn bad_link(why: &str) -> CommandError {
    CommandError {
        field: Some("invite".into()),
        ..CommandError::new(
            AppErrorCode::ValidationFailed,
            format!("This invite link does not work: {why}."),
        )
    }
}

/// An invite link that arrived (the app was launched by one, or one was opened while it ran), until the window
/// takes it.
#[derive(Default)]
pub struct Invites {
    pending: std::sync::Mutex<Option<CommandResult<Invite>>>,
}

/// Sent to the window when an invite link is opened while the app runs; the window then takes it.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct InviteArrived;

impl Invites {
    /// Keeps the invite `link` for the window (the latest one wins).
    pub fn arrived(&self, link: &str) {
        let invite = parse(link);
        if let Err(err) = &invite {
            tracing::warn!(error = %err, "an invite link that does not work");
        }
        *self.pending.lock().unwrap_or_else(|p| p.into_inner()) = Some(invite);
    }

    /// The invite waiting for the window, if any (taken: a second call returns `None`).
    pub fn take(&self) -> CommandResult<Option<Invite>> {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .transpose()
    }
}

/// The link for `code` on a host reachable at `hosts` (IP addresses) on `port`.
pub fn link(
    code: &RoomCode,
    hosts: &[std::net::IpAddr],
    port: u16,
    fingerprint: &Fingerprint,
) -> String {
    let mut url = format!("{SCHEME}://join?code={code}");
    for host in hosts.iter().take(MAX_HOSTS) {
        url.push_str(&format!("&host={host}"));
    }
    url.push_str(&format!("&port={port}&fp={fingerprint}"));
    url
}

/// Reads an invite link; anything malformed is refused with the reason.
pub fn parse(text: &str) -> CommandResult<Invite> {
    let url = url::Url::parse(text.trim()).map_err(|_| bad_link("it is not a link"))?;
    if url.scheme() != SCHEME || url.host_str() != Some("join") {
        return Err(bad_link("it is not a Lanban invite"));
    }
    let (mut code, mut port, mut fingerprint, mut hosts) = (None, None, None, Vec::new());
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "code" => {
                code = Some(
                    value
                        .parse::<RoomCode>()
                        .map_err(|_| bad_link("its room code is garbled"))?,
                )
            }
            "port" => {
                port = Some(
                    value
                        .parse::<u16>()
                        .map_err(|_| bad_link("its port is garbled"))?,
                )
            }
            "fp" => {
                fingerprint = Some(
                    value
                        .parse::<Fingerprint>()
                        .map_err(|_| bad_link("its host fingerprint is garbled"))?,
                )
            }
            "host" if hosts.len() < MAX_HOSTS => {
                let ip = value
                    .parse::<std::net::IpAddr>()
                    .map_err(|_| bad_link("a host address is garbled"))?;
                if ip.is_unspecified() || ip.is_multicast() {
                    return Err(bad_link("a host address is garbled"));
                }
                hosts.push(ip);
            }
            // Unknown keys come from newer versions: ignored.
            _ => {}
        }
    }
    let code = code.ok_or_else(|| bad_link("it has no room code"))?;
    let port = port
        .filter(|p| *p != 0)
        .ok_or_else(|| bad_link("it has no port"))?;
    let fingerprint = fingerprint.ok_or_else(|| bad_link("it has no host fingerprint"))?;
    if hosts.is_empty() {
        return Err(bad_link("it has no host address"));
    }
    Ok(Invite {
        code: code.to_string(),
        addresses: hosts
            .iter()
            .map(|ip| std::net::SocketAddr::new(*ip, port).to_string())
            .collect(),
        fingerprint: fingerprint.to_string(),
    })
}

/// `text` as a QR code, an SVG document (dark modules on white, with the standard quiet zone).
pub fn qr_svg(text: &str) -> CommandResult<String> {
    let code = QrCode::new(text.as_bytes()).map_err(|e| {
        CommandError::new(
            AppErrorCode::ValidationFailed,
            format!("Cannot draw a QR code: {e}"),
        )
    })?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#111111"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (RoomCode, Fingerprint) {
        (
            "7KQ2-M9XD".parse().unwrap(),
            Fingerprint::of_der(b"certificate"),
        )
    }

    #[test]
    fn a_link_reads_back_as_its_invite() {
        let (code, fp) = sample();
        let hosts = ["192.168.1.20".parse().unwrap(), "10.0.0.5".parse().unwrap()];
        let text = link(&code, &hosts, 7420, &fp);
        assert!(text.starts_with(
            "lanban://join?code=7KQ2-M9XD&host=192.168.1.20&host=10.0.0.5&port=7420&fp="
        ));
        let invite = parse(&text).unwrap();
        assert_eq!(
            invite,
            Invite {
                code: "7KQ2-M9XD".into(),
                addresses: vec!["192.168.1.20:7420".into(), "10.0.0.5:7420".into()],
                fingerprint: fp.to_string(),
            }
        );
        let v6 = link(&code, &["fe80::1".parse().unwrap()], 7420, &fp);
        assert_eq!(parse(&v6).unwrap().addresses, vec!["[fe80::1]:7420"]);
    }

    #[test]
    fn a_broken_or_foreign_link_is_refused_with_the_reason() {
        let (code, fp) = sample();
        let good = link(&code, &["10.0.0.5".parse().unwrap()], 7420, &fp);
        for (text, why) in [
            ("not a link", "not a link"),
            ("https://join?code=7KQ2-M9XD", "not a Lanban invite"),
            ("lanban://leave?code=7KQ2-M9XD", "not a Lanban invite"),
            (
                &good.replace("code=7KQ2-M9XD", "code=7KQ2-M9XU"),
                "room code",
            ),
            (&good.replace("port=7420", "port=99999"), "port"),
            (&good.replace("port=7420", "port=0"), "no port"),
            (&good.replace("&fp=", "&fp=x"), "fingerprint"),
            (
                &good.replace("host=10.0.0.5", "host=evil.example"),
                "host address",
            ),
            (
                &good.replace("host=10.0.0.5", "host=0.0.0.0"),
                "host address",
            ),
            (
                &good.replace("host=10.0.0.5", "host=224.0.0.251"),
                "host address",
            ),
            (&good.replace("&host=10.0.0.5", ""), "no host address"),
        ] {
            let err = parse(text).unwrap_err();
            assert_eq!(err.code, AppErrorCode::ValidationFailed, "{text}");
            assert!(err.message.contains(why), "{text}: {}", err.message);
        }
    }

    #[test]
    fn an_arrived_invite_is_taken_once() {
        let (code, fp) = sample();
        let invites = Invites::default();
        assert_eq!(invites.take().unwrap(), None);
        invites.arrived("lanban://join?code=nonsense");
        assert_eq!(
            invites.take().unwrap_err().code,
            AppErrorCode::ValidationFailed
        );
        invites.arrived(&link(&code, &["10.0.0.5".parse().unwrap()], 7420, &fp));
        assert_eq!(invites.take().unwrap().unwrap().code, "7KQ2-M9XD");
        assert_eq!(invites.take().unwrap(), None);
    }

    #[test]
    fn the_qr_code_is_an_svg_document() {
        let (code, fp) = sample();
        let svg = qr_svg(&link(&code, &["10.0.0.5".parse().unwrap()], 7420, &fp)).unwrap();
        assert!(
            svg.contains("<svg") && svg.contains("#111111"),
            "{}",
            &svg[..80]
        );
    }
}
