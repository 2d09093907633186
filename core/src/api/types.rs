//! Normalised records of the service's answers. Every documented shape (service-api §9:
//! `status` or `state`, flat or `{code,message,data}` envelope, `error` as a string or
//! `{code,message}`, numeric codes as strings, optional output fields, fractional
//! credits) parses into these; see `parse`.

use serde::{Deserialize, Serialize};

/// Which call an answer or an error belongs to; retry rules and guidance depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `POST /jobs/createTask`: reserves credits; never blindly resent.
    CreateTask,
    /// `GET /jobs/recordInfo`: a read, safe to repeat.
    RecordInfo,
    /// `POST /uploads`: asks for a signed upload target (no credits involved).
    UploadTarget,
    /// `PUT <signed url>`: idempotent, safe to repeat with a fresh file stream.
    UploadPut,
    /// `GET <result url>`: a read of a finished video or frame.
    Download,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Waiting,
    Generating,
    Success,
    Fail,
    /// A status string the docs do not list. Never treated as terminal.
    Unknown(String),
}

impl TaskStatus {
    pub fn from_wire(status: &str) -> TaskStatus {
        match status {
            "waiting" => TaskStatus::Waiting,
            "generating" => TaskStatus::Generating,
            "success" => TaskStatus::Success,
            "fail" => TaskStatus::Fail,
            other => TaskStatus::Unknown(other.to_owned()),
        }
    }

    pub fn is_terminal(&self) -> bool {
        matches!(self, TaskStatus::Success | TaskStatus::Fail)
    }
}

/// One task as `recordInfo` (or a webhook) describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    pub task_id: String,
    /// Informational only: the service has returned internal ids here.
    pub model: Option<String>,
    pub status: TaskStatus,
    /// Credits reserved at submission, as the service states them. Not reduced on a
    /// refund, so never read as "spent" for a failed task.
    pub credits_used: Option<f64>,
    /// Empty until success; exactly one item for video models.
    pub output: Vec<OutputItem>,
    pub error: Option<TaskError>,
    /// Unix epoch milliseconds.
    pub create_time: Option<i64>,
    pub complete_time: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputItem {
    pub url: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub media_type: Option<String>,
    pub seed: Option<i64>,
    pub last_frame_image: Option<String>,
}

/// Why a task failed, in either documented shape: a bare string (older docs) has no
/// code. Codes are always strings, even when they look numeric ("2038", "500").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskError {
    pub code: Option<String>,
    pub message: String,
}

/// Where to PUT a reference file and the URL to send once it is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadTarget {
    /// Signed; takes no API key.
    pub upload_url: String,
    /// The URL to put in `imageUrls` / `videoUrls` / `audioUrls`.
    pub url: String,
    pub content_type: Option<String>,
    /// Seconds the signed `upload_url` stays valid, when the service says.
    pub expires_in_secs: Option<u64>,
}
