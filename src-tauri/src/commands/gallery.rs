//! The gallery: pages of the ledger's history, and what a card's buttons do (reveal,
//! save a copy, open the result URL, delete from history, remix, continue from the last
//! frame). Files are only ever read here; deleting removes the history row, not the video.

use super::{blocking, read_task};
use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::granted::GrantedFiles;
use crate::models::{Draft, DraftReference, GalleryPage, GalleryQuery, Kind, TaskView};
use crate::state::AppState;
use seedance_core::ledger::{Ledger, ListQuery, TaskEntry, TaskId};
use std::path::PathBuf;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

/// Most rows one call returns; the virtual grid asks page by page.
const MAX_PAGE: u32 = 500;

async fn entry(state: &AppState, id: TaskId) -> IpcResult<TaskEntry> {
    let ledger = state.ledger.clone();
    blocking(move || read_task(&ledger, id)).await
}

fn video_of(entry: &TaskEntry) -> IpcResult<PathBuf> {
    entry
        .video_path
        .clone()
        .filter(|p| p.is_file())
        .ok_or_else(|| {
            IpcError::new(
                ErrorCode::NotFound,
                "This video is not in your library folder (it may have been moved or deleted).",
            )
        })
}

pub async fn gallery_list(
    state: State<'_, AppState>,
    query: GalleryQuery,
) -> IpcResult<GalleryPage> {
    let ledger = state.ledger.clone();
    let list = ListQuery {
        verdict: query.ledger_verdict(),
        states: query.ledger_states(),
        text: query.text.filter(|t| !t.trim().is_empty()),
        limit: query.limit.clamp(1, MAX_PAGE),
        offset: query.offset,
    };
    let counted = ListQuery {
        limit: 0,
        offset: 0,
        ..list.clone()
    };
    let total = blocking(move || ledger.count(&counted).map_err(IpcError::storage)).await?;
    // Through the engine: each row says why it waits, when it does.
    let items = state.engine().list(list).await.map_err(IpcError::storage)?;
    Ok(GalleryPage {
        items: items.iter().map(TaskView::from_summary).collect(),
        total,
        offset: query.offset,
    })
}

/// Shows the video in the system file manager.
pub async fn gallery_reveal(
    app: AppHandle,
    state: State<'_, AppState>,
    id: TaskId,
) -> IpcResult<()> {
    let path = video_of(&entry(&state, id).await?)?;
    app.opener()
        .reveal_item_in_dir(path)
        .map_err(|e| IpcError::internal(format!("The file manager could not be opened: {e}")))
}

/// Asks where to save a copy of the video, then copies it there. `None` when cancelled.
pub async fn gallery_save_as(
    app: AppHandle,
    state: State<'_, AppState>,
    id: TaskId,
) -> IpcResult<Option<String>> {
    let source = video_of(&entry(&state, id).await?)?;
    let name = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "video.mp4".to_owned());
    let dialog = app
        .dialog()
        .file()
        .set_file_name(name)
        .add_filter("MP4 video", &["mp4"]);
    let Some(chosen) = blocking(move || Ok(dialog.blocking_save_file())).await? else {
        return Ok(None);
    };
    let dest = chosen
        .into_path()
        .map_err(|e| IpcError::invalid(format!("That location cannot be used: {e}")))?;
    tokio::fs::copy(&source, &dest)
        .await
        .map_err(IpcError::storage)?;
    Ok(Some(dest.display().to_string()))
}

/// Opens the service's result URL in the browser; https only.
pub async fn gallery_open_url(
    app: AppHandle,
    state: State<'_, AppState>,
    id: TaskId,
) -> IpcResult<()> {
    let url = entry(&state, id)
        .await?
        .output
        .map(|o| o.url)
        .ok_or_else(|| IpcError::new(ErrorCode::NotFound, "This task has no result URL."))?;
    if !url.starts_with("https://") {
        return Err(IpcError::new(
            ErrorCode::NotAllowed,
            "Only https:// result links are opened in the browser.",
        ));
    }
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| IpcError::internal(format!("The browser could not be opened: {e}")))
}

/// Removes the task from the history. The video file stays in the library folder.
pub async fn gallery_delete(
    state: State<'_, AppState>,
    id: TaskId,
    confirm_not_saved: Option<bool>,
) -> IpcResult<()> {
    let ledger = state.ledger.clone();
    let thumbnails = crate::thumbnails::cache_for(&state.data_dir);
    blocking(move || {
        let poster = ledger.get(id).ok().and_then(|e| e.poster_path);
        if confirm_not_saved == Some(true) {
            ledger.delete_confirmed(id).map_err(IpcError::from)?;
        } else {
            delete_from_history(&ledger, id)?;
        }
        // The poster stays in the library; its thumbnail is only the gallery's.
        if let Some(poster) = poster {
            thumbnails.forget(&poster);
        }
        Ok(())
    })
    .await
}

/// [`gallery_delete`] without the window: `not_found` for an id that is not in the
/// history, `not_allowed` while the service may still be working on the task.
pub fn delete_from_history(ledger: &Ledger, id: TaskId) -> IpcResult<()> {
    ledger.delete(id).map_err(IpcError::from)
}

/// The task's request as a new draft, to change and send again.
pub async fn gallery_remix(
    app: AppHandle,
    state: State<'_, AppState>,
    id: TaskId,
) -> IpcResult<Draft> {
    let draft = Draft::from_request(&entry(&state, id).await?.request);
    // Files a task of the history was made with: the creator handed them once.
    app.state::<GrantedFiles>().grant_draft(&draft);
    Ok(draft)
}

/// A new draft that starts where the video ended: its last frame as image 1, same
/// model and format, an empty prompt for what happens next.
pub async fn gallery_continue(
    app: AppHandle,
    state: State<'_, AppState>,
    id: TaskId,
) -> IpcResult<Draft> {
    let entry = entry(&state, id).await?;
    let frame = entry
        .poster_path
        .clone()
        .filter(|p| p.is_file())
        .ok_or_else(|| {
            IpcError::new(
                ErrorCode::NotFound,
                "The last frame of this video is not in your library folder.",
            )
        })?;
    let mut draft = Draft::from_request(&entry.request);
    draft.prompt = String::new();
    draft.mode = None;
    draft.seed = None;
    draft.references = vec![DraftReference {
        kind: Kind::Image,
        path: Some(frame.display().to_string()),
        url: None,
        duration_ms: None,
    }];
    app.state::<GrantedFiles>().grant_draft(&draft);
    Ok(draft)
}
