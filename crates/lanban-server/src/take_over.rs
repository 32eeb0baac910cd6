//! `lanban-server join` and `lanban-server take-over`: a headless server takes a board over from a desktop host
//! (the planned handoff, docs/protocol.md §15). The server first joins the board as a member, the host offers it
//! that member in the app's share panel, and `take-over` accepts: the old host sends the whole board (its log,
//! members and their credentials) and every member's app follows it here. `offer` moves a board the other way:
//! from this server to a member's desktop app.

use std::path::{Path, PathBuf};

use anyhow::Context;
use lanban_client::{Api, private};
use lanban_core::fingerprint::Fingerprint;
use lanban_core::ids::{BoardId, MemberId};
use lanban_server::store::portable;
use serde::{Deserialize, Serialize};

/// A board this server joined to take over, kept (0600) in its data directory until it has.
#[derive(Debug, Serialize, Deserialize)]
struct Joined {
    board: BoardId,
    board_name: String,
    member: MemberId,
    member_name: String,
    /// The member token (a secret).
    token: String,
    /// The host's address and certificate.
    from: String,
    fingerprint: Fingerprint,
}

fn joined_path(data: &Path, board: BoardId) -> PathBuf {
    data.join(format!("take-over-{board}.json"))
}

/// Joins the board whose room code is `code` on the host at `from` (pinned to `fingerprint`) as `name`.
pub async fn join(
    data: &Path,
    from: &str,
    fingerprint: &str,
    code: &str,
    name: &str,
) -> anyhow::Result<()> {
    lanban_client::tls::install_default_provider();
    let pin: Fingerprint = fingerprint
        .parse()
        .map_err(|_| anyhow::anyhow!("{fingerprint:?} is not a certificate fingerprint"))?;
    let joined = Api::pinned(from, pin)?
        .join(code, name)
        .await
        .context("joining the board")?;
    let kept = Joined {
        board: joined.board.id,
        board_name: joined.board.name.clone(),
        member: joined.member.id,
        member_name: joined.member.name.clone(),
        token: joined.token,
        from: from.to_owned(),
        fingerprint: pin,
    };
    private::create_dir(data).with_context(|| format!("creating {}", data.display()))?;
    let path = joined_path(data, kept.board);
    write_private(&path, &serde_json::to_vec_pretty(&kept)?)?;
    println!(
        "joined «{}» as {} (board {}). Ask its host to choose «Host there» next to {} in the Share panel, then \
         run: lanban-server take-over --data {} --board {} --address IP:PORT",
        kept.board_name,
        kept.member_name,
        kept.board,
        kept.member_name,
        data.display(),
        kept.board
    );
    Ok(())
}

/// Accepts the host's offer of `board` (joined before with `join`) and imports it into `data`; members will
/// reach this server at `addresses` (`IP:PORT`, as it will listen). Run with the server stopped, then serve.
pub async fn take_over(data: &Path, board: BoardId, addresses: &[String]) -> anyhow::Result<()> {
    lanban_client::tls::install_default_provider();
    let path = joined_path(data, board);
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "this server has not joined board {board}: run lanban-server join first ({} is missing)",
            path.display()
        )
    })?;
    let joined: Joined = serde_json::from_slice(&bytes).context("reading the joined board")?;
    let identity = lanban_server::tls::Identity::load_or_create(data)
        .context("loading this server's identity")?;
    let package = Api::pinned(&joined.from, joined.fingerprint)?
        .with_token(&joined.token)
        .accept_handoff(board, identity.fingerprint, addresses)
        .await
        .context("taking the board over (has its host offered it to this server's member?)")?;
    let export: portable::BoardExport =
        serde_json::from_value(package).context("the host's answer is not a board package")?;
    let mut conn = portable::open_for_cli(data)?;
    portable::import_board(&mut conn, &export, identity.fingerprint.tag())
        .context("importing the board")?;
    std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
    println!(
        "this server now hosts «{}»; every member's app follows it to {}. Serve it: lanban-server --data {} \
         --bind 0.0.0.0:PORT (the port in those addresses)",
        joined.board_name,
        addresses.join(", "),
        data.display()
    );
    Ok(())
}

/// Offers `board`, served by the running server at `at` (this computer), to its member named `to`: the way a
/// board moves from a headless server to a member's desktop app (who then chooses «Host it here»).
pub async fn offer(data: &Path, at: &str, board: BoardId, to: &str) -> anyhow::Result<()> {
    let host_token = std::fs::read_to_string(data.join("host-token"))
        .with_context(|| format!("reading the host credential in {}", data.display()))?;
    let api = Api::new(at)?.with_token(host_token.trim());
    let snapshot = api.snapshot(board).await.context("reading the board")?;
    let member = snapshot
        .members
        .iter()
        .find(|m| m.name == to)
        .with_context(|| format!("«{}» has no member named {to:?}", snapshot.board.name))?;
    api.offer_handoff(board, Some(member.id))
        .await
        .context("offering the board")?;
    println!(
        "offered «{}» to {to}: their app asks them to host it; when they accept, it moves to their computer",
        snapshot.board.name
    );
    Ok(())
}

/// Writes a file only its owner can read (it holds a member token).
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut file = private::options(
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true),
    )
    .open(path)
    .with_context(|| format!("writing {}", path.display()))?;
    private::restrict(path).with_context(|| format!("making {} private", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}
