//! Talking to a host over TLS: the host's certificate is self-signed, so instead of names and dates the client
//! checks one thing, that the certificate is exactly the pinned one (its SHA-256, a [`Fingerprint`]). The
//! handshake's signature is still verified, so only the holder of that certificate's key gets through.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lanban_core::fingerprint::Fingerprint;
use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

use crate::error::ClientError;

/// Installs the `ring` crypto provider as this process's default, once. Every HTTP client built in the process
/// (ours, and any plain `reqwest::Client`) needs one; calling it again does nothing.
pub fn install_default_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Accepts exactly the pinned certificate, and remembers what was presented instead.
#[derive(Debug)]
pub(crate) struct PinnedVerifier {
    /// `None` records whatever is presented and refuses it (to learn a host's fingerprint without talking).
    pin: Option<Fingerprint>,
    presented: Mutex<Option<Fingerprint>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedVerifier {
    fn new(pin: Option<Fingerprint>) -> Self {
        PinnedVerifier {
            pin,
            presented: Mutex::new(None),
            algorithms: provider().signature_verification_algorithms,
        }
    }

    /// What the host presented that was not the pin, if that is why a connection failed.
    pub(crate) fn refused(&self) -> Option<Fingerprint> {
        let presented = *self.presented.lock().unwrap_or_else(|e| e.into_inner());
        presented.filter(|p| Some(*p) != self.pin)
    }

    pub(crate) fn pin(&self) -> Option<Fingerprint> {
        self.pin
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // Names and dates are not checked on purpose: the pin is the host's whole identity (the certificate is
        // self-signed and the host's address changes with the network).
        let presented = Fingerprint::of_der(end_entity.as_ref());
        *self.presented.lock().unwrap_or_else(|e| e.into_inner()) = Some(presented);
        if Some(presented) == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    // These two prove the peer holds the pinned certificate's private key.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A TLS client configuration that trusts only `pin`, and its verifier (to ask why a connection failed).
#[derive(Debug, Clone)]
pub(crate) struct Pinned {
    pub(crate) config: Arc<rustls::ClientConfig>,
    pub(crate) verifier: Arc<PinnedVerifier>,
}

impl Pinned {
    pub(crate) fn new(pin: Option<Fingerprint>) -> Result<Pinned, ClientError> {
        let verifier = Arc::new(PinnedVerifier::new(pin));
        let mut config = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| ClientError::Network(format!("TLS setup: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(verifier.clone())
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Pinned {
            config: Arc::new(config),
            verifier,
        })
    }

    /// If a connection failed because the host presented another certificate: that, as an error.
    pub(crate) fn identity_changed(&self) -> Option<ClientError> {
        match (self.verifier.pin(), self.verifier.refused()) {
            (Some(expected), Some(presented)) => Some(ClientError::HostIdentityChanged {
                expected,
                presented,
            }),
            _ => None,
        }
    }
}

/// The fingerprint of the certificate the host at `host:port` presents, read from a TLS handshake that is then
/// abandoned: nothing is sent to the host beyond the handshake. For trust on first use, where people compare it.
pub async fn probe_fingerprint(address: &str) -> Result<Fingerprint, ClientError> {
    let pinned = Pinned::new(None)?;
    let (host, _) = address
        .rsplit_once(':')
        .ok_or_else(|| ClientError::Address(format!("{address}: expected host:port")))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let name = ServerName::try_from(host.to_owned())
        .map_err(|e| ClientError::Address(format!("{address}: {e}")))?;
    let tcp = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::net::TcpStream::connect(address),
    )
    .await
    .map_err(|_| ClientError::Timeout)?
    .map_err(|e| ClientError::Network(e.to_string()))?;
    let connector = tokio_rustls::TlsConnector::from(pinned.config.clone());
    let _ = tokio::time::timeout(Duration::from_secs(5), connector.connect(name, tcp)).await;
    pinned
        .verifier
        .refused()
        .ok_or_else(|| ClientError::Protocol(format!("{address} presented no TLS certificate")))
}
