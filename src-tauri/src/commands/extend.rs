//! Extend and Edit on a finished video: the price both ways before anything is sent, the
//! sending once the creator agreed to it (linked to its source in the history), the joined
//! clip of an extension, and opening a result the window cannot play in the system player.
//!
//! The request is built by the core (`continuation`), priced by `pricing` and sent through
//! the engine, which enforces the spending cap on the settled figure; this module only
//! refuses to send more than the creator confirmed.

use super::{blocking, read_task};
use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::models::{ClipChange, ClipChangeQuote, MadeFromClip, MadeFromKind, TaskState, TaskView};
use crate::state::AppState;
use seedance_core::continuation;
use seedance_core::film::FfmpegCli;
use seedance_core::ledger::{TaskEntry, TaskId};
use seedance_core::pricing::{self, CreditEstimate};
use seedance_core::request::GenerationRequest;
use seedance_core::validate;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

/// Extension lengths the window offers, in seconds (the 2.5 extend model's range).
const SECONDS: std::ops::RangeInclusive<u32> = 4..=30;

async fn entry(state: &AppState, id: TaskId) -> IpcResult<TaskEntry> {
    let ledger = state.ledger.clone();
    blocking(move || read_task(&ledger, id)).await
}

/// The request that makes `change` of task `id`, and its price.
async fn built(
    state: &AppState,
    id: TaskId,
    change: ClipChange,
    prompt: &str,
    seconds: u32,
) -> IpcResult<(
    TaskEntry,
    GenerationRequest,
    CreditEstimate,
    ClipChangeQuote,
)> {
    if change == ClipChange::Extend && !SECONDS.contains(&seconds) {
        return Err(IpcError::invalid(format!(
            "seconds: an extension is {} to {} seconds long; {seconds} is not.",
            SECONDS.start(),
            SECONDS.end()
        )));
    }
    let source = entry(state, id).await?;
    let client = state.client();
    let reference = continuation::source_reference(&client, &source)
        .await
        .map_err(|e| IpcError::invalid(e.to_string()))?;
    let request = match change {
        ClipChange::Extend => {
            continuation::extend_request(&source, reference, prompt, seconds, None)
        }
        ClipChange::Edit => continuation::edit_request(&source, reference, prompt, None),
    }
    .map_err(|e| IpcError::invalid(e.to_string()))?;
    let estimate = pricing::estimate(&request).map_err(|e| IpcError::invalid(e.to_string()))?;
    let validation = validate::validate(&request);
    let quote = ClipChangeQuote {
        reserved_credits: estimate.credits,
        settled_credits: estimate.settlement.map_or(estimate.credits, |s| s.credits),
        label: pricing::format_button_label(&estimate),
        problems: validation
            .problems
            .iter()
            .map(|p| p.message.clone())
            .collect(),
        warnings: validation
            .warnings
            .iter()
            .map(|p| p.message.clone())
            .collect(),
    };
    Ok((source, request, estimate, quote))
}

/// What extending or editing task `id` reserves and settles at; nothing is sent.
pub async fn extend_quote(
    state: State<'_, AppState>,
    id: TaskId,
    change: ClipChange,
    prompt: String,
    seconds: u32,
) -> IpcResult<ClipChangeQuote> {
    built(&state, id, change, &prompt, seconds)
        .await
        .map(|(_, _, _, quote)| quote)
}

/// Sends the extension or edit of task `id` and links it to its source. Refused, with
/// nothing sent, when what it settles at is over `confirmed_credits`.
pub async fn extend_submit(
    state: State<'_, AppState>,
    id: TaskId,
    change: ClipChange,
    prompt: String,
    seconds: u32,
    confirmed_credits: f64,
) -> IpcResult<TaskView> {
    let (source, request, _, quote) = built(&state, id, change, &prompt, seconds).await?;
    if let Some(problem) = quote.problems.first() {
        return Err(IpcError::invalid(problem.clone()));
    }
    if quote.settled_credits > confirmed_credits + 0.005 {
        return Err(IpcError::new(
            ErrorCode::NeedsConfirmation,
            format!(
                "It {}, more than the {confirmed_credits:.0} credits agreed to; nothing was sent. Look at the price again and confirm.",
                quote.label
            ),
        ));
    }
    let engine = state.engine();
    let new_id = engine
        .submit(request)
        .await
        .map_err(super::tasks::refusal)?;
    let ledger = state.ledger.clone();
    blocking(move || {
        ledger
            .set_source(new_id, source.id)
            .map_err(IpcError::storage)?;
        read_task(&ledger, new_id)
            .map(|entry| TaskView::from_entry(&entry, &engine.summary(&entry)))
    })
    .await
}

