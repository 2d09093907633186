//! Reading the charge a task settles at after success (service-api §12.3.2): 2.5 tasks
//! with a reference video, Extend and Edit reserve `duration × rate` at submission and the
//! service rewrites `creditsUsed` to the settled figure a few seconds after `success`.
//!
//! Owns the re-reads of such a task after success: a bounded number of `recordInfo` reads
//! at the poll interval (covering about a minute), until `creditsUsed` differs from the reservation, then one ledger
//! write ([`crate::ledger::Ledger::record_settlement`]). It runs beside the download and
//! never holds it up. Until the figure is recorded the spending cap counts the larger of
//! the reservation and the estimated settlement; reads that never show a change leave the
//! task pending (the cap keeps counting the larger figure), except when the estimate says
//! the settlement equals the reservation.

use std::sync::Arc;
use std::time::Duration;

use super::Shared;
use crate::api::{ApiError, TaskRecord, TaskStatus};
use crate::ledger::{TaskEntry, TaskId};
use crate::secret::ApiKey;

/// `recordInfo` reads after success before the engine stops asking for this run, at
/// least: the docs say the settlement lands "a few seconds" after success; 20 reads at the
/// default interval cover a minute.
pub(crate) const SETTLEMENT_READS: u32 = 20;
/// The reads cover at least this long whatever the poll interval (a script polling every
/// 100 ms must not give up after 2 s), and at most [`SETTLEMENT_READS_MAX`] reads are made.
pub(crate) const SETTLEMENT_WINDOW: Duration = Duration::from_secs(60);
const SETTLEMENT_READS_MAX: u32 = 600;
/// Between two reads, when no fixed poll interval is set.
pub(crate) const SETTLEMENT_EVERY: Duration = Duration::from_secs(3);
/// After a restart, tasks that finished this recently and are still unsettled are read
/// again; older ones are left as they are (shown as not settled).
pub(crate) const SETTLEMENT_RESUME_WITHIN_MS: i64 = 24 * 3_600_000;

/// Credits closer than this are the same figure (the service writes decimals).
const SAME_CREDITS: f64 = 0.005;

/// Whether `credits_used` read after success is the settled figure: it differs from the
/// reservation.
fn shows_settlement(credits_used: f64, reservation: Option<f64>) -> bool {
    reservation.is_none_or(|r| (credits_used - r).abs() > SAME_CREDITS)
}

/// Reads task `id` after success until its settled charge is known and records it.
/// `at_success` is the `creditsUsed` of the answer that reported success (already the
/// settled figure when the success was seen late).
pub(crate) async fn read_settlement(shared: Arc<Shared>, id: TaskId, at_success: Option<f64>) {
    let entry = match shared.ledger(move |l| l.get(id)).await {
        Ok(entry) => entry,
        Err(error) => {
            tracing::warn!(task = id, %error, "cannot read a task to settle");
            return;
        }
    };
    if !entry.settles_after_success() || entry.settled_credits.is_some() {
        return;
    }
    let Some(remote) = entry.remote_task_id.clone() else {
        return;
    };
    let reservation = entry.reserved_credits();
    let every = shared.settings.poll_every.unwrap_or(SETTLEMENT_EVERY);
    let reads = reads_for(every);
    let mut seen = at_success;
    let mut last_seen = at_success;
    let mut key: Option<ApiKey> = None;
    for read in 0..=reads {
        if let Some(credits) = seen {
            last_seen = Some(credits);
            if shows_settlement(credits, reservation) {
                record(&shared, id, credits).await;
                return;
            }
        }
        if read == reads {
            break;
        }
        tokio::time::sleep(every).await;
        if key.is_none() {
            key = load_key(&shared).await;
        }
        let Some(key) = key.as_ref() else {
            continue;
        };
        seen = match read_record(&shared, &entry, key, &remote).await {
            Ok(record) if record.status == TaskStatus::Success => record.credits_used,
            Ok(_) => None,
            Err(error) => {
                tracing::debug!(task = id, %error, "a settlement read failed");
                None
            }
        };
    }
    // No change in every read: the reservation is the final charge only when our own
    // figure says the settlement equals it (an edit of a 7.5 s clip, say).
    let expected = crate::pricing::estimate(&entry.request)
        .ok()
        .and_then(|e| e.settlement)
        .map(|s| s.credits);
    match (last_seen, expected) {
        (Some(credits), Some(expected)) if (credits - expected).abs() <= SAME_CREDITS => {
            record(&shared, id, credits).await;
        }
        _ => tracing::info!(
            task = id,
            "the settled charge was not seen after success; the cap keeps counting the larger figure"
        ),
    }
}

/// Reads made at interval `every`: [`SETTLEMENT_READS`], or more to cover
/// [`SETTLEMENT_WINDOW`], never more than [`SETTLEMENT_READS_MAX`].
fn reads_for(every: Duration) -> u32 {
    let to_cover = SETTLEMENT_WINDOW.as_secs_f64() / every.as_secs_f64().max(0.001);
    let to_cover = u32::try_from(to_cover.ceil() as u64).unwrap_or(u32::MAX);
    to_cover.clamp(SETTLEMENT_READS, SETTLEMENT_READS_MAX)
}

async fn record(shared: &Arc<Shared>, id: TaskId, credits: f64) {
    let now = shared.clock.now_ms();
    match shared
        .ledger(move |l| l.record_settlement(id, credits, now))
        .await
    {
        Ok(true) => shared.emit_task(id).await,
        Ok(false) => {}
        Err(error) => tracing::warn!(task = id, %error, "could not record a settled charge"),
    }
}

async fn load_key(shared: &Arc<Shared>) -> Option<ApiKey> {
    let keys = shared.keys.clone();
    match tokio::task::spawn_blocking(move || keys.load()).await {
        Ok(Ok(key)) => key,
        _ => None,
    }
}

async fn read_record(
    shared: &Arc<Shared>,
    entry: &TaskEntry,
    key: &ApiKey,
    remote: &str,
) -> Result<TaskRecord, ApiError> {
    if let Some(source) = &shared.status {
        return source.record_info(key, remote).await;
    }
    let client = shared
        .client_for(entry.service.as_deref())
        .unwrap_or_else(|_| shared.client.clone());
    client.record_info(key, remote).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cover_a_minute_within_their_bounds() {
        assert_eq!(reads_for(SETTLEMENT_EVERY), 20);
        assert_eq!(reads_for(Duration::from_millis(100)), 600);
        assert_eq!(reads_for(Duration::from_millis(1)), 600);
        assert_eq!(reads_for(Duration::from_secs(10)), 20);
    }

    #[test]
    fn only_a_figure_other_than_the_reservation_is_the_settlement() {
        assert!(!shows_settlement(175.0, Some(175.0)));
        assert!(!shows_settlement(175.001, Some(175.0)));
        assert!(shows_settlement(525.0, Some(175.0)));
        assert!(shows_settlement(420.0, Some(525.0)));
        assert!(shows_settlement(525.0, None));
    }
}
