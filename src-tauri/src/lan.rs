//! LAN discovery in the app: while this computer shares its boards it advertises its server over mDNS; while the
//! Join screen is open it browses and lists the hosts it sees. Both share one mDNS daemon, started only when one
//! of them needs it and stopped when neither does.
//!
//! Discovery can be turned off: a setting kept in `settings.json` in the app's data directory, or
//! `LANBAN_DISCOVERY=0|1` (read by `lanban_discovery::forced_by_environment`), which overrides the setting (tests
//! turn it off wherever they run in the machine's own network namespace: an mDNS daemon multicasts on every
//! interface as it starts).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use lanban_core::ids::BoardId;
use lanban_discovery::{Discovery, FoundHost, HostAdvert, Interfaces};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;

use crate::error::{AppErrorCode, CommandError, CommandResult};

/// A host seen on the network, as the Join screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LanHost {
    /// The computer's name ("studio-pc").
    pub name: String,
    /// Its server's id (stable across restarts).
    pub server_id: String,
    /// The two characters that start its room codes.
    pub tag: String,
    /// Boards it serves.
    pub boards: u32,
    /// `IP:PORT` to connect to.
    pub address: String,
    /// The certificate fingerprint it announces. Unauthenticated: the app still asks the person to compare the
    /// words the host's server actually presents before pinning it.
    pub fingerprint: String,
    /// It speaks this app's protocol version or an older one (a newer host needs this app updated).
    pub compatible: bool,
    /// The boards it hosts from a member's copy, their previous host gone for good (by
    /// `lanban_discovery::board_key`). Unauthenticated, like the rest: only a hint of where to join again.
    pub took: Vec<String>,
}

impl LanHost {
    fn from_found(found: &FoundHost) -> Option<LanHost> {
        let ip = found.addresses.first()?;
        let advert = &found.advert;
        Some(LanHost {
            name: advert.name.clone(),
            server_id: advert.server_id.clone(),
            tag: advert.tag.clone(),
            boards: advert.boards,
            address: format!("{ip}:{}", advert.port),
            fingerprint: advert.fingerprint.to_string(),
            compatible: advert.protocol <= lanban_core::PROTOCOL_VERSION,
            took: advert.took.clone(),
        })
    }
}

/// What the Join screen and the share panel show about discovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LanStatus {
    /// Discovery is on.
    pub enabled: bool,
    /// `LANBAN_DISCOVERY` decides, not the setting.
    pub locked: bool,
    /// This computer is announced on the network right now (it shares its boards and discovery works).
    pub advertising: bool,
    /// Hosts seen so far (while browsing), sorted by name; never this computer itself.
    pub hosts: Vec<LanHost>,
    /// Why discovery cannot search the network, if it cannot.
    pub error: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Settings {
    #[serde(default = "yes")]
    discovery: bool,
}

fn yes() -> bool {
    true
}

struct Inner {
    enabled: bool,
    daemon: Option<Discovery>,
    /// What to advertise (this computer shares its boards), if anything.
    advert: Option<HostAdvert>,
    /// The advert is published.
    advertising: bool,
    /// The Join screen's channel, while it is open.
    watcher: Option<Channel<LanStatus>>,
    /// The open board's host is out of reach: its pinned fingerprint, and where to say at which address a host
    /// announcing it was seen.
    seeking: Option<Seeking>,
    error: Option<String>,
}

/// A search for one host by its certificate fingerprint.
#[derive(Clone)]
struct Seeking {
    fingerprint: String,
    found: tokio::sync::mpsc::UnboundedSender<String>,
}

/// What the browsing thread shares with the rest: the hosts it saw, and which browse is current (a thread of an
/// earlier browse may still deliver queued events; they are dropped).
#[derive(Default)]
struct Seen {
    generation: u64,
    hosts: Vec<LanHost>,
}

/// Discovery for this app (std `Mutex`es: never held across an `.await`; the daemon's blocking goodbyes happen
/// after they are released).
pub struct Lan {
    settings_path: PathBuf,
    locked: bool,
    inner: Mutex<Inner>,
    seen: Arc<Mutex<Seen>>,
    /// Serialises announcements, so a slow one (counting boards) cannot overtake a later one.
    announcing: tokio::sync::Mutex<()>,
}

/// A daemon to stop once the locks are released (stopping waits for its goodbye to go out).
#[must_use]
pub struct Stopping(Option<Discovery>);

impl Stopping {
    /// Stops it (blocking for at most a few seconds).
    pub fn finish(self) {
        if let Some(daemon) = self.0 {
            daemon.shutdown();
        }
    }
}

