//! Seedance Studio's desktop shell: builds the app and runs it.
//!
//! Owns the window's life: plugins, where data lives (`SEEDANCE_DATA_DIR` or the app
//! data folder), opening the ledger, starting the engine with the settings in effect,
//! scoping the asset protocol to the library folder, serving the gallery's thumbnails, and
//! stopping the engine and recording the ledger's clean close on exit (also on SIGTERM and
//! SIGINT).
//! Everything about generations is `seedance_core`; commands only adapt it.

pub mod bindings;
pub mod closing;
pub mod commands;
pub mod error;
pub mod events;
pub mod granted;
pub mod models;
pub mod rendering;
pub mod state;
pub mod thumbnails;

use events::TauriEvents;
use seedance_core::ledger::Ledger;
use seedance_core::paths::default_library_dir;
use state::AppState;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use tauri::{AppHandle, DragDropEvent, Manager, RunEvent, Runtime, WebviewEvent, WindowEvent};
use tauri_plugin_dialog::{DialogExt, MessageDialogKind};

/// Lets the webview load files under the library folder (videos, last frames) and
/// nothing else; reference previews are allowed one file at a time when added.
pub fn allow_library_assets<R: Runtime>(app: &AppHandle<R>, library: &Path) {
    if let Err(error) = std::fs::create_dir_all(library) {
        log::warn!("the library folder could not be created: {error}");
    }
    if let Err(error) = app.asset_protocol_scope().allow_directory(library, true) {
        log::warn!("the library folder could not be opened to the window: {error}");
    }
}

/// The core's data folder (the same one the CLI uses; the demo's own when
/// `SEEDANCE_DEMO` is set), or Tauri's app-data folder where the core finds no home.
fn data_dir<R: Runtime>(app: &AppHandle<R>) -> Result<PathBuf, String> {
    match seedance_core::paths::data_dir() {
        Some(dir) => Ok(dir),
        None => app.path().app_data_dir().map_err(|e| e.to_string()),
    }
}

fn default_library<R: Runtime>(app: &AppHandle<R>, data_dir: &Path) -> PathBuf {
    default_library_dir()
        .or_else(|| {
            app.path()
                .video_dir()
                .ok()
                .map(|d| d.join("Seedance Studio"))
        })
        .unwrap_or_else(|| data_dir.join("library"))
}

fn setup<R: Runtime>(app: &AppHandle<R>) -> Result<(), String> {
    let data_dir = data_dir(app)?;
    std::fs::create_dir_all(&data_dir).map_err(|e| {
        format!(
            "The data folder {} cannot be created: {e}",
            data_dir.display()
        )
    })?;
    let (ledger, report) = Ledger::open(&data_dir).map_err(|e| e.to_string())?;
    for message in &report.messages {
        log::warn!("ledger: {message}");
    }
    let mut notices = report.messages.clone();
    let loaded = seedance_core::settings::load(&data_dir);
    if let Some(message) = loaded.notice {
        log::warn!("settings: {message}");
        notices.push(message);
    }
    let prefs = loaded.preferences;
    let notify = Arc::new(AtomicBool::new(prefs.notifications));
    let sink = Arc::new(TauriEvents::new(app.clone(), notify.clone()));
    let default_library = default_library(app, &data_dir);
    // The engine spawns its scheduler on the runtime it is started in.
    let mut state = tauri::async_runtime::block_on(async {
        AppState::start(
            data_dir,
            default_library,
            Arc::new(ledger),
            prefs,
            sink,
            notify,
        )
    })?;
    state.notices = notices;
    allow_library_assets(app, &state.running().effective.library_dir);
    app.manage(state);
    match app.get_webview_window("main") {
        Some(window) => rendering::cache_as_document_viewer(&window),
        None => log::warn!("no main window at setup: WebKit's cache model stays its default"),
    }
    Ok(())
}

