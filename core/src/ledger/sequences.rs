//! Sequences, takes and keepers in the ledger (issues 20 and 21): a sequence is a named,
//! ordered list of shots; each shot keeps a request template, how it follows the shot
//! before it, the takes generated for it (task ids) and the take chosen for the film. A
//! take is an ordinary task; takes made together from one request share a group id, and
//! the creator can star (keep) or reject any task.
//!
//! Owns the tables `sequences`, `sequence_shots`, `shot_takes`, `sequence_films`,
//! `take_groups` and `task_verdicts` ([`MIGRATE_SEQUENCES`]). Every write is one
//! transaction, like the rest of the ledger; a take is linked to its shot in the same
//! transaction that records its task ([`Ledger::create_takes`]), so a crash can never
//! leave a paid task outside its shot nor make a rerun send the shot again.
//!
//! It does not price, submit or stitch anything: that is `sequence` (on top of the engine
//! and `film`). Deleting a sequence or a shot never deletes a task: takes are paid
//! generations and stay in the history.

use std::collections::HashMap;
use std::path::PathBuf;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use super::{
    decode_state, from_json, insert_task, path_text, recent_duplicate, request_fingerprint,
    to_json, Created, Ledger, LedgerError, ListQuery, LocalState, NewTask, TaskId, TaskSummary,
};
use crate::request::GenerationRequest;

/// What [`Ledger::record_takes`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakesCreated {
    /// The takes, in order; the first one's id is the group's.
    New(Vec<TaskId>),
    /// Nothing was written: the same draft was recorded as `existing` moments ago.
    Duplicate {
        existing: TaskId,
        created_at_ms: i64,
    },
}

/// Schema step adding sequences, take groups and verdicts. New tables only: the `tasks`
/// table keeps its columns, so the recovery of damaged files reads it as before.
pub(super) const MIGRATE_SEQUENCES: &str = "
CREATE TABLE IF NOT EXISTS sequences (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sequence_shots (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    sequence_id INTEGER NOT NULL REFERENCES sequences (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    template    TEXT NOT NULL,
    link        TEXT NOT NULL,
    chosen_task INTEGER
);
CREATE INDEX IF NOT EXISTS shots_by_sequence ON sequence_shots (sequence_id, position);
CREATE TABLE IF NOT EXISTS shot_takes (
    shot_id INTEGER NOT NULL REFERENCES sequence_shots (id) ON DELETE CASCADE,
    task_id INTEGER NOT NULL,
    PRIMARY KEY (shot_id, task_id)
);
CREATE INDEX IF NOT EXISTS takes_by_task ON shot_takes (task_id);
CREATE TABLE IF NOT EXISTS sequence_films (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    sequence_id INTEGER NOT NULL REFERENCES sequences (id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    takes       TEXT NOT NULL,
    lossless    INTEGER NOT NULL,
    made_at_ms  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS take_groups (
    task_id  INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS take_groups_by_group ON take_groups (group_id);
CREATE TABLE IF NOT EXISTS task_verdicts (
    task_id INTEGER PRIMARY KEY,
    verdict TEXT NOT NULL
);
";

pub type SequenceId = i64;
pub type ShotId = i64;
pub type FilmId = i64;

/// How a shot follows the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShotLink {
    /// Generated on its own.
    None,
    /// Starts from the last frame of the previous shot's take (keyframe mode, that frame as
    /// image 1).
    Keyframe,
    /// Continues the previous shot's take (Seedance 2.5 Extend, that take as video 1).
    Extend,
}

impl ShotLink {
    pub const ALL: [ShotLink; 3] = [ShotLink::None, ShotLink::Keyframe, ShotLink::Extend];

    pub fn as_str(self) -> &'static str {
        match self {
            ShotLink::None => "none",
            ShotLink::Keyframe => "keyframe",
            ShotLink::Extend => "extend",
        }
    }

    pub fn parse(name: &str) -> Option<ShotLink> {
        ShotLink::ALL.into_iter().find(|l| l.as_str() == name)
    }

    /// Whether the shot needs the previous shot's take before it can be sent.
    pub fn follows_previous(self) -> bool {
        self != ShotLink::None
    }
}

/// The creator's verdict on a take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Kept: the library can be filtered to these.
    Starred,
    Rejected,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Starred => "starred",
            Verdict::Rejected => "rejected",
        }
    }

    pub fn parse(name: &str) -> Option<Verdict> {
        [Verdict::Starred, Verdict::Rejected]
            .into_iter()
            .find(|v| v.as_str() == name)
    }
}

