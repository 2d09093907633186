//! The API client over real HTTP against the fake service on 127.0.0.1: every method's
//! happy path, every documented error body, the transport failures (refused, resets before
//! and after the service acted, stalls, trickles, truncated bodies), a 300 MB streamed
//! upload with bounded memory, resumable downloads and the key never leaking.
#![allow(clippy::unwrap_used)]

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use seedance_core::api::client::{KeyCheck, PROBE_TASK_ID};
use seedance_core::api::error::TransportKind;
use seedance_core::api::transfer::DownloadOutcome;
use seedance_core::api::{
    ApiClient, ApiError, ClientConfig, Endpoint, ErrorBody, RetryAfter, TaskStatus, TransportError,
    TransportStage, UploadTarget,
};
use seedance_core::secret::ApiKey;
use seedance_fake::{Endpoint as FakeEndpoint, FakeConfig, FakeService, Fault, Outcome};
use serde_json::{json, Value};

const KEY: &str = "sk_test_client_alice";

async fn fake() -> FakeService {
    FakeService::start(FakeConfig {
        time_scale: 0.01,
        ..FakeConfig::default()
    })
    .await
    .unwrap()
}

fn config_for(base: &str, request_timeout: Duration) -> ClientConfig {
    let mut config = ClientConfig::new(base).unwrap();
    config.request_timeout = request_timeout;
    config.download_read_timeout = request_timeout;
    config.upload_stall_timeout = request_timeout;
    config
}

fn client(fake: &FakeService) -> ApiClient {
    ApiClient::new(config_for(&fake.base_url(), Duration::from_secs(10))).unwrap()
}

fn key(k: &str) -> ApiKey {
    ApiKey::new(k).unwrap()
}

fn t2v(prompt: &str) -> Value {
    json!({"model": "seedance-20", "inputs": {"prompt": prompt, "duration": 5, "outputResolution": "720p", "aspectRatio": "16:9"}})
}

fn no_progress(_: u64, _: u64) {}

/// The parts of an `ApiError::Http`, or a panic naming what came instead.
fn http(
    result: Result<impl std::fmt::Debug, ApiError>,
) -> (
    Endpoint,
    u16,
    Option<ErrorBody>,
    Option<String>,
    Option<RetryAfter>,
) {
    match result {
        Err(ApiError::Http {
            endpoint,
            status,
            body,
            raw,
            retry_after,
        }) => (endpoint, status, body, raw, retry_after),
        other => panic!("expected ApiError::Http, got {other:?}"),
    }
}

fn transport(result: Result<impl std::fmt::Debug, ApiError>) -> (Endpoint, TransportError, bool) {
    match result {
        Err(e @ ApiError::Transport { .. }) => {
            let reached = e.may_have_reached_service();
            let ApiError::Transport { endpoint, error } = e else {
                unreachable!()
            };
            (endpoint, error, reached)
        }
        other => panic!("expected ApiError::Transport, got {other:?}"),
    }
}

fn message(body: &Option<ErrorBody>) -> &str {
    body.as_ref()
        .and_then(|b| b.message.as_deref())
        .unwrap_or("<no message>")
}

/// Bytes that are not all alike, so a misplaced range shows up in a comparison.
fn pattern(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9E37_79B9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

async fn upload_bytes(
    fake: &FakeService,
    api: &ApiClient,
    name: &str,
    bytes: &[u8],
) -> UploadTarget {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let target = api.request_upload(&key(KEY), name).await.unwrap();
    let content_type = target.content_type.clone().unwrap();
    api.put_file(&target, &path, &content_type, &no_progress)
        .await
        .unwrap();
    assert_eq!(fake.stats().auth_header_leaks, 0);
    target
}

#[tokio::test]
async fn a_task_is_created_polled_to_success_and_its_results_downloaded() {
    let fake = fake().await;
    let api = client(&fake);
    fake.queue_outcome(Outcome::Stuck);
    let id = api
        .create_task(&key(KEY), &t2v("a lighthouse at dusk"))
        .await
        .unwrap();
    assert!(id.starts_with("task_"), "{id}");

    let running = api.record_info(&key(KEY), &id).await.unwrap();
    assert_eq!(running.task_id, id);
    assert!(
        matches!(running.status, TaskStatus::Waiting | TaskStatus::Generating),
        "{running:?}"
    );
    assert!(running.output.is_empty());
    assert_eq!(running.credits_used, Some(200.0));

    assert!(fake.complete_task(&id).await);
    let done = api.record_info(&key(KEY), &id).await.unwrap();
    assert_eq!(done.status, TaskStatus::Success);
    assert_eq!(done.model.as_deref(), Some("seedance-20"));
    assert_eq!(done.output.len(), 1);
    let item = &done.output[0];
    assert_eq!((item.width, item.height), (Some(1280), Some(720)));
    assert_eq!(item.media_type.as_deref(), Some("video/mp4"));
    assert!(done.complete_time.is_some() && done.error.is_none());

    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("video.mp4.partial");
    let seen = Mutex::new(Vec::new());
    let record = |done: u64, total: u64| seen.lock().unwrap().push((done, total));
    let outcome = api.download_to(&item.url, &video, &record).await.unwrap();
    let expected = include_bytes!("../../fake-service/assets/result.mp4");
    assert_eq!(std::fs::read(&video).unwrap(), expected);
    assert_eq!(
        outcome,
        DownloadOutcome {
            bytes: expected.len() as u64,
            resumed_from: 0,
            content_type: Some("video/mp4".into())
        }
    );
    let seen = seen.into_inner().unwrap();
    assert_eq!(
        seen.last(),
        Some(&(expected.len() as u64, expected.len() as u64))
    );

    let frame = dir.path().join("frame.png.partial");
    let last_frame = item.last_frame_image.as_deref().unwrap();
    api.download_to(last_frame, &frame, &no_progress)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(&frame).unwrap(),
        include_bytes!("../../fake-service/assets/result_lastframe.png")
    );

    let stats = fake.stats();
    assert_eq!(stats.create_task_calls, 1);
    assert_eq!(stats.record_info_by_task.get(&id), Some(&2));
    assert_eq!(stats.static_gets, 2);
    assert_eq!(
        stats.auth_header_leaks, 0,
        "{:?}",
        stats.auth_header_leak_paths
    );
}

