//! The task ledger: the durable record of every generation, so no paid task is ever lost
//! (design promise 2).
//!
//! Owns `ledger.sqlite3` (and its `-wal`/`-shm` companions, `ledger.lock`,
//! `ledger.clean-close`, the last good copy `ledger.last-good.sqlite3` and the task id
//! journal `ledger.journal`) in the data folder: opening, locking, schema migration,
//! checking integrity, moving a corrupt file aside and restoring what can be restored,
//! recording a clean close, and every state change of a task, including the checks that
//! keep credits from being spent twice (one retry per task, no same draft twice within
//! seconds), each made in the transaction that writes. Each public write is one SQLite transaction committed
//! with `synchronous=FULL` in WAL mode, so it is on disk when the call returns: the
//! engine relies on [`Ledger::mark_submitting`] being durable before `createTask` is
//! sent and [`Ledger::record_submitted`] before anything else happens.
//!
//! It does not talk HTTP, schedule polls, classify failures (guidance JSON is stored
//! opaque) or touch video files (that is `library`).

mod prompts;
mod spend;

pub use prompts::{
    ImportReport, PastPrompt, PromptKind, SavedPrompt, PROMPT_NAME_MAX_CHARS, PROMPT_TEXT_MAX_CHARS,
};
pub use spend::{period_start, ReportedBalance, SpendReport, SpendRow};

use crate::api::{OutputItem, TaskError, TaskRecord, TaskStatus};
use crate::request::GenerationRequest;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod results;
mod salvage;
mod sequences;
mod timings;
pub use salvage::SalvagedRecords;
use sequences::{take_marks, TAKE_COLUMNS};
pub use sequences::{
    Film, FilmId, Sequence, SequenceId, SequenceSummary, Shot, ShotId, ShotLink, Take, TakeOf,
    TakesCreated, Verdict,
};

/// The ledger's database file inside the data folder.
pub const LEDGER_FILE: &str = "ledger.sqlite3";
/// Held with an exclusive OS lock while a [`Ledger`] is open, so only one process writes.
pub const LOCK_FILE: &str = "ledger.lock";
/// Written beside the ledger by [`Ledger::close_cleanly`]: the file's size and modification
/// time at a clean close. While they still match (and no write-ahead log is pending), the
/// next [`Ledger::open`] skips `quick_check`, which reads the whole history on every start
/// (its cost is in docs/benchmarks.md, the start-up passes).
/// Removed by every open, so after a crash, or any change to the file since, the full check
/// runs again.
pub const CLEAN_CLOSE_FILE: &str = "ledger.clean-close";
/// The schema this build writes. A file with a newer number is opened read-only.
/// Version 2 added the service each task was composed for, the creator's dismissal of a
/// stuck task and the request fingerprint that catches a double submission. Version 3
/// added the prompt library (`prompts::MIGRATE_PROMPT_LIBRARY`), version 4 sequences, take
/// groups and verdicts (`sequences::MIGRATE_SEQUENCES`), version 5 what happens after a
/// task succeeds (`MIGRATE_TASK_RESULTS`).
pub const SCHEMA_VERSION: i64 = 5;
/// The last good copy of the ledger (SQLite's online backup), written at a clean close
/// and from time to time while the app runs ([`Ledger::backup`]). When the ledger is
/// found damaged, its rows are restored from here before the damaged file's own readable
/// rows are salvaged, so the task ids of paid generations survive.
pub const BACKUP_FILE: &str = "ledger.last-good.sqlite3";
/// An append-only, fsynced journal of task ids the service gave us while the ledger could
/// not record them (disk full, I/O error): [`Ledger::journal_submission`]. Replayed into
/// the ledger at the next open, then removed.
pub const JOURNAL_FILE: &str = "ledger.journal";

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const SUMMARY_PROMPT_CHARS: i64 = 200;

/// Local id of a task; assigned by the ledger, never reused.
pub type TaskId = i64;

/// Where a task stands, as this app knows it. Remote statuses map onto
/// `Waiting`/`Generating`/`Succeeded`/`Failed`; the rest are local facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalState {
    /// Composed but not meant to be sent yet.
    Draft,
    /// Waiting for a free submission slot; nothing spent.
    Queued,
    /// The intent to send `createTask` is durable; the answer has not been recorded.
    Submitting,
    Waiting,
    Generating,
    /// Finished on the service; files not yet in the library.
    Succeeded,
    /// Finished and its files are in the library.
    Downloaded,
    Failed,
    /// `createTask` may or may not have reached the service; never resubmitted silently.
    SubmissionUnknown,
    /// Took longer than the model's documented worst case; still polled.
    Stuck,
    /// The service does not know the remote task id.
    NotFound,
    /// Withdrawn before submission; nothing was spent.
    Cancelled,
}

impl LocalState {
    pub const ALL: [LocalState; 12] = [
        LocalState::Draft,
        LocalState::Queued,
        LocalState::Submitting,
        LocalState::Waiting,
        LocalState::Generating,
        LocalState::Succeeded,
        LocalState::Downloaded,
        LocalState::Failed,
        LocalState::SubmissionUnknown,
        LocalState::Stuck,
        LocalState::NotFound,
        LocalState::Cancelled,
    ];

    /// The stored and serialized name (snake_case).
    pub fn as_str(self) -> &'static str {
        match self {
            LocalState::Draft => "draft",
            LocalState::Queued => "queued",
            LocalState::Submitting => "submitting",
            LocalState::Waiting => "waiting",
            LocalState::Generating => "generating",
            LocalState::Succeeded => "succeeded",
            LocalState::Downloaded => "downloaded",
            LocalState::Failed => "failed",
            LocalState::SubmissionUnknown => "submission_unknown",
            LocalState::Stuck => "stuck",
            LocalState::NotFound => "not_found",
            LocalState::Cancelled => "cancelled",
        }
    }

    pub fn parse(name: &str) -> Option<LocalState> {
        LocalState::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// States the engine must keep working on after a restart.
    pub fn is_in_flight(self) -> bool {
        matches!(
            self,
            LocalState::Queued
                | LocalState::Submitting
                | LocalState::Waiting
                | LocalState::Generating
                | LocalState::Stuck
        )
    }

    /// A task whose remote id the service has, and which may still change there.
    fn is_polled(self) -> bool {
        matches!(
            self,
            LocalState::Waiting | LocalState::Generating | LocalState::Stuck | LocalState::NotFound
        )
    }
}

impl std::fmt::Display for LocalState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One task, whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskEntry {
    pub id: TaskId,
    pub request: GenerationRequest,
    pub state: LocalState,
    pub remote_task_id: Option<String>,
    /// The task this one retries, when it was created by a retry.
    pub retry_of: Option<TaskId>,
    /// The newest task created as a retry of this one, if any: a failure already retried
    /// must not offer to spend again as if it had not been.
    pub retried_as: Option<TaskId>,
    /// The service (API base URL) the task was composed for; polls, downloads and the
    /// submission use it whatever the current setting. `None` only for tasks recorded
    /// before the ledger kept it (schema 1) and not yet adopted by an engine.
    #[serde(default)]
    pub service: Option<String>,
    /// The creator dismissed this stuck (or not found) task: it is no longer polled nor
    /// shown as in progress, and keeps its task id.
    #[serde(default)]
    pub dismissed: bool,
    pub estimate_credits: Option<f64>,
    /// `creditsUsed` as the service reported it (kept even after a refund).
    pub service_credits: Option<f64>,
    pub output: Option<OutputItem>,
    /// The guidance JSON; opaque to the ledger except its `category` for the gallery.
    pub failure: Option<serde_json::Value>,
    pub error_raw: Option<TaskError>,
    pub video_path: Option<PathBuf>,
    pub poster_path: Option<PathBuf>,
    pub created_at_ms: i64,
    pub submitted_at_ms: Option<i64>,
    pub updated_at_ms: i64,
    pub completed_at_ms: Option<i64>,
    /// Order among `Queued` tasks (lower goes first); `None` once it leaves the queue.
    pub queue_position: Option<i64>,
    pub poll_count: i64,
    /// What a spending cap counts for this task until the service has settled its
    /// charge ([`crate::pricing::CreditEstimate::cap_credits`]); `None` when the model's
    /// reservation is final. Set when the task is recorded.
    #[serde(default)]
    pub cap_credits: Option<f64>,
    /// The service's `creditsUsed` once it reflected the settlement after success; from
    /// then on the cap counts it.
    #[serde(default)]
    pub settled_credits: Option<f64>,
    /// When the settled figure was read.
    #[serde(default)]
    pub settled_at_ms: Option<i64>,
    /// The saved video compared with the request, once checked.
    #[serde(default)]
    pub output_check: Option<crate::output_check::OutputCheck>,
    /// The local copy of the result's last frame, saved at success (the 2.5 family's
    /// link expires after 24 hours).
    #[serde(default)]
    pub last_frame_path: Option<PathBuf>,
    /// The finished task this one was made from (the clip it extends or edits, or whose
    /// last frame it continues from).
    #[serde(default)]
    pub source_task: Option<TaskId>,
    /// For an extension: the joined clip (source then new footage) in the library.
    #[serde(default)]
    pub joined_path: Option<PathBuf>,
    /// Its place among the takes made with it from one request, when it is one of
    /// several.
    #[serde(default)]
    pub take: Option<TakeOf>,
    /// The creator's verdict (starred: kept; rejected).
    #[serde(default)]
    pub verdict: Option<Verdict>,
    /// The `model` the service's success answer named (informational: the output check
    /// compares it with the model sent).
    #[serde(default)]
    pub reported_model: Option<String>,
}

impl TaskEntry {
    /// The model settles this task's charge after success (its `creditsUsed` is
    /// rewritten then).
    pub fn settles_after_success(&self) -> bool {
        self.cap_credits.is_some()
    }

    /// Succeeded, settles after success, and the settled figure has not been read yet.
    pub fn settlement_pending(&self) -> bool {
        self.settles_after_success()
            && self.settled_credits.is_none()
            && matches!(self.state, LocalState::Succeeded | LocalState::Downloaded)
    }

    /// What the service reserved at submission: `creditsUsed` as reported while the task
    /// ran, else the estimate.
    pub fn reserved_credits(&self) -> Option<f64> {
        self.service_credits.or(self.estimate_credits)
    }
}

/// What a gallery card needs, without the full request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSummary {
    pub id: TaskId,
    pub state: LocalState,
    /// The first 200 characters of the prompt.
    pub prompt: String,
    /// Wire id of the model (`seedance-20`, ...).
    pub model: String,
    /// Wire id of the resolution (`720p`, ...).
    pub resolution: String,
    pub duration_secs: u32,
    pub created_at_ms: i64,
    pub completed_at_ms: Option<i64>,
    pub video_path: Option<PathBuf>,
    pub poster_path: Option<PathBuf>,
    pub output_url: Option<String>,
    /// `category` of the stored guidance, when the task failed.
    pub failure_category: Option<String>,
    pub estimate_credits: Option<f64>,
    /// The task this one retries, when it was created by a retry.
    pub retry_of: Option<TaskId>,
    /// The newest task created as a retry of this one.
    pub retried_as: Option<TaskId>,
    /// The service (API base URL) the task belongs to; see [`TaskEntry::service`].
    #[serde(default)]
    pub service: Option<String>,
    /// Dismissed by the creator (a stuck task that no longer counts as in progress).
    #[serde(default)]
    pub dismissed: bool,
    /// Why the engine is holding this task, when it is: filled in by the engine in its
    /// events (the ledger alone does not know the running service or the key's state).
    #[serde(default)]
    pub waiting_for: Option<TaskWait>,
    /// Credits reserved at submission ([`TaskEntry::reserved_credits`]).
    #[serde(default)]
    pub reserved_credits: Option<f64>,
    /// The settled charge once read after success ([`TaskEntry::settled_credits`]).
    #[serde(default)]
    pub settled_credits: Option<f64>,
    /// The charge settles after success and has not been read settled yet.
    #[serde(default)]
    pub settlement_pending: bool,
    /// How the saved file differs from the request, in one line ("Asked for 1080p, with
    /// audio, got 720p, without audio."); `None` when it matches or was not checked.
    #[serde(default)]
    pub output_mismatch: Option<String>,
    /// See [`TaskEntry::last_frame_path`].
    #[serde(default)]
    pub last_frame_path: Option<PathBuf>,
    /// See [`TaskEntry::source_task`].
    #[serde(default)]
    pub source_task: Option<TaskId>,
    /// See [`TaskEntry::joined_path`].
    #[serde(default)]
    pub joined_path: Option<PathBuf>,
    /// Its place among the takes made with it from one request, when it is one of
    /// several.
    #[serde(default)]
    pub take: Option<TakeOf>,
    /// The creator's verdict (starred: kept; rejected).
    #[serde(default)]
    pub verdict: Option<Verdict>,
}

