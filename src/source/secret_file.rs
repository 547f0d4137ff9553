//! `NAME_FILE`: the value of `NAME` read from a file, as the Docker official images do.

use crate::schema::document::io_reason;
use std::io::Read as _;
use std::path::Path;

/// At most this much of a secret file is read.
pub const MAX_SECRET_FILE_BYTES: u64 = 1024 * 1024;

/// The file's content with trailing newlines removed, or why it cannot be used. Symlinks
/// are followed (Kubernetes secret volumes are symlinks); anything but a regular file is
/// refused before it is opened, so `/dev/zero` or a FIFO never blocks or floods.
pub fn read(path: &Path) -> Result<String, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            if std::fs::symlink_metadata(path).is_ok() {
                // ELOOP (40 on Linux, the platform envgate targets): links that never end.
                if e.raw_os_error() == Some(40) {
                    return Err("is a symlink loop".into());
                }
                return Err("is a dangling symlink (its target does not exist)".into());
            }
            return Err(match e.kind() {
                std::io::ErrorKind::NotFound => String::from("does not exist"),
                _ => format!("cannot be read: {}", io_reason(&e)),
            });
        }
    };
    if meta.is_dir() {
        return Err("is a directory, not a file".into());
    }
    if !meta.is_file() {
        return Err("is not a regular file (a device, socket or pipe)".into());
    }
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot be read: {}", io_reason(&e)))?;
    let mut bytes = Vec::new();
    file.take(MAX_SECRET_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot be read: {}", io_reason(&e)))?;
    if bytes.len() as u64 > MAX_SECRET_FILE_BYTES {
        return Err("is larger than 1 MiB".into());
    }
    let text = String::from_utf8(bytes).map_err(|_| String::from("is not UTF-8 text"))?;
    Ok(text.trim_end_matches('\n').to_string())
}
