//! The fake's mutable world: tasks and their simulated lifecycle, the wallet (reservations,
//! refunds, 2.5 settlements), uploads, queued outcomes and faults, the service clock and the
//! request counters behind `/__admin/stats`.
//!
//! Task progress is computed lazily from the service clock (no timers): a task is `waiting`
//! for its wait time, `generating` for its generation time, then terminal; a settled 2.5 task
//! shows its final `creditsUsed` a few (scaled) seconds after that. [`State::settle`] runs
//! before every read so refunds, settlements and concurrency counts are always up to date.
//!
//! The service clock is the real clock plus an offset that only grows
//! ([`State::advance_clock`]), so tests move a task, a settlement or a link's expiry forward
//! instead of sleeping.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::config::{round_credits, FakeConfig};
use crate::faults::{FaultQueues, QueuedFault};
use crate::ids::random_alnum;
use crate::render::{RenderSpec, Renderer, ResultShape};
use crate::validate::{Family, ValidRequest};

/// The public read-only demo key of service-api §1: valid everywhere, 0 credits, can read the
/// demo tasks only.
pub const DEMO_API_KEY: &str = "zimg_demo_readonly_d2cb4bea56fcc21a9eb106e0";

/// The demo task ids of service-api §1, readable by any valid key.
pub const DEMO_TASK_IDS: &[&str] = &[
    "demo_task_t2v_success",
    "demo_task_i2v_success",
    "demo_task_fail_text_moderation",
    "demo_task_fail_face_detected",
    "demo_task_fail_server_error",
];

/// How a task ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// `status:"success"` with one output item.
    Success,
    /// `status:"fail"`; `code: None` gives the Era A bare-string `error`.
    Fail {
        #[serde(default)]
        code: Option<String>,
        message: String,
    },
    /// Stays `generating` forever (until completed through the admin API).
    Stuck,
}

/// A scripted plan for the next createTask: its outcome and optional real-second timings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskPlan {
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Queue wait in real (unscaled) seconds; default from the model's timing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_seconds: Option<f64>,
    /// Generation time in real (unscaled) seconds; default from the model's timing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gen_seconds: Option<f64>,
}

impl From<Outcome> for TaskPlan {
    fn from(outcome: Outcome) -> Self {
        TaskPlan {
            outcome,
            wait_seconds: None,
            gen_seconds: None,
        }
    }
}

/// Where a task stands at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Waiting,
    Generating,
    /// Terminal since this wall-clock time (ms).
    Done {
        at_ms: u64,
    },
}

/// One task.
#[derive(Debug, Clone)]
pub struct Task {
    pub id: String,
    /// The API key that created it; `None` for demo tasks (readable by every key).
    pub owner: Option<String>,
    pub model: String,
    pub family: Family,
    /// Credits reserved at submit.
    pub credits: f64,
    /// What `creditsUsed` is rewritten to after success (2.5 with reference video, edit,
    /// extend); `None` when the reservation is final.
    pub final_credits: Option<f64>,
    /// How long after success the rewrite lands (already scaled).
    pub settle_delay: Duration,
    /// The rewrite's difference has been charged or refunded.
    pub credits_settled: bool,
    pub created: Instant,
    pub create_ms: u64,
    pub wait: Duration,
    /// `None`: never finishes by itself.
    pub gen: Option<Duration>,
    pub outcome: Outcome,
    /// Set by an admin "complete now": terminal since this wall time.
    pub forced_ms: Option<u64>,
    /// Refund / terminal bookkeeping done.
    pub settled: bool,
    pub refunded: bool,
    pub width: u32,
    pub height: u32,
    pub seed: u64,
    pub generate_audio: bool,
    /// Seconds reserved at submit.
    pub duration: u32,
    /// Length of the result video: `duration` (2.5: + 0.06 s), edit: the source's length.
    pub output_seconds: f64,
    /// `mp4` or `mov`.
    pub output_format: String,
    /// HEVC video (2.5 at 1080p) instead of H.264.
    pub hevc: bool,
    pub resolution: String,
    pub aspect_ratio: String,
    pub effective_mode: &'static str,
    pub images: usize,
    pub videos: usize,
    pub audios: usize,
    pub images_dropped: usize,
    /// Combined length of the reference videos (edit: of all of them, the first is the source).
    pub reference_seconds: f64,
    /// The prompt, for rendered results.
    pub prompt: String,
    pub fingerprint: String,
    /// 2.5: the key of the last frame on the signed object host.
    pub frame_key: Option<String>,
    /// GETs of the signed last frame served so far.
    pub frame_downloads: u32,
}

