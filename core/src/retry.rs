//! When a failed API call may be repeated, and after how long: one pure function of
//! (endpoint, error, attempts made), in the manner of reqwest-retry.
//!
//! Owns the retry rules of service-api §7 and reliability checklist items 1–17. It sends
//! nothing and sleeps nowhere: the engine and the uploader run the loop, this module only
//! answers. The asymmetry that matters: reads and uploads are safe to repeat, while every
//! accepted `createTask` reserves credits and the service has no idempotency key, so a
//! submission is resent only when the service said plainly that it did not take it.

use std::time::Duration;

use rand::Rng;

use crate::api::{ApiError, Endpoint, TransportStage};

/// The shortest wait we ever honour from a `Retry-After`: a hostile or buggy `0` must not
/// turn into a busy loop.
pub const MIN_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Bounds and pacing of automatic retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total (the first one included) for reads and uploads.
    pub max_attempts: u32,
    /// The first backoff ceiling; each further attempt doubles it.
    pub base: Duration,
    /// No wait ever exceeds this, whatever the attempt count or `Retry-After` says.
    pub cap: Duration,
    /// Attempts in total for a `createTask` the service refused with its own JSON 500,
    /// or that never left this machine (connect failure).
    pub create_task_max_attempts: u32,
}

impl Default for RetryPolicy {
    /// Reads: 5 attempts, 1 s base, 60 s cap. createTask: 3 attempts, waiting 1 s then
    /// 2 s, as in the service's own errors page sample.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(60),
            create_task_max_attempts: 3,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Send the same request again after this delay.
    RetryAfter(Duration),
    /// `createTask` hit the concurrency limit: nothing was created or charged. Hand the
    /// task back to the local queue, which submits it when one of ours finishes (not
    /// before the `Retry-After`, see [`clamped_retry_after`]).
    WaitForSlot,
    /// Stop. For `createTask`, check [`submission_outcome_unknown`] before showing a
    /// failure: a task may exist and be charged.
    GiveUp,
}

/// Decides whether to repeat a call that failed with `error` after `attempt` attempts
/// (1-based: 1 means the first try just failed; 0 is treated as 1).
///
/// - `RecordInfo`, `Download`, `UploadTarget`, `UploadPut`: transport errors, 408, 429,
///   any 5xx (JSON or a proxy's HTML page) and unreadable 2xx bodies are retried up to
///   `max_attempts`, after `Retry-After` (clamped to [1 s, cap]) or [`backoff`]; other
///   statuses (400, 401, 402, 403, 404, …) never.
/// - `CreateTask`: only the service's own JSON 500 and a connect failure (nothing sent)
///   are resent, up to `create_task_max_attempts`, after `base`, `2 × base`, …; 429 is
///   [`RetryDecision::WaitForSlot`]; anything else gives up, because the request may
///   have created a paid task.
pub fn decide(
    policy: &RetryPolicy,
    endpoint: Endpoint,
    error: &ApiError,
    attempt: u32,
    jitter: &mut impl Rng,
) -> RetryDecision {
    let attempt = attempt.max(1);
    match endpoint {
        Endpoint::CreateTask => decide_create_task(policy, error, attempt),
        Endpoint::RecordInfo
        | Endpoint::Download
        | Endpoint::UploadTarget
        | Endpoint::UploadPut => {
            if attempt >= policy.max_attempts || !is_retryable_read_failure(error) {
                return RetryDecision::GiveUp;
            }
            let delay = clamped_retry_after(policy, error)
                .unwrap_or_else(|| backoff(policy, attempt, jitter));
            RetryDecision::RetryAfter(delay)
        }
    }
}

fn decide_create_task(policy: &RetryPolicy, error: &ApiError, attempt: u32) -> RetryDecision {
    if matches!(error, ApiError::Http { status: 429, .. }) {
        return RetryDecision::WaitForSlot;
    }
    let resendable = is_explicit_service_500(error) || !error.may_have_reached_service();
    if !resendable || attempt >= policy.create_task_max_attempts {
        return RetryDecision::GiveUp;
    }
    // Deterministic doubling, no jitter: one creator's submission cannot cause a
    // thundering herd, and the documented sample waits exactly 1 s then 2 s.
    let doubled = policy.base.saturating_mul(doubling_factor(attempt));
    let delay = clamped_retry_after(policy, error).unwrap_or(doubled.min(policy.cap));
    RetryDecision::RetryAfter(delay)
}

fn is_retryable_read_failure(error: &ApiError) -> bool {
    match error {
        ApiError::Transport { .. } | ApiError::Malformed { .. } => true,
        ApiError::Http { status, .. } => matches!(status, 408 | 429 | 500..=599),
    }
}

/// The service's own answer "internal error" (HTTP 500 with its JSON error body), which
/// its docs call safe to retry. A gateway's 500 page without that body does not count.
pub fn is_explicit_service_500(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::Http {
            status: 500,
            body: Some(_),
            ..
        }
    )
}

/// True when a failed `createTask` may nevertheless have created (and charged for) a
/// task: the request left this machine and the answer was neither a 4xx refusal nor the
/// service's own JSON 500. Such a submission must never be resent without the creator's
/// consent. Always false for other endpoints.
pub fn submission_outcome_unknown(error: &ApiError) -> bool {
    if error.endpoint() != Endpoint::CreateTask || !error.may_have_reached_service() {
        return false;
    }
    match error {
        ApiError::Http { status, .. } => {
            !(400..500).contains(status) && !is_explicit_service_500(error)
        }
        ApiError::Transport { error, .. } => error.stage != TransportStage::Connect,
        ApiError::Malformed { .. } => true,
    }
}

/// The error's `Retry-After`, if it had one, clamped to `[1 s, cap]` (to `cap` alone
/// when the cap is below a second).
pub fn clamped_retry_after(policy: &RetryPolicy, error: &ApiError) -> Option<Duration> {
    match error {
        ApiError::Http {
            retry_after: Some(after),
            ..
        } => Some(after.0.clamp(MIN_RETRY_AFTER.min(policy.cap), policy.cap)),
        _ => None,
    }
}

/// Capped exponential backoff with full jitter: uniform in `[0, min(cap, base × 2^(attempt-1))]`.
/// Total for every `attempt` (0 and `u32::MAX` included); never exceeds `cap`.
pub fn backoff(policy: &RetryPolicy, attempt: u32, jitter: &mut impl Rng) -> Duration {
    let ceiling = policy
        .base
        .saturating_mul(doubling_factor(attempt))
        .min(policy.cap);
    let ceiling_nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(jitter.gen_range(0..=ceiling_nanos))
}

/// `2^(attempt-1)`, saturating: past 2^31 every realistic base is already over any cap.
fn doubling_factor(attempt: u32) -> u32 {
    1u32.checked_shl(attempt.saturating_sub(1))
        .unwrap_or(u32::MAX)
}
