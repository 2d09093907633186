//! Every documented failure (service-api §5 and §6, both errors pages, and the Seedance 2.5
//! family's and Wan 3.0's of §12.5, exact strings) mapped to its guidance, plus the promise
//! that nothing, however odd, panics or renders blank.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use seedance_core::api::error::TransportKind;
use seedance_core::api::{
    ApiError, Endpoint, ErrorBody, FieldIssue, TaskError, TransportError, TransportStage,
};
use seedance_core::guidance::{
    guidance_for, Action, CapWindow, Category, Failure, Guidance, Refund,
};
use seedance_core::media::MediaKind;

const CREATE: Endpoint = Endpoint::CreateTask;
const RECORD: Endpoint = Endpoint::RecordInfo;
const GATEWAY_PAGE: &str =
    "<html><head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>";
const CONCURRENCY_MESSAGE: &str = "Concurrency limit reached (3). You have 3 tasks in progress. Please wait for them to complete, or join our Discord for higher limits.";

fn body(message: &str) -> ErrorBody {
    ErrorBody {
        message: Some(message.to_owned()),
        ..ErrorBody::default()
    }
}

fn http(endpoint: Endpoint, status: u16, body: ErrorBody) -> ApiError {
    ApiError::Http {
        endpoint,
        status,
        body: Some(body),
        raw: None,
        retry_after: None,
    }
}

fn json(endpoint: Endpoint, status: u16, message: &str) -> ApiError {
    http(endpoint, status, body(message))
}

fn html(endpoint: Endpoint, status: u16) -> ApiError {
    ApiError::Http {
        endpoint,
        status,
        body: None,
        raw: Some(GATEWAY_PAGE.to_owned()),
        retry_after: None,
    }
}

fn transport(endpoint: Endpoint, stage: TransportStage, kind: TransportKind) -> ApiError {
    ApiError::Transport {
        endpoint,
        error: TransportError {
            stage,
            kind,
            detail: "connection reset by peer".to_owned(),
        },
    }
}

fn malformed(endpoint: Endpoint) -> ApiError {
    ApiError::Malformed {
        endpoint,
        status: 200,
        reason: "EOF while parsing".to_owned(),
        raw: "{\"taskId\":".to_owned(),
    }
}

fn task(code: Option<&str>, message: &str) -> TaskError {
    TaskError {
        code: code.map(str::to_owned),
        message: message.to_owned(),
    }
}

/// The checks every guidance must pass, whatever produced it.
fn assert_well_formed(guidance: &Guidance, context: &str) {
    assert!(!guidance.title.trim().is_empty(), "{context}: empty title");
    assert!(
        !guidance.explanation.trim().is_empty(),
        "{context}: empty explanation"
    );
    if let Some(detail) = &guidance.detail {
        assert!(!detail.trim().is_empty(), "{context}: blank detail");
        assert!(detail.chars().count() <= 601, "{context}: detail too long");
    }
    let json = serde_json::to_value(guidance).unwrap();
    assert_eq!(json["category"], guidance.category.as_str(), "{context}");
    let back: Guidance = serde_json::from_value(json).unwrap();
    assert_eq!(&back, guidance, "{context}: serde round trip");
}

/// What a failure must map to: category, retryable, refund, action.
type Want = (Category, bool, Refund, Action);

struct Row {
    what: String,
    guidance: Guidance,
    category: Category,
    retryable: bool,
    refunded: Refund,
    action: Action,
}

fn row(what: impl Into<String>, failure: Failure, want: Want) -> Row {
    Row {
        what: what.into(),
        guidance: guidance_for(&failure),
        category: want.0,
        retryable: want.1,
        refunded: want.2,
        action: want.3,
    }
}

fn check(rows: Vec<Row>) -> usize {
    let count = rows.len();
    for r in rows {
        let g = &r.guidance;
        assert_well_formed(g, &r.what);
        assert_eq!(g.category, r.category, "{}: {g:#?}", r.what);
        assert_eq!(g.retryable, r.retryable, "{}: retryable", r.what);
        assert_eq!(g.refunded, r.refunded, "{}: refunded", r.what);
        assert_eq!(g.action, r.action, "{}: action", r.what);
    }
    count
}

// ------------------------------------------------------------------------------------
// HTTP (service-api §5)

