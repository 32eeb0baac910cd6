//! The public protocol as the load tool speaks it: setting boards up over HTTP (through `lanban-client`'s
//! typed API) and raw board sockets, whose frames are read with as little work as the checks need.

use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::stream::{self, StreamExt};
use lanban_client::Api;
use lanban_core::api::{CreateCard, CreateColumn};
use lanban_core::ids::{BoardId, ColumnId};
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::peer;

/// One board set up for a scenario: its column for new cards, and a token per member.
#[derive(Debug, Clone)]
pub struct BenchBoard {
    pub id: BoardId,
    pub column: ColumnId,
    /// Member tokens; the first is the host member's.
    pub tokens: Vec<String>,
}

/// Board creations in flight at once.
const SETUP_CONCURRENCY: usize = 16;
/// Joins in flight at once. The server counts a join as a failed guess until it succeeds, and refuses an address
/// with 5 counted at once (docs/protocol.md §11), so one address joins at most 4 at a time.
const JOIN_CONCURRENCY: usize = 4;

/// Creates `boards` boards, each with one column and `members` members (the host member and `members - 1`
/// who joined by room code).
pub async fn setup_boards(
    host: &Api,
    boards: usize,
    members: usize,
) -> anyhow::Result<Vec<BenchBoard>> {
    let created: Vec<anyhow::Result<(BenchBoard, String)>> = stream::iter(0..boards)
        .map(|b| async move {
            let created = host
                .create_board(&format!("Bench {b}"), "Host")
                .await
                .context("creating a board")?;
            let column = host
                .with_token(created.token.clone())
                .create_column(
                    created.board.id,
                    &CreateColumn {
                        title: "Doing".into(),
                        ..Default::default()
                    },
                )
                .await
                .context("creating a column")?;
            let board = BenchBoard {
                id: created.board.id,
                column: column.id,
                tokens: vec![created.token],
            };
            Ok((board, created.room_code.to_string()))
        })
        .buffered(SETUP_CONCURRENCY)
        .collect()
        .await;
    let created: Vec<(BenchBoard, String)> = created.into_iter().collect::<anyhow::Result<_>>()?;
    let joins = created
        .iter()
        .enumerate()
        .flat_map(|(b, (_, code))| (1..members.max(1)).map(move |m| (b, m, code.clone())));
    let joined: Vec<anyhow::Result<(usize, String)>> = stream::iter(joins)
        .map(|(b, m, code)| async move {
            let joined = host
                .join(&code, &format!("Member {m}"))
                .await
                .context("joining a board")?;
            Ok((b, joined.token))
        })
        .buffer_unordered(JOIN_CONCURRENCY)
        .collect()
        .await;
    let mut boards: Vec<BenchBoard> = created.into_iter().map(|(board, _)| board).collect();
    for joined in joined {
        let (b, token) = joined?;
        boards[b].tokens.push(token);
    }
    Ok(boards)
}

/// Adds `count` cards, 32 requests at a time: card `i` goes to the board `board_of(i)` names, titled
/// `TAG_PREFIX` + `label(i)`, by that board's host member.
pub async fn add_cards(
    api: &Api,
    boards: &[BenchBoard],
    count: usize,
    board_of: impl Fn(usize) -> usize,
    label: impl Fn(usize) -> String,
) -> anyhow::Result<()> {
    let written: Vec<anyhow::Result<()>> = stream::iter(0..count)
        .map(|i| {
            let board = &boards[board_of(i)];
            let writer = api.with_token(board.tokens[0].clone());
            let card = CreateCard {
                title: format!("{TAG_PREFIX}{}", label(i)),
                ..Default::default()
            };
            async move {
                writer.create_card(board.column, &card).await?;
                Ok(())
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    written.into_iter().collect()
}

/// A board socket.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens a board socket with `token`, replaying after `since` if given. Small buffers: the tool holds
/// thousands of these.
pub async fn connect(
    api: &Api,
    board: BoardId,
    token: &str,
    since: Option<u64>,
) -> anyhow::Result<Socket> {
    let mut request = api.socket_url(board, since).into_client_request()?;
    request.headers_mut().insert(
        http::header::AUTHORIZATION,
        format!("Bearer {token}")
            .parse()
            .context("token is not a header value")?,
    );
    let config = WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0);
    let (socket, _) = tokio::time::timeout(
        Duration::from_secs(60),
        tokio_tungstenite::connect_async_with_config(request, Some(config), true),
    )
    .await
    .context("the socket did not open within 60 s")?
    .context("opening a board socket")?;
    Ok(socket)
}

/// What the tool needs of a server message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    Hello {
        seq: u64,
    },
    /// An event, and the mutation number the tool wrote into its card title, if any.
    Event {
        seq: u64,
        tag: Option<u64>,
    },
    Presence,
    Resync {
        seq: u64,
    },
    /// The Node peer's keep-alive (`--peer`), to be answered.
    Ping,
    Other,
}

