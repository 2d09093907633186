//! Tasks as the tasks panel and the gallery show them, and the creator's decision on a
//! submission of unknown outcome.

use super::{FailureCategory, GuidanceView, TakeOfView, TakeVerdict};
use seedance_core::guidance::{Category, Guidance};
use seedance_core::ledger::{LocalState, TaskEntry, TaskSummary, TaskWait};
use seedance_core::model::ModelId;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

mirror_core_enum! {
    /// Where a task stands: the ledger's states, under the names it stores.
    pub enum TaskState mirrors LocalState {
        Draft,
        Queued,
        Submitting,
        Waiting,
        Generating,
        Succeeded,
        Downloaded,
        Failed,
        SubmissionUnknown,
        Stuck,
        NotFound,
        Cancelled,
    }
}

/// Where a state sits in a task's life. One exhaustive match, so a state added in the
/// core has to be placed here (and so in every group the UI reads) before the shell
/// builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Composed, not meant to be sent yet.
    Draft,
    /// In this app's hands before the service has it: queued or being sent.
    Local,
    /// The service is making it; the clock runs against the model's usual time.
    OnService,
    /// The service no longer knows its id; still asked about.
    Lost,
    /// Sent with an unknown outcome: nothing happens until the creator decides.
    NeedsDecision,
    /// Made by the service; its files are being saved.
    Saving,
    /// Made and in the library.
    Saved,
    Failed,
    /// Withdrawn before it was sent.
    Cancelled,
}

pub(crate) fn phase(state: LocalState) -> Phase {
    match state {
        LocalState::Draft => Phase::Draft,
        LocalState::Queued | LocalState::Submitting => Phase::Local,
        LocalState::Waiting | LocalState::Generating | LocalState::Stuck => Phase::OnService,
        LocalState::NotFound => Phase::Lost,
        LocalState::SubmissionUnknown => Phase::NeedsDecision,
        LocalState::Succeeded => Phase::Saving,
        LocalState::Downloaded => Phase::Saved,
        LocalState::Failed => Phase::Failed,
        LocalState::Cancelled => Phase::Cancelled,
    }
}

/// The states the UI treats alike, sent with the catalog so the UI keeps no list of
/// state names of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StateGroups {
    /// The engine is still working on it (the core's `LocalState::is_in_flight`).
    pub in_flight: Vec<TaskState>,
    /// Running on the service: the elapsed time is shown against the model's usual time.
    pub on_service: Vec<TaskState>,
    /// Waits for the creator's decision before anything else happens.
    pub needs_decision: Vec<TaskState>,
    /// The service made the video (in the library, or being saved there).
    pub finished: Vec<TaskState>,
    /// Failed, or lost by the service: shown with its failure card.
    pub failed: Vec<TaskState>,
    /// Withdrawn before it was sent; nothing was spent.
    pub cancelled: Vec<TaskState>,
    /// Nothing more happens to it unless the creator acts: saved, failed or cancelled.
    pub settled: Vec<TaskState>,
}

impl StateGroups {
    pub fn current() -> StateGroups {
        let group = |member: &dyn Fn(LocalState) -> bool| {
            LocalState::ALL
                .into_iter()
                .filter(|state| member(*state))
                .map(TaskState::from)
                .collect()
        };
        let in_phases = |phases: &[Phase]| group(&|state| phases.contains(&phase(state)));
        StateGroups {
            in_flight: group(&LocalState::is_in_flight),
            on_service: in_phases(&[Phase::OnService]),
            needs_decision: in_phases(&[Phase::NeedsDecision]),
            finished: in_phases(&[Phase::Saving, Phase::Saved]),
            failed: in_phases(&[Phase::Failed, Phase::Lost]),
            cancelled: in_phases(&[Phase::Cancelled]),
            settled: in_phases(&[Phase::Saved, Phase::Failed, Phase::Cancelled]),
        }
    }
}

/// A stored category name as the UI's type; a name this build does not know (written by
/// a newer one) is `unknown`, as the card shows it.
fn category_named(name: &str) -> FailureCategory {
    serde_json::from_value::<Category>(serde_json::Value::String(name.to_owned()))
        .map_or(FailureCategory::Unknown, FailureCategory::from)
}

