//! Every failure a creator can meet, turned into plain words and one next step.
//!
//! Owns the classification of HTTP errors (service-api §5, §12.5.1), task failures in both
//! documented shapes (§6, both errors pages; the Seedance 2.5 family's §12.5.2 and Wan
//! 3.0's §12.5.3), transport failures and local refusals into a stable
//! [`Category`] vocabulary that the CLI, the app and the tests branch on, plus what it
//! means for the creator's credits and the one [`Action`] the UI offers as a button.
//! It decides nothing about resending (that is `retry`) and performs no I/O.
//!
//! Classification keys on the exact documented messages first, then on documented
//! patterns, then on the code; the word "try again" alone proves nothing, because several
//! messages that need an edit first still end with "…and try again". The 2.5 family's
//! code `1001` covers download failure, input and output moderation, copyright or policy,
//! lack of capacity and the edit/extend parameter checks at once: it is told apart only by
//! the message's beginning, tested in the documented order (service-api §12.5.2), and only
//! the capacity one is worth resending unchanged. Whatever is not recognised becomes
//! `unknown` with the service's own text in `detail`: never a panic, never an empty title.

use serde::{Deserialize, Serialize};

use crate::api::{ApiError, Endpoint, ErrorBody, TaskError, TransportStage};
use crate::media::MediaKind;
use crate::retry;

/// Longest `detail` kept: service messages are one sentence, and a proxy's error page
/// must not end up whole in the ledger or on screen.
const DETAIL_MAX_CHARS: usize = 600;
/// Longest field name or field message taken from a 400's `errors` list.
const FIELD_MAX_CHARS: usize = 300;
/// How much of a non-JSON body (an HTML page from a proxy) is shown in `detail`.
const RAW_SNIPPET_CHARS: usize = 160;

/// Anything that went wrong with a generation, as `guidance_for` accepts it.
#[derive(Debug, Clone, Copy)]
pub enum Failure<'a> {
    /// An API call failed (HTTP status, transport, or an unreadable answer).
    Api(&'a ApiError),
    /// The task ran and ended `fail`: credits are always refunded.
    Task(&'a TaskError),
    /// A submission whose outcome is unknown, e.g. found `Submitting` after a restart.
    SubmissionUnknown { detail: &'a str },
    /// Refused before sending, by our own validation. `message` is already written for
    /// the creator.
    LocalInput { field: &'a str, message: &'a str },
    /// No API key is saved on this computer.
    MissingKey,
    /// The creator's own spending cap would be exceeded (nothing was sent).
    SpendingCap {
        window: CapWindow,
        cap: f64,
        /// Credits already reserved in the window, failures excluded.
        reserved: f64,
        /// Credits this generation needs.
        needed: f64,
    },
}

/// The period a spending cap covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapWindow {
    Daily,
    Monthly,
}

/// What the creator is told about one failure. `title` and `explanation` are never
/// empty; `detail` holds the service's own words and status for the curious and for
/// support.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Guidance {
    pub category: Category,
    /// Whether sending the same request again may well succeed.
    pub retryable: bool,
    pub refunded: Refund,
    pub title: String,
    pub explanation: String,
    pub action: Action,
    pub detail: Option<String>,
    /// The fields a 400 "Invalid inputs for model" named, in the service's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub field_problems: Vec<FieldProblem>,
}

/// One problem with one input field, from the service's `errors` list.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    /// The service's `path` joined with `.` (`"duration"`, `"videoUrls"`); empty when it
    /// named no field.
    pub field: String,
    pub message: String,
}

/// The stable failure vocabulary. Variants are only ever added; the UI treats a name it
/// does not know as `unknown`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    AuthMissingKey,
    AuthInvalidKey,
    AccessNotEnabled,
    AccessDenied,
    TaskNotFound,
    InsufficientCredits,
    ConcurrencyLimit,
    InvalidRequest,
    UnknownModel,
    ServerError,
    Network,
    SubmissionUnknown,
    InputRejected,
    OutputRejected,
    FaceDetected,
    MediaInvalid,
    ReferenceRejected,
    InvalidParameter,
    ReferenceDownloadFailed,
    Transient,
    SpendingCap,
    Unknown,
    /// The result was withheld as possibly breaking copyright or platform rules (2.5).
    CopyrightOrPolicy,
}

impl Category {
    pub const ALL: [Category; 23] = [
        Category::AuthMissingKey,
        Category::AuthInvalidKey,
        Category::AccessNotEnabled,
        Category::AccessDenied,
        Category::TaskNotFound,
        Category::InsufficientCredits,
        Category::ConcurrencyLimit,
        Category::InvalidRequest,
        Category::UnknownModel,
        Category::ServerError,
        Category::Network,
        Category::SubmissionUnknown,
        Category::InputRejected,
        Category::OutputRejected,
        Category::FaceDetected,
        Category::MediaInvalid,
        Category::ReferenceRejected,
        Category::InvalidParameter,
        Category::ReferenceDownloadFailed,
        Category::Transient,
        Category::SpendingCap,
        Category::Unknown,
        Category::CopyrightOrPolicy,
    ];

