//! How the app's own process gives freed memory back to the system (Linux with glibc). By default glibc's `malloc`
//! keeps up to eight arenas per core, each holding on to what its threads freed, and raises its threshold for
//! mapping large blocks on their own each time such a block is freed, so that later large blocks (a board's
//! snapshot as JSON, the replica's pages, a page of events) come from the arenas and stay there once freed. So the
//! app asks for two arenas, large blocks always mapped on their own, and an arena's free top returned from 128 KiB
//! on. Measured with a 2,000-card board (`e2e/test_large_board.py`, docs/performance.md): the host's app process
//! went from 92–94 to ~81 MB after a long session, a member's from 75–77 to ~73 MB after a cold start. WebKit's
//! web process is left as it is: given the same settings (through `GLIBC_TUNABLES`) it was 3–10 MB smaller, but a
//! drag across the board painted slower in two runs of three (frame p95 16 → 25 ms), likely its painting mapping and
//! unmapping large blocks each frame.

/// Arenas `malloc` may use: the app's threads are few and mostly waiting.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENAS: i32 = 2;

/// Blocks from this size on are mapped on their own, and unmapped as soon as they are freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MAP_FROM: i32 = 128 * 1024;

/// Free memory at the top of an arena past this size goes back to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_FROM: i32 = 128 * 1024;

/// Applies the settings to this process's `malloc` (call first thing in `main`); whether glibc took every one
/// (false where there is no glibc).
pub fn configure() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        [
            (libc::M_ARENA_MAX, ARENAS),
            (libc::M_MMAP_THRESHOLD, MAP_FROM),
            (libc::M_TRIM_THRESHOLD, TRIM_FROM),
        ]
        .into_iter()
        .fold(true, |took, (param, value)| {
            // SAFETY: `mallopt` only changes the allocator's parameters; glibc answers 1 for each it takes.
            let taken = unsafe { libc::mallopt(param, value) } == 1;
            taken && took
        })
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    #[test]
    fn glibc_takes_every_setting() {
        assert!(configure(), "glibc refused a setting");
    }
}