#[tokio::test]
async fn task_failures_in_both_shapes_come_back_as_records() {
    let fake = fake().await;
    let api = client(&fake);
    fake.queue_outcome(Outcome::Fail {
        code: Some("2038".into()),
        message: "Your input text violates platform rules. Please modify and try again.".into(),
    });
    fake.queue_outcome(Outcome::Fail {
        code: None,
        message: "Task execution failed".into(),
    });
    for (code, msg) in [
        (
            Some("2038"),
            "Your input text violates platform rules. Please modify and try again.",
        ),
        (None, "Task execution failed"),
    ] {
        let id = api.create_task(&key(KEY), &t2v("a cat")).await.unwrap();
        fake.complete_task(&id).await;
        let record = api.record_info(&key(KEY), &id).await.unwrap();
        assert_eq!(record.status, TaskStatus::Fail);
        let error = record.error.unwrap();
        assert_eq!(error.code.as_deref(), code);
        assert_eq!(error.message, msg);
        assert!(record.output.is_empty());
    }
}

#[tokio::test]
async fn the_task_id_is_url_encoded() {
    let fake = fake().await;
    let api = client(&fake);
    let odd = "task_a&taskId=task_b c/ü";
    let (_, status, body, ..) = http(api.record_info(&key(KEY), odd).await);
    assert_eq!((status, message(&body)), (400, "Invalid taskId"));
    assert_eq!(fake.stats().record_info_by_task.get(odd), Some(&1));
}

#[tokio::test]
async fn every_documented_http_error_reaches_api_error_with_status_and_body() {
    let fake = fake().await;
    let api = client(&fake);
    let alice = key(KEY);

    let mut bad_callback = t2v("x");
    bad_callback["callBackUrl"] = json!("not a url");
    let mut too_long = t2v("x");
    too_long["inputs"]["duration"] = json!(16);
    let unknown_model = json!({"model": "seedance-2.0", "inputs": {"prompt": "x"}});
    let cases = [
        (bad_callback, KEY, 400, "Invalid request parameters"),
        (too_long, KEY, 400, "Invalid inputs for model"),
        (unknown_model, KEY, 400, "Unknown model"),
        (t2v("x"), "invalid-key-123", 401, "Invalid API Key"),
        (
            t2v("x"),
            "noaccess-key-123",
            403,
            "API access not enabled for this account",
        ),
    ];
    for (body, k, expected_status, expected_message) in cases {
        let (endpoint, status, body, raw, retry_after) =
            http(api.create_task(&key(k), &body).await);
        assert_eq!(endpoint, Endpoint::CreateTask);
        assert_eq!(
            (status, message(&body)),
            (expected_status, expected_message)
        );
        assert_eq!((raw, retry_after), (None, None));
    }
    let (_, _, body, ..) = http(
        api.create_task(&alice, &{
            let mut b = t2v("x");
            b["inputs"]["duration"] = json!(16);
            b
        })
        .await,
    );
    let issues = body.unwrap().errors;
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].code.as_deref(), Some("custom"));
    assert_eq!(issues[0].path, ["duration"]);

    let id = api.create_task(&alice, &t2v("mine")).await.unwrap();
    let reads = [
        ("BAD ID", KEY, 400, "Invalid taskId"),
        ("", KEY, 400, "Missing taskId parameter"),
        ("task_nosuchtask000000000000000", KEY, 404, "Task not found"),
        (id.as_str(), "sk_test_client_bob", 403, "Access denied"),
        (id.as_str(), "invalid-key", 401, "Invalid API Key"),
        (
            id.as_str(),
            "noaccess-key",
            403,
            "API access not enabled for this account",
        ),
    ];
    for (task, k, expected_status, expected_message) in reads {
        let (endpoint, status, body, raw, _) = http(api.record_info(&key(k), task).await);
        assert_eq!(endpoint, Endpoint::RecordInfo);
        assert_eq!(
            (status, message(&body)),
            (expected_status, expected_message),
            "{task}"
        );
        assert_eq!(raw, None);
    }

    // The client always sends the header, so the service's own answer is scripted.
    fake.push_fault(
        FakeEndpoint::RecordInfo,
        Fault::json(401, json!({"message": "Missing Authorization header"})),
        1,
    );
    let (_, status, body, ..) = http(api.record_info(&alice, &id).await);
    assert_eq!(
        (status, message(&body)),
        (401, "Missing Authorization header")
    );

    fake.push_fault(FakeEndpoint::CreateTask, Fault::internal_error(), 1);
    let result = api.create_task(&alice, &t2v("x")).await;
    assert!(result.as_ref().unwrap_err().may_have_reached_service());
    let (_, status, body, raw, _) = http(result);
    assert_eq!(
        (status, message(&body), raw),
        (500, "Internal server error", None)
    );

    fake.push_fault(
        FakeEndpoint::Uploads,
        Fault::json(400, json!({"message": "Invalid request parameters"})),
        1,
    );
    let (endpoint, status, body, ..) = http(api.request_upload(&alice, "a.png").await);
    assert_eq!(
        (endpoint, status, message(&body)),
        (Endpoint::UploadTarget, 400, "Invalid request parameters")
    );
}

