//! The accept loop and per-connection request cycle: classify the request, take a queued
//! fault, read the body, act (or not), then answer normally or break the answer as the fault
//! says. Also the counting of every request for the stats.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::faults::{proxy_html, Endpoint, Fault};
use crate::http::{Conn, ReadError, Request, Response, WriteMode};
use crate::state::Shared;
use crate::{admin, routes};

/// Accepts connections until the task running it is aborted; aborting drops the JoinSet,
/// which aborts every connection (including stalled ones).
pub async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    shared.lock().stats.connections += 1;
                    let loopback = peer.ip().is_loopback();
                    conns.spawn(handle_connection(shared.clone(), stream, loopback));
                }
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

/// Which fault queue a request belongs to, `None` for admin and unknown paths.
fn classify(req: &Request) -> Option<Endpoint> {
    let m = req.method.as_str();
    match req.path.as_str() {
        "/api/v1/jobs/createTask" if m == "POST" => Some(Endpoint::CreateTask),
        "/api/v1/jobs/recordInfo" if m == "GET" => Some(Endpoint::RecordInfo),
        "/api/v1/uploads" if m == "POST" || m == "GET" => Some(Endpoint::Uploads),
        p if p.starts_with("/upload-target/") && m == "PUT" => Some(Endpoint::Put),
        // The signed last-frame host is a static host too (same fault queue, same leak check).
        p if p.starts_with("/static/") || p.starts_with("/tos/") => Some(Endpoint::Static),
        _ => None,
    }
}

async fn handle_connection(shared: Arc<Shared>, stream: TcpStream, loopback: bool) {
    let mut conn = Conn::new(stream);
    loop {
        let req = match conn.read_head().await {
            Ok(Some(r)) => r,
            Ok(None) | Err(ReadError::Io(_)) => return,
            Err(ReadError::HeadTooLarge) => {
                let resp = Response::message(431, "Request header fields too large");
                let _ = conn
                    .write_response(&resp, false, false, WriteMode::Normal)
                    .await;
                count_status(&shared, 431);
                return conn.close().await;
            }
            Err(_) => {
                let resp = Response::message(400, "Bad request");
                let _ = conn
                    .write_response(&resp, false, false, WriteMode::Normal)
                    .await;
                count_status(&shared, 400);
                return conn.close().await;
            }
        };
        match handle_request(&shared, &mut conn, &req, loopback).await {
            Next::KeepAlive => continue,
            Next::Close => return conn.close().await,
            Next::Reset => return conn.reset(),
            Next::Hold => {
                // Never answer; the socket stays open until the server shuts down.
                std::future::pending::<()>().await;
            }
            Next::Drop => return,
        }
    }
}

/// What happens to the connection after a request.
enum Next {
    KeepAlive,
    /// Close normally (FIN).
    Close,
    /// TCP RST.
    Reset,
    /// Keep the socket open, never answer.
    Hold,
    /// The peer is gone; just drop.
    Drop,
}

/// Counts one upload PUT as in flight from its head until its answer is written (or the
/// connection is dropped), for `Stats::puts_in_flight_max`.
struct PutInFlight<'a>(&'a Shared);

impl<'a> PutInFlight<'a> {
    fn start(shared: &'a Shared) -> PutInFlight<'a> {
        let mut st = shared.lock();
        st.stats.puts_in_flight += 1;
        st.stats.puts_in_flight_max = st.stats.puts_in_flight_max.max(st.stats.puts_in_flight);
        PutInFlight(shared)
    }
}

impl Drop for PutInFlight<'_> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.stats.puts_in_flight = st.stats.puts_in_flight.saturating_sub(1);
    }
}

