//! Composing and running generations: the catalog the compose panel offers, the live
//! check (problems + estimate) behind the Generate button, submit, retry, cancel, and the
//! creator's decision on a submission of unknown outcome.

use super::blocking;
use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::models::{
    Catalog, ComposeCheck, Draft, EstimateView, GuidanceView, InputProblem, TaskView,
    UnknownSubmissionChoice,
};
use crate::state::AppState;
use seedance_core::engine::{EngineError, SubmitRefusal, UnknownResolution};
use seedance_core::ledger::{ListQuery, LocalState, TaskId};
use seedance_core::pricing::{estimate, format_button_label};
use seedance_core::validate::{validate, Field, Problem};
use tauri::State;

#[tauri::command]
pub fn catalog() -> Catalog {
    Catalog::current()
}

/// Problems, warnings and the price of a draft. Pure: nothing is sent or stored.
#[tauri::command]
pub fn compose_check(draft: Draft) -> ComposeCheck {
    let request = match draft.to_request() {
        Ok(request) => request,
        Err(error) => {
            return ComposeCheck {
                problems: vec![InputProblem {
                    field: "model".to_owned(),
                    code: "unknown_choice".to_owned(),
                    message: error.0,
                    reference: None,
                }],
                warnings: Vec::new(),
                estimate: None,
            }
        }
    };
    let validation = validate(&request);
    ComposeCheck {
        problems: validation.problems.iter().map(input_problem).collect(),
        warnings: validation.warnings.iter().map(input_problem).collect(),
        estimate: estimate(&request).ok().map(|e| EstimateView {
            credits: e.credits,
            usd: e.usd,
            label: format_button_label(&e),
            note: e.note.clone(),
        }),
    }
}

pub(crate) fn input_problem(problem: &Problem) -> InputProblem {
    let field = match problem.field {
        Field::Prompt => "prompt",
        Field::References => "references",
        Field::Reference(_) => "reference",
        Field::Duration => "duration",
        Field::Resolution => "resolution",
        Field::AspectRatio => "aspect_ratio",
        Field::Mode => "mode",
        Field::Seed => "seed",
    };
    InputProblem {
        field: field.to_owned(),
        code: problem.code.as_str().to_owned(),
        message: problem.message.clone(),
        reference: problem.reference.and_then(|p| u32::try_from(p).ok()),
    }
}

fn refusal(error: SubmitRefusal) -> IpcError {
    match error {
        SubmitRefusal::Invalid { problems } => IpcError::invalid(problems.first().map_or_else(
            || "The request cannot be sent as it is.".to_owned(),
            |p| p.message.clone(),
        )),
        SubmitRefusal::SpendingCap { guidance } => IpcError {
            guidance: Some(Box::new(GuidanceView::from(guidance.as_ref()))),
            ..IpcError::invalid(guidance.explanation.clone())
        },
        SubmitRefusal::NoPrice { message } => IpcError::invalid(message),
        SubmitRefusal::NotAllowed { message, .. } => IpcError::new(ErrorCode::NotAllowed, message),
        SubmitRefusal::Duplicate { message, .. } => IpcError::new(ErrorCode::NotAllowed, message),
        SubmitRefusal::Ledger { message } => IpcError::storage(message),
        SubmitRefusal::Stopped => {
            IpcError::internal("The generation engine has stopped. Restart the app.")
        }
    }
}

fn engine_error(error: EngineError) -> IpcError {
    match error {
        EngineError::NotCancellable { message } => IpcError::new(ErrorCode::NotAllowed, message),
        EngineError::Ledger { message } => IpcError::storage(message),
        EngineError::NothingToDownload { message } => IpcError::new(ErrorCode::NotAllowed, message),
        EngineError::NotAllowed { message } => IpcError::new(ErrorCode::NotAllowed, message),
        EngineError::Stopped => {
            IpcError::internal("The generation engine has stopped. Restart the app.")
        }
    }
}

async fn view_of(state: &AppState, id: TaskId) -> IpcResult<TaskView> {
    let ledger = state.ledger.clone();
    blocking(move || {
        ledger
            .get(id)
            .map(|entry| TaskView::from_entry(&entry))
            .map_err(|e| IpcError::new(ErrorCode::NotFound, e.to_string()))
    })
    .await
}

/// Queues a generation; it is sent as soon as a slot is free.
#[tauri::command]
pub async fn tasks_submit(state: State<'_, AppState>, draft: Draft) -> IpcResult<TaskView> {
    let id = state
        .engine()
        .submit(draft.to_request()?)
        .await
        .map_err(refusal)?;
    view_of(&state, id).await
}

/// Tasks still moving, and those waiting for the creator's decision, oldest first.
#[tauri::command]
pub async fn tasks_in_flight(state: State<'_, AppState>) -> IpcResult<Vec<TaskView>> {
    let ledger = state.ledger.clone();
    blocking(move || {
        let query = ListQuery {
            states: vec![
                LocalState::Queued,
                LocalState::Submitting,
                LocalState::Waiting,
                LocalState::Generating,
                LocalState::Succeeded,
                LocalState::Stuck,
                LocalState::SubmissionUnknown,
            ],
            ..ListQuery::default()
        };
        let mut views = Vec::new();
        for summary in ledger.list(&query).map_err(IpcError::storage)?.iter().rev() {
            let entry = ledger.get(summary.id).map_err(IpcError::storage)?;
            views.push(TaskView::from_entry(&entry));
        }
        Ok(views)
    })
    .await
}

#[tauri::command]
pub async fn task_get(state: State<'_, AppState>, id: TaskId) -> IpcResult<TaskView> {
    view_of(&state, id).await
}

/// Sends a failed task's request again as a new task. `confirm_may_charge_twice` is
/// needed when the first one may already have been charged.
#[tauri::command]
pub async fn tasks_retry(
    state: State<'_, AppState>,
    id: TaskId,
    confirm_may_charge_twice: Option<bool>,
) -> IpcResult<TaskView> {
    let new_id = state
        .engine()
        .retry(id, confirm_may_charge_twice.unwrap_or(false))
        .await
        .map_err(refusal)?;
    view_of(&state, new_id).await
}

/// Withdraws a task still waiting in the local queue.
#[tauri::command]
pub async fn tasks_cancel(state: State<'_, AppState>, id: TaskId) -> IpcResult<()> {
    state.engine().cancel(id).await.map_err(engine_error)
}

/// Tries again to put a finished video in the library after a failed download (the
/// creator freed space or chose another folder). Progress and the outcome arrive as
/// events.
#[tauri::command]
pub async fn tasks_download_again(state: State<'_, AppState>, id: TaskId) -> IpcResult<()> {
    state
        .engine()
        .download_again(id)
        .await
        .map_err(engine_error)
}

/// The creator's decision on a submission of unknown outcome; returns the new task when
/// it was sent again.
#[tauri::command]
pub async fn tasks_resolve_unknown(
    state: State<'_, AppState>,
    id: TaskId,
    choice: UnknownSubmissionChoice,
) -> IpcResult<Option<TaskView>> {
    let resolution = match choice {
        UnknownSubmissionChoice::SubmitAgain => UnknownResolution::ResubmitAnyway,
        UnknownSubmissionChoice::Abandon => UnknownResolution::Abandon,
    };
    match state
        .engine()
        .resolve_unknown(id, resolution)
        .await
        .map_err(refusal)?
    {
        Some(new_id) => view_of(&state, new_id).await.map(Some),
        None => Ok(None),
    }
}