/// SIGTERM (the session ending, `kill`) and SIGINT (Ctrl+C in a terminal) end the app the
/// way closing its window does, so the exit path in [`run`] stops the engine and records the
/// ledger's clean close instead of the process just dying.
fn exit_on_termination_signals<R: Runtime>(app: AppHandle<R>) {
    #[cfg(unix)]
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut terminate), Ok(mut interrupt)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            log::warn!("termination signals cannot be watched: they will end the app at once");
            return;
        };
        loop {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
            // The first signal closes as the window's close does (sends on the wire are
            // waited for); a second one stops waiting.
            log::info!("asked to stop by a signal: closing as if the window were closed");
            if !closing::request(&app, false) {
                app.exit(0);
                return;
            }
        }
    });
}

/// Builds and runs the app; returns when the last window closes.
pub fn run() {
    // Before anything starts WebKit or a thread: it sets a variable of the environment.
    rendering::choose_painting();
    let app = tauri::Builder::default()
        // First: a second launch only focuses the running window (one ledger writer).
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        .plugin(
            tauri_plugin_log::Builder::new()
                .level(log::LevelFilter::Info)
                // Request internals stay quiet; nothing at any level carries the key.
                .level_for("hyper", log::LevelFilter::Info)
                .level_for("hyper_util", log::LevelFilter::Info)
                .level_for("reqwest", log::LevelFilter::Info)
                .level_for("rustls", log::LevelFilter::Warn)
                .build(),
        )
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_window_state::Builder::new().build())
        // The gallery's poster thumbnails (thumbnails.rs), by task id.
        .register_asynchronous_uri_scheme_protocol(thumbnails::SCHEME, |ctx, request, responder| {
            thumbnails::handle(ctx, request, responder)
        })
        .setup(|app| {
            let handle = app.handle();
            if let Err(message) = setup(handle) {
                log::error!("startup failed: {message}");
                handle
                    .dialog()
                    .message(format!("Seedance Studio could not start.\n\n{message}"))
                    .kind(MessageDialogKind::Error)
                    .title("Seedance Studio")
                    .blocking_show();
                return Err(message.into());
            }
            exit_on_termination_signals(handle.clone());
            Ok(())
        })
        .manage(closing::Closing::default())
        // The close button asks first when work is in flight, then waits for sends on
        // the wire before the window goes (closing.rs).
        .manage(granted::GrantedFiles::from_env())
        .on_window_event(|window, event| match event {
            // `request` starts the close sequence; true means the window stays for now.
            WindowEvent::CloseRequested { api, .. }
                if closing::request(window.app_handle(), true) =>
            {
                api.prevent_close();
            }
            // What the OS dropped is what `references_add_paths` may read (granted.rs).
            WindowEvent::DragDrop(DragDropEvent::Drop { paths, .. }) => {
                window
                    .state::<granted::GrantedFiles>()
                    .grant(paths.iter().cloned());
            }
            _ => {}
        })
        .on_webview_event(|webview, event| {
            if let WebviewEvent::DragDrop(DragDropEvent::Drop { paths, .. }) = event {
                webview
                    .state::<granted::GrantedFiles>()
                    .grant(paths.iter().cloned());
            }
        })
        .invoke_handler(commands::handler())
        .build(tauri::generate_context!())
        .expect("the Tauri context is generated at build time and valid");

    app.run(|handle, event| match event {
        // Any other way out (the last window gone, an exit call) stops the engine the
        // same way first.
        RunEvent::ExitRequested { api, .. }
            if !closing::done(handle) && closing::request(handle, false) =>
        {
            api.prevent_exit();
        }
        RunEvent::Exit if !closing::done(handle) => {
            if let Some(state) = handle.try_state::<AppState>() {
                // Stops polls and downloads cleanly; the ledger already holds everything.
                tauri::async_runtime::block_on(state.engine().shutdown());
                // Nothing writes any more: the next start can skip the full integrity
                // check of the history (anything written after this makes it run).
                if let Err(error) = state.ledger.close_cleanly() {
                    log::warn!("the clean close could not be recorded: {error}");
                }
            }
        }
        _ => {}
    });
}
