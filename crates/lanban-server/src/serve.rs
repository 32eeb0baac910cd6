//! Serves HTTP on accepted connections: axum's router on hyper, with the deadlines `axum::serve` does not set.
//!
//! Every request's head must arrive within [`HEADER_DEADLINE`] of the server waiting for it, and that includes
//! the wait on an idle keep-alive connection: a peer that opens connections and sends nothing, or a byte at a
//! time, holds them for seconds, not for ever (docs/protocol.md §11). HTTP/1.1 only, as the TLS configuration
//! offers. A WebSocket, once upgraded, is the socket session's to keep ([`crate::ws`]).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::serve::Listener;
use hyper::body::Incoming;
use hyper::server::conn::http1::Builder;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// How long a request's head may take to arrive, counted from when the server starts reading it.
pub const HEADER_DEADLINE: Duration = Duration::from_secs(10);

/// How long shutting down waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(10);

/// Serves `app` on every connection `listener` accepts until `shutdown` completes; then stops accepting, lets
/// requests in flight finish (for up to [`DRAIN`]) and returns. Handlers see the peer as `ConnectInfo<SocketAddr>`.
pub async fn serve<L>(
    mut listener: L,
    app: Router,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()>
where
    L: Listener<Addr = SocketAddr>,
{
    let (draining, connections) = (CancellationToken::new(), TaskTracker::new());
    let mut builder = Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_DEADLINE);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (io, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move {
                let response = app.oneshot(request.map(Body::new)).await;
                Ok::<_, Infallible>(match response {
                    Ok(response) => response,
                    Err(never) => match never {},
                })
            }
        });
        let connection = builder
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades();
        let draining = draining.clone();
        connections.spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                () = draining.cancelled() => {
                    // Finish the request in flight (if any), then close.
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(err) = ended {
                tracing::trace!(%peer, error = %err, "connection ended");
            }
        });
    }
    drop(listener);
    draining.cancel();
    connections.close();
    if tokio::time::timeout(DRAIN, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!("some requests did not finish within {DRAIN:?} of shutting down");
    }
    Ok(())
}
