//! Files and directories only the current user can open. Member tokens, board copies and keys live on the user's
//! disk, and other users of the same computer must not be able to read them: on Unix that is mode 0o700 or 0o600, on
//! Windows a protected access list with one entry for the user, inherited by whatever is later created inside a
//! private directory (such as SQLite's `-wal` and `-shm` files).

use std::fs::OpenOptions;
use std::io;
use std::path::Path;

/// Creates `dir` and any missing parents, then makes `dir` private: only the current user can list, read or change
/// what is inside, and on Windows files created in it later inherit that.
///
/// On Unix missing parents are created owner-only too, so the directory is never reachable with wider permissions.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    imp::create_dir(dir)
}

/// Makes the existing file at `path` readable and writable by the current user alone.
pub fn restrict(path: &Path) -> io::Result<()> {
    imp::restrict(path)
}

/// Sets `options` to create a file private from the start where the OS allows it (Unix: mode 0o600, so there is no
/// moment when others could open it). Elsewhere `options` is unchanged, and the caller calls [`restrict`] once the
/// file exists.
pub fn options(options: &mut OpenOptions) -> &mut OpenOptions {
    imp::options(options)
}

/// Whether only the current user can open `path`: on Unix no group or other permission bits; on Windows a protected
/// access list whose every entry allows the current user. For tests on each OS.
pub fn is_private(path: &Path) -> io::Result<bool> {
    imp::is_private(path)
}

#[cfg(unix)]
mod imp {
    use std::fs::{DirBuilder, OpenOptions, Permissions};
    use std::io;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    use std::path::Path;

    pub(super) fn create_dir(dir: &Path) -> io::Result<()> {
        DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        // The directory may have existed with wider permissions, and the umask may have narrowed the mode above.
        std::fs::set_permissions(dir, Permissions::from_mode(0o700))
    }

    pub(super) fn restrict(path: &Path) -> io::Result<()> {
        std::fs::set_permissions(path, Permissions::from_mode(0o600))
    }

    pub(super) fn options(options: &mut OpenOptions) -> &mut OpenOptions {
        options.mode(0o600)
    }

    pub(super) fn is_private(path: &Path) -> io::Result<bool> {
        Ok(std::fs::metadata(path)?.permissions().mode() & 0o077 == 0)
    }
}

#[cfg(windows)]
mod imp {
    use std::ffi::c_void;
    use std::fs::OpenOptions;
    use std::io;
    use std::os::windows::ffi::OsStrExt;
    use std::path::Path;
    use std::ptr;

    use windows_sys::Win32::Foundation::{
        CloseHandle, ERROR_INSUFFICIENT_BUFFER, ERROR_SUCCESS, HANDLE, HLOCAL, LocalFree,
        WIN32_ERROR,
    };
    use windows_sys::Win32::Security::Authorization::{
        ConvertSidToStringSidW, ConvertStringSecurityDescriptorToSecurityDescriptorW,
        GetNamedSecurityInfoW, SDDL_REVISION_1, SE_FILE_OBJECT, SetNamedSecurityInfoW,
    };
    use windows_sys::Win32::Security::{
        ACCESS_ALLOWED_ACE, ACE_HEADER, ACL, ACL_SIZE_INFORMATION, AclSizeInformation,
        DACL_SECURITY_INFORMATION, EqualSid, GetAce, GetAclInformation,
        GetSecurityDescriptorControl, GetSecurityDescriptorDacl, GetTokenInformation,
        PROTECTED_DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, SE_DACL_PROTECTED,
        TOKEN_QUERY, TOKEN_USER, TokenUser,
    };
    use windows_sys::Win32::System::SystemServices::ACCESS_ALLOWED_ACE_TYPE;
    use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

    pub(super) fn create_dir(dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        protect(dir)
    }

    pub(super) fn restrict(path: &Path) -> io::Result<()> {
        protect(path)
    }

    pub(super) fn options(options: &mut OpenOptions) -> &mut OpenOptions {
        options
    }