/// Why a task that could move does not, as the engine sees it now. Shown on the task
/// ("made for <service>; waiting", "waiting for a working key").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum TaskWait {
    /// Composed for another service than the one the engine runs against. It is sent
    /// only after the creator moves it ([`crate::engine::EngineHandle::retarget`]).
    OtherService {
        /// The task's own service (its API base URL), `None` when unknown (recorded
        /// before the ledger kept services).
        service: Option<String>,
    },
    /// No working key: the service refused the current one, or the keychain cannot be
    /// read right now. Sent or polled again once a key works.
    WorkingKey,
    /// The account's concurrency limit is reached; sent when a slot frees.
    FreeSlot,
    /// Queued before this engine started, and this engine sends only what it was given
    /// (the CLI: `seedance resume` sends no new paid request).
    NotSentByThisRun,
}

/// A gallery query: newest first.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ListQuery {
    /// Only these states; empty means all.
    #[serde(default)]
    pub states: Vec<LocalState>,
    /// Case-insensitive (ASCII) substring of the prompt; empty or `None` means no filter.
    #[serde(default)]
    pub text: Option<String>,
    /// `0` means no limit.
    #[serde(default)]
    pub limit: u32,
    #[serde(default)]
    pub offset: u32,
    /// Only tasks with this verdict (the library's "Starred" filter).
    #[serde(default)]
    pub verdict: Option<Verdict>,
}

/// A transition that actually happened; the engine turns it into one UI event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateChange {
    pub id: TaskId,
    pub from: LocalState,
    /// Equal to `from` when only data changed (say, `creditsUsed` rewritten after success).
    pub to: LocalState,
}

/// One line of a task's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub task_id: TaskId,
    pub at_ms: i64,
    /// `None` for the creation line.
    pub from: Option<LocalState>,
    pub to: LocalState,
    pub note: Option<String>,
}

/// What [`Ledger::open`] had to do, with plain messages for the creator.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OpenReport {
    /// No ledger existed (or a broken one was moved aside) and a new one was made.
    pub created: bool,
    /// `(from, to)` schema versions when the file was upgraded.
    pub migrated: Option<(i64, i64)>,
    /// Where an unreadable ledger was moved; it is never overwritten or deleted.
    pub moved_aside: Option<PathBuf>,
    /// The file is from a newer version of the app: readable, never written.
    pub read_only: bool,
    /// `quick_check` read the whole file. False only when nothing changed it since the
    /// last clean close ([`CLEAN_CLOSE_FILE`]) or when there was no file to check.
    pub integrity_checked: bool,
    /// Rows brought back after the ledger was found damaged (moved aside).
    #[serde(default)]
    pub recovered: Option<RecoveredRows>,
    /// Task ids recorded from [`JOURNAL_FILE`]: the service had created them while the
    /// ledger could not be written.
    #[serde(default)]
    pub journal_replayed: u32,
    /// Sentences to show the creator, in order; empty when nothing unusual happened.
    pub messages: Vec<String>,
}

/// What was recovered from a damaged ledger.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RecoveredRows {
    /// Tasks in the new ledger after recovery.
    pub tasks: u32,
    /// Of them, read from the last good copy ([`BACKUP_FILE`]).
    pub from_backup: u32,
    /// Of them, read (or read newer) from the damaged file itself.
    pub from_damaged_file: u32,
    /// Of them, tasks the service may still be working on or whose video is not in the
    /// library yet: the ones that matter most (paid, and followed as usual).
    pub in_flight: u32,
    /// Sequences, take groups, verdicts and saved prompts brought back with the tasks,
    /// and what of them could not be.
    #[serde(default)]
    pub records: SalvagedRecords,
}

/// What [`Ledger::recover_after_restart`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RecoveryReport {
    /// Were `Submitting`: the app died between the durable intent and recording the
    /// task id. Now `SubmissionUnknown`; the creator decides.
    pub submission_unknown: Vec<TaskId>,
    /// Have a remote id and are not finished: poll them.
    pub to_poll: Vec<TaskId>,
    /// Still waiting for a submission slot, in queue order.
    pub queued: Vec<TaskId>,
    /// Succeeded but the files are not in the library yet.
    pub to_download: Vec<TaskId>,
    /// The service said it did not know them: asked once more at each start (a gateway
    /// or a switched address may have been the cause).
    pub to_recheck: Vec<TaskId>,
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// Another process (a second app window, say) has the ledger open.
    #[error("the task history is in use by another Seedance Studio window ({})", lock_path.display())]
    Busy { lock_path: PathBuf },
    /// The ledger was written by a newer version of the app and is opened read-only.
    #[error("the task history was written by a newer version of Seedance Studio and cannot be changed by this one")]
    ReadOnly,
    #[error("task {0} is not in the history")]
    NoSuchTask(TaskId),
    /// The call does not apply to the task's current state.
    #[error("task {id} cannot {action} while it is {from}")]
    IllegalTransition {
        id: TaskId,
        from: LocalState,
        action: &'static str,
    },
    /// The caller passed something the ledger cannot store (say, `create` as `Waiting`).
    #[error("{0}")]
    Invalid(String),
    #[error("could not use the task history folder {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the task history database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored column could not be decoded (written by hand or by a buggy build).
    #[error("task {id} has an unreadable {column}: {reason}")]
    Decode {
        id: TaskId,
        column: &'static str,
        reason: String,
    },
    /// Allowed only once the creator confirms (the message says why).
    #[error("{message}")]
    NeedsConfirmation { id: TaskId, message: String },
}

