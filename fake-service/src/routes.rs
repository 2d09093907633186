//! The service's endpoints: authentication, createTask (validation, concurrency, credits
//! and 2.5 settlements, scripted outcomes), recordInfo, the two-step upload (slot + signed
//! PUT + confirm), the static file host with Range support (result files embedded or
//! rendered) and the signed host of 2.5 last frames.

use std::io::Read;
use std::path::PathBuf;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::assets;
use crate::config::round_credits;
use crate::faults::concurrency_body;
use crate::http::{Body, Conn, Framing, ReadError, Request, Response};
use crate::markers;
use crate::render::RenderSpec;
use crate::state::{self, NewTask, Outcome, Phase, Shared, Upload, DEMO_API_KEY};
use crate::tos;
use crate::validate::{self, Family, Rejection, ValidRequest, ASPECT_RATIOS};

/// Seconds assumed for a reference video whose length cannot be known.
const DEFAULT_VIDEO_SECS: f64 = 5.0;

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
    let videos: Vec<MediaMeta> = valid
        .video_urls
        .iter()
        .map(|u| media_meta(shared, u, true))
        .collect();
    let video_seconds: Vec<f64> = videos
        .iter()
        .map(|m| m.seconds.unwrap_or(DEFAULT_VIDEO_SECS))
        .collect();
    let first_image = valid
        .image_urls
        .first()
        .map(|u| media_meta(shared, u, false));
    // Audio lengths are known only from `duration=S` or an uploaded MP4-family file.
    let audio_seconds: Vec<f64> = valid
        .audio_urls
        .iter()
        .filter_map(|u| media_meta(shared, u, true).seconds)
        .collect();
    let aspect_ratio = effective_aspect(&valid, videos.first(), first_image.as_ref());
    let scripted = scripted_outcome(&valid, &video_seconds, &audio_seconds);
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
    let final_credits = settled_credits(&valid, &video_seconds, rate);
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
        final_credits,
        video_seconds,
        aspect_ratio,
        fingerprint: fp,
        scripted,
        wait_seconds: marks.wait_seconds,
        gen_seconds: marks.gen_seconds,
    });
    Response::json(200, &json!({ "taskId": id }))
}

/// What the 2.5 family's `creditsUsed` is rewritten to after success (service-api §12.3.2):
/// reference video `(reference seconds ≤ 30 + duration) × ref rate`; extend `(source
/// seconds ≤ 30 + duration) × rate` (every video counts); edit `2 × source seconds (≤ 30) ×
/// rate`. Settled seconds are rounded to whole seconds. `None`: the reservation is final.
fn settled_credits(v: &ValidRequest, video_seconds: &[f64], rate: f64) -> Option<f64> {
    let total: f64 = video_seconds.iter().sum();
    let duration = f64::from(v.billed_seconds);
    let seconds = match v.spec.family {
        Family::V25 if !video_seconds.is_empty() => total.min(30.0) + duration,
        Family::V25Extend => total.min(30.0) + duration,
        Family::V25Edit => 2.0 * video_seconds.first().copied().unwrap_or(0.0).min(30.0),
        _ => return None,
    };
    Some(round_credits(seconds.round() * rate))
}

/// The aspect ratio of the output. 2.0: `aspectRatio` or 16:9, as before. 2.5: edit and
/// extend keep the source's shape; keyframe tasks keep the image's and ignore `aspectRatio`;
/// reference tasks follow their references unless `aspectRatio` is set (service-api
/// §12.1.2). A reference's shape is known from a `ratio=W:H` query parameter or from a file
/// uploaded to this fake; otherwise 16:9.
fn effective_aspect(
    v: &ValidRequest,
    first_video: Option<&MediaMeta>,
    first_image: Option<&MediaMeta>,
) -> String {
    let source = first_video.and_then(|m| m.ratio);
    let image = first_image.and_then(|m| m.ratio);
    let chosen = match v.spec.family {
        Family::V20 => Some(v.aspect_ratio.as_str()),
        Family::V25Edit | Family::V25Extend => source,
        Family::V25 => match state::effective_mode(v) {
            "keyframe" => image,
            "reference" if v.aspect_ratio_set => Some(v.aspect_ratio.as_str()),
            "reference" => source.or(image),
            _ => Some(v.aspect_ratio.as_str()),
        },
        // Wan image-to-video: `adaptive` keeps the image's shape, the others recompose it.
        Family::WanImage if v.aspect_ratio == "adaptive" => image,
        Family::WanText | Family::WanImage | Family::WanRef => Some(v.aspect_ratio.as_str()),
    };
    chosen.unwrap_or("16:9").to_string()
}

