//! What the ledger records about a task after it succeeds: the charge the service settles
//! at (2.5 reference-video, Extend and Edit tasks), the check of the saved file against the
//! request, the local copy of the last frame, and the links between a clip and the clips
//! made from it (source → extension → joined clip).
//!
//! Each call is one transaction on the columns schema 5 added; none changes a task's state, so
//! none can undo a download or a failure recorded meanwhile.

use std::path::Path;

use rusqlite::params;

use super::{
    append_history, path_text, to_json, Ledger, LedgerError, LocalState, TaskEntry, TaskId,
};
use crate::output_check::OutputCheck;
use crate::request::GenerationRequest;

/// What a spending cap counts for `request` until its charge is settled, or `None` when
/// the model's reservation is final (or the request has no price: the engine refuses
/// those before they are recorded).
pub(super) fn cap_credits_for(request: &GenerationRequest) -> Option<f64> {
    crate::pricing::estimate(request)
        .ok()
        .filter(|estimate| estimate.settlement.is_some())
        .map(|estimate| estimate.cap_credits())
}

impl Ledger {
    /// Records the charge the service settled task `id` at after success (its
    /// `creditsUsed` once rewritten), read at `at_ms`. Written once: a second call keeps
    /// the first figure and returns false. The reservation stays in `service_credits`.
    pub fn record_settlement(
        &self,
        id: TaskId,
        credits: f64,
        at_ms: i64,
    ) -> Result<bool, LedgerError> {
        if !credits.is_finite() || credits < 0.0 {
            return Err(LedgerError::Invalid(format!(
                "a settled charge of {credits} credits cannot be stored"
            )));
        }
        self.write(|tx| {
            let (state, settled): (String, Option<f64>) = tx
                .query_row(
                    "SELECT state, settled_credits FROM tasks WHERE id = ?1",
                    [id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .map_err(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => LedgerError::NoSuchTask(id),
                    other => other.into(),
                })?;
            if settled.is_some() {
                return Ok(false);
            }
            let state = super::decode_state(id, &state)?;
            if !matches!(state, LocalState::Succeeded | LocalState::Downloaded) {
                return Err(LedgerError::IllegalTransition {
                    id,
                    from: state,
                    action: "record a settled charge",
                });
            }
            tx.execute(
                "UPDATE tasks SET settled_credits = ?2, settled_at_ms = ?3, updated_at_ms = ?3
                 WHERE id = ?1",
                params![id, credits, at_ms],
            )?;
            let note = format!("charge settled at {credits} credits");
            append_history(tx, id, at_ms, Some(state), state, Some(&note))?;
            Ok(true)
        })
    }

    /// Stores the check of task `id`'s saved video against its request.
    pub fn set_output_check(&self, id: TaskId, check: &OutputCheck) -> Result<(), LedgerError> {
        let json = to_json(check)?;
        let now = (self.clock)();
        self.update_one(
            id,
            "UPDATE tasks SET output_check = ?2, updated_at_ms = ?3 WHERE id = ?1",
            params![id, json, now],
        )
    }

    /// Records the local copy of task `id`'s last frame.
    pub fn set_last_frame(&self, id: TaskId, path: &Path) -> Result<(), LedgerError> {
        let text = path_text(path)?;
        let now = (self.clock)();
        self.update_one(
            id,
            "UPDATE tasks SET last_frame_path = ?2, updated_at_ms = ?3 WHERE id = ?1",
            params![id, text, now],
        )
    }

    /// Links task `id` to the finished task it was made from (extend, edit, continue
    /// from the last frame).
    pub fn set_source(&self, id: TaskId, source: TaskId) -> Result<(), LedgerError> {
        if id == source {
            return Err(LedgerError::Invalid(format!(
                "task {id} cannot be its own source"
            )));
        }
        self.write(|tx| {
            let known: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM tasks WHERE id = ?1)",
                [source],
                |row| row.get(0),
            )?;
            if !known {
                return Err(LedgerError::NoSuchTask(source));
            }
            let n = tx.execute(
                "UPDATE tasks SET source_task_id = ?2 WHERE id = ?1",
                params![id, source],
            )?;
            if n == 0 {
                return Err(LedgerError::NoSuchTask(id));
            }
            Ok(())
        })
    }

    /// Records extension `id`'s joined clip (its source followed by the new footage).
    pub fn set_joined(&self, id: TaskId, path: &Path) -> Result<(), LedgerError> {
        let text = path_text(path)?;
        let now = (self.clock)();
        self.update_one(
            id,
            "UPDATE tasks SET joined_path = ?2, updated_at_ms = ?3 WHERE id = ?1",
            params![id, text, now],
        )
    }

    /// Tasks made from `source`, oldest first.
    pub fn made_from(&self, source: TaskId) -> Result<Vec<TaskEntry>, LedgerError> {
        self.entries_where(&format!("source_task_id = {source} ORDER BY id"))
    }

    /// Succeeded tasks whose charge settles after success and was not read settled yet,
    /// finished at or after `since_ms`: the engine reads them again after a restart.
    pub fn awaiting_settlement(&self, since_ms: i64) -> Result<Vec<TaskEntry>, LedgerError> {
        self.entries_where(&format!(
            "cap_credits IS NOT NULL AND settled_credits IS NULL
             AND state IN ('succeeded', 'downloaded') AND remote_task_id IS NOT NULL
             AND COALESCE(completed_at_ms, updated_at_ms) >= {since_ms} ORDER BY id"
        ))
    }

    fn update_one(
        &self,
        id: TaskId,
        sql: &str,
        values: impl rusqlite::Params,
    ) -> Result<(), LedgerError> {
        self.write(|tx| {
            if tx.execute(sql, values)? == 0 {
                return Err(LedgerError::NoSuchTask(id));
            }
            Ok(())
        })
    }
}
