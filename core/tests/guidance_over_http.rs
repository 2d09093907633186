//! Guidance reached end to end: real requests from `ApiClient` to the in-process fake
//! service on 127.0.0.1, for every HTTP category (through the fake's auth rules, wallet,
//! concurrency limit, validation and scripted faults) and every task-failure category
//! (through its prompt markers, failing inputs and queued outcomes, read back with
//! `record_info`), the Seedance 2.5 family's `1001` messages and Wan 3.0's included.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use serde_json::{json, Value};

use seedance_core::api::{ApiClient, ApiError, ClientConfig, TaskStatus};
use seedance_core::guidance::{guidance_for, Action, Category, Failure, Guidance, Refund};
use seedance_core::media::MediaKind;
use seedance_core::model::ModelId;
use seedance_core::request::{GenerationRequest, Reference, ReferenceSource};
use seedance_core::secret::ApiKey;
use seedance_fake::{Endpoint, FakeConfig, FakeService, Fault, Outcome};

const UNKNOWN_ID: &str = "task_aaaaaaaaaaaaaaaaaaaaaaaa";

async fn start_fake() -> FakeService {
    FakeService::start(FakeConfig {
        time_scale: 0.01,
        ..FakeConfig::default()
    })
    .await
    .unwrap()
}

fn client_for(base_url: &str) -> ApiClient {
    let mut config = ClientConfig::new(base_url).unwrap();
    config.connect_timeout = Duration::from_secs(2);
    config.request_timeout = Duration::from_secs(5);
    ApiClient::new(config).unwrap()
}

fn key(raw: &str) -> ApiKey {
    ApiKey::new(raw).unwrap()
}

fn body(prompt: &str) -> Value {
    json!({
        "model": "seedance-20",
        "inputs": { "prompt": prompt, "duration": 5, "outputResolution": "720p" }
    })
}

fn api_guidance<T: std::fmt::Debug>(result: Result<T, ApiError>) -> Guidance {
    let error = result.unwrap_err();
    let guidance = guidance_for(&Failure::Api(&error));
    assert!(!guidance.title.is_empty() && !guidance.explanation.is_empty());
    guidance
}

fn expect(g: &Guidance, category: Category, refunded: Refund, action: &Action) {
    assert_eq!(g.category, category, "{g:#?}");
    assert_eq!(g.refunded, refunded, "{g:#?}");
    assert_eq!(&g.action, action, "{g:#?}");
}

