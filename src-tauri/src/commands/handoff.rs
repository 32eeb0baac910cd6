//! Moving a board to another member's computer: the host offers it, the member hosts it here, and every app
//! follows the board to its new host (docs/protocol.md §15).

use std::sync::Arc;

use lanban_client::replica::{HostKey, ReplicaError};
use lanban_client::{Api, BoardSession, ChangeState};
use lanban_core::api::RehostBoard;
use lanban_core::fingerprint::Fingerprint;
use lanban_core::ids::MemberId;
use tauri::State;

use crate::error::{AppErrorCode, CommandError, CommandResult};
use crate::host::Host;
use crate::lan::{Lan, LanHost};
use crate::recent::{Recent, RecentBoard, RecentEntry};
use crate::state::Active;

/// Offers the open board to a member, to host on their computer (`None` withdraws the offer). Host only.
#[tauri::command]
#[specta::specta]
pub async fn offer_handoff(
    active: State<'_, Active>,
    member_id: Option<MemberId>,
) -> CommandResult<()> {
    let session = active.session().await?;
    session
        .api()
        .offer_handoff(session.board_id(), member_id)
        .await?;
    Ok(())
}

/// Accepts the host's offer: this computer starts serving the board on the network, takes the whole board from
/// the old host (its log, members and their credentials), and every app follows it here.
#[tauri::command]
#[specta::specta]
pub async fn host_here(
    active: State<'_, Active>,
    host: State<'_, Host>,
    recent: State<'_, Recent>,
    lan: State<'_, Arc<Lan>>,
) -> CommandResult<()> {
    let session = active.session().await?;
    let board = session.board_id();
    let entry = entry_of(&recent, &active).await?;
    let (local, host_token) = host.ensure().await?;
    let status = host.set_sharing(true).await?;
    let fingerprint: Fingerprint = status
        .fingerprint
        .as_deref()
        .and_then(|f| f.parse().ok())
        .ok_or_else(|| {
            CommandError::new(
                AppErrorCode::ServerStart,
                "This computer's server has no identity.",
            )
        })?;
    if status.addresses.is_empty() {
        return Err(CommandError::new(
            AppErrorCode::NotSharing,
            "This computer has no network address teammates can reach: connect it to the network first.",
        ));
    }
    let package = session
        .api()
        .accept_handoff(board, fingerprint, &status.addresses)
        .await?;
    Api::new(&local)?
        .with_token(host_token)
        .import_board(&package)
        .await?;
    let key = entry.key();
    recent.replace(
        &key,
        RecentEntry {
            hosting: true,
            server: status.local.clone(),
            fingerprint: None,
            ..entry
        },
    )?;
    crate::commands::share::announce(&host, &lan).await;
    Ok(())
}

/// After the open board moved (`board.moved`): files this computer's copy and waiting changes under the new host,
/// re-pins the recent entry to it (or makes it a hosted board, on the computer that took it over), and waits until
/// the new host serves the board (it imports it just after the move was committed); the window then opens the board
/// again from Recent boards, with the entry answered (`None` if the board has not moved).
#[tauri::command]
#[specta::specta]
pub async fn follow_move(
    active: State<'_, Active>,
    host: State<'_, Host>,
    recent: State<'_, Recent>,
) -> CommandResult<Option<RecentBoard>> {
    let session = active.session().await?;
    let Some(moved) = session.moved() else {
        return Ok(None);
    };
    let board = session.board_id();
    // `host_here` files the board as hosted here as soon as it has imported it, which may be before or after the
    // move reaches this window: the entry is under the open board's key, or already under this computer's.
    let key = active.key().await?;
    let entry = recent
        .get(&key)
        .or_else(|| recent.hosted_here(board))
        .ok_or_else(not_recent)?;
    let old = entry.key();
    // This computer took it over: this member is the new host, and this computer's certificate is the new one.
    let here = host.status().await.and_then(|s| s.fingerprint);
    let taken_here =
        moved.host == entry.member_id && here.as_deref() == Some(&*moved.fingerprint.to_string());
    if let Some(slot) = session.replica_slot() {
        let kept = if taken_here {
            slot.replica.forget(&slot.host, board)
        } else {
            slot.replica
                .rekey(&slot.host, &HostKey::from(moved.fingerprint), board)
        };
        kept.map_err(lanban_client::ClientError::from)?;
    }
    let (api, entry) = if taken_here {
        let (local, _) = host.ensure().await?;
        let server = local.trim_start_matches("http://").to_owned();
        let api = Api::new(&local)?.with_token(entry.token.clone());
        let entry = RecentEntry {
            hosting: true,
            server,
            fingerprint: None,
            ..entry
        };
        (api, entry)
    } else {
        let addresses = if moved.addresses.is_empty() {
            vec![entry.server.clone()]
        } else {
            moved.addresses.clone()
        };
        let apis = addresses
            .into_iter()
            .map(|address| {
                let api = Api::pinned(&address, moved.fingerprint)?.with_token(entry.token.clone());
                Ok((address, api))
            })
            .collect::<CommandResult<Vec<(String, Api)>>>()?;
        let (server, api) = first_serving(apis, board).await?;
        let entry = RecentEntry {
            hosting: false,
            server,
            fingerprint: Some(moved.fingerprint.to_string()),
            ..entry
        };
        (api, entry)
    };
    recent.replace(&old, entry.clone())?;
    if taken_here {
        first_serving(vec![(entry.server.clone(), api)], board).await?;
    }
    Ok(Some(RecentBoard::from(&entry)))
}

