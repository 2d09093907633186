//! One submission: upload the local references that need it, write the durable intent,
//! send createTask, write the task id. Runs as its own short task and reports a
//! [`SubmitOutcome`] to the scheduler.
//!
//! The rules that matter: createTask is resent only when `retry::decide` says so (the
//! service's own JSON 500, or nothing was sent) and no stop has begun; a failure after the
//! request may have reached the service becomes `SubmissionUnknown` and is never resent
//! here; a task id the service returned is never dropped, even when the ledger cannot
//! record it (it goes to the journal, and the scheduler keeps following it).

use std::path::Path;
use std::sync::Arc;

use futures_util::stream::{self, StreamExt};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;

use super::{lock, EngineEvent, Shared};
use crate::api::{ApiError, Endpoint, UploadTarget};
use crate::guidance::{guidance_for, Failure, Guidance};
use crate::ledger::{JournalEntry, LedgerError, LocalState, TaskId};
use crate::library::DiskProblem;
use crate::request::{ReferenceSource, UploadedCopy};
use crate::retry::{self, RetryDecision};
use crate::secret::ApiKey;

/// Reference files uploaded at the same time for one task. Loopback transfers reach
/// curl's parallel rate with a few streams (docs/benchmarks.md, upload rows); more would
/// only add open files and memory.
const UPLOAD_CONCURRENCY: usize = 8;

/// How a submission ended, for the scheduler's bookkeeping. The ledger already says so.
#[derive(Debug)]
pub(crate) enum SubmitOutcome {
    /// Accepted; the ledger has the remote id (`Waiting`), unless `recorded` is false:
    /// then the id is in the journal (or only here) and the scheduler records it later.
    Submitted {
        remote_task_id: String,
        recorded: bool,
    },
    /// 429: nothing was created. The task is back in the ledger's queue (at the front) and
    /// this exact body is sent again when a slot frees, unless an upload in it has grown
    /// stale by then (`oldest_upload_ms`); a crash meanwhile resumes it as an ordinary
    /// queued task.
    SlotBusy {
        body: Value,
        limit: Option<u32>,
        retry_after: Option<std::time::Duration>,
        oldest_upload_ms: Option<i64>,
    },
    /// The request may have created a task; marked `SubmissionUnknown`.
    Unknown,
    /// Marked failed (nothing charged).
    Failed,
    /// The service's own 401 answered a request sent with key number `key_gen`: nothing
    /// was created and the task is (back) in the queue, waiting for a working key.
    KeyRejected { key_gen: u64, message: String },
    /// Not sent: the task was cancelled meanwhile, a stop began before it was sent (it
    /// stays or goes back in the queue), or the ledger refused the intent.
    NotSent,
}

/// Removes a task from the sending set when its createTask is over, however the worker
/// ends (an aborted worker included).
struct Sending<'a> {
    shared: &'a Shared,
    id: TaskId,
}

impl Drop for Sending<'_> {
    fn drop(&mut self) {
        lock(&self.shared.gate).sending.remove(&self.id);
        self.shared.ledger.release_sending(self.id);
    }
}

/// Takes the decision to send `id`: refused once a stop has begun.
fn start_sending(shared: &Shared, id: TaskId) -> Option<Sending<'_>> {
    let mut gate = lock(&shared.gate);
    if gate.stopping {
        return None;
    }
    gate.sending.insert(id);
    shared.ledger.claim_sending(id);
    Some(Sending { shared, id })
}

