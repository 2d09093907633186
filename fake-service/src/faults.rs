//! Scriptable faults: what can go wrong on the wire or in a response, which endpoint it
//! applies to, and the per-endpoint queues that hand them out to the next N requests.
//!
//! Every variant is usable from Rust and, with the same serde shape, from
//! `POST /__admin/faults` (`{"endpoint":"createTask","fault":{"kind":"status",…},"times":1}`).

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The endpoints a fault can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Endpoint {
    /// `POST /api/v1/jobs/createTask`
    CreateTask,
    /// `GET /api/v1/jobs/recordInfo`
    RecordInfo,
    /// `POST /api/v1/uploads` and the confirm `GET /api/v1/uploads?path=…`
    Uploads,
    /// `PUT /upload-target/<id>` (the signed upload URL)
    Put,
    /// `GET`/`HEAD /static/…` (uploaded files and results) and `/tos/…` (2.5 last frames)
    Static,
}

/// One injected misbehaviour, applied to a single request.
///
/// "Acts" below means the request is processed normally first (a task is created and its
/// credits reserved, an upload stored, …) and only the response is broken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Does not act; answers this status with this body and extra headers
    /// (e.g. 500 `{"message":"Internal server error"}`, 429 with `Retry-After`).
    Status {
        status: u16,
        /// The raw body text, sent as is.
        body: String,
        /// Extra headers, e.g. `[["Retry-After","5"]]`.
        #[serde(default)]
        headers: Vec<(String, String)>,
        /// Content type of `body`; `application/json` when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
    },
    /// Does not act; answers an HTML error page like a reverse proxy's (`text/html`),
    /// typically 502 or 503.
    ProxyHtml { status: u16 },
    /// Acts, then adds these headers to the real response (e.g. `Retry-After` values).
    Headers { headers: Vec<(String, String)> },
    /// Acts, then answers 200 with an empty body.
    EmptyOk,
    /// Acts, then sends the real response with a Content-Length larger than what is sent
    /// (half the body), then closes the connection.
    Truncated,
    /// Acts, then answers 200 with a body that is not valid JSON.
    InvalidJson,
    /// Acts; on recordInfo the record's `status` is replaced by this string (e.g. `"paused"`).
    UnknownStatus { status: String },
    /// Acts; on recordInfo the record claims `success` but has no `output` key at all.
    OutputMissing,
    /// Acts, then pads the real JSON response with a `padding` string so the body is about
    /// `bytes` long (several MB makes a client's size cap matter).
    Huge { bytes: usize },
    /// Acts, then waits this long before answering normally.
    Delay { ms: u64 },
    /// Reads the request but never acts nor answers; holds the socket until shutdown.
    Stall,
    /// Acts, then never answers; holds the socket until shutdown.
    StallAfterAct,
    /// Resets the connection (TCP RST) right after the request head arrives, before the
    /// body is read and before anything is done.
    ResetBeforeRead,
    /// Acts (for createTask: the task IS created and credits reserved), then resets the
    /// connection with no response: the "outcome unknown" case.
    ResetAfterAct,
    /// Acts, then sends the response body one byte every `ms_per_byte` milliseconds.
    Trickle { ms_per_byte: u64 },
}

impl Fault {
    /// A JSON status fault: `Fault::json(500, json!({"message":"Internal server error"}))`.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Fault::Status {
            status,
            body: body.to_string(),
            headers: Vec::new(),
            content_type: None,
        }
    }

    /// The usual 500 `{"message":"Internal server error"}`.
    pub fn internal_error() -> Self {
        Self::json(500, serde_json::json!({"message": "Internal server error"}))
    }

    /// A documented-shape 429, optionally with a `Retry-After` header value (any string).
    pub fn concurrency_limit(limit: u32, current: u32, retry_after: Option<&str>) -> Self {
        let body = concurrency_body(limit, current);
        Fault::Status {
            status: 429,
            body: body.to_string(),
            headers: retry_after
                .map(|v| vec![("Retry-After".to_string(), v.to_string())])
                .unwrap_or_default(),
            content_type: None,
        }
    }

    /// Whether the request is processed before this fault is applied.
    pub fn acts(&self) -> bool {
        !matches!(
            self,
            Fault::Status { .. } | Fault::ProxyHtml { .. } | Fault::Stall | Fault::ResetBeforeRead
        )
    }
}