/// Joins extension `id`'s source and new footage into one file beside it, records it
/// with the extension and answers its path; an existing joined clip is answered as it is.
pub async fn extend_join(state: State<'_, AppState>, id: TaskId) -> IpcResult<String> {
    let extension = entry(&state, id).await?;
    let missing = |which: &str| {
        IpcError::new(
            ErrorCode::NotFound,
            format!("{which} is not in your library folder to join; download it again first."),
        )
    };
    let source_video = match extension.source_task {
        Some(source_id) => entry(&state, source_id)
            .await?
            .video_path
            .filter(|p| p.is_file())
            .ok_or_else(|| missing("The source video"))?,
        // Extended from a clip dropped in from outside the library: that file is the
        // source of the join (it was uploaded as the extension's source).
        None => {
            let dropped = continuation::dropped_source_video(&extension).ok_or_else(|| {
                IpcError::new(
                    ErrorCode::NotAllowed,
                    "This task is not an extension of another one.",
                )
            })?;
            if !dropped.is_file() {
                return Err(IpcError::new(
                    ErrorCode::NotFound,
                    format!(
                        "{} is no longer where it was dropped from; put it back to make the \
                         joined clip.",
                        dropped.display()
                    ),
                ));
            }
            dropped
        }
    };
    let new_footage = extension
        .video_path
        .clone()
        .filter(|p| p.is_file())
        .ok_or_else(|| missing("The new footage"))?;
    let tools = FfmpegCli::locate(None).map_err(|error| {
        IpcError::invalid(format!("{error} Install ffmpeg to make the joined clip."))
    })?;
    let joined = continuation::join_extension(&tools, &source_video, &new_footage)
        .await
        .map_err(|e| IpcError::internal(format!("The joined clip was not made: {e}")))?;
    let ledger = state.ledger.clone();
    let recorded = joined.clone();
    blocking(move || ledger.set_joined(id, &recorded).map_err(IpcError::storage)).await?;
    Ok(joined.display().to_string())
}

/// Opens task `id`'s video (or, with `joined`, its joined clip) in the system player:
/// for results the window cannot play (HEVC, `mov`).
pub async fn open_in_player(
    app: AppHandle,
    state: State<'_, AppState>,
    id: TaskId,
    joined: bool,
) -> IpcResult<()> {
    let task = entry(&state, id).await?;
    let path = if joined {
        task.joined_path
    } else {
        task.video_path
    }
    .filter(|p| p.is_file())
    .ok_or_else(|| {
        IpcError::new(
            ErrorCode::NotFound,
            "This video is not in your library folder (it may have been moved or deleted).",
        )
    })?;
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| IpcError::internal(format!("The system player could not be opened: {e}")))
}

/// The clips made from finished task `id` (its extensions, edits and clips continued
/// from its last frame), oldest first, for its details' links.
pub async fn extend_made_from(
    state: State<'_, AppState>,
    id: TaskId,
) -> IpcResult<Vec<MadeFromClip>> {
    let ledger = state.ledger.clone();
    let made = blocking(move || {
        read_task(&ledger, id)?;
        ledger
            .made_from(id)
            .map_err(|e| IpcError::storage(e.to_string()))
    })
    .await?;
    Ok(made
        .iter()
        .map(|entry| MadeFromClip {
            id: entry.id,
            kind: match entry.request.model.spec().map(|spec| spec.task) {
                Some(seedance_core::model::TaskKind::Extend) => MadeFromKind::Extension,
                Some(seedance_core::model::TaskKind::Edit) => MadeFromKind::Edit,
                _ => MadeFromKind::Continuation,
            },
            state: TaskState::from(entry.state),
        })
        .collect())
}
