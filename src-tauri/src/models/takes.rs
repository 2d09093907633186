//! The shapes of takes and of what a task's support packet gives the window: the text
//! the shell builds (the page only puts it on the clipboard) and whether the task is one
//! the packet is meant for.

use seedance_core::ledger::{TakeOf, Verdict};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A task's place among the takes made with it from one request ("Take 2 of 3").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct TakeOfView {
    /// The group's id: the first take's task id.
    #[ts(type = "number")]
    pub group: i64,
    pub number: u32,
    pub of: u32,
}

impl From<TakeOf> for TakeOfView {
    fn from(t: TakeOf) -> TakeOfView {
        TakeOfView {
            group: t.group,
            number: t.number,
            of: t.of,
        }
    }
}

/// The creator's verdict on a take: starred (kept) or rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TakeVerdict {
    Starred,
    Rejected,
}

impl From<Verdict> for TakeVerdict {
    fn from(v: Verdict) -> TakeVerdict {
        match v {
            Verdict::Starred => TakeVerdict::Starred,
            Verdict::Rejected => TakeVerdict::Rejected,
        }
    }
}

impl From<TakeVerdict> for Verdict {
    fn from(v: TakeVerdict) -> Verdict {
        match v {
            TakeVerdict::Starred => Verdict::Starred,
            TakeVerdict::Rejected => Verdict::Rejected,
        }
    }
}

/// A task's support packet as the window shows and copies it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SupportPacketView {
    pub task: i64,
    /// Plain text for the clipboard: the facts first, then the request and the history.
    pub text: String,
    /// Failed, stuck, unknown, vanished or a result that does not match its request.
    pub support_case: bool,
}