/// One task as the tasks panel and the gallery show it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TaskView {
    #[ts(type = "number")]
    pub id: i64,
    pub state: TaskState,
    pub prompt: String,
    pub model: String,
    pub model_label: String,
    pub resolution: String,
    pub duration_secs: u32,
    #[ts(type = "number")]
    pub created_at_ms: i64,
    #[ts(type = "number | null")]
    pub submitted_at_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub completed_at_ms: Option<i64>,
    /// Typical generation time for this model and input, in seconds.
    pub expected_secs: Option<ExpectedWindow>,
    #[ts(type = "number | null")]
    pub queue_position: Option<i64>,
    pub credits: Option<f64>,
    pub video_path: Option<String>,
    pub poster_path: Option<String>,
    /// The service's result URL (https), when finished.
    pub output_url: Option<String>,
    /// The failure's category, when it failed; one this build does not know reads as
    /// `unknown`.
    pub failure_category: Option<FailureCategory>,
    pub guidance: Option<GuidanceView>,
    /// The task this one was created to retry (its id), when it is a retry.
    #[ts(type = "number | null")]
    pub retry_of: Option<i64>,
    /// The newest task created as a retry of this one: the card leads there instead of
    /// offering to spend again.
    #[ts(type = "number | null")]
    pub retried_as: Option<i64>,
    /// Why the engine holds the task, when it does: the row says so instead of
    /// "Generating" or "Waiting for a free slot".
    pub waiting_for: Option<WaitingFor>,
    /// The service (API address) the task was composed for; `null` when recorded before
    /// tasks kept it.
    pub service: Option<String>,
    /// The creator dismissed it (stuck): no longer polled nor counted as in progress.
    pub dismissed: bool,
    /// Credits reserved when it was sent (an Extend or Edit reserves less than it settles).
    pub reserved_credits: Option<f64>,
    /// The charge the service settled at after success, once read.
    pub settled_credits: Option<f64>,
    /// The charge settles after success and has not been read settled yet.
    pub settlement_pending: bool,
    /// How the saved file differs from the request, in one line; `null` when it matches.
    pub output_mismatch: Option<String>,
    /// The finished task this one extends or edits.
    #[ts(type = "number | null")]
    pub source_task: Option<i64>,
    /// The joined clip of an extension (source then new footage, one file), once made.
    pub joined_path: Option<String>,
    /// Its place among the takes made with it ("Take 2 of 3"), when it is one of several.
    pub take: Option<TakeOfView>,
    /// Starred (kept) or rejected by the creator.
    pub verdict: Option<TakeVerdict>,
}

/// Why the engine holds a task that could move (the core's `TaskWait`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum WaitingFor {
    /// Made for another service than the one in use; it moves only when the creator
    /// says so (`tasks_retarget`).
    OtherService { service: Option<String> },
    /// No working key: the service refused it, or the keychain cannot be read now.
    WorkingKey,
    /// The account's concurrency limit is reached.
    FreeSlot,
    /// Queued before this run; this run sends only what it was given.
    NotSentByThisRun,
}

