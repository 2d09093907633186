//! The API key from the UI's side: set, set for this session only, clear, status, test,
//! and the demo key. No command returns the key; the status shows its last four
//! characters at most. Keychain calls run off the async threads.

use super::blocking;
use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::models::{KeyCheck, KeyStatus};
use crate::state::AppState;
use seedance_core::keychain::{KeyStore, SessionKeyStore, SystemKeychain};
use seedance_core::ledger::system_now_ms;
use seedance_core::secret::ApiKey;
use std::sync::Arc;
use tauri::State;

/// A made-up key for the no-key demo; the fake service accepts any key.
const DEMO_KEY: &str = "seedance-studio-demo-key";

fn parse_key(raw: &str) -> IpcResult<ApiKey> {
    ApiKey::new(raw).map_err(|e| IpcError::new(ErrorCode::InvalidKey, e.to_string()))
}

async fn status_of(state: &AppState) -> IpcResult<KeyStatus> {
    let keys = state.keys.clone();
    let early = state.take_early_key_read();
    let (loaded, store) = blocking(move || {
        let loaded = early
            .and_then(|read| read.recv().ok())
            .unwrap_or_else(|| keys.load());
        Ok((loaded, keys.describe()))
    })
    .await?;
    let last_test = state
        .last_test
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let (key, problem) = match loaded {
        Ok(key) => (key, None),
        Err(error) => (None, Some(error.to_string())),
    };
    Ok(KeyStatus {
        present: key.is_some(),
        last_four: key.as_ref().map(ApiKey::last_four),
        store: store.to_owned(),
        last_test: last_test.filter(|_| key.is_some()),
        problem,
    })
}

/// Makes `store` (already holding the key) the one in use and tells the engine.
pub(crate) async fn adopt(state: &AppState, store: Arc<dyn KeyStore>) -> IpcResult<KeyStatus> {
    // A read from before the switch would describe the old store.
    drop(state.take_early_key_read());
    state.keys.switch_to(store);
    *state.last_test.lock().unwrap_or_else(|p| p.into_inner()) = None;
    state.engine().key_changed();
    status_of(state).await
}

pub async fn key_status(state: State<'_, AppState>) -> IpcResult<KeyStatus> {
    status_of(&state).await
}

/// Saves the key in the OS keychain. `keychain_unavailable` when there is none: the UI
/// then offers [`key_set_session_only`].
pub async fn key_set(state: State<'_, AppState>, key: String) -> IpcResult<KeyStatus> {
    let key = parse_key(&key)?;
    let store: Arc<dyn KeyStore> = Arc::new(SystemKeychain::new());
    let keychain = store.clone();
    blocking(move || keychain.store(&key).map_err(IpcError::from)).await?;
    adopt(&state, store).await
}

/// Keeps the key in memory until the app quits.
pub async fn key_set_session_only(state: State<'_, AppState>, key: String) -> IpcResult<KeyStatus> {
    let key = parse_key(&key)?;
    let store = Arc::new(SessionKeyStore::new());
    store.store(&key)?;
    adopt(&state, store).await
}

/// Removes the key from the store in use; afterwards the system keychain is in use again.
pub async fn key_clear(state: State<'_, AppState>) -> IpcResult<KeyStatus> {
    let keys = state.keys.clone();
    blocking(move || keys.delete().map_err(IpcError::from)).await?;
    adopt(&state, Arc::new(SystemKeychain::new())).await
}

/// Asks the service whether the saved key works (one read of a task that does not exist).
pub async fn key_test(state: State<'_, AppState>) -> IpcResult<KeyCheck> {
    let keys = state.keys.clone();
    let key = blocking(move || keys.load().map_err(IpcError::from))
        .await?
        .ok_or_else(|| IpcError::new(ErrorCode::MissingKey, "No API key is saved yet."))?;
    let check = KeyCheck::from_core(state.client().probe_key(&key).await, system_now_ms());
    *state.last_test.lock().unwrap_or_else(|p| p.into_inner()) = Some(check.clone());
    Ok(check)
}

/// Uses a made-up key for this session, only while the API address is this computer
/// (the project's fake service), so the demo can never spend real credits.
pub async fn key_use_demo(state: State<'_, AppState>) -> IpcResult<KeyStatus> {
    use_demo_key(&state).await
}

/// [`key_use_demo`] for the shell's own callers (coming back to the demo).
pub(crate) async fn use_demo_key(state: &AppState) -> IpcResult<KeyStatus> {
    if !state.running().effective.base_url_is_loopback() {
        return Err(IpcError::new(
            ErrorCode::NotAllowed,
            "The demo runs only against the local demo service, not the real one.",
        ));
    }
    let store = Arc::new(SessionKeyStore::new());
    store.store(&parse_key(DEMO_KEY)?)?;
    adopt(state, store).await
}
