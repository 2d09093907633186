//! Takes of one request and what a task's details offer when something went wrong: the
//! support packet, built here from the ledger so the window never assembles it (and so
//! never sees more than the packet holds: no key, addresses redacted by the core).

use super::{blocking, read_task};
use crate::error::{IpcError, IpcResult};
use crate::models::SupportPacketView;
use crate::state::AppState;
use seedance_core::ledger::{Ledger, TaskId};
use seedance_core::support::SupportPacket;
use std::sync::Arc;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

/// The save dialog's title: what the creator is saving (and how a test finds the window).
const SAVE_TITLE: &str = "Save the support packet";

fn packet_of(ledger: &Ledger, id: TaskId) -> IpcResult<SupportPacket> {
    let entry = read_task(ledger, id)?;
    let history = ledger.history(entry.id).map_err(IpcError::storage)?;
    Ok(SupportPacket::of(
        &entry,
        &history,
        env!("CARGO_PKG_VERSION"),
    ))
}

/// The packet's text and whether the task is one it is meant for.
pub async fn support_packet(
    state: State<'_, AppState>,
    id: TaskId,
) -> IpcResult<SupportPacketView> {
    let ledger = state.ledger.clone();
    blocking(move || {
        let entry = read_task(&ledger, id)?;
        let packet = packet_of(&ledger, id)?;
        Ok(SupportPacketView {
            task: entry.id,
            text: packet.to_text(),
            support_case: SupportPacket::is_support_case(&entry),
        })
    })
    .await
}

/// Asks where to save the packet as JSON and writes it; the path, or null when cancelled.
pub async fn support_packet_save(
    app: AppHandle,
    state: State<'_, AppState>,
    id: TaskId,
) -> IpcResult<Option<String>> {
    let ledger: Arc<Ledger> = state.ledger.clone();
    let packet = blocking({
        let ledger = ledger.clone();
        move || packet_of(&ledger, id)
    })
    .await?;
    let dialog = app
        .dialog()
        .file()
        .set_title(SAVE_TITLE)
        .set_file_name(format!("seedance-support-task-{id}.json"))
        .add_filter("Support packet", &["json"]);
    let Some(chosen) = blocking(move || Ok(dialog.blocking_save_file())).await? else {
        return Ok(None);
    };
    let dest = chosen
        .into_path()
        .map_err(|e| IpcError::invalid(format!("That location cannot be used: {e}")))?;
    tokio::fs::write(&dest, packet.to_json() + "\n")
        .await
        .map_err(IpcError::storage)?;
    Ok(Some(dest.display().to_string()))
}
