//! The generation engine: takes requests from the creator and carries each one to a
//! video in the library (or a failure with guidance), with one scheduler for every task
//! in flight.
//!
//! Owns the pipeline of one generation (queue → uploads → durable intent → createTask →
//! durable task id → polls → download), the concurrency slots learned from 429s, the
//! creator's spending cap, the key's state (a rejected key pauses; an unreadable keychain
//! only delays), resuming after a restart and stopping without abandoning a request that
//! may be paid. It holds no state that matters across a crash: the ledger does, and every
//! step that spends credits is preceded by a durable ledger write.
//!
//! Invariants it enforces for credits: one retry per task (checked in the ledger
//! transaction that creates it), no same-draft submission twice within a few seconds
//! without confirmation, no queued task sent to a service other than the one it was
//! composed for without the creator moving it, and no createTask abandoned by a stop
//! unless the creator asks for an immediate stop (then it is marked outcome unknown).
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
mod result_check;
mod scheduler;
mod settle;
mod submit;
mod takes;
mod timing;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot, Mutex};

use futures_util::future::BoxFuture;

use crate::api::{check_base_url, ApiClient, ApiError, ClientConfig, TaskRecord};
use crate::clock::Clock;
use crate::guidance::{guidance_for, Category, Failure, Guidance};
use crate::keychain::KeyStore;
use crate::ledger::{
    Created, Ledger, LedgerError, ListQuery, LocalState, NewTask, TaskEntry, TaskId, TaskSummary,
    TaskWait,
};
use crate::library::Library;
use crate::request::GenerationRequest;
use crate::retry::RetryPolicy;
use crate::secret::ApiKey;
use crate::validate::{validate, Problem};

pub use cap::{SpendingCap, SpendingCapCheck};
pub use events::{summary_of, EngineEvent, EventSink};
pub use takes::{take_seeds, MAX_TAKES};

/// What the engine needs from the outside world.
pub struct EngineDeps {
    pub ledger: Arc<Ledger>,
    /// The client of the service the engine runs against (the current setting). Tasks
    /// composed for another service are polled and downloaded through a client of their
    /// own, made with the same timeouts.
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
    /// How long a task the service answers its own JSON "Task not found" for keeps being
    /// polled before it is marked not found (never deleted). Any other answer restarts
    /// the window.
    pub not_found_grace: Duration,
    /// A submission of the same draft (same request fingerprint) within this long of the
    /// first is refused with [`SubmitRefusal::Duplicate`] unless confirmed.
    pub duplicate_window: Duration,
    /// Send tasks that were already queued when this engine started. The app does (its
    /// queue is on screen); the CLI does not, so `seedance resume` sends no createTask and
    /// a `seedance generate` sends only its own task.
    pub send_earlier_queued: bool,
    /// Mark a task stuck after this long instead of the model's documented worst case
    /// (scripts, tests).
    pub stuck_after: Option<Duration>,
    /// How often a stuck task is still polled.
    pub stuck_poll_every: Duration,
    /// How often the ledger's last good copy is refreshed while tasks change.
    pub backup_every: Duration,
    /// Compare each saved video with its request (ffprobe, when installed) and keep the
    /// result with the task.
    pub check_outputs: bool,
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
            duplicate_window: Duration::from_secs(10),
            send_earlier_queued: true,
            stuck_after: None,
            stuck_poll_every: Duration::from_secs(60),
            backup_every: Duration::from_secs(5 * 60),
            check_outputs: true,
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
    /// The same draft was submitted moments ago (a double click, a repeated shortcut):
    /// ask the creator, then call [`EngineHandle::submit_with`] with
    /// `confirm_duplicate` for a deliberate second take.
    #[error("{message}")]
    Duplicate {
        /// The task the first submission made.
        existing: TaskId,
        /// How long ago it was made.
        seconds_ago: f64,
        message: String,
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

/// What [`EngineHandle::retry_once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryOutcome {
    /// The retry to follow.
    pub task: TaskId,
    /// False when the task had been retried already: that retry is returned and nothing
    /// was sent or queued.
    pub created: bool,
}

/// The engine's view of the API key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum KeyState {
    /// Not read yet.
    Unknown,
    /// A key is saved and the service has not refused it.
    Working,
    /// No key is saved: nothing is sent or polled until one is.
    Missing,
    /// The service's own 401 answered a request sent with the current key: nothing is
    /// sent or polled until a new key is saved.
    Rejected { message: String },
    /// The keychain cannot be read right now (locked, not answering): requests wait and
    /// the key is read again shortly; nothing fails because of it.
    Unreadable { message: String },
}

