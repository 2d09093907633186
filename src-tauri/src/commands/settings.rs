//! Preferences: read them with what is in effect, change them (checked first by the core),
//! choose the library folder. `seedance_core::settings` reads and writes the file in the
//! data folder; the engine is restarted by `AppState::apply_prefs` when the API address,
//! library or cap changed.

use super::blocking;
use crate::error::{IpcError, IpcResult};
use crate::models::{Preferences, SettingsView};
use crate::state::{AppState, Running};
use seedance_core::settings::{self, Source};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

pub(crate) fn view(state: &AppState, running: &Running) -> SettingsView {
    let effective = &running.effective;
    SettingsView {
        preferences: state.prefs(),
        effective_base_url: effective.client_config.base_url.to_string(),
        base_url_source: effective.base_url_source,
        base_url_is_loopback: effective.base_url_is_loopback(),
        demo: seedance_core::paths::is_demo(),
        effective_library_dir: effective.library_dir.display().to_string(),
        library_dir_from_env: effective.library_dir_source == Source::Env,
        data_dir: state.data_dir.display().to_string(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        notices: state.notices.clone(),
    }
}

async fn apply(app: &AppHandle, state: &AppState, prefs: Preferences) -> IpcResult<SettingsView> {
    let prefs = prefs.checked().map_err(|e| IpcError::invalid(e.message))?;
    let data_dir = state.data_dir.clone();
    let saved = prefs.clone();
    blocking(move || settings::save(&data_dir, &saved).map_err(IpcError::storage)).await?;
    let running = state.apply_prefs(prefs).await.map_err(IpcError::internal)?;
    crate::allow_library_assets(app, &running.effective.library_dir);
    Ok(view(state, &running))
}

pub fn settings_get(state: State<'_, AppState>) -> IpcResult<SettingsView> {
    Ok(view(&state, &state.running()))
}

pub async fn settings_set(
    app: AppHandle,
    state: State<'_, AppState>,
    preferences: Preferences,
) -> IpcResult<SettingsView> {
    apply(&app, &state, preferences).await
}

/// Opens a folder picker for the library; unchanged settings when cancelled.
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
