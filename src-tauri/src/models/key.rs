//! What the UI may know about the API key: whether there is one, where it lives, its
//! last four characters and the last test. Never the key itself.

use serde::Serialize;
use ts_rs::TS;

/// What the UI may know about the key: never the key itself.
#[derive(Debug, Clone, Serialize, TS)]
pub struct KeyStatus {
    pub present: bool,
    pub last_four: Option<String>,
    /// "system keychain" or "this session only".
    pub store: String,
    pub last_test: Option<KeyCheck>,
    /// Why the key store could not be read (no keychain, locked), if it could not.
    pub problem: Option<String>,
}

/// The result of asking the service whether the key works (`ApiClient::probe_key`).
#[derive(Debug, Clone, Serialize, TS)]
pub struct KeyCheck {
    pub result: KeyCheckResult,
    /// HTTP status of an unexpected answer.
    pub status: Option<u16>,
    /// The transport or service detail, for the curious; never contains the key.
    pub detail: Option<String>,
    #[ts(type = "number")]
    pub checked_at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum KeyCheckResult {
    Valid,
    Invalid,
    NoApiAccess,
    Unreachable,
    Unexpected,
}

impl KeyCheck {
    pub fn from_core(check: seedance_core::api::client::KeyCheck, checked_at_ms: i64) -> KeyCheck {
        use seedance_core::api::client::KeyCheck as Core;
        let (result, status, detail) = match check {
            Core::Valid => (KeyCheckResult::Valid, None, None),
            Core::Invalid => (KeyCheckResult::Invalid, None, None),
            Core::NoApiAccess => (KeyCheckResult::NoApiAccess, None, None),
            Core::Unreachable { detail } => (KeyCheckResult::Unreachable, None, Some(detail)),
            Core::Unexpected { status, detail } => {
                (KeyCheckResult::Unexpected, status, Some(detail))
            }
        };
        KeyCheck {
            result,
            status,
            detail,
            checked_at_ms,
        }
    }
}

/// The engine's view of the key (the core's `KeyState`): a key the service refuses is a
/// state the window shows until a new key is saved, not a passing toast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum EngineKeyState {
    /// Not read yet.
    Unknown,
    Working,
    /// No key is saved: nothing is sent or polled until one is.
    Missing,
    /// The service's own 401 answered a request made with this key: nothing is sent or
    /// polled until a new key is saved.
    Rejected {
        message: String,
    },
    /// The keychain cannot be read right now; requests wait and it is read again.
    Unreadable {
        message: String,
    },
}

impl From<&seedance_core::engine::KeyState> for EngineKeyState {
    fn from(state: &seedance_core::engine::KeyState) -> EngineKeyState {
        use seedance_core::engine::KeyState as Core;
        match state {
            Core::Unknown => EngineKeyState::Unknown,
            Core::Working => EngineKeyState::Working,
            Core::Missing => EngineKeyState::Missing,
            Core::Rejected { message } => EngineKeyState::Rejected {
                message: message.clone(),
            },
            Core::Unreadable { message } => EngineKeyState::Unreadable {
                message: message.clone(),
            },
        }
    }
}

/// What a window that starts watching needs to know of the engine: the service it runs
/// against, the key as the engine sees it, and createTask answers a stop still awaits.
#[derive(Debug, Clone, Serialize, TS)]
pub struct EngineStatusView {
    pub service: String,
    pub key: EngineKeyState,
    pub finishing_sends: u32,
}

impl From<&seedance_core::engine::EngineStatus> for EngineStatusView {
    fn from(status: &seedance_core::engine::EngineStatus) -> EngineStatusView {
        EngineStatusView {
            service: status.service.clone(),
            key: EngineKeyState::from(&status.key),
            finishing_sends: status.finishing_sends,
        }
    }
}