/// A snapshot of the engine for a window or a terminal that starts watching it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngineStatus {
    /// The service (API base URL) the engine runs against.
    pub service: String,
    pub key: KeyState,
    /// Tasks the engine holds back, and why.
    pub waiting: Vec<(TaskId, TaskWait)>,
    /// While stopping: createTask requests whose answer is still awaited.
    pub finishing_sends: u32,
}

/// What [`EngineHandle::retarget`] found or did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Retarget {
    pub task: TaskId,
    /// The service the task was composed for (`None`: recorded before services were).
    pub from: Option<String>,
    /// The service it would go to: the engine's.
    pub to: String,
    /// What sending it there is estimated to cost.
    pub estimate_credits: Option<f64>,
    /// True once moved (confirmed); false for the quote alone.
    pub moved: bool,
}

/// What a stop left behind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ShutdownReport {
    /// createTask requests in flight when the stop began whose answer was awaited and
    /// recorded (their task ids are in the ledger, or for a refusal their failure).
    pub finished_sending: Vec<TaskId>,
    /// Requests cut off (immediate stop, or no answer within the request deadline):
    /// marked `SubmissionUnknown`, never resent without the creator.
    pub left_unknown: Vec<TaskId>,
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
    /// The call does not apply to the task as it stands (the message says why).
    #[error("{message}")]
    NotAllowed { message: String },
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

