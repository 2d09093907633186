//! Where the app and the CLI keep things on disk, shared so both find the same ledger
//! and library: the data folder (ledger, preferences) and the library folder (videos).
//! `SEEDANCE_DATA_DIR` and `SEEDANCE_LIBRARY_DIR` override both (tests, portable use).
//!
//! The demo (`SEEDANCE_DEMO=1`, against the fake service) has a data folder and a library
//! of its own, so a prompt queued in the demo can never be sent to the paid service at the
//! next normal start, and pretend videos never mix with real ones.

use std::path::PathBuf;

/// The app's identifier; the Tauri shell uses the same one, so its app-data folder and
/// this one agree.
pub const APP_IDENTIFIER: &str = "com.seedance-studio.app";
pub const DATA_DIR_ENV: &str = "SEEDANCE_DATA_DIR";
pub const LIBRARY_DIR_ENV: &str = "SEEDANCE_LIBRARY_DIR";
/// Set (to anything but empty or `0`) when the app or the CLI runs as the demo.
pub const DEMO_ENV: &str = "SEEDANCE_DEMO";
/// The demo's data folder inside the normal one.
pub const DEMO_SUBFOLDER: &str = "demo";

/// Whether this process runs as the demo.
pub fn is_demo() -> bool {
    std::env::var(DEMO_ENV).is_ok_and(|v| !v.trim().is_empty() && v.trim() != "0")
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn home() -> Option<PathBuf> {
    env_path("HOME").or_else(|| env_path("USERPROFILE"))
}

/// The per-user data folder: `$XDG_DATA_HOME/<id>` or `~/.local/share/<id>` on Linux,
/// `~/Library/Application Support/<id>` on macOS, `%APPDATA%\<id>` on Windows.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = env_path(DATA_DIR_ENV) {
        return Some(dir);
    }
    let base = if cfg!(target_os = "windows") {
        env_path("APPDATA")?
    } else if cfg!(target_os = "macos") {
        home()?.join("Library").join("Application Support")
    } else {
        env_path("XDG_DATA_HOME").unwrap_or(home()?.join(".local").join("share"))
    };
    let dir = base.join(APP_IDENTIFIER);
    Some(if is_demo() {
        dir.join(DEMO_SUBFOLDER)
    } else {
        dir
    })
}

/// Where finished videos go unless the creator chose another folder:
/// `~/Videos/Seedance Studio` (`~/Movies/…` on macOS).
pub fn default_library_dir() -> Option<PathBuf> {
    if let Some(dir) = env_path(LIBRARY_DIR_ENV) {
        return Some(dir);
    }
    let videos = if cfg!(target_os = "macos") {
        "Movies"
    } else {
        "Videos"
    };
    let name = if is_demo() {
        "Seedance Studio Demo"
    } else {
        "Seedance Studio"
    };
    Some(home()?.join(videos).join(name))
}
