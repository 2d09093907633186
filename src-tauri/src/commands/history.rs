//! The prompt library (save, find, insert, export, import) and the spend history (per day
//! and model, and its CSV). Reads and writes go to the ledger through the core; files are
//! chosen only with the native dialogs, never by a path from the page.

use super::blocking;
use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::models::{
    PastPromptView, PromptImportView, SavedPromptKind, SavedPromptView, SpendView,
};
use crate::state::AppState;
use seedance_core::ledger::{period_start, LedgerError};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

/// Past prompts one search returns at most.
const PAST_PROMPTS_MAX: usize = 50;
/// The longest period the spend view shows.
const SPEND_DAYS_MAX: u32 = 366;

/// A refusal the creator can fix (a name taken, an empty text, a file that is not ours)
/// is `invalid_input`; anything else is the disk's.
fn library_error(error: LedgerError) -> IpcError {
    match error {
        LedgerError::Invalid(message) => IpcError::new(ErrorCode::InvalidInput, message),
        other => IpcError::from(other),
    }
}

/// Saved prompts and snippets whose name or text has every word of `query`.
pub async fn prompts_list(
    state: State<'_, AppState>,
    query: String,
) -> IpcResult<Vec<SavedPromptView>> {
    let ledger = state.ledger.clone();
    blocking(move || {
        let list = ledger.saved_prompts(&query).map_err(library_error)?;
        Ok(list.into_iter().map(SavedPromptView::from).collect())
    })
    .await
}

/// Saves `text` under `name`; `replace` overwrites an entry of the same name.
pub async fn prompts_save(
    state: State<'_, AppState>,
    name: String,
    kind: SavedPromptKind,
    text: String,
    replace: bool,
) -> IpcResult<SavedPromptView> {
    let ledger = state.ledger.clone();
    blocking(move || {
        ledger
            .save_prompt(&name, kind.into(), &text, replace)
            .map(SavedPromptView::from)
            .map_err(library_error)
    })
    .await
}

pub async fn prompts_delete(state: State<'_, AppState>, name: String) -> IpcResult<bool> {
    let ledger = state.ledger.clone();
    blocking(move || ledger.delete_saved_prompt(&name).map_err(library_error)).await
}

/// Prompts of past tasks with every word of `query`, newest first, each once.
pub async fn prompts_past(
    state: State<'_, AppState>,
    query: String,
) -> IpcResult<Vec<PastPromptView>> {
    let ledger = state.ledger.clone();
    blocking(move || {
        let found = ledger
            .search_past_prompts(&query, PAST_PROMPTS_MAX)
            .map_err(library_error)?;
        Ok(found.into_iter().map(PastPromptView::from).collect())
    })
    .await
}

/// Asks where to write the library and writes it; the file's path, or null when cancelled.
pub async fn prompts_export(
    app: AppHandle,
    state: State<'_, AppState>,
) -> IpcResult<Option<String>> {
    let dialog = app
        .dialog()
        .file()
        .set_file_name("seedance-prompts.json")
        .add_filter("Seedance prompts", &["json"]);
    let Some(chosen) = blocking(move || Ok(dialog.blocking_save_file())).await? else {
        return Ok(None);
    };
    let dest = chosen
        .into_path()
        .map_err(|e| IpcError::invalid(format!("That location cannot be used: {e}")))?;
    let ledger = state.ledger.clone();
    blocking(move || {
        ledger.export_prompts(&dest).map_err(library_error)?;
        Ok(Some(dest.display().to_string()))
    })
    .await
}

/// Asks for an exported file and adds its prompts; null when cancelled.
pub async fn prompts_import(
    app: AppHandle,
    state: State<'_, AppState>,
) -> IpcResult<Option<PromptImportView>> {
    let dialog = app
        .dialog()
        .file()
        .add_filter("Seedance prompts", &["json"]);
    let Some(chosen) = blocking(move || Ok(dialog.blocking_pick_file())).await? else {
        return Ok(None);
    };
    let source = chosen
        .into_path()
        .map_err(|e| IpcError::invalid(format!("That file cannot be used: {e}")))?;
    let ledger = state.ledger.clone();
    blocking(move || {
        let report = ledger.import_prompts(&source).map_err(library_error)?;
        Ok(Some(PromptImportView {
            added: u32::try_from(report.added).unwrap_or(u32::MAX),
            unchanged: u32::try_from(report.unchanged).unwrap_or(u32::MAX),
            kept_existing: report.kept_existing,
        }))
    })
    .await
}

/// Credits per day and model over the last `days` days (1 to 366), in the creator's time
/// zone, given by the page as minutes east of UTC.
pub async fn spend_history(
    state: State<'_, AppState>,
    days: u32,
    utc_offset_minutes: i32,
) -> IpcResult<SpendView> {
    if !(1..=SPEND_DAYS_MAX).contains(&days) {
        return Err(IpcError::invalid(format!(
            "The period is {days} days; choose 1 to {SPEND_DAYS_MAX}."
        )));
    }
    let offset_secs = utc_offset_minutes.clamp(-14 * 60, 14 * 60) * 60;
    let ledger = state.ledger.clone();
    blocking(move || {
        let (since_ms, first_day) = period_start(ledger.now_ms(), offset_secs, days);
        let report = ledger
            .spend_since(since_ms, offset_secs)
            .map_err(library_error)?;
        Ok(SpendView::new(days, first_day, report))
    })
    .await
}

/// Asks where to save the spend history as CSV and writes it; the path, or null.
pub async fn spend_export_csv(
    app: AppHandle,
    state: State<'_, AppState>,
    days: u32,
    utc_offset_minutes: i32,
) -> IpcResult<Option<String>> {
    let offset_secs = utc_offset_minutes.clamp(-14 * 60, 14 * 60) * 60;
    let days = days.clamp(1, SPEND_DAYS_MAX);
    let ledger = state.ledger.clone();
    let (since_ms, first_day) = period_start(ledger.now_ms(), offset_secs, days);
    let dialog = app
        .dialog()
        .file()
        .set_file_name(format!("seedance-spend-since-{first_day}.csv"))
        .add_filter("CSV", &["csv"]);
    let Some(chosen) = blocking(move || Ok(dialog.blocking_save_file())).await? else {
        return Ok(None);
    };
    let dest = chosen
        .into_path()
        .map_err(|e| IpcError::invalid(format!("That location cannot be used: {e}")))?;
    blocking(move || {
        let report = ledger
            .spend_since(since_ms, offset_secs)
            .map_err(library_error)?;
        seedance_core::files::write_atomically(&dest, report.to_csv().as_bytes())
            .map_err(IpcError::storage)?;
        Ok(Some(dest.display().to_string()))
    })
    .await
}