impl Task {
    /// The phase at `now`.
    pub fn phase(&self, now: Instant) -> Phase {
        if let Some(at_ms) = self.forced_ms {
            return Phase::Done { at_ms };
        }
        let elapsed = now.saturating_duration_since(self.created);
        if elapsed < self.wait {
            return Phase::Waiting;
        }
        match self.gen {
            None => Phase::Generating,
            Some(g) if elapsed < self.wait + g => Phase::Generating,
            Some(g) => Phase::Done {
                at_ms: self.create_ms + u64::try_from((self.wait + g).as_millis()).unwrap_or(0),
            },
        }
    }

    /// The `status` string at `now`.
    pub fn status(&self, now: Instant) -> &'static str {
        match self.phase(now) {
            Phase::Waiting => "waiting",
            Phase::Generating => "generating",
            Phase::Done { .. } => match self.outcome {
                Outcome::Fail { .. } => "fail",
                _ => "success",
            },
        }
    }

    /// When the task reached success, in service ms; `None` otherwise.
    pub fn success_ms(&self, now: Instant) -> Option<u64> {
        match (self.phase(now), &self.outcome) {
            (Phase::Done { at_ms }, Outcome::Success) => Some(at_ms),
            _ => None,
        }
    }

    /// Whether the settlement rewrite has landed by `now`.
    pub fn is_settled_by(&self, now: Instant, now_ms: u64) -> bool {
        let delay = u64::try_from(self.settle_delay.as_millis()).unwrap_or(u64::MAX);
        self.final_credits.is_some()
            && self
                .success_ms(now)
                .is_some_and(|at| now_ms >= at.saturating_add(delay))
    }

    /// `creditsUsed` at `now`: the reservation, or the settled amount once rewritten.
    pub fn credits_at(&self, now: Instant, now_ms: u64) -> f64 {
        match self.final_credits {
            Some(f) if self.is_settled_by(now, now_ms) => f,
            _ => self.credits,
        }
    }

    /// The result video's file name under `/static/videos/` (Wan's carry a `wan3_` prefix,
    /// as the service's do).
    pub fn video_file(&self) -> String {
        let prefix = if self.family.is_wan() { "wan3_" } else { "" };
        format!("{prefix}{}.{}", self.id, self.output_format)
    }

    /// The media type of the result video.
    pub fn media_type(&self) -> &'static str {
        if self.output_format == "mov" {
            "video/quicktime"
        } else {
            "video/mp4"
        }
    }

    /// What a rendered result of this task looks like (render mode).
    pub fn render_spec(&self) -> RenderSpec {
        RenderSpec::for_result(&ResultShape {
            prompt: &self.prompt,
            model: &self.model,
            resolution: &self.resolution,
            seconds: self.output_seconds,
            width: self.width,
            height: self.height,
            hevc: self.hevc,
            mov: self.output_format == "mov",
            audio: self.generate_audio,
            jpeg: self.frame_key.is_some(),
        })
    }

    /// The recordInfo body (fixtures C1/C11/D3 shape) as seen through `view`.
    pub fn record(&self, view: &View<'_>) -> Value {
        let now = view.now;
        let origin = view.origin;
        let phase = self.phase(now);
        let (output, error, complete) = match phase {
            Phase::Waiting | Phase::Generating => (Value::Null, Value::Null, Value::Null),
            Phase::Done { at_ms } => match &self.outcome {
                Outcome::Fail { code, message } => {
                    let err = match code {
                        Some(c) => json!({"code": c, "message": message}),
                        None => json!(message),
                    };
                    (Value::Null, err, json!(at_ms))
                }
                _ => {
                    let mut item = json!({
                        "url": format!("{origin}/static/videos/{}", self.video_file()),
                        "width": self.width,
                        "height": self.height,
                        "mediaType": self.media_type(),
                    });
                    // 2.0: a persistent PNG next to the video; 2.5: a signed JPEG link on the
                    // object host that expires; Wan: neither a seed nor a last frame
                    // (service-api §12.4).
                    if !self.family.is_wan() {
                        item["seed"] = json!(self.seed);
                        item["lastFrameImage"] = json!(match &self.frame_key {
                            Some(key) => crate::tos::signed_url(
                                &crate::tos::Signer {
                                    origin: view.origin,
                                    secret: view.secret,
                                    ttl_secs: view.frame_ttl_secs,
                                },
                                key,
                                at_ms,
                            ),
                            None => format!("{origin}/static/videos/{}_lastframe.png", self.id),
                        });
                    }
                    (json!([item]), Value::Null, json!(at_ms))
                }
            },
        };
        json!({
            "taskId": self.id,
            "model": self.model,
            "status": self.status(now),
            "creditsUsed": number(self.credits_at(now, view.now_ms)),
            "output": output,
            "error": error,
            "createTime": self.create_ms,
            "completeTime": complete,
        })
    }
}