#[tokio::test]
async fn insufficient_credits_keep_fractional_required_and_available() {
    let fake = fake().await;
    let api = client(&fake);
    fake.set_balance(10.5);
    let (_, status, body, ..) = http(api.create_task(&key(KEY), &t2v("x")).await);
    let body = body.unwrap();
    assert_eq!(status, 402);
    assert_eq!(body.message.as_deref(), Some("Insufficient credits"));
    assert_eq!((body.required, body.available), (Some(200.0), Some(10.5)));

    fake.push_fault(
        FakeEndpoint::CreateTask,
        Fault::json(
            402,
            json!({"message": "Insufficient credits", "required": 37.5, "available": "0.25"}),
        ),
        1,
    );
    let (_, _, body, ..) = http(api.create_task(&key(KEY), &t2v("x")).await);
    let body = body.unwrap();
    assert_eq!((body.required, body.available), (Some(37.5), Some(0.25)));
    assert_eq!(fake.stats().tasks_created, 0);
}

#[tokio::test]
async fn concurrency_limit_keeps_limit_current_and_retry_after() {
    let fake = fake().await;
    let api = client(&fake);
    fake.set_config(|c| c.concurrency_limit = 1);
    fake.queue_outcome(Outcome::Stuck);
    api.create_task(&key(KEY), &t2v("first")).await.unwrap();
    let (_, status, body, raw, retry_after) =
        http(api.create_task(&key(KEY), &t2v("second")).await);
    let body = body.unwrap();
    assert_eq!(status, 429);
    assert!(body
        .message
        .as_deref()
        .unwrap()
        .starts_with("Concurrency limit reached (1)."));
    assert_eq!(
        (body.limit, body.current, raw, retry_after),
        (Some(1), Some(1), None, None)
    );

    let in_30_s = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
    let cases: [(&str, Option<(u64, u64)>); 8] = [
        ("7", Some((7, 7))),
        ("0", Some((1, 1))),
        ("86400", Some((120, 120))),
        (&in_30_s, Some((28, 30))),
        ("Thu, 01 Jan 1970 00:00:00 GMT", Some((1, 1))),
        ("soon", None),
        ("-5", None),
        ("99999999999999999999", None),
    ];
    for (header, expected) in cases {
        fake.push_fault(
            FakeEndpoint::RecordInfo,
            Fault::concurrency_limit(5, 5, Some(header)),
            1,
        );
        let (_, status, body, _, retry_after) = http(api.record_info(&key(KEY), "task_x").await);
        assert_eq!(status, 429);
        assert_eq!(
            (body.as_ref().unwrap().limit, body.as_ref().unwrap().current),
            (Some(5), Some(5))
        );
        match expected {
            Some((lo, hi)) => {
                let secs = retry_after
                    .unwrap_or_else(|| panic!("{header}: no Retry-After"))
                    .0
                    .as_secs();
                assert!((lo..=hi).contains(&secs), "{header}: {secs}s");
            }
            None => assert_eq!(retry_after, None, "{header}"),
        }
    }
}

#[tokio::test]
async fn a_proxy_html_page_is_kept_raw_with_no_body() {
    let fake = fake().await;
    let api = client(&fake);
    fake.push_fault(
        FakeEndpoint::CreateTask,
        Fault::ProxyHtml { status: 502 },
        1,
    );
    let result = api.create_task(&key(KEY), &t2v("x")).await;
    let (endpoint, status, body, raw, _) = http(result);
    assert_eq!((endpoint, status, body), (Endpoint::CreateTask, 502, None));
    let raw = raw.unwrap();
    assert!(
        raw.contains("502 Bad Gateway") && raw.contains("nginx"),
        "{raw}"
    );
    assert_eq!(fake.stats().tasks_created, 0);

    // A huge error page is kept only up to the cap.
    fake.push_fault(
        FakeEndpoint::RecordInfo,
        Fault::Status {
            status: 503,
            body: "<html>".to_string() + &"x".repeat(100_000),
            headers: vec![],
            content_type: Some("text/html".into()),
        },
        1,
    );
    let (_, status, body, raw, _) = http(api.record_info(&key(KEY), "task_x").await);
    assert_eq!((status, body), (503, None));
    assert_eq!(raw.unwrap().len(), seedance_core::api::error::RAW_BODY_KEEP);
}