/// The time source, in Unix milliseconds. A port so tests can pin time.
pub type NowMs = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock in Unix milliseconds.
pub fn system_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Credits a spending cap counts, from [`Ledger::cap_credits_since`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CapCredits {
    /// Reserved by submissions in the period (the service's figure when known).
    pub reserved: f64,
    /// Estimates of tasks still waiting in the local queue.
    pub queued: f64,
}

/// The open ledger. `Send + Sync`: share it in an `Arc`; calls block on disk I/O (an
/// fsync per write), so async callers should use `spawn_blocking`.
pub struct Ledger {
    conn: Mutex<Connection>,
    read_only: bool,
    clock: NowMs,
    path: PathBuf,
    /// Committed writes since open; a backup is taken only when it moved.
    writes: AtomicU64,
    /// `writes` when the last backup was taken (`u64::MAX`: none yet).
    backed_up_at_writes: AtomicU64,
    /// Test hook: every write fails as if the disk were full.
    failing_writes: AtomicBool,
    /// One backup at a time: two would share the temporary file.
    backing_up: Mutex<()>,
    /// Tasks an engine of this process is sending (claimed for the length of the send):
    /// their createTask may be on the wire from an engine that is alive. The file lock keeps
    /// other processes out, so these are the only `Submitting` rows a recovery must leave
    /// alone (a second engine on the same history must not call them unknown).
    sending: Mutex<HashSet<TaskId>>,
    // Held for the ledger's lifetime; the OS releases the lock when the process dies.
    _lock: File,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("path", &self.path)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

impl Ledger {
    /// Opens (creating if needed) the ledger in `data_dir`.
    ///
    /// Never loses a file: an unreadable ledger (empty, not SQLite, failing
    /// `quick_check`, or not our schema) is renamed to `ledger.sqlite3.corrupt-<unix>`
    /// and a fresh one created, into which the rows of the last good copy
    /// ([`BACKUP_FILE`]) and then every row still readable in the damaged file are
    /// restored ([`OpenReport::recovered`]); a ledger from a newer app is opened
    /// read-only and left byte-for-byte unchanged. Task ids left in [`JOURNAL_FILE`] by
    /// a failed write are recorded. `quick_check` is skipped only for a file unchanged
    /// since [`Ledger::close_cleanly`]. Fails with [`LedgerError::Busy`] while another
    /// process holds it.
    pub fn open(data_dir: &Path) -> Result<(Ledger, OpenReport), LedgerError> {
        std::fs::create_dir_all(data_dir).map_err(|source| LedgerError::Io {
            path: data_dir.to_owned(),
            source,
        })?;
        let lock = acquire_lock(data_dir)?;
        let path = data_dir.join(LEDGER_FILE);
        let mut report = OpenReport::default();

        // Taken (read and removed) before anything can write, while the lock is held.
        let unchanged_since_clean_close = take_clean_close_record(data_dir, &path);
        if path.exists() {
            report.integrity_checked = !unchanged_since_clean_close;
            match inspect(&path, report.integrity_checked) {
                Inspection::Usable(version) if version > SCHEMA_VERSION => {
                    let conn = Connection::open_with_flags(
                        &path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )?;
                    conn.busy_timeout(BUSY_TIMEOUT)?;
                    report.read_only = true;
                    report.messages.push(format!(
                        "Your task history was saved by a newer version of Seedance Studio \
                         (format {version}; this version knows {SCHEMA_VERSION}). It is shown \
                         read-only and left untouched; update the app to add new tasks."
                    ));
                    return Ok((Ledger::from_parts(conn, true, path, lock), report));
                }
                Inspection::Usable(version) => {
                    let mut conn = Connection::open(&path)?;
                    configure(&conn)?;
                    if version < SCHEMA_VERSION {
                        migrate(&mut conn, version)?;
                        report.migrated = Some((version, SCHEMA_VERSION));
                    }
                    // Added without a format change (older apps simply ignore it), so
                    // files written before it get it here.
                    conn.execute_batch(RETRY_OF_INDEX)?;
                    let ledger = Ledger::from_parts(conn, false, path, lock);
                    ledger.replay_journal(&mut report);
                    return Ok((ledger, report));
                }
                Inspection::Unusable(why) => {
                    let aside = move_aside(&path)?;
                    let mut conn = Connection::open(&path)?;
                    configure(&conn)?;
                    create_schema(&mut conn)?;
                    let recovered = restore_rows(&mut conn, &data_dir.join(BACKUP_FILE), &aside);
                    let records = recovered
                        .as_ref()
                        .map(|rows| records_message(&rows.records))
                        .unwrap_or_default();
                    report.messages.push(match &recovered {
                        Some(rows) => format!(
                            "Your task history could not be read ({why}). It was kept as {} and \
                             a new history was started with the {} task(s) that could be \
                             recovered ({} from the last good copy, {} read from the damaged \
                             file), {} of them still being generated or downloaded; they are \
                             followed as usual.{records} Videos already in your library are not \
                             affected.",
                            aside.display(),
                            rows.tasks,
                            rows.from_backup,
                            rows.from_damaged_file,
                            rows.in_flight
                        ),
                        None => format!(
                            "Your task history could not be read ({why}). It was kept as {} and \
                             a new, empty history was started. Videos already in your library \
                             are not affected.",
                            aside.display()
                        ),
                    });
                    report.recovered = recovered;
                    report.moved_aside = Some(aside);
                    report.created = true;
                    let ledger = Ledger::from_parts(conn, false, path, lock);
                    ledger.replay_journal(&mut report);
                    return Ok((ledger, report));
                }
                Inspection::Failed(error) => return Err(error),
            }
        }

        let mut conn = Connection::open(&path)?;
        configure(&conn)?;
        create_schema(&mut conn)?;
        report.created = true;
        let ledger = Ledger::from_parts(conn, false, path, lock);
        ledger.replay_journal(&mut report);
        Ok((ledger, report))
    }

    /// Records a clean close, for the app's exit once nothing writes any more: moves the
    /// write-ahead log into the file, then notes the file's size and modification time in
    /// [`CLEAN_CLOSE_FILE`] (written to a temporary file, synced, renamed) so the next open
    /// can skip the full integrity check. Any later write lands in the log (or changes the
    /// file), which makes the next open check everything again. Nothing is recorded for a
    /// read-only ledger or when the log cannot be emptied.
    ///
    /// A last good copy ([`Ledger::backup`]) is taken first; failing that is logged, not
    /// fatal.
    pub fn close_cleanly(&self) -> Result<(), LedgerError> {
        if self.read_only {
            return Ok(());
        }
        if let Err(error) = self.backup() {
            tracing::warn!(%error, "no last good copy of the task history at close");
        }
        let conn = self.reader();
        let (busy, _, _): (i64, i64, i64) =
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?;
        if busy != 0 || !wal_is_empty(&self.path) {
            return Ok(());
        }
        let Some(fingerprint) = file_fingerprint(&self.path) else {
            return Ok(());
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let io = |source| LedgerError::Io {
            path: dir.join(CLEAN_CLOSE_FILE),
            source,
        };
        let temporary = dir.join(format!("{CLEAN_CLOSE_FILE}.tmp"));
        {
            let mut file = File::create(&temporary).map_err(io)?;
            std::io::Write::write_all(&mut file, fingerprint.as_bytes()).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        std::fs::rename(&temporary, dir.join(CLEAN_CLOSE_FILE)).map_err(io)?;
        drop(conn);
        Ok(())
    }

    fn from_parts(conn: Connection, read_only: bool, path: PathBuf, lock: File) -> Ledger {
        let backed_up = if backup_is_current(&path) {
            0
        } else {
            u64::MAX
        };
        Ledger {
            conn: Mutex::new(conn),
            read_only,
            clock: Arc::new(system_now_ms),
            path,
            writes: AtomicU64::new(0),
            backed_up_at_writes: AtomicU64::new(backed_up),
            failing_writes: AtomicBool::new(false),
            backing_up: Mutex::new(()),
            sending: Mutex::new(HashSet::new()),
            _lock: lock,
        }
    }

    /// Replaces the clock used for times the caller does not pass (`created_at_ms`, ...).
    pub fn with_clock(mut self, clock: NowMs) -> Ledger {
        self.clock = clock;
        self
    }

    /// Now, by the clock the ledger stamps its times with.
    pub fn now_ms(&self) -> i64 {
        (self.clock)()
    }

    /// True when the file is from a newer app; every write then fails with `ReadOnly`.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records a new task as `Draft` or `Queued` (a queued task goes to the back of the
    /// queue), with no service recorded (see [`Ledger::create_new`]). Nothing is spent yet.
    pub fn create(
        &self,
        request: &GenerationRequest,
        estimate_credits: Option<f64>,
        retry_of: Option<TaskId>,
        initial: LocalState,
    ) -> Result<TaskId, LedgerError> {
        if !matches!(initial, LocalState::Draft | LocalState::Queued) {
            return Err(LedgerError::Invalid(format!(
                "a new task starts as draft or queued, not {initial}"
            )));
        }
        let task = NewTask {
            request,
            estimate_credits,
            initial,
            service: None,
            duplicate_window_ms: None,
        };
        let fingerprint = request_fingerprint(request);
        let now = (self.clock)();
        self.write(|tx| insert_task(tx, &task, &fingerprint, retry_of, now))
    }

    /// Records a new task for `task.service`. With `duplicate_window_ms`, and when a task
    /// with the same request fingerprint ([`request_fingerprint`]) that is or will be paid
    /// for (not failed, cancelled or a draft) was created within that many milliseconds,
    /// nothing is written and that task is returned as [`Created::Duplicate`]: a double
    /// click or a repeated shortcut must not pay twice. The check and the insert are one
    /// transaction, so two submissions racing cannot both pass it.
    pub fn create_new(&self, task: &NewTask<'_>) -> Result<Created, LedgerError> {
        if !matches!(task.initial, LocalState::Draft | LocalState::Queued) {
            return Err(LedgerError::Invalid(format!(
                "a new task starts as draft or queued, not {}",
                task.initial
            )));
        }
        let fingerprint = request_fingerprint(task.request);
        let now = (self.clock)();
        self.write(|tx| {
            if let Some(window) = task.duplicate_window_ms {
                if let Some(duplicate) = recent_duplicate(tx, &fingerprint, window, now)? {
                    return Ok(duplicate);
                }
            }
            let id = insert_task(tx, task, &fingerprint, None, now)?;
            Ok(Created::New(id))
        })
    }

    /// Records `task` as the retry of `original`, once: when `original` already has a
    /// retry (not cancelled), that retry is returned (`created: false`) and nothing is
    /// written, whatever the caller, so a second click, a second window or a second process pays nothing.
    /// Otherwise `original` must be in one of `allowed`; when `resolve_original` is given
    /// (a submission of unknown outcome resubmitted by the creator), the original is
    /// marked failed with the guidance it returns for the new id, in the same
    /// transaction.
    pub fn create_retry(
        &self,
        original: TaskId,
        task: &NewTask<'_>,
        allowed: &[LocalState],
        resolve_original: Option<&dyn Fn(TaskId) -> serde_json::Value>,
    ) -> Result<RetryCreated, LedgerError> {
        let fingerprint = request_fingerprint(task.request);
        let now = (self.clock)();
        self.write(|tx| {
            // A retry the creator cancelled before it was sent does not count: it spent
            // nothing, and the task may be retried again.
            let existing: Option<TaskId> = tx.query_row(
                "SELECT MAX(id) FROM tasks WHERE retry_of = ?1 AND state != 'cancelled'",
                [original],
                |row| row.get(0),
            )?;
            if let Some(id) = existing {
                return Ok(RetryCreated { id, created: false });
            }
            let (from, _) = state_and_remote(tx, original)?;
            if !allowed.contains(&from) {
                return Err(LedgerError::IllegalTransition {
                    id: original,
                    from,
                    action: "be retried",
                });
            }
            let id = insert_task(tx, task, &fingerprint, Some(original), now)?;
            if let Some(guidance) = resolve_original {
                let json = to_json(&guidance(id))?;
                tx.execute(
                    "UPDATE tasks SET state = 'failed', failure = ?2, queue_position = NULL,
                        completed_at_ms = COALESCE(completed_at_ms, ?3), updated_at_ms = ?3
                     WHERE id = ?1",
                    params![original, json, now],
                )?;
                if from != LocalState::Failed {
                    let note = format!("resubmitted by the creator as task {id}");
                    append_history(
                        tx,
                        original,
                        now,
                        Some(from),
                        LocalState::Failed,
                        Some(&note),
                    )?;
                }
            }
            Ok(RetryCreated { id, created: true })
        })
    }

    /// Moves a task still waiting in the local queue to `service` (the creator confirmed
    /// it may be sent there). Nothing else changes: not its place in the queue, not its
    /// estimate.
    pub fn retarget(&self, id: TaskId, service: &str) -> Result<StateChange, LedgerError> {
        let now = (self.clock)();
        let note = format!(
            "moved to {} by the creator",
            crate::redact::redact_url(service)
        );
        self.transition(
            id,
            "be moved to another service",
            &[LocalState::Queued],
            |tx, _| {
                tx.execute(
                    "UPDATE tasks SET service = ?2, updated_at_ms = ?3 WHERE id = ?1",
                    params![id, service, now],
                )?;
                append_history(
                    tx,
                    id,
                    now,
                    Some(LocalState::Queued),
                    LocalState::Queued,
                    Some(&note),
                )?;
                Ok(None)
            },
        )
    }

    /// Records `service` for every task that has none and has left the queue (recorded
    /// before the ledger kept services): the service running now is the best knowledge
    /// there is for tasks already sent. Queued ones stay without a service, so they wait
    /// for the creator instead of being sent somewhere by surprise. Returns how many.
    pub fn adopt_unassigned(&self, service: &str) -> Result<usize, LedgerError> {
        if self.read_only {
            return Ok(0);
        }
        self.write(|tx| {
            Ok(tx.execute(
                "UPDATE tasks SET service = ?1 WHERE service IS NULL
                   AND state NOT IN ('queued', 'draft', 'cancelled')",
                [service],
            )?)
        })
    }

    /// The creator dismisses a `Stuck` (or `NotFound`) task: it is no longer polled nor
    /// counted as in progress, and keeps its task id; [`Ledger::undismiss`] brings it back.
    pub fn dismiss(&self, id: TaskId) -> Result<StateChange, LedgerError> {
        let now = (self.clock)();
        self.transition(
            id,
            "be dismissed",
            &[LocalState::Stuck, LocalState::NotFound],
            |tx, from| {
                tx.execute(
                    "UPDATE tasks SET dismissed_at_ms = ?2, updated_at_ms = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
                append_history(
                    tx,
                    id,
                    now,
                    Some(from),
                    from,
                    Some("dismissed by the creator"),
                )?;
                Ok(None)
            },
        )
    }

    /// Clears a dismissal (the creator asked to check the task again).
    pub fn undismiss(&self, id: TaskId) -> Result<StateChange, LedgerError> {
        let now = (self.clock)();
        self.transition(
            id,
            "be checked again",
            &[LocalState::Stuck, LocalState::NotFound],
            |tx, _| {
                tx.execute(
                    "UPDATE tasks SET dismissed_at_ms = NULL, updated_at_ms = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
                Ok(None)
            },
        )
    }

    /// `Draft` → `Queued`, at the back of the queue.
    pub fn enqueue(&self, id: TaskId) -> Result<StateChange, LedgerError> {
        let now = (self.clock)();
        self.transition(id, "be queued", &[LocalState::Draft], |tx, _| {
            let position = next_queue_position(tx)?;
            tx.execute(
                "UPDATE tasks SET state = 'queued', queue_position = ?2, updated_at_ms = ?3
                 WHERE id = ?1",
                params![id, position, now],
            )?;
            Ok(Some((LocalState::Queued, now, None)))
        })
    }

    /// `Queued`/`Draft` → `Submitting`. Durable on return: only then may `createTask` be
    /// sent, so a crash during the POST leaves a row that recovery turns into
    /// `SubmissionUnknown` instead of a silent resubmission.
    pub fn mark_submitting(&self, id: TaskId) -> Result<StateChange, LedgerError> {
        let now = (self.clock)();
        self.transition(
            id,
            "be submitted",
            &[LocalState::Queued, LocalState::Draft],
            |tx, _| {
                tx.execute(
                    "UPDATE tasks SET state = 'submitting', queue_position = NULL,
                        submit_started_at_ms = ?2, updated_at_ms = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
                Ok(Some((LocalState::Submitting, now, None)))
            },
        )
    }

    /// Says that an engine of this process is sending `id` (its createTask may be on the
    /// wire): a recovery leaves its `Submitting` row alone until [`Ledger::release_sending`].
    /// Taken before the row is marked `Submitting`, so a recovery that reads the row also
    /// sees the claim.
    pub fn claim_sending(&self, id: TaskId) {
        self.sending_set().insert(id);
    }

    /// The send of `id` is over (recorded, requeued, failed or cut short).
    pub fn release_sending(&self, id: TaskId) {
        self.sending_set().remove(&id);
    }

    /// `Submitting` → `Queued`, at the front of the queue: the service refused the request
    /// with a 429 before creating anything, so it goes back to waiting for a slot. A crash
    /// while it waits then resumes it as queued (sent later) rather than as a submission of
    /// unknown outcome.
    pub fn requeue(&self, id: TaskId, note: &str) -> Result<StateChange, LedgerError> {
        let now = (self.clock)();
        let note = note.to_owned();
        self.transition(
            id,
            "go back to the queue",
            &[LocalState::Submitting],
            move |tx, _| {
                let front: i64 = tx.query_row(
                    "SELECT COALESCE(MIN(queue_position), 1) - 1 FROM tasks WHERE state = 'queued'",
                    [],
                    |row| row.get(0),
                )?;
                tx.execute(
                    "UPDATE tasks SET state = 'queued', queue_position = ?2, updated_at_ms = ?3
                 WHERE id = ?1",
                    params![id, front, now],
                )?;
                Ok(Some((LocalState::Queued, now, Some(note))))
            },
        )
    }

    /// `Submitting` → `Waiting` with the service's task id. Durable on return. Calling it
    /// again with the same remote id is a no-op (returns a change with `from == to`).
    pub fn record_submitted(
        &self,
        id: TaskId,
        remote_task_id: &str,
        now_ms: i64,
    ) -> Result<StateChange, LedgerError> {
        if remote_task_id.is_empty() {
            return Err(LedgerError::Invalid(
                "the service returned an empty task id".into(),
            ));
        }
        let mut tx_conn = self.writer()?;
        let tx = tx_conn.transaction()?;
        let (state, existing) = state_and_remote(&tx, id)?;
        if state == LocalState::Submitting {
            tx.execute(
                "UPDATE tasks SET state = 'waiting', remote_task_id = ?2, submitted_at_ms = ?3,
                    updated_at_ms = ?3 WHERE id = ?1",
                params![id, remote_task_id, now_ms],
            )?;
            append_history(
                &tx,
                id,
                now_ms,
                Some(state),
                LocalState::Waiting,
                Some(remote_task_id),
            )?;
            tx.commit()?;
            return Ok(StateChange {
                id,
                from: state,
                to: LocalState::Waiting,
            });
        }
        if existing.as_deref() == Some(remote_task_id) {
            return Ok(StateChange {
                id,
                from: state,
                to: state,
            });
        }
        Err(LedgerError::IllegalTransition {
            id,
            from: state,
            action: "record a submission",
        })
    }

    /// `Submitting` → `SubmissionUnknown`: the request may have reached the service (the
    /// connection broke after sending). `detail` goes to the history, never a key.
    pub fn mark_submission_unknown(
        &self,
        id: TaskId,
        detail: &str,
    ) -> Result<StateChange, LedgerError> {
        let now = (self.clock)();
        self.transition(
            id,
            "be marked as unknown",
            &[LocalState::Submitting],
            |tx, _| {
                set_state(tx, id, LocalState::SubmissionUnknown, now)?;
                Ok(Some((
                    LocalState::SubmissionUnknown,
                    now,
                    Some(detail.to_owned()),
                )))
            },
        )
    }

    /// Applies one `recordInfo` answer. Returns `None` when nothing changed (same status,
    /// an undocumented status, a status going backwards, or a task already finished
    /// here), so the caller emits one event per real change.
    ///
    /// `Stuck` stays `Stuck` while the service still says waiting/generating; only a
    /// terminal status moves it. A `fail` records the raw error; the guidance is attached
    /// with [`Ledger::mark_failed`].
    pub fn apply_remote(
        &self,
        id: TaskId,
        record: &TaskRecord,
        now_ms: i64,
    ) -> Result<Option<StateChange>, LedgerError> {
        let mut conn = self.writer()?;
        let tx = conn.transaction()?;
        let current = load_entry(&tx, id)?;
        let from = current.state;
        // A charge that settles after success: `creditsUsed` read at or after success may
        // already be the settled figure, so it is never taken as the reservation (the one
        // read before stays; without one, the estimate stands for it) and the settlement is
        // recorded apart ([`Ledger::record_settlement`]).
        let keeps_reservation =
            current.settles_after_success() && record.status == TaskStatus::Success;
        let credits_changed = record.credits_used.is_some()
            && record.credits_used != current.service_credits
            && from != LocalState::Failed
            && !keeps_reservation;
        if !(from.is_polled() || matches!(from, LocalState::Succeeded | LocalState::Downloaded)) {
            return Ok(None);
        }
        let to = match (&record.status, from) {
            (TaskStatus::Unknown(_), _) => from,
            (TaskStatus::Success, LocalState::Succeeded | LocalState::Downloaded) => from,
            (_, LocalState::Succeeded | LocalState::Downloaded) => return Ok(None),
            (TaskStatus::Waiting, LocalState::Waiting | LocalState::NotFound) => {
                LocalState::Waiting
            }
            (TaskStatus::Waiting, _) => from,
            (TaskStatus::Generating, LocalState::Stuck) => from,
            (TaskStatus::Generating, _) => LocalState::Generating,
            (TaskStatus::Success, _) => LocalState::Succeeded,
            (TaskStatus::Fail, _) => LocalState::Failed,
        };
        if to == from && !credits_changed {
            return Ok(None);
        }
        if credits_changed {
            tx.execute(
                "UPDATE tasks SET service_credits = ?2, updated_at_ms = ?3 WHERE id = ?1",
                params![id, record.credits_used, now_ms],
            )?;
        }
        if to != from {
            let completed = record.complete_time.unwrap_or(now_ms);
            match to {
                LocalState::Succeeded => {
                    let output = match record.output.first() {
                        Some(item) => Some(to_json(item)?),
                        None => None,
                    };
                    tx.execute(
                        "UPDATE tasks SET state = 'succeeded', output = ?2, completed_at_ms = ?3,
                            updated_at_ms = ?4, reported_model = ?5 WHERE id = ?1",
                        params![id, output, completed, now_ms, record.model],
                    )?;
                }
                LocalState::Failed => {
                    let error = match &record.error {
                        Some(e) => Some(to_json(e)?),
                        None => None,
                    };
                    tx.execute(
                        "UPDATE tasks SET state = 'failed', error_raw = ?2, completed_at_ms = ?3,
                            updated_at_ms = ?4 WHERE id = ?1",
                        params![id, error, completed, now_ms],
                    )?;
                }
                _ => set_state(&tx, id, to, now_ms)?,
            }
            append_history(&tx, id, now_ms, Some(from), to, None)?;
        }
        tx.commit()?;
        Ok(Some(StateChange { id, from, to }))
    }

    /// Records a failure with its guidance JSON. Allowed from any state that is not a
    /// success or a cancellation, including `Failed` (to attach guidance after
    /// [`Ledger::apply_remote`] recorded a `fail`). `error` replaces the raw error when
    /// given.
    pub fn mark_failed(
        &self,
        id: TaskId,
        guidance: &serde_json::Value,
        error: Option<&TaskError>,
    ) -> Result<StateChange, LedgerError> {
        let now = (self.clock)();
        let guidance_json = to_json(guidance)?;
        let error_json = match error {
            Some(e) => Some(to_json(e)?),
            None => None,
        };
        self.transition(
            id,
            "be marked failed",
            &[
                LocalState::Draft,
                LocalState::Queued,
                LocalState::Submitting,
                LocalState::Waiting,
                LocalState::Generating,
                LocalState::Stuck,
                LocalState::NotFound,
                LocalState::SubmissionUnknown,
                LocalState::Failed,
            ],
            |tx, from| {
                tx.execute(
                    "UPDATE tasks SET state = 'failed', failure = ?2,
                        error_raw = COALESCE(?3, error_raw), queue_position = NULL,
                        completed_at_ms = COALESCE(completed_at_ms, ?4), updated_at_ms = ?4
                     WHERE id = ?1",
                    params![id, guidance_json, error_json, now],
                )?;
                let note = error.map(|e| e.message.clone());
                if from == LocalState::Failed {
                    // Guidance attached to an already recorded failure: data, not a new state.
                    return Ok(None);
                }
                Ok(Some((LocalState::Failed, now, note)))
            },
        )
    }

    /// `Waiting`/`Generating` → `Stuck`: past the model's documented worst case.
    pub fn mark_stuck(&self, id: TaskId) -> Result<StateChange, LedgerError> {
        let now = (self.clock)();
        self.transition(
            id,
            "be marked stuck",
            &[LocalState::Waiting, LocalState::Generating],
            |tx, _| {
                set_state(tx, id, LocalState::Stuck, now)?;
                Ok(Some((LocalState::Stuck, now, None)))
            },
        )
    }

    /// A polled task the service says it does not know.
    pub fn mark_not_found(&self, id: TaskId) -> Result<StateChange, LedgerError> {
        let now = (self.clock)();
        self.transition(
            id,
            "be marked not found",
            &[
                LocalState::Waiting,
                LocalState::Generating,
                LocalState::Stuck,
            ],
            |tx, _| {
                set_state(tx, id, LocalState::NotFound, now)?;
                Ok(Some((LocalState::NotFound, now, None)))
            },
        )
    }

    /// `Queued`/`Draft` → `Cancelled`. Only before submission: the service has no cancel
    /// endpoint, so anything later has already reserved credits.
    pub fn cancel_queued(&self, id: TaskId) -> Result<StateChange, LedgerError> {
        let now = (self.clock)();
        self.transition(
            id,
            "be cancelled",
            &[LocalState::Queued, LocalState::Draft],
            |tx, _| {
                tx.execute(
                    "UPDATE tasks SET state = 'cancelled', queue_position = NULL,
                        updated_at_ms = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
                Ok(Some((LocalState::Cancelled, now, None)))
            },
        )
    }

    /// `Succeeded` → `Downloaded` once both files are complete in the library (also
    /// `Downloaded` → `Downloaded` to point at re-downloaded files). The remote URL stays.
    pub fn set_downloaded(
        &self,
        id: TaskId,
        video_path: &Path,
        poster_path: Option<&Path>,
    ) -> Result<StateChange, LedgerError> {
        let now = (self.clock)();
        let video = path_text(video_path)?;
        let poster = poster_path.map(path_text).transpose()?;
        self.transition(
            id,
            "be marked downloaded",
            &[LocalState::Succeeded, LocalState::Downloaded],
            |tx, from| {
                tx.execute(
                    "UPDATE tasks SET state = 'downloaded', video_path = ?2, poster_path = ?3,
                        updated_at_ms = ?4 WHERE id = ?1",
                    params![id, video, poster, now],
                )?;
                if from == LocalState::Downloaded {
                    return Ok(None);
                }
                Ok(Some((LocalState::Downloaded, now, None)))
            },
        )
    }

    /// Counts one `recordInfo` poll. Not a state change; no history line, and no reason
    /// for a new last good copy.
    pub fn record_poll(&self, id: TaskId, now_ms: i64) -> Result<(), LedgerError> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE tasks SET poll_count = poll_count + 1, last_polled_at_ms = ?2
                 WHERE id = ?1",
                params![id, now_ms],
            )?;
            if n == 0 {
                return Err(LedgerError::NoSuchTask(id));
            }
            Ok(())
        })?;
        // A poll count is not worth a new last good copy: only state changes ask for one.
        self.writes.fetch_sub(1, Ordering::Relaxed);
        Ok(())
    }

    pub fn get(&self, id: TaskId) -> Result<TaskEntry, LedgerError> {
        let conn = self.reader();
        load_entry(&conn, id)
    }

    /// Gallery rows, newest first.
    pub fn list(&self, query: &ListQuery) -> Result<Vec<TaskSummary>, LedgerError> {
        let (filter, args) = query_filter(query);
        let limit = if query.limit == 0 {
            -1
        } else {
            i64::from(query.limit)
        };
        let sql = format!(
            "SELECT id, state, substr(prompt, 1, {SUMMARY_PROMPT_CHARS}), model, resolution,
                duration_secs, created_at_ms, completed_at_ms, video_path, poster_path,
                json_extract(output, '$.url'), json_extract(failure, '$.category'),
                estimate_credits, retry_of,
                (SELECT MAX(r.id) FROM tasks AS r WHERE r.retry_of = tasks.id),
                service, dismissed_at_ms IS NOT NULL,
                COALESCE(service_credits, estimate_credits), settled_credits,
                cap_credits IS NOT NULL AND settled_credits IS NULL
                    AND state IN ('succeeded', 'downloaded'),
                output_check, last_frame_path, source_task_id, joined_path, {TAKE_COLUMNS}
             FROM tasks {filter}
             ORDER BY created_at_ms DESC, id DESC LIMIT {limit} OFFSET {}",
            query.offset
        );
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |row| {
            let (take, verdict) = take_marks(row, 24)?;
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                TaskSummary {
                    id: row.get(0)?,
                    state: LocalState::Draft,
                    prompt: row.get(2)?,
                    model: row.get(3)?,
                    resolution: row.get(4)?,
                    duration_secs: row.get(5)?,
                    created_at_ms: row.get(6)?,
                    completed_at_ms: row.get(7)?,
                    video_path: row.get::<_, Option<String>>(8)?.map(PathBuf::from),
                    poster_path: row.get::<_, Option<String>>(9)?.map(PathBuf::from),
                    output_url: row.get(10)?,
                    failure_category: row.get(11)?,
                    estimate_credits: row.get(12)?,
                    retry_of: row.get(13)?,
                    retried_as: row.get(14)?,
                    service: row.get(15)?,
                    dismissed: row.get(16)?,
                    waiting_for: None,
                    reserved_credits: row.get(17)?,
                    settled_credits: row.get(18)?,
                    settlement_pending: row.get(19)?,
                    output_mismatch: row
                        .get::<_, Option<String>>(20)?
                        .and_then(|json| {
                            serde_json::from_str::<crate::output_check::OutputCheck>(&json).ok()
                        })
                        .and_then(|check| check.summary()),
                    last_frame_path: row.get::<_, Option<String>>(21)?.map(PathBuf::from),
                    source_task: row.get(22)?,
                    joined_path: row.get::<_, Option<String>>(23)?.map(PathBuf::from),
                    take,
                    verdict,
                },
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, state, mut summary) = row?;
            summary.state = decode_state(id, &state)?;
            out.push(summary);
        }
        Ok(out)
    }

    /// How many tasks [`Ledger::list`] would return without limit and offset.
    pub fn count(&self, query: &ListQuery) -> Result<u64, LedgerError> {
        let (filter, args) = query_filter(query);
        let conn = self.reader();
        let n: i64 = conn.query_row(
            &format!("SELECT count(*) FROM tasks {filter}"),
            rusqlite::params_from_iter(args.iter()),
            |row| row.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Tasks the engine must keep working on: `Queued`, `Submitting`, `Waiting`,
    /// `Generating`, `Stuck`; oldest first.
    /// Dismissed tasks are left out.
    pub fn in_flight(&self) -> Result<Vec<TaskEntry>, LedgerError> {
        self.entries_where(
            "state IN ('queued', 'submitting', 'waiting', 'generating', 'stuck')
             AND dismissed_at_ms IS NULL ORDER BY id",
        )
    }

    /// `Queued` tasks in the order they should be submitted.
    pub fn queued_in_order(&self) -> Result<Vec<TaskEntry>, LedgerError> {
        self.entries_where("state = 'queued' ORDER BY queue_position, id")
    }

    /// `Succeeded` tasks whose files are not in the library yet; oldest first.
    pub fn needs_download(&self) -> Result<Vec<TaskEntry>, LedgerError> {
        self.entries_where("state = 'succeeded' ORDER BY id")
    }

    /// Removes a task from the history (never any file). Refused while the service may
    /// still be working on it (`Submitting`, `Waiting`, `Generating`, `Stuck`): deleting
    /// it would lose a paid generation. A `Succeeded` task whose video is not in the
    /// library yet holds the only copy of the result's address: refused with
    /// [`LedgerError::NeedsConfirmation`]; [`Ledger::delete_confirmed`] removes it.
    pub fn delete(&self, id: TaskId) -> Result<(), LedgerError> {
        self.delete_with(id, false)
    }

    /// [`Ledger::delete`], the creator having confirmed that a finished video not yet in
    /// the library may be forgotten.
    pub fn delete_confirmed(&self, id: TaskId) -> Result<(), LedgerError> {
        self.delete_with(id, true)
    }

    fn delete_with(&self, id: TaskId, confirmed: bool) -> Result<(), LedgerError> {
        self.write(|tx| {
            let (state, _) = state_and_remote(tx, id)?;
            if state == LocalState::Succeeded && !confirmed {
                return Err(LedgerError::NeedsConfirmation {
                    id,
                    message: format!(
                        "Task {id} finished but its video is not in the library yet; the task \
                         holds the only copy of the video's address. Download it first, or \
                         confirm to delete it anyway."
                    ),
                });
            }
            if matches!(
                state,
                LocalState::Submitting
                    | LocalState::Waiting
                    | LocalState::Generating
                    | LocalState::Stuck
            ) {
                return Err(LedgerError::IllegalTransition {
                    id,
                    from: state,
                    action: "be deleted",
                });
            }
            tx.execute("DELETE FROM history WHERE task_id = ?1", [id])?;
            tx.execute("DELETE FROM tasks WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    /// Credits reserved by submissions since `since_ms`: the settled charge once read,
    /// else the service's figure when known, else the estimate. Failed, cancelled and never-sent tasks count nothing (failures
    /// are refunded); a submission whose outcome is unknown counts, to be safe.
    pub fn reserved_credits_since(&self, since_ms: i64) -> Result<f64, LedgerError> {
        let conn = self.reader();
        let total: Option<f64> = conn.query_row(
            "SELECT sum(COALESCE(settled_credits, service_credits, estimate_credits, 0))
             FROM tasks
             WHERE COALESCE(submitted_at_ms, submit_started_at_ms) >= ?1
               AND state NOT IN ('failed', 'cancelled', 'draft', 'queued')",
            [since_ms],
            |row| row.get(0),
        )?;
        Ok(total.unwrap_or(0.0))
    }

    /// What a spending cap counts since `since_ms`: the credits reserved by submissions
    /// (as [`Ledger::reserved_credits_since`]) and the estimates of tasks still in the
    /// local queue, which reserve them when sent. A task whose charge settles after
    /// success counts its [`TaskEntry::cap_credits`] until the settled figure is read,
    /// then that figure. Read in one statement: with two reads
    /// a task sent in between would count twice (or not at all).
    pub fn cap_credits_since(&self, since_ms: i64) -> Result<CapCredits, LedgerError> {
        let conn = self.reader();
        let (reserved, queued): (Option<f64>, Option<f64>) = conn.query_row(
            "SELECT
               sum(CASE WHEN state NOT IN ('failed', 'cancelled', 'draft', 'queued')
                         AND COALESCE(submitted_at_ms, submit_started_at_ms) >= ?1
                        THEN COALESCE(settled_credits, cap_credits, service_credits,
                                      estimate_credits, 0) END),
               sum(CASE WHEN state = 'queued'
                        THEN COALESCE(cap_credits, estimate_credits, 0) END)
             FROM tasks",
            [since_ms],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        Ok(CapCredits {
            reserved: reserved.unwrap_or(0.0),
            queued: queued.unwrap_or(0.0),
        })
    }

    /// The audit trail of one task, oldest first.
    pub fn history(&self, id: TaskId) -> Result<Vec<HistoryEntry>, LedgerError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT at_ms, from_state, to_state, note FROM history WHERE task_id = ?1
             ORDER BY id",
        )?;
        let rows = stmt.query_map([id], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, Option<String>>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<String>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (at_ms, from, to, note) = row?;
            out.push(HistoryEntry {
                task_id: id,
                at_ms,
                from: from.map(|f| decode_state(id, &f)).transpose()?,
                to: decode_state(id, &to)?,
                note,
            });
        }
        Ok(out)
    }

    /// Run once at startup, before the engine starts: every `Submitting` row becomes
    /// `SubmissionUnknown` (the app died between the durable intent and recording the
    /// task id; it is never resubmitted), except those another engine of this process is
    /// sending right now, and reports what to poll, submit and download.
    pub fn recover_after_restart(&self, now_ms: i64) -> Result<RecoveryReport, LedgerError> {
        let mut report = RecoveryReport::default();
        if !self.read_only {
            self.write(|tx| {
                let claimed = self.sending_set().clone();
                let ids: Vec<TaskId> = {
                    let mut stmt =
                        tx.prepare("SELECT id FROM tasks WHERE state = 'submitting' ORDER BY id")?;
                    let ids = stmt.query_map([], |row| row.get(0))?;
                    ids.collect::<Result<Vec<TaskId>, _>>()?
                        .into_iter()
                        .filter(|id| !claimed.contains(id))
                        .collect()
                };
                for &id in &ids {
                    set_state(tx, id, LocalState::SubmissionUnknown, now_ms)?;
                    append_history(
                        tx,
                        id,
                        now_ms,
                        Some(LocalState::Submitting),
                        LocalState::SubmissionUnknown,
                        Some("the app stopped before the service's answer was recorded"),
                    )?;
                }
                report.submission_unknown = ids;
                Ok(())
            })?;
        }
        let conn = self.reader();
        let ids = |sql: &str| -> Result<Vec<TaskId>, LedgerError> {
            let mut stmt = conn.prepare(sql)?;
            let rows = stmt.query_map([], |row| row.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        report.to_poll = ids(
            "SELECT id FROM tasks WHERE state IN ('waiting', 'generating', 'stuck')
             AND remote_task_id IS NOT NULL AND dismissed_at_ms IS NULL ORDER BY id",
        )?;
        report.to_recheck = ids("SELECT id FROM tasks WHERE state = 'not_found'
             AND remote_task_id IS NOT NULL AND dismissed_at_ms IS NULL ORDER BY id")?;
        report.queued =
            ids("SELECT id FROM tasks WHERE state = 'queued' ORDER BY queue_position, id")?;
        report.to_download = ids("SELECT id FROM tasks WHERE state = 'succeeded' ORDER BY id")?;
        Ok(report)
    }

    // ---- internals ----

    fn reader(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (an open
        // transaction rolls back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn writer(&self) -> Result<MutexGuard<'_, Connection>, LedgerError> {
        if self.read_only {
            return Err(LedgerError::ReadOnly);
        }
        if self.failing_writes.load(Ordering::SeqCst) {
            return Err(LedgerError::Io {
                path: self.path.clone(),
                // ENOSPC: what a full disk answers.
                source: std::io::Error::from_raw_os_error(28),
            });
        }
        self.writes.fetch_add(1, Ordering::Relaxed);
        Ok(self.reader())
    }

    /// Test hook: while `on`, every write fails as on a full disk (reads still work),
    /// so tests can show that a paid task id survives a failed ledger write.
    #[doc(hidden)]
    pub fn inject_write_failures(&self, on: bool) {
        self.failing_writes.store(on, Ordering::SeqCst);
    }

    fn write<T>(
        &self,
        body: impl FnOnce(&Transaction<'_>) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        let mut conn = self.writer()?;
        let tx = conn.transaction()?;
        let out = body(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// One checked transition: `body` runs only when the current state is in `allowed`
    /// and returns the new state, its time and a history note, or `None` for a data-only
    /// update.
    #[allow(clippy::type_complexity)]
    fn transition(
        &self,
        id: TaskId,
        action: &'static str,
        allowed: &[LocalState],
        body: impl FnOnce(
            &Transaction<'_>,
            LocalState,
        ) -> Result<Option<(LocalState, i64, Option<String>)>, LedgerError>,
    ) -> Result<StateChange, LedgerError> {
        self.write(|tx| {
            let (from, _) = state_and_remote(tx, id)?;
            if !allowed.contains(&from) {
                return Err(LedgerError::IllegalTransition { id, from, action });
            }
            match body(tx, from)? {
                Some((to, at, note)) => {
                    append_history(tx, id, at, Some(from), to, note.as_deref())?;
                    Ok(StateChange { id, from, to })
                }
                None => Ok(StateChange { id, from, to: from }),
            }
        })
    }

    fn sending_set(&self) -> MutexGuard<'_, HashSet<TaskId>> {
        self.sending.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn entries_where(&self, clause: &str) -> Result<Vec<TaskEntry>, LedgerError> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {ENTRY_COLUMNS} FROM tasks WHERE {clause}"))?;
        let rows = stmt.query_map([], RawEntry::from_row)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row?.decode()?);
        }
        Ok(out)
    }
}

/// A task to record; see [`Ledger::create_new`].
#[derive(Debug, Clone)]
pub struct NewTask<'a> {
    pub request: &'a GenerationRequest,
    pub estimate_credits: Option<f64>,
    /// `Draft` or `Queued`.
    pub initial: LocalState,
    /// The API base URL the task is composed for.
    pub service: Option<&'a str>,
    /// Refuse a same-fingerprint task created less than this many ms ago.
    pub duplicate_window_ms: Option<i64>,
}

/// What [`Ledger::create_new`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    New(TaskId),
    /// Nothing was written: the same request was recorded `existing` moments ago.
    Duplicate {
        existing: TaskId,
        created_at_ms: i64,
    },
}

/// What [`Ledger::create_retry`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryCreated {
    /// The retry: new, or the one made before.
    pub id: TaskId,
    /// False when the original already had this retry and nothing was written.
    pub created: bool,
}

/// What makes two requests "the same draft": model, prompt, references (their files or
/// URLs, not any upload of them) and every setting, as a SHA-256 of the request's JSON
/// with the upload records removed (keys sorted: `serde_json` maps are ordered).
pub fn request_fingerprint(request: &GenerationRequest) -> String {
    use sha2::{Digest, Sha256};
    let mut value = serde_json::to_value(request).unwrap_or(serde_json::Value::Null);
    strip_uploads(&mut value);
    let text = serde_json::to_string(&value).unwrap_or_default();
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn strip_uploads(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove("uploaded");
            map.values_mut().for_each(strip_uploads);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_uploads),
        _ => {}
    }
}

/// The latest task with `fingerprint` created less than `window_ms` before `now` that is
/// or will be paid for (not failed, cancelled or a draft, not a retry), as
/// [`Created::Duplicate`]. Called inside the transaction that would insert, so two
/// submissions racing cannot both pass it.
pub(crate) fn recent_duplicate(
    tx: &Transaction<'_>,
    fingerprint: &str,
    window_ms: i64,
    now: i64,
) -> Result<Option<Created>, LedgerError> {
    let found: Option<(TaskId, i64)> = tx
        .query_row(
            "SELECT id, created_at_ms FROM tasks
             WHERE created_at_ms >= ?1 AND fingerprint = ?2 AND retry_of IS NULL
               AND state NOT IN ('failed', 'cancelled', 'draft')
             ORDER BY id DESC LIMIT 1",
            params![now.saturating_sub(window_ms.max(0)), fingerprint],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    Ok(found.map(|(existing, created_at_ms)| Created::Duplicate {
        existing,
        created_at_ms,
    }))
}

fn insert_task(
    tx: &Transaction<'_>,
    task: &NewTask<'_>,
    fingerprint: &str,
    retry_of: Option<TaskId>,
    now: i64,
) -> Result<TaskId, LedgerError> {
    let request = task.request;
    let request_json = serde_json::to_string(request)
        .map_err(|e| LedgerError::Invalid(format!("request cannot be stored: {e}")))?;
    let position: Option<i64> = if task.initial == LocalState::Queued {
        Some(next_queue_position(tx)?)
    } else {
        None
    };
    tx.execute(
        "INSERT INTO tasks (request, prompt, model, resolution, duration_secs, state,
            retry_of, estimate_credits, created_at_ms, updated_at_ms, queue_position,
            service, fingerprint, cap_credits)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12, ?13)",
        params![
            request_json,
            request.prompt,
            request.model.wire_id(),
            request.resolution.wire_id(),
            request.duration_secs,
            task.initial.as_str(),
            retry_of,
            task.estimate_credits,
            now,
            position,
            task.service,
            fingerprint,
            results::cap_credits_for(request),
        ],
    )?;
    let id = tx.last_insert_rowid();
    append_history(tx, id, now, None, task.initial, None)?;
    Ok(id)
}

/// One task id the service gave while the ledger could not record it: enough to rebuild
/// the task whole if the ledger lost its row too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub task: TaskId,
    pub remote_task_id: String,
    pub at_ms: i64,
    pub service: Option<String>,
    pub estimate_credits: Option<f64>,
    pub request: GenerationRequest,
}

/// The journal is read at open only up to this size (a runaway file must not stall it).
const JOURNAL_READ_CAP: u64 = 16 * 1024 * 1024;

impl Ledger {
    /// Appends `entry` to [`JOURNAL_FILE`] and fsyncs it (and the folder when the file is
    /// new): for a task id the ledger could not record. Uses no SQLite, so it works while
    /// the database cannot be written; the id is recorded at the next open.
    pub fn journal_submission(&self, entry: &JournalEntry) -> Result<(), LedgerError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let path = dir.join(JOURNAL_FILE);
        let io = |source| LedgerError::Io {
            path: path.clone(),
            source,
        };
        let mut line = serde_json::to_vec(entry)
            .map_err(|e| LedgerError::Invalid(format!("journal entry: {e}")))?;
        line.push(b'\n');
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io)?;
        std::io::Write::write_all(&mut file, &line).map_err(io)?;
        file.sync_all().map_err(io)?;
        if !existed {
            sync_dir(dir);
        }
        Ok(())
    }

    /// Records every task id of [`JOURNAL_FILE`] that the ledger lacks, then removes the
    /// file. A row still `Submitting` or `SubmissionUnknown` without an id gets it (and
    /// becomes `Waiting`); a row the ledger lost entirely is recreated from the entry.
    /// Anything that cannot be applied now keeps the file for the next open.
    fn replay_journal(&self, report: &mut OpenReport) {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let path = dir.join(JOURNAL_FILE);
        // A regular file only: a device or a pipe put there is never read.
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => {}
            _ => return,
        }
        let mut text = String::new();
        let read =
            File::open(&path).and_then(|f| f.take(JOURNAL_READ_CAP).read_to_string(&mut text));
        if let Err(error) = read {
            tracing::warn!(%error, "the task id journal could not be read");
            return;
        }
        let entries: Vec<JournalEntry> = text
            .lines()
            // A line torn by a crash mid-append is simply incomplete: skipped.
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect();
        let mut applied = 0u32;
        let result = self.write(|tx| {
            for entry in &entries {
                if replay_one(tx, entry)? {
                    applied += 1;
                }
            }
            Ok(())
        });
        match result {
            Ok(()) => {
                if std::fs::remove_file(&path).is_ok() {
                    sync_dir(dir);
                }
                if applied > 0 {
                    report.journal_replayed = applied;
                    report.messages.push(format!(
                        "{applied} generation(s) the service had started while your task \
                         history could not be written were recorded now; they are followed as \
                         usual."
                    ));
                }
            }
            Err(error) => tracing::warn!(%error, "the task id journal could not be applied yet"),
        }
    }

    /// Writes the last good copy, [`BACKUP_FILE`], with SQLite's online backup over a
    /// separate read-only connection (the engine's writes are not held up), checks it,
    /// and renames it into place only when `quick_check` passes, so a damaged ledger
    /// never replaces a good copy. Does nothing when no write happened since the last
    /// copy. Returns whether a copy was written.
    pub fn backup(&self) -> Result<bool, LedgerError> {
        if self.read_only {
            return Ok(false);
        }
        let _one_at_a_time = self.backing_up.lock().unwrap_or_else(|p| p.into_inner());
        let writes = self.writes.load(Ordering::Relaxed);
        if self.backed_up_at_writes.load(Ordering::Relaxed) == writes {
            return Ok(false);
        }
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let target = dir.join(BACKUP_FILE);
        let temporary = dir.join(format!("{BACKUP_FILE}.tmp"));
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| LedgerError::Io { path, source }
        };
        let _ = std::fs::remove_file(&temporary);
        let copied = (|| -> Result<(), LedgerError> {
            let source = Connection::open_with_flags(
                &self.path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            source.busy_timeout(BUSY_TIMEOUT)?;
            let mut copy = Connection::open(&temporary)?;
            {
                let backup = rusqlite::backup::Backup::new(&source, &mut copy)?;
                backup.run_to_completion(1024, Duration::ZERO, None)?;
            }
            // A plain rollback-journal file: readable alone, without a -wal or -shm.
            let _: String = copy.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
            let check: String = copy.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
            if check != "ok" {
                return Err(LedgerError::Invalid(format!(
                    "the copy of the task history failed its check ({check})"
                )));
            }
            Ok(())
        })();
        if let Err(error) = copied {
            let _ = std::fs::remove_file(&temporary);
            return Err(error);
        }
        File::open(&temporary)
            .and_then(|f| f.sync_all())
            .map_err(io(&temporary))?;
        std::fs::rename(&temporary, &target).map_err(io(&target))?;
        sync_dir(dir);
        self.backed_up_at_writes.store(writes, Ordering::Relaxed);
        Ok(true)
    }
}

/// Applies one journal entry; true when it recorded something.
fn replay_one(tx: &Transaction<'_>, entry: &JournalEntry) -> Result<bool, LedgerError> {
    if entry.remote_task_id.is_empty() {
        return Ok(false);
    }
    let owner: Option<TaskId> = tx
        .query_row(
            "SELECT id FROM tasks WHERE remote_task_id = ?1",
            [&entry.remote_task_id],
            |row| row.get(0),
        )
        .optional()?;
    if owner.is_some() {
        return Ok(false);
    }
    let note = "task id recovered from the journal (the history could not be written then)";
    let row: Option<(String, Option<String>)> = tx
        .query_row(
            "SELECT state, remote_task_id FROM tasks WHERE id = ?1",
            [entry.task],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    match row {
        Some((state, None)) => {
            let from = decode_state(entry.task, &state)?;
            if !matches!(
                from,
                LocalState::Submitting | LocalState::SubmissionUnknown | LocalState::Queued
            ) {
                return Ok(false);
            }
            tx.execute(
                "UPDATE tasks SET state = 'waiting', remote_task_id = ?2, submitted_at_ms = ?3,
                    queue_position = NULL, service = COALESCE(service, ?4), updated_at_ms = ?3
                 WHERE id = ?1",
                params![entry.task, entry.remote_task_id, entry.at_ms, entry.service],
            )?;
            append_history(
                tx,
                entry.task,
                entry.at_ms,
                Some(from),
                LocalState::Waiting,
                Some(note),
            )?;
            Ok(true)
        }
        Some((_, Some(_))) => Ok(false),
        None => {
            // The row itself is gone (a damaged ledger): rebuild it from the entry.
            let task = NewTask {
                request: &entry.request,
                estimate_credits: entry.estimate_credits,
                initial: LocalState::Queued,
                service: entry.service.as_deref(),
                duplicate_window_ms: None,
            };
            let id = insert_task(
                tx,
                &task,
                &request_fingerprint(&entry.request),
                None,
                entry.at_ms,
            )?;
            tx.execute(
                "UPDATE tasks SET state = 'waiting', remote_task_id = ?2, submitted_at_ms = ?3,
                    queue_position = NULL WHERE id = ?1",
                params![id, entry.remote_task_id, entry.at_ms],
            )?;
            append_history(
                tx,
                id,
                entry.at_ms,
                Some(LocalState::Queued),
                LocalState::Waiting,
                Some(note),
            )?;
            Ok(true)
        }
    }
}

/// Whether [`BACKUP_FILE`] already holds everything the ledger file does: it is newer
/// than the file and no write-ahead log is pending.
fn backup_is_current(ledger: &Path) -> bool {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let backup = ledger.with_file_name(BACKUP_FILE);
    match (modified(&backup), modified(ledger)) {
        (Some(copy), Some(file)) => copy >= file && wal_is_empty(ledger),
        _ => false,
    }
}

/// Best effort: some platforms and file systems cannot open or sync a folder.
fn sync_dir(dir: &Path) {
    if let Ok(folder) = File::open(dir) {
        let _ = folder.sync_all();
    }
}

/// Every column of a task row as stored, for copying rows between files.
const ROW_COLUMNS_V1: &str = "id, request, prompt, model, resolution, duration_secs, state,
    remote_task_id, retry_of, estimate_credits, service_credits, output, failure, error_raw,
    video_path, poster_path, created_at_ms, submit_started_at_ms, submitted_at_ms,
    updated_at_ms, completed_at_ms, queue_position, poll_count, last_polled_at_ms";
const ROW_COLUMNS_V2_EXTRA: &str = "service, dismissed_at_ms, fingerprint";
const ROW_COLUMNS_RESULTS: &str = "cap_credits, settled_credits, settled_at_ms, output_check,
    last_frame_path, source_task_id, joined_path, reported_model";
const ROW_COLUMN_COUNT_V1: usize = 24;
const ROW_COLUMN_COUNT_V2: usize = 27;
const ROW_COLUMN_COUNT: usize = 35;

/// Ids probed one by one in a damaged file at most (a row-by-row read survives damaged
/// pages that a full scan stops at).
pub(crate) const SALVAGE_PROBE_CAP: i64 = 2_000_000;

/// Fills the fresh ledger `conn` from the last good copy `backup` and then from the
/// rows still readable in `damaged` (newer, so they win), keeping task ids. `None` when
/// nothing could be recovered.
fn restore_rows(conn: &mut Connection, backup: &Path, damaged: &Path) -> Option<RecoveredRows> {
    let backup_usable = matches!(
        inspect(backup, true),
        Inspection::Usable(version) if version <= SCHEMA_VERSION
    );
    let from_backup = if backup_usable {
        read_rows(backup, false)
    } else {
        Vec::new()
    };
    let from_damaged = read_rows(damaged, true);
    let mut rows = std::collections::BTreeMap::new();
    let mut origin = std::collections::BTreeMap::new();
    for row in from_backup {
        origin.insert(row.id, false);
        rows.insert(row.id, row);
    }
    for row in from_damaged {
        origin.insert(row.id, true);
        rows.insert(row.id, row);
    }
    let tx = conn.transaction().ok()?;
    let mut recovered = RecoveredRows::default();
    let marks: Vec<String> = (1..=ROW_COLUMN_COUNT).map(|n| format!("?{n}")).collect();
    let insert = format!(
        "INSERT OR REPLACE INTO tasks ({ROW_COLUMNS_V1}, {ROW_COLUMNS_V2_EXTRA}, {ROW_COLUMNS_RESULTS}) VALUES ({})",
        marks.join(", ")
    );
    let now = system_now_ms();
    for (id, row) in &rows {
        if tx
            .execute(&insert, rusqlite::params_from_iter(row.values.iter()))
            .is_err()
        {
            continue;
        }
        let _ = append_history(
            &tx,
            *id,
            now,
            Some(row.state),
            row.state,
            Some("recovered after the task history was found damaged"),
        );
        recovered.tasks += 1;
        if origin.get(id) == Some(&true) {
            recovered.from_damaged_file += 1;
        } else {
            recovered.from_backup += 1;
        }
        if matches!(
            row.state,
            LocalState::Submitting
                | LocalState::Waiting
                | LocalState::Generating
                | LocalState::Stuck
                | LocalState::Succeeded
                | LocalState::SubmissionUnknown
        ) {
            recovered.in_flight += 1;
        }
    }
    let tasks: std::collections::HashSet<TaskId> = tx
        .prepare("SELECT id FROM tasks")
        .and_then(|mut stmt| {
            stmt.query_map([], |r| r.get::<_, TaskId>(0))?
                .collect::<rusqlite::Result<_>>()
        })
        .unwrap_or_default();
    recovered.records =
        salvage::restore_records(&tx, backup_usable.then_some(backup), damaged, &tasks);
    tx.commit().ok()?;
    (recovered.tasks > 0 || !recovered.records.is_empty()).then_some(recovered)
}

/// The sentences of the recovery message about records other than tasks (with a
/// leading space), or nothing when there were none.
fn records_message(records: &SalvagedRecords) -> String {
    let mut text = String::new();
    if !records.is_empty() {
        text.push_str(&format!(
            " Also recovered: {} sequence(s) with {} shot(s), {} take(s) ({} chosen) and {} \
             film(s); {} take group entries, {} verdict(s) and {} saved prompt(s).",
            records.sequences,
            records.shots,
            records.takes,
            records.chosen_takes,
            records.films,
            records.take_groups,
            records.verdicts,
            records.saved_prompts
        ));
    }
    if !records.not_restored.is_empty() {
        text.push_str(&format!(
            " Could not be recovered: {}.",
            records.not_restored.join("; ")
        ));
    }
    text
}

/// A task row as stored, read from another file.
struct StoredRow {
    id: TaskId,
    state: LocalState,
    values: Vec<rusqlite::types::Value>,
}

/// Every task row of `path` that reads whole and decodes (its state and request). With
/// `probe`, ids are also read one at a time up to the highest id the file knows, so rows
/// after a damaged page are found too.
fn read_rows(path: &Path, probe: bool) -> Vec<StoredRow> {
    let Ok(conn) = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) else {
        return Vec::new();
    };
    let has_v2 = conn
        .prepare("SELECT service, dismissed_at_ms, fingerprint FROM tasks LIMIT 0")
        .is_ok();
    let has_results = has_v2
        && conn
            .prepare(&format!("SELECT {ROW_COLUMNS_RESULTS} FROM tasks LIMIT 0"))
            .is_ok();
    let (columns, width) = if has_results {
        (
            format!("{ROW_COLUMNS_V1}, {ROW_COLUMNS_V2_EXTRA}, {ROW_COLUMNS_RESULTS}"),
            ROW_COLUMN_COUNT,
        )
    } else if has_v2 {
        (
            format!("{ROW_COLUMNS_V1}, {ROW_COLUMNS_V2_EXTRA}"),
            ROW_COLUMN_COUNT_V2,
        )
    } else {
        (ROW_COLUMNS_V1.to_owned(), ROW_COLUMN_COUNT_V1)
    };
    let decode = |row: &Row<'_>| -> rusqlite::Result<Vec<rusqlite::types::Value>> {
        let mut values = Vec::with_capacity(ROW_COLUMN_COUNT);
        for n in 0..width {
            values.push(row.get::<_, rusqlite::types::Value>(n)?);
        }
        values.resize(ROW_COLUMN_COUNT, rusqlite::types::Value::Null);
        Ok(values)
    };
    let mut found = std::collections::BTreeMap::new();
    let mut keep = |values: Vec<rusqlite::types::Value>| {
        if let Some(row) = stored_row(values) {
            found.insert(row.id, row);
        }
    };
    // A full scan first: it stops at the first damaged page, keeping what came before.
    if let Ok(mut stmt) = conn.prepare(&format!("SELECT {columns} FROM tasks ORDER BY id")) {
        if let Ok(rows) = stmt.query_map([], decode) {
            for row in rows {
                match row {
                    Ok(values) => keep(values),
                    Err(_) => break,
                }
            }
        }
    }
    if probe {
        let highest = salvage::highest_row_to_probe(&conn, "tasks", "id");
        if let Ok(mut stmt) = conn.prepare(&format!("SELECT {columns} FROM tasks WHERE id = ?1")) {
            for id in 1..=highest {
                if let Ok(values) = stmt.query_row([id], decode) {
                    keep(values);
                }
            }
        }
    }
    found.into_values().collect()
}

/// Checks that a copied row is a task this app can use: an id, a known state, a request
/// that decodes.
fn stored_row(values: Vec<rusqlite::types::Value>) -> Option<StoredRow> {
    use rusqlite::types::Value;
    let id = match values.first()? {
        Value::Integer(id) => *id,
        _ => return None,
    };
    let state = match values.get(6)? {
        Value::Text(text) => LocalState::parse(text)?,
        _ => return None,
    };
    match values.get(1)? {
        Value::Text(text) => {
            serde_json::from_str::<GenerationRequest>(text).ok()?;
        }
        _ => return None,
    }
    Some(StoredRow { id, state, values })
}

// ---- opening ----

fn acquire_lock(data_dir: &Path) -> Result<File, LedgerError> {
    let lock_path = data_dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|source| LedgerError::Io {
            path: lock_path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(LedgerError::Busy { lock_path }),
        Err(std::fs::TryLockError::Error(source)) => Err(LedgerError::Io {
            path: lock_path,
            source,
        }),
    }
}

enum Inspection {
    /// A ledger of ours with this schema version.
    Usable(i64),
    /// Why it cannot be used, in plain words; it is moved aside.
    Unusable(String),
    /// It could not be examined (permissions, I/O): the file may be fine, so it is left
    /// where it is and opening fails.
    Failed(LedgerError),
}

/// Decides what an existing file is without writing to it.
/// The ledger file's size and modification time (ns), as [`CLEAN_CLOSE_FILE`] holds them.
fn file_fingerprint(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some(format!(
        "seedance-ledger-clean-close 1\nsize {}\nmodified-ns {}\n",
        meta.len(),
        modified.as_nanos()
    ))
}

fn wal_is_empty(ledger: &Path) -> bool {
    let wal = PathBuf::from(format!("{}-wal", ledger.display()));
    match std::fs::metadata(&wal) {
        Ok(meta) => meta.len() == 0,
        Err(error) => error.kind() == std::io::ErrorKind::NotFound,
    }
}

/// Whether the ledger is exactly as the last clean close left it. The record is removed
/// first, whatever it says, so it can vouch for one open only; if it cannot be removed it
/// is not trusted.
fn take_clean_close_record(data_dir: &Path, ledger: &Path) -> bool {
    let record_path = data_dir.join(CLEAN_CLOSE_FILE);
    let Ok(recorded) = std::fs::read_to_string(&record_path) else {
        return false;
    };
    if std::fs::remove_file(&record_path).is_err() {
        return false;
    }
    wal_is_empty(ledger) && file_fingerprint(ledger).as_deref() == Some(recorded.as_str())
}

/// Decides whether the file can be opened as our ledger. `full_check` runs `quick_check`
/// over every page; without it only the header and the schema version are read.
fn inspect(path: &Path, full_check: bool) -> Inspection {
    let mut header = [0u8; 16];
    let read = File::open(path).and_then(|mut f| {
        let mut filled = 0;
        while filled < header.len() {
            let n = f.read(&mut header[filled..])?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        Ok(filled)
    });
    match read {
        Ok(0) => return Inspection::Unusable("the file was empty".into()),
        Ok(n) if n < header.len() || &header != SQLITE_MAGIC => {
            return Inspection::Unusable("the file is not a database".into())
        }
        Ok(_) => {}
        Err(source) => {
            return Inspection::Failed(LedgerError::Io {
                path: path.to_owned(),
                source,
            })
        }
    }
    // Read-only: inspecting must not change the file (a newer app's ledger stays
    // byte-for-byte as it was). SQLite still reads a WAL left behind by a crash.
    let conn = match Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) {
        Ok(conn) => conn,
        Err(e) => return sqlite_failure(e, "the database is damaged"),
    };
    if let Err(e) = conn.busy_timeout(BUSY_TIMEOUT) {
        return Inspection::Failed(e.into());
    }
    if full_check {
        let check: Result<Vec<String>, rusqlite::Error> = conn
            .prepare("PRAGMA quick_check")
            .and_then(|mut stmt| stmt.query_map([], |row| row.get(0))?.collect());
        match check {
            Ok(lines) if lines.len() == 1 && lines[0] == "ok" => {}
            Ok(_) => return Inspection::Unusable("the database is damaged".into()),
            Err(e) => return sqlite_failure(e, "the database is damaged"),
        }
    }
    let version = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |row| row.get::<_, String>(0),
        )
        .optional();
    let foreign = "it is not a Seedance Studio task history";
    match version {
        Ok(Some(v)) => match v.trim().parse::<i64>() {
            Ok(v) if v >= 1 => Inspection::Usable(v),
            _ => Inspection::Unusable(foreign.into()),
        },
        Ok(None) => Inspection::Unusable(foreign.into()),
        Err(e) => sqlite_failure(e, foreign),
    }
}

/// Damage and "not our schema" (SQLITE_ERROR, e.g. no `meta` table) mean move aside;
/// anything else (permissions, I/O, busy, out of memory) says nothing about the file.
fn sqlite_failure(error: rusqlite::Error, unusable: &str) -> Inspection {
    use rusqlite::ErrorCode;
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase | ErrorCode::Unknown) => {
            Inspection::Unusable(unusable.into())
        }
        _ => Inspection::Failed(error.into()),
    }
}