async fn handle_request(shared: &Shared, conn: &mut Conn, req: &Request, loopback: bool) -> Next {
    let endpoint = classify(req);
    let _in_flight = (endpoint == Some(Endpoint::Put)).then(|| PutInFlight::start(shared));
    let head_only = req.method == "HEAD";
    let mut keep_alive = req.wants_keep_alive();

    if matches!(endpoint, Some(Endpoint::Put | Endpoint::Static))
        && req.header("authorization").is_some()
    {
        let mut st = shared.lock();
        st.stats.auth_header_leaks += 1;
        if st.stats.auth_header_leak_paths.len() < 100 {
            st.stats.auth_header_leak_paths.push(req.path.clone());
        }
    }
    let fault = endpoint.and_then(|e| {
        let mut st = shared.lock();
        let f = st.faults.take(e);
        if f.is_some() {
            st.stats.faults_applied += 1;
        }
        f
    });
    if endpoint == Some(Endpoint::CreateTask) {
        shared.lock().stats.create_task_calls += 1;
    }
    if fault == Some(Fault::ResetBeforeRead) {
        return Next::Reset;
    }
    let mut framing = match req.framing() {
        Ok(f) => f,
        Err(_) => {
            let resp = Response::message(400, "Bad request");
            return finish(shared, conn, &resp, false, head_only, WriteMode::Normal).await;
        }
    };
    if fault == Some(Fault::Stall) {
        return Next::Hold;
    }

    // Every endpoint but the upload PUT takes a small body that is read in full first.
    let body = if endpoint == Some(Endpoint::Put) {
        Vec::new()
    } else {
        let limit = shared.lock().config.max_json_body_bytes;
        match conn.read_body(&mut framing, limit).await {
            Ok(b) => b,
            Err(ReadError::BodyTooLarge) => {
                let resp = Response::message(413, "Payload too large");
                return finish(shared, conn, &resp, false, head_only, WriteMode::Normal).await;
            }
            Err(_) => return Next::Drop,
        }
    };
    count_request(shared, endpoint, req, &body);

    // Faults that replace the response without acting.
    let mut resp = match &fault {
        Some(Fault::Status {
            status,
            body,
            headers,
            content_type,
        }) => {
            let ct = content_type.as_deref().unwrap_or("application/json");
            let mut r = Response::raw(*status, ct, body.clone().into_bytes());
            r.headers.extend(headers.iter().cloned());
            r
        }
        Some(Fault::ProxyHtml { status }) => {
            let mut r = Response::raw(*status, "text/html", proxy_html(*status).into_bytes());
            r.set_header("Server", "nginx");
            r
        }
        _ => match act(shared, conn, req, endpoint, &body, &mut framing, loopback).await {
            Some(r) => r,
            None => return Next::Drop,
        },
    };

    let mut mode = WriteMode::Normal;
    match fault {
        Some(Fault::StallAfterAct) => return Next::Hold,
        Some(Fault::ResetAfterAct) => return Next::Reset,
        Some(Fault::Headers { headers }) => resp.headers.extend(headers),
        Some(Fault::EmptyOk) => resp = Response::raw(200, "application/json", Vec::new()),
        Some(Fault::InvalidJson) => {
            resp = Response::raw(
                200,
                "application/json",
                b"{\"taskId\": \"task_\", \"status\": success, <html>".to_vec(),
            );
        }
        Some(Fault::UnknownStatus { status }) => {
            edit_json(&mut resp, |v| {
                if let Some(o) = v.as_object_mut() {
                    o.insert("status".into(), Value::String(status.clone()));
                }
            });
        }
        Some(Fault::OutputMissing) => {
            edit_json(&mut resp, |v| {
                if let Some(o) = v.as_object_mut() {
                    o.insert("status".into(), json!("success"));
                    o.remove("output");
                    o.insert("error".into(), Value::Null);
                    if o.get("completeTime").is_none_or(Value::is_null) {
                        o.insert("completeTime".into(), json!(shared.lock().wall_ms()));
                    }
                }
            });
        }
        Some(Fault::Huge { bytes }) => {
            edit_json(&mut resp, |v| {
                let pad = "x".repeat(bytes);
                match v.as_object_mut() {
                    Some(o) => {
                        o.insert("padding".into(), Value::String(pad));
                    }
                    None => *v = json!({"data": v.clone(), "padding": pad}),
                }
            });
        }
        Some(Fault::Delay { ms }) => tokio::time::sleep(Duration::from_millis(ms)).await,
        Some(Fault::Truncated) => {
            mode = WriteMode::Truncated;
            keep_alive = false;
        }
        Some(Fault::Trickle { ms_per_byte }) => {
            mode = WriteMode::Trickle(Duration::from_millis(ms_per_byte));
        }
        _ => {}
    }
    if !framing.is_done() {
        // Unread request body: the connection cannot be reused.
        keep_alive = false;
    }
    finish(shared, conn, &resp, keep_alive, head_only, mode).await
}

