//! The demo from Settings: leaving it for the creator's own key on the real address and
//! coming back to it, and its pretend balance. Only a run started as the demo
//! (`SEEDANCE_DEMO`) has either; anything else is refused with `not_allowed`.

use super::key::{adopt, use_demo_key};
use super::settings::view;
use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::models::SettingsView;
use crate::state::AppState;
use seedance_core::keychain::SystemKeychain;
use std::sync::Arc;
use tauri::State;

fn only_in_a_demo_run() -> IpcResult<()> {
    if seedance_core::paths::is_demo() {
        Ok(())
    } else {
        Err(IpcError::new(
            ErrorCode::NotAllowed,
            "This run is not the demo (it was started without SEEDANCE_DEMO), so there is no \
             demo to leave or come back to. Nothing was changed.",
        ))
    }
}

/// `use_demo` false: leaves the demo. The key store becomes the system keychain first
/// (so the demo's made-up key never reaches the real service), then the engine restarts
/// on the real address; the demo's tasks stay in the history, made for another service.
/// `use_demo` true: the engine goes back to the demo's service, then the made-up key is
/// in use again.
pub async fn demo_switch(state: State<'_, AppState>, use_demo: bool) -> IpcResult<SettingsView> {
    only_in_a_demo_run()?;
    if use_demo {
        let running = state.switch_demo(true).await.map_err(IpcError::internal)?;
        use_demo_key(&state).await?;
        Ok(view(&state, &running))
    } else {
        adopt(&state, Arc::new(SystemKeychain::new())).await?;
        let running = state.switch_demo(false).await.map_err(IpcError::internal)?;
        state.engine().key_changed();
        Ok(view(&state, &running))
    }
}

/// The demo's pretend balance, from the demo's own service (the real service has no
/// balance call); `None` outside the demo or when the demo service does not answer.
pub async fn demo_balance(state: State<'_, AppState>) -> IpcResult<Option<f64>> {
    if !state.in_demo() {
        return Ok(None);
    }
    Ok(state.client().demo_balance().await)
}