/// Renames the ledger (and its WAL, which belongs to it) to a name that does not exist
/// yet. The `-shm` index is rebuilt by SQLite and is simply removed.
fn move_aside(path: &Path) -> Result<PathBuf, LedgerError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| LedgerError::Io { path, source }
    };
    let aside = crate::files::move_aside(path).map_err(io(path))?;
    let wal = sidecar(path, "-wal");
    if wal.exists() {
        let wal_aside = sidecar(&aside, "-wal");
        std::fs::rename(&wal, &wal_aside).map_err(io(&wal))?;
    }
    let shm = sidecar(path, "-shm");
    if shm.exists() {
        std::fs::remove_file(&shm).map_err(io(&shm))?;
    }
    Ok(aside)
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn configure(conn: &Connection) -> Result<(), LedgerError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(LedgerError::Invalid(format!(
            "the task history could not switch to WAL mode (got {mode})"
        )));
    }
    // FULL: every commit is fsynced before it returns; that is the ledger's promise.
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    Ok(())
}

/// Finds the retries of a task ([`TaskEntry::retried_as`]) without a full scan.
const RETRY_OF_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS tasks_by_retry_of ON tasks (retry_of) WHERE retry_of IS NOT NULL;";

const SCHEMA_V1: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    request              TEXT NOT NULL,
    prompt               TEXT NOT NULL,
    model                TEXT NOT NULL,
    resolution           TEXT NOT NULL,
    duration_secs        INTEGER NOT NULL,
    state                TEXT NOT NULL,
    remote_task_id       TEXT,
    retry_of             INTEGER,
    estimate_credits     REAL,
    service_credits      REAL,
    output               TEXT,
    failure              TEXT,
    error_raw            TEXT,
    video_path           TEXT,
    poster_path          TEXT,
    created_at_ms        INTEGER NOT NULL,
    submit_started_at_ms INTEGER,
    submitted_at_ms      INTEGER,
    updated_at_ms        INTEGER NOT NULL,
    completed_at_ms      INTEGER,
    queue_position       INTEGER,
    poll_count           INTEGER NOT NULL DEFAULT 0,
    last_polled_at_ms    INTEGER
);
CREATE INDEX IF NOT EXISTS tasks_by_created ON tasks (created_at_ms DESC, id DESC);
CREATE INDEX IF NOT EXISTS tasks_by_state ON tasks (state, created_at_ms DESC, id DESC);
CREATE INDEX IF NOT EXISTS tasks_by_queue ON tasks (queue_position) WHERE queue_position IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_by_submitted ON tasks (submitted_at_ms);
CREATE UNIQUE INDEX IF NOT EXISTS tasks_by_remote ON tasks (remote_task_id)
    WHERE remote_task_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_by_retry_of ON tasks (retry_of) WHERE retry_of IS NOT NULL;