/// Runs the whole pipeline for a `Queued` task with the key the scheduler holds.
pub(crate) async fn submit_queued(
    shared: Arc<Shared>,
    id: TaskId,
    key: ApiKey,
    key_gen: u64,
) -> SubmitOutcome {
    let entry = match shared.ledger(move |l| l.get(id)).await {
        Ok(entry) if entry.state == LocalState::Queued => entry,
        Ok(_) => return SubmitOutcome::NotSent,
        Err(error) => {
            tracing::error!(task = id, %error, "cannot read a queued task");
            return SubmitOutcome::NotSent;
        }
    };
    // Checked again here: the scheduler chose it from the queue, but the creator may have
    // changed nothing since; a task of another service is never sent from here.
    if shared.sendable(&entry).is_err() {
        return SubmitOutcome::NotSent;
    }
    let mut request = entry.request;
    let mut oldest_upload_ms: Option<i64> = None;
    let now = shared.clock.now_ms();
    let mut to_upload = Vec::new();
    for (position, reference) in request.references.iter().enumerate() {
        if let ReferenceSource::LocalFile { path, uploaded } = &reference.source {
            match uploaded {
                Some(copy) if copy.is_fresh(now) => {
                    oldest_upload_ms = Some(
                        oldest_upload_ms
                            .map_or(copy.uploaded_at_ms, |o| o.min(copy.uploaded_at_ms)),
                    );
                }
                _ => to_upload.push((position, path.clone())),
            }
        }
    }
    // Several files go up at once (a 2.5 request may carry 40), at most
    // `UPLOAD_CONCURRENCY`: each streams from disk in bounded chunks, so memory stays
    // bounded whatever the files' sizes. The first failure stops the rest (uploads are
    // free; nothing is sent to createTask).
    let mut uploads = stream::iter(to_upload.into_iter().map(|(position, path)| {
        let shared = &shared;
        let key = &key;
        async move { (position, upload(shared, id, key, position, &path).await) }
    }))
    .buffer_unordered(UPLOAD_CONCURRENCY);
    while let Some((position, result)) = uploads.next().await {
        match result {
            Ok(copy) => {
                oldest_upload_ms = Some(
                    oldest_upload_ms.map_or(copy.uploaded_at_ms, |o| o.min(copy.uploaded_at_ms)),
                );
                if let ReferenceSource::LocalFile { uploaded, .. } =
                    &mut request.references[position].source
                {
                    *uploaded = Some(copy);
                }
            }
            Err(error) if error.is_service_key_rejection() => {
                return SubmitOutcome::KeyRejected {
                    key_gen,
                    message: key_rejected_message(&error),
                };
            }
            Err(error) => {
                fail(&shared, id, guidance_for(&Failure::Api(&error))).await;
                return SubmitOutcome::Failed;
            }
        }
    }
    drop(uploads);
    let body = match request.create_task_body() {
        Ok(body) => body,
        Err(unresolved) => {
            let message = unresolved.to_string();
            let guidance = guidance_for(&Failure::LocalInput {
                field: "references",
                message: &message,
            });
            fail(&shared, id, guidance).await;
            return SubmitOutcome::Failed;
        }
    };
    let Some(sending) = start_sending(&shared, id) else {
        return SubmitOutcome::NotSent;
    };
    // The durable intent: from here on a crash leaves a row that recovery turns into
    // SubmissionUnknown instead of a silent second POST.
    match shared.ledger(move |l| l.mark_submitting(id)).await {
        Ok(_) => shared.emit_task(id).await,
        Err(LedgerError::IllegalTransition { .. }) => return SubmitOutcome::NotSent,
        Err(error) => {
            tracing::error!(task = id, %error, "could not record the intent to submit; not sending");
            return SubmitOutcome::NotSent;
        }
    }
    let outcome = send_marked(&shared, id, key, key_gen, body, oldest_upload_ms).await;
    drop(sending);
    outcome
}

/// Sends createTask again for a task that waited for a slot; the caller has marked it
/// `Submitting`. Nothing is sent once a stop has begun (it goes back in the queue).
pub(crate) async fn resend(
    shared: Arc<Shared>,
    id: TaskId,
    key: ApiKey,
    key_gen: u64,
    body: Value,
    oldest_upload_ms: Option<i64>,
) -> SubmitOutcome {
    let Some(sending) = start_sending(&shared, id) else {
        requeue(&shared, id, "Not sent: the app was stopping.").await;
        // The claim the scheduler took before marking it `Submitting`.
        shared.ledger.release_sending(id);
        return SubmitOutcome::NotSent;
    };
    let outcome = send_marked(&shared, id, key, key_gen, body, oldest_upload_ms).await;
    drop(sending);
    outcome
}

