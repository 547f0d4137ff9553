//! Paths as users wrote them, made readable: `examples/stack/../../schemas/a.toml` is shown
//! as `schemas/a.toml`.

use std::path::{Component, Path, PathBuf};

/// Lexical normalisation: drops `.` and folds `dir/..` (without touching the file system, so
/// symlinks are not resolved and missing files keep their names).
pub fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let can_pop = matches!(out.components().next_back(), Some(Component::Normal(_)));
                if can_pop {
                    out.pop();
                } else if !matches!(out.components().next_back(), Some(Component::RootDir)) {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans() {
        assert_eq!(
            clean(Path::new("examples/stack/../../schemas/a.toml")),
            PathBuf::from("schemas/a.toml")
        );
        assert_eq!(clean(Path::new("./a/./b")), PathBuf::from("a/b"));
        assert_eq!(clean(Path::new("../x")), PathBuf::from("../x"));
        assert_eq!(clean(Path::new("/../x")), PathBuf::from("/x"));
        assert_eq!(clean(Path::new("a/..")), PathBuf::from("."));
    }
}
