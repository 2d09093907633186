//! The prompt library: prompts and snippets (a style, a camera move) the creator saved
//! under a name, kept in the task history's database so they travel and are backed up with
//! it, plus search over the prompts of past tasks. Export and import use one JSON file
//! (`seedance-prompts` format, version 1), written atomically.
//!
//! Invariants: a name is unique without regard to letter case; saving under an existing
//! name replaces the text only when the caller says so; nothing here touches a task.

use super::{Ledger, LedgerError};
use crate::files::write_atomically;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Longest name: it is a menu label.
pub const PROMPT_NAME_MAX_CHARS: usize = 80;
/// Longest text: the longest prompt any model takes (Seedance 2.5, service-api §12).
pub const PROMPT_TEXT_MAX_CHARS: usize = 30_000;

/// Version 2 → 3: the prompt library.
pub(super) const MIGRATE_PROMPT_LIBRARY: &str = "
CREATE TABLE IF NOT EXISTS prompt_library (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind          TEXT NOT NULL,
    text          TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
";

/// What a saved entry is for: a whole prompt, or a piece to insert into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptKind {
    Prompt,
    Snippet,
}

impl PromptKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PromptKind::Prompt => "prompt",
            PromptKind::Snippet => "snippet",
        }
    }

    fn parse(s: &str) -> PromptKind {
        // Anything but "snippet" reads as a whole prompt: a file from a newer version with
        // a kind this one does not know still inserts as text.
        if s == "snippet" {
            PromptKind::Snippet
        } else {
            PromptKind::Prompt
        }
    }
}

/// One saved prompt or snippet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPrompt {
    pub name: String,
    pub kind: PromptKind,
    pub text: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// A past task's prompt, found by [`Ledger::search_past_prompts`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PastPrompt {
    /// The newest task that used these exact words.
    pub task_id: i64,
    pub prompt: String,
    pub model: String,
    pub created_at_ms: i64,
    /// How many tasks used these exact words.
    pub uses: u32,
}

/// The export file.
#[derive(Debug, Serialize, Deserialize)]
struct PromptFile {
    format: String,
    version: u32,
    prompts: Vec<SavedPrompt>,
}

const FILE_FORMAT: &str = "seedance-prompts";
const FILE_VERSION: u32 = 1;

/// What [`Ledger::import_prompts`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub added: usize,
    /// Names already in the library with other text: kept as they were.
    pub kept_existing: Vec<String>,
    /// Names already in the library with the same text.
    pub unchanged: usize,
}

fn check_entry(name: &str, text: &str) -> Result<(), LedgerError> {
    let name_chars = name.trim().chars().count();
    if name_chars == 0 {
        return Err(LedgerError::Invalid(
            "The name is empty. Give the prompt a short name to find it by.".into(),
        ));
    }
    if name_chars > PROMPT_NAME_MAX_CHARS {
        return Err(LedgerError::Invalid(format!(
            "The name is {name_chars} characters long; names can be at most \
             {PROMPT_NAME_MAX_CHARS}. Shorten it."
        )));
    }
    if text.trim().is_empty() {
        return Err(LedgerError::Invalid(
            "The text is empty. Type the prompt or snippet to save.".into(),
        ));
    }
    let text_chars = text.chars().count();
    if text_chars > PROMPT_TEXT_MAX_CHARS {
        return Err(LedgerError::Invalid(format!(
            "The text is {text_chars} characters long; the longest prompt any model takes \
             is {PROMPT_TEXT_MAX_CHARS}. Shorten it by {} characters.",
            text_chars - PROMPT_TEXT_MAX_CHARS
        )));
    }
    Ok(())
}

fn saved_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SavedPrompt> {
    Ok(SavedPrompt {
        name: row.get(0)?,
        kind: PromptKind::parse(&row.get::<_, String>(1)?),
        text: row.get(2)?,
        created_at_ms: row.get(3)?,
        updated_at_ms: row.get(4)?,
    })
}

