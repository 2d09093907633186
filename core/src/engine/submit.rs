//! One submission: upload the local references that need it, write the durable intent,
//! send createTask, write the task id. Runs as its own short task and reports a
//! [`SubmitOutcome`] to the scheduler.
//!
//! The rule that matters: createTask is resent only when `retry::decide` says so (the
//! service's own JSON 500, or nothing was sent). A failure after the request may have
//! reached the service becomes `SubmissionUnknown` and is never resent here.

use std::path::Path;
use std::sync::Arc;

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;

use super::{EngineEvent, Shared};
use crate::api::{ApiError, Endpoint, UploadTarget};
use crate::guidance::{guidance_for, Failure, Guidance};
use crate::ledger::{LedgerError, LocalState, TaskId};
use crate::request::{ReferenceSource, UploadedCopy};
use crate::retry::{self, RetryDecision};
use crate::secret::ApiKey;

/// How a submission ended, for the scheduler's bookkeeping. The ledger already says so.
#[derive(Debug)]
pub(crate) enum SubmitOutcome {
    /// Accepted; the ledger has the remote id (`Waiting`).
    Submitted { remote_task_id: String },
    /// 429: nothing was created. The task is back in the ledger's queue (at the front) and
    /// this exact body is sent again when a slot frees; a crash meanwhile resumes it as an
    /// ordinary queued task.
    SlotBusy {
        body: Value,
        limit: Option<u32>,
        retry_after: Option<std::time::Duration>,
    },
    /// The request may have created a task; marked `SubmissionUnknown`.
    Unknown,
    /// Marked failed (nothing charged). `key_rejected` when the key was missing or
    /// refused, which pauses everything until a key is saved.
    Failed { key_rejected: bool },
    /// Not sent: the task was cancelled meanwhile, or the ledger refused the intent.
    NotSent,
}

/// Runs the whole pipeline for a `Queued` task.
pub(crate) async fn submit_queued(shared: Arc<Shared>, id: TaskId) -> SubmitOutcome {
    let key = match load_key(&shared).await {
        Some(key) => key,
        None => {
            fail(&shared, id, guidance_for(&Failure::MissingKey)).await;
            return SubmitOutcome::Failed { key_rejected: true };
        }
    };
    let entry = match shared.ledger(move |l| l.get(id)).await {
        Ok(entry) if entry.state == LocalState::Queued => entry,
        Ok(_) => return SubmitOutcome::NotSent,
        Err(error) => {
            tracing::error!(task = id, %error, "cannot read a queued task");
            return SubmitOutcome::NotSent;
        }
    };
    let mut request = entry.request;
    for position in 0..request.references.len() {
        let now = shared.clock.now_ms();
        let path = match &request.references[position].source {
            ReferenceSource::LocalFile { path, uploaded } => {
                if uploaded.as_ref().is_some_and(|u| u.is_fresh(now)) {
                    continue;
                }
                path.clone()
            }
            ReferenceSource::Url { .. } => continue,
        };
        match upload(&shared, id, &key, position, &path).await {
            Ok(copy) => {
                if let ReferenceSource::LocalFile { uploaded, .. } =
                    &mut request.references[position].source
                {
                    *uploaded = Some(copy);
                }
            }
            Err(error) => {
                let key_rejected = matches!(error.status(), Some(401 | 403));
                fail(&shared, id, guidance_for(&Failure::Api(&error))).await;
                return SubmitOutcome::Failed { key_rejected };
            }
        }
    }
    let body = match request.create_task_body() {
        Ok(body) => body,
        Err(unresolved) => {
            let message = unresolved.to_string();
            let guidance = guidance_for(&Failure::LocalInput {
                field: "references",
                message: &message,
            });
            fail(&shared, id, guidance).await;
            return SubmitOutcome::Failed {
                key_rejected: false,
            };
        }
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
    send(shared, id, key, body).await
}

/// Sends createTask for a task already `Submitting` (first time, or again after a 429,
/// when the caller has marked it `Submitting` again).
pub(crate) async fn send(
    shared: Arc<Shared>,
    id: TaskId,
    key: ApiKey,
    body: Value,
) -> SubmitOutcome {
    let policy = shared.settings.retry_policy;
    let mut rng = StdRng::from_entropy();
    let mut attempt = 1;
    loop {
        let error = match shared.client.create_task(&key, &body).await {
            Ok(remote_task_id) => {
                let now = shared.clock.now_ms();
                let remote = remote_task_id.clone();
                match shared
                    .ledger(move |l| l.record_submitted(id, &remote, now))
                    .await
                {
                    Ok(_) => shared.emit_task(id).await,
                    // The task exists and is paid for; keep polling it from memory and
                    // shout, since a crash now would leave it SubmissionUnknown.
                    Err(error) => {
                        tracing::error!(task = id, remote = %remote_task_id, %error, "could not record the task id")
                    }
                }
                return SubmitOutcome::Submitted { remote_task_id };
            }
            Err(error) => error,
        };
        match retry::decide(&policy, Endpoint::CreateTask, &error, attempt, &mut rng) {
            RetryDecision::RetryAfter(delay) => {
                tracing::info!(task = id, attempt, ?delay, error = %error, "createTask refused in a way that is safe to resend");
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            RetryDecision::WaitForSlot => {
                let note = "The service's concurrency limit was reached: waiting for a slot.";
                match shared.ledger(move |l| l.requeue(id, note)).await {
                    Ok(_) => shared.emit_task(id).await,
                    Err(error) => {
                        tracing::error!(task = id, %error, "could not put a refused task back in the queue")
                    }
                }
                let limit = match &error {
                    ApiError::Http { body: Some(b), .. } => b.limit,
                    _ => None,
                };
                return SubmitOutcome::SlotBusy {
                    body,
                    limit,
                    retry_after: retry::clamped_retry_after(&policy, &error),
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
            RetryDecision::GiveUp => {
                let key_rejected = matches!(error.status(), Some(401 | 403));
                fail(&shared, id, guidance_for(&Failure::Api(&error))).await;
                return SubmitOutcome::Failed { key_rejected };
            }
        }
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

/// The saved key, read off the async threads (a keychain call can block).
pub(crate) async fn load_key(shared: &Arc<Shared>) -> Option<ApiKey> {
    let keys = shared.keys.clone();
    match tokio::task::spawn_blocking(move || keys.load()).await {
        Ok(Ok(key)) => key,
        Ok(Err(error)) => {
            tracing::warn!(%error, "the key store could not be read");
            None
        }
        Err(_) => None,
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