CREATE TABLE IF NOT EXISTS history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id    INTEGER NOT NULL,
    at_ms      INTEGER NOT NULL,
    from_state TEXT,
    to_state   TEXT NOT NULL,
    note       TEXT
);
CREATE INDEX IF NOT EXISTS history_by_task ON history (task_id, id);
";

/// Version 1 → 2: the service each task belongs to (`NULL` for older rows, adopted by
/// the next engine for tasks already sent), the creator's dismissal of a stuck task, and
/// the request fingerprint behind the double-submission check.
const MIGRATE_1_TO_2: &str = "
ALTER TABLE tasks ADD COLUMN service TEXT;
ALTER TABLE tasks ADD COLUMN dismissed_at_ms INTEGER;
ALTER TABLE tasks ADD COLUMN fingerprint TEXT;
";

/// Version 4 → 5: what happens after a task succeeds. `cap_credits` is what a spending cap
/// counts for a task whose charge settles after success until it has (`NULL`: the
/// reservation is final); `settled_credits`/`settled_at_ms` the service's settled
/// `creditsUsed` and when it was read; `output_check` the comparison of the saved file
/// with the request (JSON); `last_frame_path` the local copy of the last frame, saved at
/// success (2.5's link expires); `source_task_id` the task a clip was made from (extend,
/// edit, continue from last frame), `joined_path` an extension's joined clip and
/// `reported_model` the model the service named in its success answer.
const MIGRATE_TASK_RESULTS: &str = "
ALTER TABLE tasks ADD COLUMN cap_credits REAL;
ALTER TABLE tasks ADD COLUMN settled_credits REAL;
ALTER TABLE tasks ADD COLUMN settled_at_ms INTEGER;
ALTER TABLE tasks ADD COLUMN output_check TEXT;
ALTER TABLE tasks ADD COLUMN last_frame_path TEXT;
ALTER TABLE tasks ADD COLUMN source_task_id INTEGER;
ALTER TABLE tasks ADD COLUMN joined_path TEXT;
ALTER TABLE tasks ADD COLUMN reported_model TEXT;
";