/// Where a task stands among the takes made with it from one request: take `number`
/// (1-based, in the order they were made) of `of`, in group `group` (the first take's id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakeOf {
    pub group: TaskId,
    pub number: u32,
    pub of: u32,
}

/// The columns of a task's take group and verdict, read with each task (`tasks` in the
/// query): group id, the take's number, the group's size, the verdict.
pub(super) const TAKE_COLUMNS: &str = "
    (SELECT group_id FROM take_groups WHERE task_id = tasks.id),
    (SELECT COUNT(*) FROM take_groups AS n WHERE n.task_id <= tasks.id
        AND n.group_id = (SELECT group_id FROM take_groups WHERE task_id = tasks.id)),
    (SELECT COUNT(*) FROM take_groups AS n
        WHERE n.group_id = (SELECT group_id FROM take_groups WHERE task_id = tasks.id)),
    (SELECT verdict FROM task_verdicts WHERE task_id = tasks.id)";

/// The take group and verdict from the [`TAKE_COLUMNS`] starting at column `first`.
pub(super) fn take_marks(
    row: &rusqlite::Row<'_>,
    first: usize,
) -> rusqlite::Result<(Option<TakeOf>, Option<Verdict>)> {
    let group: Option<TaskId> = row.get(first)?;
    let number: u32 = row.get(first + 1)?;
    let of: u32 = row.get(first + 2)?;
    let verdict: Option<String> = row.get(first + 3)?;
    Ok((
        group.map(|group| TakeOf { group, number, of }),
        verdict.as_deref().and_then(Verdict::parse),
    ))
}

/// One take of a shot: a task, as it stands now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Take {
    pub task: TaskId,
    pub state: LocalState,
    pub video_path: Option<PathBuf>,
    pub verdict: Option<Verdict>,
}

/// One shot, in its sequence's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shot {
    pub id: ShotId,
    /// 1-based place in the sequence.
    pub position: u32,
    /// What is sent for this shot; a link adds the previous take (image or video 1) when
    /// the shot is generated.
    pub template: GenerationRequest,
    pub link: ShotLink,
    /// Oldest first.
    pub takes: Vec<Take>,
    pub chosen: Option<TaskId>,
}

impl Shot {
    /// The take the film uses and the next shot follows: the chosen one, else the first
    /// take whose video is in the library.
    pub fn film_take(&self) -> Option<&Take> {
        match self.chosen {
            Some(chosen) => self.takes.iter().find(|t| t.task == chosen),
            None => self
                .takes
                .iter()
                .find(|t| t.state == LocalState::Downloaded && t.video_path.is_some()),
        }
    }

    /// A take that is finished, still on its way to being, or may be on the service
    /// (outcome unknown, or not found there for now): generating the shot again could pay
    /// twice.
    pub fn live_take(&self) -> Option<&Take> {
        self.takes.iter().find(|t| {
            t.state.is_in_flight()
                || matches!(
                    t.state,
                    LocalState::Succeeded
                        | LocalState::Downloaded
                        | LocalState::SubmissionUnknown
                        | LocalState::NotFound
                )
        })
    }
}

/// A stitched film of a sequence and the takes that built it, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Film {
    pub id: FilmId,
    pub path: PathBuf,
    pub takes: Vec<TaskId>,
    /// Joined by copy (no re-encode).
    pub lossless: bool,
    pub made_at_ms: i64,
}

/// A sequence, whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    pub id: SequenceId,
    pub name: String,
    pub shots: Vec<Shot>,
    /// Oldest first.
    pub films: Vec<Film>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// A row of the list of sequences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequenceSummary {
    pub id: SequenceId,
    pub name: String,
    pub shots: u32,
    pub updated_at_ms: i64,
}

