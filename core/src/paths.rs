//! Where the app and the CLI keep things on disk, shared so both find the same ledger
//! and library: the data folder (ledger, preferences) and the library folder (videos).
//! `SEEDANCE_DATA_DIR` and `SEEDANCE_LIBRARY_DIR` override both (tests, portable use).

use std::path::PathBuf;

/// The app's identifier; the Tauri shell uses the same one, so its app-data folder and
/// this one agree.
pub const APP_IDENTIFIER: &str = "com.seedance-studio.app";
pub const DATA_DIR_ENV: &str = "SEEDANCE_DATA_DIR";
pub const LIBRARY_DIR_ENV: &str = "SEEDANCE_LIBRARY_DIR";

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
    Some(base.join(APP_IDENTIFIER))
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
    Some(home()?.join(videos).join("Seedance Studio"))
}