    /// The wire name, identical to the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::AuthMissingKey => "auth_missing_key",
            Category::AuthInvalidKey => "auth_invalid_key",
            Category::AccessNotEnabled => "access_not_enabled",
            Category::AccessDenied => "access_denied",
            Category::TaskNotFound => "task_not_found",
            Category::InsufficientCredits => "insufficient_credits",
            Category::ConcurrencyLimit => "concurrency_limit",
            Category::InvalidRequest => "invalid_request",
            Category::UnknownModel => "unknown_model",
            Category::ServerError => "server_error",
            Category::Network => "network",
            Category::SubmissionUnknown => "submission_unknown",
            Category::InputRejected => "input_rejected",
            Category::OutputRejected => "output_rejected",
            Category::FaceDetected => "face_detected",
            Category::MediaInvalid => "media_invalid",
            Category::ReferenceRejected => "reference_rejected",
            Category::InvalidParameter => "invalid_parameter",
            Category::ReferenceDownloadFailed => "reference_download_failed",
            Category::Transient => "transient",
            Category::SpendingCap => "spending_cap",
            Category::Unknown => "unknown",
            Category::CopyrightOrPolicy => "copyright_or_policy",
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to the creator's credits.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Refund {
    /// The service refused the submission before reserving anything.
    NotCharged,
    /// The task failed; the service refunds every failed task in full.
    Refunded,
    /// The submission may or may not have created a (charged) task.
    Unknown,
    /// No credits were involved (a read, an upload, a local check).
    NotApplicable,
}

impl Refund {
    /// One sentence for the failure card, or `None` when credits are not the point.
    pub fn note(self) -> Option<&'static str> {
        match self {
            Refund::NotCharged => Some("No credits were used."),
            Refund::Refunded => Some("Your credits were refunded."),
            Refund::Unknown => Some(
                "If the video was created, its credits are reserved; if it fails they come back.",
            ),
            Refund::NotApplicable => None,
        }
    }
}

/// The one primary next step, rendered as a button.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    Retry,
    EditPrompt,
    /// `index` is 1-based within `kind`, as the service counts ("Reference image 2").
    /// Either is `None` when the service did not say which reference.
    ReplaceReference {
        kind: Option<MediaKind>,
        index: Option<u32>,
    },
    /// Shorten audio or video; `kind` is `None` when the service did not say which.
    TrimMedia {
        kind: Option<MediaKind>,
    },
    /// The service's own figures, never recomputed.
    AddCredits {
        required: Option<f64>,
        available: Option<f64>,
    },
    FixKey,
    WaitForSlot {
        limit: Option<u32>,
        current: Option<u32>,
    },
    ContactSupport,
    CheckConnection,
    /// Ask the creator: the submission may have created a paid task, so sending it again
    /// may charge twice.
    ReviewUnknownSubmission,
    /// `field` is the service's field path (`"duration"`), `"references"` for the
    /// reference list, `"model"`, or a local validation field.
    FixInput {
        field: Option<String>,
    },
    None,
}

/// Classifies any failure. Total: every input yields a guidance with a non-empty title
/// and explanation.
pub fn guidance_for(failure: &Failure) -> Guidance {
    match *failure {
        Failure::Api(error) => for_api(error),
        Failure::Task(error) => for_task(error.code.as_deref(), &error.message),
        Failure::SubmissionUnknown { detail } => submission_unknown(non_blank(detail)),
        Failure::LocalInput { field, message } => Guidance::new(
            Category::InvalidRequest,
            false,
            Refund::NotApplicable,
            "Check this setting",
            or_default(message, "One of the settings can't be used as it is."),
            Action::FixInput {
                field: non_blank(field),
            },
        ),
        Failure::MissingKey => Guidance::new(
            Category::AuthMissingKey,
            false,
            Refund::NotApplicable,
            "Add your API key",
            "No API key is saved on this computer. Paste your key in Settings to start generating.",
            Action::FixKey,
        ),
        Failure::SpendingCap {
            window,
            cap,
            reserved,
            needed,
        } => spending_cap(window, cap, reserved, needed),
    }
}

impl Guidance {
    fn new(
        category: Category,
        retryable: bool,
        refunded: Refund,
        title: &str,
        explanation: impl Into<String>,
        action: Action,
    ) -> Guidance {
        Guidance {
            category,
            retryable,
            refunded,
            title: title.to_owned(),
            explanation: explanation.into(),
            action,
            detail: None,
            field_problems: Vec::new(),
        }
    }

    fn with_detail(mut self, detail: Option<String>) -> Guidance {
        self.detail = detail
            .map(|d| clip(&redact_bearer(d.trim()), DETAIL_MAX_CHARS))
            .filter(|d| !d.is_empty());
        self
    }
}

// ---------------------------------------------------------------------------------------
// HTTP, transport and unreadable answers

fn for_api(error: &ApiError) -> Guidance {
    let endpoint = error.endpoint();
    if retry::submission_outcome_unknown(error) {
        return submission_unknown(Some(api_detail(error)));
    }
    let guidance = match error {
        ApiError::Http { status, body, .. } => for_http(endpoint, *status, body.as_ref()),
        ApiError::Transport { error: cause, .. } => {
            // Only a connect failure reaches here for createTask (the rest is unknown).
            let refunded = if endpoint == Endpoint::CreateTask {
                Refund::NotCharged
            } else {
                Refund::NotApplicable
            };
            let explanation = if cause.stage == TransportStage::Connect {
                "Seedance Studio couldn't reach the video service. Check your internet connection, then try again."
            } else {
                "The connection to the video service broke off before it answered. Check your internet connection, then try again."
            };
            Guidance::new(
                Category::Network,
                true,
                refunded,
                "Can't reach the service",
                explanation,
                Action::CheckConnection,
            )
        }
        ApiError::Malformed { .. } => Guidance::new(
            Category::ServerError,
            true,
            Refund::NotApplicable,
            "The service sent an unreadable answer",
            "The video service answered with something Seedance Studio couldn't read. This is usually brief; try again in a moment.",
            Action::Retry,
        ),
    };
    guidance.with_detail(Some(api_detail(error)))
}

