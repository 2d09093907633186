//! What Extend and Edit on a finished video cross IPC with: the change asked for and the
//! price both ways (reserved now, settled after success).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What to make of a finished video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ClipChange {
    /// New footage that follows it, `seconds` long (`seedance2-5-extend`).
    Extend,
    /// The same motion and length with what the prompt asks changed (`seedance2-5-edit`).
    Edit,
}

/// The price of an Extend or Edit before anything is sent.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ClipChangeQuote {
    /// Credits reserved when it is sent.
    pub reserved_credits: f64,
    /// Credits the service settles at after success (what the spending cap counts); the
    /// reserved figure when the price does not change after success.
    pub settled_credits: f64,
    /// "reserves 175 credits now, about 525 when done".
    pub label: String,
    /// Why it cannot be sent as it is (empty when it can).
    pub problems: Vec<String>,
    /// What the creator should know but may send anyway.
    pub warnings: Vec<String>,
}

/// A clip made from a finished video, as its details list it (the reverse of a task's
/// `source_task`).
#[derive(Debug, Clone, Serialize, TS)]
pub struct MadeFromClip {
    #[ts(type = "number")]
    pub id: i64,
    /// `extension`, `edit`, or `continuation` (a clip started from its last frame).
    pub kind: MadeFromKind,
    pub state: super::TaskState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MadeFromKind {
    Extension,
    Edit,
    Continuation,
}