/// What a record is built against: where the fake is, the signing secret, the service
/// clock's reading and the signed links' lifetime.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub origin: &'a str,
    pub secret: &'a str,
    pub now: Instant,
    pub now_ms: u64,
    /// `X-Tos-Expires` of signed last-frame links (service seconds).
    pub frame_ttl_secs: u64,
}

/// An f64 as a JSON number, written as an integer when it is one (`200`, not `200.0`).
pub fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

/// One signed upload slot.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    /// Where the bytes live on disk once PUT.
    pub disk_path: PathBuf,
    pub size: Option<u64>,
    pub uploaded_ms: Option<u64>,
}

impl Upload {
    /// The asset path, `temp-uploads/<id>/<fileName>`.
    pub fn path(&self) -> String {
        format!("temp-uploads/{}/{}", self.id, self.file_name)
    }
}

/// A task as listed in [`Stats`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSummary {
    pub task_id: String,
    pub model: String,
    /// The prompt as received (a "2.0 way" job's lead-in included).
    #[serde(default)]
    pub prompt: String,
    pub status: String,
    /// First 12 hex chars of sha256(API key); `null` for demo tasks.
    pub account: Option<String>,
    /// `creditsUsed` as recordInfo shows it now.
    pub credits_used: f64,
    /// Credits reserved at submit.
    pub reserved_credits: f64,
    /// The settled amount `creditsUsed` is rewritten to after success (2.5 with reference
    /// video, edit, extend); `null` when the reservation is final.
    pub final_credits: Option<f64>,
    /// The settlement difference has been charged or refunded.
    pub credits_settled: bool,
    /// Credits were given back (the task failed).
    pub refunded: bool,
    /// Seconds reserved at submit (`duration`; edit without one: 15).
    pub duration: u32,
    /// Length of the result video in seconds.
    pub output_seconds: f64,
    /// `mp4` or `mov`.
    pub output_format: String,
    /// `h264` or `hevc`.
    pub video_codec: String,
    /// Combined length of the reference videos, seconds.
    pub reference_seconds: f64,
    /// Downloads of the signed last frame so far (2.5).
    pub last_frame_downloads: u32,
    pub resolution: String,
    pub aspect_ratio: String,
    pub width: u32,
    pub height: u32,
    /// `text`, `keyframe` or `reference`.
    pub effective_mode: String,
    pub image_count: usize,
    pub video_count: usize,
    pub audio_count: usize,
    /// Images silently ignored (3+ images without `mode:"reference"` on 2.0 models).
    pub images_dropped: usize,
    /// sha256 of the canonical createTask body.
    pub fingerprint: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub create_time: u64,
    pub complete_time: Option<u64>,
}

/// Everything the fake counted, as served by `GET /__admin/stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Stats {
    /// createTask requests whose body was read (every outcome, faults included).
    pub create_task_calls: u64,
    /// createTask calls per sha256 of the canonical body JSON (sorted keys, compact).
    /// A body that is not JSON is hashed raw.
    pub create_task_by_fingerprint: BTreeMap<String, u64>,
    /// Tasks created (credits reserved).
    pub tasks_created: u64,
    pub record_info_calls: u64,
    /// recordInfo calls per `taskId` value asked for.
    pub record_info_by_task: BTreeMap<String, u64>,
    /// `POST /api/v1/uploads` calls.
    pub upload_requests: u64,
    /// `GET /api/v1/uploads?path=` confirm calls.
    pub upload_confirms: u64,
    /// PUTs to signed upload URLs (any result).
    pub puts: u64,
    /// Bytes stored by successful PUTs.
    pub put_bytes: u64,
    /// PUTs being received or answered right now.
    pub puts_in_flight: u64,
    /// The most PUTs that were in flight at one moment: how many uploads a client ran at
    /// once.
    pub puts_in_flight_max: u64,
    /// PUTs whose Content-Type differed from the one the upload slot announced.
    pub put_content_type_mismatches: u64,
    /// GET/HEAD requests under `/static/`.
    pub static_gets: u64,
    /// Requests to `/upload-target/` or `/static/` that carried an Authorization header
    /// (the client leaked its API key to a storage host). Must stay 0.
    pub auth_header_leaks: u64,
    /// Paths of those leaking requests.
    pub auth_header_leak_paths: Vec<String>,
    /// Responses sent with a 4xx status.
    pub responses_4xx: u64,
    /// Responses sent with a 5xx status.
    pub responses_5xx: u64,
    /// Responses sent per status code.
    pub responses_by_status: BTreeMap<u16, u64>,
    /// Faults taken from the queues.
    pub faults_applied: u64,
    /// TCP connections accepted.
    pub connections: u64,
    /// Current wallet balance.
    pub balance: f64,
    /// How far the service clock has been moved ahead of the real one, ms.
    pub clock_offset_ms: u64,
    /// Results rendered with ffmpeg (render mode; cache hits not counted).
    pub renders: u64,
    /// Milliseconds those renders took in total (video and last frame).
    pub render_millis: u64,
    /// Faults still queued.
    pub pending_faults: Vec<QueuedFault>,
    /// Plans still queued for the next createTasks.
    pub pending_outcomes: Vec<TaskPlan>,
    /// Every task except the demo ones, oldest first.
    pub tasks: Vec<TaskSummary>,
}