fn for_http(endpoint: Endpoint, status: u16, body: Option<&ErrorBody>) -> Guidance {
    let message = body.and_then(|b| b.message.as_deref()).unwrap_or("").trim();
    let rejected = if endpoint == Endpoint::CreateTask {
        Refund::NotCharged
    } else {
        Refund::NotApplicable
    };
    let storage = matches!(endpoint, Endpoint::UploadPut | Endpoint::Download);
    match status {
        // A signed upload or result URL answers with the storage's statuses, not the
        // API's: a 403 there means the link expired, not that the key is wrong.
        401..=404 | 410 if storage => storage_refusal(endpoint),
        401 if message == "Missing Authorization header" => Guidance::new(
            Category::AuthMissingKey,
            false,
            rejected,
            "Add your API key",
            "The request went out without an API key. Add your key in Settings, then try again.",
            Action::FixKey,
        ),
        401 => Guidance::new(
            Category::AuthInvalidKey,
            false,
            rejected,
            "Your API key was not accepted",
            "The service doesn't recognise this API key; it may be mistyped, revoked or expired. Check the key in your account and paste it again in Settings.",
            Action::FixKey,
        ),
        402 => insufficient_credits(body),
        403 if message == "API access not enabled for this account" => Guidance::new(
            Category::AccessNotEnabled,
            false,
            rejected,
            "API access isn't enabled",
            "Your account can't use the API yet. Contact Seedance support and ask them to enable developer access for your account.",
            Action::ContactSupport,
        ),
        403 => Guidance::new(
            Category::AccessDenied,
            false,
            rejected,
            "This belongs to another account",
            "The service says this video belongs to a different account than the API key now saved. Switch back to the key of the account that created it.",
            Action::FixKey,
        ),
        404 if endpoint == Endpoint::RecordInfo || message == "Task not found" => Guidance::new(
            Category::TaskNotFound,
            false,
            Refund::NotApplicable,
            "The service can't find this video",
            "The service has no record of this task. If credits were reserved for it, contact support with the task ID.",
            Action::ContactSupport,
        ),
        429 if endpoint == Endpoint::CreateTask || message.starts_with("Concurrency limit") => {
            concurrency_limit(body)
        }
        429 => Guidance::new(
            Category::Transient,
            true,
            Refund::NotApplicable,
            "The service asked us to slow down",
            "Too many requests went to the service at once. Seedance Studio will try again shortly.",
            Action::Retry,
        ),
        400 if message == "Unknown model" => Guidance::new(
            Category::UnknownModel,
            false,
            rejected,
            "This model isn't available",
            "The service doesn't offer the chosen model under that name. Pick another model; if this keeps happening, update Seedance Studio.",
            Action::FixInput {
                field: Some("model".into()),
            },
        ),
        400 => invalid_request(message, body, rejected),
        408 => Guidance::new(
            Category::Transient,
            true,
            rejected,
            "The service took too long",
            "The service gave up waiting for this request. Try again in a moment.",
            Action::Retry,
        ),
        // The documented 500 and the usual gateway answers; other 5xx (a CDN's 520,
        // say) are nobody's documented meaning and stay `unknown`.
        500..=504 => Guidance::new(
            Category::ServerError,
            true,
            rejected,
            "The service had a problem",
            "Something went wrong on the video service's side. This is usually brief; try again in a moment.",
            Action::Retry,
        ),
        _ => unknown_http(rejected),
    }
}

fn storage_refusal(endpoint: Endpoint) -> Guidance {
    if endpoint == Endpoint::UploadPut {
        Guidance::new(
            Category::Transient,
            true,
            Refund::NotApplicable,
            "The upload link expired",
            "The link for uploading this reference was refused, most likely because it expired. Try again and Seedance Studio will ask for a fresh one.",
            Action::Retry,
        )
    } else {
        Guidance::new(
            Category::Unknown,
            true,
            Refund::NotApplicable,
            "The video file couldn't be downloaded",
            "The service's file host refused the download. Try again; if it keeps failing, contact support with the task ID.",
            Action::Retry,
        )
    }
}

fn insufficient_credits(body: Option<&ErrorBody>) -> Guidance {
    let required = body.and_then(|b| b.required).filter(|v| v.is_finite());
    let available = body.and_then(|b| b.available).filter(|v| v.is_finite());
    let explanation = match (required, available) {
        (Some(r), Some(a)) => format!(
            "This video needs {r} credits and your balance is {a}. Add credits, then generate again."
        ),
        (Some(r), None) => format!(
            "This video needs {r} credits, more than your balance. Add credits, then generate again."
        ),
        (None, Some(a)) => format!(
            "Your balance of {a} credits is too low for this video. Add credits, then generate again."
        ),
        (None, None) => {
            "Your credit balance is too low for this video. Add credits, then generate again."
                .to_owned()
        }
    };
    Guidance::new(
        Category::InsufficientCredits,
        false,
        Refund::NotCharged,
        "Not enough credits",
        explanation,
        Action::AddCredits {
            required,
            available,
        },
    )
}