/// A fault with the number of matching requests it still applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedFault {
    pub endpoint: Endpoint,
    pub fault: Fault,
    /// How many of the next matching requests get this fault (at least 1).
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

/// Per-endpoint FIFO queues of faults.
#[derive(Debug, Default)]
pub struct FaultQueues {
    queues: HashMap<Endpoint, VecDeque<(Fault, u32)>>,
}

impl FaultQueues {
    /// Appends a fault for the next `times` requests to `endpoint` (after those already queued).
    pub fn push(&mut self, endpoint: Endpoint, fault: Fault, times: u32) {
        if times == 0 {
            return;
        }
        self.queues
            .entry(endpoint)
            .or_default()
            .push_back((fault, times));
    }

    /// Takes the fault for one request to `endpoint`, if any is queued.
    pub fn take(&mut self, endpoint: Endpoint) -> Option<Fault> {
        let q = self.queues.get_mut(&endpoint)?;
        let front = q.front_mut()?;
        let fault = front.0.clone();
        front.1 -= 1;
        if front.1 == 0 {
            q.pop_front();
        }
        Some(fault)
    }

    /// Drops every queued fault.
    pub fn clear(&mut self) {
        self.queues.clear();
    }

    /// Queued faults, for the stats page.
    pub fn pending(&self) -> Vec<QueuedFault> {
        let mut out: Vec<QueuedFault> = self
            .queues
            .iter()
            .flat_map(|(e, q)| {
                q.iter().map(|(f, t)| QueuedFault {
                    endpoint: *e,
                    fault: f.clone(),
                    times: *t,
                })
            })
            .collect();
        out.sort_by_key(|q| format!("{:?}", q.endpoint));
        out
    }
}

/// The proxy-style HTML error page used by [`Fault::ProxyHtml`].
pub fn proxy_html(status: u16) -> String {
    let reason = crate::http::reason(status);
    format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n\
         <center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n\
         </body>\r\n</html>\r\n"
    )
}

/// The documented 429 body.
pub fn concurrency_body(limit: u32, current: u32) -> Value {
    json!({
        "message": format!(
            "Concurrency limit reached ({limit}). You have {current} tasks in progress. \
             Please wait for them to complete, or join our Discord for higher limits."
        ),
        "limit": limit,
        "current": current,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_counts_down() {
        let mut q = FaultQueues::default();
        q.push(Endpoint::CreateTask, Fault::EmptyOk, 2);
        q.push(Endpoint::CreateTask, Fault::Stall, 1);
        assert_eq!(q.take(Endpoint::RecordInfo), None);
        assert_eq!(q.take(Endpoint::CreateTask), Some(Fault::EmptyOk));
        assert_eq!(q.take(Endpoint::CreateTask), Some(Fault::EmptyOk));
        assert_eq!(q.take(Endpoint::CreateTask), Some(Fault::Stall));
        assert_eq!(q.take(Endpoint::CreateTask), None);
    }

    #[test]
    fn serde_shape() {
        let f: QueuedFault = serde_json::from_str(
            r#"{"endpoint":"recordInfo","fault":{"kind":"unknown_status","status":"paused"}}"#,
        )
        .expect("valid");
        assert_eq!(f.endpoint, Endpoint::RecordInfo);
        assert_eq!(f.times, 1);
        assert_eq!(
            f.fault,
            Fault::UnknownStatus {
                status: "paused".into()
            }
        );
    }
}
