//! The one scheduler task: a heap of next-poll instants for every task in flight, the
//! local submission queue with its concurrency slots, and the pause on a rejected key.
//!
//! Owns all in-memory engine state; nothing else mutates it. Requests run as worker
//! tasks in a `JoinSet` (aborted on shutdown) and report back over a channel, so the
//! scheduler never waits on the network. A heap entry is valid only while it equals the
//! task's `due`; rescheduling simply pushes a new entry and leaves the old one stale.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::submit::{self, SubmitOutcome};
use super::{Command, EngineEvent, Shared};
use crate::api::{ApiError, TaskError, TaskRecord, TaskStatus};
use crate::guidance::{guidance_for, Failure};
use crate::ledger::{LocalState, TaskEntry, TaskId};
use crate::library::LibraryError;
use crate::model::TimeWindow;
use crate::retry;
use crate::schedule::{next_poll_delay, PollContext, PollSchedule, PolledStatus};
use crate::secret::ApiKey;

/// After a 429 with no `Retry-After`, try again this long later even if none of our
/// tasks finished (the busy slots may belong to another app on the same account).
const SLOT_RECHECK: Duration = Duration::from_secs(30);
/// Unreadable answers (unknown status, success without output) are logged once per
/// this many, per task.
const LOG_ODD_EVERY: u32 = 10;
/// Download attempts per task per run before waiting for the next start.
const DOWNLOAD_ATTEMPTS: u32 = 4;

/// What a worker reports.
enum Done {
    Poll {
        id: TaskId,
        result: Result<TaskRecord, ApiError>,
    },
    Submit {
        id: TaskId,
        outcome: SubmitOutcome,
    },
    Download {
        id: TaskId,
    },
}

/// One task the service is working on (or was, until we hear otherwise).
struct Tracked {
    remote: String,
    state: LocalState,
    /// The instant that corresponds to "elapsed 0" (the createTask answer).
    submitted: Instant,
    window: TimeWindow,
    stuck_after: Duration,
    /// The request has reference media the service must fetch (early polls apply).
    fetches_references: bool,
    status: PolledStatus,
    generating_since: Option<Duration>,
    polls_made: u32,
    errors: u32,
    not_found_since: Option<Instant>,
    due: Option<Instant>,
    /// `due` is a send slot already taken from the global budget.
    slot_reserved: bool,
    in_flight: bool,
    odd_answers: u32,
}

impl Tracked {
    fn from_entry(entry: &TaskEntry, remote: String, submitted: Instant) -> Tracked {
        let request = &entry.request;
        Tracked {
            remote,
            state: entry.state,
            submitted,
            window: request
                .model
                .expected_generation(request.resolution, request.has_reference_video()),
            stuck_after: request.model.stuck_after(),
            fetches_references: !request.references.is_empty(),
            status: if entry.state == LocalState::Generating {
                PolledStatus::Generating
            } else {
                PolledStatus::Waiting
            },
            generating_since: None,
            polls_made: 0,
            errors: 0,
            not_found_since: None,
            due: None,
            slot_reserved: false,
            in_flight: false,
            odd_answers: 0,
        }
    }
}

struct Scheduler {
    shared: Arc<Shared>,
    done_tx: mpsc::UnboundedSender<Done>,
    workers: JoinSet<()>,
    heap: BinaryHeap<Reverse<(Instant, u64, TaskId)>>,
    seq: u64,
    tracked: HashMap<TaskId, Tracked>,
    /// Tasks in the upload/createTask pipeline right now.
    pipelines: HashSet<TaskId>,
    /// Refused with 429: back to `Queued` in the ledger (nothing was created), sent
    /// again with the same body, oldest first, when a slot frees.
    waiting_for_slot: VecDeque<(TaskId, Value)>,
    limit: Option<u32>,
    /// When the 429 waiters may be tried again without a slot having freed.
    slot_recheck_at: Option<Instant>,
    slot_freed: bool,
    downloads: HashSet<TaskId>,
    paused: Option<String>,
    key: Option<ApiKey>,
    /// Earliest instant the next poll may go out (the global request budget).
    next_poll_slot: Instant,
    rng: StdRng,
    last_queue_event: Option<(Vec<TaskId>, u32, Option<u32>)>,
}

