//! A board handed over while its members work: three members keep adding cards through their sessions (with
//! replicas) while the host hands the board to one of them. Every session learns of the move, files its copy and
//! waiting changes under the new host, reopens there and catches up; afterwards every card is there exactly once,
//! the new host's log runs on from the old one's with no gap, every member's token works there, and every
//! member's board equals the new host's.

use std::sync::Arc;
use std::time::Duration;

use lanban_client::replica::{HostKey, Replica};
use lanban_client::{Api, BoardSession, ConnectionState, ReplicaSlot, SessionOptions, Submitted};
use lanban_core::api::{CreateCard, CreateColumn};
use lanban_core::event::Change;
use lanban_core::fingerprint::Fingerprint;
use lanban_core::ids::{BoardId, CardId, ColumnId, MemberId};
use lanban_core::mutation::Mutation;
use lanban_server::tls::TlsMode;
use lanban_server::{Config, RunningServer};
use uuid::Uuid;

const PATIENCE: Duration = Duration::from_secs(20);

async fn tls_server(dir: &std::path::Path) -> RunningServer {
    let mut config = Config::new(dir);
    config.tls = TlsMode::Always;
    RunningServer::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn quick() -> SessionOptions {
    SessionOptions {
        backoff_base: Duration::from_millis(30),
        backoff_max: Duration::from_millis(300),
        offline_after: Duration::from_millis(300),
        ..SessionOptions::default()
    }
}

/// One member: their token and their session on the current host.
struct Member {
    token: String,
    replica: Replica,
    session: Arc<BoardSession>,
}

async fn open(
    address: &str,
    pin: Fingerprint,
    token: &str,
    board: BoardId,
    replica: &Replica,
) -> BoardSession {
    let api = Api::pinned(address, pin).unwrap().with_token(token);
    let slot = ReplicaSlot {
        replica: replica.clone(),
        host: HostKey::from(pin),
    };
    BoardSession::open_replicated(api, board, quick(), slot)
        .await
        .unwrap()
}

/// Adds `count` cards through the session's outbox, one at a time; answers their ids.
async fn add_cards(
    session: Arc<BoardSession>,
    column: ColumnId,
    who: usize,
    count: usize,
) -> Vec<CardId> {
    let mut ids = Vec::new();
    for i in 0..count {
        let id = CardId::new();
        let create = Mutation::CreateCard {
            column,
            card: CreateCard {
                id: Some(id),
                title: format!("m{who} card {i}"),
                ..Default::default()
            },
        };
        let sent = session.submit(Uuid::now_v7(), create).await.unwrap();
        assert!(matches!(sent, Submitted::Done(_) | Submitted::Queued));
        ids.push(id);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    ids
}

/// The computer the board starts on and the member's computer it moves to, both serving TLS.
struct Hosts {
    old: RunningServer,
    new: RunningServer,
    old_pin: Fingerprint,
    new_pin: Fingerprint,
    old_at: String,
    new_at: String,
    _dirs: [tempfile::TempDir; 2],
}

async fn two_hosts() -> Hosts {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let old = tls_server(dirs[0].path()).await;
    let new = tls_server(dirs[1].path()).await;
    Hosts {
        old_pin: old.fingerprint().unwrap(),
        new_pin: new.fingerprint().unwrap(),
        old_at: old.addr.to_string(),
        new_at: new.addr.to_string(),
        old,
        new,
        _dirs: dirs,
    }
}

/// Three members join `code` on the old host, each opening a session with a replica in `copies`.
async fn three_members(
    hosts: &Hosts,
    board: BoardId,
    code: &str,
    copies: &std::path::Path,
) -> Vec<(MemberId, Member)> {
    let mut members = Vec::new();
    for i in 0..3 {
        let joined = Api::pinned(&hosts.old_at, hosts.old_pin)
            .unwrap()
            .join(code, &format!("Member {i}"))
            .await
            .unwrap();
        let replica = Replica::open(copies.join(format!("m{i}.sqlite"))).unwrap();
        let session = open(&hosts.old_at, hosts.old_pin, &joined.token, board, &replica).await;
        members.push((
            joined.member.id,
            Member {
                token: joined.token,
                replica,
                session: Arc::new(session),
            },
        ));
    }
    members
}

/// A member's app follows the board: waits for the move, files the copy under the new host, reopens there.
async fn follow(member: &mut Member, hosts: &Hosts, board: BoardId) {
    member
        .session
        .wait_for_connection(|s| *s == ConnectionState::Moved, PATIENCE)
        .await
        .unwrap();
    let moved = member.session.moved().expect("where it went");
    assert_eq!(
        (moved.fingerprint, moved.addresses.clone()),
        (hosts.new_pin, vec![hosts.new_at.clone()])
    );
    member
        .replica
        .rekey(
            &HostKey::from(hosts.old_pin),
            &HostKey::from(hosts.new_pin),
            board,
        )
        .unwrap();
    member.session = Arc::new(
        open(
            &hosts.new_at,
            hosts.new_pin,
            &member.token,
            board,
            &member.replica,
        )
        .await,
    );
}

async fn drained(session: &BoardSession) {
    tokio::time::timeout(PATIENCE, async {
        while !session.changes().is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("an outbox never drained: {:?}", session.changes()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_working_through_a_handoff_lose_nothing_and_the_seq_runs_on() {
    lanban_client::tls::install_default_provider();
    let hosts = two_hosts().await;
    let created = Api::pinned(&hosts.old_at, hosts.old_pin)
        .unwrap()
        .with_token(&hosts.old.host_token)
        .create_board("Launch", "Hana")
        .await
        .unwrap();
    let board = created.board.id;
    let hana = Api::pinned(&hosts.old_at, hosts.old_pin)
        .unwrap()
        .with_token(&created.token);
    let todo = CreateColumn {
        title: "Todo".into(),
        ..Default::default()
    };
    let column = hana.create_column(board, &todo).await.unwrap().id;
    let copies = tempfile::tempdir().unwrap();
    let mut members =
        three_members(&hosts, board, &created.room_code.to_string(), copies.path()).await;

    // Members 1 and 2 add cards while Hana hands the board to member 0, whose computer (the new server) takes it.
    let writers: Vec<_> = (1..3)
        .map(|i| tokio::spawn(add_cards(members[i].1.session.clone(), column, i, 30)))
        .collect();
    tokio::time::sleep(Duration::from_millis(60)).await;
    hana.offer_handoff(board, Some(members[0].0)).await.unwrap();
    let taker = Api::pinned(&hosts.old_at, hosts.old_pin)
        .unwrap()
        .with_token(&members[0].1.token);
    let addresses = std::slice::from_ref(&hosts.new_at);
    let package = taker
        .accept_handoff(board, hosts.new_pin, addresses)
        .await
        .unwrap();
    let new_host = Api::pinned(&hosts.new_at, hosts.new_pin)
        .unwrap()
        .with_token(&hosts.new.host_token);
    new_host.import_board(&package).await.unwrap();
    let mut written = Vec::new();
    for writer in writers {
        written.extend(writer.await.unwrap());
    }

    // Every app follows the board; every waiting change lands there; every member's board is the new host's.
    for (_, member) in &mut members {
        follow(member, &hosts, board).await;
    }
    for (_, member) in &members {
        drained(&member.session).await;
    }
    let now = new_host.snapshot(board).await.unwrap();
    for (_, member) in &members {
        member
            .session
            .wait_for_seq(now.seq, PATIENCE)
            .await
            .unwrap();
        assert_eq!(
            member.session.state(),
            now,
            "every member's board is the new host's"
        );
    }

    // Every card once; the new log is whole (1..seq, the move among it).
    for id in &written {
        assert_eq!(
            now.cards.iter().filter(|c| c.id == *id).count(),
            1,
            "card {id}"
        );
    }
    let page = new_host.events(board, 0, None).await.unwrap();
    let seqs: Vec<u64> = page.events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=page.seq).collect::<Vec<_>>());
    assert!(
        page.events
            .iter()
            .any(|e| matches!(e.change, Change::BoardMoved(_)))
    );
    drop(members);
    hosts.old.stop().await.unwrap();
    hosts.new.stop().await.unwrap();
}