#[test]
fn every_documented_http_error() {
    use Category as C;
    use Refund::{NotApplicable as NA, NotCharged as NC};
    let mut with_fields = body("Invalid inputs for model");
    with_fields.errors = vec![FieldIssue {
        code: Some("custom".into()),
        message: "At least one reference video (videoUrls) is required.".into(),
        path: vec!["videoUrls".into()],
    }];
    let mut duration_field = body("Invalid inputs for model");
    duration_field.errors = vec![FieldIssue {
        code: Some("custom".into()),
        message: "Duration must be between 4 and 30 seconds".into(),
        path: vec!["duration".into()],
    }];
    let credits = |required: Option<f64>, available: Option<f64>| ErrorBody {
        required,
        available,
        ..body("Insufficient credits")
    };
    let concurrency = |message: &str, limit: u32| ErrorBody {
        limit: Some(limit),
        current: Some(limit),
        ..body(message)
    };
    let model = || Action::FixInput {
        field: Some("model".into()),
    };
    #[rustfmt::skip]
    let cases: Vec<(&str, ApiError, Want)> = vec![
        ("createTask 401 no header", json(CREATE, 401, "Missing Authorization header"), (C::AuthMissingKey, false, NC, Action::FixKey)),
        ("recordInfo 401 no header", json(RECORD, 401, "Missing Authorization header"), (C::AuthMissingKey, false, NA, Action::FixKey)),
        ("createTask 401 bad key", json(CREATE, 401, "Invalid API Key"), (C::AuthInvalidKey, false, NC, Action::FixKey)),
        ("recordInfo 401 bad key", json(RECORD, 401, "Invalid API Key"), (C::AuthInvalidKey, false, NA, Action::FixKey)),
        ("uploads 401 bad key", json(Endpoint::UploadTarget, 401, "Invalid API Key"), (C::AuthInvalidKey, false, NA, Action::FixKey)),
        ("createTask 401 html", html(CREATE, 401), (C::AuthInvalidKey, false, NC, Action::FixKey)),
        ("createTask 403 not enabled", json(CREATE, 403, "API access not enabled for this account"), (C::AccessNotEnabled, false, NC, Action::ContactSupport)),
        ("recordInfo 403 not enabled", json(RECORD, 403, "API access not enabled for this account"), (C::AccessNotEnabled, false, NA, Action::ContactSupport)),
        ("recordInfo 403 access denied", json(RECORD, 403, "Access denied"), (C::AccessDenied, false, NA, Action::FixKey)),
        ("recordInfo 404", json(RECORD, 404, "Task not found"), (C::TaskNotFound, false, NA, Action::ContactSupport)),
        ("recordInfo 404 html", html(RECORD, 404), (C::TaskNotFound, false, NA, Action::ContactSupport)),
        ("402 200/10", http(CREATE, 402, credits(Some(200.0), Some(10.0))), (C::InsufficientCredits, false, NC, Action::AddCredits { required: Some(200.0), available: Some(10.0) })),
        ("402 295/0", http(CREATE, 402, credits(Some(295.0), Some(0.0))), (C::InsufficientCredits, false, NC, Action::AddCredits { required: Some(295.0), available: Some(0.0) })),
        ("402 fractional", http(CREATE, 402, credits(Some(37.5), Some(2.17))), (C::InsufficientCredits, false, NC, Action::AddCredits { required: Some(37.5), available: Some(2.17) })),
        ("402 no figures", json(CREATE, 402, "Insufficient credits"), (C::InsufficientCredits, false, NC, Action::AddCredits { required: None, available: None })),
        ("402 non-finite figure", http(CREATE, 402, credits(Some(f64::NAN), Some(3.0))), (C::InsufficientCredits, false, NC, Action::AddCredits { required: None, available: Some(3.0) })),
        ("429 errors page", http(CREATE, 429, concurrency(CONCURRENCY_MESSAGE, 3)), (C::ConcurrencyLimit, true, NC, Action::WaitForSlot { limit: Some(3), current: Some(3) })),
        ("429 readme", http(CREATE, 429, concurrency("Concurrency limit reached (…)", 5)), (C::ConcurrencyLimit, true, NC, Action::WaitForSlot { limit: Some(5), current: Some(5) })),
        ("429 html on createTask", html(CREATE, 429), (C::ConcurrencyLimit, true, NC, Action::WaitForSlot { limit: None, current: None })),
        ("429 on recordInfo", html(RECORD, 429), (C::Transient, true, NA, Action::Retry)),
        ("400 unknown model", json(CREATE, 400, "Unknown model"), (C::UnknownModel, false, NC, model())),
        ("400 invalid request", json(CREATE, 400, "Invalid request parameters"), (C::InvalidRequest, false, NC, Action::FixInput { field: None })),
        ("400 videoUrls", http(CREATE, 400, with_fields), (C::InvalidRequest, false, NC, Action::FixInput { field: Some("videoUrls".into()) })),
        ("400 duration", http(CREATE, 400, duration_field), (C::InvalidRequest, false, NC, Action::FixInput { field: Some("duration".into()) })),
        ("400 html", html(CREATE, 400), (C::InvalidRequest, false, NC, Action::FixInput { field: None })),
        ("400 invalid taskId", json(RECORD, 400, "Invalid taskId"), (C::InvalidRequest, false, NA, Action::FixInput { field: None })),
        ("400 missing taskId", json(RECORD, 400, "Missing taskId parameter"), (C::InvalidRequest, false, NA, Action::FixInput { field: None })),
        ("createTask 500 json", json(CREATE, 500, "Internal server error"), (C::ServerError, true, NC, Action::Retry)),
        ("recordInfo 500 json", json(RECORD, 500, "Internal server error"), (C::ServerError, true, NA, Action::Retry)),
        ("recordInfo 500 html", html(RECORD, 500), (C::ServerError, true, NA, Action::Retry)),
        ("recordInfo 502 html", html(RECORD, 502), (C::ServerError, true, NA, Action::Retry)),
        ("recordInfo 503 html", html(RECORD, 503), (C::ServerError, true, NA, Action::Retry)),
        ("recordInfo 504 html", html(RECORD, 504), (C::ServerError, true, NA, Action::Retry)),
        ("uploads 503 html", html(Endpoint::UploadTarget, 503), (C::ServerError, true, NA, Action::Retry)),
        ("recordInfo 408", html(RECORD, 408), (C::Transient, true, NA, Action::Retry)),
        ("recordInfo malformed 200", malformed(RECORD), (C::ServerError, true, NA, Action::Retry)),
        ("recordInfo connect refused", transport(RECORD, TransportStage::Connect, TransportKind::Refused), (C::Network, true, NA, Action::CheckConnection)),
        ("recordInfo timeout", transport(RECORD, TransportStage::Request, TransportKind::Timeout), (C::Network, true, NA, Action::CheckConnection)),
        ("download body broke off", transport(Endpoint::Download, TransportStage::ResponseBody, TransportKind::Reset), (C::Network, true, NA, Action::CheckConnection)),
        ("createTask dns failure", transport(CREATE, TransportStage::Connect, TransportKind::Dns), (C::Network, true, NC, Action::CheckConnection)),
        ("createTask refused", transport(CREATE, TransportStage::Connect, TransportKind::Refused), (C::Network, true, NC, Action::CheckConnection)),
        ("upload PUT 403 expired link", html(Endpoint::UploadPut, 403), (C::Transient, true, NA, Action::Retry)),
        ("download 404", html(Endpoint::Download, 404), (C::Unknown, true, NA, Action::Retry)),
        ("recordInfo 418", html(RECORD, 418), (C::Unknown, true, NA, Action::Retry)),
        ("recordInfo 499", html(RECORD, 499), (C::Unknown, true, NA, Action::Retry)),
        ("recordInfo 520", html(RECORD, 520), (C::Unknown, true, NA, Action::Retry)),
        ("createTask 418", json(CREATE, 418, "I'm a teapot"), (C::Unknown, true, NC, Action::Retry)),
        ("createTask 404 html", html(CREATE, 404), (C::Unknown, true, NC, Action::Retry)),
    ];
    let rows = cases
        .iter()
        .map(|(what, error, want)| row(*what, Failure::Api(error), want.clone()))
        .collect();
    assert_eq!(check(rows), cases.len());
}