    pub(super) fn is_private(path: &Path) -> io::Result<bool> {
        let path = wide(path)?;
        let mut dacl: *mut ACL = ptr::null_mut();
        let mut descriptor: PSECURITY_DESCRIPTOR = ptr::null_mut();
        // SAFETY: `path` is NUL-terminated; the owner, group and SACL out pointers may be null since they are not
        // asked for; `dacl` and `descriptor` are valid out pointers. `dacl` points into `descriptor`.
        let code = unsafe {
            GetNamedSecurityInfoW(
                path.as_ptr(),
                SE_FILE_OBJECT,
                DACL_SECURITY_INFORMATION,
                ptr::null_mut(),
                ptr::null_mut(),
                &mut dacl,
                ptr::null_mut(),
                &mut descriptor,
            )
        };
        check(code)?;
        let descriptor = Local(descriptor);

        let mut control = 0u16;
        let mut revision = 0u32;
        // SAFETY: `descriptor` is the valid security descriptor returned above; the out pointers are valid.
        if unsafe { GetSecurityDescriptorControl(descriptor.0, &mut control, &mut revision) } == 0 {
            return Err(io::Error::last_os_error());
        }
        // A null DACL grants everyone everything.
        if control & SE_DACL_PROTECTED == 0 || dacl.is_null() {
            return Ok(false);
        }

        let mut size = ACL_SIZE_INFORMATION::default();
        // SAFETY: `dacl` is a valid ACL inside `descriptor`, still alive; `size` is a writable
        // ACL_SIZE_INFORMATION of the length given.
        let ok = unsafe {
            GetAclInformation(
                dacl,
                (&raw mut size).cast::<c_void>(),
                size_of::<ACL_SIZE_INFORMATION>() as u32,
                AclSizeInformation,
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }

        let user = current_user()?;
        for index in 0..size.AceCount {
            let mut ace: *mut c_void = ptr::null_mut();
            // SAFETY: `dacl` is valid and `index` is below its ACE count; `ace` is a valid out pointer.
            if unsafe { GetAce(dacl, index, &mut ace) } == 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: every ACE starts with an ACE_HEADER, and ACEs in an ACL are 4-byte aligned.
            let header = unsafe { *ace.cast::<ACE_HEADER>() };
            if u32::from(header.AceType) != ACCESS_ALLOWED_ACE_TYPE {
                return Ok(false);
            }
            let ace = ace.cast::<ACCESS_ALLOWED_ACE>();
            // SAFETY: the header says this is an ACCESS_ALLOWED_ACE, whose SID starts at `SidStart`; both SIDs are
            // valid (the second lives in `user`).
            let same = unsafe { EqualSid((&raw mut (*ace).SidStart).cast::<c_void>(), user.sid()) };
            if same == 0 {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Replaces the DACL of `path` with a protected one (nothing inherited from the parent) holding a single entry:
    /// full access for the current user, inherited by files and directories created inside.
    fn protect(path: &Path) -> io::Result<()> {
        let path = wide(path)?;
        let descriptor = owner_only_descriptor()?;
        let mut present = 0;
        let mut defaulted = 0;
        let mut dacl: *mut ACL = ptr::null_mut();
        // SAFETY: `descriptor` is a valid security descriptor; the out pointers are valid. `dacl` points into
        // `descriptor`, which outlives its use below.
        if unsafe {
            GetSecurityDescriptorDacl(descriptor.0, &mut present, &mut dacl, &mut defaulted)
        } == 0
        {
            return Err(io::Error::last_os_error());
        }
        if present == 0 || dacl.is_null() {
            // The SDDL string always has a DACL; a null one would grant everyone everything.
            return Err(io::Error::other(
                "the owner-only security descriptor has no DACL",
            ));
        }
        // SAFETY: `path` is NUL-terminated; owner, group and SACL are null because only the DACL is being set;
        // `dacl` is a valid ACL.
        let code = unsafe {
            SetNamedSecurityInfoW(
                path.as_ptr(),
                SE_FILE_OBJECT,
                DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                ptr::null_mut(),
                ptr::null_mut(),
                dacl,
                ptr::null(),
            )
        };
        check(code)
    }

    /// `D:P(A;OICI;FA;;;<user>)`: a protected DACL allowing the current user full access, inherited by objects
    /// (files) and containers (directories) created inside.
    fn owner_only_descriptor() -> io::Result<Local> {
        let user = current_user()?;
        let mut sddl: Vec<u16> = "D:P(A;OICI;FA;;;".encode_utf16().collect();
        sddl.extend(sid_string(user.sid())?);
        sddl.extend(")\0".encode_utf16());
        let mut descriptor: PSECURITY_DESCRIPTOR = ptr::null_mut();
        // SAFETY: `sddl` is NUL-terminated; `descriptor` is a valid out pointer and the size out pointer may be
        // null.
        let ok = unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                sddl.as_ptr(),
                SDDL_REVISION_1,
                &mut descriptor,
                ptr::null_mut(),
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Local(descriptor))
    }

    /// The current user's SID as a string (`S-1-5-21-…`), without a terminating NUL.
    fn sid_string(sid: PSID) -> io::Result<Vec<u16>> {
        let mut string: *mut u16 = ptr::null_mut();
        // SAFETY: `sid` is a valid SID; `string` is a valid out pointer.
        if unsafe { ConvertSidToStringSidW(sid, &mut string) } == 0 {
            return Err(io::Error::last_os_error());
        }
        let string = Local(string.cast::<c_void>());
        let start = string.0.cast::<u16>().cast_const();
        let mut len = 0;
        // SAFETY: the call returned a NUL-terminated string, read up to its NUL and kept alive by `string`.
        while unsafe { *start.add(len) } != 0 {
            len += 1;
        }
        // SAFETY: the `len` units before the NUL were just read and are initialised.
        Ok(unsafe { std::slice::from_raw_parts(start, len) }.to_vec())
    }

    /// The current process's token user, whose SID points into the same buffer.
    struct User(Vec<TOKEN_USER>);

    impl User {
        fn sid(&self) -> PSID {
            self.0[0].User.Sid
        }
    }

    fn current_user() -> io::Result<User> {
        let mut token: HANDLE = ptr::null_mut();
        // SAFETY: GetCurrentProcess returns a pseudo handle that needs no closing; `token` is a valid out pointer.
        if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
            return Err(io::Error::last_os_error());
        }
        let token = Token(token);

        let mut needed = 0u32;
        // SAFETY: a null buffer of length 0 only asks for the size, written to `needed`.
        if unsafe { GetTokenInformation(token.0, TokenUser, ptr::null_mut(), 0, &mut needed) } == 0
        {
            let err = io::Error::last_os_error();
            if err.raw_os_error() != Some(ERROR_INSUFFICIENT_BUFFER as i32) {
                return Err(err);
            }
        }
        // Whole TOKEN_USERs, so the buffer is aligned for one; the SID follows it in the same buffer.
        let count = (needed as usize).div_ceil(size_of::<TOKEN_USER>()).max(1);
        let mut buffer = vec![TOKEN_USER::default(); count];
        let length = (count * size_of::<TOKEN_USER>()) as u32;
        let mut written = 0u32;
        // SAFETY: `buffer` is writable, aligned for TOKEN_USER and `length` bytes long; `written` is a valid out
        // pointer.
        let ok = unsafe {
            GetTokenInformation(
                token.0,
                TokenUser,
                buffer.as_mut_ptr().cast::<c_void>(),
                length,
                &mut written,
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(User(buffer))
    }

    /// `path` as a NUL-terminated wide string; a path with a NUL inside is refused.
    fn wide(path: &Path) -> io::Result<Vec<u16>> {
        let mut wide: Vec<u16> = path.as_os_str().encode_wide().collect();
        if wide.contains(&0) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "path contains a NUL character",
            ));
        }
        wide.push(0);
        Ok(wide)
    }

    fn check(code: WIN32_ERROR) -> io::Result<()> {
        if code == ERROR_SUCCESS {
            Ok(())
        } else {
            Err(io::Error::from_raw_os_error(code as i32))
        }
    }

    /// A token handle, closed on drop.
    struct Token(HANDLE);

    impl Drop for Token {
        fn drop(&mut self) {
            // SAFETY: the handle came from OpenProcessToken and is closed only here.
            unsafe { CloseHandle(self.0) };
        }
    }

    /// Memory the system allocated with LocalAlloc, freed on drop.
    struct Local(HLOCAL);

    impl Drop for Local {
        fn drop(&mut self) {
            if !self.0.is_null() {
                // SAFETY: the pointer came from a function documented to allocate with LocalAlloc and is freed
                // only here.
                unsafe { LocalFree(self.0) };
            }
        }
    }
}

#[cfg(not(any(unix, windows)))]
mod imp {
    use std::fs::OpenOptions;
    use std::io;
    use std::path::Path;