/// Where polls are answered: the service's `recordInfo` (through the task's own
/// [`ApiClient`]) in the app; a scripted source in scheduler tests.
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
    /// against its own service within about a second, asks once more about tasks the
    /// service said it did not know, resumes interrupted downloads, then serves the
    /// handle. Sends no createTask at startup except for tasks still `Queued` for this
    /// engine's service (and only with [`EngineSettings::send_earlier_queued`]), which
    /// were never sent. Must be called inside a tokio runtime.
    pub fn start(deps: EngineDeps) -> EngineHandle {
        Engine::start_inner(deps, None)
    }

    /// [`Engine::start`], with recordInfo answered by `status` instead of HTTP: for
    /// paused-time tests of the scheduler and for simulations. Everything else (uploads,
    /// createTask, downloads) still goes through `deps.client`.
    pub fn start_with_status_source(
        deps: EngineDeps,
        status: Arc<dyn StatusSource>,
    ) -> EngineHandle {
        Engine::start_inner(deps, Some(status))
    }

    fn start_inner(deps: EngineDeps, status: Option<Arc<dyn StatusSource>>) -> EngineHandle {
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let service = deps.client.config().base_url.to_string();
        let mut clients = HashMap::new();
        clients.insert(service.clone(), deps.client.clone());
        let shared = Arc::new(Shared {
            status,
            ledger: deps.ledger,
            client: deps.client,
            service: service.clone(),
            clients: std::sync::Mutex::new(clients),
            keys: deps.keys,
            events: deps.events,
            clock: deps.clock,
            library: deps.library,
            settings: deps.settings,
            last_told: Mutex::new(HashMap::new()),
            waits: std::sync::Mutex::new(HashMap::new()),
            key_state: std::sync::Mutex::new(KeyState::Unknown),
            own: std::sync::Mutex::new(HashSet::new()),
            gate: std::sync::Mutex::new(SendGate::default()),
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

/// Who may send a createTask now. Checked and updated under one lock, so a stop either
/// sees a submission as sending (and waits for its answer) or the submission sees the
/// stop (and sends nothing).
#[derive(Debug, Default)]
pub(crate) struct SendGate {
    pub(crate) stopping: bool,
    /// Tasks past the decision to send: their createTask is (or is about to be) on the
    /// wire.
    pub(crate) sending: HashSet<TaskId>,
}

/// Everything the scheduler and its workers share; read-only after start, except the
/// small state behind its own locks (never held across an `.await`).
pub(crate) struct Shared {
    pub(crate) status: Option<Arc<dyn StatusSource>>,
    pub(crate) ledger: Arc<Ledger>,
    /// The client of [`Shared::service`].
    pub(crate) client: ApiClient,
    /// The service (API base URL) this engine runs against, as the ledger records it.
    pub(crate) service: String,
    /// One client per service a task belongs to, made on first use.
    clients: std::sync::Mutex<HashMap<String, ApiClient>>,
    pub(crate) keys: Arc<dyn KeyStore>,
    pub(crate) events: Arc<dyn EventSink>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) library: Library,
    pub(crate) settings: EngineSettings,
    /// A fingerprint of the last `TaskChanged` of each task. Held while a change is read
    /// and sent, so events leave in the order of the ledger and a state read twice (by a
    /// worker and a handle racing on the same task) is told once.
    pub(crate) last_told: Mutex<HashMap<TaskId, u64>>,
    /// Why the scheduler holds each task it holds (shown in task summaries).
    pub(crate) waits: std::sync::Mutex<HashMap<TaskId, TaskWait>>,
    pub(crate) key_state: std::sync::Mutex<KeyState>,
    /// Tasks queued through this engine (sent even without `send_earlier_queued`).
    pub(crate) own: std::sync::Mutex<HashSet<TaskId>>,
    pub(crate) gate: std::sync::Mutex<SendGate>,
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
                let task = self.summary(&entry);
                let fingerprint = fingerprint_of(&task);
                if last_told.insert(id, fingerprint) != Some(fingerprint) {
                    self.events.emit(EngineEvent::TaskChanged { task });
                }
            }
            Err(error) => tracing::warn!(task = id, %error, "could not read a changed task"),
        }
    }

    /// The gallery row of `entry` with what the engine knows on top (why it waits).
    pub(crate) fn summary(&self, entry: &TaskEntry) -> TaskSummary {
        let mut task = summary_of(entry);
        self.fill_wait(&mut task);
        task
    }

    /// Why the engine holds `task`: what the scheduler recorded, else what follows from
    /// the row itself (a queued task of another service, a task in flight while no key
    /// works), so a row read before the scheduler looked at it says the same.
    pub(crate) fn fill_wait(&self, task: &mut TaskSummary) {
        task.waiting_for = lock(&self.waits)
            .get(&task.id)
            .cloned()
            .or_else(|| self.derived_wait(task));
    }

    fn derived_wait(&self, task: &TaskSummary) -> Option<TaskWait> {
        if task.dismissed {
            return None;
        }
        match task.state {
            LocalState::Queued if task.service.as_deref() != Some(self.service.as_str()) => {
                Some(TaskWait::OtherService {
                    service: task.service.clone(),
                })
            }
            LocalState::Queued | LocalState::Waiting | LocalState::Generating => matches!(
                *lock(&self.key_state),
                KeyState::Missing | KeyState::Rejected { .. } | KeyState::Unreadable { .. }
            )
            .then_some(TaskWait::WorkingKey),
            _ => None,
        }
    }

    /// The client for tasks of `service` (`None`: recorded before services were, which
    /// the engine treats as its own). Made on first use with this engine's timeouts.
    pub(crate) fn client_for(&self, service: Option<&str>) -> Result<ApiClient, String> {
        let Some(service) = service.filter(|s| *s != self.service) else {
            return Ok(self.client.clone());
        };
        let mut clients = lock(&self.clients);
        if let Some(client) = clients.get(service) {
            return Ok(client.clone());
        }
        let base_url = check_base_url(service).map_err(|e| e.to_string())?;
        let config = ClientConfig {
            base_url,
            ..self.client.config().clone()
        };
        let client = ApiClient::new(config).map_err(|e| e.to_string())?;
        clients.insert(service.to_owned(), client.clone());
        Ok(client)
    }

    /// Whether the engine may send queued task `entry`: composed for this engine's
    /// service, and either queued through this engine or `send_earlier_queued`.
    pub(crate) fn sendable(&self, entry: &TaskEntry) -> Result<(), TaskWait> {
        if entry.service.as_deref() != Some(self.service.as_str()) {
            return Err(TaskWait::OtherService {
                service: entry.service.clone(),
            });
        }
        if !self.settings.send_earlier_queued && !lock(&self.own).contains(&entry.id) {
            return Err(TaskWait::NotSentByThisRun);
        }
        Ok(())
    }

    pub(crate) fn request_deadline(&self) -> Duration {
        self.client.config().request_timeout
    }
}