#[tokio::test]
async fn unreadable_2xx_bodies_are_malformed_and_odd_records_still_parse() {
    let fake = fake().await;
    let api = client(&fake);
    let alice = key(KEY);

    fake.push_fault(FakeEndpoint::CreateTask, Fault::EmptyOk, 1);
    match api.create_task(&alice, &t2v("x")).await {
        Err(
            e @ ApiError::Malformed {
                status: 200,
                endpoint: Endpoint::CreateTask,
                ..
            },
        ) => {
            assert!(e.may_have_reached_service());
        }
        other => panic!("{other:?}"),
    }
    let id = api.create_task(&alice, &t2v("y")).await.unwrap();

    fake.push_fault(FakeEndpoint::RecordInfo, Fault::InvalidJson, 1);
    match api.record_info(&alice, &id).await {
        Err(ApiError::Malformed {
            status: 200,
            raw,
            reason,
            ..
        }) => {
            assert!(raw.contains("<html>"), "{raw}");
            assert!(reason.contains("JSON"), "{reason}");
        }
        other => panic!("{other:?}"),
    }

    // Truncated JSON with honest framing: the body arrived whole but is not a record.
    fake.push_fault(
        FakeEndpoint::RecordInfo,
        Fault::Status {
            status: 200,
            body: format!("{{\"taskId\": \"{id}\", \"sta"),
            headers: vec![],
            content_type: None,
        },
        1,
    );
    assert!(matches!(
        api.record_info(&alice, &id).await,
        Err(ApiError::Malformed { status: 200, .. })
    ));

    // Truncated by the connection (Content-Length promises more than arrives): the body
    // broke off, which is a transport failure after the status line.
    fake.push_fault(FakeEndpoint::RecordInfo, Fault::Truncated, 1);
    let (endpoint, error, reached) = transport(api.record_info(&alice, &id).await);
    assert_eq!(
        (endpoint, error.stage, reached),
        (Endpoint::RecordInfo, TransportStage::ResponseBody, true)
    );

    fake.push_fault(
        FakeEndpoint::RecordInfo,
        Fault::UnknownStatus {
            status: "paused".into(),
        },
        1,
    );
    let record = api.record_info(&alice, &id).await.unwrap();
    assert_eq!(record.status, TaskStatus::Unknown("paused".into()));
    assert!(!record.status.is_terminal());

    fake.push_fault(FakeEndpoint::RecordInfo, Fault::OutputMissing, 1);
    let record = api.record_info(&alice, &id).await.unwrap();
    assert_eq!(
        (record.status, record.output.len()),
        (TaskStatus::Success, 0)
    );

    fake.push_fault(
        FakeEndpoint::RecordInfo,
        Fault::Huge { bytes: 5_000_000 },
        1,
    );
    assert_eq!(api.record_info(&alice, &id).await.unwrap().task_id, id);

    fake.push_fault(
        FakeEndpoint::Uploads,
        Fault::json(200, json!({"url": "https://x/y.png"})),
        1,
    );
    assert!(matches!(
        api.request_upload(&alice, "a.png").await,
        Err(ApiError::Malformed {
            endpoint: Endpoint::UploadTarget,
            ..
        })
    ));
}

/// The fake resets right after reading the request head. The request has left this
/// machine, so the client reports stage `Request` (kind `Reset`): for a createTask that
/// is "outcome unknown", which is the safe reading even though the fake did nothing.
#[tokio::test]
async fn a_reset_before_the_request_is_read_is_a_request_stage_failure() {
    let fake = fake().await;
    let api = client(&fake);
    fake.push_fault(FakeEndpoint::CreateTask, Fault::ResetBeforeRead, 1);
    let (endpoint, error, reached) = transport(api.create_task(&key(KEY), &t2v("x")).await);
    assert_eq!(endpoint, Endpoint::CreateTask);
    assert_eq!(
        (error.stage, error.kind),
        (TransportStage::Request, TransportKind::Reset),
        "{error:?}"
    );
    assert!(reached);
    let stats = fake.stats();
    assert_eq!((stats.create_task_calls, stats.tasks_created), (1, 0));
}

#[tokio::test]
async fn a_reset_after_create_task_acted_may_have_reached_the_service() {
    let fake = fake().await;
    let api = client(&fake);
    fake.push_fault(FakeEndpoint::CreateTask, Fault::ResetAfterAct, 1);
    let (_, error, reached) = transport(api.create_task(&key(KEY), &t2v("x")).await);
    assert!(reached, "{error:?}");
    assert_eq!(error.stage, TransportStage::Request);
    assert_eq!(error.kind, TransportKind::Reset);
    // The task exists and is charged: exactly the case that must never be resent silently.
    let stats = fake.stats();
    assert_eq!((stats.create_task_calls, stats.tasks_created), (1, 1));
}

#[tokio::test]
async fn a_closed_port_is_a_connect_failure_that_sent_nothing() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let api = ApiClient::new(config_for(
        &format!("http://127.0.0.1:{port}/api/v1"),
        Duration::from_secs(5),
    ))
    .unwrap();
    let (endpoint, error, reached) = transport(api.create_task(&key(KEY), &t2v("x")).await);
    assert_eq!(endpoint, Endpoint::CreateTask);
    assert_eq!(
        (error.stage, error.kind),
        (TransportStage::Connect, TransportKind::Refused),
        "{error:?}"
    );
    assert!(!reached);
    assert!(matches!(
        api.probe_key(&key(KEY)).await,
        KeyCheck::Unreachable { .. }
    ));
}

