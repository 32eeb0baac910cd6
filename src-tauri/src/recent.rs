//! Recent boards: what the start screen lists, with the member token that reopens each board, kept in the app's
//! data directory (`recent.json`, readable only by its owner).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use lanban_client::private;
use lanban_core::ids::{BoardId, MemberId};
use lanban_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{AppErrorCode, CommandError, CommandResult};

/// A board this person has opened, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentEntry {
    pub board_id: BoardId,
    pub board_name: String,
    /// `host:port` of the board's server.
    pub server: String,
    pub member_id: MemberId,
    pub member_name: String,
    /// The member token (a secret; never sent to the UI).
    pub token: String,
    /// Hosted by this app's embedded server.
    pub hosting: bool,
    pub last_opened: Timestamp,
    /// The host's certificate fingerprint, pinned when this person joined (trust on first use): the board is
    /// reopened over HTTPS trusting only it. `None` for this computer's own server (plain HTTP on loopback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// Which recent board: its id, and the host it is on. Two hosts may each have a board with the same id (a board
/// hosted again from a copy, a restored backup, or a host answering with another's id), and one host's answer
/// never replaces another host's entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
pub struct RecentKey {
    pub board_id: BoardId,
    /// The host: its pinned certificate fingerprint, `local` for this computer's own server, or `plain:<address>`
    /// for a host reached without TLS (on this computer). Not a secret.
    pub host: String,
}

impl RecentEntry {
    /// The entry's key: its board on its host.
    pub fn key(&self) -> RecentKey {
        let host = if self.hosting {
            "local".to_owned()
        } else {
            match &self.fingerprint {
                Some(fingerprint) => fingerprint.clone(),
                None => format!("plain:{}", self.server),
            }
        };
        RecentKey {
            board_id: self.board_id,
            host,
        }
    }
}

/// A recent board as the start screen shows it (no token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct RecentBoard {
    /// What opens it again (`open_recent`).
    pub key: RecentKey,
    pub board_id: BoardId,
    pub board_name: String,
    pub server: String,
    pub member_name: String,
    pub hosting: bool,
    pub last_opened: Timestamp,
}

impl From<&RecentEntry> for RecentBoard {
    fn from(entry: &RecentEntry) -> Self {
        Self {
            key: entry.key(),
            board_id: entry.board_id,
            board_name: entry.board_name.clone(),
            server: entry.server.clone(),
            member_name: entry.member_name.clone(),
            hosting: entry.hosting,
            last_opened: entry.last_opened.clone(),
        }
    }
}

/// The recent-boards file (a std `Mutex`: never held across an `.await`).
pub struct Recent {
    path: PathBuf,
    entries: Mutex<Vec<RecentEntry>>,
}

fn storage(err: impl std::fmt::Display) -> CommandError {
    CommandError::new(
        AppErrorCode::Storage,
        format!("Cannot save recent boards: {err}"),
    )
}

