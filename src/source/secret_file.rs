//! `NAME_FILE`: the value of `NAME` read from a file, as the Docker official images do.

use std::path::Path;

/// At most this much of a secret file is read.
pub const MAX_SECRET_FILE_BYTES: u64 = 1024 * 1024;

/// The file's content with trailing newlines removed, or why it cannot be used. Symlinks
/// are followed (Kubernetes secret volumes are symlinks); anything but a regular file is
/// refused before it is opened, so `/dev/zero` or a FIFO never blocks or floods.
pub fn read(path: &Path) -> Result<String, String> {
    let bytes =
        crate::fsread::read_bounded(path, MAX_SECRET_FILE_BYTES).map_err(|e| e.to_string())?;
    let text = String::from_utf8(bytes).map_err(|_| String::from("is not UTF-8 text"))?;
    Ok(text.trim_end_matches('\n').to_string())
}
