//! What the engine tells the window, one `app-event` at a time.

use super::TaskView;
use serde::Serialize;
use ts_rs::TS;

/// One engine event as the webview receives it on the `app-event` channel.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AppEvent {
    TaskChanged {
        task: Box<TaskView>,
    },
    UploadProgress {
        #[ts(type = "number")]
        task_id: i64,
        /// Position of the reference in the request.
        reference: u32,
        #[ts(type = "number")]
        sent: u64,
        #[ts(type = "number")]
        total: u64,
    },
    DownloadProgress {
        #[ts(type = "number")]
        task_id: i64,
        #[ts(type = "number")]
        received: u64,
        #[ts(type = "number | null")]
        total: Option<u64>,
    },
    QueueChanged {
        #[ts(type = "number[]")]
        queued: Vec<i64>,
        running: u32,
        limit: Option<u32>,
    },
    PollingPaused {
        reason: String,
    },
    PollingResumed,
    /// The engine's view of the key changed (working, missing, refused by the service,
    /// keychain unreadable).
    KeyStateChanged {
        key: super::EngineKeyState,
    },
    /// The window's close button was pressed while work is in flight: the window says
    /// what happens next and asks (`app_close` goes on; `app_keep_open` stays).
    CloseAsked {
        /// Videos the service is making (or sends on the wire): fetched at the next start.
        still_making: u32,
        /// Tasks still in the local queue: sent at the next start.
        queued: u32,
    },
    /// The app is closing: the engine stops, waiting for createTask answers on the wire
    /// (`finishing_sends` events follow).
    Closing {
        still_making: u32,
        queued: u32,
    },
    /// Closing waits for createTask answers so their task ids are recorded: `remaining`
    /// are still on the wire (0 when done).
    FinishingSends {
        remaining: u32,
    },
    /// A finished video could not be put in the library; it stays playable from the
    /// service and can be downloaded again once the cause is fixed.
    DownloadFailed {
        #[ts(type = "number")]
        task_id: i64,
        /// True when the library folder is the problem (full, read-only, not a folder):
        /// the fix is in Settings.
        library_folder: bool,
        /// What went wrong and what to do, for the creator.
        message: String,
    },
}
