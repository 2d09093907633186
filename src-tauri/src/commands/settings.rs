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
