//! Reading an input file with a bound, without ever blocking.
//!
//! Every file envgate reads (schemas, stack files, env files, `NAME_FILE` secrets) comes
//! through [`read_bounded`]. A path may be swapped for a FIFO between a check and an
//! `open`, and some regular-looking files (`/proc/kmsg`) block on read: so the file is
//! opened non-blocking, the *opened descriptor* is checked to be a regular file, and at
//! most `limit` bytes are read.

use std::io::{self, Read as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

/// Why a file could not be read. `Display` is a short phrase to follow the file's name
/// ("is a directory", "cannot be read: permission denied").
#[derive(Debug)]
pub enum ReadError {
    /// No file (or a dangling symlink).
    NotFound,
    /// Symlinks that never end (ELOOP).
    SymlinkLoop,
    /// A symlink whose target does not exist.
    DanglingSymlink,
    Directory,
    /// A device, socket or pipe.
    NotRegular,
    /// Larger than the limit (in bytes).
    TooLarge(u64),
    /// Any other I/O error, with its short reason.
    Io(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound => f.write_str("does not exist"),
            Self::SymlinkLoop => f.write_str("is a symlink loop"),
            Self::DanglingSymlink => {
                f.write_str("is a dangling symlink (its target does not exist)")
            }
            Self::Directory => f.write_str("is a directory, not a file"),
            Self::NotRegular => f.write_str("is not a regular file (a device, socket or pipe)"),
            Self::TooLarge(limit) => write!(f, "is larger than {}", human_size(*limit)),
            Self::Io(reason) => write!(f, "cannot be read: {reason}"),
        }
    }
}

fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1024 && bytes % 1024 == 0 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads at most `limit` bytes of the regular file at `path` (symlinks followed). Never
/// blocks: FIFOs, devices and files that would block are refused.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a
    // writer, and a read that would block fails with EAGAIN instead of hanging.
    const O_NONBLOCK: i32 = 0o4000;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(O_NONBLOCK)
        .open(path)
        .map_err(|e| open_error(path, &e))?;
    // The descriptor, not the path, is checked: the path may have changed since.
    let meta = file.metadata().map_err(|e| ReadError::Io(io_reason(&e)))?;
    if meta.is_dir() {
        return Err(ReadError::Directory);
    }
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len().min(limit)).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| match e.kind() {
            io::ErrorKind::WouldBlock => ReadError::NotRegular,
            _ => ReadError::Io(io_reason(&e)),
        })?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(bytes)
}

fn open_error(path: &Path, e: &io::Error) -> ReadError {
    // ELOOP (40 on Linux, the platform envgate targets).
    if e.raw_os_error() == Some(40) {
        return ReadError::SymlinkLoop;
    }
    match e.kind() {
        io::ErrorKind::NotFound if std::fs::symlink_metadata(path).is_ok() => {
            ReadError::DanglingSymlink
        }
        io::ErrorKind::NotFound => ReadError::NotFound,
        io::ErrorKind::IsADirectory => ReadError::Directory,
        _ => ReadError::Io(io_reason(e)),
    }
}

/// A short reason for an I/O error, without the OS error number noise.
pub fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let s = e.to_string();
            s.split(" (os error").next().unwrap_or(&s).to_lowercase()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_regular_file_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_bounded(dir.path(), 10),
            Err(ReadError::Directory)
        ));
        assert!(matches!(
            read_bounded(&dir.path().join("nope"), 10),
            Err(ReadError::NotFound)
        ));
        assert!(matches!(
            read_bounded(Path::new("/dev/zero"), 10),
            Err(ReadError::NotRegular)
        ));
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(matches!(
                read_bounded(&fifo, 10),
                Err(ReadError::NotRegular)
            ));
        }
        let file = dir.path().join("f");
        std::fs::write(&file, b"0123456789abc").unwrap();
        assert!(matches!(
            read_bounded(&file, 10),
            Err(ReadError::TooLarge(10))
        ));
        assert_eq!(read_bounded(&file, 13).unwrap(), b"0123456789abc");
        let link = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("gone"), &link).unwrap();
        assert!(matches!(
            read_bounded(&link, 10),
            Err(ReadError::DanglingSymlink)
        ));
    }
}