    pub(super) fn create_dir(dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)
    }

    pub(super) fn restrict(path: &Path) -> io::Result<()> {
        std::fs::metadata(path).map(|_| ())
    }

    pub(super) fn options(options: &mut OpenOptions) -> &mut OpenOptions {
        options
    }

    pub(super) fn is_private(path: &Path) -> io::Result<bool> {
        std::fs::metadata(path).map(|_| true)
    }
}

#[cfg(test)]
mod tests {
    use std::fs::OpenOptions;
    use std::io::Write;
    use std::path::Path;

    use crate::private::{create_dir, is_private, options, restrict};

    /// The permission bits of `path`.
    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn create_dir_makes_a_new_directory_private() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("lanban").join("replicas");
        create_dir(&dir).unwrap();
        assert!(dir.is_dir());
        assert!(is_private(&dir).unwrap());
        #[cfg(unix)]
        assert_eq!(mode(&dir), 0o700);
        // Again, on a directory that already exists.
        create_dir(&dir).unwrap();
        assert!(is_private(&dir).unwrap());
    }

    #[test]
    fn create_dir_makes_an_existing_open_directory_private() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("shared");
        std::fs::create_dir(&dir).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        // A plain directory inherits its parent's access list on Windows, so it is not private.
        #[cfg(any(unix, windows))]
        assert!(!is_private(&dir).unwrap());
        create_dir(&dir).unwrap();
        assert!(is_private(&dir).unwrap());
        #[cfg(unix)]
        assert_eq!(mode(&dir), 0o700);
    }

    #[test]
    fn a_file_created_with_options_then_restricted_is_private() {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("member-token");
        let mut file = options(OpenOptions::new().write(true).create_new(true))
            .open(&path)
            .unwrap();
        file.write_all(b"secret").unwrap();
        drop(file);
        // On Unix the file was private from its creation.
        #[cfg(unix)]
        assert!(is_private(&path).unwrap());
        restrict(&path).unwrap();
        assert!(is_private(&path).unwrap());
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_file_written_into_a_private_directory_then_restricted_is_private() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("replicas");
        create_dir(&dir).unwrap();
        // As SQLite creates its -wal file: plainly, relying on the directory.
        let path = dir.join("replicas.sqlite-wal");
        std::fs::write(&path, b"pages").unwrap();
        restrict(&path).unwrap();
        assert!(is_private(&path).unwrap());
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
    }

    #[cfg(any(unix, windows))]
    #[test]
    fn a_file_others_can_read_is_not_private() {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("notes.txt");
        std::fs::write(&path, b"hello").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        assert!(!is_private(&path).unwrap());
    }

    #[test]
    fn a_path_with_a_nul_is_refused() {
        let path = Path::new("replicas\0.sqlite");
        assert!(restrict(path).is_err());
        assert!(is_private(path).is_err());
        assert!(create_dir(path).is_err());
    }
}
