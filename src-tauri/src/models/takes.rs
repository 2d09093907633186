//! The shapes of takes and of what a task's support packet gives the window: the text
//! the shell builds (the page only puts it on the clipboard) and whether the task is one
//! the packet is meant for.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A task's support packet as the window shows and copies it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SupportPacketView {
    pub task: i64,
    /// Plain text for the clipboard: the facts first, then the request and the history.
    pub text: String,
    /// Failed, stuck, unknown, vanished or a result that does not match its request.
    pub support_case: bool,
}