/// `%word%` for LIKE, with LIKE's own wildcards taken literally.
fn like_pattern(word: &str) -> String {
    let escaped = word
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Ledger {
    /// Saves `text` under `name`. An existing name (in any letter case) is an error
    /// unless `replace`, which keeps its creation time.
    pub fn save_prompt(
        &self,
        name: &str,
        kind: PromptKind,
        text: &str,
        replace: bool,
    ) -> Result<SavedPrompt, LedgerError> {
        check_entry(name, text)?;
        let name = name.trim();
        let now = self.now_ms();
        self.write(|tx| {
            let existing: Option<String> = tx
                .query_row(
                    "SELECT name FROM prompt_library WHERE name = ?1",
                    [name],
                    |row| row.get(0),
                )
                .optional()?;
            match existing {
                Some(existing) if !replace => Err(LedgerError::Invalid(format!(
                    "There is already a saved prompt called “{existing}”. Choose another \
                     name, or replace it."
                ))),
                Some(_) => {
                    tx.execute(
                        "UPDATE prompt_library SET name = ?1, kind = ?2, text = ?3,
                            updated_at_ms = ?4 WHERE name = ?1",
                        params![name, kind.as_str(), text, now],
                    )?;
                    Ok(())
                }
                None => {
                    tx.execute(
                        "INSERT INTO prompt_library (name, kind, text, created_at_ms,
                            updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?4)",
                        params![name, kind.as_str(), text, now],
                    )?;
                    Ok(())
                }
            }
        })?;
        self.saved_prompt(name)?
            .ok_or_else(|| LedgerError::Invalid(format!("“{name}” was not saved.")))
    }

    /// The entry called `name` (any letter case).
    pub fn saved_prompt(&self, name: &str) -> Result<Option<SavedPrompt>, LedgerError> {
        let conn = self.reader();
        Ok(conn
            .query_row(
                "SELECT name, kind, text, created_at_ms, updated_at_ms FROM prompt_library
                 WHERE name = ?1",
                [name.trim()],
                saved_from_row,
            )
            .optional()?)
    }

    /// Saved entries whose name or text contains every word of `query` (any case),
    /// by name; all of them for an empty query.
    pub fn saved_prompts(&self, query: &str) -> Result<Vec<SavedPrompt>, LedgerError> {
        let words: Vec<String> = query.split_whitespace().map(like_pattern).collect();
        let mut sql = String::from(
            "SELECT name, kind, text, created_at_ms, updated_at_ms FROM prompt_library WHERE 1",
        );
        for i in 1..=words.len() {
            sql.push_str(&format!(
                " AND (name LIKE ?{i} ESCAPE '\\' OR text LIKE ?{i} ESCAPE '\\')"
            ));
        }
        sql.push_str(" ORDER BY name COLLATE NOCASE");
        let conn = self.reader();
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(words.iter()), saved_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Removes the entry called `name`; false when there was none.
    pub fn delete_saved_prompt(&self, name: &str) -> Result<bool, LedgerError> {
        let removed = self.write(|tx| {
            Ok(tx.execute("DELETE FROM prompt_library WHERE name = ?1", [name.trim()])?)
        })?;
        Ok(removed > 0)
    }

    /// Past tasks' prompts containing every word of `query` (any case), newest first, each
    /// distinct prompt once, at most `limit`.
    pub fn search_past_prompts(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<PastPrompt>, LedgerError> {
        let words: Vec<String> = query.split_whitespace().map(like_pattern).collect();
        let mut sql = String::from(
            "SELECT MAX(id), prompt, model, MAX(created_at_ms), COUNT(*) FROM tasks WHERE 1",
        );
        for i in 1..=words.len() {
            sql.push_str(&format!(" AND prompt LIKE ?{i} ESCAPE '\\'"));
        }
        sql.push_str(&format!(
            " GROUP BY prompt ORDER BY MAX(created_at_ms) DESC, MAX(id) DESC LIMIT {}",
            i64::try_from(limit).unwrap_or(i64::MAX)
        ));
        let conn = self.reader();
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(words.iter()), |row| {
            Ok(PastPrompt {
                task_id: row.get(0)?,
                prompt: row.get(1)?,
                model: row.get(2)?,
                created_at_ms: row.get(3)?,
                uses: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Writes every saved entry to `path` (complete or not at all).
    pub fn export_prompts(&self, path: &Path) -> Result<usize, LedgerError> {
        let prompts = self.saved_prompts("")?;
        let count = prompts.len();
        let file = PromptFile {
            format: FILE_FORMAT.into(),
            version: FILE_VERSION,
            prompts,
        };
        let json = serde_json::to_vec_pretty(&file)
            .map_err(|e| LedgerError::Invalid(format!("the prompts could not be written: {e}")))?;
        write_atomically(path, &json).map_err(|source| LedgerError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(count)
    }

    /// Adds the entries of an exported file. A name already in the library keeps its text
    /// (reported), so an import never overwrites the creator's work. The whole file is
    /// checked before anything is added.
    pub fn import_prompts(&self, path: &Path) -> Result<ImportReport, LedgerError> {
        let bytes = std::fs::read(path).map_err(|source| LedgerError::Io {
            path: path.to_owned(),
            source,
        })?;
        let not_ours = || {
            LedgerError::Invalid(format!(
                "{} is not a prompt library file exported by Seedance Studio. Choose a file \
                 saved with “Export prompts”.",
                path.display()
            ))
        };
        let file: PromptFile = serde_json::from_slice(&bytes).map_err(|_| not_ours())?;
        if file.format != FILE_FORMAT {
            return Err(not_ours());
        }
        if file.version > FILE_VERSION {
            return Err(LedgerError::Invalid(format!(
                "{} was exported by a newer version of Seedance Studio (format {}). Update \
                 the app to import it.",
                path.display(),
                file.version
            )));
        }
        for entry in &file.prompts {
            check_entry(&entry.name, &entry.text).map_err(|e| {
                LedgerError::Invalid(format!("In the file, “{}”: {e}", entry.name.trim()))
            })?;
        }
        let now = self.now_ms();
        self.write(|tx| {
            let mut report = ImportReport::default();
            for entry in &file.prompts {
                let name = entry.name.trim();
                let existing: Option<String> = tx
                    .query_row(
                        "SELECT text FROM prompt_library WHERE name = ?1",
                        [name],
                        |row| row.get(0),
                    )
                    .optional()?;
                match existing {
                    Some(text) if text == entry.text => report.unchanged += 1,
                    Some(_) => report.kept_existing.push(name.to_owned()),
                    None => {
                        tx.execute(
                            "INSERT INTO prompt_library (name, kind, text, created_at_ms,
                                updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                            params![
                                name,
                                entry.kind.as_str(),
                                entry.text,
                                entry.created_at_ms,
                                now
                            ],
                        )?;
                        report.added += 1;
                    }
                }
            }
            Ok(report)
        })
    }
}
