//! How far a request got when it failed: reqwest's errors (and bodies that broke off or
//! ran past a deadline) classified into a [`TransportError`] with a stage and a kind, and
//! answers kept for diagnosis with the key scrubbed out. `retry` decides on these.

use std::error::Error as _;
use std::io;

use reqwest::Response;
use tokio::time::{timeout_at, Instant};

use super::error::{ApiError, TransportError, TransportKind, TransportStage, RAW_BODY_KEEP};
use super::types::Endpoint;
use crate::redact::{redact_url, scrub_key, scrub_key_bytes};
use crate::secret::ApiKey;

/// How reading a body ended.
pub(super) enum BodyRead {
    Complete(Vec<u8>),
    /// Longer than the cap; holds the first cap bytes.
    TooLarge(Vec<u8>),
    /// Broke off (or hit the deadline); holds what arrived.
    Broken(Vec<u8>, TransportError),
}

/// Reads a body up to `cap` bytes before `deadline`.
pub(super) async fn read_body(mut response: Response, cap: usize, deadline: Instant) -> BodyRead {
    let mut bytes = Vec::new();
    loop {
        match timeout_at(deadline, response.chunk()).await {
            Err(_) => {
                let error = TransportError {
                    stage: TransportStage::ResponseBody,
                    kind: TransportKind::Timeout,
                    detail: format!(
                        "the body did not finish in time ({} bytes read)",
                        bytes.len()
                    ),
                };
                return BodyRead::Broken(bytes, error);
            }
            Ok(Err(e)) => {
                let error = classify(&e, TransportStage::ResponseBody, None);
                return BodyRead::Broken(bytes, error);
            }
            Ok(Ok(None)) => return BodyRead::Complete(bytes),
            Ok(Ok(Some(chunk))) => {
                let room = cap - bytes.len();
                if chunk.len() > room {
                    bytes.extend_from_slice(&chunk[..room]);
                    return BodyRead::TooLarge(bytes);
                }
                bytes.extend_from_slice(&chunk);
            }
        }
    }
}

pub(super) fn transport(
    endpoint: Endpoint,
    stage: TransportStage,
    kind: TransportKind,
    detail: String,
) -> ApiError {
    ApiError::Transport {
        endpoint,
        error: TransportError {
            stage,
            kind,
            detail,
        },
    }
}

pub(super) fn transport_error(
    endpoint: Endpoint,
    e: &reqwest::Error,
    stage: TransportStage,
    key: Option<&ApiKey>,
) -> ApiError {
    ApiError::Transport {
        endpoint,
        error: classify(e, stage, key),
    }
}

/// Maps a reqwest error to how far the request got. `stage` is where it happened as the
/// caller knows it (sending vs reading the body); a connector error always means nothing
/// was sent.
pub(super) fn classify(
    e: &reqwest::Error,
    stage: TransportStage,
    key: Option<&ApiKey>,
) -> TransportError {
    let stage = if e.is_connect() {
        TransportStage::Connect
    } else {
        stage
    };
    let chain = error_chain(e);
    let lower = chain.to_ascii_lowercase();
    let io_kind = io_error_kind(e);
    let kind = if e.is_timeout() || io_kind == Some(io::ErrorKind::TimedOut) {
        TransportKind::Timeout
    } else if io_kind == Some(io::ErrorKind::ConnectionRefused) {
        TransportKind::Refused
    } else if stage == TransportStage::Connect
        && (lower.contains("dns") || lower.contains("lookup") || lower.contains("resolve"))
    {
        TransportKind::Dns
    } else if stage == TransportStage::Connect
        // tokio-rustls reports every TLS failure (bad certificate, a peer that does not
        // speak TLS) as `InvalidData` from the handshake.
        && (io_kind == Some(io::ErrorKind::InvalidData)
            || lower.contains("tls")
            || lower.contains("certificate")
            || lower.contains("handshake"))
    {
        TransportKind::Tls
    } else if matches!(
        io_kind,
        Some(
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof
        )
    ) || lower.contains("connection closed")
        || lower.contains("end of file")
        || lower.contains("reset")
        || lower.contains("incomplete")
    {
        TransportKind::Reset
    } else {
        TransportKind::Other
    };
    let detail = match e.url() {
        Some(url) => format!("{}: {chain}", redact_url(url.as_str())),
        None => chain,
    };
    TransportError {
        stage,
        kind,
        detail: scrub_key(&detail, key),
    }
}

/// The messages of an error and its sources, without the URL reqwest adds to its own.
pub(super) fn error_chain(e: &reqwest::Error) -> String {
    let mut parts = vec![if e.is_connect() {
        "connect error".to_owned()
    } else if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_body() || e.is_decode() {
        "error reading the body".to_owned()
    } else if e.is_builder() {
        "invalid request".to_owned()
    } else {
        "error sending the request".to_owned()
    }];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The most specific I/O error kind in the chain. `io::Error::source` skips an io::Error
/// wrapped in another (hyper wraps the TLS layer's `InvalidData` in an `Other`), so each
/// one is also opened with `get_ref`.
fn io_error_kind(e: &reqwest::Error) -> Option<io::ErrorKind> {
    let mut found = None;
    let mut source = e.source();
    while let Some(s) = source {
        let mut io = s.downcast_ref::<io::Error>();
        while let Some(err) = io {
            if found.is_none() || err.kind() != io::ErrorKind::Other {
                found = Some(err.kind());
            }
            io = err
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<io::Error>());
        }
        source = s.source();
    }
    found
}

/// A body kept for diagnosis: at most [`RAW_BODY_KEEP`] bytes, lossy UTF-8, key removed.
pub(super) fn keep_raw(bytes: &[u8], key: Option<&ApiKey>) -> String {
    let scrubbed = scrub_key_bytes(bytes, key);
    let kept = &scrubbed[..scrubbed.len().min(RAW_BODY_KEEP)];
    scrub_key(&String::from_utf8_lossy(kept), key)
}

pub(super) fn malformed(
    endpoint: Endpoint,
    status: u16,
    reason: String,
    bytes: &[u8],
    key: &ApiKey,
) -> ApiError {
    ApiError::Malformed {
        endpoint,
        status,
        reason: scrub_key(&reason, Some(key)),
        raw: keep_raw(bytes, Some(key)),
    }
}

pub(super) fn header_str(response: &Response, name: reqwest::header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
