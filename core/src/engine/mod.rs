//! The generation engine: takes requests from the creator and carries each one to a
//! video in the library (or a failure with guidance), with one scheduler for every task
//! in flight.
//!
//! Owns the pipeline of one generation (queue → uploads → durable intent → createTask →
//! durable task id → polls → download), the concurrency slots learned from 429s, the
//! creator's spending cap, pausing on a rejected key and resuming after a restart. It
//! holds no state that matters across a crash: the ledger does, and every step that
//! spends credits is preceded by a durable ledger write.
//!
//! It does not classify errors (`guidance`), decide resends (`retry`), choose poll times
//! (`schedule`), talk HTTP itself (`api::client`) or name files (`library`).
//!
//! Shape: [`Engine::start`] spawns ONE scheduler task (a `BinaryHeap` of next-poll
//! instants, woken by a single timer) and returns a cheap, cloneable [`EngineHandle`].
//! Requests (polls, submissions, downloads) run as short-lived tasks that report back to
//! the scheduler; no task sleeps in a loop of its own.

mod cap;
mod events;
mod scheduler;
mod submit;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot, Mutex};

use futures_util::future::BoxFuture;

use crate::api::{ApiClient, ApiError, TaskRecord};
use crate::clock::Clock;
use crate::guidance::{guidance_for, Category, Failure, Guidance};
use crate::keychain::KeyStore;
use crate::ledger::{Ledger, LedgerError, LocalState, TaskEntry, TaskId, TaskSummary};
use crate::library::Library;
use crate::request::GenerationRequest;
use crate::retry::RetryPolicy;
use crate::secret::ApiKey;
use crate::validate::{validate, Problem};

pub use cap::{SpendingCap, SpendingCapCheck};
pub use events::{summary_of, EngineEvent, EventSink};

/// What the engine needs from the outside world.
pub struct EngineDeps {
    pub ledger: Arc<Ledger>,
    pub client: ApiClient,
    pub keys: Arc<dyn KeyStore>,
    pub events: Arc<dyn EventSink>,
    pub clock: Arc<dyn Clock>,
    pub library: Library,
    pub settings: EngineSettings,
}

/// Tunables; [`EngineSettings::default`] is what the app uses.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineSettings {
    /// Refuse submissions that would reserve more than this per day / month.
    pub spending_cap: Option<SpendingCap>,
    /// Poll every task at this fixed interval instead of the adaptive schedule (scripts,
    /// tests). Failed polls still back off.
    pub poll_every: Option<Duration>,
    /// The account's concurrency limit when known in advance; otherwise it is learned
    /// from the first 429.
    pub concurrency_limit_hint: Option<u32>,
    /// Download finished videos into the library as soon as they succeed.
    pub auto_download: bool,
    pub retry_policy: RetryPolicy,
    /// Upper bound on recordInfo requests per second across all tasks; polls due at the
    /// same moment are spread out to respect it.
    pub max_polls_per_second: f64,
    /// How long a task the service answers 404 for keeps being polled before it is
    /// marked not found (never deleted).
    pub not_found_grace: Duration,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            spending_cap: None,
            poll_every: None,
            concurrency_limit_hint: None,
            auto_download: true,
            retry_policy: RetryPolicy::default(),
            max_polls_per_second: 4.0,
            not_found_grace: Duration::from_secs(5 * 60),
        }
    }
}

/// Why a submission (or a retry) was not accepted. Nothing was sent and nothing spent.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SubmitRefusal {
    /// The request would be rejected or would fail; each problem names the fix.
    #[error("the request cannot be sent as it is ({} problem(s))", problems.len())]
    Invalid { problems: Vec<Problem> },
    /// Sending it would pass the creator's spending cap; the guidance says how much is
    /// left and when the cap resets.
    #[error("{}", guidance.explanation)]
    SpendingCap { guidance: Box<Guidance> },
    /// The request has no price (a combination the rate table lacks).
    #[error("{message}")]
    NoPrice { message: String },
    /// A retry that is not allowed for this task as it stands (not failed, not
    /// retryable, or it needs `confirm_may_charge_twice`).
    #[error("{message}")]
    NotAllowed {
        message: String,
        /// True when the creator may go ahead by confirming a possible double charge.
        needs_confirmation: bool,
    },
    /// The task history could not be read or written.
    #[error("{message}")]
    Ledger { message: String },
    /// The engine has shut down.
    #[error("the generation engine has stopped")]
    Stopped,
}

impl From<LedgerError> for SubmitRefusal {
    fn from(error: LedgerError) -> Self {
        SubmitRefusal::Ledger {
            message: error.to_string(),
        }
    }
}