#[tokio::test]
async fn stalls_and_trickles_end_at_the_request_deadline() {
    let fake = fake().await;
    let limit = Duration::from_millis(600);
    let api = ApiClient::new(config_for(&fake.base_url(), limit)).unwrap();
    let alice = key(KEY);

    fake.push_fault(FakeEndpoint::RecordInfo, Fault::Stall, 1);
    let started = Instant::now();
    let (_, error, _) = transport(api.record_info(&alice, "task_x").await);
    let took = started.elapsed();
    assert_eq!(
        (error.stage, error.kind),
        (TransportStage::Request, TransportKind::Timeout)
    );
    assert!(took >= limit && took < limit * 4, "{took:?}");

    // The status line arrives at once, then one byte every 100 ms: the overall deadline
    // still ends it (checklist item 14).
    let id = api.create_task(&alice, &t2v("x")).await.unwrap();
    fake.push_fault(
        FakeEndpoint::RecordInfo,
        Fault::Trickle { ms_per_byte: 100 },
        1,
    );
    let started = Instant::now();
    let (_, error, _) = transport(api.record_info(&alice, &id).await);
    let took = started.elapsed();
    assert_eq!(
        (error.stage, error.kind),
        (TransportStage::ResponseBody, TransportKind::Timeout)
    );
    assert!(took >= limit && took < limit * 4, "{took:?}");

    fake.push_fault(FakeEndpoint::CreateTask, Fault::StallAfterAct, 1);
    let (_, error, reached) = transport(api.create_task(&alice, &t2v("x")).await);
    assert_eq!(
        (error.stage, error.kind, reached),
        (TransportStage::Request, TransportKind::Timeout, true)
    );
    assert_eq!(fake.stats().tasks_created, 2);
}

#[tokio::test]
async fn upload_target_is_requested_and_a_reference_put_without_the_key() {
    let fake = fake().await;
    let api = client(&fake);
    let target = api
        .request_upload(&key(KEY), "reference.png")
        .await
        .unwrap();
    assert!(target.upload_url.starts_with(&fake.origin()));
    assert!(target.url.ends_with("/reference.png"), "{}", target.url);
    assert_eq!(target.content_type.as_deref(), Some("image/png"));
    assert_eq!(target.expires_in_secs, Some(900));

    let bytes = pattern(100_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reference.png");
    std::fs::write(&path, &bytes).unwrap();
    api.put_file(&target, &path, "image/png", &no_progress)
        .await
        .unwrap();

    let copy = dir.path().join("copy.partial");
    api.download_to(&target.url, &copy, &no_progress)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&copy).unwrap(), bytes);
    let stats = fake.stats();
    assert_eq!(
        (
            stats.puts,
            stats.put_bytes,
            stats.put_content_type_mismatches
        ),
        (1, 100_000, 0)
    );
    assert_eq!(
        stats.auth_header_leaks, 0,
        "{:?}",
        stats.auth_header_leak_paths
    );

    // An expired signed URL: S3-style XML, kept raw.
    fake.set_config(|c| c.upload_url_ttl_secs = -60);
    let expired = api.request_upload(&key(KEY), "late.png").await.unwrap();
    let (endpoint, status, body, raw, _) = http(
        api.put_file(&expired, &path, "image/png", &no_progress)
            .await,
    );
    assert_eq!((endpoint, status, body), (Endpoint::UploadPut, 403, None));
    assert!(raw.unwrap().contains("AccessDenied"));

    // A missing local file sends nothing.
    let (_, error, reached) = transport(
        api.put_file(
            &target,
            &dir.path().join("gone.png"),
            "image/png",
            &no_progress,
        )
        .await,
    );
    assert!(
        !reached && error.detail.starts_with("local file"),
        "{error:?}"
    );
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_300_mb_upload_streams_from_disk_with_bounded_memory() {
    const SIZE: u64 = 300 * 1024 * 1024;
    let fake = fake().await;
    let api = client(&fake);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.mp4");
    // Sparse: the disk holds almost nothing, but every byte is read and sent.
    std::fs::File::create(&path).unwrap().set_len(SIZE).unwrap();
    let target = api.request_upload(&key(KEY), "big.mp4").await.unwrap();

    let calls = Mutex::new(Vec::new());
    let progress = |sent: u64, total: u64| calls.lock().unwrap().push((sent, total));
    let before = peak_rss_kib();
    let started = Instant::now();
    api.put_file(&target, &path, "video/mp4", &progress)
        .await
        .unwrap();
    let took = started.elapsed();
    let growth_mib = (peak_rss_kib() - before) / 1024;
    assert!(
        growth_mib < 64,
        "peak RSS grew by {growth_mib} MiB for a 300 MiB upload"
    );

    let calls = calls.into_inner().unwrap();
    assert!(calls.len() > 10, "{} progress calls", calls.len());
    assert!(
        calls.windows(2).all(|w| w[0].0 < w[1].0),
        "progress not monotone"
    );
    assert!(calls.iter().all(|&(_, total)| total == SIZE));
    assert_eq!(calls.last(), Some(&(SIZE, SIZE)));
    let stats = fake.stats();
    assert_eq!((stats.puts, stats.put_bytes), (1, SIZE));
    assert_eq!(stats.auth_header_leaks, 0);
    eprintln!(
        "300 MiB upload: {took:?}, peak RSS growth {growth_mib} MiB, {} progress calls",
        calls.len()
    );
}

