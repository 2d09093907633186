//! The IPC commands, one file per domain. Each is a few lines: call the core, map the
//! result into `models` and the error into `IpcError`.
//!
//! Which commands the window may call, with what and for what answer, is the one list in
//! `list.rs`. From it this module makes the Tauri command wrappers and the handler (so an
//! argument's JSON key is the list's name for it), [`COMMAND_NAMES`], and [`described`]
//! for the TypeScript bindings. The wrappers only forward: each domain function keeps its
//! own signature, and the wrapper calling it is what checks that signature against the
//! list at compile time.

pub mod account;
pub mod compose;
pub mod demo;
pub mod extend;
pub mod gallery;
pub mod history;
pub mod key;
pub mod references;
pub mod sequences;
pub mod settings;
pub mod takes;
pub mod tasks;
pub mod window;

use crate::bindings::{ArgSpec, CommandSpec, TsType};
use crate::error::{IpcError, IpcResult};
use crate::models::*;
use seedance_core::ledger::{Ledger, SequenceId, ShotId, TaskEntry, TaskId};

include!("list.rs");

/// The type of what Tauri hands a command (`injected` in the list).
macro_rules! injected {
    (app) => { tauri::AppHandle };
    (state) => { tauri::State<'_, crate::state::AppState> };
}

/// One command's Tauri wrapper: same name and arguments as the list's entry, forwarding
/// to the domain function of the same name.
macro_rules! command_wrapper {
    (async $module:ident $name:ident [$($injected:ident),*] ($($arg:ident : $arg_ty:ty),*) -> $answer:ty) => {
        #[tauri::command]
        async fn $name($($injected: injected!($injected),)* $($arg: $arg_ty),*) -> IpcResult<$answer> {
            super::$module::$name($($injected,)* $($arg),*).await
        }
    };
    (sync $module:ident $name:ident [$($injected:ident),*] ($($arg:ident : $arg_ty:ty),*) -> $answer:ty) => {
        #[tauri::command]
        fn $name($($injected: injected!($injected),)* $($arg: $arg_ty),*) -> IpcResult<$answer> {
            super::$module::$name($($injected,)* $($arg),*)
        }
    };
}

macro_rules! app_commands {
    ($(
        $module:ident {$(
            $(#[doc = $doc:literal])*
            $name:ident : $kind:ident [$($injected:ident),*]
                ($($arg:ident : $arg_ty:ty),*) -> $answer:ty;
        )*}
    )*) => {
        /// Every command the window may call, in the list's order.
        pub const COMMAND_NAMES: &[&str] = app_command_names! {$(
            $module {$(
                $name : $kind [$($injected),*] ($($arg : $arg_ty),*) -> $answer;
            )*}
        )*};

        /// What the TypeScript bindings say of each command.
        pub fn described(cfg: &ts_rs::Config) -> Vec<CommandSpec> {
            vec![$($(
                CommandSpec {
                    name: stringify!($name),
                    docs: vec![$($doc),*],
                    args: vec![$(ArgSpec {
                        name: stringify!($arg),
                        ty: TsType::of::<$arg_ty>(cfg),
                    }),*],
                    answer: TsType::of::<$answer>(cfg),
                },
            )*)*]
        }

        mod wrappers {
            use super::*;

            $($(command_wrapper!($kind $module $name [$($injected),*] ($($arg : $arg_ty),*) -> $answer);)*)*

            pub(crate) fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
                handles(tauri::generate_handler![$($($name),*),*])
            }

            /// Gives the handler's closure its argument type.
            fn handles<F: Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static>(handler: F) -> F {
                handler
            }
        }

        /// The invoke handler: every command of the list, and no other.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            wrappers::handler()
        }
    };
}

with_app_commands!(app_commands);

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