/// The outcome decided by prompt markers, else by inputs that are accepted but fail
/// (service-api §3.4, §12.1.1, §12.5.2, §12.5.3): audio-only references; a 2.5 edit source
/// outside 4–30 s; a 2.5 reference video outside 2–30 s; too much reference video in total;
/// an empty 2.5 prompt; Wan reference videos over 15 s each or over 30 s with the
/// `duration`, and reference audio over 15 s.
fn scripted_outcome(
    v: &ValidRequest,
    video_seconds: &[f64],
    audio_seconds: &[f64],
) -> Option<(Outcome, bool)> {
    if let Some(o) = markers::parse(&v.prompt).outcome {
        return Some(o);
    }
    let fail = |code: &str, message: &str| {
        Some((
            Outcome::Fail {
                code: Some(code.into()),
                message: message.into(),
            },
            true,
        ))
    };
    if v.spec.family.is_wan() {
        return wan_input_failure(v, video_seconds, audio_seconds)
            .and_then(|m| fail("InvalidParameter", &m));
    }
    let v25 = v.spec.family.is_v25();
    if !v.audio_urls.is_empty() && v.image_urls.is_empty() && v.video_urls.is_empty() {
        return fail(
            "InvalidParameter",
            "Audio cannot be the only reference input. Please also provide an image or video reference.",
        );
    }
    if v.spec.family == Family::V25Edit {
        let source = video_seconds.first().copied().unwrap_or(0.0);
        if !(4.0..=30.0).contains(&source) {
            return fail("1001", markers::EDIT_PARAMS);
        }
    }
    if v25 && video_seconds.iter().any(|s| !(2.0..=30.0).contains(s)) {
        return fail("InvalidParameter", markers::VIDEO_LENGTH_25);
    }
    let total: f64 = video_seconds.iter().sum();
    if total > v.spec.max_ref_video_secs + 1e-9 {
        return fail(
            "InvalidParameter",
            if v25 {
                markers::VIDEO_TOTAL_25
            } else {
                "Reference video total duration exceeds the limit. Please use videos with a combined duration of 15 seconds or less."
            },
        );
    }
    if v25 && v.prompt.trim().is_empty() {
        return fail("InvalidParameter", markers::EMPTY_PROMPT_25);
    }
    None
}

/// Wan's reference-to-video limits, checked after creation with the documented messages.
fn wan_input_failure(
    v: &ValidRequest,
    video_seconds: &[f64],
    audio_seconds: &[f64],
) -> Option<String> {
    for (url, secs) in v.video_urls.iter().zip(video_seconds) {
        if *secs > 15.0 {
            return Some(format!(
                "Wan 3.0 generation failed: InvalidParameter - {url} duration should be at most 15s, got {secs:.2}s"
            ));
        }
    }
    let videos: f64 = video_seconds.iter().sum();
    let duration = f64::from(v.billed_seconds);
    if !video_seconds.is_empty() && videos + duration > 30.0 {
        return Some(format!(
            "Wan 3.0 generation failed: InvalidParameter - input_video_duration({videos:.2}s) + duration({duration:.1}s) = {:.2}s exceeds 30s limit",
            videos + duration
        ));
    }
    if audio_seconds.iter().sum::<f64>() > 15.0 {
        return Some("Reference audio total duration exceeds the limit. Please use audio with a combined duration of 15 seconds or less.".into());
    }
    None
}

/// What the fake knows of a reference file: its length (videos) and its shape.
#[derive(Debug, Clone, Copy, Default)]
struct MediaMeta {
    seconds: Option<f64>,
    ratio: Option<&'static str>,
}

/// Reads a `W:H` / `WxH` ratio into the nearest supported one.
fn parse_ratio(s: &str) -> Option<&'static str> {
    if let Some(r) = ASPECT_RATIOS.iter().find(|r| **r == s) {
        return Some(r);
    }
    let (w, h) = s.split_once([':', 'x', 'X'])?;
    state::nearest_ratio(w.trim().parse().ok()?, h.trim().parse().ok()?)
}