#[tokio::test]
async fn a_broken_download_resumes_with_range_and_matches_the_source() {
    let fake = fake().await;
    let api = client(&fake);
    let source = pattern(3 * 1024 * 1024 + 17);
    let target = upload_bytes(&fake, &api, "clip.mp4", &source).await;

    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("clip.mp4.partial");
    fake.push_fault(FakeEndpoint::Static, Fault::Truncated, 1);
    let (endpoint, error, _) =
        transport(api.download_to(&target.url, &partial, &no_progress).await);
    assert_eq!(
        (endpoint, error.stage),
        (Endpoint::Download, TransportStage::ResponseBody),
        "{error:?}"
    );
    let kept = std::fs::metadata(&partial).unwrap().len();
    assert!(kept > 0 && kept < source.len() as u64, "kept {kept}");
    assert_eq!(std::fs::read(&partial).unwrap(), source[..kept as usize]);

    let seen = Mutex::new(Vec::new());
    let progress = |done: u64, total: u64| seen.lock().unwrap().push((done, total));
    let outcome = api
        .download_to(&target.url, &partial, &progress)
        .await
        .unwrap();
    assert_eq!(
        (outcome.bytes, outcome.resumed_from),
        (source.len() as u64, kept)
    );
    assert_eq!(std::fs::read(&partial).unwrap(), source);
    let seen = seen.into_inner().unwrap();
    assert!(
        seen.first().unwrap().0 > kept,
        "resumed progress starts past the kept bytes"
    );
    assert_eq!(
        seen.last(),
        Some(&(source.len() as u64, source.len() as u64))
    );

    // Asked again with the whole file on disk: 416 with the same total means complete.
    let again = api
        .download_to(&target.url, &partial, &no_progress)
        .await
        .unwrap();
    assert_eq!(
        (again.bytes, again.resumed_from),
        (source.len() as u64, source.len() as u64)
    );
    assert_eq!(std::fs::read(&partial).unwrap(), source);

    // A partial file longer than the remote one is discarded and the next call starts over.
    let longer = dir.path().join("longer.partial");
    std::fs::write(&longer, pattern(source.len() + 10)).unwrap();
    let (_, status, ..) = http(api.download_to(&target.url, &longer, &no_progress).await);
    assert_eq!(status, 416);
    let fresh = api
        .download_to(&target.url, &longer, &no_progress)
        .await
        .unwrap();
    assert_eq!(fresh.resumed_from, 0);
    assert_eq!(std::fs::read(&longer).unwrap(), source);

    assert_eq!(fake.stats().auth_header_leaks, 0);
}

#[tokio::test]
async fn downloads_and_uploads_refuse_insecure_urls_before_sending() {
    let fake = fake().await;
    let api = client(&fake);
    let dir = tempfile::tempdir().unwrap();
    for url in [
        "http://example.com/v.mp4",
        "file:///etc/passwd",
        "ftp://example.com/x",
        "not a url",
    ] {
        let (endpoint, error, reached) = transport(
            api.download_to(url, &dir.path().join("x"), &no_progress)
                .await,
        );
        assert_eq!(
            (endpoint, error.stage, reached),
            (Endpoint::Download, TransportStage::Connect, false),
            "{url}"
        );
    }
    let target = UploadTarget {
        upload_url: "http://uploads.example.com/x?signature=abc".into(),
        url: "https://static.example.com/x".into(),
        content_type: None,
        expires_in_secs: None,
    };
    let (_, error, reached) = transport(
        api.put_file(&target, &dir.path().join("x"), "image/png", &no_progress)
            .await,
    );
    assert!(!reached);
    assert!(
        !error.detail.contains("abc"),
        "signature leaked: {}",
        error.detail
    );
}

#[tokio::test]
async fn probe_key_tells_valid_invalid_and_no_access_apart() {
    let fake = fake().await;
    let api = client(&fake);
    assert_eq!(api.probe_key(&key(KEY)).await, KeyCheck::Valid);
    assert_eq!(api.probe_key(&key("invalid-123")).await, KeyCheck::Invalid);
    assert_eq!(
        api.probe_key(&key("noaccess-123")).await,
        KeyCheck::NoApiAccess
    );
    fake.push_fault(
        FakeEndpoint::RecordInfo,
        Fault::ProxyHtml { status: 502 },
        1,
    );
    assert!(matches!(
        api.probe_key(&key(KEY)).await,
        KeyCheck::Unexpected {
            status: Some(502),
            ..
        }
    ));
    assert_eq!(
        fake.stats().record_info_by_task.get(PROBE_TASK_ID),
        Some(&4)
    );
}

#[tokio::test]
async fn the_key_never_appears_in_an_error() {
    let fake = fake().await;
    let api = client(&fake);
    let canary = "sk-CANARY-3f1d9c2e-7b4a-4e8f-9a61-0c5d2e8b7f10";
    // A misbehaving proxy that echoes the request headers into its error page.
    fake.push_fault(
        FakeEndpoint::CreateTask,
        Fault::Status {
            status: 502,
            body: format!("<html>bad gateway; request had Authorization: Bearer {canary}</html>"),
            headers: vec![],
            content_type: Some("text/html".into()),
        },
        1,
    );
    fake.push_fault(
        FakeEndpoint::RecordInfo,
        Fault::Status {
            status: 200,
            body: format!("not json {canary}"),
            headers: vec![],
            content_type: None,
        },
        1,
    );
    fake.push_fault(FakeEndpoint::Uploads, Fault::ResetAfterAct, 1);
    let errors = [
        api.create_task(&key(canary), &t2v("x")).await.unwrap_err(),
        api.record_info(&key(canary), "task_x").await.unwrap_err(),
        api.request_upload(&key(canary), "a.png").await.unwrap_err(),
    ];
    for error in &errors {
        let shown = format!("{error:?} {error}");
        assert!(!shown.contains(canary), "key leaked: {shown}");
    }
    assert!(
        matches!(&errors[0], ApiError::Http { raw: Some(raw), .. } if raw.contains("<redacted>"))
    );
}