fn concurrency_limit(body: Option<&ErrorBody>) -> Guidance {
    let limit = body.and_then(|b| b.limit);
    let current = body.and_then(|b| b.current);
    let explanation = match (limit, current) {
        (Some(limit), Some(current)) => format!(
            "You have {current} videos generating and your account allows {limit} at a time. This one waits in line and starts as soon as one of them finishes."
        ),
        (Some(limit), None) => format!(
            "Your account allows {limit} videos generating at a time. This one waits in line and starts as soon as one finishes."
        ),
        _ => "Your account has as many videos generating as it allows. This one waits in line and starts as soon as one finishes.".to_owned(),
    };
    Guidance::new(
        Category::ConcurrencyLimit,
        true,
        Refund::NotCharged,
        "Waiting for a free slot",
        explanation,
        Action::WaitForSlot { limit, current },
    )
}

fn invalid_request(message: &str, body: Option<&ErrorBody>, rejected: Refund) -> Guidance {
    let field_problems: Vec<FieldProblem> = body
        .map(|b| {
            b.errors
                .iter()
                .map(|issue| FieldProblem {
                    field: clip(&redact_bearer(&issue.path.join(".")), FIELD_MAX_CHARS),
                    message: clip(&redact_bearer(issue.message.trim()), FIELD_MAX_CHARS),
                })
                .collect()
        })
        .unwrap_or_default();
    let first_field = field_problems
        .iter()
        .map(|p| p.field.clone())
        .find(|f| !f.is_empty());
    let explanation = match field_problems.iter().find(|p| !p.message.trim().is_empty()) {
        Some(problem) if !problem.field.is_empty() => format!(
            "The service didn't accept the setting \"{}\": {} Change it, then generate again.",
            problem.field,
            sentence(&problem.message)
        ),
        Some(problem) => format!(
            "The service didn't accept the settings: {} Change them, then generate again.",
            sentence(&problem.message)
        ),
        None if message == "Invalid taskId" || message == "Missing taskId parameter" => {
            "The service couldn't read this task's ID. If credits were reserved for it, contact support.".to_owned()
        }
        None => "The service didn't accept these settings. Check the prompt, references, duration and resolution, then generate again.".to_owned(),
    };
    let mut guidance = Guidance::new(
        Category::InvalidRequest,
        false,
        rejected,
        "Some settings weren't accepted",
        explanation,
        Action::FixInput { field: first_field },
    );
    guidance.field_problems = field_problems;
    guidance
}

fn unknown_http(rejected: Refund) -> Guidance {
    Guidance::new(
        Category::Unknown,
        true,
        rejected,
        "Something unexpected happened",
        "The service answered in a way Seedance Studio doesn't recognise. Try again; if it keeps happening, contact support with the details below.",
        Action::Retry,
    )
}

fn submission_unknown(detail: Option<String>) -> Guidance {
    Guidance::new(
        Category::SubmissionUnknown,
        false,
        Refund::Unknown,
        "Not sure this video was submitted",
        "The connection broke after the request was sent, so the service may or may not have started this video. Check your recent videos on the service before submitting again: submitting again may charge twice.",
        Action::ReviewUnknownSubmission,
    )
    .with_detail(detail)
}

fn spending_cap(window: CapWindow, cap: f64, reserved: f64, needed: f64) -> Guidance {
    let (period, resets) = match window {
        CapWindow::Daily => ("Today's", "at midnight"),
        CapWindow::Monthly => ("This month's", "on the first of next month"),
    };
    let left = credits((cap - reserved).max(0.0));
    let (spent, needed, cap) = (credits(reserved), credits(needed), credits(cap));
    Guidance::new(
        Category::SpendingCap,
        false,
        Refund::NotApplicable,
        "Over your spending cap",
        format!(
            "{period} limit of {cap} credits would be passed: {spent} spent, {left} left, this costs {needed}. Raise the limit in Settings, or wait: it resets {resets}."
        ),
        Action::None,
    )
}

fn api_detail(error: &ApiError) -> String {
    let endpoint = endpoint_label(error.endpoint());
    match error {
        ApiError::Http {
            status, body, raw, ..
        } => {
            let mut detail = format!("HTTP {status} from {endpoint}");
            match body {
                Some(body) => {
                    if let Some(message) = body.message.as_deref().filter(|m| !m.trim().is_empty())
                    {
                        detail.push_str(": ");
                        detail.push_str(message.trim());
                    }
                    for issue in &body.errors {
                        detail.push_str(&format!("; {}: {}", issue.path.join("."), issue.message));
                    }
                }
                None => {
                    detail.push_str(" (not the service's JSON)");
                    if let Some(raw) = raw.as_deref() {
                        let snippet = clip(&collapse_whitespace(raw), RAW_SNIPPET_CHARS);
                        if !snippet.is_empty() {
                            detail.push_str(": ");
                            detail.push_str(&snippet);
                        }
                    }
                }
            }
            detail
        }
        ApiError::Transport { error, .. } => format!(
            "{:?} during {} ({endpoint}): {}",
            error.kind,
            match error.stage {
                TransportStage::Connect => "connect",
                TransportStage::Request => "request",
                TransportStage::ResponseBody => "response body",
            },
            error.detail
        ),
        ApiError::Malformed { status, reason, .. } => {
            format!("HTTP {status} from {endpoint} with an unreadable body: {reason}")
        }
    }
}

fn endpoint_label(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::CreateTask => "createTask",
        Endpoint::RecordInfo => "recordInfo",
        Endpoint::UploadTarget => "uploads",
        Endpoint::UploadPut => "upload PUT",
        Endpoint::Download => "download",
    }
}

// ---------------------------------------------------------------------------------------
// Task failures (`status: "fail"`): every one is refunded.