/// The whole mutable state, behind one mutex.
#[derive(Debug)]
pub struct State {
    pub config: FakeConfig,
    /// What `reset` goes back to.
    pub initial_config: FakeConfig,
    pub balance: f64,
    pub tasks: HashMap<String, Task>,
    pub order: Vec<String>,
    pub plans: VecDeque<TaskPlan>,
    pub faults: FaultQueues,
    pub uploads: HashMap<String, Upload>,
    pub stats: Stats,
    /// Signed last-frame object keys → task id.
    pub frame_keys: HashMap<String, String>,
    /// Makes result files in render mode; kept across resets.
    pub renderer: Arc<Renderer>,
    /// Added to the real clock (service time).
    clock_offset: Duration,
    /// Tasks created since start; mixes into the timing seed.
    seq: u64,
}

/// Current wall-clock time in ms since the epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(0))
        .unwrap_or(0)
}

/// First 12 hex chars of sha256(key), to name an account without showing its key.
pub fn account_of(key: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(key.as_bytes()))[..12].to_string()
}

/// A random `task_` + 24 lowercase alphanumerics id.
pub fn new_task_id() -> String {
    format!("task_{}", random_alnum(24))
}

/// The supported aspect ratio closest to `width`×`height`.
pub fn nearest_ratio(width: u32, height: u32) -> Option<&'static str> {
    if width == 0 || height == 0 {
        return None;
    }
    let r = (f64::from(width) / f64::from(height)).ln();
    crate::validate::ASPECT_RATIOS
        .iter()
        .map(|a| {
            let (w, h) = a.split_once(':').unwrap_or(("16", "9"));
            let x = (w.parse::<f64>().unwrap_or(16.0) / h.parse::<f64>().unwrap_or(9.0)).ln();
            (*a, (x - r).abs())
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(a, _)| a)
}

/// Output pixel size for a model family, resolution and aspect ratio (service-api §4.4;
/// 2.5 at 480p: §12.1.3).
pub fn output_size(family: Family, resolution: &str, aspect: &str) -> (u32, u32) {
    if resolution == "4k" {
        // Only 16:9 is documented (3840x2160); other ratios keep the same pixel budget.
        let (rw, rh): (f64, f64) = match aspect {
            "9:16" => (9.0, 16.0),
            "1:1" => (1.0, 1.0),
            "4:3" => (4.0, 3.0),
            "3:4" => (3.0, 4.0),
            "21:9" => (21.0, 9.0),
            _ => (16.0, 9.0),
        };
        let budget = 3840.0 * 2160.0;
        let w = (budget * rw / rh).sqrt();
        let h = budget / w;
        let even = |x: f64| (x / 2.0).round() as u32 * 2;
        return (even(w), even(h));
    }
    // 2.5 and Wan share the sizes; they differ from 2.0 at 480p only.
    let v25 = family != Family::V20;
    match (resolution, aspect) {
        ("480p", "16:9") if v25 => (854, 480),
        ("480p", "9:16") if v25 => (480, 854),
        ("480p", "16:9") => (864, 496),
        ("480p", "9:16") => (496, 864),
        ("480p", "1:1") => (640, 640),
        ("480p", "4:3") => (752, 560),
        ("480p", "3:4") => (560, 752),
        ("480p", "21:9") => (992, 432),
        ("720p", "9:16") => (720, 1280),
        ("720p", "1:1") => (960, 960),
        ("720p", "4:3") => (1112, 834),
        ("720p", "3:4") => (834, 1112),
        ("720p", "21:9") => (1470, 630),
        ("1080p", "16:9") => (1920, 1080),
        ("1080p", "9:16") => (1080, 1920),
        ("1080p", "1:1") => (1440, 1440),
        ("1080p", "4:3") => (1664, 1248),
        ("1080p", "3:4") => (1248, 1664),
        ("1080p", "21:9") => (2206, 946),
        _ => (1280, 720),
    }
}

