//! The one scheduler task: a heap of next-poll instants for every task in flight, the
//! local submission queue with its concurrency slots, the key's state, and the stop.
//!
//! Owns all in-memory engine state; nothing else mutates it. Requests run as worker
//! tasks (polls and downloads in one `JoinSet`, submission pipelines in another so a stop
//! can wait for the ones already sending) and report back over a channel, so the
//! scheduler never waits on the network or the keychain. A heap entry is valid only while
//! it equals the task's `due`; rescheduling simply pushes a new entry and leaves the old
//! one stale.
//!
//! Key rule: only the service's own JSON 401 to a request sent with the CURRENT key
//! (`key_gen`) rejects the key and holds everything; a keychain that cannot be read only
//! delays requests until it can, and nothing fails because of it.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::Instant;

use super::settle;
use super::submit::{self, SubmitOutcome};
use super::timing::{self, Timing};
use super::{lock, Command, EngineEvent, KeyState, Shared, ShutdownReport};
use crate::api::{ApiError, TaskError, TaskRecord, TaskStatus};
use crate::guidance::{guidance_for, Failure};
use crate::keychain::KeychainError;
use crate::ledger::{LocalState, TaskEntry, TaskId, TaskWait};
use crate::library::LibraryError;
use crate::model::TimeWindow;
use crate::request::UploadedCopy;
use crate::retry;
use crate::schedule::{CompletionProfile, PollContext, PollSchedule, PolledStatus, TimingKey};
use crate::secret::ApiKey;

/// After a 429 with no `Retry-After`, try again this long later even if none of our
/// tasks finished (the busy slots may belong to another app on the same account).
const SLOT_RECHECK: Duration = Duration::from_secs(30);
/// Unreadable answers (unknown status, success without output) are logged once per
/// this many, per task.
const LOG_ODD_EVERY: u32 = 10;
/// Download attempts per task per run before waiting for the next start.
const DOWNLOAD_ATTEMPTS: u32 = 4;
/// A task the service said it did not know, asked about again, is given up (it stays
/// not found) after this many answers that say nothing either way.
const RECHECK_MAX_ERRORS: u32 = 10;
/// Reading the keychain again after it could not be read: first after this long,
/// doubling up to [`KEY_RETRY_MAX`].
const KEY_RETRY_FIRST: Duration = Duration::from_secs(5);
const KEY_RETRY_MAX: Duration = Duration::from_secs(60);
/// Time allowed, past the request deadline, for a createTask answer to be recorded
/// during a stop (the ledger's fsync, the journal).
const STOP_RECORD_MARGIN: Duration = Duration::from_secs(5);
/// The longest `Retry-After` honoured for a poll; a longer one is read as this.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(120);
/// A new task id asks for a last good copy of the ledger this soon (not every time).
const BACKUP_AFTER_NEW_TASK: Duration = Duration::from_secs(30);

/// What a worker reports.
enum Done {
    Poll {
        id: TaskId,
        /// The key generation the request was sent with.
        key_gen: u64,
        result: Result<TaskRecord, ApiError>,
    },
    Submit {
        id: TaskId,
        outcome: SubmitOutcome,
    },
    Download {
        id: TaskId,
    },
    Key {
        result: Result<Option<ApiKey>, KeychainError>,
    },
}

/// One task the service is working on (or was, until we hear otherwise).
struct Tracked {
    remote: String,
    /// The service the task belongs to (`None`: recorded before services were).
    service: Option<String>,
    state: LocalState,
    /// The instant that corresponds to "elapsed 0" (the createTask answer).
    submitted: Instant,
    window: TimeWindow,
    stuck_after: Duration,
    /// The request has reference media the service must fetch (early polls apply).
    fetches_references: bool,
    status: PolledStatus,
    generating_since: Option<Duration>,
    /// Elapsed time of the latest answer that said `waiting`.
    waited_until: Option<Duration>,
    /// What ends of tasks like this one the schedule expects, and when.
    key: TimingKey,
    profile: Arc<CompletionProfile>,
    polls_made: u32,
    errors: u32,
    not_found_since: Option<Instant>,
    due: Option<Instant>,
    /// `due` is a send slot already taken from the global budget.
    slot_reserved: bool,
    in_flight: bool,
    odd_answers: u32,
    /// The ledger does not have the task id yet (its write failed): recorded before any
    /// answer is applied.
    unrecorded: bool,
    /// Asked about again after the service said it did not know it: one more "Task not
    /// found" leaves it not found.
    recheck: bool,
}

impl Tracked {
    fn from_entry(
        entry: &TaskEntry,
        remote: String,
        submitted: Instant,
        profile: Arc<CompletionProfile>,
    ) -> Tracked {
        let request = &entry.request;
        Tracked {
            remote,
            service: entry.service.clone(),
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
            waited_until: None,
            key: TimingKey::of(request),
            profile,
            polls_made: 0,
            errors: 0,
            not_found_since: None,
            due: None,
            slot_reserved: false,
            in_flight: false,
            odd_answers: 0,
            unrecorded: false,
            recheck: false,
        }
    }

    /// Whether it takes a slot of the account's concurrency limit as far as the local
    /// queue is concerned: a stuck task does not hold back the queue.
    fn holds_slot(&self) -> bool {
        !self.recheck && self.state != LocalState::Stuck
    }
}

/// A task refused with 429, waiting for a slot with the body it was refused with.
struct SlotWaiter {
    id: TaskId,
    body: Value,
    /// When the oldest reference upload in `body` was made: the body is sent again only
    /// while every upload in it is fresh.
    oldest_upload_ms: Option<i64>,
}

