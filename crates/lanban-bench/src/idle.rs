//! `idle`: N open sockets, one per member, ten members a board; the server's resident memory per socket, from
//! /proc, measured after every socket got its hello and the presence announcements settled.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::bail;
use futures_util::stream::{self, StreamExt};
use lanban_client::Api;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::fanout::hello;
use crate::report::Run;
use crate::target::Target;
use crate::wire::{self, Socket};

#[derive(Debug, Clone)]
pub struct Params {
    pub sockets: usize,
    pub members_per_board: usize,
}

impl Params {
    pub fn describe(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("sockets", self.sockets.to_string()),
            ("members per board", self.members_per_board.to_string()),
        ])
    }
}

pub async fn run(target: &Target, params: &Params) -> anyhow::Result<Run> {
    let mut run = Run::default();
    if let Err(err) = lanban_server::raise_fd_limit() {
        tracing::warn!(error = %err, "cannot raise this tool's open-file limit");
    }
    let per_board = params.members_per_board.max(1);
    let boards = params.sockets.div_ceil(per_board);
    let setup = wire::setup_boards(&target.host()?, boards, per_board).await?;
    let api = Api::new(&target.url)?;
    settle().await;
    let before = target.rss_kib();

    // Each socket is held by a task that reads everything the server sends (presence, pings) until told to stop.
    let (stop_tx, stop_rx) = watch::channel(false);
    let opened: Vec<anyhow::Result<JoinHandle<Result<(), String>>>> =
        stream::iter(0..params.sockets)
            .map(|i| {
                let (api, board, stop) = (api.clone(), &setup[i / per_board], stop_rx.clone());
                async move {
                    let mut socket =
                        wire::connect(&api, board.id, &board.tokens[i % per_board], None).await?;
                    hello(&mut socket).await?;
                    Ok(tokio::spawn(hold(socket, stop)))
                }
            })
            .buffer_unordered(128)
            .collect()
            .await;
    let mut holders = Vec::with_capacity(opened.len());
    for holder in opened {
        match holder {
            Ok(holder) => holders.push(holder),
            Err(err) => run.violation(format!("a socket did not open: {err:#}")),
        }
    }
    settle().await;
    let after = target.rss_kib();
    let open = holders.len();
    let _ = stop_tx.send(true);
    for holder in holders {
        match holder.await {
            Ok(Ok(())) => {}
            Ok(Err(why)) => run.violation(why),
            Err(err) => run.violation(format!("a socket task failed: {err}")),
        }
    }

    run.push("sockets open", open as f64, "");
    if open != params.sockets {
        run.violation(format!("{open} of {} sockets opened", params.sockets));
    }
    match (before, after) {
        (Some(before), Some(after)) => {
            run.push("server RSS before", before as f64 / 1024.0, "MiB");
            run.push("server RSS with sockets", after as f64 / 1024.0, "MiB");
            run.push(
                "RSS per socket",
                after.saturating_sub(before) as f64 / open.max(1) as f64,
                "KiB",
            );
        }
        _ => bail!(
            "the server's memory cannot be read: start it with this tool, or pass --server-pid"
        ),
    }
    Ok(run)
}

async fn settle() {
    tokio::time::sleep(Duration::from_secs(3)).await;
}

/// Keeps a socket open and read until `stop`; an error if the server closed it first.
async fn hold(mut socket: Socket, mut stop: watch::Receiver<bool>) -> Result<(), String> {
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            frame = socket.next() => match frame {
                Some(Ok(Message::Close(close))) => return Err(format!("the server closed an idle socket: {close:?}")),
                Some(Ok(_)) => {}
                Some(Err(err)) => return Err(format!("an idle socket failed: {err}")),
                None => return Err("an idle socket ended".into()),
            },
        }
    }
    let _ = socket.close(None).await;
    Ok(())
}
