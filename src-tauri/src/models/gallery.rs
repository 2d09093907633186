//! The gallery's query and its pages over the whole history.

use super::{TaskState, TaskView};
use seedance_core::ledger::{LocalState, Verdict};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Gallery query: text matches the prompt; `states` empty means all.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct GalleryQuery {
    pub text: Option<String>,
    pub states: Vec<TaskState>,
    pub offset: u32,
    pub limit: u32,
    /// Only starred (kept) tasks; absent or `null`: any.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub starred: Option<bool>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct GalleryPage {
    pub items: Vec<TaskView>,
    /// Matches in all, for the virtual list's height.
    #[ts(type = "number")]
    pub total: u64,
    pub offset: u32,
}

impl GalleryQuery {
    /// The states asked for, as the ledger names them.
    pub fn ledger_states(&self) -> Vec<LocalState> {
        self.states.iter().map(|s| LocalState::from(*s)).collect()
    }

    /// The verdict asked for, as the ledger names it.
    pub fn ledger_verdict(&self) -> Option<Verdict> {
        (self.starred == Some(true)).then_some(Verdict::Starred)
    }
}
