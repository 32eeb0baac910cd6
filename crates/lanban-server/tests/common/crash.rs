//! What the crash harnesses share: a seeded schedule to replay, and a board's whole event log.

use lanban_client::Api;
use lanban_core::event::Event;
use lanban_core::ids::BoardId;

/// A small deterministic generator (xorshift64*), so a seed replays the same schedule.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A whole number from the environment, if it is set to one.
pub fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Every event of the board, page after page until one comes back empty.
pub async fn all_events(api: &Api, board: BoardId) -> Vec<Event> {
    let mut events = Vec::new();
    let mut since = 0;
    loop {
        let page = api
            .events(board, since, None)
            .await
            .expect("a page of events");
        let Some(last) = page.events.last() else {
            return events;
        };
        since = last.seq;
        events.extend(page.events);
    }
}
