//! A VFS over the platform's own (`unix`, `win32`) that hands a commit's WAL frames to the kernel in a few large
//! writes instead of two small ones per frame.
//!
//! SQLite writes each WAL frame as two writes (its 24-byte header, then its page): ~140 `pwrite`s per group commit
//! under load, 11 % of the server's CPU in the file system's per-write cost (docs/performance.md, step 12). Here a
//! WAL file's consecutive writes are gathered in memory and written together when anything else touches the file
//! (sync, read, truncate, size, close), when a write does not follow on or the buffer is full, and before the
//! connection takes or gives up a lock on the database's shared memory (the database file is wrapped for that).
//!
//! Why this keeps every guarantee, and why only at FULL: other connections (readers, the checkpointer, another
//! process) learn of new frames from the WAL index, which SQLite updates after the commit's frames are written,
//! and they read the frames from the file. At synchronous=FULL SQLite syncs the WAL before it updates the index,
//! and the sync writes what is gathered first, so no one can see a frame that is not in the file, and a commit is
//! answered after its frames are written and synced, as before. At NORMAL there is no sync at commit, so the index
//! could name frames still in memory here: a connection at NORMAL opens through [`PACED_NAME`], whose WAL files are
//! the platform's own (`open_connection` checks the level a gathering connection set). Frames that are never
//! committed (pages spilled by a transaction later rolled back) are written before the write lock is released, as SQLite itself would have written them, so they cannot land
//! on frames another writer commits after it. A WAL whose file does not promise power-safe overwrites (SQLite
//! then pads a commit to a sector, writing part of a frame after the sync) is not gathered at all.
//! A failed write is returned by the call that made it (a commit's sync: the commit fails, as for any failed
//! write), and what was gathered stays, to be written again by the next call.
//!
//! The database file of a connection using this VFS (either name) is wrapped too: for the locks above, and so that a
//! checkpoint's writes to it reach the disk a little at a time rather than in one burst that commits wait behind
//! (`pace`).

use std::ffi::{CStr, c_char, c_int, c_void};
use std::mem::{align_of, size_of};
use std::ptr;
use std::sync::OnceLock;

use rusqlite::ffi;

#[cfg(target_os = "linux")]
mod pace;

/// Elsewhere a checkpoint's writes go to the disk at its sync, as SQLite writes them.
#[cfg(not(target_os = "linux"))]
mod pace {
    pub(super) struct Pacer;
    impl Pacer {
        pub(super) unsafe fn open(_name: *const std::ffi::c_char) -> Pacer {
            Pacer
        }
        pub(super) fn wrote(&mut self, _len: usize) {}
        pub(super) fn synced(&mut self) {}
    }
}

/// The name connections open with to use this VFS.
pub(super) const NAME: &CStr = c"lanban-walbatch";

/// The same VFS without the WAL's gathering, for a connection that writes at NORMAL: its database file is still
/// wrapped, so its checkpoints are paced (`pace`).
pub(super) const PACED_NAME: &CStr = c"lanban-paced";

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
    /// False when the file does not promise power-safe overwrites: every write goes straight through.
    gathers: bool,
}

thread_local! {
    /// The WAL files of this thread with writes gathered. A connection runs on one thread at a time, and its
    /// WAL's writes, its commit and its release of the write lock happen within one call on that thread.
    static GATHERING: std::cell::RefCell<Vec<*mut ffi::sqlite3_file>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Drops what every WAL file of this thread has gathered.
fn drop_thread() {
    let files: Vec<_> = GATHERING.with(|g| std::mem::take(&mut *g.borrow_mut()));
    for file in files {
        // SAFETY: a file is listed only while it is open and has writes gathered (`close` unlists it).
        unsafe { parts(file).0.gathered.clear() };
    }
}

/// Writes what every WAL file of this thread has gathered; the first failure's code.
fn flush_thread() -> c_int {
    let files: Vec<_> = GATHERING.with(|g| g.borrow().clone());
    let mut result = ffi::SQLITE_OK;
    for file in files {
        // SAFETY: a file is listed only while it is open and has writes gathered (`close` unlists it).
        let rc = unsafe { flush(file) };
        if result == ffi::SQLITE_OK {
            result = rc;
        }
    }
    result
}

/// Where the platform's file begins inside a file's allocation (a multiple of 16 past our part).
const REAL_OFFSET: usize = size_of::<WalFile>().div_ceil(16) * 16;
const _: () = assert!(size_of::<DbFile>() <= REAL_OFFSET);
const _: () = assert!(align_of::<WalFile>() <= 8 && align_of::<DbFile>() <= 8); // SQLite aligns to 8

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
                for name in [NAME, PACED_NAME] {
                    let mut vfs = ptr::read(platform);
                    vfs.szOsFile = size;
                    vfs.pNext = ptr::null_mut();
                    vfs.zName = name.as_ptr();
                    vfs.xOpen = Some(open);
                    let vfs = Box::leak(Box::new(vfs));
                    match ffi::sqlite3_vfs_register(vfs, 0) {
                        ffi::SQLITE_OK => {}
                        rc => return Err(format!("sqlite3_vfs_register failed with {rc}")),
                    }
                }
                Ok(())
            }
        })
        .clone()
}