/// A fresh file is version 1 with every migration applied, so a new ledger and an
/// upgraded one are the same schema by construction.
fn create_schema(conn: &mut Connection) -> Result<(), LedgerError> {
    let tx = conn.transaction()?;
    tx.execute_batch(SCHEMA_V1)?;
    migration_steps(&tx, 1)?;
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?1)",
        [SCHEMA_VERSION.to_string()],
    )?;
    tx.commit()?;
    Ok(())
}

fn migration_steps(tx: &Transaction<'_>, from: i64) -> Result<(), LedgerError> {
    for version in from..SCHEMA_VERSION {
        match version {
            1 => tx.execute_batch(MIGRATE_1_TO_2)?,
            2 => tx.execute_batch(prompts::MIGRATE_PROMPT_LIBRARY)?,
            3 => tx.execute_batch(sequences::MIGRATE_SEQUENCES)?,
            4 => tx.execute_batch(MIGRATE_TASK_RESULTS)?,
            _ => {}
        }
    }
    Ok(())
}

/// Upgrades an older schema in one transaction: every row is kept, and a crash midway
/// leaves the old version whole.
fn migrate(conn: &mut Connection, from: i64) -> Result<(), LedgerError> {
    let tx = conn.transaction()?;
    migration_steps(&tx, from)?;
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
        [SCHEMA_VERSION.to_string()],
    )?;
    tx.commit()?;
    Ok(())
}