/// What to do with a submission whose outcome is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownResolution {
    /// Send the same request again as a new, linked task. May charge twice.
    ResubmitAnyway,
    /// Stop tracking it: it becomes a failure with the "outcome unknown" guidance.
    Abandon,
}

/// Errors of the handle's other calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EngineError {
    /// Only a task still waiting in the local queue can be cancelled: anything later
    /// has (or may have) reserved credits, and the service has no cancel.
    #[error("{message}")]
    NotCancellable { message: String },
    #[error("{message}")]
    Ledger { message: String },
    /// Only a task that finished on the service and is not in the library yet can be
    /// downloaded.
    #[error("{message}")]
    NothingToDownload { message: String },
    #[error("the generation engine has stopped")]
    Stopped,
}

impl From<LedgerError> for EngineError {
    fn from(error: LedgerError) -> Self {
        EngineError::Ledger {
            message: error.to_string(),
        }
    }
}

/// Where polls are answered: the service's `recordInfo` (through [`ApiClient`]) in the
/// app; a scripted source in scheduler tests.
pub trait StatusSource: Send + Sync {
    /// One attempt, as [`ApiClient::record_info`].
    fn record_info<'a>(
        &'a self,
        key: &'a ApiKey,
        task_id: &'a str,
    ) -> BoxFuture<'a, Result<TaskRecord, ApiError>>;
}

impl StatusSource for ApiClient {
    fn record_info<'a>(
        &'a self,
        key: &'a ApiKey,
        task_id: &'a str,
    ) -> BoxFuture<'a, Result<TaskRecord, ApiError>> {
        Box::pin(ApiClient::record_info(self, key, task_id))
    }
}

/// Starts engines.
pub struct Engine;

impl Engine {
    /// Recovers the ledger after a restart (a `Submitting` row becomes
    /// `SubmissionUnknown`, never resent), resumes polling every task with a remote id
    /// within about a second, resumes interrupted downloads, then serves the handle.
    /// Sends no createTask at startup except for tasks still `Queued`, which were never
    /// sent. Must be called inside a tokio runtime.
    pub fn start(deps: EngineDeps) -> EngineHandle {
        let status = Arc::new(deps.client.clone());
        Engine::start_with_status_source(deps, status)
    }

    /// [`Engine::start`], with recordInfo answered by `status` instead of the HTTP
    /// client: for paused-time tests of the scheduler and for simulations. Everything
    /// else (uploads, createTask, downloads) still goes through `deps.client`.
    pub fn start_with_status_source(
        deps: EngineDeps,
        status: Arc<dyn StatusSource>,
    ) -> EngineHandle {
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            status,
            ledger: deps.ledger,
            client: deps.client,
            keys: deps.keys,
            events: deps.events,
            clock: deps.clock,
            library: deps.library,
            settings: deps.settings,
            last_told: Mutex::new(HashMap::new()),
        });
        let join = tokio::spawn(scheduler::run(shared.clone(), cmd_rx));
        EngineHandle {
            inner: Arc::new(HandleInner {
                shared,
                cmd_tx,
                submit_lock: Mutex::new(()),
                join: std::sync::Mutex::new(Some(join)),
            }),
        }
    }
}

/// Everything the scheduler and its workers share; read-only after start.
pub(crate) struct Shared {
    pub(crate) status: Arc<dyn StatusSource>,
    pub(crate) ledger: Arc<Ledger>,
    pub(crate) client: ApiClient,
    pub(crate) keys: Arc<dyn KeyStore>,
    pub(crate) events: Arc<dyn EventSink>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) library: Library,
    pub(crate) settings: EngineSettings,
    /// A fingerprint of the last `TaskChanged` of each task. Held while a change is read
    /// and sent, so events leave in the order of the ledger and a state read twice (by a
    /// worker and a handle racing on the same task) is told once.
    pub(crate) last_told: Mutex<HashMap<TaskId, u64>>,
}

impl Shared {
    /// Runs a blocking ledger call off the async threads (each write fsyncs).
    pub(crate) async fn ledger<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Ledger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, LedgerError> {
        let ledger = self.ledger.clone();
        match tokio::task::spawn_blocking(move || call(&ledger)).await {
            Ok(result) => result,
            Err(join) => Err(LedgerError::Invalid(format!(
                "a task history call did not finish: {join}"
            ))),
        }
    }