fn for_task(code: Option<&str>, message: &str) -> Guidance {
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    let message = message.trim();
    let detail = match (code, message.is_empty()) {
        (Some(code), false) => Some(format!("{message} (code {code})")),
        (Some(code), true) => Some(format!("code {code}")),
        (None, false) => Some(message.to_owned()),
        (None, true) => None,
    };
    classify_task(code, message).with_detail(detail)
}

fn classify_task(code: Option<&str>, message: &str) -> Guidance {
    if code == Some("1001") {
        return classify_1001(message);
    }
    if let Some(guidance) = by_wan_message(message) {
        return guidance;
    }
    if let Some(guidance) = by_documented_message(message) {
        return guidance;
    }
    if let Some((kind, index)) = parse_reference_review(message) {
        return reference_rejected(Some(kind), Some(index));
    }
    if let Some(guidance) = by_documented_pattern(message) {
        return guidance;
    }
    if message.starts_with("Service temporarily unavailable") {
        return service_busy();
    }
    if is_transient_message(message) {
        return transient();
    }
    match code {
        Some("2038") => input_text_rejected(),
        Some("asset_review_failed") => reference_rejected(None, None),
        Some("InvalidParameter") => invalid_parameter(
            "The service couldn't use this combination of settings and references. Check them, then generate again.",
            Action::FixInput { field: None },
        ),
        // "500" is the code of the generic transient group, unless the message asks
        // for a change first.
        Some("500") if !asks_for_changes(message) => transient(),
        _ if asks_for_changes(message) => Guidance::new(
            Category::Unknown,
            false,
            Refund::Refunded,
            "Generation failed",
            "The service asked for a change to your prompt or references before trying again; its own words are below.",
            Action::EditPrompt,
        ),
        _ => unknown_task(),
    }
}

/// Every message documented in service-api §6 and the errors pages, matched exactly.
fn by_documented_message(message: &str) -> Option<Guidance> {
    let guidance = match message {
        "Your input text violates platform rules. Please modify and try again."
        | "Invalid prompt content" => input_text_rejected(),
        "Content violates platform rules. Please modify and try again." => input_rejected(
            "Your prompt or references were flagged by the service's content rules before generation started. Change what you sent, then generate again.",
            Action::EditPrompt,
        ),
        "Your uploaded image violates platform rules. Please modify and try again."
        | "Your uploaded image violates platform rules. Please use a different image." => {
            uploaded_media_rejected(MediaKind::Image)
        }
        "Your uploaded video violates platform rules. Please modify and try again." => {
            uploaded_media_rejected(MediaKind::Video)
        }
        "The generated video did not pass review. Credits will not be deducted."
        | "The generated image did not pass review. Credits will not be deducted."
        | "The generated audio violates platform rules. Please adjust your prompt or images and try again."
        | "The generated content violates platform rules. Please adjust your prompt or images and try again."
        | "The generated video did not pass review. Please modify your prompt or inputs and try again." => {
            output_rejected()
        }
        "The generated video may violate platform or copyright rules. Please modify your prompt or inputs and try again." => {
            copyright_or_policy()
        }
        "Face detected in uploaded media. Please adjust your media and try again." => {
            face_detected()
        }
        "Media upload failed. Please check your file format, size, and duration (audio max 15s, video max 15s)." => {
            media_invalid()
        }
        "Audio cannot be the only reference input. Please also provide an image or video reference." => {
            invalid_parameter(
                "Audio can't be the only reference. Add an image or a video reference too, then generate again.",
                Action::FixInput {
                    field: Some("references".into()),
                },
            )
        }
        "Reference video total duration exceeds the limit. Please use videos with a combined duration of 15 seconds or less." => {
            reference_video_too_long()
        }
        "Request parameters are invalid for video editing. Use adaptive aspect ratio and automatic duration, and ensure the reference video is 4–30 seconds." => {
            edit_source_invalid()
        }
        "Request parameters are invalid for video extension. Use adaptive aspect ratio." => {
            extend_source_invalid()
        }
        "Failed to download your reference video. Please replace it or try again." => {
            reference_download_failed(Some(MediaKind::Video))
        }
        "Your uploaded video may contain sensitive content. Please use a different video." => {
            uploaded_media_rejected(MediaKind::Video)
        }
        "Server error. Please try again later."
        | "Video generation failed. Please try again."
        | "Generation timed out. Please try again."
        | "Task submission failed. Please try again."
        | "Generation failed. Please try again." => transient(),
        "Service temporarily unavailable. Please try again later." => service_busy(),
        // Era A's only documented failure string says nothing about the cause. Honest
        // answer: unknown; a retry costs nothing if it fails again (refunded).
        "Task execution failed" => unknown_task(),
        _ => return None,
    };
    Some(guidance)
}

