//! The room hub: one room per board, holding the board's last published seq, a broadcast channel to its
//! sockets and who is connected (presence). The store's writer publishes here after each commit; socket tasks
//! subscribe here. The hub holds no business logic and never touches the database.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::ws::Utf8Bytes;
use lanban_core::event::{PresenceEntry, ServerMessage};
use lanban_core::ids::{BoardId, CardId, MemberId};
use tokio::sync::broadcast;

/// An event committed by the store, ready to send.
#[derive(Debug, Clone)]
pub struct Published {
    pub board_id: BoardId,
    pub seq: u64,
    /// The event's JSON, encoded once and shared by every socket.
    pub text: Utf8Bytes,
    /// For `member.removed`: the member whose sockets close after this event.
    pub closes: Option<MemberId>,
}

/// What a room sends its sockets. One pointer wide: every room keeps a ring of `room_buffer` of these, allocated
/// up front, so its size is paid by every room whether busy or not.
#[derive(Debug, Clone)]
pub enum RoomMessage {
    /// A committed event.
    Event(Arc<RoomEvent>),
    /// The room's presence changed.
    Presence(Arc<Utf8Bytes>),
}

/// A committed event as its room's sockets get it.
#[derive(Debug)]
pub struct RoomEvent {
    pub seq: u64,
    /// The event's JSON, encoded once and shared by every socket.
    pub text: Utf8Bytes,
    /// For `member.removed`: the member whose sockets close after this event.
    pub closes: Option<MemberId>,
}

/// Identifies one socket.
pub type ConnectionId = u64;

/// The hub handle; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    shared: Arc<Shared>,
}

struct Shared {
    /// Rooms by board. A std `Mutex` is fine: it is never held across an `.await`, and holding it while
    /// sending keeps each room's messages in the order they were published.
    rooms: Mutex<HashMap<BoardId, Room>>,
    /// Messages a room buffers for its slowest socket.
    buffer: usize,
    /// The id the next socket gets.
    next_connection: AtomicU64,
}

#[derive(Default)]
struct Room {
    /// The seq of the last event published to this room.
    seq: u64,
    /// Present while the room has sockets.
    sender: Option<broadcast::Sender<RoomMessage>>,
    /// Open sockets and what each views.
    connections: BTreeMap<ConnectionId, Connection>,
    /// Members whose removal was published since the server started: a socket authorised just before a removal
    /// committed, but subscribed just after it was published, learns it here.
    removed: std::collections::HashSet<MemberId>,
    /// The presence clock: counts the changes of what this room's sockets view, so that of a member's sockets
    /// the one that changed last says what the member views.
    presence_clock: u64,
}

struct Connection {
    member_id: MemberId,
    viewing_card: Option<CardId>,
    /// When this socket last changed what it views (its room's presence clock), to pick a member's latest.
    changed: u64,
}

/// A socket's place in a room.
pub struct Subscription {
    pub connection: ConnectionId,
    pub receiver: broadcast::Receiver<RoomMessage>,
    /// The room's seq at subscription: every later event arrives through `receiver`.
    pub seq: u64,
    /// The member's removal was already published: close this socket.
    pub removed: bool,
}

impl Hub {
    /// An empty hub whose rooms buffer `buffer` messages per slow socket.
    pub fn new(buffer: usize) -> Self {
        Self {
            shared: Arc::new(Shared {
                rooms: Mutex::new(HashMap::new()),
                buffer: buffer.max(1),
                next_connection: AtomicU64::new(1),
            }),
        }
    }

    fn rooms(&self) -> MutexGuard<'_, HashMap<BoardId, Room>> {
        // A panic while holding the lock leaves the map itself consistent; keep serving.
        self.shared.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records each board's seq: every board's at start, an imported board's once it is committed. A room's seq
    /// never goes back.
    pub fn init_rooms(&self, seqs: Vec<(BoardId, u64)>) {
        let mut rooms = self.rooms();
        for (board, seq) in seqs {
            let room = rooms.entry(board).or_default();
            room.seq = room.seq.max(seq);
        }
    }

    /// Sends a committed event to its room. Called by the store's writer, in commit order.
    pub fn publish(&self, event: Published) {
        let mut rooms = self.rooms();
        let room = rooms.entry(event.board_id).or_default();
        room.seq = room.seq.max(event.seq);
        if let Some(member) = event.closes {
            room.removed.insert(member);
        }
        if let Some(sender) = &room.sender {
            // An error only means no socket is listening.
            let _ = sender.send(RoomMessage::Event(Arc::new(RoomEvent {
                seq: event.seq,
                text: event.text,
                closes: event.closes,
            })));
        }
    }

