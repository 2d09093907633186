//! One function per fuzz target: bytes in, invariants checked, a panic when one breaks.
//!
//! Owns the invariants the fuzzers check, nothing else: no I/O except the ledger target's
//! temporary folder. Used three ways (libFuzzer, the mutation loop, the corpus replay in
//! `cargo test`), so it depends only on `seedance_core`, `arbitrary` and `tempfile`.

use std::io::Cursor;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arbitrary::{Arbitrary, Unstructured};
use seedance_core::api::error::TransportKind;
use seedance_core::api::parse::{
    parse_create_task, parse_error_body, parse_retry_after, parse_task_record, parse_upload_target,
    RETRY_AFTER_MAX, RETRY_AFTER_MIN,
};
use seedance_core::api::{
    ApiError, Endpoint, RetryAfter, TaskError, TaskStatus, TransportError, TransportStage,
};
use seedance_core::guidance::{guidance_for, CapWindow, Category, Failure, Refund};
use seedance_core::ledger::{Ledger, ListQuery, LEDGER_FILE};
use seedance_core::media::{probe_reader, MediaKind};
use seedance_core::model::{AspectRatio, Mode, ModelId, OutputFormat, Resolution, VideoJob};
use seedance_core::request::{GenerationRequest, Reference, ReferenceSource, UploadedCopy};
use seedance_core::retry;
use seedance_core::validate::validate;

/// A fuzz target: panics when an invariant breaks.
pub type Target = fn(&[u8]);

/// Every target, by the name of its corpus folder (`fuzz/corpus/<name>/`).
pub const TARGETS: &[(&str, Target)] = &[
    ("parse_task_record", parse_task_record_target),
    ("parse_create_task", parse_create_task_target),
    ("parse_error_body", parse_error_body_target),
    ("parse_upload_target", parse_upload_target_target),
    ("parse_retry_after", parse_retry_after_target),
    ("guidance", guidance_target),
    ("validate", validate_target),
    ("probe_reader", probe_reader_target),
    ("ledger_open", ledger_open_target),
];