/// Typical generation time range in seconds (service-api §4.5, §12.1.4).
fn generation_range(
    model: &str,
    family: Family,
    resolution: &str,
    reference_video: bool,
) -> (f64, f64) {
    match family {
        Family::V20 => match (model, resolution, reference_video) {
            ("seedance-20", _, true) => (300.0, 420.0),
            ("seedance-20", "4k", _) => (450.0, 510.0),
            ("seedance2-fast", _, true) => (240.0, 360.0),
            ("seedance2-fast", "480p", _) => (120.0, 180.0),
            ("seedance2.0-mini", _, true) => (240.0, 420.0),
            ("seedance2.0-mini", "720p", _) => (120.0, 360.0),
            _ => (120.0, 240.0),
        },
        Family::V25 => match (resolution, reference_video) {
            (_, true) => (240.0, 420.0),
            ("1080p", _) => (240.0, 660.0),
            _ => (180.0, 360.0),
        },
        Family::V25Edit | Family::V25Extend => (240.0, 360.0),
        // Wan: ≈3 / 2–3 / 3–4 min (≈6 with a reference video); Prime ≈1.5 / ≈1 / 2–3.
        _ if model.contains("prime") => match family {
            Family::WanText => (75.0, 105.0),
            Family::WanImage => (50.0, 80.0),
            _ => (120.0, 180.0),
        },
        Family::WanText => (150.0, 210.0),
        Family::WanImage => (120.0, 180.0),
        _ if reference_video => (330.0, 390.0),
        _ => (180.0, 240.0),
    }
}

/// The parameters of a task about to be created, decided by the route.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub owner: String,
    pub valid: ValidRequest,
    /// Reserved at submit.
    pub credits: f64,
    /// Settled after success (2.5 with reference video, edit, extend).
    pub final_credits: Option<f64>,
    /// Lengths of the reference videos, in `videoUrls` order.
    pub video_seconds: Vec<f64>,
    /// The effective aspect ratio (2.5 tasks may follow their references).
    pub aspect_ratio: String,
    pub fingerprint: String,
    /// Outcome from markers / input checks, with its "quick" flag.
    pub scripted: Option<(Outcome, bool)>,
    pub wait_seconds: Option<f64>,
    pub gen_seconds: Option<f64>,
}

impl State {
    pub fn new(config: FakeConfig, renderer: Arc<Renderer>) -> Self {
        let mut s = State {
            balance: config.balance,
            initial_config: config.clone(),
            config,
            tasks: HashMap::new(),
            order: Vec::new(),
            plans: VecDeque::new(),
            faults: FaultQueues::default(),
            uploads: HashMap::new(),
            stats: Stats::default(),
            frame_keys: HashMap::new(),
            renderer,
            clock_offset: Duration::ZERO,
            seq: 0,
        };
        s.add_demo_tasks();
        s
    }

    /// Back to the start: initial config and balance, no tasks (but the demo ones), no
    /// uploads, faults, plans or counters.
    pub fn reset(&mut self) {
        *self = State::new(self.initial_config.clone(), self.renderer.clone());
    }

    /// The service clock now.
    pub fn now(&self) -> Instant {
        Instant::now() + self.clock_offset
    }

    /// The service clock now, in ms since the epoch (what `createTime` etc. are written in).
    pub fn wall_ms(&self) -> u64 {
        now_ms() + u64::try_from(self.clock_offset.as_millis()).unwrap_or(0)
    }

    /// The service clock now, in s since the epoch.
    pub fn wall_unix(&self) -> i64 {
        i64::try_from(self.wall_ms() / 1000).unwrap_or(0)
    }

    /// Moves the service clock forward: tasks progress, settlements land and signed links
    /// expire as if that much real time had passed. The offset stops at a century, so adding
    /// it to the real clock cannot overflow.
    pub fn advance_clock(&mut self, by: Duration) {
        const CENTURY: Duration = Duration::from_secs(100 * 365 * 86_400);
        self.clock_offset = self.clock_offset.saturating_add(by).min(CENTURY);
        self.settle();
    }

    /// How far the service clock is ahead of the real one.
    pub fn clock_offset(&self) -> Duration {
        self.clock_offset
    }

    /// What records are built against now.
    pub fn view<'a>(&self, origin: &'a str, secret: &'a str) -> View<'a> {
        View {
            origin,
            secret,
            now: self.now(),
            now_ms: self.wall_ms(),
            frame_ttl_secs: self.config.last_frame_ttl_secs,
        }
    }