/// Documented message families whose exact wording varies (truncated in the source, an
/// image variant of a video message, another media kind).
fn by_documented_pattern(message: &str) -> Option<Guidance> {
    for (prefix, kind) in [
        ("Your uploaded image", MediaKind::Image),
        ("Your uploaded video", MediaKind::Video),
        ("Your uploaded audio", MediaKind::Audio),
    ] {
        if message.starts_with(prefix)
            && (message.contains("violates") || message.contains("sensitive content"))
        {
            return Some(uploaded_media_rejected(kind));
        }
    }
    if message.starts_with("Your input text") {
        return Some(input_text_rejected());
    }
    if message.starts_with("The generated ")
        && (message.contains("did not pass review") || message.contains("violate"))
    {
        return Some(output_rejected());
    }
    if message.starts_with("Face detected") {
        return Some(face_detected());
    }
    if message.starts_with("Media upload failed") {
        return Some(media_invalid());
    }
    if let Some(rest) = message.strip_prefix("Failed to download your reference ") {
        return Some(reference_download_failed(media_kind_word(rest)));
    }
    if message.starts_with("Reference video total duration exceeds") {
        return Some(reference_video_too_long());
    }
    if message
        .starts_with("The parameter `content[0].text.text` specified in the request is not valid")
    {
        return Some(invalid_parameter(
            "The service found no usable text in the prompt. Write a prompt that describes the video, then generate again.",
            Action::EditPrompt,
        ));
    }
    if message.starts_with("The parameter `content` specified in the request is not valid") {
        return Some(if message.contains("video total duration") {
            reference_videos_over_30_s()
        } else if message.contains("video duration") {
            invalid_parameter(
                "One of your reference videos is too short or too long: on Seedance 2.5 each must last 2 to 30 seconds. Trim or replace it, then generate again.",
                Action::TrimMedia {
                    kind: Some(MediaKind::Video),
                },
            )
        } else {
            invalid_parameter(
                "The service couldn't use this combination of references. Check them, then generate again.",
                Action::FixInput {
                    field: Some("references".into()),
                },
            )
        });
    }
    if message.starts_with("Request parameters are invalid for video editing") {
        return Some(edit_source_invalid());
    }
    if message.starts_with("Request parameters are invalid for video extension") {
        return Some(extend_source_invalid());
    }
    if message.starts_with("Audio cannot be the only reference") {
        return Some(invalid_parameter(
            "Audio can't be the only reference. Add an image or a video reference too, then generate again.",
            Action::FixInput {
                field: Some("references".into()),
            },
        ));
    }
    None
}

/// The 2.5 family's code `1001`, told apart by the message's beginning in the documented
/// order (service-api §12.5.2); the first match wins.
fn classify_1001(message: &str) -> Guidance {
    if let Some(rest) = message.strip_prefix("Failed to download") {
        let kind = rest
            .trim_start()
            .strip_prefix("your reference ")
            .and_then(media_kind_word);
        return reference_download_failed(kind);
    }
    if let Some(rest) = message.strip_prefix("Your uploaded ") {
        return match media_kind_word(rest) {
            Some(kind) => uploaded_media_rejected(kind),
            None => input_rejected(
                "The service's content check flagged one of your references as possibly sensitive before generation started. Use different media, then generate again.",
                Action::ReplaceReference {
                    kind: None,
                    index: None,
                },
            ),
        };
    }
    if message.starts_with("The generated video did not pass") {
        return output_rejected();
    }
    if message.starts_with("The generated audio") {
        return generated_audio_rejected();
    }
    if message.starts_with("The generated video may violate") {
        return copyright_or_policy();
    }
    if message.starts_with("Service temporarily unavailable") {
        return service_busy();
    }
    if message.starts_with("Request parameters are invalid") {
        return if message.contains("video editing") {
            edit_source_invalid()
        } else if message.contains("video extension") {
            extend_source_invalid()
        } else {
            invalid_parameter(
                "The service couldn't run this request with these settings. Check the source video and the settings, then generate again.",
                Action::FixInput { field: None },
            )
        };
    }
    // Anything else under 1001 is a reason we do not know yet. Every known member of the
    // family but capacity needs a change first, so an unknown one is not resent as is.
    Guidance::new(
        Category::Unknown,
        false,
        Refund::Refunded,
        "Generation failed",
        "The service stopped this video for a reason Seedance Studio doesn't recognise; its own words are below. Change what they point to, then generate again.",
        Action::EditPrompt,
    )
}

