//! The gallery's query and its pages over the whole history.

use super::TaskView;
use seedance_core::ledger::LocalState;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Gallery query: text matches the prompt; `states` empty means all.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct GalleryQuery {
    pub text: Option<String>,
    pub states: Vec<String>,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct GalleryPage {
    pub items: Vec<TaskView>,
    /// Matches in all, for the virtual list's height.
    #[ts(type = "number")]
    pub total: u64,
    pub offset: u32,
}

pub fn parse_states(names: &[String]) -> Vec<LocalState> {
    names.iter().filter_map(|n| LocalState::parse(n)).collect()
}