impl Ledger {
    /// Records a new, empty sequence.
    pub fn create_sequence(&self, name: &str) -> Result<SequenceId, LedgerError> {
        let name = checked_name(name)?;
        let now = self.now_ms();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sequences (name, created_at_ms, updated_at_ms) VALUES (?1, ?2, ?2)",
                params![name, now],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    pub fn rename_sequence(&self, id: SequenceId, name: &str) -> Result<(), LedgerError> {
        let name = checked_name(name)?;
        let now = self.now_ms();
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE sequences SET name = ?2, updated_at_ms = ?3 WHERE id = ?1",
                params![id, name, now],
            )?;
            if changed == 0 {
                return Err(no_sequence(id));
            }
            Ok(())
        })
    }

    /// Removes the sequence, its shots and its film records. Its takes stay in the
    /// history as ordinary tasks, and the film files stay in the library.
    pub fn delete_sequence(&self, id: SequenceId) -> Result<(), LedgerError> {
        self.write(|tx| {
            // Shots first: the cascade from `sequences` reaches `sequence_shots`, and from
            // there `shot_takes`, only with foreign keys on; done by hand to hold either way.
            tx.execute(
                "DELETE FROM shot_takes WHERE shot_id IN
                    (SELECT id FROM sequence_shots WHERE sequence_id = ?1)",
                [id],
            )?;
            tx.execute("DELETE FROM sequence_shots WHERE sequence_id = ?1", [id])?;
            tx.execute("DELETE FROM sequence_films WHERE sequence_id = ?1", [id])?;
            if tx.execute("DELETE FROM sequences WHERE id = ?1", [id])? == 0 {
                return Err(no_sequence(id));
            }
            Ok(())
        })
    }

    /// Every sequence, most recently changed first.
    pub fn sequences(&self) -> Result<Vec<SequenceSummary>, LedgerError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT s.id, s.name, s.updated_at_ms,
                (SELECT count(*) FROM sequence_shots AS h WHERE h.sequence_id = s.id)
             FROM sequences AS s ORDER BY s.updated_at_ms DESC, s.id DESC",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(SequenceSummary {
                id: row.get(0)?,
                name: row.get(1)?,
                updated_at_ms: row.get(2)?,
                shots: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The sequence with its shots in order, each with its takes as they stand.
    pub fn sequence(&self, id: SequenceId) -> Result<Sequence, LedgerError> {
        let conn = self.reader();
        let (name, created_at_ms, updated_at_ms): (String, i64, i64) = conn
            .query_row(
                "SELECT name, created_at_ms, updated_at_ms FROM sequences WHERE id = ?1",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?
            .ok_or_else(|| no_sequence(id))?;
        let mut shots = Vec::new();
        {
            let mut stmt = conn.prepare_cached(
                "SELECT id, position, template, link, chosen_task FROM sequence_shots
                 WHERE sequence_id = ?1 ORDER BY position, id",
            )?;
            let rows = stmt.query_map([id], |row| {
                Ok((
                    row.get::<_, ShotId>(0)?,
                    row.get::<_, u32>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, Option<TaskId>>(4)?,
                ))
            })?;
            for row in rows {
                let (shot_id, position, template, link, chosen) = row?;
                shots.push(Shot {
                    id: shot_id,
                    position,
                    template: from_json(shot_id, "shot template", &template)?,
                    link: ShotLink::parse(&link).ok_or_else(|| LedgerError::Decode {
                        id: shot_id,
                        column: "shot link",
                        reason: format!("unknown link {link:?}"),
                    })?,
                    takes: Vec::new(),
                    chosen,
                });
            }
        }
        {
            // Takes whose task was deleted from the history are left out.
            let mut stmt = conn.prepare_cached(
                "SELECT k.shot_id, t.id, t.state, t.video_path, v.verdict
                 FROM shot_takes AS k
                 JOIN sequence_shots AS h ON h.id = k.shot_id
                 JOIN tasks AS t ON t.id = k.task_id
                 LEFT JOIN task_verdicts AS v ON v.task_id = t.id
                 WHERE h.sequence_id = ?1 ORDER BY t.id",
            )?;
            let rows = stmt.query_map([id], |row| {
                Ok((
                    row.get::<_, ShotId>(0)?,
                    row.get::<_, TaskId>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, Option<String>>(4)?,
                ))
            })?;
            let index: HashMap<ShotId, usize> =
                shots.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
            for row in rows {
                let (shot_id, task, state, video_path, verdict) = row?;
                if let Some(&i) = index.get(&shot_id) {
                    shots[i].takes.push(Take {
                        task,
                        state: decode_state(task, &state)?,
                        video_path: video_path.map(PathBuf::from),
                        verdict: verdict.as_deref().and_then(Verdict::parse),
                    });
                }
            }
        }
        let mut films = Vec::new();
        {
            let mut stmt = conn.prepare_cached(
                "SELECT id, path, takes, lossless, made_at_ms FROM sequence_films
                 WHERE sequence_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([id], |row| {
                Ok((
                    row.get::<_, FilmId>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, bool>(3)?,
                    row.get::<_, i64>(4)?,
                ))
            })?;
            for row in rows {
                let (film_id, path, takes, lossless, made_at_ms) = row?;
                films.push(Film {
                    id: film_id,
                    path: PathBuf::from(path),
                    takes: from_json(film_id, "film takes", &takes)?,
                    lossless,
                    made_at_ms,
                });
            }
        }
        Ok(Sequence {
            id,
            name,
            shots,
            films,
            created_at_ms,
            updated_at_ms,
        })
    }

    /// Adds a shot at `position` (1-based; `None` or past the end: last). Returns its id.
    pub fn add_shot(
        &self,
        sequence: SequenceId,
        template: &GenerationRequest,
        link: ShotLink,
        position: Option<u32>,
    ) -> Result<ShotId, LedgerError> {
        let json = to_json(template)?;
        let now = self.now_ms();
        self.write(|tx| {
            let mut order = shot_order(tx, sequence)?;
            tx.execute(
                "INSERT INTO sequence_shots (sequence_id, position, template, link)
                 VALUES (?1, ?2, ?3, ?4)",
                params![sequence, order.len() + 1, json, link.as_str()],
            )?;
            let id = tx.last_insert_rowid();
            let at = position
                .map(|p| (p.max(1) as usize - 1).min(order.len()))
                .unwrap_or(order.len());
            order.insert(at, id);
            renumber(tx, sequence, &order, now)?;
            Ok(id)
        })
    }

    /// Replaces a shot's template and link. Its takes stay (they were made from the old
    /// template and are still the creator's to choose).
    pub fn edit_shot(
        &self,
        shot: ShotId,
        template: &GenerationRequest,
        link: ShotLink,
    ) -> Result<(), LedgerError> {
        let json = to_json(template)?;
        let now = self.now_ms();
        self.write(|tx| {
            let sequence = sequence_of(tx, shot)?;
            tx.execute(
                "UPDATE sequence_shots SET template = ?2, link = ?3 WHERE id = ?1",
                params![shot, json, link.as_str()],
            )?;
            touch(tx, sequence, now)
        })
    }

    /// Removes a shot from its sequence; its takes stay in the history.
    pub fn remove_shot(&self, shot: ShotId) -> Result<(), LedgerError> {
        let now = self.now_ms();
        self.write(|tx| {
            let sequence = sequence_of(tx, shot)?;
            tx.execute("DELETE FROM shot_takes WHERE shot_id = ?1", [shot])?;
            tx.execute("DELETE FROM sequence_shots WHERE id = ?1", [shot])?;
            let order = shot_order(tx, sequence)?;
            renumber(tx, sequence, &order, now)
        })
    }

    /// Moves a shot to `position` (1-based; past the end: last).
    pub fn move_shot(&self, shot: ShotId, position: u32) -> Result<(), LedgerError> {
        let now = self.now_ms();
        self.write(|tx| {
            let sequence = sequence_of(tx, shot)?;
            let mut order = shot_order(tx, sequence)?;
            order.retain(|&s| s != shot);
            let at = (position.max(1) as usize - 1).min(order.len());
            order.insert(at, shot);
            renumber(tx, sequence, &order, now)
        })
    }

    /// Chooses the take the film uses (`None`: back to the first finished one). The task
    /// must be a take of this shot.
    pub fn choose_take(&self, shot: ShotId, task: Option<TaskId>) -> Result<(), LedgerError> {
        let now = self.now_ms();
        self.write(|tx| {
            let sequence = sequence_of(tx, shot)?;
            if let Some(task) = task {
                let is_take: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM shot_takes WHERE shot_id = ?1 AND task_id = ?2)",
                    params![shot, task],
                    |row| row.get(0),
                )?;
                if !is_take {
                    return Err(LedgerError::Invalid(format!(
                        "task {task} is not a take of shot {shot}: choose one of the shot's \
                         takes (`seedance seq show {sequence}` lists them)"
                    )));
                }
            }
            tx.execute(
                "UPDATE sequence_shots SET chosen_task = ?2 WHERE id = ?1",
                params![shot, task],
            )?;
            touch(tx, sequence, now)
        })
    }

    /// Records `takes` (one per request, all like `task` otherwise) in one transaction:
    /// when more than one, they share a take group (the first task's id); with `shot`,
    /// each becomes a take of that shot in the same transaction. A duplicate (see
    /// [`Ledger::record_takes`]) is an error here.
    pub fn create_takes(
        &self,
        task: &NewTask<'_>,
        takes: &[GenerationRequest],
        shot: Option<ShotId>,
    ) -> Result<Vec<TaskId>, LedgerError> {
        match self.record_takes(task, takes, shot)? {
            TakesCreated::New(ids) => Ok(ids),
            TakesCreated::Duplicate { existing, .. } => Err(LedgerError::Invalid(format!(
                "takes: the same request was recorded moments ago as task {existing}; \
                 confirm a second set of takes to record it again"
            ))),
        }
    }

    /// [`Ledger::create_takes`], once: every take is recorded with the fingerprint of
    /// `task.request` (the creator's draft, before the seeds of the takes were chosen), so
    /// the same draft asked for again, as takes or as one task, is recognised. With
    /// `task.duplicate_window_ms`, when such a task was created within the window nothing
    /// is written and it is returned as [`TakesCreated::Duplicate`]; the check and the
    /// inserts are one transaction, so two requests racing cannot both pass it.
    pub fn record_takes(
        &self,
        task: &NewTask<'_>,
        takes: &[GenerationRequest],
        shot: Option<ShotId>,
    ) -> Result<TakesCreated, LedgerError> {
        if takes.is_empty() {
            return Err(LedgerError::Invalid(
                "takes: at least one take is needed".to_owned(),
            ));
        }
        let now = self.now_ms();
        let fingerprint = request_fingerprint(task.request);
        self.write(|tx| {
            if let Some(window) = task.duplicate_window_ms {
                if let Some(Created::Duplicate {
                    existing,
                    created_at_ms,
                }) = recent_duplicate(tx, &fingerprint, window, now)?
                {
                    return Ok(TakesCreated::Duplicate {
                        existing,
                        created_at_ms,
                    });
                }
            }
            let sequence = shot.map(|s| sequence_of(tx, s)).transpose()?;
            let mut ids = Vec::with_capacity(takes.len());
            for request in takes {
                let one = NewTask {
                    request,
                    ..task.clone()
                };
                ids.push(insert_task(tx, &one, &fingerprint, None, now)?);
            }
            if ids.len() > 1 {
                for id in &ids {
                    tx.execute(
                        "INSERT INTO take_groups (task_id, group_id) VALUES (?1, ?2)",
                        params![id, ids[0]],
                    )?;
                }
            }
            if let (Some(shot), Some(sequence)) = (shot, sequence) {
                for id in &ids {
                    tx.execute(
                        "INSERT INTO shot_takes (shot_id, task_id) VALUES (?1, ?2)",
                        params![shot, id],
                    )?;
                }
                touch(tx, sequence, now)?;
            }
            Ok(TakesCreated::New(ids))
        })
    }

    /// The take group of `task` (the first take's id), when it was made as one of several.
    pub fn take_group(&self, task: TaskId) -> Result<Option<i64>, LedgerError> {
        let conn = self.reader();
        Ok(conn
            .query_row(
                "SELECT group_id FROM take_groups WHERE task_id = ?1",
                [task],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// The tasks of a take group, oldest first.
    pub fn group_takes(&self, group: i64) -> Result<Vec<TaskId>, LedgerError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT task_id FROM take_groups WHERE group_id = ?1 ORDER BY task_id",
        )?;
        let rows = stmt.query_map([group], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stars or rejects a task (`None` clears the verdict).
    pub fn set_verdict(&self, task: TaskId, verdict: Option<Verdict>) -> Result<(), LedgerError> {
        self.write(|tx| {
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM tasks WHERE id = ?1)",
                [task],
                |row| row.get(0),
            )?;
            if !exists {
                return Err(LedgerError::NoSuchTask(task));
            }
            match verdict {
                Some(v) => tx.execute(
                    "INSERT INTO task_verdicts (task_id, verdict) VALUES (?1, ?2)
                     ON CONFLICT (task_id) DO UPDATE SET verdict = excluded.verdict",
                    params![task, v.as_str()],
                )?,
                None => tx.execute("DELETE FROM task_verdicts WHERE task_id = ?1", [task])?,
            };
            Ok(())
        })
    }

    pub fn verdict(&self, task: TaskId) -> Result<Option<Verdict>, LedgerError> {
        let conn = self.reader();
        let name: Option<String> = conn
            .query_row(
                "SELECT verdict FROM task_verdicts WHERE task_id = ?1",
                [task],
                |row| row.get(0),
            )
            .optional()?;
        Ok(name.as_deref().and_then(Verdict::parse))
    }

    /// [`Ledger::list`] restricted to tasks with `verdict` (the library's "starred"
    /// filter); `limit` and `offset` apply to the filtered rows.
    pub fn list_with_verdict(
        &self,
        query: &ListQuery,
        verdict: Verdict,
    ) -> Result<Vec<TaskSummary>, LedgerError> {
        self.list(&ListQuery {
            verdict: Some(verdict),
            ..query.clone()
        })
    }

    /// Records a stitched film of `sequence` made from `takes` (in order).
    pub fn record_film(
        &self,
        sequence: SequenceId,
        path: &std::path::Path,
        takes: &[TaskId],
        lossless: bool,
    ) -> Result<FilmId, LedgerError> {
        let path = path_text(path)?;
        let takes = to_json(&takes)?;
        let now = self.now_ms();
        self.write(|tx| {
            touch(tx, sequence, now)?;
            tx.execute(
                "INSERT INTO sequence_films (sequence_id, path, takes, lossless, made_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![sequence, path, takes, lossless, now],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }
}

fn checked_name(name: &str) -> Result<&str, LedgerError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(LedgerError::Invalid(
            "name: a sequence needs a name; give it one".to_owned(),
        ));
    }
    if name.chars().count() > 200 {
        return Err(LedgerError::Invalid(
            "name: a sequence's name has at most 200 characters; shorten it".to_owned(),
        ));
    }
    Ok(name)
}

fn no_sequence(id: SequenceId) -> LedgerError {
    LedgerError::Invalid(format!(
        "sequence {id} does not exist (`seedance seq list` shows them)"
    ))
}

fn sequence_of(tx: &Transaction<'_>, shot: ShotId) -> Result<SequenceId, LedgerError> {
    tx.query_row(
        "SELECT sequence_id FROM sequence_shots WHERE id = ?1",
        [shot],
        |row| row.get(0),
    )
    .optional()?
    .ok_or_else(|| {
        LedgerError::Invalid(format!(
            "shot {shot} does not exist (`seedance seq show` lists a sequence's shots)"
        ))
    })
}

fn shot_order(tx: &Transaction<'_>, sequence: SequenceId) -> Result<Vec<ShotId>, LedgerError> {
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM sequences WHERE id = ?1)",
        [sequence],
        |row| row.get(0),
    )?;
    if !exists {
        return Err(no_sequence(sequence));
    }
    let mut stmt = tx.prepare_cached(
        "SELECT id FROM sequence_shots WHERE sequence_id = ?1 ORDER BY position, id",
    )?;
    let rows = stmt.query_map([sequence], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Positions 1..n in `order`, so they stay dense whatever moved.
fn renumber(
    tx: &Transaction<'_>,
    sequence: SequenceId,
    order: &[ShotId],
    now: i64,
) -> Result<(), LedgerError> {
    for (i, shot) in order.iter().enumerate() {
        tx.execute(
            "UPDATE sequence_shots SET position = ?2 WHERE id = ?1",
            params![shot, i + 1],
        )?;
    }
    touch(tx, sequence, now)
}

fn touch(tx: &Transaction<'_>, sequence: SequenceId, now: i64) -> Result<(), LedgerError> {
    if tx.execute(
        "UPDATE sequences SET updated_at_ms = ?2 WHERE id = ?1",
        params![sequence, now],
    )? == 0
    {
        return Err(no_sequence(sequence));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::ModelId;

    fn open(dir: &std::path::Path) -> Ledger {
        Ledger::open(dir).unwrap().0
    }

    fn template(prompt: &str) -> GenerationRequest {
        GenerationRequest::new(ModelId::Seedance20, prompt)
    }

    fn prompts(seq: &Sequence) -> Vec<String> {
        seq.shots
            .iter()
            .map(|s| s.template.prompt.clone())
            .collect()
    }

    #[test]
    fn shots_keep_their_order_through_add_move_and_remove() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = open(dir.path());
        let seq = ledger.create_sequence("  Harbour at dawn ").unwrap();
        let a = ledger
            .add_shot(seq, &template("a"), ShotLink::None, None)
            .unwrap();
        let b = ledger
            .add_shot(seq, &template("b"), ShotLink::Keyframe, None)
            .unwrap();
        let c = ledger
            .add_shot(seq, &template("c"), ShotLink::None, Some(1))
            .unwrap();
        let s = ledger.sequence(seq).unwrap();
        assert_eq!(s.name, "Harbour at dawn");
        assert_eq!(prompts(&s), ["c", "a", "b"]);
        assert_eq!(
            s.shots.iter().map(|s| s.position).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        ledger.move_shot(c, 3).unwrap();
        assert_eq!(prompts(&ledger.sequence(seq).unwrap()), ["a", "b", "c"]);
        ledger.move_shot(b, 1).unwrap();
        assert_eq!(prompts(&ledger.sequence(seq).unwrap()), ["b", "a", "c"]);
        ledger.remove_shot(a).unwrap();
        let s = ledger.sequence(seq).unwrap();
        assert_eq!(prompts(&s), ["b", "c"]);
        assert_eq!(s.shots[0].link, ShotLink::Keyframe);
        assert_eq!(
            s.shots.iter().map(|s| s.position).collect::<Vec<_>>(),
            [1, 2]
        );
        let mut edited = template("b, wider");
        edited.duration_secs = 8;
        ledger.edit_shot(b, &edited, ShotLink::None).unwrap();
        let s = ledger.sequence(seq).unwrap();
        assert_eq!(s.shots[0].template, edited);
        assert_eq!(s.shots[0].link, ShotLink::None);
    }

    #[test]
    fn takes_are_linked_in_the_creating_transaction_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let (seq, shot, ids) = {
            let ledger = open(dir.path());
            let seq = ledger.create_sequence("Film").unwrap();
            let shot = ledger
                .add_shot(seq, &template("a"), ShotLink::None, None)
                .unwrap();
            let request = template("a");
            let mut second = request.clone();
            second.seed = Some(7);
            let ids = ledger
                .create_takes(
                    &NewTask {
                        request: &request,
                        estimate_credits: Some(1.0),
                        initial: LocalState::Queued,
                        service: Some("http://x"),
                        duplicate_window_ms: None,
                    },
                    &[request.clone(), second],
                    Some(shot),
                )
                .unwrap();
            ledger.choose_take(shot, Some(ids[1])).unwrap();
            ledger.set_verdict(ids[0], Some(Verdict::Rejected)).unwrap();
            (seq, shot, ids)
        };
        let ledger = open(dir.path());
        let s = ledger.sequence(seq).unwrap();
        let takes: Vec<TaskId> = s.shots[0].takes.iter().map(|t| t.task).collect();
        assert_eq!(takes, ids);
        assert_eq!(s.shots[0].chosen, Some(ids[1]));
        assert_eq!(s.shots[0].film_take().unwrap().task, ids[1]);
        assert_eq!(s.shots[0].takes[0].verdict, Some(Verdict::Rejected));
        assert_eq!(s.shots[0].takes[0].state, LocalState::Queued);
        assert!(s.shots[0].live_take().is_some());
        assert_eq!(ledger.take_group(ids[1]).unwrap(), Some(ids[0]));
        assert_eq!(ledger.group_takes(ids[0]).unwrap(), ids);
        assert_eq!(ledger.get(ids[1]).unwrap().request.seed, Some(7));
        // Only a take of the shot can be chosen.
        let other = ledger
            .create(&template("x"), None, None, LocalState::Draft)
            .unwrap();
        let err = ledger.choose_take(shot, Some(other)).unwrap_err();
        assert!(err.to_string().contains("not a take of shot"), "{err}");
        // Deleting the sequence keeps the paid tasks.
        ledger.delete_sequence(seq).unwrap();
        assert!(ledger.sequence(seq).is_err());
        assert!(ledger.get(ids[0]).is_ok());
        assert!(ledger.sequences().unwrap().is_empty());
    }

    #[test]
    fn every_take_knows_its_place_and_verdict_and_a_repeat_is_refused_in_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = open(dir.path());
        let draft = template("three takes");
        let takes: Vec<GenerationRequest> = (1..=3)
            .map(|seed| GenerationRequest {
                seed: Some(seed),
                ..draft.clone()
            })
            .collect();
        let task = NewTask {
            request: &draft,
            estimate_credits: Some(1.0),
            initial: LocalState::Queued,
            service: Some("http://x"),
            duplicate_window_ms: Some(10_000),
        };
        let TakesCreated::New(ids) = ledger.record_takes(&task, &takes, None).unwrap() else {
            panic!("the first takes are new");
        };
        let alone = ledger
            .create(&template("alone"), None, None, LocalState::Draft)
            .unwrap();
        ledger.set_verdict(ids[1], Some(Verdict::Starred)).unwrap();
        let listed = ledger.list(&ListQuery::default()).unwrap();
        let place = |id: TaskId| listed.iter().find(|t| t.id == id).unwrap().take;
        for (n, id) in ids.iter().enumerate() {
            let want = Some(TakeOf {
                group: ids[0],
                number: n as u32 + 1,
                of: 3,
            });
            assert_eq!(place(*id), want);
            assert_eq!(ledger.get(*id).unwrap().take, want);
        }
        assert_eq!(place(alone), None);
        assert_eq!(ledger.get(ids[1]).unwrap().verdict, Some(Verdict::Starred));
        assert_eq!(ledger.get(ids[0]).unwrap().verdict, None);
        let starred = ListQuery {
            verdict: Some(Verdict::Starred),
            ..ListQuery::default()
        };
        assert_eq!(ledger.count(&starred).unwrap(), 1);
        // The same draft again within the window, as takes or as one task: nothing new.
        match ledger.record_takes(&task, &takes, None).unwrap() {
            TakesCreated::Duplicate { existing, .. } => assert!(ids.contains(&existing)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            ledger.create_new(&task).unwrap(),
            Created::Duplicate { .. }
        ));
        let confirmed = NewTask {
            duplicate_window_ms: None,
            ..task.clone()
        };
        assert!(matches!(
            ledger.record_takes(&confirmed, &takes, None).unwrap(),
            TakesCreated::New(more) if more.len() == 3
        ));
        assert_eq!(ledger.count(&ListQuery::default()).unwrap(), 7);
    }

    #[test]
    fn starred_filter_and_bad_input_name_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = open(dir.path());
        let a = ledger
            .create(&template("a"), None, None, LocalState::Draft)
            .unwrap();
        let b = ledger
            .create(&template("b"), None, None, LocalState::Draft)
            .unwrap();
        ledger.set_verdict(b, Some(Verdict::Starred)).unwrap();
        let starred = ledger
            .list_with_verdict(&ListQuery::default(), Verdict::Starred)
            .unwrap();
        assert_eq!(starred.iter().map(|t| t.id).collect::<Vec<_>>(), [b]);
        ledger.set_verdict(b, None).unwrap();
        ledger.set_verdict(a, Some(Verdict::Starred)).unwrap();
        let starred = ledger
            .list_with_verdict(&ListQuery::default(), Verdict::Starred)
            .unwrap();
        assert_eq!(starred.iter().map(|t| t.id).collect::<Vec<_>>(), [a]);
        assert!(matches!(
            ledger.set_verdict(999, Some(Verdict::Starred)),
            Err(LedgerError::NoSuchTask(999))
        ));
        let err = ledger.create_sequence("   ").unwrap_err();
        assert!(err.to_string().starts_with("name:"), "{err}");
        let err = ledger.rename_sequence(42, "x").unwrap_err();
        assert!(err.to_string().contains("sequence 42"), "{err}");
        let err = ledger.move_shot(42, 1).unwrap_err();
        assert!(err.to_string().contains("shot 42"), "{err}");
    }
}
