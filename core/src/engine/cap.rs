//! The creator's own spending cap: credits reserved per calendar day and month (local
//! time), checked before a task is queued.
//!
//! Counts what the ledger says was reserved in the window (failures are refunded and do
//! not count; submissions of unknown outcome do) plus every task still waiting in the
//! local queue, which will reserve its estimate when sent.

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, Time, UtcOffset};

use crate::guidance::{guidance_for, CapWindow, Failure, Guidance};
use crate::ledger::{Ledger, LedgerError};

/// Limits in credits; `None` means no limit for that period.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SpendingCap {
    pub daily_credits: Option<f64>,
    pub monthly_credits: Option<f64>,
}

/// The answer for one submission.
#[derive(Debug, Clone, PartialEq)]
pub enum SpendingCapCheck {
    Within,
    /// Refused; the guidance names what is left and when the period resets.
    Over(Guidance),
}

/// Whether `needed` more credits fit under `cap` at `now_ms`.
pub(crate) fn check(
    ledger: &Ledger,
    cap: &SpendingCap,
    now_ms: i64,
    needed: f64,
) -> Result<SpendingCapCheck, LedgerError> {
    let offset = local_offset();
    for (window, limit, since) in [
        (
            CapWindow::Daily,
            cap.daily_credits,
            start_of_day(now_ms, offset),
        ),
        (
            CapWindow::Monthly,
            cap.monthly_credits,
            start_of_month(now_ms, offset),
        ),
    ] {
        let Some(limit) = limit else { continue };
        let counted = ledger.cap_credits_since(since)?;
        let reserved = counted.reserved + counted.queued;
        // A hundredth of a credit of slack: estimates are rounded to cents.
        if reserved + needed > limit + 0.005 {
            return Ok(SpendingCapCheck::Over(guidance_for(
                &Failure::SpendingCap {
                    window,
                    cap: limit,
                    reserved,
                    needed,
                },
            )));
        }
    }
    Ok(SpendingCapCheck::Within)
}

fn local_offset() -> UtcOffset {
    UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC)
}

fn at(now_ms: i64, offset: UtcOffset) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(now_ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
}

fn to_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

/// Unix ms of the most recent local midnight.
pub(crate) fn start_of_day(now_ms: i64, offset: UtcOffset) -> i64 {
    to_ms(at(now_ms, offset).replace_time(Time::MIDNIGHT))
}

/// Unix ms of local midnight on the first of this month.
pub(crate) fn start_of_month(now_ms: i64, offset: UtcOffset) -> i64 {
    let day = at(now_ms, offset).replace_time(Time::MIDNIGHT);
    to_ms(day.replace_day(1).unwrap_or(day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_start_at_local_midnight_and_the_first() {
        // 2026-11-25 14:32:10 UTC
        let now = 1_795_617_130_000;
        assert_eq!(start_of_day(now, UtcOffset::UTC), 1_795_564_800_000);
        assert_eq!(start_of_month(now, UtcOffset::UTC), 1_793_491_200_000);
        let plus2 = UtcOffset::from_hms(2, 0, 0).expect("valid offset");
        assert_eq!(start_of_day(now, plus2), 1_795_564_800_000 - 2 * 3_600_000);
    }
}
