//! The prompt library and the spend history, as the window reads them.

use seedance_core::ledger::{PastPrompt, PromptKind, SavedPrompt, SpendReport};
use seedance_core::model::Catalog;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

mirror_core_enum! {
    /// A whole prompt, or a piece (a style, a camera move) to insert into one.
    pub enum SavedPromptKind mirrors PromptKind {
        Prompt,
        Snippet,
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SavedPromptView {
    pub name: String,
    pub kind: SavedPromptKind,
    pub text: String,
    #[ts(type = "number")]
    pub updated_at_ms: i64,
}

impl From<SavedPrompt> for SavedPromptView {
    fn from(p: SavedPrompt) -> SavedPromptView {
        SavedPromptView {
            name: p.name,
            kind: p.kind.into(),
            text: p.text,
            updated_at_ms: p.updated_at_ms,
        }
    }
}

/// A past task's prompt found by a search.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PastPromptView {
    #[ts(type = "number")]
    pub task_id: i64,
    pub prompt: String,
    pub model_label: String,
    #[ts(type = "number")]
    pub created_at_ms: i64,
    pub uses: u32,
}

impl From<PastPrompt> for PastPromptView {
    fn from(p: PastPrompt) -> PastPromptView {
        PastPromptView {
            task_id: p.task_id,
            model_label: model_label(&p.model),
            prompt: p.prompt,
            created_at_ms: p.created_at_ms,
            uses: p.uses,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PromptImportView {
    pub added: u32,
    pub unchanged: u32,
    /// Names already saved with other text: the creator's own text was kept.
    pub kept_existing: Vec<String>,
}

/// One model's spending on one day.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SpendRowView {
    /// `YYYY-MM-DD`, in the creator's time zone.
    pub day: String,
    pub model_label: String,
    pub tasks: u32,
    pub reserved: f64,
    pub settled: f64,
    pub refunded: f64,
    pub held: f64,
}

/// Spending over the last `days` days.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SpendView {
    pub days: u32,
    /// The first day of the period, `YYYY-MM-DD`.
    pub first_day: String,
    pub rows: Vec<SpendRowView>,
    pub reserved: f64,
    pub settled: f64,
    pub refunded: f64,
    pub held: f64,
    /// The balance a 402 answer last stated, and when.
    pub last_balance: Option<f64>,
    #[ts(type = "number | null")]
    pub last_balance_at_ms: Option<i64>,
}

impl SpendView {
    pub fn new(days: u32, first_day: String, report: SpendReport) -> SpendView {
        let (reserved, settled, refunded, held) = report.totals();
        SpendView {
            days,
            first_day,
            rows: report
                .rows
                .into_iter()
                .map(|r| SpendRowView {
                    model_label: model_label(&r.model),
                    day: r.day,
                    tasks: r.tasks,
                    reserved: r.reserved,
                    settled: r.settled,
                    refunded: r.refunded,
                    held: r.held,
                })
                .collect(),
            reserved,
            settled,
            refunded,
            held,
            last_balance: report.last_balance.map(|b| b.credits),
            last_balance_at_ms: report.last_balance.map(|b| b.at_ms),
        }
    }
}

/// The catalogue's label for a wire id; the id itself for a model this build does not
/// know (a task made by a newer version).
fn model_label(wire_id: &str) -> String {
    let catalog = Catalog::shipped();
    catalog
        .id(wire_id)
        .and_then(|id| catalog.model(id))
        .map_or_else(|| wire_id.to_owned(), |m| m.label.clone())
}
