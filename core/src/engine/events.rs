//! What the engine tells the UI, and the port it tells it through.
//!
//! Owns the event vocabulary. Events carry no API key and no signed URL: task summaries
//! hold only the result's public URL and local paths, progress events only numbers.

use serde::Serialize;

use crate::ledger::{TaskEntry, TaskId, TaskSummary};

/// Receives engine events. Called from the scheduler task: must return quickly and never
/// block (forward to a channel or the webview).
pub trait EventSink: Send + Sync {
    fn emit(&self, event: EngineEvent);
}

/// One thing that changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
// `TaskChanged` carries a whole gallery row (~240 bytes) and the other variants a few ids.
// Events are built a handful of times per task change and moved once into the sink, so
// the size costs nothing measurable; boxing the row would change every emitter and match.
#[allow(clippy::large_enum_variant)]
pub enum EngineEvent {
    /// A task's state (or its failure guidance, or its files) changed. Exactly one per
    /// change: polls that find nothing new emit nothing.
    TaskChanged {
        task: TaskSummary,
    },
    /// Bytes of reference `reference` (position in the request) sent so far.
    UploadProgress {
        task_id: TaskId,
        reference: usize,
        sent: u64,
        total: u64,
    },
    /// Bytes of a result file received so far.
    DownloadProgress {
        task_id: TaskId,
        file: crate::library::ResultFile,
        received: u64,
        total: Option<u64>,
    },
    /// The local queue: ids in the order they will be sent, tasks running on the service,
    /// and the account's concurrency limit when known.
    QueueChanged {
        queued: Vec<TaskId>,
        running: u32,
        limit: Option<u32>,
    },
    /// The service rejected the key (its own 401 to a request sent with the current
    /// key), or no key is saved: no request is sent until a key is saved.
    PollingPaused {
        reason: String,
    },
    PollingResumed,
    /// The engine's view of the key changed (working, missing, rejected by the service,
    /// or the keychain cannot be read right now). Tasks it holds say
    /// `waiting_for: working_key` meanwhile.
    KeyStateChanged {
        key: crate::engine::KeyState,
    },
    /// A stop is waiting for createTask answers so their task ids are recorded:
    /// `remaining` requests are still on the wire ("finishing sending N tasks"); 0 when
    /// done.
    FinishingSends {
        remaining: u32,
    },
    /// The service created (and charged for) a task but the task history could not
    /// record its id (disk full, I/O error). The engine keeps following it; the id is
    /// kept in the journal beside the history when `kept_in_journal`, else only in
    /// memory until the history can be written. The message tells the creator about the
    /// disk.
    HistoryWriteFailed {
        task_id: TaskId,
        remote_task_id: String,
        kept_in_journal: bool,
        disk_problem: Option<crate::library::DiskProblem>,
        message: String,
    },
    /// A succeeded task's files could not be put in the library and the engine has
    /// stopped trying for now. The task stays `Succeeded` with its remote URL (nothing
    /// is lost); it is tried again at the next start or when asked
    /// ([`crate::engine::EngineHandle::download_again`]).
    DownloadFailed {
        task_id: TaskId,
        /// Set when the library folder is the problem; the creator has to act.
        disk_problem: Option<crate::library::DiskProblem>,
        /// A sentence for the creator: what went wrong and what to do.
        message: String,
    },
}

/// The gallery row of a task, built from the whole entry.
pub fn summary_of(entry: &TaskEntry) -> TaskSummary {
    TaskSummary {
        id: entry.id,
        state: entry.state,
        prompt: entry.request.prompt.chars().take(200).collect(),
        model: entry.request.model.wire_id().to_owned(),
        resolution: entry.request.resolution.wire_id().to_owned(),
        duration_secs: entry.request.duration_secs,
        created_at_ms: entry.created_at_ms,
        completed_at_ms: entry.completed_at_ms,
        video_path: entry.video_path.clone(),
        poster_path: entry.poster_path.clone(),
        output_url: entry.output.as_ref().map(|o| o.url.clone()),
        failure_category: entry
            .failure
            .as_ref()
            .and_then(|f| f.get("category"))
            .and_then(|c| c.as_str())
            .map(str::to_owned),
        estimate_credits: entry.estimate_credits,
        retry_of: entry.retry_of,
        retried_as: entry.retried_as,
        service: entry.service.clone(),
        dismissed: entry.dismissed,
        waiting_for: None,
        reserved_credits: entry.reserved_credits(),
        settled_credits: entry.settled_credits,
        settlement_pending: entry.settlement_pending(),
        output_mismatch: entry.output_check.as_ref().and_then(|c| c.summary()),
        last_frame_path: entry.last_frame_path.clone(),
        source_task: entry.source_task,
        joined_path: entry.joined_path.clone(),
        take: entry.take,
        verdict: entry.verdict,
    }
}