    /// Emits one `task_changed` with the task as the ledger now has it.
    pub(crate) async fn emit_task(&self, id: TaskId) {
        let mut last_told = self.last_told.lock().await;
        match self.ledger(move |l| l.get(id)).await {
            Ok(entry) => {
                let task = summary_of(&entry);
                let fingerprint = fingerprint_of(&task);
                if last_told.insert(id, fingerprint) != Some(fingerprint) {
                    self.events.emit(EngineEvent::TaskChanged { task });
                }
            }
            Err(error) => tracing::warn!(task = id, %error, "could not read a changed task"),
        }
    }
}

/// A hash of everything a `TaskChanged` carries.
fn fingerprint_of(task: &TaskSummary) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(task)
        .unwrap_or_default()
        .hash(&mut hasher);
    hasher.finish()
}

/// Messages from handles to the scheduler.
pub(crate) enum Command {
    /// The queue changed (a submission, a retry, a cancel): look at it again.
    Wake,
    KeyChanged,
    /// Put a succeeded task's files in the library now (after a failed download).
    Download(TaskId),
    Shutdown(oneshot::Sender<()>),
}

struct HandleInner {
    shared: Arc<Shared>,
    cmd_tx: mpsc::UnboundedSender<Command>,
    /// Serialises cap checks with the create that follows, so two submissions cannot
    /// both squeeze under the cap.
    submit_lock: Mutex<()>,
    join: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// The creator's side of the engine. Cheap to clone; every clone drives the same engine.
#[derive(Clone)]
pub struct EngineHandle {
    inner: Arc<HandleInner>,
}

impl EngineHandle {
    /// Validates, prices and cap-checks `request`, then records it `Queued`. It is sent
    /// as soon as a concurrency slot is free, in submission order.
    pub async fn submit(&self, request: GenerationRequest) -> Result<TaskId, SubmitRefusal> {
        self.enqueue(request, None).await
    }

    /// Sends the request of task `id` again as a new task linked to it (`retry_of`).
    /// Allowed for failures whose guidance says a retry may work, and for failures of
    /// unknown cause. A submission whose outcome is unknown, a stuck task or one the
    /// service no longer knows may already have been charged: those need
    /// `confirm_may_charge_twice`. Local references uploaded too long ago are uploaded
    /// again before sending.
    pub async fn retry(
        &self,
        id: TaskId,
        confirm_may_charge_twice: bool,
    ) -> Result<TaskId, SubmitRefusal> {
        let entry = self.inner.shared.ledger(move |l| l.get(id)).await?;
        check_retry_allowed(&entry, confirm_may_charge_twice)?;
        if entry.state == LocalState::SubmissionUnknown {
            return self
                .resolve_unknown(id, UnknownResolution::ResubmitAnyway)
                .await
                .map(|new| new.unwrap_or(id));
        }
        let new_id = self.enqueue(entry.request, Some(id)).await?;
        // The original now leads to its retry (`retried_as`): tell the UI.
        self.inner.shared.emit_task(id).await;
        Ok(new_id)
    }

    /// Withdraws a task still waiting in the local queue; nothing was spent.
    pub async fn cancel(&self, id: TaskId) -> Result<(), EngineError> {
        let shared = &self.inner.shared;
        match shared.ledger(move |l| l.cancel_queued(id)).await {
            Ok(_) => {
                shared.emit_task(id).await;
                self.send(Command::Wake)?;
                Ok(())
            }
            Err(LedgerError::IllegalTransition { from, .. }) => Err(EngineError::NotCancellable {
                message: format!(
                    "This task is {from}; only a task still waiting in the queue can be cancelled (the service has no cancel once a task is sent)."
                ),
            }),
            Err(other) => Err(other.into()),
        }
    }

    /// Tries again to put a succeeded task's files in the library, after a
    /// [`EngineEvent::DownloadFailed`] (the creator freed space or fixed the folder).
    /// Does nothing when a download of that task is already running.
    pub async fn download_again(&self, id: TaskId) -> Result<(), EngineError> {
        let entry = self.inner.shared.ledger(move |l| l.get(id)).await?;
        if entry.state != LocalState::Succeeded {
            return Err(EngineError::NothingToDownload {
                message: format!(
                    "This task is {}; only a finished video that is not in the library yet can be downloaded.",
                    entry.state
                ),
            });
        }
        self.send(Command::Download(id))
    }

