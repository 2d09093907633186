//! The IPC commands, one file per domain. Each is a few lines: call the core, map the
//! result into `models` and the error into `IpcError`.

pub mod account;
pub mod compose;
pub mod gallery;
pub mod key;
pub mod references;
pub mod settings;
pub mod tasks;

use crate::error::{IpcError, IpcResult};
use seedance_core::ledger::{Ledger, TaskEntry, TaskId};

/// Runs blocking work (keychain, ledger, disk) off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> IpcResult<T> + Send + 'static,
) -> IpcResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(IpcError::from)?
}

/// One task of the history: `not_found` when it is not there, `storage` when the history
/// cannot be read (a failing disk must not pass for a deleted task).
pub fn read_task(ledger: &Ledger, id: TaskId) -> IpcResult<TaskEntry> {
    ledger.get(id).map_err(IpcError::from)
}