#[test]
fn a_create_task_that_may_have_gone_through_is_submission_unknown() {
    let unknown = (
        Category::SubmissionUnknown,
        false,
        Refund::Unknown,
        Action::ReviewUnknownSubmission,
    );
    let cases = vec![
        ("500 html", html(CREATE, 500)),
        ("502 html", html(CREATE, 502)),
        ("503 html", html(CREATE, 503)),
        ("504 html", html(CREATE, 504)),
        ("502 json", json(CREATE, 502, "Bad gateway")),
        ("520", html(CREATE, 520)),
        ("malformed 200", malformed(CREATE)),
        (
            "reset after send",
            transport(CREATE, TransportStage::Request, TransportKind::Reset),
        ),
        (
            "timeout after send",
            transport(CREATE, TransportStage::Request, TransportKind::Timeout),
        ),
        (
            "body broke off",
            transport(CREATE, TransportStage::ResponseBody, TransportKind::Reset),
        ),
    ];
    let rows: Vec<Row> = cases
        .iter()
        .map(|(what, error)| row(*what, Failure::Api(error), unknown.clone()))
        .collect();
    for r in &rows {
        assert!(
            r.guidance.explanation.contains("charge twice"),
            "{}",
            r.what
        );
        assert!(r.guidance.detail.is_some(), "{}", r.what);
    }
    assert_eq!(check(rows), 10);
}

#[test]
fn insufficient_credits_quotes_the_services_figures() {
    let error = http(
        CREATE,
        402,
        ErrorBody {
            required: Some(200.0),
            available: Some(10.0),
            ..body("Insufficient credits")
        },
    );
    let g = guidance_for(&Failure::Api(&error));
    assert_eq!(g.title, "Not enough credits");
    assert_eq!(
        g.explanation,
        "This video needs 200 credits and your balance is 10. Add credits, then generate again."
    );
    let fractional = http(
        CREATE,
        402,
        ErrorBody {
            required: Some(37.5),
            available: Some(2.17),
            ..body("Insufficient credits")
        },
    );
    let g = guidance_for(&Failure::Api(&fractional));
    assert!(g.explanation.contains("37.5") && g.explanation.contains("2.17"));
}

#[test]
fn field_problems_carry_which_field_and_what_is_wrong() {
    let mut b = body("Invalid inputs for model");
    b.errors = vec![
        FieldIssue {
            code: Some("custom".into()),
            message: "Duration must be between 4 and 30 seconds".into(),
            path: vec!["duration".into()],
        },
        FieldIssue {
            code: Some("invalid_type".into()),
            message: "Expected boolean".into(),
            path: vec!["inputs".into(), "generate_audio".into()],
        },
    ];
    let g = guidance_for(&Failure::Api(&http(CREATE, 400, b)));
    let fields: Vec<(&str, &str)> = g
        .field_problems
        .iter()
        .map(|p| (p.field.as_str(), p.message.as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("duration", "Duration must be between 4 and 30 seconds"),
            ("inputs.generate_audio", "Expected boolean"),
        ]
    );
    assert!(g.explanation.contains("duration"));
    assert!(g
        .explanation
        .contains("Duration must be between 4 and 30 seconds."));
    let detail = g.detail.unwrap();
    assert!(detail.contains("HTTP 400") && detail.contains("inputs.generate_audio"));
}

#[test]
fn http_detail_names_the_status_and_the_services_words() {
    let g = guidance_for(&Failure::Api(&html(RECORD, 418)));
    let detail = g.detail.unwrap();
    assert!(detail.contains("418"), "{detail}");
    assert!(
        detail.contains("502 Bad Gateway"),
        "raw snippet kept: {detail}"
    );
    assert!(!detail.contains('\n'));
    let g = guidance_for(&Failure::Api(&json(CREATE, 418, "I'm a teapot")));
    assert!(g.detail.unwrap().contains("I'm a teapot"));
}

#[test]
fn a_bearer_token_echoed_by_a_server_never_reaches_the_guidance() {
    let canary = "sk-CANARY-6f1c2a9e";
    let echoed = ApiError::Http {
        endpoint: RECORD,
        status: 418,
        body: None,
        raw: Some(format!("bad header: Authorization: Bearer {canary}")),
        retry_after: None,
    };
    let in_body = json(CREATE, 400, &format!("Bad header 'bearer {canary}'"));
    let in_task = task(
        Some("4011"),
        &format!("Authorization: BEARER {canary} rejected"),
    );
    let mut in_fields = body("Invalid inputs for model");
    in_fields.errors = vec![FieldIssue {
        code: None,
        message: format!("header was Bearer {canary}"),
        path: vec![format!("Bearer {canary}")],
    }];
    let in_fields = http(CREATE, 400, in_fields);
    for failure in [
        Failure::Api(&echoed),
        Failure::Api(&in_body),
        Failure::Task(&in_task),
        Failure::Api(&in_fields),
    ] {
        let json = serde_json::to_string(&guidance_for(&failure)).unwrap();
        assert!(!json.contains(canary), "{json}");
        assert!(json.contains("<redacted>"), "{json}");
    }
}

