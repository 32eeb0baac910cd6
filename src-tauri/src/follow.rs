//! Following a board's host when it moves: while the open board's host is out of reach, discovery looks for the
//! host announcing the board's pinned certificate; seen at another address (another DHCP lease, another port), the
//! session goes there, still trusting only that certificate. Nobody types an address.

use std::sync::Arc;

use lanban_client::{BoardSession, ConnectionState};
use tokio::task::JoinHandle;

use crate::lan::{Lan, Stopping};

/// Follows `session`'s host (pinned to `fingerprint`) for as long as the task runs; abort it when the board closes.
pub fn spawn(session: Arc<BoardSession>, lan: Arc<Lan>, fingerprint: String) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut connection = session.connection();
        loop {
            // Out of reach for a few attempts (a brief drop needs no search).
            let away = connection
                .wait_for(|s| {
                    matches!(
                        s,
                        ConnectionState::Offline { .. }
                            | ConnectionState::IdentityChanged { .. }
                            | ConnectionState::Reconnecting { attempt: 3.., .. }
                    )
                })
                .await
                .is_ok();
            if !away {
                return;
            }
            let (mut found, stopping) = lan.seek(fingerprint.clone());
            let seeking = Seeking(lan.clone());
            finish(stopping).await;
            loop {
                tokio::select! {
                    address = found.recv() => match address {
                        Some(address) => move_to(&session, &address),
                        None => break,
                    },
                    back = connection.wait_for(|s| !matches!(
                        s,
                        ConnectionState::Offline { .. }
                            | ConnectionState::IdentityChanged { .. }
                            | ConnectionState::Reconnecting { .. }
                    )) => {
                        if back.is_err() {
                            return;
                        }
                        break;
                    }
                }
            }
            drop(seeking);
            if matches!(
                *connection.borrow(),
                ConnectionState::Removed | ConnectionState::Closed
            ) {
                return;
            }
        }
    })
}

/// Sends the session to `address` unless it is already there.
fn move_to(session: &BoardSession, address: &str) {
    if session.api().base_url().ends_with(address) {
        return;
    }
    tracing::info!(%address, "the board's host was found at another address");
    if let Err(err) = session.move_host(address) {
        tracing::warn!(error = %err, %address, "cannot follow the host there");
    }
}

/// Stops the search when dropped: found, the board closed, or the task aborted.
struct Seeking(Arc<Lan>);

impl Drop for Seeking {
    fn drop(&mut self) {
        let stopping = self.0.unseek();
        // Stopping a daemon waits for its goodbye: never on the async workers.
        std::thread::spawn(move || stopping.finish());
    }
}

async fn finish(stopping: Stopping) {
    let _ = tokio::task::spawn_blocking(move || stopping.finish()).await;
}
