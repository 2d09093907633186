//! `seedance-fake`: a real HTTP/1.1 server on 127.0.0.1 that behaves like the Seedance 2.0,
//! Seedance 2.5 and Wan 3.0 API documented in service-api (createTask, recordInfo, uploads,
//! static files, the signed host of 2.5 last frames), with scriptable timings, outcomes,
//! transport faults and a movable service clock; optionally it renders every result with
//! ffmpeg. Used by the core's integration tests, the end-to-end suite, benchmarks and the
//! no-key demo; never by the shipped app.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use seedance_fake::{Endpoint, FakeConfig, FakeService, Fault, Outcome};
//! let fake = FakeService::start(FakeConfig { time_scale: 0.01, ..FakeConfig::default() }).await?;
//! let base = fake.base_url(); // "http://127.0.0.1:PORT/api/v1"
//! fake.push_fault(Endpoint::CreateTask, Fault::internal_error(), 1);
//! fake.queue_outcome(Outcome::Fail { code: Some("2038".into()), message: "…".into() });
//! let stats = fake.stats();
//! fake.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! See README.md for the admin API, the prompt markers and the fault list.

mod admin;
mod assets;
mod config;
mod faults;
mod http;
mod ids;
mod markers;
pub mod media;
mod render;
mod routes;
mod server;
mod state;
mod tos;
mod validate;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use config::{default_rate, FakeConfig};
pub use faults::{Endpoint, Fault, QueuedFault};
pub use markers::FAILURES as MARKER_FAILURES;
pub use render::{check_ffmpeg, clean_prompt, prompt_colour};
pub use state::{Outcome, Stats, TaskPlan, TaskSummary, DEMO_API_KEY, DEMO_TASK_IDS};

use state::Shared;
use state::State;

/// A running fake service. Dropping it stops the server (like [`FakeService::shutdown`],
/// without waiting); uploaded files live in a temporary directory removed with it.
#[derive(Debug)]
pub struct FakeService {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl FakeService {
    /// Starts on `127.0.0.1:0` (a free port).
    pub async fn start(config: FakeConfig) -> std::io::Result<FakeService> {
        Self::start_on_port(config, 0).await
    }

    /// Starts on `127.0.0.1:port` (`0` picks a free port). With `render_results` on, first
    /// checks that ffmpeg can render results and fails with an error saying what is missing.
    pub async fn start_on_port(config: FakeConfig, port: u16) -> std::io::Result<FakeService> {
        if config.render_results {
            let ffmpeg = config.ffmpeg.clone();
            tokio::task::spawn_blocking(move || render::check_ffmpeg(&ffmpeg))
                .await
                .map_err(std::io::Error::other)?
                .map_err(std::io::Error::other)?;
        }
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let dir = tempfile::Builder::new()
            .prefix("seedance-fake-")
            .tempdir()?;
        let render_dir = config
            .render_cache_dir
            .clone()
            .unwrap_or_else(|| dir.path().join("renders"));
        let renderer = Arc::new(render::Renderer::new(render_dir));
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(config, renderer)),
            origin: format!("http://{addr}"),
            upload_dir: dir.path().join("temp-uploads"),
            secret: ids::random_alnum(32),
        });
        let task = tokio::spawn(server::serve(listener, shared.clone()));
        Ok(FakeService {
            addr,
            shared,
            task: Some(task),
            _dir: dir,
        })
    }

    /// The API base, `http://127.0.0.1:PORT/api/v1`.
    pub fn base_url(&self) -> String {
        format!("{}/api/v1", self.shared.origin)
    }

    /// The server origin, `http://127.0.0.1:PORT` (static files, upload targets, admin).
    pub fn origin(&self) -> String {
        self.shared.origin.clone()
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Queues `fault` for the next `times` requests to `endpoint`, after any already queued
    /// for it.
    pub fn push_fault(&self, endpoint: Endpoint, fault: Fault, times: u32) {
        self.shared.lock().faults.push(endpoint, fault, times);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Changes the configuration; applies to later requests and tasks. Changing `balance`
    /// replaces the current wallet balance. Turning `render_results` on here is not checked
    /// (the admin API checks it): without a working ffmpeg, result files then answer 500
    /// with the reason.
    pub fn set_config(&self, f: impl FnOnce(&mut FakeConfig)) {
        let mut st = self.shared.lock();
        let before = st.config.balance;
        f(&mut st.config);
        if st.config.balance.to_bits() != before.to_bits() {
            st.balance = st.config.balance;
        }
    }

    /// The current configuration.
    pub fn config(&self) -> FakeConfig {
        self.shared.lock().config.clone()
    }

    /// Sets the wallet balance.
    pub fn set_balance(&self, credits: f64) {
        let mut st = self.shared.lock();
        st.balance = credits;
        st.config.balance = credits;
    }

    /// The wallet balance now (refunds of tasks that failed by now included).
    pub fn balance(&self) -> f64 {
        let mut st = self.shared.lock();
        st.settle();
        st.balance
    }

    /// Decides the outcome of the next accepted createTask (FIFO; wins over prompt markers
    /// and input-derived failures). Timing stays the model's default.
    pub fn queue_outcome(&self, outcome: Outcome) {
        self.queue_plan(outcome.into());
    }

    /// Like [`queue_outcome`](Self::queue_outcome) with explicit real-second timings.
    pub fn queue_plan(&self, plan: TaskPlan) {
        self.shared.lock().plans.push_back(plan);
    }

    /// Finishes a task now with its planned outcome (a stuck task succeeds). False if the
    /// task does not exist.
    pub async fn complete_task(&self, task_id: &str) -> bool {
        self.shared.lock().complete(task_id, None)
    }

    /// Finishes a task now with this outcome (if it has not finished already).
    pub async fn complete_task_with(&self, task_id: &str, outcome: Outcome) -> bool {
        self.shared.lock().complete(task_id, Some(outcome))
    }

    /// Moves the service clock forward by `by` (real time): tasks progress, 2.5 settlements
    /// land and signed last-frame links expire as if that much time had passed.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.lock().advance_clock(by);
    }

    /// Moves the service clock forward by `seconds` of service time, i.e. `seconds ×
    /// time_scale` of real time (`advance_service_time(86_400.0)` is "a day later").
    pub fn advance_service_time(&self, seconds: f64) {
        let mut st = self.shared.lock();
        let real = (seconds * st.config.effective_time_scale()).clamp(0.0, 1e10);
        st.advance_clock(Duration::from_secs_f64(real));
    }

    /// The recordInfo body of a task now, as its owner would read it (no request counted).
    pub fn record(&self, task_id: &str) -> Option<serde_json::Value> {
        let mut st = self.shared.lock();
        st.settle();
        let view = st.view(&self.shared.origin, &self.shared.secret);
        st.tasks.get(task_id).map(|t| t.record(&view))
    }

    /// One task's summary, as listed in the stats.
    pub fn task(&self, task_id: &str) -> Option<TaskSummary> {
        self.shared.lock().task_summary(task_id)
    }

    /// Counters and the task list (the same JSON as `GET /__admin/stats`).
    pub fn stats(&self) -> Stats {
        self.shared.lock().snapshot()
    }

    /// Back to the starting state: initial config and balance, no tasks but the demo ones,
    /// no uploads, queued faults/outcomes or counters.
    pub fn reset(&self) {
        self.shared.lock().reset();
    }

    /// Stops accepting, closes every connection (stalled ones too) and waits for the
    /// server task to end.
    pub async fn shutdown(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for FakeService {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
