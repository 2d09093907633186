//! Closing the app without abandoning a request that may be paid: the window's close
//! button, SIGTERM/SIGINT and the window's own "Close" all lead here. The engine's draining
//! stop (`EngineHandle::shutdown`) waits for createTask answers on the wire while the
//! window stays up and says "Finishing sending N tasks…" (the engine's `FinishingSends`
//! events); then the ledger records its clean close and the app exits.
//!
//! Owns the close sequence and its one-way phases; it decides nothing about tasks. Must
//! hold: the app exits only after the stop returned (or a second request cut it short
//! with `stop_now`, which leaves cut-off sends as outcome unknown, never resent).

use crate::events::APP_EVENT;
use crate::models::AppEvent;
use crate::state::AppState;
use seedance_core::ledger::{ListQuery, LocalState};
use std::sync::Mutex;
use tauri::{AppHandle, Emitter, Manager, Runtime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Open,
    /// The window was told what is still being made and asked; a second close goes on.
    Asked,
    /// The engine is stopping; a second request stops it at once.
    Draining,
    /// Stopped and recorded: the app may exit.
    Done,
}

/// The close sequence's phase, managed by the app.
pub struct Closing {
    phase: Mutex<Phase>,
}

impl Default for Closing {
    fn default() -> Closing {
        Closing {
            phase: Mutex::new(Phase::Open),
        }
    }
}

/// What is still moving when a close is asked for: videos the service is making (and
/// sends on the wire), and tasks still in the local queue.
fn work_in_flight(state: &AppState) -> (u32, u32) {
    let count = |states: Vec<LocalState>| {
        state
            .ledger
            .count(&ListQuery {
                states,
                ..ListQuery::default()
            })
            .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
    };
    (
        count(vec![
            LocalState::Submitting,
            LocalState::Waiting,
            LocalState::Generating,
        ]),
        count(vec![LocalState::Queued]),
    )
}

fn emit<R: Runtime>(app: &AppHandle<R>, event: AppEvent) {
    if let Err(error) = app.emit(APP_EVENT, event) {
        log::warn!("could not tell the window about closing: {error}");
    }
}

/// A request to close. `ask_first` (the window's close button) lets the window say what
/// is still being made before anything stops; a signal or the window's own "Close" does
/// not ask. Returns true when the caller must keep the window (and the app) open for now.
pub fn request<R: Runtime>(app: &AppHandle<R>, ask_first: bool) -> bool {
    let Some(closing) = app.try_state::<Closing>() else {
        return false;
    };
    let Some(state) = app.try_state::<AppState>() else {
        // Setup failed: there is no engine to stop.
        return false;
    };
    let mut phase = closing.phase.lock().unwrap_or_else(|p| p.into_inner());
    match *phase {
        Phase::Done => false,
        Phase::Draining => {
            // A second request: stop waiting for answers (their tasks become outcome
            // unknown, never resent without the creator).
            log::warn!("asked again to close: no longer waiting for createTask answers");
            let engine = state.engine();
            tauri::async_runtime::spawn(async move {
                engine.stop_now().await;
            });
            true
        }
        Phase::Open if ask_first => {
            let (still_making, queued) = work_in_flight(&state);
            if still_making + queued == 0 {
                *phase = Phase::Draining;
                drain(app.clone());
            } else {
                *phase = Phase::Asked;
                emit(
                    app,
                    AppEvent::CloseAsked {
                        still_making,
                        queued,
                    },
                );
            }
            true
        }
        Phase::Open | Phase::Asked => {
            *phase = Phase::Draining;
            drain(app.clone());
            true
        }
    }
}

/// The window's "Keep working" after [`request`] asked: the next close asks again.
pub fn keep_open<R: Runtime>(app: &AppHandle<R>) {
    if let Some(closing) = app.try_state::<Closing>() {
        let mut phase = closing.phase.lock().unwrap_or_else(|p| p.into_inner());
        if *phase == Phase::Asked {
            *phase = Phase::Open;
        }
    }
}

/// Whether the app has stopped the engine and may exit.
pub fn done<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.try_state::<Closing>().is_none_or(|closing| {
        *closing.phase.lock().unwrap_or_else(|p| p.into_inner()) == Phase::Done
    })
}

fn drain<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        if let Some(state) = app.try_state::<AppState>() {
            let (still_making, queued) = work_in_flight(&state);
            emit(
                &app,
                AppEvent::Closing {
                    still_making,
                    queued,
                },
            );
            let report = state.engine().shutdown().await;
            if !report.finished_sending.is_empty() || !report.left_unknown.is_empty() {
                log::info!(
                    "closing: {} send(s) finished and recorded, {} left as outcome unknown",
                    report.finished_sending.len(),
                    report.left_unknown.len()
                );
            }
            // Nothing writes any more: the next start can skip the full integrity check
            // of the history (anything written after this makes it run).
            if let Err(error) = state.ledger.close_cleanly() {
                log::warn!("the clean close could not be recorded: {error}");
            }
        }
        if let Some(closing) = app.try_state::<Closing>() {
            *closing.phase.lock().unwrap_or_else(|p| p.into_inner()) = Phase::Done;
        }
        app.exit(0);
    });
}