fn platform() -> *mut ffi::sqlite3_vfs {
    PLATFORM.get().map_or(ptr::null_mut(), |p| p.0)
}

/// Opens a file: the main database file wrapped, a WAL file wrapped for [`NAME`] (gathering), anything else the
/// platform's own in place.
unsafe extern "C" fn open(
    vfs: *mut ffi::sqlite3_vfs,
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
        let wal = flags & ffi::SQLITE_OPEN_WAL != 0;
        // SAFETY: `vfs` is one of the two registered in `register`, whose names are static strings.
        let gathers = !vfs.is_null() && CStr::from_ptr((*vfs).zName) == NAME;
        if (wal && !gathers) || (!wal && flags & ffi::SQLITE_OPEN_MAIN_DB == 0) {
            return platform_open(platform, name, file, flags, out_flags);
        }
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
        if !wal {
            ptr::write(file.cast::<DbFile>(), DbFile::new(real, name));
            return ffi::SQLITE_OK;
        }
        let characteristics = (*(*real).pMethods)
            .xDeviceCharacteristics
            .map_or(0, |f| f(real));
        ptr::write(
            file.cast::<WalFile>(),
            WalFile {
                base: ffi::sqlite3_file {
                    pMethods: &WAL_METHODS,
                },
                real,
                gathered: Vec::new(),
                offset: 0,
                gathers: characteristics & ffi::SQLITE_IOCAP_POWERSAFE_OVERWRITE != 0,
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
    // SAFETY: per this function's contract, `file` begins with a `WalFile` (and so suits `platform_file`).
    unsafe {
        let (real, methods) = platform_file(file);
        (&mut *file.cast::<WalFile>(), real, methods)
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
            return ffi::SQLITE_IOERR_WRITE;
        };
        let rc = platform_write(
            real,
            ours.gathered.as_ptr().cast::<c_void>(),
            ours.gathered.len() as c_int,
            ours.offset,
        );
        if rc == ffi::SQLITE_OK {
            ours.gathered.clear();
            GATHERING.with(|g| g.borrow_mut().retain(|f| *f != file));
        }
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
        if len > CAPACITY || !ours.gathers {
            return match methods.xWrite {
                Some(platform_write) => platform_write(real, data, amount, offset),
                None => ffi::SQLITE_IOERR_WRITE,
            };
        }
        if ours.gathered.is_empty() {
            ours.offset = offset;
            ours.gathered.reserve(CAPACITY);
            GATHERING.with(|g| g.borrow_mut().push(file));
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
        GATHERING.with(|g| g.borrow_mut().retain(|f| *f != file));
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

/// The platform's file behind one `open` wrapped, and its methods (a `WalFile` and a `DbFile` both begin with
/// `base`, then `real`).
///
/// # Safety
/// `file` is a file `open` wrapped and not yet closed.
unsafe fn platform_file<'a>(
    file: *mut ffi::sqlite3_file,
) -> (*mut ffi::sqlite3_file, &'a ffi::sqlite3_io_methods) {
    // SAFETY: per this function's contract; `real` is at the same offset in both kinds (`repr(C)`).
    unsafe {
        let real = (*file.cast::<DbFile>()).real;
        (real, &*(*real).pMethods)
    }
}

/// Defines a method that calls the platform's, leaving what is gathered (for either kind of file).
macro_rules! passed_on {
    ($name:ident, $method:ident, $missing:expr, ($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        unsafe extern "C" fn $name(file: *mut ffi::sqlite3_file $(, $arg: $ty)*) -> $ret {
            // SAFETY: SQLite calls this on a file `open` wrapped.
            unsafe {
                let (real, methods) = platform_file(file);
                match methods.$method {
                    Some(f) => f(real $(, $arg)*),
                    None => $missing,
                }
            }
        }
    };
}

// The database file's wrapper (after the macros, which it uses).
mod db;
use db::DbFile;

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
        let (real, methods) = platform_file(file);
        if let Some(f) = methods.xShmBarrier {
            f(real);
        }
    }
}

#[cfg(test)]
mod tests;