/// Checklist 44: the key echoed by the service anywhere in its answer (not only after
/// "Bearer"): in a JSON error message, a field problem, a URL with the key percent-encoded
/// in its query, a JSON-escaped copy, and a task record's error message. None of it
/// reaches the parsed error, the guidance or the record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_echoed_anywhere_in_an_answer_is_redacted() {
    let fake = fake().await;
    let api = client(&fake);
    let canary = "sk-CANARY/echo+9f1d7c";
    let encoded = "sk-CANARY%2Fecho%2B9f1d7c";
    let escaped = "sk-CANARY\\/echo+9f1d7c";
    fake.push_fault(
        FakeEndpoint::CreateTask,
        Fault::json(
            400,
            json!({
                "message": format!("Invalid inputs for model (key {canary})"),
                "errors": [{"code": "custom", "message": format!("apiKey {canary} is not a field"), "path": ["inputs", canary]}],
                "callback": format!("https://hooks.example/cb?apiKey={encoded}&x=1"),
            }),
        ),
        1,
    );
    fake.push_fault(
        FakeEndpoint::RecordInfo,
        Fault::Status {
            status: 200,
            body: format!(
                "{{\"taskId\":\"task_x\",\"status\":\"fail\",\"error\":{{\"code\":\"500\",\"message\":\"failed for {escaped} at https://a.example/?k={encoded}\"}}}}"
            ),
            headers: vec![],
            content_type: None,
        },
        1,
    );
    let refused = api.create_task(&key(canary), &t2v("x")).await.unwrap_err();
    let record = api.record_info(&key(canary), "task_x").await.unwrap();
    let guidance =
        seedance_core::guidance::guidance_for(&seedance_core::guidance::Failure::Api(&refused));
    let error = record.error.clone().expect("the record's error");
    let task_guidance =
        seedance_core::guidance::guidance_for(&seedance_core::guidance::Failure::Task(&error));
    let shown = format!(
        "{refused:?} {refused} {} {record:?} {}",
        serde_json::to_string(&guidance).unwrap(),
        serde_json::to_string(&task_guidance).unwrap()
    );
    for form in [canary, encoded, "echo+9f1d7c", "echo%2B9f1d7c"] {
        assert!(!shown.contains(form), "{form} leaked: {shown}");
    }
    assert!(shown.contains("<redacted>"), "{shown}");
    // The rest of the answer is still read: the service's message and the field path.
    match &refused {
        ApiError::Http {
            status: 400,
            body: Some(body),
            ..
        } => {
            assert!(body
                .message
                .as_deref()
                .unwrap()
                .starts_with("Invalid inputs"));
            assert_eq!(body.errors.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(record.status, TaskStatus::Fail);
}

/// Reads one request head (and its Content-Length body) from `listener`, answers with
/// `answer`, and returns the head as text.
async fn capture_one(listener: tokio::net::TcpListener, answer: &'static [u8]) -> (String, usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut socket, _) = listener.accept().await.unwrap();
    let mut data = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let head_end = loop {
        let n = socket.read(&mut buf).await.unwrap();
        assert!(n > 0, "peer closed before the head ended");
        data.extend_from_slice(&buf[..n]);
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut body = data.len() - head_end;
    while body < length {
        let n = socket.read(&mut buf).await.unwrap();
        assert!(n > 0, "peer closed mid-body");
        body += n;
    }
    socket.write_all(answer).await.unwrap();
    socket.shutdown().await.unwrap();
    (head, body)
}

#[tokio::test]
async fn a_plaintext_server_on_an_https_url_is_a_tls_failure_before_sending() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let (mut socket, _) = listener.accept().await.unwrap();
        let _ = socket
            .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            .await;
    });
    let api = ApiClient::new(config_for(
        &format!("https://127.0.0.1:{port}/api/v1"),
        Duration::from_secs(5),
    ))
    .unwrap();
    let (_, error, reached) = transport(api.create_task(&key(KEY), &t2v("x")).await);
    assert_eq!(error.stage, TransportStage::Connect, "{error:?}");
    assert_eq!(error.kind, TransportKind::Tls, "{error:?}");
    assert!(!reached);
    server.await.unwrap();
}