#[tokio::test]
async fn every_http_category_over_real_requests() {
    let fake = start_fake().await;
    let client = client_for(&fake.base_url());
    let alice = key("sk-alice-0001");

    // The client always sends the header, so the service's answer is scripted.
    fake.push_fault(
        Endpoint::CreateTask,
        Fault::json(401, json!({"message": "Missing Authorization header"})),
        1,
    );
    let g = api_guidance(client.create_task(&alice, &body("a cat")).await);
    expect(
        &g,
        Category::AuthMissingKey,
        Refund::NotCharged,
        &Action::FixKey,
    );

    let g = api_guidance(
        client
            .create_task(&key("invalid-key"), &body("a cat"))
            .await,
    );
    expect(
        &g,
        Category::AuthInvalidKey,
        Refund::NotCharged,
        &Action::FixKey,
    );
    let g = api_guidance(client.record_info(&key("invalid-key"), UNKNOWN_ID).await);
    expect(
        &g,
        Category::AuthInvalidKey,
        Refund::NotApplicable,
        &Action::FixKey,
    );

    let g = api_guidance(client.create_task(&key("noaccess-1"), &body("a cat")).await);
    expect(
        &g,
        Category::AccessNotEnabled,
        Refund::NotCharged,
        &Action::ContactSupport,
    );

    let alices_task = client.create_task(&alice, &body("a cat")).await.unwrap();
    let g = api_guidance(client.record_info(&key("sk-bob-0002"), &alices_task).await);
    expect(
        &g,
        Category::AccessDenied,
        Refund::NotApplicable,
        &Action::FixKey,
    );

    let g = api_guidance(client.record_info(&alice, UNKNOWN_ID).await);
    expect(
        &g,
        Category::TaskNotFound,
        Refund::NotApplicable,
        &Action::ContactSupport,
    );

    fake.set_balance(10.0);
    let g = api_guidance(client.create_task(&alice, &body("a cat")).await);
    expect(
        &g,
        Category::InsufficientCredits,
        Refund::NotCharged,
        &Action::AddCredits {
            required: Some(200.0),
            available: Some(10.0),
        },
    );
    assert!(g.explanation.contains("200") && g.explanation.contains("10"));
    fake.set_balance(1_000_000.0);

    let carol = key("sk-carol-0003");
    fake.set_config(|c| c.concurrency_limit = 1);
    client
        .create_task(&carol, &body("a dog [fake:stuck]"))
        .await
        .unwrap();
    let g = api_guidance(client.create_task(&carol, &body("a dog")).await);
    expect(
        &g,
        Category::ConcurrencyLimit,
        Refund::NotCharged,
        &Action::WaitForSlot {
            limit: Some(1),
            current: Some(1),
        },
    );
    assert!(g.retryable);
    fake.set_config(|c| c.concurrency_limit = 5);

    let mut unknown_model = body("a cat");
    unknown_model["model"] = json!("seedance-2.0");
    let g = api_guidance(client.create_task(&alice, &unknown_model).await);
    expect(
        &g,
        Category::UnknownModel,
        Refund::NotCharged,
        &Action::FixInput {
            field: Some("model".into()),
        },
    );

    let mut too_long = body("a cat");
    too_long["inputs"]["duration"] = json!(99);
    let g = api_guidance(client.create_task(&alice, &too_long).await);
    expect(
        &g,
        Category::InvalidRequest,
        Refund::NotCharged,
        &Action::FixInput {
            field: Some("duration".into()),
        },
    );
    assert_eq!(g.field_problems[0].field, "duration");

    let g = api_guidance(client.record_info(&alice, "not-a-task-id").await);
    assert_eq!(g.category, Category::InvalidRequest);

    fake.push_fault(Endpoint::CreateTask, Fault::internal_error(), 1);
    let g = api_guidance(client.create_task(&alice, &body("a cat")).await);
    expect(
        &g,
        Category::ServerError,
        Refund::NotCharged,
        &Action::Retry,
    );
    assert!(g.retryable);

    fake.push_fault(Endpoint::RecordInfo, Fault::ProxyHtml { status: 502 }, 1);
    let g = api_guidance(client.record_info(&alice, &alices_task).await);
    expect(
        &g,
        Category::ServerError,
        Refund::NotApplicable,
        &Action::Retry,
    );
    assert!(g.detail.unwrap().contains("502"));

    fake.shutdown().await;
}

#[tokio::test]
async fn a_create_task_that_may_have_gone_through_is_never_a_plain_failure() {
    let fake = start_fake().await;
    let client = client_for(&fake.base_url());
    let alice = key("sk-alice-0001");
    let unknown = Action::ReviewUnknownSubmission;
    for fault in [
        Fault::ResetAfterAct,
        Fault::ProxyHtml { status: 502 },
        Fault::ProxyHtml { status: 504 },
        Fault::InvalidJson,
        Fault::Truncated,
    ] {
        fake.push_fault(Endpoint::CreateTask, fault.clone(), 1);
        let g = api_guidance(client.create_task(&alice, &body("a cat")).await);
        expect(&g, Category::SubmissionUnknown, Refund::Unknown, &unknown);
        assert!(!g.retryable, "{fault:?}");
    }
    fake.shutdown().await;
}