struct Scheduler {
    shared: Arc<Shared>,
    done_tx: mpsc::UnboundedSender<Done>,
    /// Polls, downloads, key reads, backups: stopped at once by a stop.
    workers: JoinSet<()>,
    /// Submission pipelines: a stop waits for those already sending.
    pipeline_set: JoinSet<()>,
    pipeline_aborts: HashMap<TaskId, AbortHandle>,
    heap: BinaryHeap<Reverse<(Instant, u64, TaskId)>>,
    seq: u64,
    tracked: HashMap<TaskId, Tracked>,
    /// Tasks in the upload/createTask pipeline right now.
    pipelines: HashSet<TaskId>,
    /// Refused with 429: back to `Queued` in the ledger (nothing was created), sent
    /// again with the same body, oldest first, when a slot frees.
    waiting_for_slot: VecDeque<SlotWaiter>,
    limit: Option<u32>,
    /// When the 429 waiters may be tried again without a slot having freed.
    slot_recheck_at: Option<Instant>,
    slot_freed: bool,
    downloads: HashSet<TaskId>,
    /// Asked to download again while a download of the task was still finishing (its
    /// failure already told): started again once it has.
    downloads_again: HashSet<TaskId>,
    /// The key in use and its generation: a 401 counts only for the generation it was
    /// sent with.
    key: Option<ApiKey>,
    key_gen: u64,
    key_loading: bool,
    /// Read the key again at this instant (the keychain could not be read).
    key_retry_at: Option<Instant>,
    key_retry_delay: Duration,
    /// Polls that came due without a key; sent once one is read.
    key_waiters: HashSet<TaskId>,
    /// Set by a rejection or a missing key: nothing is sent until a key is saved.
    paused: Option<String>,
    /// Earliest instant the next poll may go out (the global request budget).
    next_poll_slot: Instant,
    rng: StdRng,
    /// How long each kind of task took, and the schedule's profiles drawn from it.
    timing: Timing,
    last_queue_event: Option<(Vec<TaskId>, u32, Option<u32>)>,
    backup_at: Instant,
}

