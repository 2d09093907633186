//! Takes of one request (make N at once, star or reject them, the takes of a group, a
//! take's request to compare) and what a task's details offer when something went wrong:
//! the support packet, built here from the ledger so the window never assembles it (and
//! so never sees more than the packet holds: no key, addresses redacted by the core).
//!
//! How many takes are made, at what total, and whether a repeat is refused is the
//! engine's (`submit_takes`); this only maps its answer.

use super::tasks::refusal;
use super::{blocking, read_task};
use crate::error::{ErrorCode, IpcError, IpcResult};
use crate::granted::GrantedFiles;
use crate::models::{Draft, SupportPacketView, TakeVerdict, TaskView};
use crate::state::AppState;
use seedance_core::engine::SubmitRefusal;
use seedance_core::ledger::{Ledger, TaskId};
use seedance_core::support::SupportPacket;
use std::sync::Arc;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;

/// The full views of `ids`, in order.
async fn views_of(state: &AppState, ids: Vec<TaskId>) -> IpcResult<Vec<TaskView>> {
    let ledger = state.ledger.clone();
    let engine = state.engine();
    blocking(move || {
        ids.iter()
            .map(|id| {
                read_task(&ledger, *id)
                    .map(|entry| TaskView::from_entry(&entry, &engine.summary(&entry)))
            })
            .collect()
    })
    .await
}

/// Queues `takes` tasks from one draft as one group; see the command list.
pub async fn tasks_submit_takes(
    app: AppHandle,
    state: State<'_, AppState>,
    draft: Draft,
    takes: u32,
    second_take: Option<bool>,
) -> IpcResult<Vec<TaskView>> {
    app.state::<GrantedFiles>().check_draft(&draft)?;
    let engine = state.engine();
    match engine
        .submit_takes(
            draft.to_request()?,
            takes,
            None,
            second_take.unwrap_or(false),
        )
        .await
    {
        Ok(ids) => views_of(&state, ids).await,
        Err(SubmitRefusal::Duplicate {
            existing,
            seconds_ago,
            ..
        }) => {
            let ledger = state.ledger.clone();
            let each = blocking(move || Ok(ledger.get(existing).ok()))
                .await?
                .and_then(|entry| entry.estimate_credits);
            Err(IpcError::new(
                ErrorCode::DuplicateDraft,
                more_takes_question(seconds_ago, takes, each),
            ))
        }
        Err(other) => Err(refusal(other)),
    }
}

/// The question a repeated "Generate ×N" asks: when the first went and what N more cost.
fn more_takes_question(seconds_ago: f64, takes: u32, each: Option<f64>) -> String {
    let seconds = seconds_ago.round().max(1.0);
    let unit = if seconds == 1.0 { "second" } else { "seconds" };
    let (ask, them) = if takes == 1 {
        ("Send it again as a second take?".to_owned(), "It costs")
    } else {
        (format!("Make {takes} more takes?"), "They cost")
    };
    let costs = each.map_or_else(
        || "They are charged again.".to_owned(),
        |credits| format!("{them} {:.0} credits.", credits * f64::from(takes)),
    );
    format!("You sent this same draft {seconds:.0} {unit} ago. {ask} {costs}")
}

/// Stars, rejects or clears the verdict of task `id`; its view after.
pub async fn task_set_verdict(
    state: State<'_, AppState>,
    id: TaskId,
    verdict: Option<TakeVerdict>,
) -> IpcResult<TaskView> {
    let ledger = state.ledger.clone();
    blocking(move || {
        ledger
            .set_verdict(id, verdict.map(Into::into))
            .map_err(IpcError::from)
    })
    .await?;
    let mut views = views_of(&state, vec![id]).await?;
    views
        .pop()
        .ok_or_else(|| IpcError::new(ErrorCode::NotFound, "That task is not in the history."))
}

/// The takes of task `id`'s group, in order; empty when it was made alone.
pub async fn task_takes(state: State<'_, AppState>, id: TaskId) -> IpcResult<Vec<TaskView>> {
    let ledger = state.ledger.clone();
    let ids = blocking(move || {
        read_task(&ledger, id)?;
        match ledger.take_group(id).map_err(IpcError::storage)? {
            Some(group) => ledger.group_takes(group).map_err(IpcError::storage),
            None => Ok(Vec::new()),
        }
    })
    .await?;
    views_of(&state, ids).await
}

/// Task `id`'s request as a draft, to compare it with another.
pub async fn task_request(state: State<'_, AppState>, id: TaskId) -> IpcResult<Draft> {
    let ledger = state.ledger.clone();
    let entry = blocking(move || read_task(&ledger, id)).await?;
    Ok(Draft::from_request(&entry.request))
}

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

#[cfg(test)]
mod tests {
    use super::more_takes_question;

    #[test]
    fn a_repeated_set_of_takes_says_when_and_what_more_cost() {
        assert_eq!(
            more_takes_question(2.4, 3, Some(200.0)),
            "You sent this same draft 2 seconds ago. Make 3 more takes? They cost 600 credits."
        );
        assert_eq!(
            more_takes_question(0.2, 1, None),
            "You sent this same draft 1 second ago. Send it again as a second take? They are charged again."
        );
    }
}