// ------------------------------------------------------------------------------------
// Task failures (service-api §6, errors pages, fixtures D1–D3)

#[test]
fn every_documented_task_failure() {
    use Category as C;
    let r = Refund::Refunded;
    let replace =
        |kind: Option<MediaKind>, index: Option<u32>| Action::ReplaceReference { kind, index };
    let image = Some(MediaKind::Image);
    let video = Some(MediaKind::Video);
    let trim_video = Action::TrimMedia { kind: video };
    let references = Action::FixInput {
        field: Some("references".into()),
    };
    #[rustfmt::skip]
    let cases: Vec<(Option<&str>, &str, Want)> = vec![
        // Input moderation
        (Some("2038"), "Your input text violates platform rules. Please modify and try again.", (C::InputRejected, false, r, Action::EditPrompt)),
        (None, "Your input text violates platform rules. Please modify and try again.", (C::InputRejected, false, r, Action::EditPrompt)),
        (None, "Your uploaded image violates platform rules. Please modify and try again.", (C::InputRejected, false, r, replace(image, None))),
        (None, "Your uploaded video violates platform rules. Please modify and try again.", (C::InputRejected, false, r, replace(video, None))),
        (None, "Content violates platform rules. Please modify and try again.", (C::InputRejected, false, r, Action::EditPrompt)),
        (Some("fake_moderation"), "Content violates platform rules. Please modify and try again.", (C::InputRejected, false, r, Action::EditPrompt)),
        // Output moderation
        (None, "The generated video did not pass review. Credits will not be deducted.", (C::OutputRejected, false, r, Action::EditPrompt)),
        (None, "The generated image did not pass review. Credits will not be deducted.", (C::OutputRejected, false, r, Action::EditPrompt)),
        (None, "The generated audio violates platform rules. Please adjust your prompt or images and try again.", (C::OutputRejected, false, r, Action::EditPrompt)),
        (None, "The generated content violates platform rules. Please adjust your prompt or images and try again.", (C::OutputRejected, false, r, Action::EditPrompt)),
        // Face, media
        (None, "Face detected in uploaded media. Please adjust your media and try again.", (C::FaceDetected, false, r, replace(None, None))),
        (None, "Media upload failed. Please check your file format, size, and duration (audio max 15s, video max 15s).", (C::MediaInvalid, false, r, Action::TrimMedia { kind: None })),
        (None, "Your uploaded image violates platform rules. Please use a different image.", (C::InputRejected, false, r, replace(image, None))),
        // Transient family, with the generic code and without
        (Some("500"), "Server error. Please try again later.", (C::Transient, true, r, Action::Retry)),
        (Some("500"), "Video generation failed. Please try again.", (C::Transient, true, r, Action::Retry)),
        (Some("500"), "Generation timed out. Please try again.", (C::Transient, true, r, Action::Retry)),
        (Some("500"), "Task submission failed. Please try again.", (C::Transient, true, r, Action::Retry)),
        (Some("500"), "Generation failed. Please try again.", (C::Transient, true, r, Action::Retry)),
        (None, "Server error. Please try again later.", (C::Transient, true, r, Action::Retry)),
        (None, "Video generation failed. Please try again.", (C::Transient, true, r, Action::Retry)),
        (None, "Generation timed out. Please try again.", (C::Transient, true, r, Action::Retry)),
        (None, "Task submission failed. Please try again.", (C::Transient, true, r, Action::Retry)),
        (Some("4011"), "Upstream busy. Please try again.", (C::Transient, true, r, Action::Retry)),
        // Reference review (1-based index per kind)
        (Some("asset_review_failed"), "Reference image 1 failed review. Please replace it.", (C::ReferenceRejected, false, r, replace(image, Some(1)))),
        (Some("asset_review_failed"), "Reference video 1 failed review. Please replace it.", (C::ReferenceRejected, false, r, replace(video, Some(1)))),
        (Some("asset_review_failed"), "Reference image 2 failed review. Please replace it.", (C::ReferenceRejected, false, r, replace(image, Some(2)))),
        (Some("asset_review_failed"), "Reference audio 3 failed review. Please replace it.", (C::ReferenceRejected, false, r, replace(Some(MediaKind::Audio), Some(3)))),
        (None, "Reference image 12 failed review. Please replace it.", (C::ReferenceRejected, false, r, replace(image, Some(12)))),
        (Some("asset_review_failed"), "Reference media could not be reviewed.", (C::ReferenceRejected, false, r, replace(None, None))),
        (Some("asset_review_failed"), "Reference image 0 failed review. Please replace it.", (C::ReferenceRejected, false, r, replace(None, None))),
        // Invalid reference combinations
        (Some("InvalidParameter"), "Audio cannot be the only reference input. Please also provide an image or video reference.", (C::InvalidParameter, false, r, references.clone())),
        (Some("InvalidParameter"), "Reference video total duration exceeds the limit. Please use videos with a combined duration of 15 seconds or less.", (C::InvalidParameter, false, r, trim_video.clone())),
        (Some("InvalidParameter"), "The parameter `content` specified in the request is not valid: the parameter video total duration …", (C::InvalidParameter, false, r, trim_video.clone())),
        (Some("InvalidParameter"), "The parameter `content` specified in the request is not valid: image count", (C::InvalidParameter, false, r, references.clone())),
        (Some("InvalidParameter"), "Something about parameters", (C::InvalidParameter, false, r, Action::FixInput { field: None })),
        // Reference download
        // Not resendable unchanged: the link must work first (service-api §7).
        (Some("500"), "Failed to download your reference video. Please replace it or try again.", (C::ReferenceDownloadFailed, false, r, replace(video, None))),
        (Some("1001"), "Failed to download your reference video. Please replace it or try again.", (C::ReferenceDownloadFailed, false, r, replace(video, None))),
        (Some("1001"), "Failed to download your reference image. Please replace it or try again.", (C::ReferenceDownloadFailed, false, r, replace(image, None))),
        // Seedance 2.5 (code 1001)
        (Some("1001"), "Your uploaded video may contain sensitive content. Please use a different video.", (C::InputRejected, false, r, replace(video, None))),
        (Some("1001"), "Your uploaded image may contain sensitive content. Please use a different image.", (C::InputRejected, false, r, replace(image, None))),
        (Some("1001"), "The generated video did not pass review. Please modify your prompt or inputs and try again.", (C::OutputRejected, false, r, Action::EditPrompt)),
        (Some("1001"), "The generated video may violate platform or copyright rules. Please modify your prompt or inputs and try again.", (C::CopyrightOrPolicy, false, r, Action::EditPrompt)),
        (Some("1001"), "Service temporarily unavailable. Please try again later.", (C::Transient, true, r, Action::Retry)),
        (Some("1001"), "Request parameters are invalid for video editing. Use adaptive aspect ratio and automatic duration, and ensure the reference video is 4–30 seconds.", (C::InvalidParameter, false, r, trim_video.clone())),
        // Era A strings
        (None, "Task execution failed", (C::Unknown, true, r, Action::Retry)),
        (None, "Invalid prompt content", (C::InputRejected, false, r, Action::EditPrompt)),
        // Codes without a documented message
        (Some("4011"), "Something the docs never mention", (C::Unknown, true, r, Action::Retry)),
        (Some("4011"), "", (C::Unknown, true, r, Action::Retry)),
        (Some("2038"), "", (C::InputRejected, false, r, Action::EditPrompt)),
        (Some("500"), "Internal error 0x1f", (C::Transient, true, r, Action::Retry)),
        (Some("500"), "Your picture is blurry. Please use a different one and try again.", (C::Unknown, false, r, Action::EditPrompt)),
        (Some("4011"), "Please try again with a different image.", (C::Unknown, false, r, Action::EditPrompt)),
        (None, "", (C::Unknown, true, r, Action::Retry)),
        (None, "   ", (C::Unknown, true, r, Action::Retry)),
    ];
    let errors: Vec<(TaskError, Want)> = cases
        .into_iter()
        .map(|(code, message, want)| (task(code, message), want))
        .collect();
    let rows = errors
        .iter()
        .map(|(error, want)| {
            let what = format!("{:?} {:?}", error.code, error.message);
            row(what, Failure::Task(error), want.clone())
        })
        .collect();
    assert_eq!(check(rows), errors.len());
}