/// Sends createTask for a task already `Submitting` and in the sending set.
async fn send_marked(
    shared: &Arc<Shared>,
    id: TaskId,
    key: ApiKey,
    key_gen: u64,
    body: Value,
    oldest_upload_ms: Option<i64>,
) -> SubmitOutcome {
    let policy = shared.settings.retry_policy;
    let mut rng = StdRng::from_entropy();
    let mut attempt = 1;
    loop {
        let error = match shared.client.create_task(&key, &body).await {
            Ok(remote_task_id) => {
                let recorded = record_task_id(shared, id, &remote_task_id).await;
                return SubmitOutcome::Submitted {
                    remote_task_id,
                    recorded,
                };
            }
            Err(error) => error,
        };
        match retry::decide(&policy, Endpoint::CreateTask, &error, attempt, &mut rng) {
            RetryDecision::RetryAfter(delay) => {
                // Only resends of what the service plainly did not take get here: a stop
                // puts the task back in the queue rather than send again.
                if lock(&shared.gate).stopping {
                    requeue(shared, id, "Not sent again: the app was stopping.").await;
                    return SubmitOutcome::NotSent;
                }
                tracing::info!(task = id, attempt, ?delay, error = %error, "createTask refused in a way that is safe to resend");
                tokio::time::sleep(delay).await;
                if lock(&shared.gate).stopping {
                    requeue(shared, id, "Not sent again: the app was stopping.").await;
                    return SubmitOutcome::NotSent;
                }
                attempt += 1;
            }
            RetryDecision::WaitForSlot => {
                requeue(
                    shared,
                    id,
                    "The service's concurrency limit was reached: waiting for a slot.",
                )
                .await;
                let limit = match &error {
                    ApiError::Http { body: Some(b), .. } => b.limit,
                    _ => None,
                };
                return SubmitOutcome::SlotBusy {
                    body,
                    limit,
                    retry_after: retry::clamped_retry_after(&policy, &error),
                    oldest_upload_ms,
                };
            }
            RetryDecision::GiveUp if retry::submission_outcome_unknown(&error) => {
                let guidance = guidance_for(&Failure::Api(&error));
                let detail = guidance.detail.clone().unwrap_or_else(|| error.to_string());
                tracing::warn!(task = id, %detail, "createTask outcome unknown; not resending");
                match shared
                    .ledger(move |l| l.mark_submission_unknown(id, &detail))
                    .await
                {
                    Ok(_) => shared.emit_task(id).await,
                    Err(error) => {
                        tracing::error!(task = id, %error, "could not record an unknown outcome")
                    }
                }
                return SubmitOutcome::Unknown;
            }
            RetryDecision::GiveUp if error.is_service_key_rejection() => {
                // A 401 is answered before anything is created: the task waits in the
                // queue for a working key instead of failing.
                requeue(
                    shared,
                    id,
                    "The service refused the API key: waiting for a working key.",
                )
                .await;
                return SubmitOutcome::KeyRejected {
                    key_gen,
                    message: key_rejected_message(&error),
                };
            }
            RetryDecision::GiveUp => {
                fail(shared, id, guidance_for(&Failure::Api(&error))).await;
                return SubmitOutcome::Failed;
            }
        }
    }
}

/// The sentence for a rejected key, from the guidance of the service's answer.
pub(crate) fn key_rejected_message(error: &ApiError) -> String {
    let guidance = guidance_for(&Failure::Api(error));
    format!("{} {}", guidance.title, guidance.explanation)
}

/// Puts a `Submitting` task back at the front of the queue (nothing was created).
async fn requeue(shared: &Arc<Shared>, id: TaskId, note: &'static str) {
    match shared.ledger(move |l| l.requeue(id, note)).await {
        Ok(_) => shared.emit_task(id).await,
        Err(error) => {
            tracing::error!(task = id, %error, "could not put a task back in the queue")
        }
    }
}

