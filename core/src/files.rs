//! Small durable-file rules shared by everything that keeps state on disk (the ledger, the
//! settings): moving an unreadable file aside under a name that says so, and replacing a
//! file so that a crash leaves either the old or the new contents, never half of one.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The name an unreadable `path` is moved to: `<name>.corrupt-<unix seconds>`, with `-N`
/// added when that exists already. Never an existing file.
pub fn aside_path(path: &Path) -> PathBuf {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base = path.with_file_name(format!("{name}.corrupt-{stamp}"));
    let mut aside = base.clone();
    let mut n = 1;
    while aside.exists() {
        aside = PathBuf::from(format!("{}-{n}", base.display()));
        n += 1;
    }
    aside
}

/// Renames `path` to its [`aside_path`], keeping its bytes untouched for the creator (or
/// support) to look at, and returns where it went.
pub fn move_aside(path: &Path) -> io::Result<PathBuf> {
    let aside = aside_path(path);
    std::fs::rename(path, &aside)?;
    sync_parent(&aside);
    Ok(aside)
}

/// Replaces `path` with `bytes`: written to a temporary file beside it, fsynced, renamed
/// over the old one, and the folder fsynced so the rename survives a power cut.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut temp_name = path.as_os_str().to_owned();
    temp_name.push(".tmp");
    let temp = PathBuf::from(temp_name);
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written?;
    sync_parent(path);
    Ok(())
}

/// Best effort: some platforms and file systems cannot open or sync a folder.
fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent() {
        if let Ok(dir) = std::fs::File::open(parent) {
            let _ = dir.sync_all();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn moved_aside_files_keep_their_bytes_and_never_overwrite_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, b"first").unwrap();
        let first = move_aside(&path).unwrap();
        std::fs::write(&path, b"second").unwrap();
        let second = move_aside(&path).unwrap();
        assert_ne!(first, second);
        assert!(!path.exists());
        assert_eq!(std::fs::read(&first).unwrap(), b"first");
        assert_eq!(std::fs::read(&second).unwrap(), b"second");
        let name = first.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("settings.json.corrupt-"), "{name}");
    }

    #[test]
    fn an_atomic_write_replaces_the_whole_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, b"old contents that are longer").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_atomic_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-folder").join("a.json");
        assert!(write_atomically(&path, b"x").is_err());
        assert!(!path.exists());
    }
}