#[tokio::test]
async fn unreachable_service_is_a_network_problem() {
    // A port that was free a moment ago and has no listener now: connection refused.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = client_for(&format!("http://127.0.0.1:{port}/api/v1"));
    let alice = key("sk-alice-0001");
    let g = api_guidance(client.create_task(&alice, &body("a cat")).await);
    expect(
        &g,
        Category::Network,
        Refund::NotCharged,
        &Action::CheckConnection,
    );
    let g = api_guidance(client.record_info(&alice, UNKNOWN_ID).await);
    expect(
        &g,
        Category::Network,
        Refund::NotApplicable,
        &Action::CheckConnection,
    );
    assert!(g.retryable);
}

#[tokio::test]
async fn an_expired_upload_link_is_retried_with_a_fresh_one() {
    let fake = start_fake().await;
    fake.set_config(|c| c.upload_url_ttl_secs = -60);
    let client = client_for(&fake.base_url());
    let target = client
        .request_upload(&key("sk-alice-0001"), "reference.png")
        .await
        .unwrap();
    let file = tempfile_with(b"\x89PNG\r\n\x1a\nnot really a picture");
    let progress = |_: u64, _: u64| {};
    let g = api_guidance(
        client
            .put_file(&target, file.path(), "image/png", &progress)
            .await,
    );
    expect(
        &g,
        Category::Transient,
        Refund::NotApplicable,
        &Action::Retry,
    );
    fake.shutdown().await;
}

fn tempfile_with(bytes: &[u8]) -> tempfile::NamedTempFile {
    use std::io::Write;
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    file.flush().unwrap();
    file
}

/// Submits, finishes the task at once through the fake, and reads the failed record back
/// the way the engine does.
async fn failed_task_guidance(fake: &FakeService, client: &ApiClient, body: &Value) -> Guidance {
    let alice = key("sk-alice-0001");
    let id = client.create_task(&alice, body).await.unwrap();
    assert!(fake.complete_task(&id).await, "task {id} exists");
    let mut record = client.record_info(&alice, &id).await.unwrap();
    for _ in 0..100 {
        if record.status.is_terminal() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        record = client.record_info(&alice, &id).await.unwrap();
    }
    assert_eq!(record.status, TaskStatus::Fail, "{record:?}");
    let error = record.error.expect("a failed record carries an error");
    let guidance = guidance_for(&Failure::Task(&error));
    assert_eq!(guidance.refunded, Refund::Refunded);
    assert!(!guidance.title.is_empty() && !guidance.explanation.is_empty());
    guidance
}

#[tokio::test]
async fn every_task_failure_category_through_the_fake() {
    let fake = start_fake().await;
    let client = client_for(&fake.base_url());
    let origin = fake.origin();
    let image = Some(MediaKind::Image);
    let video = Some(MediaKind::Video);

    let markers = [
        ("transient", Category::Transient, Action::Retry),
        ("timeout", Category::Transient, Action::Retry),
        ("moderation", Category::InputRejected, Action::EditPrompt),
        (
            "face",
            Category::FaceDetected,
            Action::ReplaceReference {
                kind: None,
                index: None,
            },
        ),
        ("output", Category::OutputRejected, Action::EditPrompt),
        (
            "asset",
            Category::ReferenceRejected,
            Action::ReplaceReference {
                kind: image,
                index: Some(1),
            },
        ),
        ("legacy", Category::Unknown, Action::Retry),
        ("unknown", Category::Unknown, Action::Retry),
        (
            "download",
            Category::ReferenceDownloadFailed,
            Action::ReplaceReference {
                kind: video,
                index: None,
            },
        ),
    ];
    for (marker, category, action) in markers {
        let prompt = format!("a lighthouse at dusk [fake:fail={marker}]");
        let g = failed_task_guidance(&fake, &client, &body(&prompt)).await;
        assert_eq!((g.category, &g.action), (category, &action), "{marker}");
    }

    let mut audio_only = body("a song");
    audio_only["inputs"]["audioUrls"] = json!([format!("{origin}/static/song.mp3")]);
    let g = failed_task_guidance(&fake, &client, &audio_only).await;
    assert_eq!(g.category, Category::InvalidParameter);
    assert_eq!(
        g.action,
        Action::FixInput {
            field: Some("references".into())
        }
    );

    let mut long_video = body("a remix");
    long_video["inputs"]["videoUrls"] = json!([format!("{origin}/static/clip.mp4?duration=20")]);
    let g = failed_task_guidance(&fake, &client, &long_video).await;
    assert_eq!(g.category, Category::InvalidParameter);
    assert_eq!(g.action, Action::TrimMedia { kind: video });

    let queued = [
        (
            None,
            "Media upload failed. Please check your file format, size, and duration (audio max 15s, video max 15s).",
            Category::MediaInvalid,
        ),
        (
            Some("1001"),
            "Service temporarily unavailable. Please try again later.",
            Category::Transient,
        ),
        (
            Some("1001"),
            "Your uploaded video may contain sensitive content. Please use a different video.",
            Category::InputRejected,
        ),
    ];
    for (code, message, category) in queued {
        fake.queue_outcome(Outcome::Fail {
            code: code.map(str::to_owned),
            message: message.to_owned(),
        });
        let g = failed_task_guidance(&fake, &client, &body("a forest")).await;
        assert_eq!(g.category, category, "{message}");
    }
    fake.shutdown().await;
}

