//! The server's TLS identity and how it serves it: a self-signed certificate made on first start and kept in the
//! data directory (`tls-cert.der`, `tls-key.der`, both 0600), and a listener that speaks TLS to everyone and plain
//! HTTP to this computer only.
//!
//! Clients do not check names or dates: they pin the certificate's SHA-256 ([`Fingerprint`]), from an invite link
//! or on first use. The identity therefore never changes by itself; deleting the two files makes a new one, and
//! every teammate is then warned that the host's identity changed.

use std::fs;
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use lanban_client::private;
use lanban_core::api::{ErrorBody, ErrorCode, ErrorDetail};
use lanban_core::fingerprint::Fingerprint;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_util::either::Either;
use tokio_util::sync::CancellationToken;

/// When the server speaks TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TlsMode {
    /// TLS when listening beyond loopback (plain HTTP still from this computer); plain HTTP on loopback.
    #[default]
    Auto,
    /// TLS on any address, plain HTTP from this computer too.
    Always,
    /// Plain HTTP only, on any address: for a TLS proxy in front, or the desktop app until it pins hosts.
    Off,
}

/// Why the identity cannot be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read or write the TLS identity in {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: io::Error,
    },
    #[error("cannot make a certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("the TLS identity is not usable: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The certificate and key this server presents.
#[derive(Clone)]
pub struct Identity {
    pub fingerprint: Fingerprint,
    config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

const CERT_FILE: &str = "tls-cert.der";
const KEY_FILE: &str = "tls-key.der";

impl Identity {
    /// Loads the identity of `data_dir`, making one on first start (or when a file of the pair is missing).
    pub fn load_or_create(data_dir: &Path) -> Result<Identity, TlsError> {
        let (cert_path, key_path) = (data_dir.join(CERT_FILE), data_dir.join(KEY_FILE));
        let io_error = |path: &Path| {
            let path = path.to_owned();
            move |source| TlsError::Io { path, source }
        };
        let (cert, key) = match (fs::read(&cert_path), fs::read(&key_path)) {
            (Ok(cert), Ok(key)) => (cert, key),
            (cert, key) => {
                if cert.is_ok() || key.is_ok() {
                    tracing::warn!(dir = %data_dir.display(), "half a TLS identity was found; making a new one");
                }
                let key_pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
                let mut params = rcgen::CertificateParams::new(vec!["lanban.local".to_owned()])?;
                params
                    .distinguished_name
                    .push(rcgen::DnType::CommonName, "Lanban host");
                let cert = params.self_signed(&key_pair)?;
                let (cert, key) = (cert.der().to_vec(), key_pair.serialize_der());
                write_private(&key_path, &key).map_err(io_error(&key_path))?;
                write_private(&cert_path, &cert).map_err(io_error(&cert_path))?;
                (cert, key)
            }
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(cert.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
            )?;
        // WebSocket upgrades need HTTP/1.1.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Identity {
            fingerprint: Fingerprint::of_der(&cert),
            config: Arc::new(config),
        })
    }
}

/// Writes a file readable by its owner only, replacing any old one through a rename.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temp = path.with_extension("tmp");
    let _ = fs::remove_file(&temp);
    let mut file =
        private::options(fs::OpenOptions::new().write(true).create_new(true)).open(&temp)?;
    private::restrict(&temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&temp, path)
}

/// What to do with a new connection, from its peer and its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A TLS handshake: serve it over TLS.
    Tls,
    /// Plain HTTP from this computer.
    Plain,
    /// Plain HTTP from elsewhere: answer `426 tls_required` and close, before reading a byte of it.
    RefusePlain,
    /// Closed before sending anything.
    Drop,
}

