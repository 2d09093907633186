//! Preferences: read them with what is in effect, change them (checked first by the core),
//! choose the library folder. `seedance_core::settings` reads and writes the file in the
//! data folder; the engine is restarted by `AppState::apply_prefs` when the API address,
//! library or cap changed.

use super::blocking;
use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::models::{Preferences, SettingsView};
use crate::state::{AppState, Running};
use seedance_core::api::{check_base_url, is_known_service};
use seedance_core::settings::{self, Source};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

pub(crate) fn view(state: &AppState, running: &Running) -> SettingsView {
    let effective = &running.effective;
    SettingsView {
        preferences: state.prefs(),
        effective_base_url: effective.client_config.base_url.to_string(),
        base_url_source: effective.base_url_source,
        base_url_is_loopback: effective.base_url_is_loopback(),
        demo: state.in_demo(),
        demo_available: seedance_core::paths::is_demo(),
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

/// Saves what the settings form sends. Two things the page alone cannot do (defence in
/// depth behind the CSP): change the library folder (the native picker or
/// `SEEDANCE_LIBRARY_DIR` do), and point the app, and so the key, at a host other than
/// the documented services or this computer without the creator confirming it in a
/// native dialog first.
pub async fn settings_set(
    app: AppHandle,
    state: State<'_, AppState>,
    preferences: Preferences,
) -> IpcResult<SettingsView> {
    let preferences = preferences
        .checked()
        .map_err(|e| IpcError::invalid(e.message))?;
    // Compared in the checked form, so a stored "" or a trailing slash is no change.
    let stored = state.prefs();
    let current = stored.clone().checked().unwrap_or(stored);
    if preferences.library_dir != current.library_dir {
        return Err(IpcError::new(
            ErrorCode::NotAllowed,
            "The library folder is chosen with \"Choose folder…\" in Settings (or set by \
             SEEDANCE_LIBRARY_DIR), not by a typed path. Nothing was changed.",
        ));
    }
    if preferences.base_url != current.base_url {
        if let Some(url) = preferences.base_url.as_deref() {
            confirm_unknown_service(&app, url).await?;
        }
    }
    apply(&app, &state, preferences).await
}

/// Asks in a native dialog before a host that is neither a documented service nor this
/// computer gets the key; `not_allowed` unless the creator says yes.
async fn confirm_unknown_service(app: &AppHandle, url: &str) -> IpcResult<()> {
    let parsed = check_base_url(url).map_err(|e| IpcError::invalid(e.to_string()))?;
    if is_known_service(&parsed) {
        return Ok(());
    }
    let host = parsed.host_str().unwrap_or(url).to_owned();
    let dialog = app
        .dialog()
        .message(format!(
            "Send your Seedance API key to {host}?\n\n{url} is not one of the Seedance \
             services the app knows. Whoever runs it will see your key and can spend your \
             credits. Use it only if you trust it."
        ))
        .title("Use an unknown service?")
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom(
            format!("Use {host}"),
            "Cancel".into(),
        ));
    let confirmed = blocking(move || Ok(dialog.blocking_show())).await?;
    if confirmed {
        Ok(())
    } else {
        Err(IpcError::new(
            ErrorCode::NotAllowed,
            format!(
                "{host} was not confirmed, so the app does not use it and your key is not sent \
                 there. Nothing was changed."
            ),
        ))
    }
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