impl From<&TaskWait> for WaitingFor {
    fn from(wait: &TaskWait) -> WaitingFor {
        match wait {
            TaskWait::OtherService { service } => WaitingFor::OtherService {
                service: service.clone(),
            },
            TaskWait::WorkingKey => WaitingFor::WorkingKey,
            TaskWait::FreeSlot => WaitingFor::FreeSlot,
            TaskWait::NotSentByThisRun => WaitingFor::NotSentByThisRun,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, TS)]
pub struct ExpectedWindow {
    pub earliest: u32,
    pub latest: u32,
}

impl TaskView {
    /// A list row: the summary carries no guidance or timing detail.
    pub fn from_summary(s: &TaskSummary) -> TaskView {
        let model = ModelId::from_wire_id(&s.model);
        TaskView {
            id: s.id,
            state: s.state.into(),
            prompt: s.prompt.clone(),
            model: s.model.clone(),
            model_label: model.map_or_else(|| s.model.clone(), |m| m.label().to_owned()),
            resolution: s.resolution.clone(),
            duration_secs: s.duration_secs,
            created_at_ms: s.created_at_ms,
            submitted_at_ms: None,
            completed_at_ms: s.completed_at_ms,
            expected_secs: None,
            queue_position: None,
            credits: s.estimate_credits,
            video_path: s.video_path.as_ref().map(|p| p.display().to_string()),
            poster_path: s.poster_path.as_ref().map(|p| p.display().to_string()),
            output_url: s.output_url.clone(),
            failure_category: s.failure_category.as_deref().map(category_named),
            guidance: None,
            retry_of: s.retry_of,
            retried_as: s.retried_as,
            waiting_for: s.waiting_for.as_ref().map(WaitingFor::from),
            service: s.service.clone(),
            dismissed: s.dismissed,
            reserved_credits: s.reserved_credits,
            settled_credits: s.settled_credits,
            settlement_pending: s.settlement_pending,
            output_mismatch: s.output_mismatch.clone(),
            source_task: s.source_task,
            joined_path: s.joined_path.as_ref().map(|p| p.display().to_string()),
            take: s.take.map(TakeOfView::from),
            verdict: s.verdict.map(TakeVerdict::from),
        }
    }
}

impl TaskView {
    /// The full view of one task: guidance, timing and queue position included, and
    /// why the engine holds it (from `summary`, the engine's row of the entry).
    pub fn from_entry(entry: &TaskEntry, summary: &TaskSummary) -> TaskView {
        let mut view = TaskView::from_summary(summary);
        let request = &entry.request;
        let window = request
            .model
            .expected_generation(request.resolution, request.has_reference_video());
        let secs = |d: std::time::Duration| u32::try_from(d.as_secs()).unwrap_or(u32::MAX);
        view.expected_secs = Some(ExpectedWindow {
            earliest: secs(window.earliest),
            latest: secs(window.latest),
        });
        view.submitted_at_ms = entry.submitted_at_ms;
        view.queue_position = entry.queue_position;
        view.credits = entry.service_credits.or(entry.estimate_credits);
        view.guidance = entry
            .failure
            .as_ref()
            .and_then(|json| serde_json::from_value::<Guidance>(json.clone()).ok())
            .map(|g| GuidanceView::from(&g));
        view
    }
}

/// Moving a queued task to the service in use: the quote, or the move done.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RetargetView {
    #[ts(type = "number")]
    pub task: i64,
    /// The service the task was made for (`null`: recorded before tasks kept it).
    pub from: Option<String>,
    /// The service in use, where it would go.
    pub to: String,
    /// What sending it there is estimated to cost, in credits.
    pub estimate_credits: Option<f64>,
    /// True once moved; false for the quote alone.
    pub moved: bool,
}

impl From<&seedance_core::engine::Retarget> for RetargetView {
    fn from(r: &seedance_core::engine::Retarget) -> RetargetView {
        RetargetView {
            task: r.task,
            from: r.from.clone(),
            to: r.to.clone(),
            estimate_credits: r.estimate_credits,
            moved: r.moved,
        }
    }
}

/// What to do with a submission whose outcome is unknown.
#[derive(Debug, Clone, Copy, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum UnknownSubmissionChoice {
    /// Send it again, knowing it may be charged twice.
    SubmitAgain,
    /// Give up on it; nothing is sent.
    Abandon,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn task_states_cross_under_the_names_the_ledger_stores() {
        for state in LocalState::ALL {
            let mirrored = TaskState::from(state);
            assert_eq!(
                serde_json::to_value(mirrored).unwrap(),
                serde_json::Value::String(state.as_str().to_owned())
            );
            assert_eq!(LocalState::from(mirrored), state);
        }
        assert_eq!(TaskState::ALL.len(), LocalState::ALL.len());
    }

    #[test]
    fn the_groups_follow_the_cores_own_predicate() {
        let groups = StateGroups::current();
        for state in LocalState::ALL {
            let local_or_on_service = matches!(phase(state), Phase::Local | Phase::OnService);
            assert_eq!(state.is_in_flight(), local_or_on_service, "{state}");
            assert_eq!(
                groups.in_flight.contains(&state.into()),
                state.is_in_flight(),
                "{state}"
            );
        }
        let names = |states: &[TaskState]| -> Vec<String> {
            states
                .iter()
                .map(|s| LocalState::from(*s).as_str().to_owned())
                .collect()
        };
        // The lists the UI kept by hand before the catalog carried them.
        assert_eq!(names(&groups.finished), ["succeeded", "downloaded"]);
        assert_eq!(names(&groups.failed), ["failed", "not_found"]);
        assert_eq!(
            names(&groups.on_service),
            ["waiting", "generating", "stuck"]
        );
        assert_eq!(names(&groups.needs_decision), ["submission_unknown"]);
        assert_eq!(names(&groups.cancelled), ["cancelled"]);
        assert_eq!(
            names(&groups.settled),
            ["downloaded", "failed", "cancelled"]
        );
    }

    #[test]
    fn an_unknown_stored_category_reads_as_unknown() {
        assert_eq!(
            category_named("insufficient_credits"),
            FailureCategory::InsufficientCredits
        );
        assert_eq!(
            category_named("from_a_newer_build"),
            FailureCategory::Unknown
        );
    }
}
