//! A VFS over the platform's own (`unix`, `win32`) that hands a commit's WAL frames to the kernel in a few large
//! writes instead of two small ones per frame.
//!
//! SQLite writes each WAL frame as two writes: its 24-byte header, then its page. A commit of ~70 frames (a group
//! of ~24 changes under load) was ~140 `pwrite`s, each paying the file system's per-write cost (a page lookup,
//! locking and dirtying, the file's times) for a few bytes; at saturation they were 11 % of the server's CPU
//! (docs/performance.md, step 12). Here the WAL file's writes that follow one another are gathered in memory and
//! written together when anything else touches the file: its sync (every commit at synchronous=FULL), a read, a
//! truncate, its size, a file control, or its close; or when the next write does not follow on, or the buffer
//! is full. Every other file (the database, its shared memory) is the platform's own, untouched.
//!
//! Why this keeps every guarantee, and why only at FULL: other connections (readers, the checkpointer) learn of
//! new frames from the WAL index, which SQLite updates after the commit's frames are written, and they read the
//! frames from the file. At synchronous=FULL SQLite syncs the WAL before it updates the index, and the sync
//! writes what is gathered first, so no one can see a frame that is not in the file, and a commit is answered
//! after its frames are written and synced, as before. At NORMAL there is no sync at commit, so the index could
//! name frames still in memory here: a connection at NORMAL uses the platform's VFS (see `open_connection`).
//! A failed write is returned by the call that made it (the sync of a commit: the commit fails and SQLite rolls
//! it back, as for any failed write); what was gathered is dropped with it.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::mem::{align_of, size_of};
use std::ptr;
use std::sync::OnceLock;

use rusqlite::ffi;

/// The name connections open with to use this VFS.
pub(super) const NAME: &CStr = c"lanban-walbatch";

/// The most gathered before it is written: below the 128 KiB SQLite's unix VFS takes in one write.
const CAPACITY: usize = 120 * 1024;

/// A WAL file opened through this VFS: what is gathered, then the platform's file (at [`REAL_OFFSET`]).
#[repr(C)]
struct WalFile {
    /// SQLite's view: points at [`WAL_METHODS`].
    base: ffi::sqlite3_file,
    /// The platform's file, inside the same allocation.
    real: *mut ffi::sqlite3_file,
    /// Writes that follow one another, not yet handed to the platform's file.
    gathered: Vec<u8>,
    /// Where in the file `gathered` begins.
    offset: i64,
}

/// Where the platform's file begins inside a file's allocation (a multiple of 16 past our part).
const REAL_OFFSET: usize = size_of::<WalFile>().div_ceil(16) * 16;

/// The platform's VFS, found once.
struct Platform(*mut ffi::sqlite3_vfs);
// SAFETY: the platform's VFS is a static object of SQLite's, used from any thread by design.
unsafe impl Send for Platform {}
unsafe impl Sync for Platform {}

static PLATFORM: OnceLock<Platform> = OnceLock::new();
static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();

/// Registers the VFS with SQLite (once per process); an error names why it could not be.
pub(super) fn register() -> Result<(), String> {
    REGISTERED
        .get_or_init(|| {
            // SAFETY: `sqlite3_vfs_find(NULL)` returns SQLite's default VFS (or null), which lives as long as the
            // process; the VFS registered here is leaked, so it lives as long as well, and is a copy of it in
            // every field but the ones this module sets.
            unsafe {
                let platform = ffi::sqlite3_vfs_find(ptr::null());
                if platform.is_null() {
                    return Err("SQLite has no default VFS".to_owned());
                }
                let Some(size) = usize::try_from((*platform).szOsFile)
                    .ok()
                    .and_then(|size| size.checked_add(REAL_OFFSET))
                    .and_then(|size| c_int::try_from(size).ok())
                else {
                    return Err("the default VFS's file size is out of range".to_owned());
                };
                let _ = PLATFORM.set(Platform(platform));
                let mut vfs = ptr::read(platform);
                vfs.szOsFile = size;
                vfs.pNext = ptr::null_mut();
                vfs.zName = NAME.as_ptr();
                vfs.xOpen = Some(open);
                let vfs = Box::leak(Box::new(vfs));
                match ffi::sqlite3_vfs_register(vfs, 0) {
                    ffi::SQLITE_OK => Ok(()),
                    rc => Err(format!("sqlite3_vfs_register failed with {rc}")),
                }
            }
        })
        .clone()
}

