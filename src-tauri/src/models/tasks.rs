//! Tasks as the tasks panel and the gallery show them, and the creator's decision on a
//! submission of unknown outcome.

use super::GuidanceView;
use seedance_core::engine::summary_of;
use seedance_core::guidance::Guidance;
use seedance_core::ledger::{TaskEntry, TaskSummary};
use seedance_core::model::ModelId;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One task as the tasks panel and the gallery show it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TaskView {
    #[ts(type = "number")]
    pub id: i64,
    /// The ledger's state name (`"waiting"`, `"downloaded"`, `"submission_unknown"`, …).
    pub state: String,
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
    pub failure_category: Option<String>,
    pub guidance: Option<GuidanceView>,
    /// The task this one was created to retry (its id), when it is a retry.
    #[ts(type = "number | null")]
    pub retry_of: Option<i64>,
    /// The newest task created as a retry of this one: the card leads there instead of
    /// offering to spend again.
    #[ts(type = "number | null")]
    pub retried_as: Option<i64>,
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
            state: s.state.as_str().to_owned(),
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
            failure_category: s.failure_category.clone(),
            guidance: None,
            retry_of: s.retry_of,
            retried_as: s.retried_as,
        }
    }
}

impl TaskView {
    /// The full view of one task: guidance, timing and queue position included.
    pub fn from_entry(entry: &TaskEntry) -> TaskView {
        let mut view = TaskView::from_summary(&summary_of(entry));
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

/// What to do with a submission whose outcome is unknown.
#[derive(Debug, Clone, Copy, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum UnknownSubmissionChoice {
    /// Send it again, knowing it may be charged twice.
    SubmitAgain,
    /// Give up on it; nothing is sent.
    Abandon,
}