/// The target called `name`.
pub fn by_name(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// Longest `detail` a guidance may carry (`guidance::DETAIL_MAX_CHARS`, plus the ellipsis).
const DETAIL_LIMIT_CHARS: usize = 601;

/// A record never claims an ending it was not given, and a task id is always usable.
pub fn parse_task_record_target(data: &[u8]) {
    let Ok(record) = parse_task_record(data) else {
        return;
    };
    assert!(!record.task_id.trim().is_empty(), "empty task id accepted");
    assert!(record.task_id.len() <= 256, "overlong task id accepted");
    if let TaskStatus::Unknown(status) = &record.status {
        assert!(!record.status.is_terminal());
        assert!(
            !matches!(
                status.as_str(),
                "success" | "fail" | "waiting" | "generating"
            ),
            "documented status {status:?} parsed as unknown"
        );
    }
    for item in &record.output {
        assert!(!item.url.is_empty(), "output item without url");
    }
    if let Some(credits) = record.credits_used {
        assert!(credits.is_finite(), "non-finite credits {credits}");
    }
    // What the ledger stores must survive a round trip.
    let json = serde_json::to_string(&record).expect("a record serializes");
    let back: seedance_core::api::TaskRecord =
        serde_json::from_str(&json).expect("a record deserializes");
    assert_eq!(back.task_id, record.task_id);
    assert_eq!(back.status, record.status);
    // A failure always reaches the creator as guidance with words in it.
    if let Some(error) = &record.error {
        check_guidance(&Failure::Task(error), None);
    }
}

pub fn parse_create_task_target(data: &[u8]) {
    if let Ok(id) = parse_create_task(data) {
        assert!(!id.trim().is_empty(), "empty task id accepted");
        assert!(id.len() <= 256, "overlong task id accepted");
    }
}

pub fn parse_error_body_target(data: &[u8]) {
    let Some(body) = parse_error_body(data) else {
        return;
    };
    for n in [body.required, body.available].into_iter().flatten() {
        assert!(n.is_finite(), "non-finite figure {n}");
    }
    // Every status with this body yields guidance, for every endpoint.
    let status = 400 + u16::from(data.first().copied().unwrap_or(0)) % 200;
    for endpoint in ENDPOINTS {
        let error = ApiError::Http {
            endpoint,
            status,
            body: Some(body.clone()),
            raw: None,
            retry_after: None,
        };
        check_guidance(&Failure::Api(&error), Some(&error));
    }
}

pub fn parse_upload_target_target(data: &[u8]) {
    if let Ok(target) = parse_upload_target(data) {
        assert!(!target.upload_url.is_empty() && !target.url.is_empty());
    }
}

/// RFC 9110 §10.2.3: delta-seconds or an HTTP-date; anything accepted is clamped.
pub fn parse_retry_after_target(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for at in [now, SystemTime::now(), UNIX_EPOCH] {
        if let Some(RetryAfter(wait)) = parse_retry_after(text, at) {
            assert!(
                (RETRY_AFTER_MIN..=RETRY_AFTER_MAX).contains(&wait),
                "Retry-After {text:?} gave {wait:?}"
            );
        }
    }
    let trimmed = text.trim();
    if trimmed.starts_with('-') || trimmed.contains('.') && trimmed.parse::<f64>().is_ok() {
        assert_eq!(
            parse_retry_after(text, now),
            None,
            "{text:?} is not delta-seconds"
        );
    }
}

const ENDPOINTS: [Endpoint; 5] = [
    Endpoint::CreateTask,
    Endpoint::RecordInfo,
    Endpoint::UploadTarget,
    Endpoint::UploadPut,
    Endpoint::Download,
];

/// Builds any failure `guidance_for` accepts from the bytes, parsing the service-shaped
/// parts with the real parsers.
pub fn guidance_target(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let endpoint = ENDPOINTS[usize::from(u8::arbitrary(&mut u).unwrap_or(0)) % ENDPOINTS.len()];
    let choice = u8::arbitrary(&mut u).unwrap_or(0) % 8;
    let rest = u.take_rest();
    let text = String::from_utf8_lossy(rest);
    match choice {
        0 | 1 => {
            let status = 100
                + u16::from_le_bytes([
                    rest.first().copied().unwrap_or(0),
                    rest.get(1).copied().unwrap_or(0),
                ]) % 500;
            let raw_bytes = rest.get(2..).unwrap_or_default();
            let body = parse_error_body(raw_bytes);
            let raw = body
                .is_none()
                .then(|| String::from_utf8_lossy(raw_bytes).into_owned());
            let retry_after = parse_retry_after(&text, SystemTime::now());
            let error = ApiError::Http {
                endpoint,
                status,
                body,
                raw,
                retry_after,
            };
            check_guidance(&Failure::Api(&error), Some(&error));
        }
        2 => {
            let stages = [
                TransportStage::Connect,
                TransportStage::Request,
                TransportStage::ResponseBody,
            ];
            let kinds = [
                TransportKind::Dns,
                TransportKind::Refused,
                TransportKind::Timeout,
                TransportKind::Reset,
                TransportKind::Tls,
                TransportKind::Other,
            ];
            let b = rest.first().copied().unwrap_or(0);
            let error = ApiError::Transport {
                endpoint,
                error: TransportError {
                    stage: stages[usize::from(b) % stages.len()],
                    kind: kinds[usize::from(b / 3) % kinds.len()],
                    detail: text.into_owned(),
                },
            };
            check_guidance(&Failure::Api(&error), Some(&error));
        }
        3 => {
            let error = ApiError::Malformed {
                endpoint,
                status: 200,
                reason: "fuzz".into(),
                raw: text.into_owned(),
            };
            check_guidance(&Failure::Api(&error), Some(&error));
        }
        4 => {
            let error = match parse_task_record(rest) {
                Ok(record) => match record.error {
                    Some(error) => error,
                    None => return,
                },
                Err(_) => {
                    let (code, message) = text.split_once('|').unwrap_or(("", &text));
                    TaskError {
                        code: (!code.is_empty()).then(|| code.to_owned()),
                        message: message.to_owned(),
                    }
                }
            };
            check_guidance(&Failure::Task(&error), None);
        }
        5 => check_guidance(&Failure::SubmissionUnknown { detail: &text }, None),
        6 => {
            let (field, message) = text.split_once('|').unwrap_or(("", &text));
            check_guidance(&Failure::LocalInput { field, message }, None);
        }
        _ => {
            let mut u = Unstructured::new(rest);
            let window = if bool::arbitrary(&mut u).unwrap_or(false) {
                CapWindow::Daily
            } else {
                CapWindow::Monthly
            };
            let cap = f64::arbitrary(&mut u).unwrap_or(0.0);
            let reserved = f64::arbitrary(&mut u).unwrap_or(0.0);
            let needed = f64::arbitrary(&mut u).unwrap_or(0.0);
            check_guidance(
                &Failure::SpendingCap {
                    window,
                    cap,
                    reserved,
                    needed,
                },
                None,
            );
            check_guidance(&Failure::MissingKey, None);
        }
    }
}

/// What every guidance promises: words to show, a bounded detail, no bearer token, and
/// a possibly-charged submission always reported as such.
fn check_guidance(failure: &Failure, api: Option<&ApiError>) {
    let g = guidance_for(failure);
    assert!(!g.title.trim().is_empty(), "empty title for {failure:?}");
    assert!(
        !g.explanation.trim().is_empty(),
        "empty explanation for {failure:?}"
    );
    if let Some(detail) = &g.detail {
        assert!(
            detail.chars().count() <= DETAIL_LIMIT_CHARS,
            "detail of {} chars",
            detail.chars().count()
        );
        assert_bearer_redacted(detail);
    }
    if let Some(error) = api {
        if retry::submission_outcome_unknown(error) {
            assert_eq!(g.category, Category::SubmissionUnknown, "{error:?}");
            assert_eq!(g.refunded, Refund::Unknown, "{error:?}");
            assert!(
                !g.retryable,
                "an unknown submission offered as a plain retry"
            );
        }
        if error.endpoint() == Endpoint::CreateTask && g.category == Category::SubmissionUnknown {
            assert!(retry::submission_outcome_unknown(error), "{error:?}");
        }
    }
    let json = serde_json::to_value(&g).expect("guidance serializes");
    let back: seedance_core::guidance::Guidance =
        serde_json::from_value(json).expect("guidance deserializes");
    assert_eq!(back, g);
}

/// Whatever follows `Bearer ` in a detail (case-insensitive) is `<redacted>`, never a
/// token: a proxy or the service echoing the header must not put the key on screen.
fn assert_bearer_redacted(detail: &str) {
    let lower = detail.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("bearer ") {
        let after = from + at + "bearer ".len();
        let next = detail[after..].chars().next();
        assert!(
            // `…`: the detail was clipped right after an already redacted `Bearer `.
            next.is_none_or(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '…')),
            "a bearer token survived in the detail: {detail:?}"
        );
        from = after;
    }
}