/// Locks a small engine state; a panic elsewhere cannot leave these maps inconsistent.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
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
    /// Stop polling a task the creator dismissed.
    Untrack(TaskId),
    /// Ask the service about a task again now (not found, or dismissed).
    CheckAgain(TaskId),
    /// Stop: `drain` waits for createTask answers in flight, else they are cut off.
    Shutdown {
        drain: bool,
        reply: oneshot::Sender<ShutdownReport>,
    },
    /// While a draining stop waits: stop waiting now.
    StopNow,
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
    /// Validates, prices and cap-checks `request`, then records it `Queued` for this
    /// engine's service. It is sent as soon as a concurrency slot is free, in submission
    /// order. The same draft submitted again within
    /// [`EngineSettings::duplicate_window`] is refused with [`SubmitRefusal::Duplicate`]
    /// (a double click must not pay twice); see [`EngineHandle::submit_with`].
    pub async fn submit(&self, request: GenerationRequest) -> Result<TaskId, SubmitRefusal> {
        self.submit_with(request, false).await
    }

    /// [`EngineHandle::submit`]; with `confirm_duplicate` the creator asked for a second
    /// take of a draft just sent, and no duplicate check is made.
    pub async fn submit_with(
        &self,
        request: GenerationRequest,
        confirm_duplicate: bool,
    ) -> Result<TaskId, SubmitRefusal> {
        let window = self.inner.shared.settings.duplicate_window;
        let duplicate_window_ms = (!confirm_duplicate && !window.is_zero())
            .then(|| i64::try_from(window.as_millis()).unwrap_or(i64::MAX));
        let service = self.inner.shared.service.clone();
        let created = self
            .create_checked(request, move |ledger, request, estimate| {
                ledger.create_new(&NewTask {
                    request,
                    estimate_credits: Some(estimate),
                    initial: LocalState::Queued,
                    service: Some(&service),
                    duplicate_window_ms,
                })
            })
            .await?;
        match created {
            Created::New(id) => Ok(id),
            Created::Duplicate {
                existing,
                created_at_ms,
            } => {
                let seconds_ago =
                    (self.inner.shared.ledger_now_ms() - created_at_ms).max(0) as f64 / 1000.0;
                Err(SubmitRefusal::Duplicate {
                    existing,
                    seconds_ago,
                    message: format!(
                        "The same request was sent {seconds_ago:.0} s ago as task {existing}. \
                         Send it again as a second take (and pay for it twice)?"
                    ),
                })
            }
        }
    }

    /// Sends the request of task `id` again as a new task linked to it (`retry_of`), at
    /// most once: see [`EngineHandle::retry_once`]. Returns the retry's id.
    pub async fn retry(
        &self,
        id: TaskId,
        confirm_may_charge_twice: bool,
    ) -> Result<TaskId, SubmitRefusal> {
        self.retry_once(id, confirm_may_charge_twice)
            .await
            .map(|outcome| outcome.task)
    }

    /// Retries task `id` as a new task linked to it, once per task whatever the caller:
    /// when `id` has a retry already (a double click, a second window, the CLI, a call
    /// made earlier), that retry is returned with `created: false` and nothing is sent.
    /// The check is made in the ledger transaction that creates the retry.
    ///
    /// Allowed for failures whose guidance says a retry may work, and for failures of
    /// unknown cause. A submission whose outcome is unknown, a stuck task or one the
    /// service no longer knows may already have been charged: those need
    /// `confirm_may_charge_twice`. Local references are uploaded again before sending.
    pub async fn retry_once(
        &self,
        id: TaskId,
        confirm_may_charge_twice: bool,
    ) -> Result<RetryOutcome, SubmitRefusal> {
        let entry = self.inner.shared.ledger(move |l| l.get(id)).await?;
        if let Some(existing) = self.live_retry(entry.retried_as).await {
            return Ok(RetryOutcome {
                task: existing,
                created: false,
            });
        }
        check_retry_allowed(&entry, confirm_may_charge_twice)?;
        if entry.state == LocalState::SubmissionUnknown {
            return self.resubmit_unknown(id, entry.request).await;
        }
        let service = self.inner.shared.service.clone();
        let outcome = self
            .create_checked(entry.request, move |ledger, request, estimate| {
                ledger.create_retry(
                    id,
                    &NewTask {
                        request,
                        estimate_credits: Some(estimate),
                        initial: LocalState::Queued,
                        service: Some(&service),
                        duplicate_window_ms: None,
                    },
                    &[LocalState::Failed, LocalState::Stuck, LocalState::NotFound],
                    None,
                )
            })
            .await?;
        // The original now leads to its retry (`retried_as`): tell the UI.
        self.inner.shared.emit_task(id).await;
        Ok(RetryOutcome {
            task: outcome.id,
            created: outcome.created,
        })
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
    /// the new task's id, once: a second call (from anywhere) returns the same retry and
    /// sends nothing. Either way the unknown one becomes a failure that says its outcome
    /// was never known, so it is not offered again.
    pub async fn resolve_unknown(
        &self,
        id: TaskId,
        resolution: UnknownResolution,
    ) -> Result<Option<TaskId>, SubmitRefusal> {
        let shared = self.inner.shared.clone();
        let entry = shared.ledger(move |l| l.get(id)).await?;
        if resolution == UnknownResolution::ResubmitAnyway {
            if let Some(existing) = self.live_retry(entry.retried_as).await {
                return Ok(Some(existing));
            }
        }
        if entry.state != LocalState::SubmissionUnknown {
            return Err(SubmitRefusal::NotAllowed {
                message: format!(
                    "Task {id} is {}, not a submission of unknown outcome.",
                    entry.state
                ),
                needs_confirmation: false,
            });
        }
        match resolution {
            UnknownResolution::ResubmitAnyway => self
                .resubmit_unknown(id, entry.request)
                .await
                .map(|outcome| Some(outcome.task)),
            UnknownResolution::Abandon => {
                let guidance = guidance_for(&Failure::SubmissionUnknown {
                    detail: "Abandoned by the creator.",
                });
                let json = serde_json::to_value(&guidance).map_err(|e| SubmitRefusal::Ledger {
                    message: e.to_string(),
                })?;
                shared
                    .ledger(move |l| l.mark_failed(id, &json, None))
                    .await?;
                shared.emit_task(id).await;
                Ok(None)
            }
        }
    }

    /// `retry` when it is a retry that counts: one the creator cancelled before it was
    /// sent spent nothing and does not stand in the way of another.
    async fn live_retry(&self, retry: Option<TaskId>) -> Option<TaskId> {
        let retry = retry?;
        match self.inner.shared.ledger(move |l| l.get(retry)).await {
            Ok(entry) if entry.state == LocalState::Cancelled => None,
            _ => Some(retry),
        }
    }

    /// Creates (once) the resubmission of unknown task `id` and marks `id` failed in the
    /// same transaction.
    async fn resubmit_unknown(
        &self,
        id: TaskId,
        request: GenerationRequest,
    ) -> Result<RetryOutcome, SubmitRefusal> {
        let service = self.inner.shared.service.clone();
        let outcome = self
            .create_checked(request, move |ledger, request, estimate| {
                let resolved = |new: TaskId| {
                    let detail = format!("Resubmitted by the creator as task {new}.");
                    let guidance = guidance_for(&Failure::SubmissionUnknown { detail: &detail });
                    serde_json::to_value(&guidance).unwrap_or(serde_json::Value::Null)
                };
                ledger.create_retry(
                    id,
                    &NewTask {
                        request,
                        estimate_credits: Some(estimate),
                        initial: LocalState::Queued,
                        service: Some(&service),
                        duplicate_window_ms: None,
                    },
                    &[LocalState::SubmissionUnknown],
                    Some(&resolved),
                )
            })
            .await?;
        self.inner.shared.emit_task(id).await;
        Ok(RetryOutcome {
            task: outcome.id,
            created: outcome.created,
        })
    }

    /// Moves queued task `id`, composed for another service, to this engine's service.
    /// Without `confirm` nothing changes: the answer is the quote (from, to, estimated
    /// credits) to show the creator. With it the task is moved and sent in its turn.
    pub async fn retarget(&self, id: TaskId, confirm: bool) -> Result<Retarget, SubmitRefusal> {
        let shared = self.inner.shared.clone();
        let entry = shared.ledger(move |l| l.get(id)).await?;
        if entry.state != LocalState::Queued {
            return Err(SubmitRefusal::NotAllowed {
                message: format!(
                    "Task {id} is {}; only a task still waiting in the queue can be moved to another service.",
                    entry.state
                ),
                needs_confirmation: false,
            });
        }
        let mut quote = Retarget {
            task: id,
            from: entry.service.clone(),
            to: shared.service.clone(),
            estimate_credits: entry.estimate_credits,
            moved: false,
        };
        if !confirm || entry.service.as_deref() == Some(shared.service.as_str()) {
            quote.moved = entry.service.as_deref() == Some(shared.service.as_str());
            return Ok(quote);
        }
        let to = shared.service.clone();
        shared.ledger(move |l| l.retarget(id, &to)).await?;
        lock(&shared.own).insert(id);
        shared.emit_task(id).await;
        self.send(Command::Wake)
            .map_err(|_| SubmitRefusal::Stopped)?;
        quote.moved = true;
        Ok(quote)
    }

    /// The creator dismisses a stuck (or not found) task: it stops being polled and no
    /// longer counts as in progress; it keeps its task id and can be checked again.
    pub async fn dismiss(&self, id: TaskId) -> Result<(), EngineError> {
        let shared = &self.inner.shared;
        match shared.ledger(move |l| l.dismiss(id)).await {
            Ok(_) => {}
            Err(LedgerError::IllegalTransition { from, .. }) => {
                return Err(EngineError::NotAllowed {
                    message: format!(
                        "Task {id} is {from}; only a stuck task, or one the service does not know, can be dismissed."
                    ),
                })
            }
            Err(other) => return Err(other.into()),
        }
        self.send(Command::Untrack(id))?;
        shared.emit_task(id).await;
        Ok(())
    }

    /// Asks the service about task `id` again now: one it said it did not know (a
    /// gateway or a wrong address may have answered), or one the creator dismissed.
    /// Never resubmits anything.
    pub async fn check_again(&self, id: TaskId) -> Result<(), EngineError> {
        let shared = &self.inner.shared;
        let entry = shared.ledger(move |l| l.get(id)).await?;
        if entry.remote_task_id.is_none()
            || !matches!(
                entry.state,
                LocalState::NotFound
                    | LocalState::Stuck
                    | LocalState::Waiting
                    | LocalState::Generating
            )
        {
            return Err(EngineError::NotAllowed {
                message: format!(
                    "Task {id} is {}; only a task the service has (or had) can be checked again.",
                    entry.state
                ),
            });
        }
        if entry.dismissed {
            shared.ledger(move |l| l.undismiss(id)).await?;
            shared.emit_task(id).await;
        }
        self.send(Command::CheckAgain(id))
    }

    /// The engine's service, key state, the tasks it holds back and why.
    pub fn status(&self) -> EngineStatus {
        let shared = &self.inner.shared;
        let mut waiting: Vec<(TaskId, TaskWait)> = lock(&shared.waits)
            .iter()
            .map(|(id, wait)| (*id, wait.clone()))
            .collect();
        waiting.sort_by_key(|(id, _)| *id);
        EngineStatus {
            service: shared.service.clone(),
            key: lock(&shared.key_state).clone(),
            waiting,
            finishing_sends: {
                let gate = lock(&shared.gate);
                if gate.stopping {
                    u32::try_from(gate.sending.len()).unwrap_or(u32::MAX)
                } else {
                    0
                }
            },
        }
    }

    /// The gallery row of `entry` with why the engine holds it, if it does.
    pub fn summary(&self, entry: &TaskEntry) -> TaskSummary {
        self.inner.shared.summary(entry)
    }

    /// [`Ledger::list`] with each row's `waiting_for` filled in as the engine sees it
    /// ("waiting for a working key", "made for another service"): the ledger alone does
    /// not know the running service or the key's state.
    pub async fn list(&self, query: ListQuery) -> Result<Vec<TaskSummary>, LedgerError> {
        let shared = self.inner.shared.clone();
        let mut rows = shared.ledger(move |l| l.list(&query)).await?;
        for row in &mut rows {
            shared.fill_wait(row);
        }
        Ok(rows)
    }

    /// The creator saved a (new) key: resume polling paused by a rejected key and
    /// submit whatever waits in the queue.
    pub fn key_changed(&self) {
        // A stopped engine has nothing to resume.
        let _ = self.send(Command::KeyChanged);
    }

    /// Stops the engine without abandoning any request that may be paid, and waits for
    /// it. Polls, downloads and submissions not yet sending stop at once (nothing was
    /// spent on them; a queued task stays queued). Every createTask already on the wire
    /// is waited for, up to the request deadline, and its answer recorded: the task id
    /// goes to the ledger, a refusal becomes its failure; nothing new is sent meanwhile,
    /// and a resend the retry rules would make puts the task back in the queue instead.
    /// While it waits, [`EngineEvent::FinishingSends`] says how many are left (for a
    /// "finishing sending N tasks" in the window or on the terminal), and
    /// [`EngineHandle::stop_now`] ends the wait. A request that got no answer in time is
    /// marked `SubmissionUnknown` and never resent without the creator.
    ///
    /// This is what closing the window, SIGTERM and applying new settings that need a
    /// new engine should call: start the next engine once it returns.
    pub async fn shutdown(&self) -> ShutdownReport {
        self.stop(true).await
    }

    /// Stops at once: createTask requests on the wire are cut off and their tasks
    /// marked `SubmissionUnknown` (the service may have made them; they are never
    /// resent without the creator). During a [`EngineHandle::shutdown`] it ends the
    /// wait for answers the same way (a second Ctrl-C).
    pub async fn stop_now(&self) -> ShutdownReport {
        let _ = self.send(Command::StopNow);
        self.stop(false).await
    }

    async fn stop(&self, drain: bool) -> ShutdownReport {
        let (tx, rx) = oneshot::channel();
        let mut report = ShutdownReport::default();
        if self.send(Command::Shutdown { drain, reply: tx }).is_ok() {
            if let Ok(answer) = rx.await {
                report = answer;
            }
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
        report
    }

    fn send(&self, command: Command) -> Result<(), EngineError> {
        self.inner
            .cmd_tx
            .send(command)
            .map_err(|_| EngineError::Stopped)
    }

    /// Validates, prices and cap-checks `request`, then runs `create` (one ledger
    /// transaction) with its estimate, under the submission lock. A task it creates
    /// belongs to this engine and is sent in its turn.
    async fn create_checked<T, F>(
        &self,
        request: GenerationRequest,
        create: F,
    ) -> Result<T, SubmitRefusal>
    where
        T: CreatesTask + Send + 'static,
        F: FnOnce(&Ledger, &GenerationRequest, f64) -> Result<T, LedgerError> + Send + 'static,
    {
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
        let created = {
            let _serial = self.inner.submit_lock.lock().await;
            if let Some(cap) = shared.settings.spending_cap {
                let now = shared.clock.now_ms();
                // A charge that settles after success may end above the reservation: the
                // cap counts the larger figure until the settled one is read.
                let needed = estimate.cap_credits();
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
            shared.ledger(move |l| create(l, &request, credits)).await?
        };
        if let Some(id) = created.new_task() {
            lock(&shared.own).insert(id);
            shared.emit_task(id).await;
            self.send(Command::Wake)
                .map_err(|_| SubmitRefusal::Stopped)?;
        }
        Ok(created)
    }
}

/// The task a ledger creation call made, if it made one.
trait CreatesTask {
    fn new_task(&self) -> Option<TaskId>;
}

impl CreatesTask for Created {
    fn new_task(&self) -> Option<TaskId> {
        match self {
            Created::New(id) => Some(*id),
            Created::Duplicate { .. } => None,
        }
    }
}

impl CreatesTask for crate::ledger::RetryCreated {
    fn new_task(&self) -> Option<TaskId> {
        self.created.then_some(self.id)
    }
}

impl Shared {
    /// Now, as the ledger stamps `created_at_ms`.
    fn ledger_now_ms(&self) -> i64 {
        self.ledger.now_ms()
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
