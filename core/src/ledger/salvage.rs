//! Salvage of a damaged ledger beyond its task rows: sequences (shots, takes, chosen
//! takes, films), take groups, verdicts and the prompt library. Read from the last good
//! copy and from the damaged file's readable rows (newer, so they win), and written into
//! the fresh ledger after its tasks, so links to tasks can be checked.
//!
//! What must hold: nothing is invented. A row is brought back only as it was stored; a
//! take, group or verdict whose task was not recovered is left out, a chosen take that was
//! not recovered is unset, and each of these is counted in the report. Rows of the last
//! good copy are used for a table only when the damaged file's table could not be read to
//! its end: otherwise a row missing from the damaged file was deleted there.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, Transaction};
use serde::{Deserialize, Serialize};

use super::{TaskId, SALVAGE_PROBE_CAP};

/// What came back of the records other than tasks, and what did not.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SalvagedRecords {
    pub sequences: u32,
    pub shots: u32,
    pub takes: u32,
    /// Shots whose chosen take came back with them.
    pub chosen_takes: u32,
    pub films: u32,
    /// Tasks back in their take group.
    pub take_groups: u32,
    pub verdicts: u32,
    /// Saved prompts and snippets.
    pub saved_prompts: u32,
    /// Sentences naming what could not be brought back; empty when everything could.
    pub not_restored: Vec<String>,
}

impl SalvagedRecords {
    pub fn is_empty(&self) -> bool {
        self.sequences
            + self.shots
            + self.films
            + self.take_groups
            + self.verdicts
            + self.saved_prompts
            == 0
    }
}

/// One table: its columns as stored, the columns that identify a row, and which of
/// them (if any) names a task.
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    key: &'static [&'static str],
    task_column: Option<&'static str>,
    what: &'static str,
}

/// Parents before children (foreign keys are on in the fresh ledger).
const TABLES: &[Table] = &[
    Table {
        name: "prompt_library",
        columns: &[
            "id",
            "name",
            "kind",
            "text",
            "created_at_ms",
            "updated_at_ms",
        ],
        key: &["id"],
        task_column: None,
        what: "saved prompt(s)",
    },
    Table {
        name: "sequences",
        columns: &["id", "name", "created_at_ms", "updated_at_ms"],
        key: &["id"],
        task_column: None,
        what: "sequence(s)",
    },
    Table {
        name: "sequence_shots",
        columns: &[
            "id",
            "sequence_id",
            "position",
            "template",
            "link",
            "chosen_task",
        ],
        key: &["id"],
        task_column: None,
        what: "shot(s)",
    },
    Table {
        name: "shot_takes",
        columns: &["shot_id", "task_id"],
        key: &["shot_id", "task_id"],
        task_column: Some("task_id"),
        what: "take(s)",
    },
    Table {
        name: "sequence_films",
        columns: &[
            "id",
            "sequence_id",
            "path",
            "takes",
            "lossless",
            "made_at_ms",
        ],
        key: &["id"],
        task_column: None,
        what: "film(s)",
    },
    Table {
        name: "take_groups",
        columns: &["task_id", "group_id"],
        key: &["task_id"],
        task_column: Some("task_id"),
        what: "take group entries",
    },
    Table {
        name: "task_verdicts",
        columns: &["task_id", "verdict"],
        key: &["task_id"],
        task_column: Some("task_id"),
        what: "verdict(s)",
    },
];

/// The rows of one table read from one file, by key.
struct TableRead {
    rows: BTreeMap<String, Vec<Value>>,
    /// The table was read to its end (or the file does not have it).
    complete: bool,
}

fn open_read_only(path: &Path) -> Option<Connection> {
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .ok()
}

fn key_of(table: &Table, values: &[Value]) -> String {
    table
        .key
        .iter()
        .filter_map(|k| table.columns.iter().position(|c| c == k))
        .map(|i| format!("{:?}", values.get(i)))
        .collect::<Vec<_>>()
        .join("|")
}

/// Every row of `table` in `conn` that reads whole: a scan, then (with `probe`) rowids
/// one at a time up to the highest the file knows, so rows after a damaged page are
/// found too.
fn read_table(conn: Option<&Connection>, table: &Table, probe: bool) -> TableRead {
    let Some(conn) = conn else {
        return TableRead {
            rows: BTreeMap::new(),
            complete: false,
        };
    };
    let exists = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table.name],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0);
    match exists {
        Ok(false) => {
            return TableRead {
                rows: BTreeMap::new(),
                complete: true,
            }
        }
        Err(_) => {
            return TableRead {
                rows: BTreeMap::new(),
                complete: false,
            }
        }
        Ok(true) => {}
    }
    let columns = table.columns.join(", ");
    let width = table.columns.len();
    let decode = |row: &rusqlite::Row<'_>| -> rusqlite::Result<Vec<Value>> {
        (0..width).map(|n| row.get::<_, Value>(n)).collect()
    };
    let mut rows = BTreeMap::new();
    let mut complete = false;
    if let Ok(mut stmt) = conn.prepare(&format!(
        "SELECT {columns} FROM {} ORDER BY rowid",
        table.name
    )) {
        if let Ok(found) = stmt.query_map([], decode) {
            complete = true;
            for row in found {
                match row {
                    Ok(values) => {
                        rows.insert(key_of(table, &values), values);
                    }
                    Err(_) => {
                        complete = false;
                        break;
                    }
                }
            }
        }
    }
    if probe && !complete {
        let highest = highest_row_to_probe(conn, table.name, "rowid");
        if let Ok(mut stmt) = conn.prepare(&format!(
            "SELECT {columns} FROM {} WHERE rowid = ?1",
            table.name
        )) {
            for rowid in 1..=highest {
                if let Ok(values) = stmt.query_row([rowid], decode) {
                    rows.insert(key_of(table, &values), values);
                }
            }
        }
    }
    TableRead { rows, complete }
}