    fn add_demo_tasks(&mut self) {
        let base_ms = self.wall_ms().saturating_sub(3_600_000);
        let demos: [(&str, Outcome, u32, u32); 5] = [
            ("demo_task_t2v_success", Outcome::Success, 1280, 720),
            ("demo_task_i2v_success", Outcome::Success, 1280, 720),
            (
                "demo_task_fail_text_moderation",
                Outcome::Fail {
                    code: Some("2038".into()),
                    message:
                        "Your input text violates platform rules. Please modify and try again."
                            .into(),
                },
                1280,
                720,
            ),
            (
                "demo_task_fail_face_detected",
                Outcome::Fail {
                    code: Some("face_detected".into()),
                    message:
                        "Face detected in uploaded media. Please adjust your media and try again."
                            .into(),
                },
                1280,
                720,
            ),
            (
                "demo_task_fail_server_error",
                Outcome::Fail {
                    code: Some("500".into()),
                    message: "Server error. Please try again later.".into(),
                },
                1280,
                720,
            ),
        ];
        for (i, (id, outcome, w, h)) in demos.into_iter().enumerate() {
            let create_ms = base_ms + i as u64 * 1000;
            self.tasks.insert(
                id.to_string(),
                Task {
                    id: id.to_string(),
                    owner: None,
                    model: "seedance-20".into(),
                    family: Family::V20,
                    credits: 200.0,
                    final_credits: None,
                    settle_delay: Duration::ZERO,
                    credits_settled: false,
                    created: self.now(),
                    create_ms,
                    wait: Duration::ZERO,
                    gen: Some(Duration::ZERO),
                    outcome,
                    forced_ms: Some(create_ms + 130_000),
                    settled: true,
                    refunded: false,
                    width: w,
                    height: h,
                    seed: 10_792,
                    generate_audio: true,
                    duration: 5,
                    output_seconds: 5.0,
                    output_format: "mp4".into(),
                    hevc: false,
                    resolution: "720p".into(),
                    aspect_ratio: "16:9".into(),
                    effective_mode: if id.contains("i2v") {
                        "keyframe"
                    } else {
                        "text"
                    },
                    images: usize::from(id.contains("i2v")),
                    videos: 0,
                    audios: 0,
                    images_dropped: 0,
                    reference_seconds: 0.0,
                    prompt: if id.contains("i2v") {
                        "A demo clip brought to life from an image".into()
                    } else {
                        "A demo clip made from a text prompt".into()
                    },
                    fingerprint: String::new(),
                    frame_key: None,
                    frame_downloads: 0,
                },
            );
        }
    }

    /// Applies refunds of tasks that reached `fail` and settlements that landed since the
    /// last call; in render mode, starts rendering the results of tasks that just succeeded.
    pub fn settle(&mut self) {
        let now = self.now();
        let now_ms = self.wall_ms();
        let mut delta = 0.0;
        let mut succeeded = Vec::new();
        for t in self.tasks.values_mut() {
            if !t.settled {
                if let Phase::Done { .. } = t.phase(now) {
                    t.settled = true;
                    if matches!(t.outcome, Outcome::Fail { .. }) {
                        t.refunded = true;
                        delta += t.credits;
                    } else if t.owner.is_some() {
                        succeeded.push(t.render_spec());
                    }
                }
            }
            if !t.credits_settled && t.is_settled_by(now, now_ms) {
                // The difference is charged or refunded; the balance may go below zero (the
                // docs do not say what happens when it cannot cover a top-up).
                t.credits_settled = true;
                delta -= t.final_credits.unwrap_or(t.credits) - t.credits;
            }
        }
        if delta != 0.0 {
            self.balance = round_credits(self.balance + delta);
        }
        if self.config.render_results {
            for spec in succeeded {
                self.renderer.prefetch(spec, &self.config.ffmpeg);
            }
        }
    }

