//! The service's endpoints: authentication, createTask (validation, concurrency, credits,
//! scripted outcomes), recordInfo, the two-step upload (slot + signed PUT + confirm) and the
//! static file host with Range support.

use std::path::PathBuf;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::assets;
use crate::config::round_credits;
use crate::http::{Body, Conn, Framing, ReadError, Request, Response};
use crate::markers;
use crate::server::Shared;
use crate::state::{self, now_ms, now_unix, NewTask, Outcome, Phase, Upload, DEMO_API_KEY};
use crate::validate::{self, Family, Rejection, ValidRequest};

/// Seconds assumed for a reference video whose length cannot be known.
const DEFAULT_VIDEO_SECS: f64 = 5.0;

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

/// Checks the Bearer key; the error is the ready 401/403 response.
pub fn authenticate(shared: &Shared, req: &Request) -> Result<String, Response> {
    let Some(header) = req.header("authorization") else {
        return Err(Response::message(401, "Missing Authorization header"));
    };
    let token = match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => return Err(Response::message(401, "Invalid API Key")),
    };
    if token.is_empty() || token.starts_with("invalid") {
        return Err(Response::message(401, "Invalid API Key"));
    }
    if token.starts_with("noaccess") {
        return Err(Response::message(
            403,
            "API access not enabled for this account",
        ));
    }
    if token == DEMO_API_KEY {
        return Ok(token.to_string());
    }
    if let Some(required) = &shared.lock().config.required_key {
        if token != required {
            return Err(Response::message(401, "Invalid API Key"));
        }
    }
    Ok(token.to_string())
}

/// sha256 (hex) of the canonical JSON of a body (keys sorted, compact), or of the raw bytes
/// when it is not JSON.
pub fn fingerprint(body: &[u8]) -> String {
    let canonical = match serde_json::from_slice::<Value>(body) {
        Ok(v) => {
            let mut s = String::new();
            canonical_json(&v, &mut s);
            s.into_bytes()
        }
        Err(_) => body.to_vec(),
    };
    hex::encode(Sha256::digest(&canonical))
}

/// Writes `v` with sorted object keys whatever serde_json's map ordering feature is.
fn canonical_json(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                if let Some(x) = m.get(*k) {
                    canonical_json(x, out);
                }
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// `POST /api/v1/jobs/createTask`
pub fn create_task(shared: &Shared, req: &Request, body: &[u8]) -> Response {
    let key = match authenticate(shared, req) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Response::json(400, &Rejection::InvalidParams.body());
    };
    let valid = match validate::validate(&value) {
        Ok(v) => v,
        Err(rej) => return Response::json(400, &rej.body()),
    };
    let scripted = scripted_outcome(shared, &valid);
    let marks = markers::parse(&valid.prompt);
    let fp = fingerprint(body);

    let mut st = shared.lock();
    st.settle();
    let limit = st.config.concurrency_limit;
    let current = st.in_progress(&key);
    if current >= limit {
        return Response::json(429, &concurrency_body(limit, current));
    }
    let reference_video = !valid.video_urls.is_empty();
    let rate = st
        .config
        .rate(valid.spec.id, &valid.resolution, reference_video)
        .unwrap_or(0.0);
    let cost = round_credits(rate * f64::from(valid.billed_seconds));
    let available = if key == DEMO_API_KEY { 0.0 } else { st.balance };
    if available < cost {
        return Response::json(
            402,
            &json!({
                "message": "Insufficient credits",
                "required": state::number(cost),
                "available": state::number(available),
            }),
        );
    }
    let id = st.create_task(NewTask {
        owner: key,
        valid,
        credits: cost,
        fingerprint: fp,
        scripted,
        wait_seconds: marks.wait_seconds,
        gen_seconds: marks.gen_seconds,
    });
    Response::json(200, &json!({ "taskId": id }))
}

/// The outcome decided by prompt markers, else by inputs that are accepted but fail
/// (service-api §3.4): audio-only references, too much reference video.
fn scripted_outcome(shared: &Shared, v: &ValidRequest) -> Option<(Outcome, bool)> {
    if let Some(o) = markers::parse(&v.prompt).outcome {
        return Some(o);
    }
    let invalid = |message: &str| {
        Some((
            Outcome::Fail {
                code: Some("InvalidParameter".into()),
                message: message.into(),
            },
            true,
        ))
    };
    if !v.audio_urls.is_empty() && v.image_urls.is_empty() && v.video_urls.is_empty() {
        return invalid(
            "Audio cannot be the only reference input. Please also provide an image or video reference.",
        );
    }
    let total: f64 = v.video_urls.iter().map(|u| video_seconds(shared, u)).sum();
    if total > v.spec.max_ref_video_secs + 1e-9 {
        return invalid(if v.spec.family == Family::V20 {
            "Reference video total duration exceeds the limit. Please use videos with a combined duration of 15 seconds or less."
        } else {
            "The parameter `content` specified in the request is not valid: the parameter video total duration exceeds 30 seconds."
        });
    }
    None
}

