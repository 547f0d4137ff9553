//! `NAME_FILE`: the value of `NAME` read from a file, as the Docker official images do.

use std::path::Path;

/// At most this much of a secret file is read.
pub const MAX_SECRET_FILE_BYTES: u64 = 1024 * 1024;

/// A secret file's text, as the service will see it.
pub struct SecretFileText {
    /// The content without its trailing newlines.
    pub text: String,
    /// How many trailing newlines were removed (`explain` says so: a value that differs
    /// from the file's bytes should never be a surprise).
    pub newlines_removed: usize,
}

/// The file's content with trailing newlines removed (as `$(< file)` in the Docker images'
/// entrypoints does), or why it cannot be used. Symlinks are followed (Kubernetes secret
/// volumes are symlinks); anything but a regular file is refused without blocking, so
/// `/dev/zero` or a FIFO never blocks or floods.
pub fn read(path: &Path) -> Result<SecretFileText, String> {
    let bytes =
        crate::fsread::read_bounded(path, MAX_SECRET_FILE_BYTES).map_err(|e| e.to_string())?;
    let mut text = String::from_utf8(bytes).map_err(|_| String::from("is not UTF-8 text"))?;
    let kept = text.trim_end_matches('\n').len();
    let newlines_removed = text.len() - kept;
    text.truncate(kept);
    Ok(SecretFileText {
        text,
        newlines_removed,
    })
}
