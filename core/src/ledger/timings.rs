//! How long finished tasks took, for the poll schedule: from the createTask answer to
//! the end the service reported (success or failure), per [`TimingKey`]. Read-only; the
//! schedule's profiles (`schedule::CompletionProfile`) are built from it.

use std::time::Duration;

use super::{Ledger, LedgerError};
use crate::request::GenerationRequest;
use crate::schedule::TimingKey;

impl Ledger {
    /// The durations of the `limit` most recently finished tasks that the service ran
    /// (succeeded, downloaded or failed, with a task id), oldest first. Rows whose
    /// request cannot be read or whose times run backwards are left out.
    pub fn finished_durations(
        &self,
        limit: usize,
    ) -> Result<Vec<(TimingKey, Duration)>, LedgerError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT request, completed_at_ms - submitted_at_ms FROM tasks
             WHERE state IN ('succeeded', 'downloaded', 'failed')
                AND remote_task_id IS NOT NULL
                AND submitted_at_ms IS NOT NULL AND completed_at_ms IS NOT NULL
             ORDER BY completed_at_ms DESC, id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (request, took_ms) = row?;
            let Ok(took_ms) = u64::try_from(took_ms) else {
                continue;
            };
            let Ok(request) = serde_json::from_str::<GenerationRequest>(&request) else {
                continue;
            };
            out.push((TimingKey::of(&request), Duration::from_millis(took_ms)));
        }
        out.reverse();
        Ok(out)
    }
}