/// Length of a reference video: a `duration=S` query parameter, else the `mvhd` of a file
/// uploaded to this fake, else [`DEFAULT_VIDEO_SECS`].
fn video_seconds(shared: &Shared, url: &str) -> f64 {
    let (base, qs) = url.split_once('?').unwrap_or((url, ""));
    if let Some(d) = crate::http::parse_query(qs)
        .into_iter()
        .find(|(k, _)| k == "duration")
        .and_then(|(_, v)| v.parse::<f64>().ok())
        .filter(|d| d.is_finite() && *d >= 0.0)
    {
        return d;
    }
    let prefix = format!("{}/static/temp-uploads/", shared.origin);
    if let Some(rest) = base.strip_prefix(&prefix) {
        let id = rest.split('/').next().unwrap_or("");
        let disk: Option<PathBuf> = shared
            .lock()
            .uploads
            .get(id)
            .filter(|u| u.size.is_some())
            .map(|u| u.disk_path.clone());
        if let Some(info) = disk.and_then(|p| crate::media::probe_file(&p)) {
            return info.duration_secs;
        }
    }
    DEFAULT_VIDEO_SECS
}

/// Whether a taskId is well-formed (`task_…` / `demo_task_…`, lowercase alnum and `_`).
fn task_id_well_formed(id: &str) -> bool {
    (id.starts_with("task_") || id.starts_with("demo_task_"))
        && id.len() <= 100
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// `GET /api/v1/jobs/recordInfo?taskId=…`
pub fn record_info(shared: &Shared, req: &Request) -> Response {
    let key = match authenticate(shared, req) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let id = req.query("taskId").unwrap_or("");
    if id.is_empty() {
        return Response::message(400, "Missing taskId parameter");
    }
    if !task_id_well_formed(id) {
        return Response::message(400, "Invalid taskId");
    }
    let mut st = shared.lock();
    st.settle();
    let Some(task) = st.tasks.get(id) else {
        return Response::message(404, "Task not found");
    };
    if let Some(owner) = &task.owner {
        if *owner != key {
            return Response::message(403, "Access denied");
        }
    }
    Response::json(200, &task.record(std::time::Instant::now(), &shared.origin))
}

/// The signature of an upload slot: sha256(secret:id:expires), hex.
pub fn sign(secret: &str, id: &str, expires: i64) -> String {
    hex::encode(Sha256::digest(
        format!("{secret}:{id}:{expires}").as_bytes(),
    ))
}

/// Keeps a file name URL- and path-safe: `[A-Za-z0-9._-]`, others become `_`.
fn sanitize_file_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() {
        "file".to_string()
    } else {
        s
    }
}

fn iso(ms: u64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// `POST /api/v1/uploads` (slot) and `GET /api/v1/uploads?path=` (confirm).
pub fn uploads(shared: &Shared, req: &Request, body: &[u8]) -> Response {
    if let Err(r) = authenticate(shared, req) {
        return r;
    }
    if req.method == "GET" {
        return confirm_upload(shared, req);
    }
    let name = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            v.get("fileName")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .filter(|n| !n.trim().is_empty() && n.len() <= 1024);
    let Some(name) = name else {
        return Response::message(400, "Invalid request parameters");
    };
    let file_name = sanitize_file_name(&name);
    let content_type = assets::content_type_for(&file_name).to_string();
    let id = state::random_alnum(24);
    let mut st = shared.lock();
    let ttl = st.config.upload_url_ttl_secs;
    let expires = now_unix() + ttl;
    let upload = Upload {
        id: id.clone(),
        file_name: file_name.clone(),
        content_type: content_type.clone(),
        disk_path: shared.upload_dir.join(&id).join(&file_name),
        size: None,
        uploaded_ms: None,
    };
    let path = upload.path();
    st.uploads.insert(id.clone(), upload);
    let sig = sign(&shared.secret, &id, expires);
    Response::json(
        200,
        &json!({
            "uploadUrl": format!("{}/upload-target/{id}?expires={expires}&signature={sig}", shared.origin),
            "url": format!("{}/static/{path}", shared.origin),
            "path": path,
            "method": "PUT",
            "contentType": content_type,
            "expiresIn": ttl,
            "confirmUrl": format!("/api/v1/uploads?path={path}"),
            "assetTtlSeconds": 86400,
        }),
    )
}

fn confirm_upload(shared: &Shared, req: &Request) -> Response {
    let Some(path) = req.query("path").filter(|p| !p.is_empty()) else {
        return Response::message(400, "Invalid request parameters");
    };
    let st = shared.lock();
    let found = st
        .uploads
        .values()
        .find(|u| u.path() == path && u.size.is_some());
    match found {
        Some(u) => {
            let at = u.uploaded_ms.unwrap_or(0);
            Response::json(
                200,
                &json!({
                    "path": u.path(),
                    "url": format!("{}/static/{}", shared.origin, u.path()),
                    "size": u.size,
                    "contentType": u.content_type,
                    "uploadedAt": iso(at),
                    "expiresAt": iso(at + 86_400_000),
                    "assetTtlSeconds": 86400,
                }),
            )
        }
        None => Response::json(404, &json!({})),
    }
}

/// An S3-style XML error.
fn s3_error(status: u16, code: &str, message: &str) -> Response {
    Response::raw(
        status,
        "application/xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
             <Message>{message}</Message></Error>"
        )
        .into_bytes(),
    )
}

