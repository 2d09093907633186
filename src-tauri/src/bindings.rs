//! What the UI's code is generated from: the TypeScript twins of `models` and `error`
//! (`ui/src/bindings/`), and the catalog's state groups as a fixture for the UI's tests.
//! `bindings_are_current` (a test run in CI) fails when a checked-in file differs from
//! what the Rust code generates; `UPDATE_BINDINGS=1 cargo test -p seedance-studio
//! --features seedance-studio/custom-protocol bindings` rewrites them.

use crate::error::IpcError;
use crate::models::*;
use std::path::Path;
use ts_rs::{Config, ExportError, TS};

/// The UI tests' copy of [`StateGroups::current`], relative to this crate.
pub const STATE_GROUPS_FIXTURE: &str = "../ui/tests/state-groups.generated.ts";

/// The text of [`STATE_GROUPS_FIXTURE`].
pub fn state_groups_fixture() -> String {
    let groups = serde_json::to_string_pretty(&StateGroups::current())
        .unwrap_or_else(|error| format!("/* {error} */ {{}}"));
    format!(
        "// Generated from StateGroups::current() by src-tauri/src/bindings.rs; do not edit.\n\
         import type {{ StateGroups }} from '../src/bindings/StateGroups';\n\n\
         export const STATE_GROUPS: StateGroups = {groups};\n"
    )
}

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

    #[test]
    fn the_state_groups_fixture_is_current() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(STATE_GROUPS_FIXTURE);
        let fresh = state_groups_fixture();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(&path).unwrap_or_default(),
            fresh,
            "{STATE_GROUPS_FIXTURE} is out of date: run UPDATE_BINDINGS=1 cargo test -p seedance-studio bindings"
        );
    }
}