// ---- rows ----

const ENTRY_COLUMNS: &str = "id, request, state, remote_task_id, retry_of, estimate_credits,
    service_credits, output, failure, error_raw, video_path, poster_path, created_at_ms,
    submitted_at_ms, updated_at_ms, completed_at_ms, queue_position, poll_count,
    (SELECT MAX(r.id) FROM tasks AS r WHERE r.retry_of = tasks.id), service,
    dismissed_at_ms IS NOT NULL, cap_credits, settled_credits, settled_at_ms, output_check,
    last_frame_path, source_task_id, joined_path, reported_model";

struct RawEntry {
    id: TaskId,
    request: String,
    state: String,
    remote_task_id: Option<String>,
    retry_of: Option<TaskId>,
    estimate_credits: Option<f64>,
    service_credits: Option<f64>,
    output: Option<String>,
    failure: Option<String>,
    error_raw: Option<String>,
    video_path: Option<String>,
    poster_path: Option<String>,
    created_at_ms: i64,
    submitted_at_ms: Option<i64>,
    updated_at_ms: i64,
    completed_at_ms: Option<i64>,
    queue_position: Option<i64>,
    poll_count: i64,
    retried_as: Option<TaskId>,
    service: Option<String>,
    dismissed: bool,
    cap_credits: Option<f64>,
    settled_credits: Option<f64>,
    settled_at_ms: Option<i64>,
    output_check: Option<String>,
    last_frame_path: Option<String>,
    source_task: Option<TaskId>,
    joined_path: Option<String>,
    reported_model: Option<String>,
}

