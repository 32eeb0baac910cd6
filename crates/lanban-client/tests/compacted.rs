//! A copy of a board whose host compacted its log (docs/protocol.md §6.22): the member's copy cannot fetch the
//! events behind the host's base, so it takes the base instead and is whole from there; hosting the board from
//! that copy, once its host is gone for good, makes the board exactly, including a card by a member removed before
//! the base (who comes back as a former member).

mod common;

use std::time::Duration;

use common::{PATIENCE, card, column, config, eventually, quick};
use lanban_client::replica::{HostKey, Replica};
use lanban_client::{Api, BoardSession, ReplicaSlot};
use lanban_core::api::{ErrorCode, RehostBoard};
use lanban_core::ids::BoardId;
use lanban_server::RunningServer;

/// Events the host always keeps here.
const KEEP: u64 = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_of_a_compacted_log_starts_at_the_base_and_can_host_the_board() {
    let dir = tempfile::tempdir().unwrap();
    let mut hana_config = config(dir.path());
    hana_config.compaction.every = Duration::from_millis(50);
    hana_config.compaction.keep = KEEP;
    hana_config.compaction.horizon = Duration::ZERO;
    let hana_server = RunningServer::start(hana_config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let url = hana_server.url();
    let created = Api::new(&url)
        .unwrap()
        .with_token(&hana_server.host_token)
        .create_board("Launch", "Hana")
        .await
        .unwrap();
    let board: BoardId = created.board.id;
    let hana = Api::new(&url).unwrap().with_token(&created.token);
    let todo = column(&hana, board, "Todo").await;
    let code = created.room_code.to_string();

    // Cy adds a card and is removed; more work follows, and the host compacts all that behind a base.
    let cy = Api::new(&url).unwrap().join(&code, "Cy").await.unwrap();
    let cys = card(
        &Api::new(&url).unwrap().with_token(&cy.token),
        todo.id,
        "By Cy",
    )
    .await;
    hana.remove_member(board, cy.member.id).await.unwrap();
    for i in 0..6 {
        card(&hana, todo.id, &format!("Card {i}")).await;
    }
    let code = hana
        .snapshot(board)
        .await
        .unwrap()
        .board
        .room_code
        .to_string();
    let bea = Api::new(&url).unwrap().join(&code, "Bea").await.unwrap();
    let bea_api = Api::new(&url).unwrap().with_token(&bea.token);
    let head = hana.snapshot(board).await.unwrap().seq;
    tokio::time::timeout(PATIENCE, async {
        while hana.log_base(board).await.unwrap().seq < head - KEEP {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the host compacted its log");
    let error = bea_api.events(board, 0, None).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::HistoryCompacted));

    // Bea's copy takes the base and the events after it, and counts as whole.
    let bea_dir = tempfile::tempdir().unwrap();
    let slot = ReplicaSlot {
        replica: Replica::open(bea_dir.path().join("replicas.sqlite")).unwrap(),
        host: HostKey::new(format!("plain:{}", hana_server.addr)),
    };
    let session = BoardSession::open_replicated(bea_api.clone(), board, quick(), slot.clone())
        .await
        .unwrap();
    let last = hana.snapshot(board).await.unwrap();
    session.wait_for_seq(last.seq, PATIENCE).await.unwrap();
    eventually(
        || {
            let info = slot.replica.info(&slot.host, board).unwrap();
            info.is_some_and(|i| i.complete && i.seq == last.seq)
        },
        "Bea's copy is whole from the host's base",
    )
    .await;
    let (base, events) = slot.replica.whole_log(&slot.host, board).unwrap();
    let base = base.expect("the copy keeps the host's base");
    assert!(base.seq >= head - KEEP, "{} < {}", base.seq, head - KEEP);
    assert_eq!(events.first().map(|e| e.seq), Some(base.seq + 1));
    assert_eq!(events.last().map(|e| e.seq), Some(last.seq));

    // Hana's computer is gone; Bea hosts the board from her copy, and it is the board Hana had.
    session.close().await;
    hana_server.stop().await.unwrap();
    let bea_server_dir = tempfile::tempdir().unwrap();
    let bea_server = RunningServer::start(
        config(bea_server_dir.path()),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let body = RehostBoard::new(Some(base.clone()), events, bea.member.id, &bea.token);
    let hosted = Api::new(&bea_server.url())
        .unwrap()
        .with_token(&bea_server.host_token)
        .rehost_board(&body)
        .await
        .unwrap();
    assert_eq!(hosted.cards, last.cards);
    assert_eq!(hosted.columns, last.columns);
    assert!(
        hosted
            .cards
            .iter()
            .any(|c| c.id == cys.id && c.created_by == cy.member.id)
    );
    let here = Api::new(&bea_server.url()).unwrap().with_token(&bea.token);
    assert_eq!(here.log_base(board).await.unwrap().seq, base.seq);
    let after = here.events(board, base.seq, None).await.unwrap();
    assert_eq!(after.seq, hosted.seq);
    bea_server.stop().await.unwrap();
}