/// Wan 3.0's failures (service-api §12.5.3). Its code `500` is mostly not transient, so
/// these are matched before the generic rules.
fn by_wan_message(message: &str) -> Option<Guidance> {
    let guidance = match message {
        "Your content was blocked by moderation. Please adjust your prompt or uploaded media and try again." => {
            input_rejected(
                "The service's content rules blocked your prompt or references before generation started. Change them, then generate again.",
                Action::EditPrompt,
            )
        }
        "Your uploaded image may be restricted by copyright. Please use a different image." => {
            Guidance::new(
                Category::CopyrightOrPolicy,
                false,
                Refund::Refunded,
                "An image may be under copyright",
                "The service flagged one of your reference images as possibly restricted by copyright. Use a different image, then generate again.",
                Action::ReplaceReference {
                    kind: Some(MediaKind::Image),
                    index: None,
                },
            )
        }
        "Failed to download your uploaded media. Please re-upload and try again." => {
            Guidance::new(
                Category::ReferenceDownloadFailed,
                false,
                Refund::Refunded,
                "The service couldn't fetch a reference",
                "The service couldn't download one of your uploaded references (uploads are kept for a day). Add the file again so it is uploaded anew, then generate again.",
                Action::ReplaceReference {
                    kind: None,
                    index: None,
                },
            )
        }
        "Input image resolution is too low. Please use a higher-resolution image and try again." => {
            Guidance::new(
                Category::MediaInvalid,
                false,
                Refund::Refunded,
                "An image is too small",
                "One of your reference images has too few pixels for the service. Use a larger version of it, then generate again.",
                Action::ReplaceReference {
                    kind: Some(MediaKind::Image),
                    index: None,
                },
            )
        }
        "Reference audio total duration exceeds the limit. Please use audio with a combined duration of 15 seconds or less." => {
            invalid_parameter(
                "Your reference audio is longer than the service allows in total (15 seconds combined). Trim it or use fewer clips, then generate again.",
                Action::TrimMedia {
                    kind: Some(MediaKind::Audio),
                },
            )
        }
        _ => {
            let rest = message.strip_prefix("Wan 3.0 generation failed: ")?;
            if let Some(face) = rest.strip_prefix("FaceDetectionSuspect - ") {
                return Some(if face.starts_with("The output") {
                    Guidance::new(
                        Category::FaceDetected,
                        false,
                        Refund::Refunded,
                        "The result showed a real face",
                        "The video seemed to show a real person's face, which the service doesn't allow. Change the prompt so it doesn't call for a real person, then generate again.",
                        Action::EditPrompt,
                    )
                } else {
                    face_detected()
                });
            }
            if rest.starts_with("ServiceUnavailable") {
                return Some(service_busy());
            }
            let detail = rest.strip_prefix("InvalidParameter - ")?;
            if detail.starts_with("Green net service failed") {
                Guidance::new(
                    Category::MediaInvalid,
                    false,
                    Refund::Refunded,
                    "A reference file couldn't be checked",
                    "The service's content check couldn't process one of your reference files. Use another file (or export it again), then generate again.",
                    Action::ReplaceReference {
                        kind: None,
                        index: None,
                    },
                )
            } else if detail.starts_with("input_video_duration(") {
                invalid_parameter(
                    "Your reference videos and the duration add up to more than 30 seconds, which Wan 3.0 doesn't allow. Choose a shorter duration or shorter videos, then generate again.",
                    Action::FixInput {
                        field: Some("duration".into()),
                    },
                )
            } else if detail.contains("duration should be at most") {
                invalid_parameter(
                    "One of your reference videos is longer than Wan 3.0 allows (15 seconds each). Trim it, then generate again.",
                    Action::TrimMedia {
                        kind: Some(MediaKind::Video),
                    },
                )
            } else {
                return None;
            }
        }
    };
    Some(guidance)
}

/// "Reference image 2 failed review. Please replace it." → (Image, 2).
fn parse_reference_review(message: &str) -> Option<(MediaKind, u32)> {
    let rest = message.strip_prefix("Reference ")?;
    let (word, rest) = rest.split_once(' ')?;
    let kind = media_kind_word(word)?;
    let (number, rest) = rest.split_once(' ')?;
    if !rest.starts_with("failed review") {
        return None;
    }
    let index: u32 = number.parse().ok()?;
    (index >= 1).then_some((kind, index))
}

fn media_kind_word(text: &str) -> Option<MediaKind> {
    let word = text.split(|c: char| !c.is_alphabetic()).next()?;
    match word {
        "image" => Some(MediaKind::Image),
        "video" => Some(MediaKind::Video),
        "audio" => Some(MediaKind::Audio),
        _ => None,
    }
}

/// The documented transient family: "… Please try again." / "… Please try again later."
/// and the 2.5 "Service temporarily unavailable". Messages that ask for a change first
/// ("Please modify and try again", "Please replace it or try again") do not contain the
/// phrase; the change words are checked as well in case a new message combines both.
fn is_transient_message(message: &str) -> bool {
    (message.contains("Please try again") || message.starts_with("Service temporarily unavailable"))
        && !asks_for_changes(message)
}