#[tokio::test]
async fn the_upload_put_has_an_exact_length_and_no_key() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(capture_one(
        listener,
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    ));
    let api = ApiClient::new(config_for(
        &format!("http://127.0.0.1:{port}/api/v1"),
        Duration::from_secs(5),
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ref.webp");
    std::fs::write(&path, pattern(1_000_003)).unwrap();
    let target = UploadTarget {
        upload_url: format!("http://127.0.0.1:{port}/put/abc?signature=s"),
        url: "https://static.example.com/abc".into(),
        content_type: Some("image/webp".into()),
        expires_in_secs: None,
    };
    api.put_file(&target, &path, "image/webp", &no_progress)
        .await
        .unwrap();
    let (head, body_len) = server.await.unwrap();
    assert!(
        head.starts_with("put /put/abc?signature=s http/1.1\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\ncontent-length: 1000003\r\n"), "{head}");
    assert!(head.contains("\r\ncontent-type: image/webp\r\n"), "{head}");
    assert!(
        head.contains(&format!(
            "\r\nuser-agent: seedancestudio/{}\r\n",
            env!("CARGO_PKG_VERSION")
        )),
        "{head}"
    );
    assert!(!head.contains("transfer-encoding"), "{head}");
    assert!(!head.contains("authorization"), "{head}");
    assert_eq!(body_len, 1_000_003);
}

#[tokio::test]
async fn redirects_are_followed_for_downloads_only() {
    let fake = fake().await;
    let api = client(&fake);
    let redirect_to = |location: String| Fault::Status {
        status: 302,
        body: String::new(),
        headers: vec![("Location".into(), location)],
        content_type: Some("text/plain".into()),
    };

    // An API call is never redirected, so the key cannot travel anywhere else.
    fake.push_fault(
        FakeEndpoint::RecordInfo,
        redirect_to(format!(
            "{}/api/v1/jobs/recordInfo?taskId=task_other",
            fake.base_url().trim_end_matches("/api/v1")
        )),
        1,
    );
    let (_, status, ..) = http(api.record_info(&key(KEY), "task_x").await);
    assert_eq!(status, 302);
    assert_eq!(fake.stats().record_info_calls, 1);

    let source = pattern(50_000);
    let target = upload_bytes(&fake, &api, "r.png", &source).await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("r.png.partial");
    fake.push_fault(FakeEndpoint::Static, redirect_to(target.url.clone()), 1);
    api.download_to(&target.url, &copy, &no_progress)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&copy).unwrap(), source);
    assert_eq!(fake.stats().static_gets, 2);

    // Never to plain http on another host.
    fake.push_fault(
        FakeEndpoint::Static,
        redirect_to("http://example.com/r.png".into()),
        1,
    );
    let (endpoint, status, ..) = http(
        api.download_to(&target.url, &dir.path().join("other"), &no_progress)
            .await,
    );
    assert_eq!((endpoint, status), (Endpoint::Download, 302));
    assert_eq!(fake.stats().auth_header_leaks, 0);
}

#[tokio::test]
async fn a_server_that_ignores_range_makes_the_download_start_over() {
    let fake = fake().await;
    let api = client(&fake);
    let target = upload_bytes(&fake, &api, "s.mp4", &pattern(10_000)).await;
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("s.mp4.partial");
    std::fs::write(&partial, b"stale bytes from another file").unwrap();
    fake.push_fault(
        FakeEndpoint::Static,
        Fault::Status {
            status: 200,
            body: "hello world".into(),
            headers: vec![],
            content_type: Some("video/mp4".into()),
        },
        1,
    );
    let outcome = api
        .download_to(&target.url, &partial, &no_progress)
        .await
        .unwrap();
    assert_eq!((outcome.bytes, outcome.resumed_from), (11, 0));
    assert_eq!(std::fs::read(&partial).unwrap(), b"hello world");
}

#[tokio::test]
async fn an_upload_that_stops_moving_times_out() {
    let fake = fake().await;
    let limit = Duration::from_millis(500);
    let api = ApiClient::new(config_for(&fake.base_url(), limit)).unwrap();
    let target = api.request_upload(&key(KEY), "stuck.mp4").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stuck.mp4");
    // Far more than the socket buffers hold, so the sending itself stalls.
    std::fs::File::create(&path)
        .unwrap()
        .set_len(256 * 1024 * 1024)
        .unwrap();
    fake.push_fault(FakeEndpoint::Put, Fault::Stall, 1);
    let last = Mutex::new(0u64);
    let progress = |sent: u64, _: u64| *last.lock().unwrap() = sent;
    let started = Instant::now();
    let (endpoint, error, _) =
        transport(api.put_file(&target, &path, "video/mp4", &progress).await);
    let took = started.elapsed();
    assert_eq!(endpoint, Endpoint::UploadPut);
    assert_eq!(
        (error.stage, error.kind),
        (TransportStage::Request, TransportKind::Timeout),
        "{error:?}"
    );
    assert!(error.detail.contains("stalled"), "{}", error.detail);
    let signature = target.upload_url.split("signature=").nth(1).unwrap();
    assert!(!error.detail.contains(signature), "{}", error.detail);
    assert!(took >= limit && took < Duration::from_secs(5), "{took:?}");
    assert!(*last.lock().unwrap() < 256 * 1024 * 1024);
}

#[tokio::test]
async fn the_demo_balance_is_read_from_the_fake_and_never_from_a_real_address() {
    let fake = fake().await;
    let api = client(&fake);
    assert_eq!(api.demo_balance().await, Some(1_000_000.0));
    api.create_task(&key(KEY), &t2v("a lighthouse at dusk"))
        .await
        .unwrap();
    assert_eq!(api.demo_balance().await, Some(999_800.0));
    // An https address (the service) is never asked: it has no such call.
    let real = ApiClient::new(config_for(
        "https://seedance.invalid/api/v1",
        Duration::from_secs(1),
    ))
    .unwrap();
    assert_eq!(real.demo_balance().await, None);
}