    /// The creator's decision about a `SubmissionUnknown` task. `ResubmitAnyway` returns
    /// the new task's id. Either way the unknown one becomes a failure that says its
    /// outcome was never known, so it is not offered again.
    pub async fn resolve_unknown(
        &self,
        id: TaskId,
        resolution: UnknownResolution,
    ) -> Result<Option<TaskId>, SubmitRefusal> {
        let shared = self.inner.shared.clone();
        let entry = shared.ledger(move |l| l.get(id)).await?;
        if entry.state != LocalState::SubmissionUnknown {
            return Err(SubmitRefusal::NotAllowed {
                message: format!(
                    "Task {id} is {}, not a submission of unknown outcome.",
                    entry.state
                ),
                needs_confirmation: false,
            });
        }
        let new_id = match resolution {
            UnknownResolution::ResubmitAnyway => {
                Some(self.enqueue(entry.request.clone(), Some(id)).await?)
            }
            UnknownResolution::Abandon => None,
        };
        let detail = match new_id {
            Some(new) => format!("Resubmitted by the creator as task {new}."),
            None => "Abandoned by the creator.".to_owned(),
        };
        let guidance = guidance_for(&Failure::SubmissionUnknown { detail: &detail });
        let json = serde_json::to_value(&guidance).map_err(|e| SubmitRefusal::Ledger {
            message: e.to_string(),
        })?;
        shared
            .ledger(move |l| l.mark_failed(id, &json, None))
            .await?;
        shared.emit_task(id).await;
        Ok(new_id)
    }

    /// The creator saved a (new) key: resume polling paused by a 401/403 and submit
    /// whatever waits in the queue.
    pub fn key_changed(&self) {
        // A stopped engine has nothing to resume.
        let _ = self.send(Command::KeyChanged);
    }

    /// Stops the scheduler and every request in progress, and waits for it. A
    /// createTask cut off here stays `Submitting` and becomes `SubmissionUnknown` at the
    /// next start, never resent silently.
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        if self.send(Command::Shutdown(tx)).is_ok() {
            let _ = rx.await;
        }
        let join = self
            .inner
            .join
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(join) = join {
            let _ = join.await;
        }
    }

    fn send(&self, command: Command) -> Result<(), EngineError> {
        self.inner
            .cmd_tx
            .send(command)
            .map_err(|_| EngineError::Stopped)
    }

    async fn enqueue(
        &self,
        request: GenerationRequest,
        retry_of: Option<TaskId>,
    ) -> Result<TaskId, SubmitRefusal> {
        let validation = validate(&request);
        if !validation.problems.is_empty() {
            return Err(SubmitRefusal::Invalid {
                problems: validation.problems,
            });
        }
        let estimate = crate::pricing::estimate(&request).map_err(|e| SubmitRefusal::NoPrice {
            message: e.to_string(),
        })?;
        let shared = self.inner.shared.clone();
        let id = {
            let _serial = self.inner.submit_lock.lock().await;
            if let Some(cap) = shared.settings.spending_cap {
                let now = shared.clock.now_ms();
                let needed = estimate.credits;
                let check = shared
                    .ledger(move |l| cap::check(l, &cap, now, needed))
                    .await?;
                if let SpendingCapCheck::Over(guidance) = check {
                    return Err(SubmitRefusal::SpendingCap {
                        guidance: Box::new(guidance),
                    });
                }
            }
            let credits = estimate.credits;
            shared
                .ledger(move |l| l.create(&request, Some(credits), retry_of, LocalState::Queued))
                .await?
        };
        shared.emit_task(id).await;
        self.send(Command::Wake)
            .map_err(|_| SubmitRefusal::Stopped)?;
        Ok(id)
    }
}

fn check_retry_allowed(entry: &TaskEntry, confirmed: bool) -> Result<(), SubmitRefusal> {
    let refuse = |message: String, needs_confirmation: bool| {
        Err(SubmitRefusal::NotAllowed {
            message,
            needs_confirmation,
        })
    };
    match entry.state {
        LocalState::Failed => {
            let guidance: Option<Guidance> = entry
                .failure
                .clone()
                .and_then(|json| serde_json::from_value(json).ok());
            match guidance {
                Some(g) if g.retryable || g.category == Category::Unknown => Ok(()),
                Some(g) => refuse(
                    format!(
                        "{} Sending the same request again would fail the same way; {}",
                        g.title, "change it first (edit and generate again)."
                    ),
                    false,
                ),
                // A failure recorded without guidance (an older build): let the creator try.
                None => Ok(()),
            }
        }
        LocalState::SubmissionUnknown | LocalState::Stuck | LocalState::NotFound => {
            if confirmed {
                Ok(())
            } else {
                refuse(
                    "The service may already be working on this task (and have reserved its credits). Sending it again may charge twice; confirm to go ahead.".to_owned(),
                    true,
                )
            }
        }
        other => refuse(
            format!(
                "Task {} is {other}; only a failed task can be retried.",
                entry.id
            ),
            false,
        ),
    }
}
