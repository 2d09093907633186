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