/// `PUT /upload-target/<id>?expires=…&signature=…`: streams the body to disk.
/// `Err` means the body could not be received (the connection is then dropped).
pub async fn put_upload(
    shared: &Shared,
    conn: &mut Conn,
    req: &Request,
    framing: &mut Framing,
) -> Result<Response, ReadError> {
    let id = req
        .path
        .strip_prefix("/upload-target/")
        .unwrap_or("")
        .trim_end_matches('/')
        .to_string();
    let expires = req.query("expires").and_then(|e| e.parse::<i64>().ok());
    let signature = req.query("signature").unwrap_or("");
    let Some(expires) = expires.filter(|e| sign(&shared.secret, &id, *e) == signature) else {
        return Ok(s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        ));
    };
    if now_unix() > expires {
        return Ok(s3_error(403, "AccessDenied", "Request has expired"));
    }
    let (disk, announced) = {
        let st = shared.lock();
        match st.uploads.get(&id) {
            Some(u) => (u.disk_path.clone(), u.content_type.clone()),
            None => {
                return Ok(s3_error(
                    404,
                    "NoSuchUpload",
                    "The specified upload does not exist.",
                ))
            }
        }
    };
    if let Some(dir) = disk.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let part = disk.with_extension("part");
    let received = stream_to_file(conn, framing, &part).await;
    let size = match received {
        Ok(n) => n,
        Err(e) => {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(e);
        }
    };
    tokio::fs::rename(&part, &disk).await?;
    let mismatch = req
        .header("content-type")
        .is_some_and(|ct| !ct.eq_ignore_ascii_case(&announced));
    let mut st = shared.lock();
    st.stats.put_bytes += size;
    if mismatch {
        st.stats.put_content_type_mismatches += 1;
    }
    if let Some(u) = st.uploads.get_mut(&id) {
        u.size = Some(size);
        u.uploaded_ms = Some(now_ms());
    }
    let mut resp = Response::raw(200, "text/plain", Vec::new());
    resp.headers.clear();
    resp.set_header("ETag", &format!("\"{id}-{size}\""));
    Ok(resp)
}

async fn stream_to_file(
    conn: &mut Conn,
    framing: &mut Framing,
    path: &std::path::Path,
) -> Result<u64, ReadError> {
    use tokio::io::AsyncWriteExt;
    let mut file = tokio::fs::File::create(path).await?;
    let mut total = 0u64;
    while let Some(chunk) = conn.next_body_chunk(framing).await? {
        file.write_all(&chunk).await?;
        total += chunk.len() as u64;
    }
    file.flush().await?;
    Ok(total)
}

/// Parses a single `Range: bytes=…` against a length: `Ok(None)` = no (usable) range,
/// `Err(())` = unsatisfiable (416).
fn parse_range(header: Option<&str>, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None); // multiple ranges: serve the whole file
    }
    let Some((a, b)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        // Suffix: the last N bytes.
        let n: u64 = b.parse().map_err(|_| ())?;
        if n == 0 || len == 0 {
            return Err(());
        }
        (len.saturating_sub(n), len - 1)
    } else {
        let start: u64 = a.parse().map_err(|_| ())?;
        let end = if b.is_empty() {
            len.saturating_sub(1)
        } else {
            b.parse::<u64>().map_err(|_| ())?.min(len.saturating_sub(1))
        };
        if start >= len || end < start {
            return Err(());
        }
        (start, end)
    };
    Ok(Some(range))
}

