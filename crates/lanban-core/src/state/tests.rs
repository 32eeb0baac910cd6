//! The mirror's rules: examples, a property test against the plain rules, and the fixture the UI replays.

use std::path::PathBuf;

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::api::Snapshot;
use crate::event::{BoardMoved, Change, Deleted, Event, HandoffOffered};
use crate::fingerprint::Fingerprint;
use crate::ids::{CardId, ColumnId, MemberId};
use crate::model::{Card, Column, Member, Role};
use crate::state::histories::{Pools, Seeded, step};
use crate::state::reference::reference_apply;
use crate::state::{Applied, ApplyError};
use crate::time::Timestamp;

fn empty() -> Snapshot {
    Pools::random().empty()
}

fn event(seq: u64, change: Change) -> Event {
    Event {
        seq,
        actor: MemberId::new(),
        at: Timestamp::now(),
        change,
    }
}

fn column(state: &Snapshot, title: &str, position: &str) -> Column {
    Column {
        id: ColumnId::new(),
        board_id: state.board.id,
        title: title.into(),
        position: position.into(),
        archived_at: None,
        trashed_at: None,
    }
}

fn card(state: &Snapshot, column: &Column, title: &str, position: &str) -> Card {
    Card {
        id: CardId::new(),
        board_id: state.board.id,
        column_id: column.id,
        title: title.into(),
        description: String::new(),
        labels: vec![],
        assignee_ids: vec![],
        due_date: None,
        position: position.into(),
        version: 1,
        created_by: MemberId::new(),
        created_at: Timestamp::now(),
        updated_at: Timestamp::now(),
        archived_at: None,
        trashed_at: None,
    }
}

fn titles(state: &Snapshot) -> Vec<&str> {
    state.cards.iter().map(|c| c.title.as_str()).collect()
}

#[test]
fn events_apply_in_order_and_keep_cards_sorted_column_by_column() {
    let mut state = empty();
    let todo = column(&state, "Todo", "a1");
    let done = column(&state, "Done", "a2");
    let steps = [
        Change::ColumnCreated(done.clone()),
        Change::ColumnCreated(todo.clone()),
        Change::CardCreated(card(&state, &done, "shipped", "a0")),
        Change::CardCreated(card(&state, &todo, "write", "a1")),
        Change::CardCreated(card(&state, &todo, "plan", "a0")),
    ];
    for (i, change) in steps.into_iter().enumerate() {
        assert_eq!(
            state.apply(&event(i as u64 + 1, change)),
            Ok(Applied::Applied)
        );
    }
    assert_eq!(state.seq, 5);
    assert_eq!(titles(&state), ["plan", "write", "shipped"]);

    // Moving Done before Todo reorders the cards too.
    let mut moved = done.clone();
    moved.position = "a0".into();
    state
        .apply(&event(6, Change::ColumnUpdated(moved)))
        .unwrap();
    assert_eq!(titles(&state), ["shipped", "plan", "write"]);

    // Deleting a column takes its cards.
    state
        .apply(&event(7, Change::ColumnDeleted(Deleted { id: todo.id })))
        .unwrap();
    assert_eq!(titles(&state), ["shipped"]);
}

#[test]
fn duplicates_are_ignored_and_gaps_refused() {
    let mut state = empty();
    let todo = column(&state, "Todo", "a0");
    let first = event(1, Change::ColumnCreated(todo.clone()));
    assert_eq!(state.apply(&first), Ok(Applied::Applied));
    assert_eq!(state.apply(&first), Ok(Applied::Duplicate));
    let before = state.clone();
    let late = event(3, Change::ColumnDeleted(Deleted { id: todo.id }));
    assert_eq!(state.apply(&late), Err(ApplyError::Gap { have: 1, got: 3 }));
    assert_eq!(state, before);
}

#[test]
fn a_create_repeated_at_the_same_key_replaces_the_card() {
    let mut state = empty();
    let todo = column(&state, "Todo", "a0");
    let plan = card(&state, &todo, "plan", "a1");
    let mut again = plan.clone();
    again.title = "plan again".into();
    let steps = [
        Change::ColumnCreated(todo.clone()),
        Change::CardCreated(card(&state, &todo, "write", "a1")),
        Change::CardCreated(plan),
        Change::CardCreated(card(&state, &todo, "ship", "a2")),
        Change::CardCreated(again),
    ];
    for (i, change) in steps.into_iter().enumerate() {
        state.apply(&event(i as u64 + 1, change)).unwrap();
    }
    assert_eq!(titles(&state), ["plan again", "write", "ship"]);
}

fn member(state: &Snapshot, name: &str, role: Role) -> Member {
    Member {
        id: MemberId::new(),
        board_id: state.board.id,
        name: name.into(),
        color: "#3b82f6".into(),
        role,
        joined_at: Timestamp::now(),
    }
}

#[test]
fn a_handoff_is_offered_then_the_roles_swap_in_place_when_the_board_moves() {
    let mut state = empty();
    let ann = member(&state, "Ann", Role::Host);
    let bea = member(&state, "Bea", Role::Member);
    let cy = member(&state, "Cy", Role::Member);
    let steps = [
        Change::MemberJoined(ann.clone()),
        Change::MemberJoined(bea.clone()),
        Change::MemberJoined(cy.clone()),
        Change::HandoffOffered(HandoffOffered {
            member_id: Some(bea.id),
        }),
    ];
    for (i, change) in steps.into_iter().enumerate() {
        state.apply(&event(i as u64 + 1, change)).unwrap();
    }
    assert_eq!(state.board.handoff_to, Some(bea.id));
    let moved = BoardMoved {
        fingerprint: Fingerprint::of_der(b"bea's laptop"),
        addresses: vec!["192.168.1.21:7420".into()],
        host: bea.id,
        previous_host: ann.id,
    };
    state.apply(&event(5, Change::BoardMoved(moved))).unwrap();
    assert_eq!(state.board.handoff_to, None);
    let roles: Vec<(&str, Role)> = state
        .members
        .iter()
        .map(|m| (m.name.as_str(), m.role))
        .collect();
    assert_eq!(
        roles,
        [
            ("Ann", Role::Member),
            ("Bea", Role::Host),
            ("Cy", Role::Member)
        ]
    );
}