impl RawEntry {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<RawEntry> {
        Ok(RawEntry {
            id: row.get(0)?,
            request: row.get(1)?,
            state: row.get(2)?,
            remote_task_id: row.get(3)?,
            retry_of: row.get(4)?,
            estimate_credits: row.get(5)?,
            service_credits: row.get(6)?,
            output: row.get(7)?,
            failure: row.get(8)?,
            error_raw: row.get(9)?,
            video_path: row.get(10)?,
            poster_path: row.get(11)?,
            created_at_ms: row.get(12)?,
            submitted_at_ms: row.get(13)?,
            updated_at_ms: row.get(14)?,
            completed_at_ms: row.get(15)?,
            queue_position: row.get(16)?,
            poll_count: row.get(17)?,
            retried_as: row.get(18)?,
            service: row.get(19)?,
            dismissed: row.get(20)?,
            cap_credits: row.get(21)?,
            settled_credits: row.get(22)?,
            settled_at_ms: row.get(23)?,
            output_check: row.get(24)?,
            last_frame_path: row.get(25)?,
            source_task: row.get(26)?,
            joined_path: row.get(27)?,
            reported_model: row.get(28)?,
        })
    }

    fn decode(self) -> Result<TaskEntry, LedgerError> {
        let id = self.id;
        Ok(TaskEntry {
            id,
            request: from_json(id, "request", &self.request)?,
            state: decode_state(id, &self.state)?,
            remote_task_id: self.remote_task_id,
            retry_of: self.retry_of,
            retried_as: self.retried_as,
            service: self.service,
            dismissed: self.dismissed,
            estimate_credits: self.estimate_credits,
            service_credits: self.service_credits,
            output: self
                .output
                .map(|o| from_json(id, "output", &o))
                .transpose()?,
            failure: self
                .failure
                .map(|f| from_json(id, "failure", &f))
                .transpose()?,
            error_raw: self
                .error_raw
                .map(|e| from_json(id, "error_raw", &e))
                .transpose()?,
            video_path: self.video_path.map(PathBuf::from),
            poster_path: self.poster_path.map(PathBuf::from),
            created_at_ms: self.created_at_ms,
            submitted_at_ms: self.submitted_at_ms,
            updated_at_ms: self.updated_at_ms,
            completed_at_ms: self.completed_at_ms,
            queue_position: self.queue_position,
            poll_count: self.poll_count,
            cap_credits: self.cap_credits,
            settled_credits: self.settled_credits,
            settled_at_ms: self.settled_at_ms,
            output_check: self
                .output_check
                .map(|c| from_json(id, "output_check", &c))
                .transpose()?,
            last_frame_path: self.last_frame_path.map(PathBuf::from),
            source_task: self.source_task,
            joined_path: self.joined_path.map(PathBuf::from),
            reported_model: self.reported_model,
            take: None,
            verdict: None,
        })
    }
}

fn load_entry(conn: &Connection, id: TaskId) -> Result<TaskEntry, LedgerError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {ENTRY_COLUMNS} FROM tasks WHERE id = ?1"))?;
    let mut entry = stmt
        .query_row([id], RawEntry::from_row)
        .optional()?
        .ok_or(LedgerError::NoSuchTask(id))?
        .decode()?;
    let mut marks =
        conn.prepare_cached(&format!("SELECT {TAKE_COLUMNS} FROM tasks WHERE id = ?1"))?;
    (entry.take, entry.verdict) = marks.query_row([id], |row| take_marks(row, 0))?;
    Ok(entry)
}

fn state_and_remote(
    conn: &Connection,
    id: TaskId,
) -> Result<(LocalState, Option<String>), LedgerError> {
    let (state, remote): (String, Option<String>) = conn
        .query_row(
            "SELECT state, remote_task_id FROM tasks WHERE id = ?1",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?
        .ok_or(LedgerError::NoSuchTask(id))?;
    Ok((decode_state(id, &state)?, remote))
}

fn set_state(
    conn: &Connection,
    id: TaskId,
    to: LocalState,
    now_ms: i64,
) -> Result<(), LedgerError> {
    conn.execute(
        "UPDATE tasks SET state = ?2, updated_at_ms = ?3 WHERE id = ?1",
        params![id, to.as_str(), now_ms],
    )?;
    Ok(())
}

fn append_history(
    conn: &Connection,
    id: TaskId,
    at_ms: i64,
    from: Option<LocalState>,
    to: LocalState,
    note: Option<&str>,
) -> Result<(), LedgerError> {
    conn.execute(
        "INSERT INTO history (task_id, at_ms, from_state, to_state, note)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, at_ms, from.map(LocalState::as_str), to.as_str(), note],
    )?;
    Ok(())
}

fn next_queue_position(conn: &Connection) -> Result<i64, LedgerError> {
    let max: Option<i64> = conn.query_row("SELECT max(queue_position) FROM tasks", [], |row| {
        row.get(0)
    })?;
    Ok(max.map_or(1, |m| m + 1))
}

/// The WHERE clause and its parameters for a [`ListQuery`].
fn query_filter(query: &ListQuery) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut args = Vec::new();
    if !query.states.is_empty() {
        let marks: Vec<String> = query
            .states
            .iter()
            .map(|s| {
                args.push(s.as_str().to_owned());
                format!("?{}", args.len())
            })
            .collect();
        clauses.push(format!("state IN ({})", marks.join(", ")));
    }
    if let Some(text) = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        args.push(format!("%{escaped}%"));
        clauses.push(format!("prompt LIKE ?{} ESCAPE '\\'", args.len()));
    }
    if let Some(verdict) = query.verdict {
        args.push(verdict.as_str().to_owned());
        clauses.push(format!(
            "id IN (SELECT task_id FROM task_verdicts WHERE verdict = ?{})",
            args.len()
        ));
    }
    if clauses.is_empty() {
        (String::new(), args)
    } else {
        (format!("WHERE {}", clauses.join(" AND ")), args)
    }
}

fn decode_state(id: TaskId, name: &str) -> Result<LocalState, LedgerError> {
    LocalState::parse(name).ok_or_else(|| LedgerError::Decode {
        id,
        column: "state",
        reason: format!("unknown state {name:?}"),
    })
}

fn from_json<T: serde::de::DeserializeOwned>(
    id: TaskId,
    column: &'static str,
    text: &str,
) -> Result<T, LedgerError> {
    serde_json::from_str(text).map_err(|e| LedgerError::Decode {
        id,
        column,
        reason: e.to_string(),
    })
}

fn to_json<T: Serialize>(value: &T) -> Result<String, LedgerError> {
    serde_json::to_string(value).map_err(|e| LedgerError::Invalid(format!("cannot store: {e}")))
}

fn path_text(path: &Path) -> Result<String, LedgerError> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| LedgerError::Invalid(format!("path is not valid text: {}", path.display())))
}