/// `GET`/`HEAD /static/…`: result files and uploaded files, with Range support.
pub fn static_file(shared: &Shared, req: &Request) -> Response {
    if req.method != "GET" && req.method != "HEAD" {
        return s3_error(
            405,
            "MethodNotAllowed",
            "The specified method is not allowed.",
        );
    }
    let rest = req.path.strip_prefix("/static/").unwrap_or("");
    let not_found = || s3_error(404, "NoSuchKey", "The specified key does not exist.");

    enum Source {
        Mem(&'static [u8]),
        File(PathBuf, u64),
    }
    let (source, content_type) = if let Some(name) = rest.strip_prefix("videos/") {
        let (task_id, asset, ct) = if let Some(t) = name.strip_suffix("_lastframe.png") {
            (t, None, "image/png")
        } else if let Some(t) = name.strip_suffix(".mp4") {
            (t, Some(()), "video/mp4")
        } else {
            return not_found();
        };
        let mut st = shared.lock();
        st.settle();
        let Some(task) = st.tasks.get(task_id) else {
            return not_found();
        };
        let done_ok = matches!(task.phase(std::time::Instant::now()), Phase::Done { .. })
            && !matches!(task.outcome, Outcome::Fail { .. });
        if !done_ok {
            return not_found();
        }
        let bytes = match asset {
            None => assets::RESULT_LASTFRAME_PNG,
            Some(()) => assets::result_video(false, false, task.generate_audio),
        };
        (Source::Mem(bytes), ct.to_string())
    } else if let Some(p) = rest.strip_prefix("temp-uploads/") {
        let id = p.split('/').next().unwrap_or("");
        let st = shared.lock();
        match st.uploads.get(id) {
            Some(u) if u.path() == rest => match u.size {
                Some(size) => (
                    Source::File(u.disk_path.clone(), size),
                    u.content_type.clone(),
                ),
                None => return not_found(),
            },
            _ => return not_found(),
        }
    } else {
        return not_found();
    };

    let len = match &source {
        Source::Mem(b) => b.len() as u64,
        Source::File(_, n) => *n,
    };
    let range = match parse_range(req.header("range"), len) {
        Ok(r) => r,
        Err(()) => {
            let mut r = s3_error(
                416,
                "InvalidRange",
                "The requested range is not satisfiable",
            );
            r.set_header("Content-Range", &format!("bytes */{len}"));
            return r;
        }
    };
    let (status, start, end) = match range {
        Some((s, e)) => (206, s, e),
        None => (200, 0, len.saturating_sub(1)),
    };
    let count = if len == 0 { 0 } else { end - start + 1 };
    let body = match source {
        Source::Mem(b) => {
            let s = usize::try_from(start).unwrap_or(0);
            let e = usize::try_from(start + count).unwrap_or(b.len());
            Body::Static(&b[s..e])
        }
        Source::File(path, _) => Body::File {
            path,
            start,
            len: count,
        },
    };
    let mut resp = Response {
        status,
        headers: vec![
            ("Content-Type".into(), content_type),
            ("Accept-Ranges".into(), "bytes".into()),
            ("ETag".into(), format!("\"fake-{len}\"")),
        ],
        body,
    };
    if status == 206 {
        resp.set_header("Content-Range", &format!("bytes {start}-{end}/{len}"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 10), Ok(None));
        assert_eq!(parse_range(Some("bytes=4-"), 10), Ok(Some((4, 9))));
        assert_eq!(parse_range(Some("bytes=2-3"), 10), Ok(Some((2, 3))));
        assert_eq!(parse_range(Some("bytes=2-300"), 10), Ok(Some((2, 9))));
        assert_eq!(parse_range(Some("bytes=-3"), 10), Ok(Some((7, 9))));
        assert_eq!(parse_range(Some("bytes=10-"), 10), Err(()));
    }

    #[test]
    fn fingerprint_ignores_key_order_and_spacing() {
        let a = fingerprint(br#"{"model":"m","inputs":{"a":1,"b":[1,2]}}"#);
        let b = fingerprint(br#"{ "inputs": {"b":[1, 2], "a":1}, "model":"m" }"#);
        assert_eq!(a, b);
        assert_ne!(a, fingerprint(br#"{"model":"m"}"#));
    }

    #[test]
    fn task_ids() {
        assert!(task_id_well_formed("task_d5ibgnwdlw8fe3zpptx9mp0f"));
        assert!(task_id_well_formed("demo_task_t2v_success"));
        assert!(!task_id_well_formed("TASK-1"));
        assert!(!task_id_well_formed("task_../x"));
    }

    #[test]
    fn names() {
        assert_eq!(sanitize_file_name("my photo (1).PNG"), "my_photo__1_.PNG");
        assert_eq!(sanitize_file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(sanitize_file_name(".."), "file");
    }
}
