//! The database file of a connection using this VFS: the platform's own methods, but for the locks on its shared
//! memory (releasing one first writes what this thread's WAL files have gathered) and for its writes and syncs, which
//! pace a checkpoint's writes to the disk (`pace`).

use std::ffi::{c_char, c_int, c_void};
use std::ptr;

use rusqlite::ffi;

use super::pace::Pacer;
use super::{
    check_reserved_lock, device_characteristics, drop_thread, flush_thread, lock, platform_file,
    sector_size, shm_barrier, shm_map, shm_unmap, unfetch, unlock,
};

/// The database file of a connection using this VFS: the platform's file, our methods for its shared memory, and
/// the pacing of the checkpoints it is written by.
#[repr(C)]
pub(super) struct DbFile {
    base: ffi::sqlite3_file,
    /// The platform's file, inside the same allocation (read by `platform_file`).
    pub(super) real: *mut ffi::sqlite3_file,
    pacer: Pacer,
}

impl DbFile {
    /// Our part of a database file SQLite opened as `name`, over the platform's file `real`.
    ///
    /// # Safety
    /// `name` is null or a nul-terminated string valid for the call.
    pub(super) unsafe fn new(real: *mut ffi::sqlite3_file, name: *const c_char) -> DbFile {
        DbFile {
            base: ffi::sqlite3_file {
                pMethods: &DB_METHODS,
            },
            real,
            // SAFETY: per this function's contract.
            pacer: unsafe { Pacer::open(name) },
        }
    }
}

passed_on!(db_read, xRead, ffi::SQLITE_IOERR_READ,
    (buf: *mut c_void, amount: c_int, offset: ffi::sqlite3_int64) -> c_int);
passed_on!(db_write_through, xWrite, ffi::SQLITE_IOERR_WRITE,
    (buf: *const c_void, amount: c_int, offset: ffi::sqlite3_int64) -> c_int);
passed_on!(db_truncate, xTruncate, ffi::SQLITE_IOERR_TRUNCATE, (size: ffi::sqlite3_int64) -> c_int);
passed_on!(db_sync_through, xSync, ffi::SQLITE_IOERR_FSYNC, (flags: c_int) -> c_int);

/// Writes to the database file (only checkpoints do, in WAL mode), paced.
unsafe extern "C" fn db_write(
    file: *mut ffi::sqlite3_file,
    data: *const c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: SQLite calls this on a database file `open` wrapped, which begins with a `DbFile`.
    unsafe {
        let rc = db_write_through(file, data, amount, offset);
        if rc == ffi::SQLITE_OK {
            (*file.cast::<DbFile>())
                .pacer
                .wrote(usize::try_from(amount).unwrap_or(0));
        }
        rc
    }
}

/// Syncs the database file: the end of a checkpoint's pass.
unsafe extern "C" fn db_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: SQLite calls this on a database file `open` wrapped, which begins with a `DbFile`.
    unsafe {
        let rc = db_sync_through(file, flags);
        (*file.cast::<DbFile>()).pacer.synced();
        rc
    }
}
passed_on!(db_file_size, xFileSize, ffi::SQLITE_IOERR_FSTAT, (size: *mut ffi::sqlite3_int64) -> c_int);
passed_on!(db_file_control, xFileControl, ffi::SQLITE_NOTFOUND, (op: c_int, arg: *mut c_void) -> c_int);
passed_on!(db_fetch, xFetch, ffi::SQLITE_OK,
    (offset: ffi::sqlite3_int64, amount: c_int, pp: *mut *mut c_void) -> c_int);

unsafe extern "C" fn db_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite closes a file once; after this it is not used again, so our part is dropped here.
    unsafe {
        let (real, methods) = platform_file(file);
        let closed = methods.xClose.map_or(ffi::SQLITE_OK, |f| f(real));
        ptr::drop_in_place(file.cast::<DbFile>());
        (*file).pMethods = ptr::null();
        closed
    }
}

/// Before a lock on the shared memory is released (the WAL's write lock among them), the WAL writes this thread
/// has gathered are written, as SQLite would have written them before: otherwise frames of a transaction rolled
/// back after spilling pages could be written after another writer has committed frames where they go. If they
/// cannot be written they are dropped: at FULL a commit's frames were written at its sync, so what is left when a
/// lock is released was never committed.
unsafe extern "C" fn db_shm_lock(
    file: *mut ffi::sqlite3_file,
    offset: c_int,
    n: c_int,
    flags: c_int,
) -> c_int {
    // SAFETY: SQLite calls this on a file `open` wrapped.
    unsafe {
        if flags & ffi::SQLITE_SHM_UNLOCK != 0 && flush_thread() != ffi::SQLITE_OK {
            drop_thread();
        }
        let (real, methods) = platform_file(file);
        match methods.xShmLock {
            Some(f) => f(real, offset, n, flags),
            None => ffi::SQLITE_IOERR_SHMLOCK,
        }
    }
}

static DB_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(db_close),
    xRead: Some(db_read),
    xWrite: Some(db_write),
    xTruncate: Some(db_truncate),
    xSync: Some(db_sync),
    xFileSize: Some(db_file_size),
    xLock: Some(lock),
    xUnlock: Some(unlock),
    xCheckReservedLock: Some(check_reserved_lock),
    xFileControl: Some(db_file_control),
    xSectorSize: Some(sector_size),
    xDeviceCharacteristics: Some(device_characteristics),
    xShmMap: Some(shm_map),
    xShmLock: Some(db_shm_lock),
    xShmBarrier: Some(shm_barrier),
    xShmUnmap: Some(shm_unmap),
    xFetch: Some(db_fetch),
    xUnfetch: Some(unfetch),
};