impl Lan {
    /// Reads the setting from `data_dir`, unless `forced`; starts nothing.
    pub fn load_with(data_dir: &Path, forced: Option<bool>) -> Lan {
        let settings_path = data_dir.join("settings.json");
        let setting = std::fs::read(&settings_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Settings>(&bytes).ok())
            .is_none_or(|s| s.discovery);
        Lan {
            settings_path,
            locked: forced.is_some(),
            inner: Mutex::new(Inner {
                enabled: forced.unwrap_or(setting),
                daemon: None,
                advert: None,
                advertising: false,
                watcher: None,
                seeking: None,
                error: None,
            }),
            seen: Arc::new(Mutex::new(Seen::default())),
            announcing: tokio::sync::Mutex::new(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The current facts.
    pub fn status(&self) -> LanStatus {
        let inner = self.lock();
        self.status_of(&inner)
    }

    fn status_of(&self, inner: &Inner) -> LanStatus {
        LanStatus {
            enabled: inner.enabled,
            locked: self.locked,
            advertising: inner.advertising,
            hosts: if inner.enabled && inner.watcher.is_some() {
                lock_seen(&self.seen).hosts.clone()
            } else {
                Vec::new()
            },
            error: inner.error.clone(),
        }
    }

    /// Turns discovery on or off and remembers the choice.
    pub fn set_enabled(&self, enabled: bool) -> CommandResult<(LanStatus, Stopping)> {
        if self.locked {
            return Err(CommandError::new(
                AppErrorCode::DiscoveryLocked,
                "Discovery is set by LANBAN_DISCOVERY in this app's environment.",
            ));
        }
        let bytes = serde_json::to_vec_pretty(&Settings { discovery: enabled })
            .map_err(|e| CommandError::new(AppErrorCode::Storage, e.to_string()))?;
        let written = lanban_client::private::options(
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true),
        )
        .open(&self.settings_path)
        .and_then(|mut file| std::io::Write::write_all(&mut file, &bytes))
        .and_then(|()| lanban_client::private::restrict(&self.settings_path));
        written.map_err(|e| {
            CommandError::new(
                AppErrorCode::Storage,
                format!("Cannot save the setting: {e}"),
            )
        })?;
        let mut inner = self.lock();
        inner.enabled = enabled;
        let stopping = self.reconcile(&mut inner, true, false);
        Ok((self.status_of(&inner), stopping))
    }

    /// Advertises this computer's server (`Some`) or stops advertising it (`None`).
    pub async fn advert_changed(
        &self,
        advert: impl std::future::Future<Output = Option<HostAdvert>>,
    ) {
        let _turn = self.announcing.lock().await;
        let advert = advert.await;
        let stopping = {
            let mut inner = self.lock();
            if inner.advert == advert {
                return;
            }
            inner.advert = advert;
            self.reconcile(&mut inner, false, true)
        };
        let _ = tauri::async_runtime::spawn_blocking(move || stopping.finish()).await;
    }

    /// Browses, sending the Join screen the hosts it sees on `channel` (replacing any earlier watcher).
    pub fn watch(&self, channel: Channel<LanStatus>) -> (LanStatus, Stopping) {
        let mut inner = self.lock();
        inner.watcher = Some(channel);
        let stopping = self.reconcile(&mut inner, true, false);
        (self.status_of(&inner), stopping)
    }

    /// Stops browsing (the Join screen closed).
    pub fn unwatch(&self) -> Stopping {
        let mut inner = self.lock();
        let was_watching = inner.watcher.take().is_some();
        self.stop_browsing(&mut inner, was_watching)
    }

    /// Browses for the host announcing `fingerprint` (the open board's host is out of reach; it may have come back
    /// at another address): the receiver gets each address it is seen at. Nothing is trusted on the announcement's
    /// word: the session only talks to the address over TLS pinned to the same fingerprint.
    pub fn seek(
        &self,
        fingerprint: String,
    ) -> (tokio::sync::mpsc::UnboundedReceiver<String>, Stopping) {
        let (found, addresses) = tokio::sync::mpsc::unbounded_channel();
        let mut inner = self.lock();
        inner.seeking = Some(Seeking { fingerprint, found });
        (addresses, self.reconcile(&mut inner, true, false))
    }

    /// A host seen while seeking that announces it hosts `board` from a member's copy (the board's host, with
    /// certificate `pinned`, was gone for good and a teammate took the board over), if any.
    pub fn hosting_elsewhere(&self, board: BoardId, pinned: &str) -> Option<LanHost> {
        let key = lanban_discovery::board_key(board);
        lock_seen(&self.seen)
            .hosts
            .iter()
            .find(|h| h.fingerprint != pinned && h.took.contains(&key))
            .cloned()
    }

    /// Stops looking for the open board's host (found, or the board closed).
    pub fn unseek(&self) -> Stopping {
        let mut inner = self.lock();
        let was_seeking = inner.seeking.take().is_some();
        self.stop_browsing(&mut inner, was_seeking)
    }

    /// After the Join screen or a search stopped: browses on for the other, if any, else stops browsing.
    fn stop_browsing(&self, inner: &mut Inner, stopped: bool) -> Stopping {
        let still = inner.watcher.is_some() || inner.seeking.is_some();
        if stopped
            && !still
            && let Some(daemon) = inner.daemon.as_ref()
        {
            daemon.stop_watching();
        }
        if inner.watcher.is_none() {
            forget_hosts(&self.seen);
        }
        self.reconcile(inner, stopped && still, false)
    }

    /// Stops everything (the app quits): browsers elsewhere see this host leave.
    pub fn shutdown(&self) {
        let daemon = self.lock().daemon.take();
        Stopping(daemon).finish();
    }

    /// Starts or stops the daemon to match what is wanted; with `restart_watch`, (re)starts browsing; with
    /// `readvertise`, publishes the advert again (it changed). Returns a daemon to stop after unlocking.
    fn reconcile(&self, inner: &mut Inner, restart_watch: bool, readvertise: bool) -> Stopping {
        let wanted = inner.enabled
            && (inner.advert.is_some() || inner.watcher.is_some() || inner.seeking.is_some());
        if !wanted {
            forget_hosts(&self.seen);
            inner.advertising = false;
            if !inner.enabled {
                inner.error = None;
            }
            return Stopping(inner.daemon.take());
        }
        let mut fresh = false;
        if inner.daemon.is_none() {
            match Discovery::start(&Interfaces::Lan) {
                Ok(daemon) => {
                    inner.daemon = Some(daemon);
                    inner.error = None;
                    fresh = true;
                }
                Err(err) => {
                    tracing::warn!(error = %err, "LAN discovery is unavailable");
                    inner.error = Some(err.to_string());
                    return Stopping(None);
                }
            }
        }
        let Some(daemon) = inner.daemon.as_mut() else {
            return Stopping(None);
        };
        match inner.advert.as_ref() {
            Some(advert) if fresh || readvertise => match daemon.advertise(advert) {
                Ok(()) => inner.advertising = true,
                Err(err) => {
                    // Browsing may still work: only the share panel needs to know.
                    tracing::warn!(error = %err, "cannot advertise on the network");
                    inner.advertising = false;
                }
            },
            Some(_) => {}
            None => {
                daemon.withdraw();
                inner.advertising = false;
            }
        }
        if (fresh || restart_watch) && (inner.watcher.is_some() || inner.seeking.is_some()) {
            self.browse(inner);
        }
        Stopping(None)
    }

    /// (Re)starts browsing for the Join screen's list and for a host being sought.
    fn browse(&self, inner: &mut Inner) {
        let Some(daemon) = inner.daemon.as_ref() else {
            return;
        };
        let channel = inner.watcher.clone();
        let seeking = inner.seeking.clone();
        daemon.stop_watching();
        let generation = forget_hosts(&self.seen);
        let seen = self.seen.clone();
        let locked = self.locked;
        let own = inner.advert.as_ref().map(|a| a.server_id.clone());
        let watching = daemon.watch(move |found| {
            let hosts: Vec<LanHost> = found
                .iter()
                .filter(|f| Some(&f.advert.server_id) != own.as_ref())
                .filter_map(LanHost::from_found)
                .collect();
            {
                let mut seen = lock_seen(&seen);
                if seen.generation != generation {
                    return;
                }
                seen.hosts = hosts.clone();
            }
            if let Some(seeking) = &seeking {
                for host in hosts
                    .iter()
                    .filter(|h| h.fingerprint == seeking.fingerprint)
                {
                    let _ = seeking.found.send(host.address.clone());
                }
            }
            if let Some(channel) = &channel {
                let _ = channel.send(LanStatus {
                    enabled: true,
                    locked,
                    advertising: own.is_some(),
                    hosts,
                    error: None,
                });
            }
        });
        if let Err(err) = watching {
            tracing::warn!(error = %err, "cannot browse the network");
            inner.error = Some(err.to_string());
        }
    }
}

/// Empties the hosts seen and starts a new generation (an earlier browse's late events are dropped); returns it.
fn forget_hosts(seen: &Mutex<Seen>) -> u64 {
    let mut seen = lock_seen(seen);
    seen.generation += 1;
    seen.hosts.clear();
    seen.generation
}

fn lock_seen(seen: &Mutex<Seen>) -> MutexGuard<'_, Seen> {
    seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests;
