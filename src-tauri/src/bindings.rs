//! The TypeScript twins of `models` and `error`, written to `ui/src/bindings/`.
//! `bindings_are_current` (a test run in CI) fails when the checked-in files differ from
//! what the Rust types generate; `UPDATE_BINDINGS=1 cargo test -p seedance-studio
//! bindings` rewrites them.

use crate::error::IpcError;
use crate::models::*;
use std::path::Path;
use ts_rs::{Config, ExportError, TS};

/// Writes every IPC type (and what they reference) into `dir`.
pub fn export_all(dir: &Path) -> Result<(), ExportError> {
    let cfg = Config::new().with_out_dir(dir).with_large_int("number");
    IpcError::export_all(&cfg)?;
    KeyStatus::export_all(&cfg)?;
    Catalog::export_all(&cfg)?;
    Draft::export_all(&cfg)?;
    ComposeCheck::export_all(&cfg)?;
    InspectedReference::export_all(&cfg)?;
    TaskView::export_all(&cfg)?;
    GalleryQuery::export_all(&cfg)?;
    GalleryPage::export_all(&cfg)?;
    UnknownSubmissionChoice::export_all(&cfg)?;
    SettingsView::export_all(&cfg)?;
    AppEvent::export_all(&cfg)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    fn read_dir(dir: &Path) -> BTreeMap<String, String> {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
                    .map(|e| {
                        let text = std::fs::read_to_string(e.path()).unwrap();
                        (e.file_name().to_string_lossy().into_owned(), text)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn bindings_are_current() {
        let checked_in = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_DIR);
        let fresh = tempfile::tempdir().unwrap();
        export_all(fresh.path()).unwrap();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            for old in read_dir(&checked_in).keys() {
                std::fs::remove_file(checked_in.join(old)).unwrap();
            }
            std::fs::create_dir_all(&checked_in).unwrap();
            for (name, text) in read_dir(fresh.path()) {
                std::fs::write(checked_in.join(name), text).unwrap();
            }
        }
        let (want, have) = (read_dir(fresh.path()), read_dir(&checked_in));
        assert!(!want.is_empty(), "ts-rs generated nothing");
        assert_eq!(
            want.keys().collect::<Vec<_>>(),
            have.keys().collect::<Vec<_>>(),
            "ui/src/bindings is out of date: run UPDATE_BINDINGS=1 cargo test -p seedance-studio bindings"
        );
        for (name, text) in &want {
            assert_eq!(Some(text), have.get(name), "ui/src/bindings/{name} is out of date: run UPDATE_BINDINGS=1 cargo test -p seedance-studio bindings");
        }
    }
}
