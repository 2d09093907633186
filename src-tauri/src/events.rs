//! The engine's event port, implemented with Tauri events: every `EngineEvent` goes to
//! the webview as one `app-event`, and a task that finishes or fails while the window is
//! not focused also raises a desktop notification (when the creator allows them).
//!
//! Owns nothing but the forwarding; it must return quickly (it runs on the scheduler).

use crate::models::{AppEvent, EngineKeyState, TaskView};
use seedance_core::engine::{EngineEvent, EventSink};
use seedance_core::ledger::LocalState;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

/// The channel name the UI listens on.
pub const APP_EVENT: &str = "app-event";

pub struct TauriEvents<R: Runtime> {
    app: AppHandle<R>,
    notify: Arc<AtomicBool>,
}

impl<R: Runtime> TauriEvents<R> {
    pub fn new(app: AppHandle<R>, notify: Arc<AtomicBool>) -> TauriEvents<R> {
        TauriEvents { app, notify }
    }

    fn window_focused(&self) -> bool {
        self.app
            .get_webview_window("main")
            .and_then(|w| w.is_focused().ok())
            .unwrap_or(false)
    }

    fn maybe_notify(&self, task: &TaskView, state: LocalState) {
        let (title, body) = match state {
            LocalState::Downloaded => ("Your video is ready", task.prompt.as_str()),
            LocalState::Failed => (
                "A generation failed",
                "Open Seedance Studio to see what to do next.",
            ),
            LocalState::SubmissionUnknown => (
                "A generation needs your decision",
                "The connection broke while sending it. Open Seedance Studio to decide.",
            ),
            _ => return,
        };
        if !self.notify.load(Ordering::Relaxed) || self.window_focused() {
            return;
        }
        let body: String = body.chars().take(120).collect();
        if let Err(error) = self
            .app
            .notification()
            .builder()
            .title(title)
            .body(body)
            .show()
        {
            log::info!("could not show a notification: {error}");
        }
    }
}

impl<R: Runtime> EventSink for TauriEvents<R> {
    fn emit(&self, event: EngineEvent) {
        let payload = match event {
            EngineEvent::TaskChanged { task } => {
                let view = TaskView::from_summary(&task);
                self.maybe_notify(&view, task.state);
                AppEvent::TaskChanged {
                    task: Box::new(view),
                }
            }
            EngineEvent::UploadProgress {
                task_id,
                reference,
                sent,
                total,
            } => AppEvent::UploadProgress {
                task_id,
                reference: u32::try_from(reference).unwrap_or(u32::MAX),
                sent,
                total,
            },
            EngineEvent::DownloadProgress {
                task_id,
                received,
                total,
                ..
            } => AppEvent::DownloadProgress {
                task_id,
                received,
                total,
            },
            EngineEvent::QueueChanged {
                queued,
                running,
                limit,
            } => AppEvent::QueueChanged {
                queued,
                running,
                limit,
            },
            EngineEvent::PollingPaused { reason } => AppEvent::PollingPaused { reason },
            EngineEvent::PollingResumed => AppEvent::PollingResumed,
            EngineEvent::DownloadFailed {
                task_id,
                disk_problem,
                message,
            } => AppEvent::DownloadFailed {
                task_id,
                library_folder: disk_problem.is_some(),
                message,
            },
            // Newer engine events the window does not show yet.
            EngineEvent::HistoryWriteFailed { message, .. } => {
                log::error!("{message}");
                return;
            }
            EngineEvent::KeyStateChanged { key } => AppEvent::KeyStateChanged {
                key: EngineKeyState::from(&key),
            },
            EngineEvent::FinishingSends { remaining } => AppEvent::FinishingSends { remaining },
        };
        if let Err(error) = self.app.emit(APP_EVENT, payload) {
            log::warn!("could not send an event to the window: {error}");
        }
    }
}
