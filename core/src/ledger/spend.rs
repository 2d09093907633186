//! Spend history: credits per day and per model, read from the task history. It owns the
//! reading only; what a task costs is decided when it is recorded (pricing, the service's
//! own figures).
//!
//! What each figure means (service-api §4.2: credits are reserved at submission and
//! refunded when a task fails):
//! - **reserved**: what the service held when the task was sent: its own figure when it
//!   gave one, else the estimate;
//! - **settled**: what succeeded tasks finally cost: the settled charge read after success
//!   where the model settles then, else the reservation;
//! - **refunded**: what tasks that were sent and then failed had reserved;
//! - **held**: what tasks still being made hold now.
//!
//! Tasks refused before anything was reserved (a 400, a 402, never sent) count nothing.
//! A submission whose outcome is unknown counts as held, as the spending cap counts it.

use super::{Ledger, LedgerError};
use rusqlite::OptionalExtension;
use serde::Serialize;

const DAY_MS: i64 = 86_400_000;

/// One model's spending on one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpendRow {
    /// `YYYY-MM-DD` in the offset the report was asked for.
    pub day: String,
    /// The model's wire id.
    pub model: String,
    /// Tasks sent that day with this model.
    pub tasks: u32,
    pub reserved: f64,
    pub settled: f64,
    pub refunded: f64,
    pub held: f64,
}

/// The balance a 402 answer last stated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReportedBalance {
    pub credits: f64,
    pub at_ms: i64,
}

/// Spending since a moment, by day and model, oldest day first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpendReport {
    pub rows: Vec<SpendRow>,
    pub last_balance: Option<ReportedBalance>,
}

impl SpendReport {
    /// Totals over every row: (reserved, settled, refunded, held).
    pub fn totals(&self) -> (f64, f64, f64, f64) {
        self.rows.iter().fold((0.0, 0.0, 0.0, 0.0), |t, r| {
            (
                t.0 + r.reserved,
                t.1 + r.settled,
                t.2 + r.refunded,
                t.3 + r.held,
            )
        })
    }

    /// The report as CSV (RFC 4180: fields with a comma or quote are quoted).
    pub fn to_csv(&self) -> String {
        let mut out = String::from("day,model,tasks,reserved,settled,refunded,held\n");
        for r in &self.rows {
            out.push_str(&format!(
                "{},{},{},{},{},{},{}\n",
                csv_field(&r.day),
                csv_field(&r.model),
                r.tasks,
                r.reserved,
                r.settled,
                r.refunded,
                r.held
            ));
        }
        out
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The start of the local day `days - 1` days before the one holding `now_ms`, in Unix
/// milliseconds, and its date (`YYYY-MM-DD`), for an offset in seconds east of UTC: the
/// period "the last `days` days" of a spend report.
pub fn period_start(now_ms: i64, utc_offset_secs: i32, days: u32) -> (i64, String) {
    let offset_ms = i64::from(utc_offset_secs) * 1000;
    let local_day = (now_ms + offset_ms).div_euclid(DAY_MS);
    let first_local_day = local_day - i64::from(days.saturating_sub(1));
    let start_ms = first_local_day * DAY_MS - offset_ms;
    let date = time::OffsetDateTime::from_unix_timestamp(first_local_day * 86_400)
        .map(|t| t.date().to_string())
        .unwrap_or_default();
    (start_ms, date)
}

impl Ledger {
    /// Spending of tasks sent at or after `since_ms`, by day (shifted by
    /// `utc_offset_secs`, the creator's time zone) and model.
    pub fn spend_since(
        &self,
        since_ms: i64,
        utc_offset_secs: i32,
    ) -> Result<SpendReport, LedgerError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT
               date((COALESCE(submitted_at_ms, submit_started_at_ms) / 1000) + ?2,
                    'unixepoch') AS day,
               model,
               COUNT(*),
               sum(COALESCE(service_credits, estimate_credits, 0)),
               sum(CASE WHEN state IN ('succeeded', 'downloaded')
                        THEN COALESCE(settled_credits, service_credits, estimate_credits, 0)
                        ELSE 0 END),
               sum(CASE WHEN state = 'failed'
                        THEN COALESCE(service_credits, estimate_credits, 0) ELSE 0 END),
               sum(CASE WHEN state NOT IN ('succeeded', 'downloaded', 'failed')
                        THEN COALESCE(service_credits, estimate_credits, 0) ELSE 0 END)
             FROM tasks
             WHERE COALESCE(submitted_at_ms, submit_started_at_ms) >= ?1
               AND (remote_task_id IS NOT NULL
                    OR state IN ('submitting', 'submission_unknown'))
               AND state NOT IN ('draft', 'queued', 'cancelled')
             GROUP BY day, model
             ORDER BY day, model",
        )?;
        let rows = stmt.query_map(
            rusqlite::params![since_ms, i64::from(utc_offset_secs)],
            |row| {
                Ok(SpendRow {
                    day: row.get(0)?,
                    model: row.get(1)?,
                    tasks: row.get(2)?,
                    reserved: row.get(3)?,
                    settled: row.get(4)?,
                    refunded: row.get(5)?,
                    held: row.get(6)?,
                })
            },
        )?;
        let rows = rows.collect::<Result<Vec<_>, _>>()?;
        let last_balance = conn
            .query_row(
                "SELECT json_extract(failure, '$.action.available'), updated_at_ms FROM tasks
                 WHERE json_extract(failure, '$.category') = 'insufficient_credits'
                   AND json_extract(failure, '$.action.available') IS NOT NULL
                 ORDER BY updated_at_ms DESC, id DESC LIMIT 1",
                [],
                |row| {
                    Ok(ReportedBalance {
                        credits: row.get(0)?,
                        at_ms: row.get(1)?,
                    })
                },
            )
            .optional()?;
        Ok(SpendReport { rows, last_balance })
    }
}

#[cfg(test)]
mod tests {
    use super::period_start;

    #[test]
    fn a_period_starts_at_local_midnight() {
        // 2026-12-04 10:00 UTC.
        let now = 1_796_378_400_000;
        assert_eq!(
            period_start(now, 0, 1),
            (1_796_342_400_000, "2026-12-04".into())
        );
        assert_eq!(period_start(now, 0, 7).1, "2026-11-28");
        // Tokyo (UTC+9): 19:00 local, the day began at 15:00 UTC the day before.
        assert_eq!(
            period_start(now, 9 * 3600, 1),
            (1_796_342_400_000 - 9 * 3_600_000, "2026-12-04".into())
        );
        // Los Angeles (UTC-8): 02:00 local on the 4th.
        assert_eq!(period_start(now, -8 * 3600, 1).1, "2026-12-04");
        // 23:30 in New York on the 3rd is 04:30 UTC on the 4th.
        assert_eq!(
            period_start(1_796_358_600_000, -5 * 3600, 1).1,
            "2026-12-03"
        );
    }
}
