//! The start screen: host a board, join one by code, reopen a recent one, leave.

use std::sync::Arc;

use lanban_client::trust::{self, Destination, Resolved};
use lanban_client::{Api, BoardSession, SessionOptions};
use lanban_core::api::Snapshot;
use lanban_core::event::PresenceEntry;
use lanban_core::fingerprint::Fingerprint;
use lanban_core::ids::BoardId;
use lanban_core::model::Member;
use lanban_core::room_code::{RoomCode, RoomCodeError};
use lanban_core::time::Timestamp;
use serde::Serialize;
use tauri::State;

use crate::error::{AppErrorCode, CommandError, CommandResult};
use crate::follow;
use crate::host::Host;
use crate::lan::Lan;
use crate::recent::{Recent, RecentBoard, RecentEntry, RecentKey};
use crate::replicas::Replicas;
use crate::state::{Active, ActiveBoard};

/// A board just opened: everything the board view needs to paint at once.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct OpenedBoard {
    /// Its entry in recent boards.
    pub key: RecentKey,
    pub snapshot: Snapshot,
    /// This person on the board.
    pub me: Member,
    /// `host:port` of the board's server.
    pub server: String,
    /// This computer hosts the board.
    pub hosting: bool,
    pub presence: Vec<PresenceEntry>,
}

/// A client for `to`, or `confirm_host` with the certificate the host presented (trust on first use: nothing
/// was sent). `trusted`: certificates this person confirmed before, which need no second look.
async fn client_for(
    to: Destination<'_>,
    trusted: impl Fn(&Fingerprint) -> bool,
) -> CommandResult<Api> {
    match trust::resolve(to, trusted).await? {
        Resolved::Client(api) => Ok(api),
        Resolved::ConfirmHost { fingerprint } => Err(CommandError::confirm_host(fingerprint)),
    }
}

fn server_label(api: &Api) -> String {
    api.base_url()
        .trim_start_matches("http://")
        .trim_start_matches("https://")
        .to_owned()
}

