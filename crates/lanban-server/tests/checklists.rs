//! Checklists on cards (docs/protocol.md §6.26–§6.31), over real HTTP and sockets: a member adds one, another
//! ticks an item and the first sees the progress live; items are added in place, edited, moved and deleted; the
//! checklist is renamed and moved among its card's; sent again with the same ids, the same checklist; refused with
//! nothing written; gone with its card; carried by the board's export into another server.

mod common;

use common::{TestServer, str_of};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

fn texts(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            format!(
                "{}{}",
                if i["done"] == true { "x " } else { "" },
                str_of(&i["text"])
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_build_and_tick_a_checklist_and_everyone_sees_it_live() {
    let server = TestServer::start().await;
    let board = server.create_board("Launch", "Hana").await;
    let bea = server.join(&board.room_code, "Bea").await;
    let card = server.card_on(&board).await;
    let mut hana = server.socket(&board.id, &board.host_token, None).await;

    // Bea adds a checklist with an id she chose, and three items (the third placed first).
    let id = Uuid::now_v7().to_string();
    let lists = format!("/api/cards/{card}/checklists");
    let (status, list) = server
        .call(
            Method::POST,
            &lists,
            Some(&bea.token),
            Some(json!({"id": id, "title": " Launch steps "})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{list}");
    assert_eq!(list["title"], "Launch steps");
    assert_eq!(list["items"], json!([]));
    let event = hana.next_event().await;
    assert_eq!(
        (event["kind"].clone(), event["data"].clone()),
        (json!("checklist.created"), list.clone())
    );
    let (status, again) = server
        .call(
            Method::POST,
            &lists,
            Some(&bea.token),
            Some(json!({"id": id, "title": "Launch steps"})),
        )
        .await;
    assert_eq!((status, again), (StatusCode::OK, list));

    let items = format!("/api/checklists/{id}/items");
    let first = Uuid::now_v7().to_string();
    server
        .ok(
            Method::POST,
            &items,
            &bea.token,
            Some(json!({"id": first, "text": "Write notes"})),
        )
        .await;
    server
        .ok(
            Method::POST,
            &items,
            &bea.token,
            Some(json!({"text": "Book room"})),
        )
        .await;
    let list = server
        .ok(
            Method::POST,
            &items,
            &bea.token,
            Some(json!({"text": "Agree date", "before": first})),
        )
        .await;
    assert_eq!(texts(&list), ["Agree date", "Write notes", "Book room"]);
    for _ in 0..3 {
        assert_eq!(hana.next_event().await["kind"], "checklist.updated");
    }

    // Hana ticks Bea's item; Bea's socket sees the checklist with it done.
    let mut bea_socket = server.socket(&board.id, &bea.token, None).await;
    let ticked = server
        .ok(
            Method::PATCH,
            &format!("{items}/{first}"),
            &board.host_token,
            Some(json!({"done": true})),
        )
        .await;
    assert_eq!(texts(&ticked), ["Agree date", "x Write notes", "Book room"]);
    let event = bea_socket.next_event().await;
    assert_eq!(event["kind"], "checklist.updated");
    assert_eq!(event["data"], ticked);
    // The same tick again changes nothing and tells no one.
    let same = server
        .ok(
            Method::PATCH,
            &format!("{items}/{first}"),
            &board.host_token,
            Some(json!({"done": true})),
        )
        .await;
    assert_eq!(same, ticked);

    // Edit, move to the end, delete one; deleting it again is gone.
    let book = str_of(&ticked["items"][2]["id"]);
    let agree = str_of(&ticked["items"][0]["id"]);
    let list = server
        .ok(
            Method::PATCH,
            &format!("{items}/{agree}"),
            &bea.token,
            Some(json!({"text": "Agree the date", "after": book})),
        )
        .await;
    assert_eq!(
        texts(&list),
        ["x Write notes", "Book room", "Agree the date"]
    );
    let list = server
        .ok(Method::DELETE, &format!("{items}/{book}"), &bea.token, None)
        .await;
    assert_eq!(texts(&list), ["x Write notes", "Agree the date"]);
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("{items}/{book}"),
            Some(&bea.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::GONE);

    // A second checklist, moved before the first; both in the snapshot, in order.
    let second = server
        .ok(
            Method::POST,
            &lists,
            &board.host_token,
            Some(json!({"title": "After launch"})),
        )
        .await;
    server
        .ok(
            Method::PATCH,
            &format!("/api/checklists/{}", str_of(&second["id"])),
            &board.host_token,
            Some(json!({"before": id})),
        )
        .await;
    let snapshot = server.snapshot(&board.id, &bea.token).await;
    let titles: Vec<String> = snapshot["checklists"]
        .as_array()
        .expect("checklists")
        .iter()
        .map(|c| str_of(&c["title"]))
        .collect();
    assert_eq!(titles, ["After launch", "Launch steps"]);
    assert_eq!(
        texts(&snapshot["checklists"][1]),
        ["x Write notes", "Agree the date"]
    );

    // The board's export carries them; another server imports them as they are.
    let mut conn =
        lanban_server::store::portable::open_for_cli(server.dir.path()).expect("the database");
    let export =
        lanban_server::store::portable::export_board(&mut conn, board.id.parse().expect("id"))
            .expect("exported");
    drop(conn);
    let other = TestServer::start().await;
    let (status, imported) = other
        .call(
            Method::POST,
            "/api/boards/import",
            Some(&other.host_token),
            Some(serde_json::to_value(&export).expect("JSON")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    assert_eq!(imported["checklists"], snapshot["checklists"]);

    // Deleting the card for good (to the trash, then the trash emptied) takes its checklists.
    server
        .ok(
            Method::DELETE,
            &format!("/api/cards/{card}"),
            &board.host_token,
            None,
        )
        .await;
    server
        .ok(
            Method::DELETE,
            &format!("/api/boards/{}/trash", board.id),
            &board.host_token,
            None,
        )
        .await;
    assert_eq!(
        server.snapshot(&board.id, &bea.token).await["checklists"],
        json!([])
    );
    let (status, _) = server
        .call(
            Method::POST,
            &items,
            Some(&bea.token),
            Some(json!({"text": "late"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_checklist_changes_are_refused_with_nothing_written() {
    let server = TestServer::start().await;
    let board = server.create_board("Launch", "Hana").await;
    let card = server.card_on(&board).await;
    let lists = format!("/api/cards/{card}/checklists");
    let list = server
        .ok(
            Method::POST,
            &lists,
            &board.host_token,
            Some(json!({"title": "Steps"})),
        )
        .await;
    let items = format!("/api/checklists/{}/items", str_of(&list["id"]));
    let seq = server.snapshot(&board.id, &board.host_token).await["seq"].clone();
    for (path, body) in [
        (&lists, json!({"title": "  "})),
        (&lists, json!({"title": "two\nlines"})),
        (&lists, json!({"title": "x".repeat(201)})),
        (&items, json!({"text": "x".repeat(501)})),
        (
            &items,
            json!({"text": "ok", "before": Uuid::now_v7().to_string()}),
        ),
        (&items, json!({"text": "ok", "done": true})),
    ] {
        let (status, error) = server
            .call(Method::POST, path, Some(&board.host_token), Some(body))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    }
    let (status, _) = server
        .call(
            Method::PATCH,
            &format!("{items}/{}", Uuid::now_v7()),
            Some(&board.host_token),
            Some(json!({"done": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        server.snapshot(&board.id, &board.host_token).await["seq"],
        seq
    );
}