pub(crate) async fn run(shared: Arc<Shared>, mut commands: mpsc::UnboundedReceiver<Command>) {
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let limit = shared.settings.concurrency_limit_hint;
    let mut s = Scheduler {
        shared,
        done_tx,
        workers: JoinSet::new(),
        heap: BinaryHeap::new(),
        seq: 0,
        tracked: HashMap::new(),
        pipelines: HashSet::new(),
        waiting_for_slot: VecDeque::new(),
        limit,
        slot_recheck_at: None,
        slot_freed: false,
        downloads: HashSet::new(),
        paused: None,
        key: None,
        next_poll_slot: Instant::now(),
        rng: StdRng::from_entropy(),
        last_queue_event: None,
    };
    s.recover().await;
    loop {
        let next_poll = match s.paused {
            Some(_) => None,
            None => s.heap.peek().map(|Reverse((at, _, _))| *at),
        };
        let recheck = s.slot_recheck_at;
        tokio::select! {
            command = commands.recv() => match command {
                None => break,
                Some(Command::Shutdown(reply)) => {
                    s.workers.abort_all();
                    let _ = reply.send(());
                    break;
                }
                Some(Command::Wake) => s.pump().await,
                Some(Command::KeyChanged) => s.key_changed().await,
                Some(Command::Download(id)) => s.start_download(id),
            },
            Some(done) = done_rx.recv() => s.on_done(done).await,
            Some(_) = s.workers.join_next(), if !s.workers.is_empty() => {}
            () = sleep_until(next_poll) => s.fire_due().await,
            () = sleep_until(recheck) => {
                s.slot_recheck_at = None;
                s.slot_freed = true;
                s.pump().await;
            }
        }
    }
    s.workers.shutdown().await;
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Scheduler {
    async fn recover(&mut self) {
        let now_ms = self.shared.clock.now_ms();
        let report = match self
            .shared
            .ledger(move |l| l.recover_after_restart(now_ms))
            .await
        {
            Ok(report) => report,
            Err(error) => {
                tracing::error!(%error, "could not recover the task history; nothing resumed");
                return;
            }
        };
        for &id in &report.submission_unknown {
            self.shared.emit_task(id).await;
        }
        for &id in &report.to_poll {
            let entry = match self.shared.ledger(move |l| l.get(id)).await {
                Ok(entry) => entry,
                Err(error) => {
                    tracing::error!(task = id, %error, "cannot resume a task");
                    continue;
                }
            };
            let Some(remote) = entry.remote_task_id.clone() else {
                continue;
            };
            let now = Instant::now();
            let age_ms = entry
                .submitted_at_ms
                .map_or(0, |at| now_ms.saturating_sub(at).max(0));
            let age = Duration::from_millis(u64::try_from(age_ms).unwrap_or(0));
            let submitted = now.checked_sub(age).unwrap_or(now);
            let mut tracked = Tracked::from_entry(&entry, remote, submitted);
            // The schedule must not treat a resumed task as just submitted.
            tracked.polls_made = u32::try_from(entry.poll_count).unwrap_or(u32::MAX).max(1);
            self.tracked.insert(id, tracked);
            // Resume promptly, spread over about a second so many tasks do not burst.
            let first = Duration::from_millis(self.rng.gen_range(200..1_500));
            self.schedule_at(id, now + first);
        }
        for id in report.to_download {
            self.start_download(id);
        }
        self.pump().await;
    }

    async fn on_done(&mut self, done: Done) {
        match done {
            Done::Poll { id, result } => self.on_poll(id, result).await,
            Done::Submit { id, outcome } => self.on_submit(id, outcome).await,
            Done::Download { id } => {
                self.downloads.remove(&id);
            }
        }
    }

    // ---- submissions ----

    fn running(&self) -> u32 {
        let n = self.tracked.len() + self.pipelines.len();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Sends what may be sent: 429 waiters first (when a slot freed or their recheck
    /// time came), then queued tasks in order, one pipeline at a time so submission order
    /// is creation order, never more than the learned limit on the service.
    async fn pump(&mut self) {
        if self.paused.is_none() && self.pipelines.is_empty() {
            let capacity = self
                .limit
                .map_or(u32::MAX, |limit| limit.saturating_sub(self.running()));
            if !self.waiting_for_slot.is_empty() {
                if capacity > 0 && self.slot_freed {
                    self.slot_freed = false;
                    if let Some((id, body)) = self.waiting_for_slot.pop_front() {
                        self.start_resend(id, body).await;
                    }
                }
            } else if capacity > 0 {
                let pipelines = self.pipelines.clone();
                let next = self
                    .shared
                    .ledger(|l| l.queued_in_order())
                    .await
                    .map(|queued| queued.into_iter().find(|e| !pipelines.contains(&e.id)));
                match next {
                    Ok(Some(entry)) => self.start_submit(entry.id),
                    Ok(None) => {}
                    Err(error) => tracing::error!(%error, "cannot read the queue"),
                }
            }
        }
        self.emit_queue().await;
    }

    fn start_submit(&mut self, id: TaskId) {
        self.pipelines.insert(id);
        let shared = self.shared.clone();
        let done = self.done_tx.clone();
        self.workers.spawn(async move {
            let outcome = submit::submit_queued(shared, id).await;
            let _ = done.send(Done::Submit { id, outcome });
        });
    }

    async fn start_resend(&mut self, id: TaskId, body: Value) {
        let Some(key) = self.key().await else {
            self.waiting_for_slot.push_front((id, body));
            self.pause("No API key is saved. Add your key to continue.".to_owned());
            return;
        };
        // The durable intent comes first, as for any submission; a task cancelled while it
        // waited for a slot is simply dropped.
        if let Err(error) = self.shared.ledger(move |l| l.mark_submitting(id)).await {
            tracing::info!(task = id, %error, "a task waiting for a slot is no longer queued");
            self.shared.emit_task(id).await;
            return;
        }
        self.shared.emit_task(id).await;
        self.pipelines.insert(id);
        let shared = self.shared.clone();
        let done = self.done_tx.clone();
        self.workers.spawn(async move {
            let outcome = submit::send(shared, id, key, body).await;
            let _ = done.send(Done::Submit { id, outcome });
        });
    }

    async fn on_submit(&mut self, id: TaskId, outcome: SubmitOutcome) {
        self.pipelines.remove(&id);
        match outcome {
            SubmitOutcome::Submitted { remote_task_id } => {
                match self.shared.ledger(move |l| l.get(id)).await {
                    Ok(entry) => {
                        let tracked = Tracked::from_entry(&entry, remote_task_id, Instant::now());
                        self.tracked.insert(id, tracked);
                        self.schedule(id, None);
                    }
                    Err(error) => {
                        tracing::error!(task = id, %error, "cannot track a submitted task")
                    }
                }
            }
            SubmitOutcome::SlotBusy {
                body,
                limit,
                retry_after,
            } => {
                // The service's own figure; without one, what we have running is the cap.
                self.limit = limit.or(self.limit).or(Some(self.running().max(1)));
                let position = self
                    .waiting_for_slot
                    .iter()
                    .position(|(other, _)| *other > id)
                    .unwrap_or(self.waiting_for_slot.len());
                self.waiting_for_slot.insert(position, (id, body));
                self.slot_freed = false;
                self.slot_recheck_at = Some(Instant::now() + retry_after.unwrap_or(SLOT_RECHECK));
                tracing::info!(task = id, limit = ?self.limit, "concurrency limit reached; task waits for a slot");
            }
            SubmitOutcome::Failed { key_rejected: true } => {
                self.pause(
                    "The service did not accept the API key. Save a valid key to continue."
                        .to_owned(),
                );
            }
            SubmitOutcome::Failed {
                key_rejected: false,
            }
            | SubmitOutcome::Unknown
            | SubmitOutcome::NotSent => {}
        }
        self.pump().await;
    }

    /// A task of ours stopped occupying a slot on the service.
    fn slot_released(&mut self) {
        self.slot_freed = true;
    }

    async fn emit_queue(&mut self) {
        let mut queued: Vec<TaskId> = self.waiting_for_slot.iter().map(|(id, _)| *id).collect();
        match self.shared.ledger(|l| l.queued_in_order()).await {
            // 429 waiters are queued in the ledger too; list each once, waiters first.
            Ok(entries) => queued.extend(
                entries
                    .iter()
                    .map(|e| e.id)
                    .filter(|id| !self.waiting_for_slot.iter().any(|(w, _)| w == id)),
            ),
            Err(error) => tracing::warn!(%error, "cannot read the queue"),
        }
        let snapshot = (queued, self.running(), self.limit);
        if self.last_queue_event.as_ref() != Some(&snapshot) {
            self.last_queue_event = Some(snapshot.clone());
            let (queued, running, limit) = snapshot;
            self.shared.events.emit(EngineEvent::QueueChanged {
                queued,
                running,
                limit,
            });
        }
    }

    // ---- polling ----

    fn schedule_at(&mut self, id: TaskId, at: Instant) {
        if let Some(t) = self.tracked.get_mut(&id) {
            t.due = Some(at);
            t.slot_reserved = false;
            self.seq += 1;
            self.heap.push(Reverse((at, self.seq, id)));
        }
    }

    /// Schedules the next poll of `id` per the schedule (or the fixed override), never
    /// before `not_before` (a `Retry-After`, already clamped).
    fn schedule(&mut self, id: TaskId, not_before: Option<Duration>) {
        let jitter: f64 = self.rng.gen_range(0.0..1.0);
        let Some(t) = self.tracked.get(&id) else {
            return;
        };
        let now = Instant::now();
        let delay = match self.shared.settings.poll_every {
            Some(every) => {
                let backoff = every.saturating_mul(1 << t.errors.min(4));
                backoff
                    .mul_f64(0.9 + 0.2 * jitter)
                    .min(crate::schedule::MAX_POLL_DELAY)
            }
            None => next_poll_delay(&PollContext {
                elapsed: now.saturating_duration_since(t.submitted),
                window: t.window,
                status: t.status,
                generating_since: t.generating_since,
                polls_made: t.polls_made,
                consecutive_errors: t.errors,
                stuck_after: t.stuck_after,
                fetches_references: t.fetches_references,
                jitter,
            }),
        };
        let delay = delay.max(not_before.unwrap_or(Duration::ZERO));
        self.schedule_at(id, now + delay);
    }

    async fn fire_due(&mut self) {
        let now = Instant::now();
        let gap =
            Duration::from_secs_f64(1.0 / self.shared.settings.max_polls_per_second.max(0.01));
        let mut due = Vec::new();
        while let Some(Reverse((at, _, id))) = self.heap.peek().copied() {
            if at > now {
                break;
            }
            self.heap.pop();
            if let Some(t) = self.tracked.get(&id) {
                if t.due == Some(at) && !t.in_flight {
                    due.push((id, t.slot_reserved));
                }
            }
        }
        if due.is_empty() {
            return;
        }
        let Some(key) = self.key().await else {
            for (id, _) in due {
                if let Some(t) = self.tracked.get_mut(&id) {
                    t.due = None;
                }
            }
            self.pause("No API key is saved. Add your key to continue.".to_owned());
            return;
        };
        for (id, reserved) in due {
            // The global budget: polls due together go out `gap` apart, each in a slot
            // taken once (a deferred poll keeps its slot instead of queueing again).
            if !reserved {
                let slot = self.next_poll_slot.max(now);
                self.next_poll_slot = slot + gap;
                if slot > now {
                    self.schedule_at(id, slot);
                    if let Some(t) = self.tracked.get_mut(&id) {
                        t.slot_reserved = true;
                    }
                    continue;
                }
            }
            let Some(t) = self.tracked.get_mut(&id) else {
                continue;
            };
            t.in_flight = true;
            t.due = None;
            let remote = t.remote.clone();
            let shared = self.shared.clone();
            let done = self.done_tx.clone();
            let key = key.clone();
            self.workers.spawn(async move {
                let result = shared.status.record_info(&key, &remote).await;
                let _ = done.send(Done::Poll { id, result });
            });
        }
    }

    async fn on_poll(&mut self, id: TaskId, result: Result<TaskRecord, ApiError>) {
        let Some(t) = self.tracked.get_mut(&id) else {
            return;
        };
        t.in_flight = false;
        t.polls_made = t.polls_made.saturating_add(1);
        let now_ms = self.shared.clock.now_ms();
        if let Err(error) = self.shared.ledger(move |l| l.record_poll(id, now_ms)).await {
            tracing::warn!(task = id, %error, "could not count a poll");
        }
        match result {
            Ok(record) => self.on_record(id, record).await,
            Err(error) => self.on_poll_error(id, error).await,
        }
    }

    async fn on_record(&mut self, id: TaskId, record: TaskRecord) {
        let Some(t) = self.tracked.get_mut(&id) else {
            return;
        };
        t.errors = 0;
        t.not_found_since = None;
        let elapsed = Instant::now().saturating_duration_since(t.submitted);
        let odd = match &record.status {
            TaskStatus::Unknown(status) => Some(format!("undocumented status {status:?}")),
            TaskStatus::Success if record.output.is_empty() => {
                Some("success without an output".to_owned())
            }
            TaskStatus::Waiting => {
                t.status = PolledStatus::Waiting;
                None
            }
            TaskStatus::Generating => {
                t.status = PolledStatus::Generating;
                t.generating_since.get_or_insert(elapsed);
                None
            }
            TaskStatus::Success | TaskStatus::Fail => None,
        };
        if let Some(what) = odd {
            // Never read as an ending: keep the task in progress and keep asking.
            t.odd_answers += 1;
            if t.odd_answers % LOG_ODD_EVERY == 1 {
                tracing::warn!(task = id, remote = %t.remote, count = t.odd_answers, "recordInfo answered {what}; still in progress");
            }
            self.schedule(id, None);
            return;
        }
        let now_ms = self.shared.clock.now_ms();
        let applied = {
            let record = record.clone();
            self.shared
                .ledger(move |l| l.apply_remote(id, &record, now_ms))
                .await
        };
        let change = match applied {
            Ok(change) => change,
            Err(error) => {
                tracing::error!(task = id, %error, "could not record a poll answer");
                self.schedule(id, None);
                return;
            }
        };
        match record.status {
            TaskStatus::Success => {
                self.tracked.remove(&id);
                self.slot_released();
                if change.is_some() {
                    self.shared.emit_task(id).await;
                }
                if self.shared.settings.auto_download {
                    self.start_download(id);
                }
                self.pump().await;
            }
            TaskStatus::Fail => {
                self.tracked.remove(&id);
                self.slot_released();
                let error = record.error.unwrap_or_else(|| TaskError {
                    code: None,
                    message: "The service reported a failure without saying why.".to_owned(),
                });
                let guidance = guidance_for(&Failure::Task(&error));
                match serde_json::to_value(&guidance) {
                    Ok(json) => {
                        if let Err(e) = self
                            .shared
                            .ledger(move |l| l.mark_failed(id, &json, Some(&error)))
                            .await
                        {
                            tracing::error!(task = id, error = %e, "could not record guidance");
                        }
                    }
                    Err(e) => tracing::error!(task = id, error = %e, "guidance did not serialize"),
                }
                // One event for the failure, carrying its guidance category.
                self.shared.emit_task(id).await;
                self.pump().await;
            }
            _ => {
                if let Some(change) = change.filter(|c| c.from != c.to) {
                    if let Some(t) = self.tracked.get_mut(&id) {
                        t.state = change.to;
                    }
                    self.shared.emit_task(id).await;
                }
                self.check_stuck(id).await;
                self.schedule(id, None);
            }
        }
    }

    async fn check_stuck(&mut self, id: TaskId) {
        let Some(t) = self.tracked.get(&id) else {
            return;
        };
        let stuck_at = PollSchedule::default().stuck_at(t.window, t.stuck_after);
        let late = Instant::now().saturating_duration_since(t.submitted) >= stuck_at;
        if late && matches!(t.state, LocalState::Waiting | LocalState::Generating) {
            match self.shared.ledger(move |l| l.mark_stuck(id)).await {
                Ok(_) => {
                    if let Some(t) = self.tracked.get_mut(&id) {
                        t.state = LocalState::Stuck;
                    }
                    self.shared.emit_task(id).await;
                }
                Err(error) => tracing::warn!(task = id, %error, "could not mark a task stuck"),
            }
        }
    }

    async fn on_poll_error(&mut self, id: TaskId, error: ApiError) {
        let not_found_grace = self.shared.settings.not_found_grace;
        let Some(t) = self.tracked.get_mut(&id) else {
            return;
        };
        let access_denied = error.status() == Some(403)
            && error
                .service_message()
                .is_some_and(|m| m.trim() == "Access denied");
        match error.status() {
            Some(401) | Some(403) if !access_denied => {
                let guidance = guidance_for(&Failure::Api(&error));
                self.pause(format!("{} {}", guidance.title, guidance.explanation));
                // Rescheduled when a key is saved.
            }
            Some(404) | Some(403) => {
                let now = Instant::now();
                let since = *t.not_found_since.get_or_insert(now);
                t.errors = t.errors.saturating_add(1);
                if now.saturating_duration_since(since) >= not_found_grace {
                    self.tracked.remove(&id);
                    self.slot_released();
                    match self.shared.ledger(move |l| l.mark_not_found(id)).await {
                        Ok(_) => self.shared.emit_task(id).await,
                        Err(e) => {
                            tracing::warn!(task = id, error = %e, "could not mark a task not found")
                        }
                    }
                    self.pump().await;
                } else {
                    self.schedule(id, None);
                }
            }
            _ => {
                t.errors = t.errors.saturating_add(1);
                if matches!(error, ApiError::Malformed { .. }) {
                    t.odd_answers += 1;
                    if t.odd_answers % LOG_ODD_EVERY == 1 {
                        tracing::warn!(task = id, count = t.odd_answers, %error, "unreadable recordInfo answer; still in progress");
                    }
                } else {
                    tracing::debug!(task = id, errors = t.errors, %error, "poll failed");
                }
                let policy = self.shared.settings.retry_policy;
                let not_before = retry::clamped_retry_after(
                    &crate::retry::RetryPolicy {
                        cap: crate::schedule::MAX_POLL_DELAY,
                        ..policy
                    },
                    &error,
                );
                self.schedule(id, not_before);
            }
        }
    }

    // ---- key ----

    async fn key(&mut self) -> Option<ApiKey> {
        if self.key.is_none() {
            self.key = submit::load_key(&self.shared).await;
        }
        self.key.clone()
    }

    fn pause(&mut self, reason: String) {
        if self.paused.is_none() {
            tracing::warn!("polling paused: {reason}");
            self.shared.events.emit(EngineEvent::PollingPaused {
                reason: reason.clone(),
            });
        }
        self.key = None;
        self.paused = Some(reason);
    }

    async fn key_changed(&mut self) {
        self.key = None;
        if self.key().await.is_none() {
            return;
        }
        if self.paused.take().is_some() {
            self.shared.events.emit(EngineEvent::PollingResumed);
        }
        let now = Instant::now();
        let ids: Vec<TaskId> = self
            .tracked
            .iter()
            .filter(|(_, t)| !t.in_flight)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let first = Duration::from_millis(self.rng.gen_range(100..1_000));
            self.schedule_at(id, now + first);
        }
        self.slot_freed = true;
        self.pump().await;
    }

    // ---- downloads ----

    fn start_download(&mut self, id: TaskId) {
        if !self.downloads.insert(id) {
            return;
        }
        let shared = self.shared.clone();
        let done = self.done_tx.clone();
        self.workers.spawn(async move {
            download(shared, id).await;
            let _ = done.send(Done::Download { id });
        });
    }
}

/// Downloads a succeeded task's files into the library and records them, retrying
/// transient failures a few times (never sooner than a `Retry-After` asks). When it
/// gives up it says why in one [`EngineEvent::DownloadFailed`]; the task stays
/// `Succeeded` and is picked up again at the next start.
async fn download(shared: Arc<Shared>, id: TaskId) {
    let policy = shared.settings.retry_policy;
    let mut rng = StdRng::from_entropy();
    for attempt in 1..=DOWNLOAD_ATTEMPTS {
        let entry = match shared.ledger(move |l| l.get(id)).await {
            Ok(entry) if entry.state == LocalState::Succeeded => entry,
            Ok(_) => return,
            Err(error) => {
                tracing::error!(task = id, %error, "cannot read a finished task");
                return;
            }
        };
        let events = shared.events.clone();
        let progress = move |p: crate::library::DownloadProgress| {
            events.emit(EngineEvent::DownloadProgress {
                task_id: id,
                file: p.file,
                received: p.received,
                total: p.total,
            })
        };
        match shared
            .library
            .download_result(&shared.client, &entry, &progress)
            .await
        {
            Ok((video, poster)) => {
                match shared
                    .ledger(move |l| l.set_downloaded(id, &video, poster.as_deref()))
                    .await
                {
                    Ok(_) => shared.emit_task(id).await,
                    Err(error) => {
                        tracing::error!(task = id, %error, "could not record a download");
                        shared.events.emit(EngineEvent::DownloadFailed {
                            task_id: id,
                            disk_problem: None,
                            message: format!(
                                "The video was saved in the library but the task history could not record it ({error}). It is tried again at the next start."
                            ),
                        });
                    }
                }
                return;
            }
            Err(error) => {
                tracing::warn!(task = id, attempt, %error, "download failed");
                if !error.is_retryable() || attempt == DOWNLOAD_ATTEMPTS {
                    shared.events.emit(download_failed(id, &error));
                    return;
                }
                let mut delay =
                    retry::backoff(&policy, attempt, &mut rng).max(Duration::from_millis(200));
                if let LibraryError::Download { error, .. } = &error {
                    if let Some(asked) = retry::clamped_retry_after(&policy, error) {
                        delay = delay.max(asked);
                    }
                }
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// The event for a download the engine has given up on, with a sentence that says what
/// the creator can do.
fn download_failed(id: TaskId, error: &LibraryError) -> EngineEvent {
    let (disk_problem, message) = match error {
        LibraryError::Disk {
            problem, message, ..
        } => (Some(*problem), message.clone()),
        LibraryError::NoResult { .. } => (
            None,
            "The service reported this video finished but gave no file to download.".to_owned(),
        ),
        LibraryError::Download { error, .. } => (
            None,
            format!(
                "The video is finished but could not be downloaded yet ({error}). It stays on the service and can be played from there; Studio tries again at the next start, or choose Download again."
            ),
        ),
    };
    EngineEvent::DownloadFailed {
        task_id: id,
        disk_problem,
        message,
    }
}
