//! The one error type of every API call. It keeps what a person or the guidance needs:
//! the HTTP status, the parsed error body, the raw body when parsing failed, the
//! `Retry-After` header, and for transport failures whether the request may already
//! have reached the service (which decides whether a `createTask` may be resent).

use serde::{Deserialize, Serialize};
use std::time::Duration;

use super::types::Endpoint;

/// Raw bodies are kept for diagnosis but capped: a proxy's HTML page or a hostile
/// answer must not grow the ledger.
pub const RAW_BODY_KEEP: usize = 4096;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The service (or something in between) answered with a non-2xx status.
    #[error("{endpoint:?} answered HTTP {status}")]
    Http {
        endpoint: Endpoint,
        status: u16,
        /// The documented JSON error body, when the body was one.
        body: Option<ErrorBody>,
        /// The body as received (capped at [`RAW_BODY_KEEP`] bytes), kept when it was not
        /// the documented JSON (an HTML page from a proxy, say).
        raw: Option<String>,
        retry_after: Option<RetryAfter>,
    },
    /// The connection failed, timed out or broke.
    #[error("{endpoint:?}: {error}")]
    Transport {
        endpoint: Endpoint,
        error: TransportError,
    },
    /// A 2xx answer whose body is not what the docs describe (truncated, not JSON,
    /// missing the task id).
    #[error("{endpoint:?} answered HTTP {status} with a body that could not be read: {reason}")]
    Malformed {
        endpoint: Endpoint,
        status: u16,
        reason: String,
        raw: String,
    },
}

impl ApiError {
    pub fn endpoint(&self) -> Endpoint {
        match self {
            ApiError::Http { endpoint, .. }
            | ApiError::Transport { endpoint, .. }
            | ApiError::Malformed { endpoint, .. } => *endpoint,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Http { status, .. } | ApiError::Malformed { status, .. } => Some(*status),
            ApiError::Transport { .. } => None,
        }
    }

    /// Whether the request may have been received and acted on. False only when we
    /// know nothing was sent (DNS failure, connection refused, connect timeout).
    pub fn may_have_reached_service(&self) -> bool {
        match self {
            ApiError::Transport { error, .. } => error.stage != TransportStage::Connect,
            ApiError::Http { .. } | ApiError::Malformed { .. } => true,
        }
    }

    /// The service's own 401: its JSON error body answering an API call (a proxy's page
    /// or a bodiless 401 does not count). Only this says the key itself was refused.
    pub fn is_service_key_rejection(&self) -> bool {
        matches!(
            self,
            ApiError::Http {
                status: 401,
                body: Some(_),
                endpoint: Endpoint::CreateTask | Endpoint::RecordInfo | Endpoint::UploadTarget,
                ..
            }
        )
    }

    /// The service's own JSON "Task not found" (404) to a recordInfo. An HTML or
    /// bodiless 404, or one about something else (a wrong address answering "Route not
    /// found"), is a gateway or address problem and says nothing about the task.
    pub fn is_service_task_not_found(&self) -> bool {
        match self {
            ApiError::Http {
                status: 404,
                endpoint: Endpoint::RecordInfo,
                body: Some(body),
                ..
            } => body.message.as_deref().is_some_and(|message| {
                let lower = message.to_ascii_lowercase();
                lower.contains("task") && lower.contains("not found")
            }),
            _ => false,
        }
    }

    pub fn service_message(&self) -> Option<&str> {
        match self {
            ApiError::Http {
                body: Some(body), ..
            } => body.message.as_deref(),
            _ => None,
        }
    }
}

/// The documented JSON error body: at least `message`, plus the fields of 400, 402, 429.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorBody {
    pub message: Option<String>,
    /// Field problems of a 400 "Invalid inputs for model".
    #[serde(default)]
    pub errors: Vec<FieldIssue>,
    /// 402: credits the task needs, as the service states them.
    pub required: Option<f64>,
    /// 402: the account's balance, as the service states it.
    pub available: Option<f64>,
    /// 429: the account's concurrency limit.
    pub limit: Option<u32>,
    /// 429: tasks in progress now.
    pub current: Option<u32>,
}

/// One item of a 400's `errors` list (Zod-like: `{code, message, path}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldIssue {
    pub code: Option<String>,
    pub message: String,
    #[serde(default)]
    pub path: Vec<String>,
}

/// A `Retry-After` header as received, already clamped to a sane range by the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryAfter(pub Duration);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{kind:?} during {stage:?}: {detail}")]
pub struct TransportError {
    pub stage: TransportStage,
    pub kind: TransportKind,
    /// A short description for logs; never contains the key or a signed URL's query.
    pub detail: String,
}

/// How far the request got before it broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportStage {
    /// Nothing was sent: DNS, refused, connect timeout, TLS handshake.
    Connect,
    /// The request was (possibly partly) sent; no answer was read.
    Request,
    /// The status line arrived but the body broke off.
    ResponseBody,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    Dns,
    Refused,
    Timeout,
    Reset,
    Tls,
    Other,
}
