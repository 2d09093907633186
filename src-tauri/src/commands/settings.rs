//! Preferences: read them with what is in effect, change them (checked first), choose the
//! library folder. Saved with tauri-plugin-store in the data folder; the engine is
//! restarted by `AppState::apply_prefs` when the API address, library or cap changed.

use super::blocking;
use crate::error::{IpcError, IpcResult};
use crate::models::{Preferences, SettingsView};
use crate::state::{checked_base_url, AppState, Running};
use std::path::Path;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_store::StoreExt;

/// The store file inside the data folder, and the key the preferences live under.
pub const SETTINGS_FILE: &str = "settings.json";
const PREFERENCES_KEY: &str = "preferences";

/// Checks the preferences file before the store plugin reads it. A file that is not
/// readable JSON is moved aside (`settings.json.corrupt-<seconds>`) and the defaults are
/// used; preferences with some unreadable fields keep every field that can be read (the
/// original is moved aside and the repaired file written in its place). Returns what to
/// tell the creator, or `None` when the file was fine or absent.
pub fn recover_preferences_file(data_dir: &Path) -> Option<String> {
    let path = data_dir.join(SETTINGS_FILE);
    let bytes = std::fs::read(&path).ok()?;
    let parsed: Option<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_slice(&bytes).ok().and_then(|v| match v {
            serde_json::Value::Object(map) => Some(map),
            _ => None,
        });
    let (kept, why) = match parsed {
        None => (None, "it is not readable".to_owned()),
        Some(map) => match map.get(PREFERENCES_KEY) {
            None => return None,
            Some(stored) if serde_json::from_value::<Preferences>(stored.clone()).is_ok() => {
                return None
            }
            Some(stored) => {
                let (repaired, dropped) = readable_fields(stored);
                let mut map = map.clone();
                map.insert(PREFERENCES_KEY.to_owned(), repaired);
                (
                    Some(map),
                    format!("these could not be read: {}", dropped.join(", ")),
                )
            }
        },
    };
    let aside = aside_name(&path);
    if let Err(error) = std::fs::rename(&path, &aside) {
        log::warn!("the unreadable settings file could not be moved aside: {error}");
        return Some(format!(
            "Your settings could not be read ({why}) and the file could not be moved aside \
             ({error}); the defaults are used for now."
        ));
    }
    if let Some(map) = kept {
        let text = serde_json::to_vec_pretty(&serde_json::Value::Object(map)).unwrap_or_default();
        let temp = path.with_extension("json.tmp");
        let written = std::fs::write(&temp, text)
            .and_then(|()| std::fs::File::open(&temp)?.sync_all())
            .and_then(|()| std::fs::rename(&temp, &path));
        if let Err(error) = written {
            log::warn!("the repaired settings could not be written: {error}");
        }
    }
    Some(format!(
        "Some of your settings could not be read ({why}). The file was kept as {} and the \
         defaults are used for what was lost; check them in Settings.",
        aside.display()
    ))
}

/// The stored preferences with every field that reads on its own, and the names of the
/// fields that do not.
fn readable_fields(stored: &serde_json::Value) -> (serde_json::Value, Vec<String>) {
    let mut repaired = serde_json::to_value(Preferences::default()).unwrap_or_default();
    let mut dropped = Vec::new();
    if let (Some(fields), Some(target)) = (stored.as_object(), repaired.as_object_mut()) {
        for (name, value) in fields {
            let mut candidate = target.clone();
            candidate.insert(name.clone(), value.clone());
            if serde_json::from_value::<Preferences>(serde_json::Value::Object(candidate)).is_ok() {
                target.insert(name.clone(), value.clone());
            } else {
                dropped.push(name.clone());
            }
        }
    } else {
        dropped.push("all of them".to_owned());
    }
    (repaired, dropped)
}

fn aside_name(path: &Path) -> std::path::PathBuf {
    let stamp = seedance_core::ledger::system_now_ms() / 1000;
    let base = path.with_file_name(format!("{SETTINGS_FILE}.corrupt-{stamp}"));
    let mut aside = base.clone();
    let mut n = 1;
    while aside.exists() {
        aside = std::path::PathBuf::from(format!("{}-{n}", base.display()));
        n += 1;
    }
    aside
}

/// Reads stored preferences; anything unreadable falls back to the defaults.
pub fn load_preferences<R: Runtime>(app: &AppHandle<R>, data_dir: &Path) -> Preferences {
    match app.store(data_dir.join(SETTINGS_FILE)) {
        Ok(store) => store
            .get(PREFERENCES_KEY)
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default(),
        Err(error) => {
            log::warn!("preferences could not be read, using defaults: {error}");
            Preferences::default()
        }
    }
}

fn save_preferences<R: Runtime>(
    app: &AppHandle<R>,
    data_dir: &Path,
    prefs: &Preferences,
) -> IpcResult<()> {
    let store = app
        .store(data_dir.join(SETTINGS_FILE))
        .map_err(IpcError::storage)?;
    store.set(
        PREFERENCES_KEY,
        serde_json::to_value(prefs).map_err(IpcError::internal_from)?,
    );
    store.save().map_err(IpcError::storage)
}

