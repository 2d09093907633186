//! The window's answers to a close it asked about (`closing.rs`): go on, or keep working.

use crate::error::IpcResult;
use tauri::AppHandle;

/// Closes the app the way its close button does, without asking again: the engine waits
/// for createTask answers on the wire, then the app exits.
pub fn app_close(app: AppHandle) -> IpcResult<()> {
    crate::closing::request(&app, false);
    Ok(())
}

/// The creator chose to keep working after the close question.
pub fn app_keep_open(app: AppHandle) -> IpcResult<()> {
    crate::closing::keep_open(&app);
    Ok(())
}