/// A Seedance 2.5 family body built the way the app builds it.
fn body_25(model: ModelId, prompt: &str, videos: &[String]) -> Value {
    let mut request = GenerationRequest::new(model, prompt);
    request.references = videos
        .iter()
        .map(|url| Reference {
            kind: MediaKind::Video,
            source: ReferenceSource::Url { url: url.clone() },
            duration_ms: None,
        })
        .collect();
    request.create_task_body().unwrap()
}

#[tokio::test]
async fn every_2_5_and_wan_failure_through_the_fake() {
    let fake = start_fake().await;
    let client = client_for(&fake.base_url());
    let origin = fake.origin();
    let clip = |secs: f64| format!("{origin}/static/clip.mp4?duration={secs}");
    let video = Some(MediaKind::Video);
    let image = Some(MediaKind::Image);
    let replace = |kind, index| Action::ReplaceReference { kind, index };

    // The 1001 family by marker, each with its own title; only capacity offers Retry.
    let markers = [
        (
            "1001-download",
            Category::ReferenceDownloadFailed,
            replace(video, None),
            "The service couldn't fetch a reference",
        ),
        (
            "1001-input",
            Category::InputRejected,
            replace(video, None),
            "Your input was flagged",
        ),
        (
            "1001-input-image",
            Category::InputRejected,
            replace(image, None),
            "Your input was flagged",
        ),
        (
            "1001-output",
            Category::OutputRejected,
            Action::EditPrompt,
            "The result didn't pass review",
        ),
        (
            "1001-output-audio",
            Category::OutputRejected,
            Action::EditPrompt,
            "The soundtrack didn't pass review",
        ),
        (
            "1001-copyright",
            Category::CopyrightOrPolicy,
            Action::EditPrompt,
            "The result may break copyright or platform rules",
        ),
        (
            "1001-busy",
            Category::Transient,
            Action::Retry,
            "The service is busy",
        ),
        (
            "1001-edit-params",
            Category::InvalidParameter,
            Action::TrimMedia { kind: video },
            "This clip can't be edited as it is",
        ),
        (
            "1001-extend-params",
            Category::InvalidParameter,
            Action::TrimMedia { kind: video },
            "This clip can't be extended as it is",
        ),
        (
            "invalid-video-total",
            Category::InvalidParameter,
            Action::TrimMedia { kind: video },
            "These references don't work together",
        ),
        (
            "invalid-video-length",
            Category::InvalidParameter,
            Action::TrimMedia { kind: video },
            "These references don't work together",
        ),
        (
            "invalid-prompt",
            Category::InvalidParameter,
            Action::EditPrompt,
            "These references don't work together",
        ),
    ];
    for (marker, category, action, title) in markers {
        let prompt = format!("a lighthouse at dusk [fake:fail={marker}]");
        let body = body_25(ModelId::Seedance25, &prompt, &[clip(6.0)]);
        let g = failed_task_guidance(&fake, &client, &body).await;
        assert_eq!(
            (g.category, &g.action, g.title.as_str()),
            (category, &action, title),
            "{marker}"
        );
        assert_eq!(g.retryable, marker == "1001-busy", "{marker}");
    }

    // Failures the fake derives from the inputs, as the service does.
    let short_source = body_25(ModelId::Seedance25Edit, "make it night", &[clip(3.0)]);
    let g = failed_task_guidance(&fake, &client, &short_source).await;
    assert_eq!(g.title, "This clip can't be edited as it is");
    let too_long = body_25(ModelId::Seedance25, "a remix", &[clip(20.0), clip(11.0)]);
    let g = failed_task_guidance(&fake, &client, &too_long).await;
    assert_eq!(
        (g.category, &g.action),
        (
            Category::InvalidParameter,
            &Action::TrimMedia { kind: video }
        )
    );
    assert!(
        g.explanation.contains("30 seconds combined"),
        "{}",
        g.explanation
    );
    let too_short = body_25(ModelId::Seedance25Extend, "what happens next", &[clip(1.0)]);
    let g = failed_task_guidance(&fake, &client, &too_short).await;
    assert!(
        g.explanation.contains("2 to 30 seconds"),
        "{}",
        g.explanation
    );

    // Wan 3.0 (service-api §12.5.3), on a Wan model.
    let wan = |prompt: &str| {
        json!({"model": "wan3.0-text-to-video",
               "inputs": {"prompt": prompt, "duration": 5, "outputResolution": "720p"}})
    };
    let markers = [
        (
            "wan-moderation",
            Category::InputRejected,
            Action::EditPrompt,
            false,
        ),
        (
            "wan-face-output",
            Category::FaceDetected,
            Action::EditPrompt,
            false,
        ),
        (
            "wan-face-input",
            Category::FaceDetected,
            replace(None, None),
            false,
        ),
        (
            "wan-copyright",
            Category::CopyrightOrPolicy,
            replace(image, None),
            false,
        ),
        ("wan-busy", Category::Transient, Action::Retry, true),
        (
            "wan-download",
            Category::ReferenceDownloadFailed,
            replace(None, None),
            false,
        ),
        (
            "wan-low-resolution",
            Category::MediaInvalid,
            replace(image, None),
            false,
        ),
        (
            "wan-green-net",
            Category::MediaInvalid,
            replace(None, None),
            false,
        ),
    ];
    for (marker, category, action, retryable) in markers {
        let g = failed_task_guidance(&fake, &client, &wan(&format!("a fox [fake:fail={marker}]")))
            .await;
        assert_eq!(
            (g.category, &g.action, g.retryable),
            (category, &action, retryable),
            "{marker}"
        );
    }
    let mut long_ref = json!({"model": "wan3.0-ref-to-video", "inputs": {
        "prompt": "@Video1 dances", "duration": 20, "outputResolution": "720p",
        "videoUrls": [clip(10.61)]}});
    let g = failed_task_guidance(&fake, &client, &long_ref).await;
    assert_eq!(
        g.action,
        Action::FixInput {
            field: Some("duration".into())
        }
    );
    long_ref["inputs"]["duration"] = json!(5);
    long_ref["inputs"]["videoUrls"] = json!([clip(16.12)]);
    let g = failed_task_guidance(&fake, &client, &long_ref).await;
    assert_eq!(g.action, Action::TrimMedia { kind: video });
    fake.shutdown().await;
}