/// The first of `hosts` (an address and a client of it) that serves `board`, tried in the order given, again and
/// again for up to 30 s: a new host imports a board just after its move was committed, and of the addresses a move
/// names some may not be reachable from here (docs/protocol.md §15, step 5).
async fn first_serving(
    hosts: Vec<(String, Api)>,
    board: lanban_core::ids::BoardId,
) -> CommandResult<(String, Api)> {
    if hosts.is_empty() {
        return Err(CommandError::new(
            AppErrorCode::NotFound,
            "The board's new host gave no address to reach it at.",
        ));
    }
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let mut failed = None;
        for (address, api) in &hosts {
            match api.snapshot(board).await {
                Ok(_) => return Ok((address.clone(), api.clone())),
                Err(err) => failed = Some(err),
            }
        }
        match failed {
            Some(err) if tokio::time::Instant::now() >= deadline => return Err(err.into()),
            _ => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
}

/// The open board's entry in recent boards.
async fn entry_of(recent: &Recent, active: &Active) -> CommandResult<RecentEntry> {
    recent.get(&active.key().await?).ok_or_else(not_recent)
}

fn not_recent() -> CommandError {
    CommandError::new(
        AppErrorCode::NotFound,
        "This board is not in your recent boards.",
    )
}

/// The board's host is gone for good: this computer hosts the board from its own copy from now on, with this
/// person as its host and a new room code (teammates join again with it). Changes waiting to be sent go to the
/// board here first. The window then opens the board again from Recent boards, with the entry answered.
#[tauri::command]
#[specta::specta]
pub async fn host_from_copy(
    active: State<'_, Active>,
    host: State<'_, Host>,
    recent: State<'_, Recent>,
    lan: State<'_, Arc<Lan>>,
) -> CommandResult<RecentBoard> {
    let session = active.session().await?;
    let board = session.board_id();
    let entry = entry_of(&recent, &active).await?;
    let slot = session
        .replica_slot()
        .filter(|_| !entry.hosting)
        .ok_or_else(|| {
            CommandError::new(
                AppErrorCode::NotFound,
                "This computer keeps no copy of this board to host it from.",
            )
        })?;
    let (local, host_token) = host.ensure().await?;
    let mine = Api::new(&local)?.with_token(entry.token.clone());
    // Asked again after some changes could not be applied: the board is here already.
    if mine.snapshot(board).await.is_err() {
        let (base, events) = match slot.replica.whole_log(&slot.host, board) {
            Ok(log) => log,
            Err(ReplicaError::Incomplete { .. }) => {
                return Err(CommandError::new(
                    AppErrorCode::CopyIncomplete,
                    "Your copy of this board does not hold its whole history yet. Open the board once while its \
                     host is on the network, then try again.",
                ));
            }
            Err(err) => return Err(lanban_client::ClientError::from(err).into()),
        };
        let body = RehostBoard::new(base, events, entry.member_id, &entry.token);
        Api::new(&local)?
            .with_token(host_token)
            .rehost_board(&body)
            .await?;
    }
    session.switch_host(mine);
    let failed = sent_or_failed(&session).await?;
    if failed > 0 {
        return Err(CommandError::new(
            AppErrorCode::ChangesFailed,
            format!(
                "This computer hosts the board now, but {failed} of your changes could not be applied. Apply or \
                 discard them, then choose Host it from here again."
            ),
        ));
    }
    active.replace(None).await;
    if let Err(err) = slot.replica.forget(&slot.host, board) {
        tracing::warn!(error = %err, %board, "cannot delete the copy of a board hosted here now");
    }
    let hosted = RecentEntry {
        hosting: true,
        server: local.trim_start_matches("http://").to_owned(),
        fingerprint: None,
        ..entry.clone()
    };
    recent.replace(&entry.key(), hosted.clone())?;
    if let Err(err) = host.set_sharing(true).await {
        tracing::warn!(error = %err.message, "cannot share the board on the network");
    }
    crate::commands::share::announce(&host, &lan).await;
    Ok(RecentBoard::from(&hosted))
}

/// Waits (up to 30 s) until every waiting change has been answered by the board's new server; answers how many it
/// refused.
async fn sent_or_failed(session: &BoardSession) -> CommandResult<usize> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let changes = session.changes();
        let waiting = changes
            .iter()
            .filter(|c| matches!(c.state, ChangeState::Queued))
            .count();
        if waiting == 0 {
            return Ok(changes
                .iter()
                .filter(|c| matches!(c.state, ChangeState::Failed { .. }))
                .count());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(CommandError::new(
                AppErrorCode::Network,
                "This computer hosts the board now, but your waiting changes have not gone to it yet. Try again \
                 in a moment.",
            ));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// While the open board's host is out of reach: a host on the network that says it hosts this board now, from a
/// teammate's copy (its previous host gone for good), if one was seen. Only a hint: joining it takes its new room
/// code, and the person compares its words as for any first join.
#[tauri::command]
#[specta::specta]
pub async fn board_elsewhere(
    active: State<'_, Active>,
    recent: State<'_, Recent>,
    lan: State<'_, Arc<Lan>>,
) -> CommandResult<Option<LanHost>> {
    let board = active.session().await?.board_id();
    let Some(pinned) = entry_of(&recent, &active).await?.fingerprint else {
        return Ok(None);
    };
    Ok(lan.hosting_elsewhere(board, &pinned))
}
