//! The one error shape every command rejects with: `{ code, message }`. `code` is a
//! small enum the UI branches on and grows only when the UI needs a new branch (a code
//! the UI does not know reads as `unknown` there); `message` is a sentence for the
//! creator and never carries the API key (core errors are built not to, and nothing here
//! formats a key). A failure with guidance reaches the UI on its task, not as a rejection.

use seedance_core::keychain::KeychainError;
use seedance_core::ledger::LedgerError;
use serde::Serialize;
use ts_rs::TS;

/// Declares [`ErrorCode`] and [`ErrorCode::ALL`] from one list, so the codes the UI is
/// told about (`ui/src/bindings/commands.ts`) are always all of them.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $code:ident,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($(#[$doc])* $code,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$code,)*];
        }
    };
}

error_codes! {
    /// No OS keychain answered; the UI offers "keep for this session only".
    KeychainUnavailable,
    /// The keychain is there but locked.
    KeychainLocked,
    /// The keychain failed in another way (corrupt entry, refusal).
    KeychainFailed,
    /// The pasted text cannot be a key.
    InvalidKey,
    /// An action needs a key and none is saved.
    MissingKey,
    /// The request or a setting is not acceptable; `message` says which.
    InvalidInput,
    /// The task or file is gone.
    NotFound,
    /// Refused on purpose (a non-https URL, the demo against a real service).
    NotAllowed,
    /// The same draft was sent moments ago (a double click, a repeated shortcut): the
    /// UI asks whether a second take is meant, then submits again with `second_take`.
    DuplicateDraft,
    /// The action loses something that cannot be had back (a finished video not saved
    /// yet); the UI asks, then calls again confirmed.
    NeedsConfirmation,
    /// The ledger or the disk failed.
    Storage,
    /// A bug or an unexpected state; `message` is all there is.
    Internal,
}

#[derive(Debug, Clone, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}

pub type IpcResult<T> = Result<T, IpcError>;

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> IpcError {
        IpcError {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> IpcError {
        IpcError::new(ErrorCode::InvalidInput, message)
    }

    pub fn internal(message: impl Into<String>) -> IpcError {
        IpcError::new(ErrorCode::Internal, message)
    }

    pub fn internal_from(error: impl std::fmt::Display) -> IpcError {
        IpcError::internal(error.to_string())
    }

    pub fn storage(error: impl std::fmt::Display) -> IpcError {
        IpcError::new(ErrorCode::Storage, error.to_string())
    }
}

impl From<KeychainError> for IpcError {
    fn from(error: KeychainError) -> IpcError {
        let code = match error {
            KeychainError::Unavailable(_) => ErrorCode::KeychainUnavailable,
            KeychainError::Locked | KeychainError::NotAnswering(_) => ErrorCode::KeychainLocked,
            KeychainError::Corrupt(_) | KeychainError::Other(_) => ErrorCode::KeychainFailed,
        };
        IpcError::new(code, error.to_string())
    }
}

/// A missing task is `not_found` and a call the task's state forbids is `not_allowed`:
/// the UI treats both differently from a failing disk (`storage`).
impl From<LedgerError> for IpcError {
    fn from(error: LedgerError) -> IpcError {
        match error {
            LedgerError::NoSuchTask(id) => IpcError::new(
                ErrorCode::NotFound,
                format!("Task #{id} is not in the history (it may have been removed already)."),
            ),
            LedgerError::NeedsConfirmation { message, .. } => {
                IpcError::new(ErrorCode::NeedsConfirmation, message)
            }
            LedgerError::IllegalTransition { .. } => {
                IpcError::new(ErrorCode::NotAllowed, sentence(&error.to_string()))
            }
            other => IpcError::new(ErrorCode::Storage, sentence(&other.to_string())),
        }
    }
}

/// The core's lower-case error text as a sentence for the creator.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

impl From<tokio::task::JoinError> for IpcError {
    fn from(error: tokio::task::JoinError) -> IpcError {
        IpcError::internal(format!("A background job stopped unexpectedly: {error}"))
    }
}

impl From<crate::models::DraftError> for IpcError {
    fn from(error: crate::models::DraftError) -> IpcError {
        IpcError::invalid(error.0)
    }
}