/// Opens a live session on `board`. The window paints the answer's snapshot, then asks for the changes after it
/// with `watch_board`.
async fn open(
    active: &Active,
    recent: &Recent,
    replicas: &Replicas,
    lan: &Arc<Lan>,
    api: Api,
    entry: &RecentEntry,
) -> CommandResult<OpenedBoard> {
    let (board, me, hosting) = (entry.board_id, entry.member_id, entry.hosting);
    let started = std::time::Instant::now();
    active.replace(None).await;
    // A joined board opens from this computer's copy when there is one (at once, and without its host), else
    // from its host, and is kept on this computer from then on.
    let session = match replicas.slot(entry) {
        Some(slot) => {
            BoardSession::open_replicated(api.clone(), board, SessionOptions::default(), slot)
                .await?
        }
        None => BoardSession::open(api.clone(), board).await?,
    };
    let session = Arc::new(session);
    let snapshot = session.state();
    tracing::info!(
        %board,
        cards = snapshot.cards.len(),
        origin = ?session.origin(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "board opened"
    );
    let me = snapshot
        .members
        .iter()
        .find(|m| m.id == me)
        .cloned()
        .ok_or_else(|| {
            CommandError::new(
                AppErrorCode::NotFound,
                "You are no longer a member of this board.",
            )
        })?;
    recent.touch(&entry.key(), Some(&snapshot.board.name))?;
    let presence = session.presence().borrow().clone();
    // A joined board follows its host when it moves (found again by its certificate).
    let follower = entry
        .fingerprint
        .clone()
        .filter(|_| !hosting)
        .map(|fingerprint| follow::spawn(session.clone(), lan.clone(), fingerprint));
    active
        .replace(Some(ActiveBoard {
            session,
            bridge: None,
            follower,
            me: me.clone(),
            key: entry.key(),
        }))
        .await;
    Ok(OpenedBoard {
        key: entry.key(),
        snapshot,
        me,
        server: server_label(&api),
        hosting,
        presence,
    })
}

/// A board just created or joined, before it is opened.
struct Opened {
    board_name: String,
    member: Member,
    token: String,
    hosting: bool,
}

/// Adds a newly created or joined board to the recent list, then opens it.
async fn remember_and_open(
    active: &Active,
    recent: &Recent,
    replicas: &Replicas,
    lan: &Arc<Lan>,
    api: Api,
    board: BoardId,
    opened: Opened,
) -> CommandResult<OpenedBoard> {
    let entry = RecentEntry {
        board_id: board,
        board_name: opened.board_name,
        server: server_label(&api),
        member_id: opened.member.id,
        member_name: opened.member.name,
        token: opened.token.clone(),
        hosting: opened.hosting,
        last_opened: Timestamp::now(),
        fingerprint: api.pin().map(|f| f.to_string()),
    };
    let member_api = api.with_token(opened.token);
    let before: Vec<RecentEntry> = (recent.elsewhere(&entry.key()).into_iter())
        .filter(|p| !p.hosting && !entry.hosting)
        .collect();
    if !before.is_empty() {
        // Joined again elsewhere: the board may be hosted from a teammate's copy now (its host gone for good).
        let snapshot = member_api.snapshot(board).await?;
        for previous in &before {
            replicas.carry_over(previous, &entry, &snapshot);
        }
    }
    recent.remember(entry.clone())?;
    open(active, recent, replicas, lan, member_api, &entry).await
}

/// Creates a board on this computer's embedded server and opens it.
#[tauri::command]
#[specta::specta]
pub async fn host_board(
    host: State<'_, Host>,
    lan: State<'_, Arc<Lan>>,
    recent: State<'_, Recent>,
    replicas: State<'_, Replicas>,
    active: State<'_, Active>,
    board_name: String,
    member_name: String,
) -> CommandResult<OpenedBoard> {
    let (url, host_token) = host.ensure().await?;
    let api = Api::new(&url)?;
    let created = api
        .with_token(host_token)
        .create_board(&board_name, &member_name)
        .await?;
    // While shared, the network hears about the new board.
    crate::commands::share::announce(&host, &lan).await;
    let opened = Opened {
        board_name: created.board.name,
        member: created.member,
        token: created.token,
        hosting: true,
    };
    remember_and_open(
        &active,
        &recent,
        &replicas,
        &lan,
        api,
        created.board.id,
        opened,
    )
    .await
}

/// Joins a board by its room code on the host at `address` (`192.168.1.20:7420`) and opens it. Another
/// computer is joined over HTTPS pinned to `fingerprint`; without one, to the certificate it presents if this
/// person confirmed that one before, else the answer is `confirm_host` with it, and the room code has not been
/// sent. `discovered`: the address came from discovery, so the host's certificate must make the code's tag
/// (`wrong_host` otherwise, nothing sent).
#[tauri::command]
#[specta::specta]
// A command's parameters are its IPC fields (three are state handles).
#[allow(clippy::too_many_arguments)]
pub async fn join_board(
    recent: State<'_, Recent>,
    replicas: State<'_, Replicas>,
    lan: State<'_, Arc<Lan>>,
    active: State<'_, Active>,
    room_code: String,
    member_name: String,
    address: String,
    fingerprint: Option<String>,
    discovered: bool,
) -> CommandResult<OpenedBoard> {
    if address.trim().is_empty() {
        return Err(CommandError {
            field: Some("address".into()),
            ..CommandError::new(
                AppErrorCode::ValidationFailed,
                "Type the host's address, like 192.168.1.20:7420.",
            )
        });
    }
    let code: RoomCode = room_code.parse().map_err(|e: RoomCodeError| CommandError {
        field: Some("room_code".into()),
        ..CommandError::new(AppErrorCode::ValidationFailed, e.to_string())
    })?;
    let to = Destination {
        address: &address,
        pin: trust::parse_pin(fingerprint.as_deref())?,
        // Found by discovery: the code goes only to the computer whose certificate makes the code's tag, and
        // never to this computer on an announcement's word.
        discovered_for: discovered.then(|| code.tag()),
    };
    // A certificate this person already confirmed (a board joined from that host) needs no second look.
    let api = client_for(to, |presented| recent.trusts(&presented.to_string())).await?;
    let joined = api.join(&room_code, &member_name).await?;
    let opened = Opened {
        board_name: joined.board.name,
        member: joined.member,
        token: joined.token,
        hosting: false,
    };
    remember_and_open(
        &active,
        &recent,
        &replicas,
        &lan,
        api,
        joined.board.id,
        opened,
    )
    .await
}

/// Reopens a recent board with its remembered token (starting the embedded server if this computer hosts it),
/// over HTTPS pinned to the fingerprint remembered when joining. A board joined before hosts used TLS has none
/// yet: the answer is then `confirm_host`, and the confirmed `fingerprint` comes back with the next call.
#[tauri::command]
#[specta::specta]
pub async fn open_recent(
    host: State<'_, Host>,
    recent: State<'_, Recent>,
    replicas: State<'_, Replicas>,
    lan: State<'_, Arc<Lan>>,
    active: State<'_, Active>,
    key: RecentKey,
    fingerprint: Option<String>,
) -> CommandResult<OpenedBoard> {
    let entry = recent.get(&key).ok_or_else(|| {
        CommandError::new(
            AppErrorCode::NotFound,
            "This board is not in your recent boards.",
        )
    })?;
    let api = if entry.hosting {
        Api::new(&host.ensure().await?.0)?
    } else {
        // A remembered pin always wins: a host that now presents another certificate is refused.
        let to = Destination {
            address: &entry.server,
            pin: trust::parse_pin(entry.fingerprint.as_deref().or(fingerprint.as_deref()))?,
            discovered_for: None,
        };
        let api = client_for(to, |_| false).await?;
        if entry.fingerprint.is_none()
            && let Some(pin) = api.pin()
        {
            let pinned = RecentEntry {
                fingerprint: Some(pin.to_string()),
                ..entry.clone()
            };
            recent.replace(&key, pinned)?;
        }
        api
    };
    // The entry as it is now (its pin may have just been remembered, which gives it another key).
    let entry = (api.pin())
        .and_then(|pin| {
            recent.get(&RecentKey {
                board_id: key.board_id,
                host: pin.to_string(),
            })
        })
        .unwrap_or(entry);
    let api = api.with_token(entry.token.clone());
    open(&active, &recent, &replicas, &lan, api, &entry).await
}

/// The start screen's list, most recent first.
#[tauri::command]
#[specta::specta]
pub fn list_recent(recent: State<'_, Recent>) -> Vec<RecentBoard> {
    recent.list()
}

/// Removes a board from the recent list.
#[tauri::command]
#[specta::specta]
pub fn forget_recent(
    recent: State<'_, Recent>,
    replicas: State<'_, Replicas>,
    key: RecentKey,
) -> CommandResult<()> {
    if let Some(entry) = recent.get(&key) {
        replicas.forget(&entry);
    }
    recent.forget(&key)
}

/// Closes the open board (the embedded server keeps serving teammates).
#[tauri::command]
#[specta::specta]
pub async fn leave_board(active: State<'_, Active>) -> CommandResult<()> {
    active.replace(None).await;
    Ok(())
}