/// Decides what a connection gets; `0x16` opens every TLS handshake record.
pub fn admit(peer: IpAddr, first: Option<u8>) -> Admission {
    match first {
        None => Admission::Drop,
        Some(0x16) => Admission::Tls,
        Some(_) if is_loopback(peer) => Admission::Plain,
        Some(_) => Admission::RefusePlain,
    }
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// A connection the HTTP server sees: plain from this computer, or TLS.
pub type Io = Either<TcpStream, TlsStream<TcpStream>>;

/// Handshakes from other computers running at once; more connections wait in the kernel's backlog. Connections from
/// this computer (the host's own app) never wait for one.
const HANDSHAKES: usize = 256;
/// Handshakes one other computer may have running at once; a connection past that is closed at once, so one
/// neighbour cannot hold every handshake slot.
pub const HANDSHAKES_PER_ADDRESS: usize = 16;
/// A connection that has not finished its handshake (or sent its first byte) by then is dropped.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Accepts TCP connections, sorts them with [`admit`] and completes TLS handshakes off the accept path, so one
/// silent peer delays no one.
pub struct LanListener {
    ready: mpsc::Receiver<(Io, SocketAddr)>,
    local: SocketAddr,
}

impl LanListener {
    /// Starts accepting on `listener` until `stop` is cancelled.
    pub fn start(
        listener: TcpListener,
        identity: &Identity,
        stop: CancellationToken,
    ) -> io::Result<LanListener> {
        let local = listener.local_addr()?;
        let acceptor = TlsAcceptor::from(identity.config.clone());
        let (tx, ready) = mpsc::channel(HANDSHAKES);
        let permits = Arc::new(Semaphore::new(HANDSHAKES));
        let pending = Arc::new(PerAddress::default());
        tokio::spawn(async move {
            loop {
                let (tcp, peer) = tokio::select! {
                    () = stop.cancelled() => break,
                    accepted = listener.accept() => match accepted {
                        Ok(accepted) => accepted,
                        Err(err) => {
                            // Out of file descriptors and the like: wait a moment rather than spin.
                            tracing::warn!(error = %err, "accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    },
                };
                // This computer is always served; another computer takes a handshake slot, and may hold only a few.
                let permit = if is_loopback(peer.ip()) {
                    None
                } else {
                    let Some(slot) = PerAddress::take(&pending, peer.ip()) else {
                        tracing::debug!(%peer, "too many handshakes from one address; closed");
                        continue;
                    };
                    let Ok(permit) = permits.clone().acquire_owned().await else {
                        break;
                    };
                    Some((permit, slot))
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    let _permit = permit;
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, sort(tcp, peer, &acceptor)).await
                    {
                        Ok(Some(io)) => {
                            let _ = tx.send((io, peer)).await;
                        }
                        Ok(None) => {}
                        Err(_) => tracing::debug!(%peer, "handshake timed out"),
                    }
                });
            }
        });
        Ok(LanListener { ready, local })
    }
}

/// Handshakes running per other computer.
#[derive(Default)]
struct PerAddress(std::sync::Mutex<std::collections::HashMap<IpAddr, usize>>);

/// One handshake of one address; its place is given back when dropped.
struct Slot {
    counts: Arc<PerAddress>,
    ip: IpAddr,
}

impl PerAddress {
    /// A slot for a handshake from `ip`, unless it has [`HANDSHAKES_PER_ADDRESS`] running.
    fn take(counts: &Arc<PerAddress>, ip: IpAddr) -> Option<Slot> {
        let mut map = counts.0.lock().unwrap_or_else(|p| p.into_inner());
        let running = map.entry(ip).or_insert(0);
        if *running >= HANDSHAKES_PER_ADDRESS {
            return None;
        }
        *running += 1;
        Some(Slot {
            counts: counts.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self.counts.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(running) = map.get_mut(&self.ip) {
            *running -= 1;
            if *running == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

async fn sort(tcp: TcpStream, peer: SocketAddr, acceptor: &TlsAcceptor) -> Option<Io> {
    let _ = tcp.set_nodelay(true);
    let mut first = [0u8; 1];
    let first = match tcp.peek(&mut first).await {
        Ok(1) => Some(first[0]),
        _ => None,
    };
    match admit(peer.ip(), first) {
        Admission::Tls => match acceptor.accept(tcp).await {
            Ok(tls) => Some(Either::Right(tls)),
            Err(err) => {
                tracing::debug!(%peer, error = %err, "TLS handshake failed");
                None
            }
        },
        Admission::Plain => Some(Either::Left(tcp)),
        Admission::RefusePlain => {
            tracing::info!(%peer, "refused plain HTTP from another computer");
            refuse_plain(tcp).await;
            None
        }
        Admission::Drop => None,
    }
}

/// Answers a plain request from another computer with `426 tls_required`, without reading it.
async fn refuse_plain(mut tcp: TcpStream) {
    let body = serde_json::to_string(&ErrorBody {
        error: ErrorDetail {
            code: ErrorCode::TlsRequired,
            message: "this server accepts plain HTTP from its own computer only; connect with https:// and the \
                      host's certificate fingerprint"
                .into(),
            field: None,
        },
        current: None,
    })
    .unwrap_or_default();
    let response = format!(
        "HTTP/1.1 426 Upgrade Required\r\nUpgrade: TLS/1.3, HTTP/1.1\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = tcp.write_all(response.as_bytes()).await;
    let _ = tcp.shutdown().await;
}

impl axum::serve::Listener for LanListener {
    type Io = Io;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Io, SocketAddr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accept task has stopped (shutting down): nothing more will come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_holds_only_a_few_handshake_slots_and_gives_them_back() {
        let counts = Arc::new(PerAddress::default());
        let neighbour: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        let mut held: Vec<Slot> = (0..HANDSHAKES_PER_ADDRESS)
            .map(|_| PerAddress::take(&counts, neighbour).expect("a slot"))
            .collect();
        assert!(PerAddress::take(&counts, neighbour).is_none());
        // Another computer is not held up by the first.
        assert!(PerAddress::take(&counts, other).is_some());
        held.pop();
        assert!(PerAddress::take(&counts, neighbour).is_some());
        drop(held);
        assert!(
            counts.0.lock().unwrap().is_empty(),
            "counts are forgotten once back to zero"
        );
    }

    #[test]
    fn connections_are_sorted_by_peer_and_first_byte() {
        let here: IpAddr = "127.0.0.1".parse().unwrap();
        let here6: IpAddr = "::1".parse().unwrap();
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        let lan: IpAddr = "192.168.1.20".parse().unwrap();
        let lan6: IpAddr = "fe80::1".parse().unwrap();
        let cases = [
            (here, Some(b'G'), Admission::Plain),
            (here6, Some(b'P'), Admission::Plain),
            (mapped, Some(b'G'), Admission::Plain),
            (here, Some(0x16), Admission::Tls),
            (lan, Some(0x16), Admission::Tls),
            (lan6, Some(0x16), Admission::Tls),
            (lan, Some(b'G'), Admission::RefusePlain),
            (lan6, Some(b'G'), Admission::RefusePlain),
            (lan, None, Admission::Drop),
            (here, None, Admission::Drop),
        ];
        for (peer, first, expected) in cases {
            assert_eq!(admit(peer, first), expected, "{peer} {first:?}");
        }
    }

    #[test]
    fn the_identity_is_made_once_kept_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let made = Identity::load_or_create(dir.path()).unwrap();
        let again = Identity::load_or_create(dir.path()).unwrap();
        assert_eq!(made.fingerprint, again.fingerprint);
        let cert = fs::read(dir.path().join(CERT_FILE)).unwrap();
        assert_eq!(Fingerprint::of_der(&cert), made.fingerprint);
        #[cfg(unix)]
        for file in [CERT_FILE, KEY_FILE] {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
        // Half a pair is replaced by a new identity.
        fs::remove_file(dir.path().join(KEY_FILE)).unwrap();
        let remade = Identity::load_or_create(dir.path()).unwrap();
        assert_ne!(remade.fingerprint, made.fingerprint);
    }
}