/// service-api §12.5.2 and §12.5.3, every message as published (and the fake's completions
/// of the two the documentation elides), each with its own guidance.
#[test]
fn every_documented_failure_of_the_2_5_family_and_wan() {
    use Category as C;
    let r = Refund::Refunded;
    let replace =
        |kind: Option<MediaKind>, index: Option<u32>| Action::ReplaceReference { kind, index };
    let image = Some(MediaKind::Image);
    let video = Some(MediaKind::Video);
    let trim = |kind| Action::TrimMedia { kind };
    #[rustfmt::skip]
    let cases: Vec<(Option<&str>, &str, Want, &str)> = vec![
        // Code 1001, in the documented order of its prefixes.
        (Some("1001"), "Failed to download your reference video. Please replace it or try again.", (C::ReferenceDownloadFailed, false, r, replace(video, None)), "The service couldn't fetch a reference"),
        (Some("1001"), "Your uploaded video may contain sensitive content. Please use a different video.", (C::InputRejected, false, r, replace(video, None)), "Your input was flagged"),
        (Some("1001"), "Your uploaded image may contain sensitive content. Please use a different image.", (C::InputRejected, false, r, replace(image, None)), "Your input was flagged"),
        (Some("1001"), "The generated video did not pass review. Please modify your prompt or inputs and try again.", (C::OutputRejected, false, r, Action::EditPrompt), "The result didn't pass review"),
        (Some("1001"), "The generated audio did not pass review. Please modify your prompt or inputs and try again.", (C::OutputRejected, false, r, Action::EditPrompt), "The soundtrack didn't pass review"),
        (Some("1001"), "The generated video may violate platform or copyright rules. Please modify your prompt or inputs and try again.", (C::CopyrightOrPolicy, false, r, Action::EditPrompt), "The result may break copyright or platform rules"),
        (Some("1001"), "Service temporarily unavailable. Please try again later.", (C::Transient, true, r, Action::Retry), "The service is busy"),
        (Some("1001"), "Request parameters are invalid for video editing. Use adaptive aspect ratio and automatic duration, and ensure the reference video is 4–30 seconds.", (C::InvalidParameter, false, r, trim(video)), "This clip can't be edited as it is"),
        (Some("1001"), "Request parameters are invalid for video extension. Use adaptive aspect ratio.", (C::InvalidParameter, false, r, trim(video)), "This clip can't be extended as it is"),
        // Anything else under 1001: the generic guidance, without an unchanged resend.
        (Some("1001"), "Quota policy changed for this region.", (C::Unknown, false, r, Action::EditPrompt), "Generation failed"),
        (Some("1001"), "Please try again.", (C::Unknown, false, r, Action::EditPrompt), "Generation failed"),
        (Some("1001"), "", (C::Unknown, false, r, Action::EditPrompt), "Generation failed"),
        // The 2.5 InvalidParameter messages.
        (Some("InvalidParameter"), "The parameter `content` specified in the request is not valid: the parameter video total duration exceeds 30 seconds.", (C::InvalidParameter, false, r, trim(video)), "These references don't work together"),
        (Some("InvalidParameter"), "The parameter `content` specified in the request is not valid: the parameter video duration must be between 2 and 30 seconds.", (C::InvalidParameter, false, r, trim(video)), "These references don't work together"),
        (Some("InvalidParameter"), "The parameter `content[0].text.text` specified in the request is not valid: text content must contain …", (C::InvalidParameter, false, r, Action::EditPrompt), "These references don't work together"),
        (Some("asset_review_failed"), "Reference video 1 failed review. Please replace it.", (C::ReferenceRejected, false, r, replace(video, Some(1))), "A reference was rejected"),
        // Wan 3.0 (§12.5.3): its 500 is mostly not transient.
        (Some("500"), "Your content was blocked by moderation. Please adjust your prompt or uploaded media and try again.", (C::InputRejected, false, r, Action::EditPrompt), "Your input was flagged"),
        (Some("500"), "Wan 3.0 generation failed: FaceDetectionSuspect - The output content is suspected to include real human faces.", (C::FaceDetected, false, r, Action::EditPrompt), "The result showed a real face"),
        (Some("500"), "Wan 3.0 generation failed: FaceDetectionSuspect - The input content is suspected to include real human faces.", (C::FaceDetected, false, r, replace(None, None)), "A face was found in your references"),
        (Some("500"), "Your uploaded image may be restricted by copyright. Please use a different image.", (C::CopyrightOrPolicy, false, r, replace(image, None)), "An image may be under copyright"),
        (Some("500"), "Wan 3.0 generation failed: ServiceUnavailable - <503> InternalError.Algo: Service is temporarily unavailable. Please try again later.", (C::Transient, true, r, Action::Retry), "The service is busy"),
        (Some("InvalidParameter"), "Failed to download your uploaded media. Please re-upload and try again.", (C::ReferenceDownloadFailed, false, r, replace(None, None)), "The service couldn't fetch a reference"),
        (Some("InvalidParameter"), "Input image resolution is too low. Please use a higher-resolution image and try again.", (C::MediaInvalid, false, r, replace(image, None)), "An image is too small"),
        (Some("InvalidParameter"), "Wan 3.0 generation failed: InvalidParameter - Green net service failed to process the file.", (C::MediaInvalid, false, r, replace(None, None)), "A reference file couldn't be checked"),
        (Some("InvalidParameter"), "Wan 3.0 generation failed: InvalidParameter - https://cdn.example.test/v.mp4 duration should be at most 15s, got 16.12s", (C::InvalidParameter, false, r, trim(video)), "These references don't work together"),
        (Some("InvalidParameter"), "Wan 3.0 generation failed: InvalidParameter - input_video_duration(10.61s) + duration(20.0s) = 30.61s exceeds 30s limit", (C::InvalidParameter, false, r, Action::FixInput { field: Some("duration".into()) }), "These references don't work together"),
        (Some("InvalidParameter"), "Reference audio total duration exceeds the limit. Please use audio with a combined duration of 15 seconds or less.", (C::InvalidParameter, false, r, trim(Some(MediaKind::Audio))), "These references don't work together"),
    ];
    let errors: Vec<(TaskError, Want, &str)> = cases
        .into_iter()
        .map(|(code, message, want, title)| (task(code, message), want, title))
        .collect();
    for (error, want, title) in &errors {
        let what = format!("{:?} {:?}", error.code, error.message);
        let g = guidance_for(&Failure::Task(error));
        assert_eq!(g.title, *title, "{what}");
        // Only the capacity failures offer Retry.
        assert_eq!(
            g.action == Action::Retry,
            g.title == "The service is busy",
            "{what}"
        );
        check(vec![row(what, Failure::Task(error), want.clone())]);
    }
    // Each class has its own words: the 1001 family's nine documented messages give nine
    // different guidances.
    let family: std::collections::HashSet<String> = errors[..9]
        .iter()
        .map(|(e, _, _)| guidance_for(&Failure::Task(e)).explanation)
        .collect();
    assert_eq!(family.len(), 9);
}

