//! Running generations: submit, the tasks still moving, retry, cancel, download again,
//! and the creator's decision on a submission of unknown outcome.

use super::{blocking, read_task};
use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::granted::GrantedFiles;
use crate::models::{
    phase, Draft, EngineStatusView, Phase, RetargetView, TaskView, UnknownSubmissionChoice,
};
use crate::state::AppState;
use seedance_core::engine::{EngineError, SubmitRefusal, UnknownResolution};
use seedance_core::ledger::{ListQuery, LocalState, TaskId};
use tauri::{AppHandle, Manager, State};

pub(crate) fn refusal(error: SubmitRefusal) -> IpcError {
    match error {
        SubmitRefusal::Invalid { problems } => IpcError::invalid(problems.first().map_or_else(
            || "The request cannot be sent as it is.".to_owned(),
            |p| p.message.clone(),
        )),
        SubmitRefusal::SpendingCap { guidance } => IpcError::invalid(guidance.explanation),
        SubmitRefusal::NoPrice { message } => IpcError::invalid(message),
        SubmitRefusal::NotAllowed { message, .. } => IpcError::new(ErrorCode::NotAllowed, message),
        SubmitRefusal::Duplicate { message, .. } => {
            IpcError::new(ErrorCode::DuplicateDraft, message)
        }
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
    let engine = state.engine();
    blocking(move || {
        read_task(&ledger, id).map(|entry| TaskView::from_entry(&entry, &engine.summary(&entry)))
    })
    .await
}

/// Queues a generation; it is sent as soon as a slot is free. Returns once the engine has
/// recorded the task, so a button kept disabled for the call's length cannot send twice.
pub async fn tasks_submit(
    app: AppHandle,
    state: State<'_, AppState>,
    draft: Draft,
    second_take: Option<bool>,
) -> IpcResult<TaskView> {
    app.state::<GrantedFiles>().check_draft(&draft)?;
    let engine = state.engine();
    match engine
        .submit_with(draft.to_request()?, second_take.unwrap_or(false))
        .await
    {
        Ok(id) => view_of(&state, id).await,
        Err(SubmitRefusal::Duplicate {
            existing,
            seconds_ago,
            ..
        }) => {
            let ledger = state.ledger.clone();
            let cost = blocking(move || Ok(ledger.get(existing).ok()))
                .await?
                .and_then(|entry| entry.estimate_credits);
            Err(IpcError::new(
                ErrorCode::DuplicateDraft,
                second_take_question(seconds_ago, cost),
            ))
        }
        Err(other) => Err(refusal(other)),
    }
}

/// The question a repeated draft asks: when the first one went and what another costs.
fn second_take_question(seconds_ago: f64, cost: Option<f64>) -> String {
    let seconds = seconds_ago.round().max(1.0);
    let unit = if seconds == 1.0 { "second" } else { "seconds" };
    let costs = cost.map_or_else(
        || "It is charged again.".to_owned(),
        |credits| format!("It costs {credits:.0} credits."),
    );
    format!(
        "You sent this same draft {seconds:.0} {unit} ago. Send it again as a second take? {costs}"
    )
}

/// Whether the tasks panel lists the task: the engine still works on it, it waits for the
/// creator's decision, or its files are being saved.
fn in_tasks_panel(state: LocalState) -> bool {
    state.is_in_flight() || matches!(phase(state), Phase::NeedsDecision | Phase::Saving)
}

/// Tasks still moving, and those waiting for the creator's decision, oldest first.
pub async fn tasks_in_flight(state: State<'_, AppState>) -> IpcResult<Vec<TaskView>> {
    let ledger = state.ledger.clone();
    let engine = state.engine();
    blocking(move || {
        let query = ListQuery {
            states: LocalState::ALL
                .into_iter()
                .filter(|state| in_tasks_panel(*state))
                .collect(),
            ..ListQuery::default()
        };
        let mut views = Vec::new();
        for summary in ledger.list(&query).map_err(IpcError::storage)?.iter().rev() {
            let entry = read_task(&ledger, summary.id)?;
            views.push(TaskView::from_entry(&entry, &engine.summary(&entry)));
        }
        Ok(views)
    })
    .await
}

/// The engine's service, key state and the sends a stop still waits for.
pub fn engine_status(state: State<'_, AppState>) -> IpcResult<EngineStatusView> {
    Ok(EngineStatusView::from(&state.engine().status()))
}

pub async fn task_get(state: State<'_, AppState>, id: TaskId) -> IpcResult<TaskView> {
    view_of(&state, id).await
}

/// Sends a failed task's request again as a new task. `confirm_may_charge_twice` is
/// needed when the first one may already have been charged.
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
pub async fn tasks_cancel(state: State<'_, AppState>, id: TaskId) -> IpcResult<()> {
    state.engine().cancel(id).await.map_err(engine_error)
}

/// Tries again to put a finished video in the library after a failed download (the
/// creator freed space or chose another folder). Progress and the outcome arrive as
/// events.
pub async fn tasks_download_again(state: State<'_, AppState>, id: TaskId) -> IpcResult<()> {
    state
        .engine()
        .download_again(id)
        .await
        .map_err(engine_error)
}

/// The creator's decision on a submission of unknown outcome; returns the new task when
/// it was sent again.
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

/// Moves queued task `id`, made for another service, to the service in use: the quote
/// without `confirm`, the move with it.
pub async fn tasks_retarget(
    state: State<'_, AppState>,
    id: TaskId,
    confirm: bool,
) -> IpcResult<RetargetView> {
    let moved = state
        .engine()
        .retarget(id, confirm)
        .await
        .map_err(refusal)?;
    Ok(RetargetView::from(&moved))
}

/// Dismisses a stuck task; it keeps its task id and can be checked again.
pub async fn tasks_dismiss(state: State<'_, AppState>, id: TaskId) -> IpcResult<()> {
    state.engine().dismiss(id).await.map_err(engine_error)
}

/// Asks the service about task `id` again now; never resubmits.
pub async fn tasks_check_again(state: State<'_, AppState>, id: TaskId) -> IpcResult<()> {
    state.engine().check_again(id).await.map_err(engine_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_draft_asks_with_the_time_and_the_cost() {
        assert_eq!(
            second_take_question(0.06, Some(200.0)),
            "You sent this same draft 1 second ago. Send it again as a second take? It costs 200 credits."
        );
        assert_eq!(
            second_take_question(4.4, None),
            "You sent this same draft 4 seconds ago. Send it again as a second take? It is charged again."
        );
    }

    #[test]
    fn the_tasks_panel_lists_what_moves_waits_for_a_decision_or_is_being_saved() {
        let listed: Vec<&str> = LocalState::ALL
            .into_iter()
            .filter(|state| in_tasks_panel(*state))
            .map(LocalState::as_str)
            .collect();
        assert_eq!(
            listed,
            [
                "queued",
                "submitting",
                "waiting",
                "generating",
                "succeeded",
                "submission_unknown",
                "stuck"
            ]
        );
    }
}