    /// Tasks of this key in `waiting`/`generating`.
    pub fn in_progress(&self, key: &str) -> u32 {
        let now = self.now();
        let n = self
            .tasks
            .values()
            .filter(|t| t.owner.as_deref() == Some(key))
            .filter(|t| !matches!(t.phase(now), Phase::Done { .. }))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Creates a task, reserving its credits (the caller checked the balance).
    pub fn create_task(&mut self, new: NewTask) -> String {
        let id = new_task_id();
        self.seq += 1;
        let scale = self.config.effective_time_scale();
        let mut rng =
            StdRng::seed_from_u64(self.config.seed ^ self.seq.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let v = &new.valid;
        let has_video = !v.video_urls.is_empty();

        // Precedence: a queued plan, then prompt markers / input checks, then success.
        let plan = self.plans.pop_front();
        let (outcome, quick, plan_wait, plan_gen) = match plan {
            Some(p) => (p.outcome, false, p.wait_seconds, p.gen_seconds),
            None => match new.scripted.clone() {
                Some((o, quick)) => (o, quick, None, None),
                None => (Outcome::Success, false, None, None),
            },
        };
        let default_wait = rng.gen_range(2.0..10.0) * scale;
        let (lo, hi) = generation_range(v.spec.id, v.spec.family, &v.resolution, has_video);
        let default_gen = rng.gen_range(lo..hi) * scale;
        let (mut wait, mut gen) = if quick {
            // Input checks fail "within seconds".
            (1.0 * scale, 1.0 * scale)
        } else {
            (default_wait, default_gen)
        };
        if let Some(w) = plan_wait.or(new.wait_seconds) {
            wait = w;
        }
        if let Some(g) = plan_gen.or(new.gen_seconds) {
            gen = g;
        }
        let secs = |x: f64| {
            Duration::from_secs_f64(if x.is_finite() {
                x.clamp(0.0, 1e9)
            } else {
                0.0
            })
        };
        let gen = match outcome {
            Outcome::Stuck => None,
            _ => Some(secs(gen)),
        };
        let outcome = match outcome {
            Outcome::Stuck => Outcome::Success,
            o => o,
        };

        let family = v.spec.family;
        let (width, height) = output_size(family, &v.resolution, &new.aspect_ratio);
        let effective_mode = effective_mode(v);
        // Keyframe tasks use images 1–2; the rest are dropped (2.0: whenever `mode` is not
        // `reference`; 2.5: only with an explicit `keyframe`, service-api §12.1.2).
        let images_dropped = if effective_mode == "keyframe" {
            v.image_urls.len().saturating_sub(2)
        } else {
            0
        };
        let reference_seconds: f64 = new.video_seconds.iter().sum();
        let output_seconds = match family {
            Family::V20 => f64::from(v.billed_seconds),
            // An edit keeps the source's length (service-api §12.2.1).
            Family::V25Edit => new.video_seconds.first().copied().unwrap_or(5.0),
            // 2.5 clips run `duration` + 0.06 s (service-api §12.1.3).
            Family::V25 | Family::V25Extend => f64::from(v.billed_seconds) + 0.06,
            Family::WanText | Family::WanImage | Family::WanRef => f64::from(v.billed_seconds),
        };
        let frame_key = if family.is_v25() {
            let mut key = random_alnum(5);
            while self.frame_keys.contains_key(&key) {
                key = random_alnum(5);
            }
            self.frame_keys.insert(key.clone(), id.clone());
            Some(key)
        } else {
            None
        };
        let seed = match v.seed {
            Some(s) if s >= 0 => u64::try_from(s).unwrap_or(0),
            _ => rng.gen_range(1..100_000),
        };
        self.balance = round_credits(self.balance - new.credits);
        self.stats.tasks_created += 1;
        let settle_delay = secs(self.config.settlement_delay_secs * scale);
        let task = Task {
            id: id.clone(),
            owner: Some(new.owner),
            model: v.spec.id.to_string(),
            family,
            credits: new.credits,
            final_credits: new.final_credits,
            settle_delay,
            credits_settled: false,
            created: self.now(),
            create_ms: self.wall_ms(),
            wait: secs(wait),
            gen,
            outcome,
            forced_ms: None,
            settled: false,
            refunded: false,
            width,
            height,
            seed,
            generate_audio: v.generate_audio,
            duration: v.billed_seconds,
            output_seconds,
            output_format: v.output_format.clone(),
            hevc: family.is_v25() && v.resolution == "1080p",
            resolution: v.resolution.clone(),
            aspect_ratio: new.aspect_ratio,
            effective_mode,
            images: v.image_urls.len(),
            videos: v.video_urls.len(),
            audios: v.audio_urls.len(),
            images_dropped,
            reference_seconds,
            prompt: v.prompt.clone(),
            fingerprint: new.fingerprint,
            frame_key,
            frame_downloads: 0,
        };
        self.tasks.insert(id.clone(), task);
        self.order.push(id.clone());
        id
    }

    /// Finishes a task now, optionally with a different outcome. False if unknown.
    pub fn complete(&mut self, id: &str, outcome: Option<Outcome>) -> bool {
        self.settle();
        let now = self.now();
        let now_ms_service = self.wall_ms();
        let Some(t) = self.tasks.get_mut(id) else {
            return false;
        };
        if t.owner.is_none() {
            return true; // demo tasks are already terminal
        }
        if let Some(o) = outcome {
            if !t.settled {
                t.outcome = match o {
                    Outcome::Stuck => Outcome::Success,
                    o => o,
                };
            }
        }
        if !matches!(t.phase(now), Phase::Done { .. }) {
            t.forced_ms = Some(now_ms_service);
        }
        self.settle();
        true
    }

    /// A snapshot of the counters plus the task list.
    pub fn snapshot(&mut self) -> Stats {
        self.settle();
        let now = self.now();
        let now_ms = self.wall_ms();
        let mut s = self.stats.clone();
        s.balance = self.balance;
        s.clock_offset_ms = u64::try_from(self.clock_offset.as_millis()).unwrap_or(0);
        (s.renders, s.render_millis) = self.renderer.counters();
        s.pending_faults = self.faults.pending();
        s.pending_outcomes = self.plans.iter().cloned().collect();
        s.tasks = self
            .order
            .iter()
            .filter_map(|id| self.tasks.get(id))
            .map(|t| summary(t, now, now_ms))
            .collect();
        s
    }

    /// The summary of one task.
    pub fn task_summary(&mut self, id: &str) -> Option<TaskSummary> {
        self.settle();
        let (now, now_ms) = (self.now(), self.wall_ms());
        self.tasks.get(id).map(|t| summary(t, now, now_ms))
    }
}

/// `text`, `keyframe` or `reference` (service-api §3.4, §12.1.2).
pub fn effective_mode(v: &ValidRequest) -> &'static str {
    let images = v.image_urls.len();
    let explicit = v.mode.as_deref();
    match v.spec.family {
        // Edit and extend always work from references.
        Family::V25Edit | Family::V25Extend => "reference",
        _ if !v.video_urls.is_empty() || !v.audio_urls.is_empty() => "reference",
        _ if images == 0 => "text",
        Family::V20 if explicit == Some("reference") => "reference",
        Family::V20 => "keyframe",
        Family::WanText => "text",
        Family::WanImage => "keyframe",
        Family::WanRef => "reference",
        // 2.5: 3+ images default to reference; an explicit mode wins.
        Family::V25 => match explicit {
            Some("keyframe") => "keyframe",
            Some("reference") => "reference",
            _ if images >= 3 => "reference",
            _ => "keyframe",
        },
    }
}

fn summary(t: &Task, now: Instant, now_ms: u64) -> TaskSummary {
    let phase = t.phase(now);
    let (error_code, error_message) = match (&t.outcome, phase) {
        (Outcome::Fail { code, message }, Phase::Done { .. }) => {
            (code.clone(), Some(message.clone()))
        }
        _ => (None, None),
    };
    TaskSummary {
        task_id: t.id.clone(),
        model: t.model.clone(),
        prompt: t.prompt.clone(),
        status: t.status(now).to_string(),
        account: t.owner.as_deref().map(account_of),
        credits_used: t.credits_at(now, now_ms),
        reserved_credits: t.credits,
        final_credits: t.final_credits,
        credits_settled: t.credits_settled,
        refunded: t.refunded,
        duration: t.duration,
        output_seconds: t.output_seconds,
        output_format: t.output_format.clone(),
        video_codec: if t.hevc { "hevc" } else { "h264" }.to_string(),
        reference_seconds: t.reference_seconds,
        last_frame_downloads: t.frame_downloads,
        resolution: t.resolution.clone(),
        aspect_ratio: t.aspect_ratio.clone(),
        width: t.width,
        height: t.height,
        effective_mode: t.effective_mode.to_string(),
        image_count: t.images,
        video_count: t.videos,
        audio_count: t.audios,
        images_dropped: t.images_dropped,
        fingerprint: t.fingerprint.clone(),
        error_code,
        error_message,
        create_time: t.create_ms,
        complete_time: match phase {
            Phase::Done { at_ms } => Some(at_ms),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(output_size(Family::V20, "480p", "16:9"), (864, 496));
        assert_eq!(output_size(Family::V25, "480p", "16:9"), (854, 480));
        assert_eq!(output_size(Family::V20, "720p", "16:9"), (1280, 720));
        assert_eq!(output_size(Family::V20, "4k", "16:9"), (3840, 2160));
        assert_eq!(output_size(Family::V20, "4k", "9:16"), (2160, 3840));
        assert_eq!(output_size(Family::V20, "1080p", "21:9"), (2206, 946));
    }

    #[test]
    fn numbers_render_like_the_docs() {
        assert_eq!(number(200.0).to_string(), "200");
        assert_eq!(number(37.5).to_string(), "37.5");
    }

    #[test]
    fn plan_serde_is_flat() {
        let p: TaskPlan = serde_json::from_str(
            r#"{"kind":"fail","code":"2038","message":"m","gen_seconds":0.5}"#,
        )
        .expect("valid plan");
        assert_eq!(p.gen_seconds, Some(0.5));
        assert!(matches!(p.outcome, Outcome::Fail { .. }));
    }
}

/// Everything a connection task needs.
#[derive(Debug)]
pub struct Shared {
    pub state: Mutex<State>,
    /// `http://127.0.0.1:PORT`
    pub origin: String,
    /// Where uploaded files are stored.
    pub upload_dir: PathBuf,
    /// Key for signing upload URLs.
    pub secret: String,
}

impl Shared {
    /// Locks the state. A panic while holding the lock cannot leave it half-updated in a
    /// way that matters to a test double, so poisoning is ignored.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