/// A `GenerationRequest` from fuzz bytes (no derive in the core: built field by field).
pub fn arbitrary_request(u: &mut Unstructured) -> arbitrary::Result<GenerationRequest> {
    let model = *u.choose(ModelId::all())?;
    let mut prompt = String::arbitrary(u)?;
    // Reach the 10,000-character limit without needing 10 kB of input.
    let repeat = u.int_in_range(0u16..=2_600)?;
    if repeat > 2_000 && !prompt.is_empty() {
        prompt = prompt.repeat(usize::from(repeat - 2_000) * 20);
    }
    let mut references = Vec::new();
    for _ in 0..u.int_in_range(0u8..=14)? {
        let kind = *u.choose(&[MediaKind::Image, MediaKind::Video, MediaKind::Audio])?;
        let source = if bool::arbitrary(u)? {
            ReferenceSource::Url {
                url: String::arbitrary(u)?,
            }
        } else {
            ReferenceSource::LocalFile {
                // Never a real file: validation must not depend on this machine.
                path: format!("/nonexistent-seedance-fuzz/{}", u8::arbitrary(u)?).into(),
                uploaded: Option::<(String, i64)>::arbitrary(u)?.map(|(url, uploaded_at_ms)| {
                    UploadedCopy {
                        url,
                        uploaded_at_ms,
                    }
                }),
            }
        };
        references.push(Reference {
            kind,
            source,
            duration_ms: Option::<u64>::arbitrary(u)?,
        });
    }
    Ok(GenerationRequest {
        model,
        prompt,
        references,
        mode: *u.choose(&[None, Some(Mode::Keyframe), Some(Mode::Reference)])?,
        duration_secs: u32::arbitrary(u)? % 40,
        resolution: *u.choose(&Resolution::ALL)?,
        aspect_ratio: if bool::arbitrary(u)? {
            Some(*u.choose(&AspectRatio::ALL)?)
        } else {
            None
        },
        generate_audio: bool::arbitrary(u)?,
        high_bitrate: bool::arbitrary(u)?,
        seed: Option::<i64>::arbitrary(u)?,
        output_format: *u.choose(&[None, Some(OutputFormat::Mp4), Some(OutputFormat::Mov)])?,
        video_job: *u.choose(&[
            None,
            Some(VideoJob::Restyle),
            Some(VideoJob::Edit),
            Some(VideoJob::Extend),
        ])?,
    })
}