impl Recent {
    /// Loads `recent.json` from `data_dir` (an unreadable file starts an empty list).
    pub fn load(data_dir: &Path) -> Self {
        let path = data_dir.join("recent.json");
        let entries = fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Self {
            path,
            entries: Mutex::new(entries),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<RecentEntry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Most recently opened first.
    pub fn list(&self) -> Vec<RecentBoard> {
        let mut entries: Vec<RecentBoard> = self.entries().iter().map(RecentBoard::from).collect();
        entries.sort_by(|a, b| b.last_opened.cmp(&a.last_opened));
        entries
    }

    /// The stored entry of a board on its host.
    pub fn get(&self, key: &RecentKey) -> Option<RecentEntry> {
        self.entries().iter().find(|e| e.key() == *key).cloned()
    }

    /// The board's entry as hosted on this computer, if it is.
    pub fn hosted_here(&self, board: BoardId) -> Option<RecentEntry> {
        self.entries()
            .iter()
            .find(|e| e.board_id == board && e.hosting)
            .cloned()
    }

    /// The entries of the same board on other hosts than `key`'s.
    pub fn elsewhere(&self, key: &RecentKey) -> Vec<RecentEntry> {
        self.entries()
            .iter()
            .filter(|e| e.board_id == key.board_id && e.key() != *key)
            .cloned()
            .collect()
    }

    /// Adds the entry, or replaces the one with the same key (the same board on the same host), and saves.
    pub fn remember(&self, entry: RecentEntry) -> CommandResult<()> {
        let mut entries = self.entries();
        entries.retain(|e| e.key() != entry.key());
        entries.push(entry);
        self.save(&entries)
    }

    /// The board `old` names is on another host now (it moved, was taken over here, or its host's certificate was
    /// just pinned): replaces that entry with `entry`, and saves.
    pub fn replace(&self, old: &RecentKey, entry: RecentEntry) -> CommandResult<()> {
        let mut entries = self.entries();
        entries.retain(|e| e.key() != *old && e.key() != entry.key());
        entries.push(entry);
        self.save(&entries)
    }

    /// Updates the board name and last-opened time of a board, if listed.
    pub fn touch(&self, key: &RecentKey, name: Option<&str>) -> CommandResult<()> {
        let mut entries = self.entries();
        if let Some(entry) = entries.iter_mut().find(|e| e.key() == *key) {
            entry.last_opened = Timestamp::now();
            if let Some(name) = name {
                entry.board_name = name.to_owned();
            }
        }
        self.save(&entries)
    }

    /// True if this person confirmed the certificate `fingerprint` when joining some board (trust on first use).
    pub fn trusts(&self, fingerprint: &str) -> bool {
        self.entries()
            .iter()
            .any(|entry| entry.fingerprint.as_deref() == Some(fingerprint))
    }

    /// The boards this computer hosts.
    pub fn entries_hosted_here(&self) -> Vec<RecentEntry> {
        self.entries()
            .iter()
            .filter(|e| e.hosting)
            .cloned()
            .collect()
    }

    /// Forgets a board (on its host) and saves.
    pub fn forget(&self, key: &RecentKey) -> CommandResult<()> {
        let mut entries = self.entries();
        entries.retain(|e| e.key() != *key);
        self.save(&entries)
    }

    fn save(&self, entries: &[RecentEntry]) -> CommandResult<()> {
        if let Some(dir) = self.path.parent() {
            private::create_dir(dir).map_err(storage)?;
        }
        let json = serde_json::to_vec_pretty(entries).map_err(storage)?;
        let temp = self.path.with_extension("json.tmp");
        let mut file = private::options(
            fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true),
        )
        .open(&temp)
        .map_err(storage)?;
        private::restrict(&temp).map_err(storage)?;
        file.write_all(&json).map_err(storage)?;
        file.sync_all().map_err(storage)?;
        fs::rename(&temp, &self.path).map_err(storage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> RecentEntry {
        RecentEntry {
            board_id: BoardId::new(),
            board_name: name.into(),
            server: "127.0.0.1:7420".into(),
            member_id: MemberId::new(),
            member_name: "Ada".into(),
            token: "secret".into(),
            hosting: true,
            last_opened: Timestamp::now(),
            fingerprint: None,
        }
    }

    #[test]
    fn boards_are_remembered_across_restarts_without_exposing_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let recent = Recent::load(dir.path());
        let first = entry("First");
        recent.remember(first.clone()).unwrap();
        recent.remember(entry("Second")).unwrap();
        let again = Recent::load(dir.path());
        assert_eq!(again.list().len(), 2);
        assert_eq!(again.get(&first.key()).unwrap().token, "secret");
        let json = serde_json::to_string(&again.list()).unwrap();
        assert!(!json.contains("secret"));
        again.forget(&first.key()).unwrap();
        assert_eq!(Recent::load(dir.path()).list().len(), 1);
        // Private on every OS (mode 0o600 on Unix, an owner-only access list on Windows), as is its directory.
        assert!(private::is_private(&dir.path().join("recent.json")).unwrap());
        assert!(private::is_private(dir.path()).unwrap());
    }

    /// A host answering a join with another host's board id adds an entry of its own: the real entry (its token and
    /// pinned certificate) stays, and each opens its own board.
    #[test]
    fn one_hosts_answer_never_replaces_another_hosts_entry() {
        let dir = tempfile::tempdir().unwrap();
        let recent = Recent::load(dir.path());
        let real = RecentEntry {
            hosting: false,
            fingerprint: Some("real-host".into()),
            token: "real token".into(),
            ..entry("Launch")
        };
        let hostile = RecentEntry {
            fingerprint: Some("other-host".into()),
            token: "hostile token".into(),
            member_id: MemberId::new(),
            ..real.clone()
        };
        recent.remember(real.clone()).unwrap();
        recent.remember(hostile.clone()).unwrap();
        assert_eq!(recent.list().len(), 2);
        assert_eq!(recent.get(&real.key()).unwrap().token, "real token");
        assert_eq!(recent.get(&hostile.key()).unwrap().token, "hostile token");
        assert_eq!(
            recent.elsewhere(&real.key()),
            std::slice::from_ref(&hostile)
        );
        // The same board on the same host is one entry, updated in place.
        recent
            .remember(RecentEntry {
                token: "rejoined".into(),
                ..real.clone()
            })
            .unwrap();
        assert_eq!(recent.list().len(), 2);
        assert_eq!(recent.get(&real.key()).unwrap().token, "rejoined");
        // A board taken over here replaces the entry it was on the old host under, and only that one.
        let here = RecentEntry {
            hosting: true,
            fingerprint: None,
            ..real.clone()
        };
        recent.replace(&real.key(), here.clone()).unwrap();
        let keys: Vec<RecentKey> = recent.list().into_iter().map(|b| b.key).collect();
        assert!(keys.contains(&here.key()) && keys.contains(&hostile.key()) && keys.len() == 2);
    }
}
