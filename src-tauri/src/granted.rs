//! The local files the creator handed to the app: dropped on the window, chosen in the
//! native file picker, or under the folder `SEEDANCE_REFERENCE_DIR` names (set by whoever
//! starts the app, as `SEEDANCE_LIBRARY_DIR` is; the end-to-end suite uses it, since its
//! drops skip the OS). `references_add_paths` reads only these: a path string the page
//! makes up is refused (defence in depth behind the CSP), and so is a draft that would
//! upload one (`tasks_submit`); drafts the app makes from its history are handed too.
//!
//! Owns the record of handed files; it never reads them.

use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::models::Draft;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Environment variable naming a folder whose files count as handed to the app.
pub const REFERENCE_DIR_ENV: &str = "SEEDANCE_REFERENCE_DIR";

#[derive(Default)]
pub struct GrantedFiles {
    paths: Mutex<HashSet<PathBuf>>,
    /// Canonical form of the folder from the environment, when set and present.
    env_dir: Option<PathBuf>,
}

impl GrantedFiles {
    pub fn from_env() -> GrantedFiles {
        GrantedFiles {
            paths: Mutex::default(),
            env_dir: std::env::var_os(REFERENCE_DIR_ENV)
                .filter(|v| !v.is_empty())
                .and_then(|dir| std::fs::canonicalize(PathBuf::from(dir)).ok()),
        }
    }

    /// Records paths the OS gave the app (a drop, the picker).
    pub fn grant(&self, paths: impl IntoIterator<Item = PathBuf>) {
        self.paths
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(paths);
    }

    fn is_granted(&self, path: &Path) -> bool {
        if self
            .paths
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(path)
        {
            return true;
        }
        // Canonical forms, so `dir/../elsewhere` or a symlink out of it does not count.
        match (&self.env_dir, std::fs::canonicalize(path)) {
            (Some(dir), Ok(real)) => real.starts_with(dir),
            _ => false,
        }
    }

    /// [`GrantedFiles::check_all`] for the local files a draft would upload.
    pub fn check_draft(&self, draft: &Draft) -> IpcResult<()> {
        let paths: Vec<PathBuf> = draft
            .references
            .iter()
            .filter_map(|r| r.path.as_deref().map(PathBuf::from))
            .collect();
        self.check_all_then(&paths, "Nothing was sent.")
    }

    /// Records the local files of a draft the app made itself (from the history: a remix,
    /// a continuation from a saved last frame).
    pub fn grant_draft(&self, draft: &Draft) {
        self.grant(
            draft
                .references
                .iter()
                .filter_map(|r| r.path.as_deref().map(PathBuf::from)),
        );
    }

    /// `not_allowed`, naming the file, unless every path was handed to the app.
    pub fn check_all(&self, paths: &[PathBuf]) -> IpcResult<()> {
        self.check_all_then(paths, "Nothing was added.")
    }

    fn check_all_then(&self, paths: &[PathBuf], nothing: &str) -> IpcResult<()> {
        match paths.iter().find(|p| !self.is_granted(p)) {
            None => Ok(()),
            Some(refused) => Err(IpcError::new(
                ErrorCode::NotAllowed,
                format!(
                    "{} was not dropped on the window nor chosen with \"Add files…\", so it \
                     is not read. Drop it on the window or choose it there. {nothing}",
                    refused.file_name().map_or_else(
                        || refused.display().to_string(),
                        |n| n.to_string_lossy().into_owned()
                    )
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_handed_files_and_those_under_the_environments_folder_pass() {
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("frame.png");
        std::fs::write(&inside, b"x").unwrap();
        let outside = tempfile::NamedTempFile::new().unwrap();
        let granted = GrantedFiles {
            paths: Mutex::default(),
            env_dir: Some(std::fs::canonicalize(dir.path()).unwrap()),
        };
        granted.check_all(std::slice::from_ref(&inside)).unwrap();
        let escaping = dir
            .path()
            .join("..")
            .join(outside.path().file_name().unwrap());
        let refused = granted
            .check_all(&[inside.clone(), outside.path().to_owned()])
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::NotAllowed);
        assert!(
            refused.message.contains("Nothing was added"),
            "{}",
            refused.message
        );
        // Both live in the temporary folder: `dir/..` leads to the other file.
        assert!(escaping.exists());
        assert!(granted.check_all(&[escaping]).is_err());
        granted.grant([outside.path().to_owned()]);
        granted.check_all(&[outside.path().to_owned()]).unwrap();

        let none = GrantedFiles::default();
        assert!(none.check_all(&[PathBuf::from("/etc/passwd")]).is_err());
    }
}