proptest! {
    /// Whatever the history (moves, ties, ids re-created after a delete, cards of unknown columns), `apply`
    /// leaves the mirror exactly where the plain rules put it, after every step.
    #[test]
    fn apply_agrees_with_the_plain_rules(steps in proptest::collection::vec(step(), 1..200)) {
        let pools = Pools::random();
        let mut state = pools.empty();
        let mut expected = state.clone();
        for (i, step) in steps.iter().enumerate() {
            let seq = i as u64 + 1;
            // The reference decides whether a card is new, so the history does not lean on the code under test.
            let change = pools.change(&expected, step, i);
            prop_assert_eq!(state.apply(&pools.event(seq, change.clone())), Ok(Applied::Applied));
            reference_apply(&mut expected, &change);
            expected.seq = seq;
            prop_assert_eq!(&state, &expected, "after step {}: {:?}", i, step);
        }
    }
}

/// Where the UI's store test reads the seeded histories (`ui/src/lib/applyEvent.test.ts`).
fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/fixtures/apply-histories.json")
}

const HISTORIES: u64 = 12;
const STEPS: usize = 40;

/// The last four characters of an id: enough to tell the numbered ids of one history apart.
fn short(id: impl ToString) -> String {
    let id = id.to_string();
    id[id.len() - 4..].to_owned()
}

/// What the UI's test compares after each step, written the same way there: every field a step changes.
fn digest(state: &Snapshot) -> Value {
    json!({
        "seq": state.seq,
        "board": format!("{}|{}", state.board.name, state.board.room_code),
        "columns": state.columns.iter()
            .map(|c| format!("{}@{}:{}", short(c.id), c.position, c.title))
            .collect::<Vec<_>>(),
        "cards": state.cards.iter()
            .map(|c| format!(
                "{}@{}/{}:{}:{}",
                short(c.id),
                short(c.column_id),
                c.position,
                c.title,
                if c.assignee_ids.is_empty() {
                    "-".to_owned()
                } else {
                    c.assignee_ids.iter().copied().map(short).collect::<Vec<_>>().join(",")
                },
            ))
            .collect::<Vec<_>>(),
        "members": state.members.iter().map(|m| format!("{}:{}", short(m.id), m.name)).collect::<Vec<_>>(),
        "comments": state.comments.iter()
            .map(|c| format!("{}@{}:{}", short(c.id), short(c.card_id), c.body))
            .collect::<Vec<_>>(),
        "checklists": state.checklists.iter()
            .map(|c| {
                let (done, all) = c.progress();
                format!("{}@{}/{}:{}:{done}/{all}", short(c.id), short(c.card_id), c.position, c.title)
            })
            .collect::<Vec<_>>(),
    })
}

/// Seeded histories applied by `Snapshot::apply`: the start, each event with the state after it, and the end.
fn fixture() -> String {
    let mut lines = vec![
        "{\"about\": \"Written by `LANBAN_BLESS=1 cargo test -p lanban-core state`: board histories applied by \
         Snapshot::apply (crates/lanban-core/src/state.rs), replayed by the UI's applyEvent in \
         ui/src/lib/applyEvent.test.ts. Do not edit.\","
            .to_owned(),
        "\"histories\": [".to_owned(),
    ];
    for history in 0..HISTORIES {
        let pools = Pools::numbered(history);
        let mut rng = Seeded::new(history);
        let mut state = pools.empty();
        let mut expected = state.clone();
        lines.push(format!("{{\"start\": {},", json!(state)));
        lines.push("\"steps\": [".to_owned());
        for i in 0..STEPS {
            let change = pools.change(&state, &rng.step(), i);
            let event = pools.event(i as u64 + 1, change.clone());
            assert_eq!(state.apply(&event), Ok(Applied::Applied));
            reference_apply(&mut expected, &change);
            expected.seq = event.seq;
            assert_eq!(state, expected, "history {history} step {i}");
            let comma = if i + 1 < STEPS { "," } else { "" };
            lines.push(format!(
                "{{\"event\": {}, \"after\": {}}}{comma}",
                json!(event),
                digest(&state)
            ));
        }
        let comma = if history + 1 < HISTORIES { "," } else { "" };
        lines.push(format!("], \"end\": {}}}{comma}", json!(state)));
    }
    lines.push("]}".to_owned());
    lines.join("\n") + "\n"
}

/// The UI's TypeScript mirror replays the same histories and must reach the same states (its test fails if its
/// rules change alone); this test fails if `apply`'s rules change alone, until the fixture is written anew and
/// the UI's rules follow.
#[test]
fn the_ui_fixture_holds_what_apply_does_now() {
    let fixture = fixture();
    let parsed: Value = serde_json::from_str(&fixture).expect("the fixture is JSON");
    assert_eq!(
        parsed["histories"].as_array().map(Vec::len),
        Some(HISTORIES as usize)
    );
    let path = fixture_path();
    if std::env::var_os("LANBAN_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fixture).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == fixture,
        "{} does not hold what Snapshot::apply does now. If the rules changed on purpose, write it anew with \
         `LANBAN_BLESS=1 cargo test -p lanban-core state`, then make the UI's applyEvent pass it (npm test in ui/).",
        path.display()
    );
}