#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    seq: Option<u64>,
}

/// Card titles the tool writes are `TAG_PREFIX` + the mutation number.
pub const TAG_PREFIX: &str = "lb#";

/// Reads a server text frame: its type and seq by JSON decoding (ignoring the rest), the tag by search. The Node
/// peer's frames (`--peer`) are socket.io packets, which start with a digit: its messages are Lanban's shapes inside.
pub fn parse(text: &str) -> anyhow::Result<Frame> {
    if text.starts_with(|c: char| c.is_ascii_digit()) {
        return parse_peer(text);
    }
    let head: Head<'_> = serde_json::from_str(text).context("not a server message")?;
    Ok(match (head.kind, head.seq) {
        ("hello", Some(seq)) => Frame::Hello { seq },
        ("event", Some(seq)) => Frame::Event {
            seq,
            tag: tag_of(text),
        },
        ("resync", Some(seq)) => Frame::Resync { seq },
        ("presence", _) => Frame::Presence,
        ("hello" | "event" | "resync", None) => bail!("a {} without seq", head.kind),
        _ => Frame::Other,
    })
}

fn parse_peer(text: &str) -> anyhow::Result<Frame> {
    if let Some(message) = text.strip_prefix(peer::MESSAGE_PREFIX) {
        let message = message
            .strip_suffix(']')
            .context("a socket.io event without its end")?;
        return parse(message);
    }
    if text == peer::PING {
        return Ok(Frame::Ping);
    }
    if text.starts_with("44") {
        bail!("the peer refused the socket: {text}");
    }
    Ok(Frame::Other)
}

fn tag_of(text: &str) -> Option<u64> {
    let at = memchr::memmem::find(text.as_bytes(), TAG_PREFIX.as_bytes())? + TAG_PREFIX.len();
    let digits = text[at..].bytes().take_while(u8::is_ascii_digit).count();
    text[at..at + digits].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_by_type_with_seq_and_tag() {
        assert_eq!(
            parse(r#"{"type":"hello","board_id":"x","member_id":"y","seq":7}"#).unwrap(),
            Frame::Hello { seq: 7 }
        );
        assert_eq!(
            parse(r#"{"type":"event","seq":8,"kind":"card.created","data":{"title":"lb#1234"}}"#)
                .unwrap(),
            Frame::Event {
                seq: 8,
                tag: Some(1234)
            }
        );
        assert_eq!(
            parse(r#"{"type":"event","seq":9,"kind":"member.joined","data":{}}"#).unwrap(),
            Frame::Event { seq: 9, tag: None }
        );
        assert_eq!(
            parse(r#"{"type":"presence","members":[]}"#).unwrap(),
            Frame::Presence
        );
        assert!(parse(r#"{"type":"event"}"#).is_err());
        assert_eq!(
            parse(
                r#"42["m",{"type":"event","seq":3,"kind":"card.created","data":{"title":"lb#77"}}]"#
            )
            .unwrap(),
            Frame::Event {
                seq: 3,
                tag: Some(77)
            }
        );
        assert_eq!(
            parse(r#"42["m",{"type":"hello","seq":0}]"#).unwrap(),
            Frame::Hello { seq: 0 }
        );
        assert_eq!(parse("2").unwrap(), Frame::Ping);
        assert_eq!(parse(r#"40{"sid":"abc"}"#).unwrap(), Frame::Other);
        assert!(parse(r#"44{"message":"unauthorized"}"#).is_err());
        assert!(parse("not json").is_err());
    }
}