/// A reference's length and shape: `duration=S` and `ratio=W:H` query parameters (the
/// fake's convention for references it cannot fetch), else the file itself when it was
/// uploaded to this fake (a video's `mvhd` and `tkhd`, an image's header). A video whose
/// length cannot be known counts as [`DEFAULT_VIDEO_SECS`].
fn media_meta(shared: &Shared, url: &str, video: bool) -> MediaMeta {
    let (base, qs) = url.split_once('?').unwrap_or((url, ""));
    let query = crate::http::parse_query(qs);
    let param = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let mut meta = MediaMeta {
        seconds: param("duration")
            .and_then(|d| d.parse::<f64>().ok())
            .filter(|d| d.is_finite() && *d >= 0.0),
        ratio: param("ratio").and_then(parse_ratio),
    };
    if meta.seconds.is_some() && meta.ratio.is_some() {
        return meta;
    }
    let prefix = format!("{}/static/temp-uploads/", shared.origin);
    let Some(rest) = base.strip_prefix(&prefix) else {
        return meta;
    };
    let id = rest.split('/').next().unwrap_or("");
    let disk: Option<PathBuf> = shared
        .lock()
        .uploads
        .get(id)
        .filter(|u| u.size.is_some())
        .map(|u| u.disk_path.clone());
    let Some(path) = disk else { return meta };
    if video {
        if let Some(info) = crate::media::probe_file(&path) {
            meta.seconds = meta.seconds.or(Some(info.duration_secs));
            let shape = info
                .video()
                .and_then(|t| state::nearest_ratio(t.width, t.height));
            meta.ratio = meta.ratio.or(shape);
        }
    } else {
        let mut head = Vec::new();
        let read =
            std::fs::File::open(&path).and_then(|f| f.take(256 * 1024).read_to_end(&mut head));
        if read.is_ok() {
            let shape =
                crate::media::image_size(&head).and_then(|(_, w, h)| state::nearest_ratio(w, h));
            meta.ratio = meta.ratio.or(shape);
        }
    }
    meta
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
/// `GET /__demo/balance`: `{"balance": credits}`, the wallet after the refunds and
/// settlements due by now. Not part of the service: only the app's demo asks for it.
pub fn demo_balance(shared: &Shared) -> Response {
    let mut st = shared.lock();
    st.settle();
    Response::json(200, &json!({ "balance": state::number(st.balance) }))
}

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
    let view = st.view(&shared.origin, &shared.secret);
    let Some(task) = st.tasks.get(id) else {
        return Response::message(404, "Task not found");
    };
    if let Some(owner) = &task.owner {
        if *owner != key {
            return Response::message(403, "Access denied");
        }
    }
    Response::json(200, &task.record(&view))
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
    let id = crate::ids::random_alnum(24);
    let mut st = shared.lock();
    let ttl = st.config.upload_url_ttl_secs;
    let expires = st.wall_unix() + ttl;
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
    if shared.lock().wall_unix() > expires {
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
    let at = st.wall_ms();
    if let Some(u) = st.uploads.get_mut(&id) {
        u.size = Some(size);
        u.uploaded_ms = Some(at);
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

/// Where the bytes of an answer come from.
enum Source {
    Mem(&'static [u8]),
    File(PathBuf, u64),
}

/// A task's result file: an embedded asset, or in render mode the rendered one.
enum ResultFile {
    Embedded(&'static [u8]),
    Rendered {
        spec: RenderSpec,
        ffmpeg: String,
        last_frame: bool,
    },
}

impl ResultFile {
    /// The bytes' source, rendering first if needed (on a blocking thread).
    async fn source(self, shared: &Shared) -> Result<Source, Response> {
        match self {
            ResultFile::Embedded(b) => Ok(Source::Mem(b)),
            ResultFile::Rendered {
                spec,
                ffmpeg,
                last_frame,
            } => {
                let renderer = shared.lock().renderer.clone();
                let done = tokio::task::spawn_blocking(move || renderer.ensure(&spec, &ffmpeg))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r);
                let path = match done {
                    Ok(r) if last_frame => r.last_frame,
                    Ok(r) => r.video,
                    Err(e) => {
                        return Err(Response::raw(
                            500,
                            "text/plain; charset=utf-8",
                            format!("render failed: {e}").into_bytes(),
                        ))
                    }
                };
                match std::fs::metadata(&path) {
                    Ok(m) => Ok(Source::File(path, m.len())),
                    Err(e) => Err(Response::raw(
                        500,
                        "text/plain; charset=utf-8",
                        format!("render failed: {e}").into_bytes(),
                    )),
                }
            }
        }
    }
}

/// The file of a finished, successful task: its video or last frame, embedded or rendered.
fn result_file(
    st: &crate::state::State,
    task: &crate::state::Task,
    last_frame: bool,
) -> ResultFile {
    if st.config.render_results {
        return ResultFile::Rendered {
            spec: task.render_spec(),
            ffmpeg: st.config.ffmpeg.clone(),
            last_frame,
        };
    }
    ResultFile::Embedded(match (last_frame, task.frame_key.is_some()) {
        (true, true) => assets::RESULT_LASTFRAME_JPG,
        (true, false) => assets::RESULT_LASTFRAME_PNG,
        (false, _) => {
            assets::result_video(task.output_format == "mov", task.hevc, task.generate_audio)
        }
    })
}

/// `GET`/`HEAD /static/…`: result files and uploaded files, with Range support.
pub async fn static_file(shared: &Shared, req: &Request) -> Response {
    if req.method != "GET" && req.method != "HEAD" {
        return s3_error(
            405,
            "MethodNotAllowed",
            "The specified method is not allowed.",
        );
    }
    let rest = req.path.strip_prefix("/static/").unwrap_or("");
    let not_found = || s3_error(404, "NoSuchKey", "The specified key does not exist.");

    let (source, content_type) = if let Some(name) = rest.strip_prefix("videos/") {
        let (file, content_type) = {
            let mut st = shared.lock();
            st.settle();
            let now = st.now();
            let (task_id, last_frame) = match name.strip_suffix("_lastframe.png") {
                Some(t) => (t, true),
                None => {
                    let stem = name.rsplit_once('.').map_or(name, |(t, _)| t);
                    (stem.strip_prefix("wan3_").unwrap_or(stem), false)
                }
            };
            let Some(task) = st.tasks.get(task_id) else {
                return not_found();
            };
            let done_ok = matches!(task.phase(now), Phase::Done { .. })
                && !matches!(task.outcome, Outcome::Fail { .. });
            // Only the 2.0 family has a last frame here (2.5's live on the signed host, Wan
            // has none); a video only under its own name.
            let right_name = if last_frame {
                task.family == Family::V20
            } else {
                name == task.video_file()
            };
            if !done_ok || !right_name {
                return not_found();
            }
            let ct = if last_frame {
                "image/png"
            } else {
                task.media_type()
            };
            (result_file(&st, task, last_frame), ct.to_string())
        };
        match file.source(shared).await {
            Ok(s) => (s, content_type),
            Err(r) => return r,
        }
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
    serve(req, source, content_type)
}

/// `GET`/`HEAD /tos/…`: a 2.5 last frame on the imitated signed object host. It answers 403
/// with the store's XML once the link's `X-Tos-Expires` (service seconds × `time_scale`)
/// has passed since completion or after `last_frame_max_downloads` GETs.
pub async fn signed_object(shared: &Shared, req: &Request) -> Response {
    if req.method != "GET" && req.method != "HEAD" {
        return tos::error(
            405,
            "MethodNotAllowed",
            "The specified method is not allowed.",
        );
    }
    let no_key = || tos::error(404, "NoSuchKey", "The specified key does not exist.");
    let file = {
        let mut st = shared.lock();
        st.settle();
        let (now, now_ms) = (st.now(), st.wall_ms());
        let scale = st.config.effective_time_scale();
        let max = st.config.last_frame_max_downloads;
        let Some(task_id) = tos::key_of(&req.path)
            .and_then(|k| st.frame_keys.get(k))
            .cloned()
        else {
            return no_key();
        };
        let file = {
            let Some(task) = st.tasks.get(&task_id) else {
                return no_key();
            };
            let Some(at_ms) = task.success_ms(now) else {
                return no_key();
            };
            let key = task.frame_key.as_deref().unwrap_or("");
            if req.path != tos::object_path(key, at_ms) {
                return no_key();
            }
            let ttl = match tos::verify(&shared.secret, &req.path, |k| {
                req.query(k).map(str::to_string)
            }) {
                Ok(t) => t,
                Err(r) => return r,
            };
            let lifetime_ms = (ttl as f64 * scale * 1000.0).round() as u64;
            if now_ms > at_ms.saturating_add(lifetime_ms) {
                return tos::error(403, "AccessDenied", "Request has expired");
            }
            if req.method == "GET" && task.frame_downloads >= max {
                return tos::error(403, "AccessDenied", "Access Denied");
            }
            result_file(&st, task, true)
        };
        if req.method == "GET" {
            if let Some(t) = st.tasks.get_mut(&task_id) {
                t.frame_downloads += 1;
            }
        }
        file
    };
    match file.source(shared).await {
        Ok(source) => serve(req, source, "image/jpeg".to_string()),
        Err(r) => r,
    }
}

/// Answers with `source`, honouring a `Range` header.
fn serve(req: &Request, source: Source, content_type: String) -> Response {
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