/// Records the task id the service returned. When the ledger cannot (a full disk, an
/// I/O error), the id goes to the journal beside it and the creator is told about the
/// disk; either way the caller keeps following the task. Returns whether the ledger has
/// it.
pub(crate) async fn record_task_id(shared: &Arc<Shared>, id: TaskId, remote: &str) -> bool {
    let now = shared.clock.now_ms();
    let remote_owned = remote.to_owned();
    let error = match shared
        .ledger(move |l| l.record_submitted(id, &remote_owned, now))
        .await
    {
        Ok(_) => {
            shared.emit_task(id).await;
            return true;
        }
        Err(error) => error,
    };
    tracing::error!(task = id, %remote, %error, "could not record the task id; keeping it in the journal");
    let journaled = match shared.ledger(move |l| l.get(id)).await {
        Ok(entry) => {
            let journal = JournalEntry {
                task: id,
                remote_task_id: remote.to_owned(),
                at_ms: now,
                service: entry.service.clone(),
                estimate_credits: entry.estimate_credits,
                request: entry.request,
            };
            shared
                .ledger(move |l| l.journal_submission(&journal))
                .await
                .map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    let disk_problem = disk_problem_of(&error);
    let folder = shared
        .ledger
        .path()
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let disk = match disk_problem {
        Some(DiskProblem::Full) => "the disk is full",
        Some(DiskProblem::ReadOnly) => "the disk is read-only",
        _ => "the disk could not be written",
    };
    let message = match &journaled {
        Ok(()) => format!(
            "The service started this video (task {remote}), but your task history in {folder} could not record it because {disk} ({error}). The task id was kept in a small journal beside it and Studio keeps following the video. Free some space on that disk; the history catches up at the next start."
        ),
        Err(journal_error) => format!(
            "The service started this video (task {remote}), but your task history in {folder} could not record it because {disk} ({error}), and neither could its journal ({journal_error}). Keep Studio open until the video is downloaded, and free some space on that disk now."
        ),
    };
    shared.events.emit(EngineEvent::HistoryWriteFailed {
        task_id: id,
        remote_task_id: remote.to_owned(),
        kept_in_journal: journaled.is_ok(),
        disk_problem,
        message,
    });
    false
}

/// What kind of disk problem a ledger write failed on, when it says.
fn disk_problem_of(error: &LedgerError) -> Option<DiskProblem> {
    let code = match error {
        LedgerError::Io { source, .. } => source.raw_os_error(),
        LedgerError::Sqlite(rusqlite::Error::SqliteFailure(failure, _)) => {
            return match failure.code {
                rusqlite::ErrorCode::DiskFull => Some(DiskProblem::Full),
                rusqlite::ErrorCode::ReadOnly => Some(DiskProblem::ReadOnly),
                rusqlite::ErrorCode::SystemIoFailure => Some(DiskProblem::Other),
                _ => None,
            }
        }
        _ => None,
    };
    match code {
        Some(28) => Some(DiskProblem::Full),
        Some(30) => Some(DiskProblem::ReadOnly),
        Some(_) => Some(DiskProblem::Other),
        None => None,
    }
}

/// Uploads one local reference (`POST /uploads`, then the signed PUT), each step retried
/// per `retry`. A 403 on the PUT means the signed URL expired: a new one is requested
/// instead of repeating the old.
async fn upload(
    shared: &Arc<Shared>,
    id: TaskId,
    key: &ApiKey,
    position: usize,
    path: &Path,
) -> Result<UploadedCopy, ApiError> {
    let policy = shared.settings.retry_policy;
    let mut rng = StdRng::from_entropy();
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "reference".to_owned());
    let sniffed = {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || crate::media::probe_file(&path).ok())
            .await
            .ok()
            .flatten()
            .map(|info| info.container.mime())
    };
    let events = shared.events.clone();
    let progress = move |sent: u64, total: u64| {
        events.emit(EngineEvent::UploadProgress {
            task_id: id,
            reference: position,
            sent,
            total,
        })
    };
    let mut targets = 0;
    loop {
        targets += 1;
        let target = request_target(shared, key, &file_name, &mut rng).await?;
        let content_type = target
            .content_type
            .as_deref()
            .or(sniffed)
            .unwrap_or("application/octet-stream")
            .to_owned();
        let mut attempt = 1;
        loop {
            let error = match shared
                .client
                .put_file(&target, path, &content_type, &progress)
                .await
            {
                Ok(()) => {
                    return Ok(UploadedCopy {
                        url: target.url,
                        uploaded_at_ms: shared.clock.now_ms(),
                    })
                }
                Err(error) => error,
            };
            if error.status() == Some(403) && targets < policy.max_attempts {
                break;
            }
            match retry::decide(&policy, Endpoint::UploadPut, &error, attempt, &mut rng) {
                RetryDecision::RetryAfter(delay) => {
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                RetryDecision::WaitForSlot | RetryDecision::GiveUp => return Err(error),
            }
        }
    }
}

async fn request_target(
    shared: &Arc<Shared>,
    key: &ApiKey,
    file_name: &str,
    rng: &mut StdRng,
) -> Result<UploadTarget, ApiError> {
    let policy = shared.settings.retry_policy;
    let mut attempt = 1;
    loop {
        let error = match shared.client.request_upload(key, file_name).await {
            Ok(target) => return Ok(target),
            Err(error) => error,
        };
        match retry::decide(&policy, Endpoint::UploadTarget, &error, attempt, rng) {
            RetryDecision::RetryAfter(delay) => {
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            RetryDecision::WaitForSlot | RetryDecision::GiveUp => return Err(error),
        }
    }
}

/// Records a failure with its guidance and tells the UI.
pub(crate) async fn fail(shared: &Arc<Shared>, id: TaskId, guidance: Guidance) {
    let json = match serde_json::to_value(&guidance) {
        Ok(json) => json,
        Err(error) => {
            tracing::error!(task = id, %error, "guidance did not serialize");
            return;
        }
    };
    match shared.ledger(move |l| l.mark_failed(id, &json, None)).await {
        Ok(_) => shared.emit_task(id).await,
        Err(error) => tracing::error!(task = id, %error, "could not record a failure"),
    }
}