fn platform() -> *mut ffi::sqlite3_vfs {
    PLATFORM.get().map_or(ptr::null_mut(), |p| p.0)
}

/// Opens a file: a WAL file wrapped, anything else the platform's own in place.
unsafe extern "C" fn open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let platform = platform();
    // SAFETY: `register` set the platform before this VFS could be found; SQLite gives `file` as an allocation
    // of `szOsFile` bytes (the platform's size plus `REAL_OFFSET`), aligned for any of its file objects.
    unsafe {
        let Some(platform_open) = platform.as_ref().and_then(|p| p.xOpen) else {
            (*file).pMethods = ptr::null();
            return ffi::SQLITE_CANTOPEN;
        };
        if flags & ffi::SQLITE_OPEN_WAL == 0 {
            return platform_open(platform, name, file, flags, out_flags);
        }
        debug_assert!(align_of::<WalFile>() <= 16);
        let real = file
            .cast::<u8>()
            .add(REAL_OFFSET)
            .cast::<ffi::sqlite3_file>();
        let rc = platform_open(platform, name, real, flags, out_flags);
        if rc != ffi::SQLITE_OK || (*real).pMethods.is_null() {
            (*file).pMethods = ptr::null();
            return if rc == ffi::SQLITE_OK {
                ffi::SQLITE_CANTOPEN
            } else {
                rc
            };
        }
        ptr::write(
            file.cast::<WalFile>(),
            WalFile {
                base: ffi::sqlite3_file {
                    pMethods: &WAL_METHODS,
                },
                real,
                gathered: Vec::new(),
                offset: 0,
            },
        );
        ffi::SQLITE_OK
    }
}

static WAL_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(close),
    xRead: Some(read),
    xWrite: Some(write),
    xTruncate: Some(truncate),
    xSync: Some(sync),
    xFileSize: Some(file_size),
    xLock: Some(lock),
    xUnlock: Some(unlock),
    xCheckReservedLock: Some(check_reserved_lock),
    xFileControl: Some(file_control),
    xSectorSize: Some(sector_size),
    xDeviceCharacteristics: Some(device_characteristics),
    xShmMap: Some(shm_map),
    xShmLock: Some(shm_lock),
    xShmBarrier: Some(shm_barrier),
    xShmUnmap: Some(shm_unmap),
    xFetch: Some(fetch),
    xUnfetch: Some(unfetch),
};

/// Our part of a WAL file, and the platform's file with its methods.
///
/// # Safety
/// `file` is a WAL file `open` wrapped and not yet closed.
unsafe fn parts<'a>(
    file: *mut ffi::sqlite3_file,
) -> (
    &'a mut WalFile,
    *mut ffi::sqlite3_file,
    &'a ffi::sqlite3_io_methods,
) {
    // SAFETY: per this function's contract, `file` begins with a `WalFile` whose `real` is an open file of the
    // platform's, whose methods outlive it.
    unsafe {
        let ours = &mut *file.cast::<WalFile>();
        let real = ours.real;
        let methods = &*(*real).pMethods;
        (ours, real, methods)
    }
}

/// Writes what is gathered; SQLite's result code.
///
/// # Safety
/// As [`parts`].
unsafe fn flush(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: as `parts`; `gathered` is at most `CAPACITY` bytes, which fits in a `c_int`.
    unsafe {
        let (ours, real, methods) = parts(file);
        if ours.gathered.is_empty() {
            return ffi::SQLITE_OK;
        }
        let Some(platform_write) = methods.xWrite else {
            ours.gathered.clear();
            return ffi::SQLITE_IOERR_WRITE;
        };
        let rc = platform_write(
            real,
            ours.gathered.as_ptr().cast::<c_void>(),
            ours.gathered.len() as c_int,
            ours.offset,
        );
        ours.gathered.clear();
        rc
    }
}