#[test]
fn the_1001_prefixes_are_tested_in_the_documented_order() {
    // A message matching two rules takes the earlier one (service-api §12.5.2).
    let g = guidance_for(&Failure::Task(&task(
        Some("1001"),
        "Failed to download your reference video. The generated video did not pass review.",
    )));
    assert_eq!(g.category, Category::ReferenceDownloadFailed);
    let g = guidance_for(&Failure::Task(&task(
        Some("1001"),
        "Your uploaded audio may contain sensitive content. Service temporarily unavailable.",
    )));
    assert_eq!(g.category, Category::InputRejected);
    assert_eq!(
        g.action,
        Action::ReplaceReference {
            kind: Some(MediaKind::Audio),
            index: None
        }
    );
    // The same words without code 1001 keep their general meaning.
    let g = guidance_for(&Failure::Task(&task(None, "Please try again.")));
    assert_eq!(g.action, Action::Retry);
    let g = guidance_for(&Failure::Task(&task(Some("1001"), "Please try again.")));
    assert_ne!(g.action, Action::Retry);
    assert_eq!(
        g.detail.as_deref(),
        Some("Please try again. (code 1001)"),
        "the service's words are kept"
    );
}

#[test]
fn messages_that_ask_for_a_change_are_never_transient() {
    let needs_change = [
        "Your input text violates platform rules. Please modify and try again.",
        "Your uploaded image violates platform rules. Please modify and try again.",
        "Your uploaded video violates platform rules. Please modify and try again.",
        "Content violates platform rules. Please modify and try again.",
        "The generated audio violates platform rules. Please adjust your prompt or images and try again.",
        "The generated content violates platform rules. Please adjust your prompt or images and try again.",
        "Face detected in uploaded media. Please adjust your media and try again.",
        "Your uploaded image violates platform rules. Please use a different image.",
        "Failed to download your reference video. Please replace it or try again.",
        "The generated video did not pass review. Please modify your prompt or inputs and try again.",
        "The generated video may violate platform or copyright rules. Please modify your prompt or inputs and try again.",
        "Request parameters are invalid for video editing. Use adaptive aspect ratio and automatic duration, and ensure the reference video is 4–30 seconds.",
        "Your content was blocked by moderation. Please adjust your prompt or uploaded media and try again.",
        "Failed to download your uploaded media. Please re-upload and try again.",
        "Please try again with a different image.",
    ];
    for message in needs_change {
        for code in [None, Some("500"), Some("1001"), Some("4011")] {
            let g = guidance_for(&Failure::Task(&task(code, message)));
            assert_ne!(g.category, Category::Transient, "{code:?} {message}");
            assert_ne!(g.action, Action::Retry, "{code:?} {message}");
        }
    }
}