/// Brings the records of [`TABLES`] back into `tx` from `backup` (when readable as
/// ours) and `damaged`, given the tasks already recovered.
pub(super) fn restore_records(
    tx: &Transaction<'_>,
    backup: Option<&Path>,
    damaged: &Path,
    tasks: &HashSet<TaskId>,
) -> SalvagedRecords {
    let backup = backup.and_then(open_read_only);
    let damaged = open_read_only(damaged);
    let mut report = SalvagedRecords::default();
    for table in TABLES {
        let from_damaged = read_table(damaged.as_ref(), table, true);
        let mut rows = if from_damaged.complete {
            BTreeMap::new()
        } else {
            read_table(backup.as_ref(), table, false).rows
        };
        rows.extend(from_damaged.rows);
        if !from_damaged.complete && rows.is_empty() && damaged.is_some() {
            report.not_restored.push(format!(
                "no {} could be read from the damaged file",
                table.what
            ));
        }
        let marks: Vec<String> = (1..=table.columns.len()).map(|n| format!("?{n}")).collect();
        let insert = format!(
            "INSERT OR REPLACE INTO {} ({}) VALUES ({})",
            table.name,
            table.columns.join(", "),
            marks.join(", ")
        );
        let task_at = table
            .task_column
            .and_then(|c| table.columns.iter().position(|x| *x == c));
        let (mut restored, mut orphaned, mut failed) = (0u32, 0u32, 0u32);
        for values in rows.values() {
            if let Some(i) = task_at {
                let known = matches!(values.get(i), Some(Value::Integer(id)) if tasks.contains(id));
                if !known {
                    orphaned += 1;
                    continue;
                }
            }
            match tx.execute(&insert, rusqlite::params_from_iter(values.iter())) {
                Ok(_) => restored += 1,
                Err(_) => failed += 1,
            }
        }
        if orphaned > 0 {
            report.not_restored.push(format!(
                "{orphaned} {} of tasks that could not be recovered",
                table.what
            ));
        }
        if failed > 0 {
            report.not_restored.push(format!(
                "{failed} {} that no longer fit (their sequence or shot was lost)",
                table.what
            ));
        }
        match table.name {
            "prompt_library" => report.saved_prompts = restored,
            "sequences" => report.sequences = restored,
            "sequence_shots" => report.shots = restored,
            "shot_takes" => report.takes = restored,
            "sequence_films" => report.films = restored,
            "take_groups" => report.take_groups = restored,
            _ => report.verdicts = restored,
        }
    }
    // A chosen take must be a take of the shot that was recovered.
    let unset = tx
        .execute(
            "UPDATE sequence_shots SET chosen_task = NULL WHERE chosen_task IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM shot_takes
                    WHERE shot_takes.shot_id = sequence_shots.id
                        AND shot_takes.task_id = sequence_shots.chosen_task)",
            [],
        )
        .unwrap_or(0);
    if unset > 0 {
        report
            .not_restored
            .push(format!("the chosen take of {unset} shot(s)"));
    }
    report.chosen_takes = tx
        .query_row(
            "SELECT COUNT(*) FROM sequence_shots WHERE chosen_task IS NOT NULL",
            [],
            |r| r.get::<_, i64>(0),
        )
        .ok()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0);
    report
}

/// The highest key a damaged `table` may hold, for reading its rows one at a time: what
/// its AUTOINCREMENT counter or its highest readable `key` says, whichever is more, and
/// never more than [`SALVAGE_PROBE_CAP`] (a damaged counter could say anything).
pub(super) fn highest_row_to_probe(conn: &Connection, table: &str, key: &str) -> i64 {
    [
        format!("SELECT seq FROM sqlite_sequence WHERE name = '{table}'"),
        format!("SELECT MAX({key}) FROM {table}"),
    ]
    .iter()
    .filter_map(|sql| {
        conn.query_row(sql, [], |r| r.get::<_, Option<i64>>(0))
            .ok()
            .flatten()
    })
    .max()
    .unwrap_or(0)
    .min(SALVAGE_PROBE_CAP)
}