unsafe extern "C" fn write(
    file: *mut ffi::sqlite3_file,
    data: *const c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: SQLite calls this on a file `open` wrapped, with `amount` readable bytes at `data`.
    unsafe {
        let Ok(len) = usize::try_from(amount) else {
            return ffi::SQLITE_IOERR_WRITE;
        };
        let (ours, real, methods) = parts(file);
        let follows = ours.offset + ours.gathered.len() as i64 == offset;
        if !ours.gathered.is_empty() && (!follows || ours.gathered.len() + len > CAPACITY) {
            let rc = flush(file);
            if rc != ffi::SQLITE_OK {
                return rc;
            }
        }
        let (ours, _, _) = parts(file);
        if len > CAPACITY {
            return match methods.xWrite {
                Some(platform_write) => platform_write(real, data, amount, offset),
                None => ffi::SQLITE_IOERR_WRITE,
            };
        }
        if ours.gathered.is_empty() {
            ours.offset = offset;
            ours.gathered.reserve(CAPACITY);
        }
        ours.gathered
            .extend_from_slice(std::slice::from_raw_parts(data.cast::<u8>(), len));
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite closes a file once; after this it is not used again, so our part is dropped here.
    unsafe {
        let flushed = flush(file);
        let (_, real, methods) = parts(file);
        let closed = methods.xClose.map_or(ffi::SQLITE_OK, |f| f(real));
        ptr::drop_in_place(file.cast::<WalFile>());
        (*file).pMethods = ptr::null();
        if flushed != ffi::SQLITE_OK {
            flushed
        } else {
            closed
        }
    }
}

/// Defines a method that writes what is gathered, then calls the platform's (`$missing` if it has none).
macro_rules! flushed_then {
    ($name:ident, $method:ident, $missing:expr, ($($arg:ident: $ty:ty),*)) => {
        unsafe extern "C" fn $name(file: *mut ffi::sqlite3_file $(, $arg: $ty)*) -> c_int {
            // SAFETY: SQLite calls this on a file `open` wrapped.
            unsafe {
                let rc = flush(file);
                if rc != ffi::SQLITE_OK {
                    return rc;
                }
                let (_, real, methods) = parts(file);
                match methods.$method {
                    Some(f) => f(real $(, $arg)*),
                    None => $missing,
                }
            }
        }
    };
}

/// Defines a method that calls the platform's, leaving what is gathered.
macro_rules! passed_on {
    ($name:ident, $method:ident, $missing:expr, ($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        unsafe extern "C" fn $name(file: *mut ffi::sqlite3_file $(, $arg: $ty)*) -> $ret {
            // SAFETY: SQLite calls this on a file `open` wrapped.
            unsafe {
                let (_, real, methods) = parts(file);
                match methods.$method {
                    Some(f) => f(real $(, $arg)*),
                    None => $missing,
                }
            }
        }
    };
}

flushed_then!(read, xRead, ffi::SQLITE_IOERR_READ,
    (buf: *mut c_void, amount: c_int, offset: ffi::sqlite3_int64));
flushed_then!(truncate, xTruncate, ffi::SQLITE_IOERR_TRUNCATE, (size: ffi::sqlite3_int64));
flushed_then!(sync, xSync, ffi::SQLITE_IOERR_FSYNC, (flags: c_int));
flushed_then!(file_size, xFileSize, ffi::SQLITE_IOERR_FSTAT, (size: *mut ffi::sqlite3_int64));
flushed_then!(file_control, xFileControl, ffi::SQLITE_NOTFOUND, (op: c_int, arg: *mut c_void));
passed_on!(lock, xLock, ffi::SQLITE_OK, (level: c_int) -> c_int);
passed_on!(unlock, xUnlock, ffi::SQLITE_OK, (level: c_int) -> c_int);
passed_on!(check_reserved_lock, xCheckReservedLock, ffi::SQLITE_OK, (out: *mut c_int) -> c_int);
passed_on!(sector_size, xSectorSize, 4096, () -> c_int);
passed_on!(device_characteristics, xDeviceCharacteristics, 0, () -> c_int);
passed_on!(shm_map, xShmMap, ffi::SQLITE_IOERR_SHMMAP,
    (page: c_int, size: c_int, extend: c_int, pp: *mut *mut c_void) -> c_int);
passed_on!(shm_lock, xShmLock, ffi::SQLITE_IOERR_SHMLOCK,
    (offset: c_int, n: c_int, flags: c_int) -> c_int);
passed_on!(shm_unmap, xShmUnmap, ffi::SQLITE_OK, (delete: c_int) -> c_int);
passed_on!(unfetch, xUnfetch, ffi::SQLITE_OK,
    (offset: ffi::sqlite3_int64, page: *mut c_void) -> c_int);

unsafe extern "C" fn fetch(
    file: *mut ffi::sqlite3_file,
    offset: ffi::sqlite3_int64,
    amount: c_int,
    pp: *mut *mut c_void,
) -> c_int {
    // SAFETY: SQLite calls this on a file `open` wrapped, with `pp` writable.
    unsafe {
        let rc = flush(file);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        let (_, real, methods) = parts(file);
        match methods.xFetch {
            Some(f) => f(real, offset, amount, pp),
            None => {
                // No memory mapping: SQLite reads the page instead.
                *pp = ptr::null_mut();
                ffi::SQLITE_OK
            }
        }
    }
}

unsafe extern "C" fn shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: SQLite calls this on a file `open` wrapped.
    unsafe {
        // A barrier has no result to report a failed write with; the sync reports it.
        let _ = flush(file);
        let (_, real, methods) = parts(file);
        if let Some(f) = methods.xShmBarrier {
            f(real);
        }
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, ffi};

    use super::NAME;
    use crate::config::Synchronous;
    use crate::store::open_connection;

    /// The name of the VFS `conn`'s main database was opened with.
    fn vfs_of(conn: &Connection) -> String {
        let mut vfs: *mut ffi::sqlite3_vfs = std::ptr::null_mut();
        // SAFETY: SQLITE_FCNTL_VFS_POINTER writes the VFS's pointer, which lives as long as the process.
        unsafe {
            let rc = ffi::sqlite3_file_control(
                conn.handle(),
                c"main".as_ptr(),
                ffi::SQLITE_FCNTL_VFS_POINTER,
                (&raw mut vfs).cast(),
            );
            assert_eq!(rc, ffi::SQLITE_OK);
            std::ffi::CStr::from_ptr((*vfs).zName)
                .to_string_lossy()
                .into_owned()
        }
    }

    fn count(conn: &Connection) -> (i64, i64) {
        conn.query_row(
            "SELECT count(*), coalesce(sum(length(body)), 0) FROM t",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("count")
    }

    #[test]
    fn every_commit_is_in_the_file_before_another_connection_can_see_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("walbatch.sqlite");
        let writer = open_connection(&path, false, Synchronous::Full).expect("writer");
        assert_eq!(vfs_of(&writer), NAME.to_string_lossy());
        writer
            .execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY, body BLOB NOT NULL)")
            .expect("table");
        let reader = open_connection(&path, true, Synchronous::Full).expect("reader");
        // At NORMAL a connection keeps the platform's VFS (nothing syncs the WAL at its commits).
        let normal = open_connection(&path, false, Synchronous::Normal).expect("normal");
        assert_ne!(vfs_of(&normal), NAME.to_string_lossy());
        let mut rows = 0;
        for round in 0..60_i64 {
            // From one page to past the buffer's capacity (~30 pages) in one commit.
            let n = 1 + (round % 12) * 4;
            let tx = writer.unchecked_transaction().expect("begin");
            for _ in 0..n {
                tx.execute("INSERT INTO t (body) VALUES (randomblob(3000))", [])
                    .expect("insert");
            }
            tx.commit().expect("commit");
            rows += n;
            assert_eq!(count(&reader), (rows, rows * 3000), "round {round}");
            if round % 20 == 19 {
                // Another connection copies the WAL back and starts it over; the writer's next frames go to
                // its beginning again.
                let busy: i64 = normal
                    .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
                    .expect("checkpoint");
                assert_eq!(busy, 0);
            }
        }
        drop((writer, reader, normal));
        let again = open_connection(&path, false, Synchronous::Full).expect("reopen");
        assert_eq!(count(&again), (rows, rows * 3000));
        let check: String = again
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity check");
        assert_eq!(check, "ok");
    }
}
