//! `edits`: a member edits card descriptions one after another on a board of N cards that each have one, as a
//! person typing into cards of a large board; the clock runs from each request to its answer. Checks every answer
//! carries the description sent.

use std::collections::BTreeMap;
use std::time::Instant;

use futures_util::{StreamExt, stream};
use lanban_client::Api;
use lanban_core::api::{CreateCard, UpdateCard};
use lanban_core::ids::CardId;

use crate::report::{Run, histogram};
use crate::target::Target;
use crate::wire::{self, TAG_PREFIX};

/// Bytes of each card's description: a few sentences.
const DESCRIPTION: usize = 400;

#[derive(Debug, Clone)]
pub struct Params {
    /// Cards on the board, each with a description.
    pub cards: usize,
    /// Description edits timed, one at a time.
    pub edits: usize,
}

impl Params {
    pub fn describe(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("cards with a description", self.cards.to_string()),
            ("edits", self.edits.to_string()),
        ])
    }
}

pub async fn run(target: &Target, params: &Params) -> anyhow::Result<Run> {
    let mut run = Run::default();
    let board = wire::setup_boards(&target.host()?, 1, 1).await?.remove(0);
    let api = Api::new(&target.url)?.with_token(board.tokens[0].clone());
    let text = "d".repeat(DESCRIPTION);
    let created: Vec<anyhow::Result<CardId>> = stream::iter(0..params.cards.max(1))
        .map(|i| {
            let card = CreateCard {
                title: format!("{TAG_PREFIX}{i}"),
                description: Some(text.clone()),
                ..Default::default()
            };
            let api = &api;
            async move { Ok(api.create_card(board.column, &card).await?.id) }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let cards = created.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    let mut micros = histogram();
    for i in 0..params.edits {
        let description = format!("{text} {i}");
        let edit = UpdateCard {
            description: Some(Some(description.clone())),
            ..Default::default()
        };
        let started = Instant::now();
        let card = api.update_card(cards[i % cards.len()], &edit).await?;
        let _ = micros.record((started.elapsed().as_micros() as u64).max(1));
        if card.description != description {
            run.violation(format!("edit {i} answered another description"));
        }
    }
    run.push_latency(
        [
            "description edit p50",
            "description edit p90",
            "description edit p99",
            "description edit p99.9",
            "description edit max",
        ],
        &micros,
    );
    Ok(run)
}