pub(crate) fn view(state: &AppState, running: &Running) -> SettingsView {
    let effective = &running.effective;
    SettingsView {
        preferences: state.prefs(),
        effective_base_url: effective.client_config.base_url.to_string(),
        base_url_source: effective.base_url_source.as_str().to_owned(),
        base_url_is_loopback: effective.base_url_is_loopback(),
        effective_library_dir: effective.library_dir.display().to_string(),
        library_dir_from_env: effective.library_dir_from_env,
        data_dir: state.data_dir.display().to_string(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        notices: state.notices.clone(),
    }
}

fn checked(mut prefs: Preferences) -> IpcResult<Preferences> {
    prefs.base_url = checked_base_url(prefs.base_url.as_deref()).map_err(IpcError::invalid)?;
    for cap in [prefs.daily_cap_credits, prefs.monthly_cap_credits]
        .into_iter()
        .flatten()
    {
        if !cap.is_finite() || cap < 0.0 {
            return Err(IpcError::invalid(
                "A spending cap must be a number of credits, 0 or more.",
            ));
        }
    }
    prefs.library_dir = prefs.library_dir.filter(|d| !d.trim().is_empty());
    if let Some(dir) = &prefs.library_dir {
        if !Path::new(dir).is_absolute() {
            return Err(IpcError::invalid(
                "Choose the library folder with its full path.",
            ));
        }
    }
    Ok(prefs)
}

async fn apply(app: &AppHandle, state: &AppState, prefs: Preferences) -> IpcResult<SettingsView> {
    let prefs = checked(prefs)?;
    save_preferences(app, &state.data_dir, &prefs)?;
    let running = state.apply_prefs(prefs).await.map_err(IpcError::internal)?;
    crate::allow_library_assets(app, &running.effective.library_dir);
    Ok(view(state, &running))
}

#[tauri::command]
pub fn settings_get(state: State<'_, AppState>) -> SettingsView {
    view(&state, &state.running())
}

#[tauri::command]
pub async fn settings_set(
    app: AppHandle,
    state: State<'_, AppState>,
    preferences: Preferences,
) -> IpcResult<SettingsView> {
    apply(&app, &state, preferences).await
}

/// Opens a folder picker for the library; unchanged settings when cancelled.
#[tauri::command]
pub async fn settings_pick_library_dir(
    app: AppHandle,
    state: State<'_, AppState>,
) -> IpcResult<SettingsView> {
    let dialog = app.dialog().file().set_title("Choose the library folder");
    let picked = blocking(move || Ok(dialog.blocking_pick_folder())).await?;
    let Some(folder) = picked.and_then(|f| f.into_path().ok()) else {
        return Ok(view(&state, &state.running()));
    };
    let mut prefs = state.prefs();
    prefs.library_dir = Some(folder.display().to_string());
    apply(&app, &state, prefs).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_missing_or_readable_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(recover_preferences_file(dir.path()), None);
        let good =
            serde_json::json!({ "preferences": { "theme": "dark", "notifications": false } });
        std::fs::write(dir.path().join(SETTINGS_FILE), good.to_string()).unwrap();
        assert_eq!(recover_preferences_file(dir.path()), None);
        assert_eq!(files(dir.path()), vec![SETTINGS_FILE.to_owned()]);
    }

    #[test]
    fn an_unreadable_file_is_moved_aside_untouched_and_said() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = b"{\"preferences\": {\"theme\": \"da\x00\xff";
        std::fs::write(dir.path().join(SETTINGS_FILE), garbage).unwrap();
        let message = recover_preferences_file(dir.path()).expect("a notice");
        assert!(message.contains("could not be read"), "{message}");
        let names = files(dir.path());
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(names[0].starts_with("settings.json.corrupt-"), "{names:?}");
        assert!(message.contains(&names[0]), "{message}");
        assert_eq!(std::fs::read(dir.path().join(&names[0])).unwrap(), garbage);
    }

    #[test]
    fn readable_fields_are_kept_and_the_bad_ones_named() {
        let dir = tempfile::tempdir().unwrap();
        let stored = serde_json::json!({
            "other": 1,
            "preferences": { "theme": "light", "daily_cap_credits": "lots", "library_dir": "/videos" }
        });
        std::fs::write(dir.path().join(SETTINGS_FILE), stored.to_string()).unwrap();
        let message = recover_preferences_file(dir.path()).expect("a notice");
        assert!(message.contains("daily_cap_credits"), "{message}");
        assert!(!message.contains("theme"), "{message}");
        let repaired: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(SETTINGS_FILE)).unwrap())
                .unwrap();
        let prefs: Preferences = serde_json::from_value(repaired[PREFERENCES_KEY].clone()).unwrap();
        assert_eq!(prefs.library_dir.as_deref(), Some("/videos"));
        assert_eq!(prefs.daily_cap_credits, None);
        assert_eq!(repaired["other"], 1);
        assert_eq!(prefs.theme, crate::models::Theme::Light);
        assert_eq!(files(dir.path()).len(), 2);
        // Read again: nothing left to repair.
        assert_eq!(recover_preferences_file(dir.path()), None);
    }
}