#[test]
fn unknown_task_failures_show_the_services_words() {
    let g = guidance_for(&Failure::Task(&task(Some("4011"), "Quota bucket drained")));
    assert_eq!(g.category, Category::Unknown);
    assert_eq!(
        g.detail.as_deref(),
        Some("Quota bucket drained (code 4011)")
    );
    let g = guidance_for(&Failure::Task(&task(None, "Task execution failed")));
    assert_eq!(g.detail.as_deref(), Some("Task execution failed"));
    let g = guidance_for(&Failure::Task(&task(None, "")));
    assert_eq!(g.detail, None);
    assert!(!g.title.is_empty());
}

#[test]
fn every_task_failure_is_refunded() {
    for (code, message) in [
        (
            Some("2038"),
            "Your input text violates platform rules. Please modify and try again.",
        ),
        (None, "Task execution failed"),
        (Some("x"), "?"),
    ] {
        let g = guidance_for(&Failure::Task(&task(code, message)));
        assert_eq!(g.refunded, Refund::Refunded);
        assert_eq!(Refund::Refunded.note(), Some("Your credits were refunded."));
    }
}

#[test]
fn reference_rejection_names_the_reference() {
    let g = guidance_for(&Failure::Task(&task(
        Some("asset_review_failed"),
        "Reference image 2 failed review. Please replace it.",
    )));
    assert!(
        g.explanation.contains("reference image 2"),
        "{}",
        g.explanation
    );
    let json = serde_json::to_value(&g).unwrap();
    assert_eq!(json["action"]["type"], "replace_reference");
    assert_eq!(json["action"]["index"], 2);
}

// ------------------------------------------------------------------------------------
// Local failures

#[test]
fn local_failures() {
    let unknown_detail = "createTask sent; connection reset before the answer";
    let rows = vec![
        row(
            "submission unknown",
            Failure::SubmissionUnknown {
                detail: unknown_detail,
            },
            (
                Category::SubmissionUnknown,
                false,
                Refund::Unknown,
                Action::ReviewUnknownSubmission,
            ),
        ),
        row(
            "local input",
            Failure::LocalInput {
                field: "prompt",
                message: "The prompt is 10,312 characters; this model takes at most 10,000.",
            },
            (
                Category::InvalidRequest,
                false,
                Refund::NotApplicable,
                Action::FixInput {
                    field: Some("prompt".into()),
                },
            ),
        ),
        row(
            "local input without words",
            Failure::LocalInput {
                field: " ",
                message: "",
            },
            (
                Category::InvalidRequest,
                false,
                Refund::NotApplicable,
                Action::FixInput { field: None },
            ),
        ),
        row(
            "missing key",
            Failure::MissingKey,
            (
                Category::AuthMissingKey,
                false,
                Refund::NotApplicable,
                Action::FixKey,
            ),
        ),
        row(
            "spending cap",
            Failure::SpendingCap {
                window: CapWindow::Daily,
                cap: 1000.0,
                reserved: 900.0,
                needed: 200.0,
            },
            (
                Category::SpendingCap,
                false,
                Refund::NotApplicable,
                Action::None,
            ),
        ),
    ];
    assert_eq!(rows[0].guidance.detail.as_deref(), Some(unknown_detail));
    assert_eq!(
        rows[1].guidance.explanation,
        "The prompt is 10,312 characters; this model takes at most 10,000."
    );
    assert!(rows[4].guidance.explanation.starts_with(
        "Today's limit of 1000 credits would be passed: 900 spent, 100 left, this costs 200."
    ));
    assert_eq!(check(rows), 5);
}

#[test]
fn categories_are_a_stable_vocabulary() {
    let mut seen = std::collections::HashSet::new();
    for category in Category::ALL {
        let json = serde_json::to_value(category).unwrap();
        assert_eq!(json, category.as_str());
        assert_eq!(category.to_string(), category.as_str());
        assert!(seen.insert(category.as_str()), "duplicate {category}");
        let back: Category = serde_json::from_value(json).unwrap();
        assert_eq!(back, category);
    }
    for name in [
        "auth_missing_key",
        "auth_invalid_key",
        "access_not_enabled",
        "access_denied",
        "task_not_found",
        "insufficient_credits",
        "concurrency_limit",
        "invalid_request",
        "unknown_model",
        "server_error",
        "network",
        "submission_unknown",
        "input_rejected",
        "output_rejected",
        "face_detected",
        "media_invalid",
        "reference_rejected",
        "invalid_parameter",
        "reference_download_failed",
        "transient",
        "unknown",
        "copyright_or_policy",
    ] {
        assert!(seen.contains(name), "missing category {name}");
    }
}