/// Runs the real handler. `None` means the connection broke while receiving.
async fn act(
    shared: &Shared,
    conn: &mut Conn,
    req: &Request,
    endpoint: Option<Endpoint>,
    body: &[u8],
    framing: &mut crate::http::Framing,
    loopback: bool,
) -> Option<Response> {
    Some(match endpoint {
        Some(Endpoint::CreateTask) => routes::create_task(shared, req, body),
        Some(Endpoint::RecordInfo) => routes::record_info(shared, req),
        Some(Endpoint::Uploads) => routes::uploads(shared, req, body),
        Some(Endpoint::Put) => match routes::put_upload(shared, conn, req, framing).await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!("upload body not received: {e}");
                return None;
            }
        },
        Some(Endpoint::Static) if req.path.starts_with("/tos/") => {
            routes::signed_object(shared, req).await
        }
        Some(Endpoint::Static) => routes::static_file(shared, req).await,
        // The demo's pretend wallet, for the app's demo mode only (the real service has no
        // balance call): loopback-only like the admin API, and without a key.
        None if req.path == "/__demo/balance" && req.method == "GET" => {
            if loopback {
                routes::demo_balance(shared)
            } else {
                Response::message(403, "The demo balance is loopback-only")
            }
        }
        None if req.path.starts_with("/__admin/") => {
            if loopback {
                admin::handle(shared, req, body)
            } else {
                Response::message(403, "Admin API is loopback-only")
            }
        }
        None if req.path.starts_with("/api/v1/") => Response::message(404, "Not found"),
        None => Response::message(404, "Not found"),
    })
}

fn count_request(shared: &Shared, endpoint: Option<Endpoint>, req: &Request, body: &[u8]) {
    let mut st = shared.lock();
    let s = &mut st.stats;
    match endpoint {
        Some(Endpoint::CreateTask) => {
            *s.create_task_by_fingerprint
                .entry(routes::fingerprint(body))
                .or_default() += 1;
        }
        Some(Endpoint::RecordInfo) => {
            s.record_info_calls += 1;
            let id = req.query("taskId").unwrap_or("").to_string();
            *s.record_info_by_task.entry(id).or_default() += 1;
        }
        Some(Endpoint::Uploads) if req.method == "GET" => s.upload_confirms += 1,
        Some(Endpoint::Uploads) => s.upload_requests += 1,
        Some(Endpoint::Put) => s.puts += 1,
        Some(Endpoint::Static) => s.static_gets += 1,
        None => {}
    }
}

fn count_status(shared: &Shared, status: u16) {
    let mut st = shared.lock();
    let s = &mut st.stats;
    *s.responses_by_status.entry(status).or_default() += 1;
    match status {
        400..=499 => s.responses_4xx += 1,
        500..=599 => s.responses_5xx += 1,
        _ => {}
    }
}

/// Rewrites a JSON response body in place (non-JSON bodies are left alone).
fn edit_json(resp: &mut Response, f: impl FnOnce(&mut Value)) {
    let Some(mut v) = resp
        .body_bytes()
        .and_then(|b| serde_json::from_slice::<Value>(b).ok())
    else {
        return;
    };
    f(&mut v);
    let status = resp.status;
    let extra: Vec<(String, String)> = resp
        .headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("content-type"))
        .cloned()
        .collect();
    *resp = Response::json(status, &v);
    resp.headers.extend(extra);
}

async fn finish(
    shared: &Shared,
    conn: &mut Conn,
    resp: &Response,
    keep_alive: bool,
    head_only: bool,
    mode: WriteMode,
) -> Next {
    let written = conn.write_response(resp, keep_alive, head_only, mode).await;
    count_status(shared, resp.status);
    match written {
        Err(_) => Next::Drop,
        Ok(()) if keep_alive => Next::KeepAlive,
        Ok(()) => Next::Close,
    }
}
