//! The lock on a data directory. `lanban-server` holds it while it serves, and the tasks that write a data
//! directory behind a server's back (`import`, `take-over`) take it while they run: run against a directory a
//! server is serving, they stop before writing anything and say so, instead of adding a board the running server
//! does not know of (its caches of boards, members and credentials are kept by its own writes). Two servers on one
//! data directory are refused the same way. The lock is the operating system's (`flock` on Unix, `LockFileEx` on
//! Windows) on the file `lock` in the directory, so it goes with the process however that ends, `kill -9` too.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The lock file's name in a data directory.
pub const LOCK_FILE: &str = "lock";

/// Why a data directory could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{} is in use by a running lanban-server (stop it first)", .dir.display())]
    InUse { dir: PathBuf },
    #[error("cannot lock {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A data directory locked by this process until the value is dropped.
#[derive(Debug)]
pub struct DataLock {
    _file: File,
}

impl DataLock {
    /// Locks `dir` (creating it, private to the user, if need be), or says that another process holds it.
    pub fn acquire(dir: &Path) -> Result<DataLock, LockError> {
        let path = dir.join(LOCK_FILE);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        lanban_client::private::create_dir(dir).map_err(io)?;
        let file = lanban_client::private::options(OpenOptions::new().create(true).write(true))
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(DataLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LockError::InUse {
                dir: dir.to_path_buf(),
            }),
            Err(TryLockError::Error(source)) => Err(io(source)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_directory_is_refused_until_its_lock_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let held = DataLock::acquire(&data).unwrap();
        assert!(data.join(LOCK_FILE).is_file());
        let refused = DataLock::acquire(&data).unwrap_err();
        assert!(matches!(&refused, LockError::InUse { dir } if *dir == data));
        assert!(
            refused
                .to_string()
                .contains("in use by a running lanban-server")
        );
        drop(held);
        DataLock::acquire(&data).unwrap();
    }
}