#[test]
fn actions_serialize_tagged_in_snake_case() {
    let cases = [
        (Action::Retry, r#"{"type":"retry"}"#),
        (
            Action::AddCredits {
                required: Some(200.0),
                available: Some(10.0),
            },
            r#"{"type":"add_credits","required":200.0,"available":10.0}"#,
        ),
        (
            Action::WaitForSlot {
                limit: Some(3),
                current: Some(3),
            },
            r#"{"type":"wait_for_slot","limit":3,"current":3}"#,
        ),
        (
            Action::FixInput {
                field: Some("duration".into()),
            },
            r#"{"type":"fix_input","field":"duration"}"#,
        ),
        (
            Action::ReviewUnknownSubmission,
            r#"{"type":"review_unknown_submission"}"#,
        ),
        (Action::None, r#"{"type":"none"}"#),
    ];
    for (action, want) in cases {
        assert_eq!(serde_json::to_string(&action).unwrap(), want);
    }
}

// ------------------------------------------------------------------------------------
// Nothing panics, nothing is blank

fn any_endpoint() -> impl Strategy<Value = Endpoint> {
    prop_oneof![
        Just(Endpoint::CreateTask),
        Just(Endpoint::RecordInfo),
        Just(Endpoint::UploadTarget),
        Just(Endpoint::UploadPut),
        Just(Endpoint::Download),
    ]
}

fn any_stage() -> impl Strategy<Value = TransportStage> {
    prop_oneof![
        Just(TransportStage::Connect),
        Just(TransportStage::Request),
        Just(TransportStage::ResponseBody),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn any_task_error_gets_well_formed_refunded_guidance(
        code in proptest::option::of(any::<String>()),
        message in any::<String>(),
    ) {
        let error = TaskError { code, message };
        let g = guidance_for(&Failure::Task(&error));
        assert_well_formed(&g, "arbitrary task error");
        prop_assert_eq!(g.refunded, Refund::Refunded);
    }

    #[test]
    fn any_task_message_with_a_known_prefix_is_well_formed(
        prefix in prop_oneof![
            Just("Reference image "), Just("Reference "), Just("Your uploaded "),
            Just("The generated "), Just("Failed to download your reference "),
            Just("The parameter `content` specified in the request is not valid"),
            Just("Please try again"), Just("Service temporarily unavailable"),
        ],
        rest in any::<String>(),
        code in proptest::option::of(prop_oneof![
            Just("500".to_owned()), Just("1001".to_owned()), Just("asset_review_failed".to_owned()),
            Just("InvalidParameter".to_owned()), Just("2038".to_owned()), any::<String>(),
        ]),
    ) {
        let error = TaskError { code, message: format!("{prefix}{rest}") };
        let g = guidance_for(&Failure::Task(&error));
        assert_well_formed(&g, "prefixed task error");
    }

    #[test]
    fn any_http_error_gets_well_formed_guidance(
        endpoint in any_endpoint(),
        status in any::<u16>(),
        message in proptest::option::of(any::<String>()),
        raw in proptest::option::of(any::<String>()),
        required in proptest::option::of((0u32..100_000).prop_map(|quarters| f64::from(quarters) / 4.0)),
        limit in proptest::option::of(any::<u32>()),
        path in proptest::collection::vec(any::<String>(), 0..3),
    ) {
        let body = message.map(|m| ErrorBody {
            message: Some(m.clone()),
            errors: vec![FieldIssue { code: None, message: m, path }],
            required,
            available: required,
            limit,
            current: limit,
        });
        let error = ApiError::Http { endpoint, status, body, raw, retry_after: None };
        let g = guidance_for(&Failure::Api(&error));
        assert_well_formed(&g, "arbitrary http error");
        prop_assert!(g.detail.unwrap().contains(&status.to_string()));
    }

    #[test]
    fn any_transport_or_malformed_error_gets_well_formed_guidance(
        endpoint in any_endpoint(),
        stage in any_stage(),
        detail in any::<String>(),
        status in any::<u16>(),
    ) {
        let transport = ApiError::Transport {
            endpoint,
            error: TransportError { stage, kind: TransportKind::Other, detail: detail.clone() },
        };
        let g = guidance_for(&Failure::Api(&transport));
        assert_well_formed(&g, "arbitrary transport error");
        let unknown = endpoint == Endpoint::CreateTask && stage != TransportStage::Connect;
        prop_assert_eq!(g.category == Category::SubmissionUnknown, unknown);
        let malformed = ApiError::Malformed { endpoint, status, reason: detail.clone(), raw: detail };
        assert_well_formed(&guidance_for(&Failure::Api(&malformed)), "arbitrary malformed");
    }

    #[test]
    fn any_local_failure_gets_well_formed_guidance(
        field in any::<String>(),
        message in any::<String>(),
        cap in any::<f64>(),
        reserved in any::<f64>(),
    ) {
        assert_well_formed(&guidance_for(&Failure::LocalInput { field: &field, message: &message }), "local");
        assert_well_formed(&guidance_for(&Failure::SubmissionUnknown { detail: &message }), "unknown");
        let g = guidance_for(&Failure::SpendingCap { window: CapWindow::Monthly, cap, reserved, needed: cap });
        prop_assert!(!g.title.is_empty() && !g.explanation.is_empty());
    }
}