pub(crate) async fn run(shared: Arc<Shared>, mut commands: mpsc::UnboundedReceiver<Command>) {
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let limit = shared.settings.concurrency_limit_hint;
    let backup_at = Instant::now() + shared.settings.backup_every;
    let mut s = Scheduler {
        shared,
        done_tx,
        workers: JoinSet::new(),
        pipeline_set: JoinSet::new(),
        pipeline_aborts: HashMap::new(),
        heap: BinaryHeap::new(),
        seq: 0,
        tracked: HashMap::new(),
        pipelines: HashSet::new(),
        waiting_for_slot: VecDeque::new(),
        limit,
        slot_recheck_at: None,
        slot_freed: false,
        downloads: HashSet::new(),
        downloads_again: HashSet::new(),
        key: None,
        key_gen: 0,
        key_loading: false,
        key_retry_at: None,
        key_retry_delay: KEY_RETRY_FIRST,
        key_waiters: HashSet::new(),
        paused: None,
        next_poll_slot: Instant::now(),
        rng: StdRng::from_entropy(),
        timing: Timing::default(),
        last_queue_event: None,
        backup_at,
    };
    s.recover().await;
    loop {
        let next_poll = s.heap.peek().map(|Reverse((at, _, _))| *at);
        let recheck = s.slot_recheck_at;
        let key_retry = s.key_retry_at;
        tokio::select! {
            command = commands.recv() => match command {
                None => break,
                Some(Command::Shutdown { drain, reply }) => {
                    let report = s.stop(drain, &mut commands, &mut done_rx).await;
                    let _ = reply.send(report);
                    break;
                }
                Some(Command::StopNow) => {}
                Some(Command::Wake) => s.pump().await,
                Some(Command::KeyChanged) => s.key_changed().await,
                Some(Command::Download(id)) => {
                    if s.downloads.contains(&id) {
                        s.downloads_again.insert(id);
                    } else {
                        s.start_download(id);
                    }
                }
                Some(Command::Untrack(id)) => s.untrack(id).await,
                Some(Command::CheckAgain(id)) => s.check_again(id).await,
            },
            Some(done) = done_rx.recv() => s.on_done(done).await,
            Some(_) = s.workers.join_next(), if !s.workers.is_empty() => {}
            Some(_) = s.pipeline_set.join_next(), if !s.pipeline_set.is_empty() => {}
            () = sleep_until(next_poll) => s.fire_due().await,
            () = sleep_until(recheck) => {
                s.slot_recheck_at = None;
                s.slot_freed = true;
                s.pump().await;
            }
            () = sleep_until(key_retry) => {
                s.key_retry_at = None;
                s.load_key();
            }
            () = tokio::time::sleep_until(s.backup_at) => s.backup(),
        }
    }
    s.workers.shutdown().await;
    s.pipeline_set.shutdown().await;
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Scheduler {
    async fn recover(&mut self) {
        match self
            .shared
            .ledger(|l| l.finished_durations(timing::LOAD_LIMIT))
            .await
        {
            Ok(durations) => self.timing.load(durations),
            // The catalogue's windows still give a schedule.
            Err(error) => tracing::warn!(%error, "could not read how long finished tasks took"),
        }
        let now_ms = self.shared.clock.now_ms();
        let service = self.shared.service.clone();
        // Tasks already sent before the ledger recorded services were sent to... the
        // best guess there is, this one; queued ones wait for the creator instead.
        if let Err(error) = self
            .shared
            .ledger(move |l| l.adopt_unassigned(&service))
            .await
        {
            tracing::warn!(%error, "could not record the service of older tasks");
        }
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
        for (&id, recheck) in report
            .to_poll
            .iter()
            .map(|id| (id, false))
            .chain(report.to_recheck.iter().map(|id| (id, true)))
        {
            self.track_from_ledger(id, recheck, now_ms).await;
        }
        for id in report.to_download {
            self.start_download(id);
        }
        let since = now_ms.saturating_sub(settle::SETTLEMENT_RESUME_WITHIN_MS);
        match self
            .shared
            .ledger(move |l| l.awaiting_settlement(since))
            .await
        {
            Ok(unsettled) => {
                for entry in unsettled {
                    self.start_settlement(entry.id, None);
                }
            }
            Err(error) => tracing::warn!(%error, "could not list tasks awaiting settlement"),
        }
        self.load_key();
        self.pump().await;
    }

    /// Starts following task `id` from its ledger row, first poll within about a second.
    async fn track_from_ledger(&mut self, id: TaskId, recheck: bool, now_ms: i64) {
        let entry = match self.shared.ledger(move |l| l.get(id)).await {
            Ok(entry) => entry,
            Err(error) => {
                tracing::error!(task = id, %error, "cannot resume a task");
                return;
            }
        };
        let Some(remote) = entry.remote_task_id.clone() else {
            return;
        };
        let now = Instant::now();
        let age_ms = entry
            .submitted_at_ms
            .map_or(0, |at| now_ms.saturating_sub(at).max(0));
        let age = Duration::from_millis(u64::try_from(age_ms).unwrap_or(0));
        let submitted = now.checked_sub(age).unwrap_or(now);
        let profile = self.timing.profile(&entry.request);
        let mut tracked = Tracked::from_entry(&entry, remote, submitted, profile);
        // The schedule must not treat a resumed task as just submitted.
        tracked.polls_made = u32::try_from(entry.poll_count).unwrap_or(u32::MAX).max(1);
        tracked.recheck = recheck;
        self.tracked.insert(id, tracked);
        // Resume promptly, spread over about a second so many tasks do not burst.
        let first = Duration::from_millis(self.rng.gen_range(200..1_500));
        self.schedule_at(id, now + first);
    }

    async fn on_done(&mut self, done: Done) {
        match done {
            Done::Poll {
                id,
                key_gen,
                result,
            } => self.on_poll(id, key_gen, result).await,
            Done::Submit { id, outcome } => self.on_submit(id, outcome).await,
            Done::Download { id } => {
                self.downloads.remove(&id);
                if self.downloads_again.remove(&id) {
                    self.start_download(id);
                }
            }
            Done::Key { result } => self.on_key(result).await,
        }
    }

    // ---- waits ----

    /// Records why `id` is held (or that it no longer is) and tells the UI if that changed.
    async fn set_wait(&mut self, id: TaskId, wait: Option<TaskWait>) {
        let changed = {
            let mut waits = lock(&self.shared.waits);
            match &wait {
                Some(w) => waits.insert(id, w.clone()).as_ref() != Some(w),
                None => waits.remove(&id).is_some(),
            }
        };
        if changed {
            self.shared.emit_task(id).await;
        }
    }

    fn wait_of(&self, id: TaskId) -> Option<TaskWait> {
        lock(&self.shared.waits).get(&id).cloned()
    }

    fn key_is_bad(&self) -> bool {
        matches!(
            *lock(&self.shared.key_state),
            KeyState::Missing | KeyState::Rejected { .. } | KeyState::Unreadable { .. }
        )
    }

    // ---- submissions ----

    fn running(&self) -> u32 {
        let n = self.tracked.values().filter(|t| t.holds_slot()).count() + self.pipelines.len();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Sends what may be sent: 429 waiters first (when a slot freed or their recheck
    /// time came), then queued tasks of this engine's service in order, one pipeline at a
    /// time so submission order is creation order, never more than the learned limit on
    /// the service. Queued tasks it may not send are marked with the reason.
    async fn pump(&mut self) {
        if lock(&self.shared.gate).stopping {
            return;
        }
        let queued = match self.shared.ledger(|l| l.queued_in_order()).await {
            Ok(queued) => queued,
            Err(error) => {
                tracing::error!(%error, "cannot read the queue");
                Vec::new()
            }
        };
        let key_bad = self.key_is_bad();
        let mut next = None;
        let mut waits = Vec::new();
        for entry in &queued {
            if self.pipelines.contains(&entry.id)
                || self.waiting_for_slot.iter().any(|w| w.id == entry.id)
            {
                continue;
            }
            match self.shared.sendable(entry) {
                Err(wait) => waits.push((entry.id, Some(wait))),
                Ok(()) if key_bad => waits.push((entry.id, Some(TaskWait::WorkingKey))),
                Ok(()) => {
                    waits.push((entry.id, None));
                    if next.is_none() {
                        next = Some(entry.id);
                    }
                }
            }
        }
        for (id, wait) in waits {
            self.set_wait(id, wait).await;
        }
        let have_key = self.key.is_some() && self.paused.is_none();
        if !have_key && (next.is_some() || !self.waiting_for_slot.is_empty()) {
            self.load_key();
        }
        if have_key && self.pipelines.is_empty() {
            let capacity = self
                .limit
                .map_or(u32::MAX, |limit| limit.saturating_sub(self.running()));
            if !self.waiting_for_slot.is_empty() {
                if capacity > 0 && self.slot_freed {
                    self.slot_freed = false;
                    if let Some(waiter) = self.waiting_for_slot.pop_front() {
                        self.start_resend(waiter).await;
                    }
                }
            } else if capacity > 0 {
                if let Some(id) = next {
                    self.start_submit(id);
                }
            }
        }
        self.emit_queue().await;
    }

    fn start_submit(&mut self, id: TaskId) {
        let Some(key) = self.key.clone() else {
            return;
        };
        let key_gen = self.key_gen;
        self.pipelines.insert(id);
        let shared = self.shared.clone();
        let done = self.done_tx.clone();
        let handle = self.pipeline_set.spawn(async move {
            let outcome = submit::submit_queued(shared, id, key, key_gen).await;
            let _ = done.send(Done::Submit { id, outcome });
        });
        self.pipeline_aborts.insert(id, handle);
    }

    async fn start_resend(&mut self, waiter: SlotWaiter) {
        let id = waiter.id;
        let Some(key) = self.key.clone() else {
            self.waiting_for_slot.push_front(waiter);
            return;
        };
        self.set_wait(id, None).await;
        // The body holds upload links that expire: past their reuse window, the task goes
        // through the whole pipeline again (fresh uploads) instead.
        let now = self.shared.clock.now_ms();
        let stale = waiter.oldest_upload_ms.is_some_and(|at| {
            !UploadedCopy {
                url: String::new(),
                uploaded_at_ms: at,
            }
            .is_fresh(now)
        });
        if stale {
            tracing::info!(
                task = id,
                "uploads of a task that waited for a slot are stale; uploading again"
            );
            self.start_submit(id);
            return;
        }
        // The durable intent comes first, as for any submission; a task cancelled while it
        // waited for a slot is simply dropped.
        // Claimed first (a recovery by another engine must not call it unknown while it is
        // sent); `resend` holds the claim from here and releases it when the send is over.
        self.shared.ledger.claim_sending(id);
        if let Err(error) = self.shared.ledger(move |l| l.mark_submitting(id)).await {
            self.shared.ledger.release_sending(id);
            tracing::info!(task = id, %error, "a task waiting for a slot is no longer queued");
            self.shared.emit_task(id).await;
            return;
        }
        self.shared.emit_task(id).await;
        self.pipelines.insert(id);
        let shared = self.shared.clone();
        let done = self.done_tx.clone();
        let key_gen = self.key_gen;
        let handle = self.pipeline_set.spawn(async move {
            let outcome = submit::resend(
                shared,
                id,
                key,
                key_gen,
                waiter.body,
                waiter.oldest_upload_ms,
            )
            .await;
            let _ = done.send(Done::Submit { id, outcome });
        });
        self.pipeline_aborts.insert(id, handle);
    }

    async fn on_submit(&mut self, id: TaskId, outcome: SubmitOutcome) {
        self.pipelines.remove(&id);
        self.pipeline_aborts.remove(&id);
        match outcome {
            SubmitOutcome::Submitted {
                remote_task_id,
                recorded,
            } => match self.shared.ledger(move |l| l.get(id)).await {
                Ok(entry) => {
                    let profile = self.timing.profile(&entry.request);
                    let mut tracked =
                        Tracked::from_entry(&entry, remote_task_id, Instant::now(), profile);
                    tracked.unrecorded = !recorded;
                    if !recorded {
                        tracked.state = LocalState::Waiting;
                    }
                    self.tracked.insert(id, tracked);
                    self.schedule(id, None);
                    self.backup_at = self.backup_at.min(Instant::now() + BACKUP_AFTER_NEW_TASK);
                }
                Err(error) => {
                    tracing::error!(task = id, %error, "cannot track a submitted task")
                }
            },
            SubmitOutcome::SlotBusy {
                body,
                limit,
                retry_after,
                oldest_upload_ms,
            } => {
                // The service's own figure; without one, what we have running is the cap.
                self.limit = limit.or(self.limit).or(Some(self.running().max(1)));
                let position = self
                    .waiting_for_slot
                    .iter()
                    .position(|other| other.id > id)
                    .unwrap_or(self.waiting_for_slot.len());
                self.waiting_for_slot.insert(
                    position,
                    SlotWaiter {
                        id,
                        body,
                        oldest_upload_ms,
                    },
                );
                self.slot_freed = false;
                self.slot_recheck_at = Some(Instant::now() + retry_after.unwrap_or(SLOT_RECHECK));
                self.set_wait(id, Some(TaskWait::FreeSlot)).await;
                tracing::info!(task = id, limit = ?self.limit, "concurrency limit reached; task waits for a slot");
            }
            SubmitOutcome::KeyRejected { key_gen, message } => {
                if key_gen == self.key_gen {
                    self.reject_key(message).await;
                }
            }
            SubmitOutcome::Failed | SubmitOutcome::Unknown | SubmitOutcome::NotSent => {}
        }
        self.pump().await;
    }

    /// A task of ours stopped occupying a slot on the service.
    fn slot_released(&mut self) {
        self.slot_freed = true;
    }

    async fn emit_queue(&mut self) {
        let mut queued: Vec<TaskId> = self.waiting_for_slot.iter().map(|w| w.id).collect();
        match self.shared.ledger(|l| l.queued_in_order()).await {
            // 429 waiters are queued in the ledger too; list each once, waiters first.
            Ok(entries) => queued.extend(
                entries
                    .iter()
                    .map(|e| e.id)
                    .filter(|id| !self.waiting_for_slot.iter().any(|w| w.id == *id)),
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
    /// before `not_before` (a `Retry-After`, already clamped). A stuck task is asked
    /// only every [`super::EngineSettings::stuck_poll_every`] or so.
    fn schedule(&mut self, id: TaskId, not_before: Option<Duration>) {
        let jitter: f64 = self.rng.gen_range(0.0..1.0);
        let Some(t) = self.tracked.get(&id) else {
            return;
        };
        let now = Instant::now();
        let mut delay = match self.shared.settings.poll_every {
            Some(every) => {
                let backoff = every.saturating_mul(1 << t.errors.min(4));
                backoff
                    .mul_f64(0.9 + 0.2 * jitter)
                    .min(crate::schedule::MAX_POLL_DELAY)
            }
            None => self.timing.schedule().next_delay_with(
                &PollContext {
                    elapsed: now.saturating_duration_since(t.submitted),
                    window: t.window,
                    status: t.status,
                    generating_since: t.generating_since,
                    waited_until: t.waited_until,
                    polls_made: t.polls_made,
                    consecutive_errors: t.errors,
                    stuck_after: t.stuck_after,
                    fetches_references: t.fetches_references,
                    jitter,
                },
                &t.profile,
            ),
        };
        if t.state == LocalState::Stuck {
            let slow = self.shared.settings.stuck_poll_every;
            delay = delay.max(slow.mul_f64(0.75 + 0.25 * jitter));
        }
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
        let key = match (&self.key, &self.paused) {
            (Some(key), None) => key.clone(),
            _ => {
                // Held until a key can be read (or is saved); nothing fails meanwhile.
                for (id, _) in due {
                    if let Some(t) = self.tracked.get_mut(&id) {
                        t.due = None;
                    }
                    self.key_waiters.insert(id);
                    if self.key_is_bad() {
                        self.set_wait(id, Some(TaskWait::WorkingKey)).await;
                    }
                }
                self.load_key();
                return;
            }
        };
        let key_gen = self.key_gen;
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
            let service = t.service.clone();
            let shared = self.shared.clone();
            let done = self.done_tx.clone();
            let key = key.clone();
            self.workers.spawn(async move {
                let result = match &shared.status {
                    Some(source) => source.record_info(&key, &remote).await,
                    None => match shared.client_for(service.as_deref()) {
                        Ok(client) => client.record_info(&key, &remote).await,
                        Err(reason) => Err(ApiError::Transport {
                            endpoint: crate::api::Endpoint::RecordInfo,
                            error: crate::api::TransportError {
                                stage: crate::api::TransportStage::Connect,
                                kind: crate::api::error::TransportKind::Other,
                                detail: format!(
                                    "the task's service address is not usable: {reason}"
                                ),
                            },
                        }),
                    },
                };
                let _ = done.send(Done::Poll {
                    id,
                    key_gen,
                    result,
                });
            });
        }
    }

    async fn on_poll(&mut self, id: TaskId, key_gen: u64, result: Result<TaskRecord, ApiError>) {
        let Some(t) = self.tracked.get_mut(&id) else {
            return;
        };
        t.in_flight = false;
        t.polls_made = t.polls_made.saturating_add(1);
        let unrecorded = t.unrecorded;
        if unrecorded && !self.record_now(id).await {
            // Still cannot write: keep following from memory, apply nothing yet.
            self.schedule(id, None);
            return;
        }
        let now_ms = self.shared.clock.now_ms();
        if let Err(error) = self.shared.ledger(move |l| l.record_poll(id, now_ms)).await {
            tracing::warn!(task = id, %error, "could not count a poll");
        }
        match result {
            Ok(record) => self.on_record(id, record).await,
            Err(error) => self.on_poll_error(id, key_gen, error).await,
        }
    }

    /// Writes the task id of an unrecorded task (its first write failed). True once the
    /// ledger has it.
    async fn record_now(&mut self, id: TaskId) -> bool {
        let Some(t) = self.tracked.get(&id) else {
            return false;
        };
        let remote = t.remote.clone();
        let now_ms = self.shared.clock.now_ms();
        match self
            .shared
            .ledger(move |l| l.record_submitted(id, &remote, now_ms))
            .await
        {
            Ok(_) => {
                if let Some(t) = self.tracked.get_mut(&id) {
                    t.unrecorded = false;
                }
                tracing::info!(task = id, "the task id is recorded in the history now");
                self.shared.emit_task(id).await;
                true
            }
            Err(error) => {
                tracing::debug!(task = id, %error, "the task id still cannot be recorded");
                false
            }
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
                t.waited_until = Some(elapsed);
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
            // Never read as an ending: keep the task in progress and keep asking, and let
            // it count toward stuck like any task that does not finish.
            t.odd_answers += 1;
            if t.odd_answers % LOG_ODD_EVERY == 1 {
                tracing::warn!(task = id, remote = %t.remote, count = t.odd_answers, "recordInfo answered {what}; still in progress");
            }
            self.check_stuck(id).await;
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
        let credits_at_answer = record.credits_used;
        if matches!(record.status, TaskStatus::Success | TaskStatus::Fail) {
            self.learn_duration(id, &record, now_ms);
        }
        match record.status {
            TaskStatus::Success => {
                self.untrack_quietly(id);
                if change.is_some() {
                    self.shared.emit_task(id).await;
                }
                let expiring_frame = record
                    .output
                    .first()
                    .is_some_and(crate::library::Library::last_frame_expires);
                if self.shared.settings.auto_download {
                    // The download saves the last frame first.
                    self.start_download(id);
                } else if expiring_frame {
                    self.start_last_frame(id);
                }
                self.start_settlement(id, credits_at_answer);
                self.pump().await;
            }
            TaskStatus::Fail => {
                self.untrack_quietly(id);
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
                        // Known again: an ordinary task from here on.
                        t.recheck = false;
                    }
                    self.shared.emit_task(id).await;
                }
                self.check_stuck(id).await;
                self.schedule(id, None);
            }
        }
    }

    /// Adds how long `id` took to what the schedule knows of tasks like it: from the
    /// createTask answer to the end the service reported, or to this answer when the
    /// service's time cannot be placed on ours.
    fn learn_duration(&mut self, id: TaskId, record: &TaskRecord, now_ms: i64) {
        let Some(t) = self.tracked.get(&id) else {
            return;
        };
        let seen = Instant::now().saturating_duration_since(t.submitted);
        let before_answer = record
            .complete_time
            .and_then(|at| u64::try_from(now_ms.saturating_sub(at)).ok())
            .map(Duration::from_millis)
            .filter(|ago| *ago <= seen)
            .unwrap_or(Duration::ZERO);
        let key = t.key;
        self.timing.record(key, seen - before_answer);
    }

    /// Stops following `id` (it finished, or the creator dismissed it) and frees its slot.
    fn untrack_quietly(&mut self, id: TaskId) {
        if let Some(t) = self.tracked.remove(&id) {
            if t.holds_slot() {
                self.slot_released();
            }
        }
        self.key_waiters.remove(&id);
        lock(&self.shared.waits).remove(&id);
    }

    async fn untrack(&mut self, id: TaskId) {
        self.untrack_quietly(id);
        self.shared.emit_task(id).await;
        self.pump().await;
    }

    /// Asks about `id` again now (not found, dismissed, or just "check now").
    async fn check_again(&mut self, id: TaskId) {
        if let Some(t) = self.tracked.get(&id) {
            if !t.in_flight {
                self.schedule_at(id, Instant::now());
            }
            return;
        }
        let now_ms = self.shared.clock.now_ms();
        let entry = match self.shared.ledger(move |l| l.get(id)).await {
            Ok(entry) => entry,
            Err(error) => {
                tracing::warn!(task = id, %error, "cannot check a task again");
                return;
            }
        };
        let recheck = entry.state == LocalState::NotFound;
        self.track_from_ledger(id, recheck, now_ms).await;
        self.schedule_at(id, Instant::now());
    }

    /// Marks a task stuck once it runs past its threshold, whatever the answers were
    /// (undocumented statuses, success without output, errors): a stuck task frees its
    /// slot in the local queue and is polled slowly.
    async fn check_stuck(&mut self, id: TaskId) {
        let Some(t) = self.tracked.get(&id) else {
            return;
        };
        let stuck_at = self
            .shared
            .settings
            .stuck_after
            .unwrap_or_else(|| PollSchedule::default().stuck_at(t.window, t.stuck_after));
        let late = Instant::now().saturating_duration_since(t.submitted) >= stuck_at;
        if late && matches!(t.state, LocalState::Waiting | LocalState::Generating) && !t.unrecorded
        {
            match self.shared.ledger(move |l| l.mark_stuck(id)).await {
                Ok(_) => {
                    if let Some(t) = self.tracked.get_mut(&id) {
                        t.state = LocalState::Stuck;
                    }
                    self.slot_released();
                    self.shared.emit_task(id).await;
                    self.pump().await;
                }
                Err(error) => tracing::warn!(task = id, %error, "could not mark a task stuck"),
            }
        }
    }

    async fn on_poll_error(&mut self, id: TaskId, key_gen: u64, error: ApiError) {
        let not_found_grace = self.shared.settings.not_found_grace;
        if error.is_service_key_rejection() {
            if key_gen == self.key_gen {
                self.reject_key(submit::key_rejected_message(&error)).await;
                // Polled again once a working key is saved.
                if let Some(t) = self.tracked.get_mut(&id) {
                    t.due = None;
                }
                self.key_waiters.insert(id);
                self.set_wait(id, Some(TaskWait::WorkingKey)).await;
            } else {
                // Answered for a key that was replaced meanwhile: says nothing about the
                // current one. Ask again with it.
                self.schedule(id, None);
            }
            return;
        }
        let Some(t) = self.tracked.get_mut(&id) else {
            return;
        };
        if error.is_service_task_not_found() {
            t.errors = t.errors.saturating_add(1);
            if t.recheck {
                // Asked again and still unknown: it stays not found (never deleted).
                self.untrack_quietly(id);
                self.shared.emit_task(id).await;
                return;
            }
            let now = Instant::now();
            let since = *t.not_found_since.get_or_insert(now);
            if now.saturating_duration_since(since) >= not_found_grace {
                self.untrack_quietly(id);
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
            return;
        }
        // Anything else (a gateway's page, an HTML or bodiless 404, another account's
        // "Access denied", a 5xx, an unreadable body) says nothing about the task: the
        // not-found window starts over, and the task counts toward stuck.
        t.not_found_since = None;
        t.errors = t.errors.saturating_add(1);
        if matches!(error, ApiError::Malformed { .. }) {
            t.odd_answers += 1;
            if t.odd_answers % LOG_ODD_EVERY == 1 {
                tracing::warn!(task = id, count = t.odd_answers, %error, "unreadable recordInfo answer; still in progress");
            }
        } else {
            tracing::debug!(task = id, errors = t.errors, %error, "poll failed");
        }
        if t.recheck && t.errors >= RECHECK_MAX_ERRORS {
            // The service cannot be asked now; the task stays not found until the next
            // start or the creator's "check again".
            self.untrack_quietly(id);
            return;
        }
        let policy = self.shared.settings.retry_policy;
        let not_before = retry::clamped_retry_after(
            &crate::retry::RetryPolicy {
                cap: RETRY_AFTER_CAP,
                ..policy
            },
            &error,
        );
        self.check_stuck(id).await;
        self.schedule(id, not_before);
    }

    // ---- key ----

    /// Reads the key in a worker (a keychain call can take seconds), unless a read is
    /// running, a retry is scheduled, or the key is known to be refused or missing
    /// (then only a saved key reads it again).
    fn load_key(&mut self) {
        if self.key.is_some() || self.key_loading || self.key_retry_at.is_some() {
            return;
        }
        if matches!(
            *lock(&self.shared.key_state),
            KeyState::Rejected { .. } | KeyState::Missing
        ) {
            return;
        }
        self.key_loading = true;
        let keys = self.shared.keys.clone();
        let done = self.done_tx.clone();
        self.workers.spawn(async move {
            let result = match tokio::task::spawn_blocking(move || keys.load()).await {
                Ok(result) => result,
                Err(join) => Err(KeychainError::Other(join.to_string())),
            };
            let _ = done.send(Done::Key { result });
        });
    }

    async fn on_key(&mut self, result: Result<Option<ApiKey>, KeychainError>) {
        self.key_loading = false;
        match result {
            Ok(Some(key)) => {
                self.key_retry_delay = KEY_RETRY_FIRST;
                self.key = Some(key);
                let was_paused = self.paused.take().is_some();
                self.set_key_state(KeyState::Working).await;
                if was_paused {
                    self.shared.events.emit(EngineEvent::PollingResumed);
                }
                let now = Instant::now();
                let waiters: Vec<TaskId> = self.key_waiters.drain().collect();
                for id in waiters {
                    let first = Duration::from_millis(self.rng.gen_range(100..1_000));
                    if self.tracked.get(&id).is_some_and(|t| !t.in_flight) {
                        self.schedule_at(id, now + first);
                    }
                }
                self.slot_freed = true;
                self.pump().await;
            }
            Ok(None) => {
                let reason = "No API key is saved. Add your key to continue.".to_owned();
                self.pause(reason);
                self.set_key_state(KeyState::Missing).await;
                self.pump().await;
            }
            Err(error) => {
                // Locked, not answering, no keychain: not the key's fault. Wait and read
                // it again; nothing is failed or paused for good.
                tracing::warn!(%error, "the key store could not be read; trying again shortly");
                self.key_retry_at = Some(Instant::now() + self.key_retry_delay);
                self.key_retry_delay = (self.key_retry_delay * 2).min(KEY_RETRY_MAX);
                self.set_key_state(KeyState::Unreadable {
                    message: error.to_string(),
                })
                .await;
                self.pump().await;
            }
        }
    }

    /// Records the key state; on a change tells the UI, and marks (or clears) every
    /// task held for a working key.
    async fn set_key_state(&mut self, state: KeyState) {
        let changed = {
            let mut current = lock(&self.shared.key_state);
            let changed = *current != state;
            *current = state.clone();
            changed
        };
        if !changed {
            return;
        }
        self.shared
            .events
            .emit(EngineEvent::KeyStateChanged { key: state.clone() });
        let bad = !matches!(state, KeyState::Working | KeyState::Unknown);
        let mut ids: Vec<TaskId> = self.tracked.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            let held = self.wait_of(id) == Some(TaskWait::WorkingKey);
            if bad && !held {
                self.set_wait(id, Some(TaskWait::WorkingKey)).await;
            } else if !bad && held {
                self.set_wait(id, None).await;
            }
        }
    }

    /// The service's own 401 to a request sent with the current key.
    async fn reject_key(&mut self, message: String) {
        self.pause(message.clone());
        self.set_key_state(KeyState::Rejected { message }).await;
        self.pump().await;
    }

    fn pause(&mut self, reason: String) {
        if self.paused.is_none() {
            tracing::warn!("requests held: {reason}");
            self.shared.events.emit(EngineEvent::PollingPaused {
                reason: reason.clone(),
            });
        }
        self.key = None;
        self.paused = Some(reason);
    }

    async fn key_changed(&mut self) {
        self.key = None;
        self.key_gen += 1;
        self.key_retry_at = None;
        self.key_retry_delay = KEY_RETRY_FIRST;
        // A saved key is worth reading whatever the last one was.
        *lock(&self.shared.key_state) = KeyState::Unknown;
        self.load_key();
        // Tasks that came due meanwhile poll as soon as the key is read.
        let ids: Vec<TaskId> = self
            .tracked
            .iter()
            .filter(|(_, t)| !t.in_flight && t.due.is_none())
            .map(|(id, _)| *id)
            .collect();
        self.key_waiters.extend(ids);
    }

    // ---- downloads and backups ----

    fn start_download(&mut self, id: TaskId) {
        if lock(&self.shared.gate).stopping || !self.downloads.insert(id) {
            return;
        }
        let shared = self.shared.clone();
        let done = self.done_tx.clone();
        self.workers.spawn(async move {
            download(shared, id).await;
            let _ = done.send(Done::Download { id });
        });
    }

    /// Saves succeeded task `id`'s last frame alone, at once (its link may expire before
    /// the video is downloaded). Counted as a download so a download asked for meanwhile
    /// waits for it instead of writing the same file.
    fn start_last_frame(&mut self, id: TaskId) {
        if lock(&self.shared.gate).stopping || !self.downloads.insert(id) {
            return;
        }
        let shared = self.shared.clone();
        let done = self.done_tx.clone();
        self.workers.spawn(async move {
            if let Ok(entry) = shared.ledger(move |l| l.get(id)).await {
                keep_last_frame(&shared, &entry).await;
            }
            let _ = done.send(Done::Download { id });
        });
    }

    /// Reads the settled charge of succeeded task `id` beside its download (nothing when
    /// its reservation is final).
    fn start_settlement(&mut self, id: TaskId, credits_at_success: Option<f64>) {
        if lock(&self.shared.gate).stopping {
            return;
        }
        let shared = self.shared.clone();
        self.workers.spawn(async move {
            settle::read_settlement(shared, id, credits_at_success).await;
        });
    }

    /// Refreshes the ledger's last good copy off the async threads (only when something
    /// was written since the last one).
    fn backup(&mut self) {
        self.backup_at = Instant::now() + self.shared.settings.backup_every;
        let ledger = self.shared.ledger.clone();
        self.workers.spawn(async move {
            match tokio::task::spawn_blocking(move || ledger.backup()).await {
                Ok(Ok(_)) => {}
                Ok(Err(error)) => tracing::warn!(%error, "no last good copy of the task history"),
                Err(error) => tracing::warn!(%error, "the task history copy did not finish"),
            }
        });
    }

    // ---- stopping ----

    /// Stops every worker; with `drain`, first waits (bounded by the request deadline)
    /// for the createTask requests already on the wire and records their answers. What
    /// is cut off is marked `SubmissionUnknown`.
    async fn stop(
        &mut self,
        drain: bool,
        commands: &mut mpsc::UnboundedReceiver<Command>,
        done_rx: &mut mpsc::UnboundedReceiver<Done>,
    ) -> ShutdownReport {
        let sending: HashSet<TaskId> = {
            let mut gate = lock(&self.shared.gate);
            gate.stopping = true;
            gate.sending.clone()
        };
        self.workers.abort_all();
        // Pipelines not sending yet have spent nothing: their tasks stay (or go back to
        // being) queued. A resend marks its intent before it reaches the gate, so its
        // task is put back in the queue here: it never passed the gate, nothing was sent.
        let mut not_sent = Vec::new();
        for (id, handle) in &self.pipeline_aborts {
            if !sending.contains(id) {
                handle.abort();
                not_sent.push(*id);
            }
        }
        for id in not_sent {
            let note = "Not sent: the app was stopping.";
            if self
                .shared
                .ledger(move |l| l.requeue(id, note))
                .await
                .is_ok()
            {
                self.shared.emit_task(id).await;
            }
        }
        let mut waiting: HashSet<TaskId> = sending
            .into_iter()
            .filter(|id| self.pipelines.contains(id))
            .collect();
        let mut report = ShutdownReport::default();
        let mut extra_replies: Vec<oneshot::Sender<ShutdownReport>> = Vec::new();
        let told = drain && !waiting.is_empty();
        if told {
            let remaining = u32::try_from(waiting.len()).unwrap_or(u32::MAX);
            tracing::info!(remaining, "stopping: finishing sending");
            self.shared
                .events
                .emit(EngineEvent::FinishingSends { remaining });
            let deadline = Instant::now() + self.shared.request_deadline() + STOP_RECORD_MARGIN;
            while !waiting.is_empty() {
                tokio::select! {
                    done = done_rx.recv() => match done {
                        Some(Done::Submit { id, outcome }) => {
                            self.pipelines.remove(&id);
                            self.pipeline_aborts.remove(&id);
                            if waiting.remove(&id) {
                                report.finished_sending.push(id);
                                if let SubmitOutcome::Submitted { recorded: false, .. } = outcome {
                                    tracing::warn!(task = id, "stopped with a task id kept only in the journal");
                                }
                                self.shared.events.emit(EngineEvent::FinishingSends {
                                    remaining: u32::try_from(waiting.len()).unwrap_or(u32::MAX),
                                });
                            }
                        }
                        Some(_) => {}
                        None => break,
                    },
                    command = commands.recv() => match command {
                        Some(Command::StopNow) | None => break,
                        Some(Command::Shutdown { reply, .. }) => {
                            // A second stop while waiting: stop waiting.
                            extra_replies.push(reply);
                            break;
                        }
                        Some(_) => {}
                    },
                    Some(_) = self.pipeline_set.join_next(), if !self.pipeline_set.is_empty() => {}
                    () = tokio::time::sleep_until(deadline) => break,
                }
            }
        }
        // Whatever is still sending is cut off now.
        for id in &waiting {
            if let Some(handle) = self.pipeline_aborts.get(id) {
                handle.abort();
            }
        }
        self.pipeline_set.abort_all();
        while self.pipeline_set.join_next().await.is_some() {}
        let mut left: Vec<TaskId> = waiting.into_iter().collect();
        left.sort_unstable();
        for id in left {
            let note = "The app stopped before the service's answer was recorded.";
            // Only a task still `Submitting` is unknown: an answer recorded just before
            // the cut stands.
            if self
                .shared
                .ledger(move |l| l.mark_submission_unknown(id, note))
                .await
                .is_ok()
            {
                self.shared.emit_task(id).await;
                report.left_unknown.push(id);
            } else {
                report.finished_sending.push(id);
            }
        }
        if told && !report.left_unknown.is_empty() {
            // The wait was cut short: say it is over (an answered one already said 0).
            self.shared
                .events
                .emit(EngineEvent::FinishingSends { remaining: 0 });
        }
        for reply in extra_replies {
            let _ = reply.send(report.clone());
        }
        report
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
        // The task's own service: its timeouts (result URLs carry no key).
        let client = shared
            .client_for(entry.service.as_deref())
            .unwrap_or_else(|_| shared.client.clone());
        match shared
            .library
            .download_result(&client, &entry, &progress)
            .await
        {
            Ok((video, poster)) => {
                if let (None, Some(frame)) = (&entry.last_frame_path, poster.clone()) {
                    if let Err(error) = shared.ledger(move |l| l.set_last_frame(id, &frame)).await {
                        tracing::warn!(task = id, %error, "could not record the last frame");
                    }
                }
                if shared.settings.check_outputs {
                    if let Some(check) = super::result_check::check_saved(&entry, &video).await {
                        if let Err(error) =
                            shared.ledger(move |l| l.set_output_check(id, &check)).await
                        {
                            tracing::warn!(task = id, %error, "could not record the output check");
                        }
                    }
                }
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
                    // The last frame comes first: kept as the task's even without the
                    // video (its link may expire before the next try).
                    let (_, frame) = shared.library.paths_for(&entry);
                    if entry.last_frame_path.is_none()
                        && frame.is_file()
                        && shared
                            .ledger(move |l| l.set_last_frame(id, &frame))
                            .await
                            .is_ok()
                    {
                        shared.emit_task(id).await;
                    }
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

/// Saves `entry`'s last frame in the library and records it as the task's last-frame
/// file, once. A failure is logged only: a download tries the frame again, and the video
/// matters more.
async fn keep_last_frame(shared: &Arc<Shared>, entry: &TaskEntry) {
    if entry.last_frame_path.is_some() {
        return;
    }
    let id = entry.id;
    if let Some(frame) = save_last_frame(shared, entry).await {
        match shared.ledger(move |l| l.set_last_frame(id, &frame)).await {
            Ok(()) => shared.emit_task(id).await,
            Err(error) => tracing::warn!(task = id, %error, "could not record the last frame"),
        }
    }
}

/// Saves `entry`'s last frame in the library; its path, or `None` when there is none, its
/// link is gone or it failed (logged; the download tries again).
async fn save_last_frame(shared: &Arc<Shared>, entry: &TaskEntry) -> Option<PathBuf> {
    let id = entry.id;
    let client = shared
        .client_for(entry.service.as_deref())
        .unwrap_or_else(|_| shared.client.clone());
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
        .save_last_frame(&client, entry, &progress)
        .await
    {
        Ok(frame) => frame,
        Err(error) => {
            tracing::warn!(task = id, %error, "the last frame was not saved yet");
            None
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
