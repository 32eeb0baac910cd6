//! A checkpoint's writes to the database file handed to the disk as they go, a little at a time (Linux).
//!
//! A checkpoint copies pages from the WAL into the database file: writes into the kernel's page cache, then one
//! sync of the database file when the pass ends. Left to that sync, a pass's pages went to the disk in one burst, and
//! a commit syncing the WAL meanwhile waited behind all of them: at 1,000 changes/s those commits were the p99
//! (docs/performance.md, session 18). Here, each time a connection has written [`CHUNK`] bytes more to its database
//! file, it waits for the writes it handed to the disk before to be done, then hands it what it wrote since
//! (`sync_file_range`): only about one chunk of a checkpoint is ever ahead of a commit in the disk's queue.
//!
//! Nothing changes about what is durable when: the pass's own sync still follows its writes before SQLite may
//! reuse the WAL. The waits and writes here run on a descriptor of our own, so a write error they meet is still
//! reported to SQLite's sync (Linux reports a writeback error to every open descriptor of the file).
//!
//! Each wait is a switch away from the server's thread, and under saturation a pass copies megabytes: the chunk grows
//! with the pass (a quarter of what it has written), so a large pass waits a few dozen times, not thousands. A disk
//! that takes longer than [`SLOW`] to finish a chunk (a spinning one) pauses the pacing for [`PAUSE`]: the pass's
//! sync writes everything, as before. Where `sync_file_range` fails (a file system without it) pacing stops.

use std::ffi::{CStr, c_char};
use std::time::{Duration, Instant};

/// Bytes written between two hand-overs to the disk, at least (32 KiB: 16, 32 and 64 measured alike).
const CHUNK: usize = 32 * 1024;

/// A hand-over slower than this means a disk for which waiting chunk by chunk costs more than bursts do.
const SLOW: Duration = Duration::from_millis(5);

/// How long pacing stops after a slow hand-over.
const PAUSE: Duration = Duration::from_secs(10);

/// How many bytes a pass writes before its next hand-over, once it has written `pass` bytes.
fn chunk_after(pass: usize) -> usize {
    CHUNK.max(pass / 4)
}

/// One database file's pacing: our own read-only descriptor of the file, and what was written since the last
/// hand-over and since the last sync.
pub(super) struct Pacer {
    /// Our descriptor, or -1 when there is no pacing (none could be opened, or `sync_file_range` failed).
    fd: libc::c_int,
    /// Bytes written since the last hand-over.
    pending: usize,
    /// Bytes written since the file's last sync (the current pass).
    pass: usize,
    /// Pacing is paused until then, after a slow hand-over.
    paused_until: Option<Instant>,
    /// Hand-overs so far (for tests).
    handed: u64,
}

impl Pacer {
    /// Paces writes to the file SQLite opened as `name` (a path); no pacing if `name` is null or cannot be opened.
    ///
    /// # Safety
    /// `name` is null or a nul-terminated string (SQLite's file name, valid for the call).
    pub(super) unsafe fn open(name: *const c_char) -> Pacer {
        let fd = if name.is_null() {
            -1
        } else {
            // SAFETY: per this function's contract.
            let path = unsafe { CStr::from_ptr(name) };
            // SAFETY: `path` is nul-terminated; the descriptor returned is ours, closed in `drop`.
            unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) }
        };
        Pacer {
            fd: fd.max(-1),
            pending: 0,
            pass: 0,
            paused_until: None,
            handed: 0,
        }
    }

    /// Counts `len` bytes just written to the file; hands what was written to the disk once a chunk is reached.
    pub(super) fn wrote(&mut self, len: usize) {
        if self.fd < 0 {
            return;
        }
        self.pending += len;
        self.pass += len;
        if self.pending < chunk_after(self.pass - self.pending) {
            return;
        }
        self.pending = 0;
        let now = Instant::now();
        if self.paused_until.is_some_and(|until| now < until) {
            return;
        }
        // SAFETY: `fd` is our own open descriptor. Offset 0 and length 0 mean the whole file.
        let rc = unsafe {
            libc::sync_file_range(
                self.fd,
                0,
                0,
                libc::SYNC_FILE_RANGE_WAIT_BEFORE | libc::SYNC_FILE_RANGE_WRITE,
            )
        };
        if rc != 0 {
            let err = std::io::Error::last_os_error();
            tracing::debug!(error = %err, "checkpoint writes are no longer paced");
            self.close();
            return;
        }
        self.handed += 1;
        self.paused_until = (now.elapsed() > SLOW).then(|| Instant::now() + PAUSE);
    }

    /// The file was synced: a new pass begins.
    pub(super) fn synced(&mut self) {
        self.pending = 0;
        self.pass = 0;
    }

    /// Hand-overs so far.
    #[cfg(test)]
    pub(super) fn handed(&self) -> u64 {
        self.handed
    }

    fn close(&mut self) {
        if self.fd >= 0 {
            // SAFETY: `fd` is our own open descriptor, closed once (set to -1 right after).
            unsafe { libc::close(self.fd) };
            self.fd = -1;
        }
    }
}

impl Drop for Pacer {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn a_pass_is_handed_over_in_chunks_that_grow_with_it() {
        assert_eq!(chunk_after(0), CHUNK);
        assert_eq!(chunk_after(4 * CHUNK), CHUNK);
        assert_eq!(chunk_after(40 * CHUNK), 10 * CHUNK);
        // A pass of 256 MiB in 4 KiB pages is handed over a few dozen times, not once per chunk.
        let (mut written, mut since, mut handed) = (0usize, 0usize, 0);
        while written < 256 << 20 {
            written += 4096;
            since += 4096;
            if since >= chunk_after(written - since) {
                since = 0;
                handed += 1;
            }
        }
        assert!((8..=64).contains(&handed), "{handed} hand-overs");
    }

    #[test]
    fn writes_to_a_real_file_are_handed_to_the_disk_and_the_pass_starts_over_at_a_sync() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("db");
        let mut file = std::fs::File::create(&path).expect("create");
        let name = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("path");
        // SAFETY: `name` is a nul-terminated path.
        let mut pacer = unsafe { Pacer::open(name.as_ptr()) };
        assert!(pacer.fd >= 0, "our descriptor is open");
        let page = [7u8; 4096];
        for _ in 0..64 {
            file.write_all(&page).expect("write");
            pacer.wrote(page.len());
        }
        // 256 KiB in 32 KiB chunks, the last ones a quarter of what the pass had written.
        assert!(pacer.handed() >= 4, "{} hand-overs", pacer.handed());
        assert!(pacer.fd >= 0, "sync_file_range works here");
        file.sync_all().expect("sync");
        pacer.synced();
        assert_eq!((pacer.pending, pacer.pass), (0, 0));
        // SAFETY: a null name means no file.
        let none = unsafe { Pacer::open(std::ptr::null()) };
        assert_eq!(none.fd, -1);
    }
}
