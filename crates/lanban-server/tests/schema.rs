//! A database file is input too: a server refuses to start on one whose schema is not exactly what its migrations
//! make (a trigger, a view, a table of someone else's), rather than run what the file says.

mod common;

use lanban_server::{Config, RunningServer, StartError};

#[tokio::test]
async fn a_database_with_a_trigger_view_or_extra_table_is_refused() {
    for (what, sql) in [
        (
            "trigger",
            "CREATE TRIGGER steal AFTER INSERT ON tokens BEGIN DELETE FROM tokens; END",
        ),
        ("view", "CREATE VIEW everything AS SELECT * FROM tokens"),
        ("table", "CREATE TABLE stash (x TEXT)"),
        ("column", "ALTER TABLE members ADD COLUMN note TEXT"),
    ] {
        let mut server = common::TestServer::start().await;
        server.create_board("Restored", "Ada").await;
        server.stop().await;
        let path = server.dir.path().join("lanban.sqlite");
        rusqlite::Connection::open(&path)
            .expect("the database")
            .execute_batch(sql)
            .expect("tampered");
        let started = RunningServer::start(
            Config::new(server.dir.path()),
            "127.0.0.1:0".parse().expect("an address"),
        )
        .await;
        let Err(err) = started else {
            panic!("a database with an extra {what} was served");
        };
        assert!(
            matches!(
                err,
                StartError::Store(lanban_server::store::StoreError::UnexpectedSchema(_))
            ),
            "{what}: {err}"
        );
    }
    // An untouched database starts as ever.
    let mut server = common::TestServer::start().await;
    server.create_board("Kept", "Ada").await;
    server.stop().await;
    let again = RunningServer::start(
        Config::new(server.dir.path()),
        "127.0.0.1:0".parse().expect("an address"),
    )
    .await
    .expect("an untouched database starts");
    again.stop().await.expect("clean stop");
}