    /// Joins a socket of `member` to the board's room and announces the new presence.
    pub fn subscribe(&self, board: BoardId, member: MemberId) -> Subscription {
        let connection = self.shared.next_connection.fetch_add(1, Ordering::Relaxed);
        let mut rooms = self.rooms();
        let room = rooms.entry(board).or_default();
        let seq = room.seq;
        if room.removed.contains(&member) {
            // Not joined to the room at all: the socket closes straight away.
            return Subscription {
                connection,
                receiver: broadcast::channel(1).1,
                seq,
                removed: true,
            };
        }
        let sender = room
            .sender
            .get_or_insert_with(|| broadcast::channel(self.shared.buffer).0);
        let receiver = sender.subscribe();
        room.connections.insert(
            connection,
            Connection {
                member_id: member,
                viewing_card: None,
                changed: 0,
            },
        );
        announce_presence(room);
        Subscription {
            connection,
            receiver,
            seq,
            removed: false,
        }
    }

    /// Records what a socket views and announces it.
    pub fn set_viewing(&self, board: BoardId, connection: ConnectionId, card: Option<CardId>) {
        let mut rooms = self.rooms();
        if let Some(room) = rooms.get_mut(&board)
            && let Some(conn) = room.connections.get_mut(&connection)
            && conn.viewing_card != card
        {
            room.presence_clock += 1;
            conn.viewing_card = card;
            conn.changed = room.presence_clock;
            announce_presence(room);
        }
    }

    /// Removes a socket from its room and announces it; the room's channel goes with its last socket.
    pub fn unsubscribe(&self, board: BoardId, connection: ConnectionId) {
        let mut rooms = self.rooms();
        if let Some(room) = rooms.get_mut(&board)
            && room.connections.remove(&connection).is_some()
        {
            if room.connections.is_empty() {
                room.sender = None;
            } else {
                announce_presence(room);
            }
        }
    }

    /// Open sockets of one member on a board.
    pub fn sockets_of(&self, board: BoardId, member: MemberId) -> usize {
        self.rooms().get(&board).map_or(0, |room| {
            room.connections
                .values()
                .filter(|c| c.member_id == member)
                .count()
        })
    }

    /// The members with at least one open socket, and what each views.
    pub fn presence(&self, board: BoardId) -> Vec<PresenceEntry> {
        self.rooms()
            .get(&board)
            .map(presence_of)
            .unwrap_or_default()
    }

    /// Every member with an open socket, on any board.
    pub fn online(&self) -> Vec<(BoardId, MemberId)> {
        let rooms = self.rooms();
        let mut online: Vec<(BoardId, MemberId)> = rooms
            .iter()
            .flat_map(|(board, room)| room.connections.values().map(|c| (*board, c.member_id)))
            .collect();
        online.sort();
        online.dedup();
        online
    }

    /// The board's last published seq.
    pub fn seq(&self, board: BoardId) -> u64 {
        self.rooms().get(&board).map_or(0, |room| room.seq)
    }
}

fn presence_of(room: &Room) -> Vec<PresenceEntry> {
    let mut members: BTreeMap<MemberId, (u64, Option<CardId>)> = BTreeMap::new();
    for conn in room.connections.values() {
        let entry = members.entry(conn.member_id).or_insert((0, None));
        if conn.viewing_card.is_some() && conn.changed >= entry.0 {
            *entry = (conn.changed, conn.viewing_card);
        }
    }
    members
        .into_iter()
        .map(|(member_id, (_, viewing_card))| PresenceEntry {
            member_id,
            viewing_card,
        })
        .collect()
}

fn announce_presence(room: &Room) {
    let Some(sender) = &room.sender else {
        return;
    };
    let message = ServerMessage::Presence {
        members: presence_of(room),
    };
    match serde_json::to_string(&message) {
        Ok(text) => {
            let _ = sender.send(RoomMessage::Presence(Arc::new(text.into())));
        }
        Err(err) => tracing::error!(error = %err, "cannot encode presence"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removed_member_subscribing_after_the_removal_was_published_is_told() {
        let hub = Hub::new(8);
        let board = BoardId::new();
        let (gone, stays) = (MemberId::new(), MemberId::new());
        hub.publish(Published {
            board_id: board,
            seq: 7,
            text: Utf8Bytes::from_static("{}"),
            closes: Some(gone),
        });
        let late = hub.subscribe(board, gone);
        assert!(late.removed);
        assert!(
            hub.presence(board).is_empty(),
            "the removed member never shows as present"
        );
        let other = hub.subscribe(board, stays);
        assert!(!other.removed);
        assert_eq!(other.seq, 7);
        assert_eq!(hub.presence(board).len(), 1);
    }

    #[test]
    fn a_member_with_two_sockets_views_what_they_opened_last() {
        let hub = Hub::new(8);
        let board = BoardId::new();
        let member = MemberId::new();
        let laptop = hub.subscribe(board, member);
        let phone = hub.subscribe(board, member);
        let (plan, budget) = (CardId::new(), CardId::new());
        let viewing = || hub.presence(board)[0].viewing_card;

        hub.set_viewing(board, laptop.connection, Some(plan));
        assert_eq!(viewing(), Some(plan));
        hub.set_viewing(board, phone.connection, Some(budget));
        assert_eq!(viewing(), Some(budget), "the phone changed last");
        hub.set_viewing(board, laptop.connection, None);
        hub.set_viewing(board, laptop.connection, Some(plan));
        assert_eq!(viewing(), Some(plan), "now the laptop changed last");
    }
}
