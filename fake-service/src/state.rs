//! The fake's mutable world: tasks and their simulated lifecycle, the wallet, uploads, queued
//! outcomes and faults, and the request counters behind `/__admin/stats`.
//!
//! Task progress is computed lazily from the clock (no timers): a task is `waiting` for its
//! wait time, `generating` for its generation time, then terminal. [`State::settle`] runs
//! before every read so refunds and concurrency counts are always up to date.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::config::FakeConfig;
use crate::faults::{FaultQueues, QueuedFault};
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
    pub credits: f64,
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
    pub duration: u32,
    pub resolution: String,
    pub aspect_ratio: String,
    pub effective_mode: &'static str,
    pub images: usize,
    pub videos: usize,
    pub audios: usize,
    pub images_dropped: usize,
    pub fingerprint: String,
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

    /// The recordInfo body (fixtures C1/C11/D3 shape) at `now`; URLs point at `origin`.
    pub fn record(&self, now: Instant, origin: &str) -> Value {
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
                _ => (
                    json!([{
                        "url": format!("{origin}/static/videos/{}.mp4", self.id),
                        "width": self.width,
                        "height": self.height,
                        "mediaType": "video/mp4",
                        "seed": self.seed,
                        "lastFrameImage": format!("{origin}/static/videos/{}_lastframe.png", self.id),
                    }]),
                    Value::Null,
                    json!(at_ms),
                ),
            },
        };
        json!({
            "taskId": self.id,
            "model": self.model,
            "status": self.status(now),
            "creditsUsed": number(self.credits),
            "output": output,
            "error": error,
            "createTime": self.create_ms,
            "completeTime": complete,
        })
    }
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
    pub status: String,
    /// First 12 hex chars of sha256(API key); `null` for demo tasks.
    pub account: Option<String>,
    pub credits_used: f64,
    /// Credits were given back (the task failed).
    pub refunded: bool,
    pub duration: u32,
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

/// Current wall-clock time in s since the epoch.
pub fn now_unix() -> i64 {
    i64::try_from(now_ms() / 1000).unwrap_or(0)
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

/// `n` random lowercase alphanumerics.
pub fn random_alnum(n: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| char::from(CHARS[rng.gen_range(0..CHARS.len())]))
        .collect()
}

/// Output pixel size for a model family, resolution and aspect ratio (service-api §4.4).
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

/// Typical generation time range in seconds (service-api §4.5).
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
    }
}

/// The parameters of a task about to be created, decided by the route.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub owner: String,
    pub valid: ValidRequest,
    pub credits: f64,
    pub fingerprint: String,
    /// Outcome from markers / input checks, with its "quick" flag.
    pub scripted: Option<(Outcome, bool)>,
    pub wait_seconds: Option<f64>,
    pub gen_seconds: Option<f64>,
}

impl State {
    pub fn new(config: FakeConfig) -> Self {
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
            seq: 0,
        };
        s.add_demo_tasks();
        s
    }

    /// Back to the start: initial config and balance, no tasks (but the demo ones), no
    /// uploads, faults, plans or counters.
    pub fn reset(&mut self) {
        *self = State::new(self.initial_config.clone());
    }

    fn add_demo_tasks(&mut self) {
        let base_ms = now_ms().saturating_sub(3_600_000);
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
                    credits: 200.0,
                    created: Instant::now(),
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
                    fingerprint: String::new(),
                },
            );
        }
    }

    /// Applies refunds of tasks that reached `fail` since the last call.
    pub fn settle(&mut self) {
        let now = Instant::now();
        let mut refund = 0.0;
        for t in self.tasks.values_mut() {
            if t.settled {
                continue;
            }
            if let Phase::Done { .. } = t.phase(now) {
                t.settled = true;
                if matches!(t.outcome, Outcome::Fail { .. }) {
                    t.refunded = true;
                    refund += t.credits;
                }
            }
        }
        if refund > 0.0 {
            self.balance = crate::config::round_credits(self.balance + refund);
        }
    }

    /// Tasks of this key in `waiting`/`generating`.
    pub fn in_progress(&self, key: &str) -> u32 {
        let now = Instant::now();
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

        let (width, height) = output_size(v.spec.family, &v.resolution, &v.aspect_ratio);
        let effective_mode = if has_video || !v.audio_urls.is_empty() {
            "reference"
        } else if v.image_urls.is_empty() {
            "text"
        } else if v.mode.as_deref() == Some("reference")
            || (v.spec.family != Family::V20 && v.image_urls.len() >= 3)
        {
            "reference"
        } else {
            "keyframe"
        };
        let images_dropped = if effective_mode == "keyframe" && v.spec.family == Family::V20 {
            v.image_urls.len().saturating_sub(2)
        } else {
            0
        };
        let seed = match v.seed {
            Some(s) if s >= 0 => u64::try_from(s).unwrap_or(0),
            _ => rng.gen_range(1..100_000),
        };
        self.balance = crate::config::round_credits(self.balance - new.credits);
        self.stats.tasks_created += 1;
        let task = Task {
            id: id.clone(),
            owner: Some(new.owner),
            model: v.spec.id.to_string(),
            credits: new.credits,
            created: Instant::now(),
            create_ms: now_ms(),
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
            resolution: v.resolution.clone(),
            aspect_ratio: v.aspect_ratio.clone(),
            effective_mode,
            images: v.image_urls.len(),
            videos: v.video_urls.len(),
            audios: v.audio_urls.len(),
            images_dropped,
            fingerprint: new.fingerprint,
        };
        self.tasks.insert(id.clone(), task);
        self.order.push(id.clone());
        id
    }

    /// Finishes a task now, optionally with a different outcome. False if unknown.
    pub fn complete(&mut self, id: &str, outcome: Option<Outcome>) -> bool {
        self.settle();
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
        if !matches!(t.phase(Instant::now()), Phase::Done { .. }) {
            t.forced_ms = Some(now_ms());
        }
        self.settle();
        true
    }

    /// A snapshot of the counters plus the task list.
    pub fn snapshot(&mut self) -> Stats {
        self.settle();
        let now = Instant::now();
        let mut s = self.stats.clone();
        s.balance = self.balance;
        s.pending_faults = self.faults.pending();
        s.pending_outcomes = self.plans.iter().cloned().collect();
        s.tasks = self
            .order
            .iter()
            .filter_map(|id| self.tasks.get(id))
            .map(|t| summary(t, now))
            .collect();
        s
    }

    /// The summary of one task.
    pub fn task_summary(&mut self, id: &str) -> Option<TaskSummary> {
        self.settle();
        self.tasks.get(id).map(|t| summary(t, Instant::now()))
    }
}

fn summary(t: &Task, now: Instant) -> TaskSummary {
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
        status: t.status(now).to_string(),
        account: t.owner.as_deref().map(account_of),
        credits_used: t.credits,
        refunded: t.refunded,
        duration: t.duration,
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