fn asks_for_changes(message: &str) -> bool {
    let lower = message.to_lowercase();
    [
        "modify",
        "adjust",
        "different",
        "replace",
        "remove",
        "crop",
        "trim",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

fn input_text_rejected() -> Guidance {
    input_rejected(
        "The service's content rules flagged something in your prompt before generation started. Reword the prompt, then generate again.",
        Action::EditPrompt,
    )
}

fn uploaded_media_rejected(kind: MediaKind) -> Guidance {
    let what = media_word(kind);
    input_rejected(
        format!("The service's content rules flagged one of your reference {what}s before generation started. Use a different {what}, then generate again."),
        Action::ReplaceReference {
            kind: Some(kind),
            index: None,
        },
    )
}

fn input_rejected(explanation: impl Into<String>, action: Action) -> Guidance {
    Guidance::new(
        Category::InputRejected,
        false,
        Refund::Refunded,
        "Your input was flagged",
        explanation,
        action,
    )
}

fn output_rejected() -> Guidance {
    Guidance::new(
        Category::OutputRejected,
        false,
        Refund::Refunded,
        "The result didn't pass review",
        "The video was made, but the service's review rejected the result. Adjust your prompt or references, then generate again.",
        Action::EditPrompt,
    )
}

fn generated_audio_rejected() -> Guidance {
    Guidance::new(
        Category::OutputRejected,
        false,
        Refund::Refunded,
        "The soundtrack didn't pass review",
        "The video was made, but the service's review rejected its generated sound. Adjust the prompt or references (or turn generated audio off), then generate again.",
        Action::EditPrompt,
    )
}

fn copyright_or_policy() -> Guidance {
    Guidance::new(
        Category::CopyrightOrPolicy,
        false,
        Refund::Refunded,
        "The result may break copyright or platform rules",
        "The video was made, but the service withheld it as possibly breaking copyright or platform rules. Change the prompt or references (for example, avoid named characters, brands or real people), then generate again.",
        Action::EditPrompt,
    )
}

fn face_detected() -> Guidance {
    Guidance::new(
        Category::FaceDetected,
        false,
        Refund::Refunded,
        "A face was found in your references",
        "The service doesn't accept references showing a real person's face. Remove or crop the faces, or use different references, then generate again.",
        Action::ReplaceReference {
            kind: None,
            index: None,
        },
    )
}

fn media_invalid() -> Guidance {
    Guidance::new(
        Category::MediaInvalid,
        false,
        Refund::Refunded,
        "A reference file couldn't be used",
        "The service couldn't use one of your reference files. Audio and video references can be at most 15 seconds each, in a common format. Trim or convert the file, then generate again.",
        Action::TrimMedia { kind: None },
    )
}

fn reference_rejected(kind: Option<MediaKind>, index: Option<u32>) -> Guidance {
    let explanation = match (kind, index) {
        (Some(kind), Some(index)) => format!(
            "The service's review rejected reference {} {index}, or couldn't fetch it. Replace that {}, then generate again.",
            media_word(kind),
            media_word(kind)
        ),
        _ => "The service's review rejected one of your references, or couldn't fetch it. Replace it, then generate again.".to_owned(),
    };
    Guidance::new(
        Category::ReferenceRejected,
        false,
        Refund::Refunded,
        "A reference was rejected",
        explanation,
        Action::ReplaceReference { kind, index },
    )
}

fn invalid_parameter(explanation: &str, action: Action) -> Guidance {
    Guidance::new(
        Category::InvalidParameter,
        false,
        Refund::Refunded,
        "These references don't work together",
        explanation,
        action,
    )
}

fn reference_videos_over_30_s() -> Guidance {
    invalid_parameter(
        "Your reference videos are longer than the service allows in total (30 seconds combined on Seedance 2.5). Trim them or use fewer, then generate again.",
        Action::TrimMedia {
            kind: Some(MediaKind::Video),
        },
    )
}

fn reference_video_too_long() -> Guidance {
    invalid_parameter(
        "Your reference videos are longer than the service allows in total (15 seconds combined). Trim them or use fewer, then generate again.",
        Action::TrimMedia {
            kind: Some(MediaKind::Video),
        },
    )
}

fn edit_source_invalid() -> Guidance {
    Guidance::new(
        Category::InvalidParameter,
        false,
        Refund::Refunded,
        "This clip can't be edited as it is",
        "An edit needs a source video between 4 and 30 seconds long (the result keeps its length and shape). Trim the source to 4–30 seconds, then try again.",
        Action::TrimMedia {
            kind: Some(MediaKind::Video),
        },
    )
}

fn extend_source_invalid() -> Guidance {
    Guidance::new(
        Category::InvalidParameter,
        false,
        Refund::Refunded,
        "This clip can't be extended as it is",
        "The service couldn't run this as an extension of the source video. Shorten the source clip (or the prompt), then try again.",
        Action::TrimMedia {
            kind: Some(MediaKind::Video),
        },
    )
}

/// Not resendable as is (service-api §7: "…Please replace it or try again." is one of
/// the messages that must not be retried unchanged): the link has to work first.
fn reference_download_failed(kind: Option<MediaKind>) -> Guidance {
    let what = kind.map(media_word).unwrap_or("file");
    Guidance::new(
        Category::ReferenceDownloadFailed,
        false,
        Refund::Refunded,
        "The service couldn't fetch a reference",
        format!("The service couldn't download your reference {what}. Check that its link works and is public, or replace it (a file from this computer is uploaded again), then generate again."),
        Action::ReplaceReference { kind, index: None },
    )
}

fn transient() -> Guidance {
    Guidance::new(
        Category::Transient,
        true,
        Refund::Refunded,
        "Generation failed, try again",
        "The service had a temporary problem making this video. Nothing is wrong with your request: generate it again.",
        Action::Retry,
    )
}

/// The 2.5 family's lack of capacity (and Wan's `ServiceUnavailable`): the one failure of
/// those families worth resending unchanged, after a short wait.
fn service_busy() -> Guidance {
    Guidance::new(
        Category::Transient,
        true,
        Refund::Refunded,
        "The service is busy",
        "The service had no capacity for this video just now. Nothing is wrong with your request: wait a minute or two, then generate it again.",
        Action::Retry,
    )
}

fn unknown_task() -> Guidance {
    Guidance::new(
        Category::Unknown,
        true,
        Refund::Refunded,
        "Generation failed",
        "The service didn't say why this video failed. You can try again at no extra risk: failed videos are refunded.",
        Action::Retry,
    )
}

fn media_word(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "image",
        MediaKind::Video => "video",
        MediaKind::Audio => "audio",
    }
}

// ---------------------------------------------------------------------------------------
// Text helpers

fn non_blank(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn or_default(text: &str, default: &str) -> String {
    non_blank(text).unwrap_or_else(|| default.to_owned())
}

/// Ends a service message with a full stop so it reads inside our sentence.
fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '!', '?']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

/// Our own arithmetic on credits, rounded for display (the service's figures are shown
/// as received).
fn credits(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    format!("{rounded}")
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn clip(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// A hostile or confused server could echo the `Authorization` header back into an error
/// body; whatever follows "Bearer" never reaches the screen or the ledger.
fn redact_bearer(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_ascii_case_insensitive(rest, "bearer ") {
        let after = at + "bearer ".len();
        out.push_str(&rest[..after]);
        let token_end = rest[after..]
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '<')
            .map_or(rest.len(), |end| after + end);
        if token_end > after {
            out.push_str("<redacted>");
        }
        rest = &rest[token_end..];
    }
    out.push_str(rest);
    out
}

fn find_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}