/// A request `validate` accepts is one the service would take: within every documented
/// limit, priced, and (once its references have URLs) serializable to a createTask body.
pub fn validate_target(data: &[u8]) {
    let Ok(request) = arbitrary_request(&mut Unstructured::new(data)) else {
        return;
    };
    let validation = validate(&request);
    if !validation.is_valid() {
        assert!(!validation.problems.is_empty());
        return;
    }
    let limits = request.model.limits();
    assert!(
        request.prompt.chars().count() <= limits.prompt_max_chars,
        "prompt of {} chars accepted",
        request.prompt.chars().count()
    );
    // A model without a duration (an edit) sends none; a "2.0 way" edit sends the
    // source's length.
    let duration = request.effective_duration_secs();
    assert!(
        limits.max_duration_secs == 0
            || (limits.min_duration_secs..=limits.max_duration_secs).contains(&duration),
        "duration {duration} accepted"
    );
    assert!(request.model.resolutions().contains(&request.resolution));
    assert!(request.count_of(MediaKind::Image) <= limits.max_images);
    assert!(request.count_of(MediaKind::Video) <= limits.max_videos);
    assert!(request.count_of(MediaKind::Audio) <= limits.max_audios);
    let audio_only = request.count_of(MediaKind::Audio) > 0
        && request.count_of(MediaKind::Image) + request.count_of(MediaKind::Video) == 0;
    assert!(!audio_only, "audio-only references accepted");
    let video_ms: u64 = request
        .references_of(MediaKind::Video)
        .filter_map(|r| r.duration_ms)
        .fold(0u64, u64::saturating_add);
    assert!(
        u128::from(video_ms) <= limits.max_combined_video.as_millis(),
        "{video_ms} ms of reference video accepted"
    );
    if let Some(seed) = request.seed {
        assert!(
            seed == -1 || u64::try_from(seed).is_ok_and(|s| s <= limits.seed_max),
            "seed {seed} accepted"
        );
    }
    let estimate = seedance_core::pricing::estimate(&request).expect("a valid request has a price");
    assert!(estimate.credits.is_finite() && estimate.credits > 0.0);
    if let Ok(body) = request.create_task_body() {
        assert_eq!(body["model"], request.model.wire_id());
        assert!(serde_json::to_vec(&body).is_ok());
    }
}

/// Any bytes, any claimed length: an answer or an error, never a panic or a hang.
pub fn probe_reader_target(data: &[u8]) {
    let len = data.len() as u64;
    if let Ok(info) = probe_reader(Cursor::new(data), len) {
        assert_eq!(info.size_bytes, len);
        if info.kind == MediaKind::Image {
            assert!(info.duration.is_none(), "an image with a duration");
        }
    }
    // A length that lies (a file that shrank while being read).
    let _ = probe_reader(Cursor::new(data), len.saturating_mul(2).max(1));
}

/// A ledger file of any bytes: the app opens (read-write or read-only) or refuses, never
/// panics, and never overwrites or deletes the file it could not read.
pub fn ledger_open_target(data: &[u8]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(LEDGER_FILE);
    std::fs::write(&path, data).expect("write ledger bytes");
    let Ok((ledger, report)) = Ledger::open(dir.path()) else {
        return;
    };
    if let Some(aside) = &report.moved_aside {
        let kept = std::fs::read(aside).expect("the moved-aside file exists");
        assert!(
            kept == data,
            "the unreadable ledger was changed when moved aside"
        );
    }
    if report.read_only {
        assert!(ledger.is_read_only());
    }
    let _ = ledger.list(&ListQuery::default());
    let _ = ledger.in_flight();
    if !ledger.is_read_only() {
        let _ = ledger.recover_after_restart(0);
    }
    drop(ledger);
    if report.read_only {
        assert!(
            std::fs::read(&path).expect("still there") == data,
            "a read-only ledger was modified"
        );
    }
}
