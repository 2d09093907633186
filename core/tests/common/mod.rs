//! Helpers shared by the core's integration tests: an event recorder that wakes waiters,
//! the engine harness over the in-process fake service (real HTTP, a real ledger and
//! library in a temp folder, a session key store), fast test settings and the media
//! fixtures. Each test file uses part of it.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use seedance_core::api::{ApiClient, ClientConfig};
use seedance_core::clock::SystemClock;
use seedance_core::engine::{
    Engine, EngineDeps, EngineEvent, EngineHandle, EngineSettings, EventSink,
};
use seedance_core::guidance::Guidance;
use seedance_core::keychain::{KeyStore, SessionKeyStore};
use seedance_core::ledger::{Ledger, LocalState, TaskEntry, TaskId};
use seedance_core::library::Library;
use seedance_core::model::ModelId;
use seedance_core::request::GenerationRequest;
use seedance_core::retry::RetryPolicy;
use seedance_core::secret::ApiKey;
use seedance_fake::{FakeConfig, FakeService};
use tokio::sync::watch;

/// A media file of `core/tests/fixtures/media` (made by its `make.sh`).
pub fn media_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/media")
        .join(name)
}

pub const KEY: &str = "sk-test-engine-0001";
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Records every event and bumps a version so waiters wake on each one.
pub struct Recorder {
    pub events: Mutex<Vec<EngineEvent>>,
    pub version: watch::Sender<u64>,
}

impl Recorder {
    pub fn new() -> Arc<Recorder> {
        Arc::new(Recorder {
            events: Mutex::new(Vec::new()),
            version: watch::channel(0).0,
        })
    }

    pub fn all(&self) -> Vec<EngineEvent> {
        self.events.lock().unwrap().clone()
    }
}

impl EventSink for Recorder {
    fn emit(&self, event: EngineEvent) {
        self.events.lock().unwrap().push(event);
        self.version.send_modify(|v| *v += 1);
    }
}

pub struct Harness {
    pub fake: FakeService,
    pub ledger: Arc<Ledger>,
    pub events: Arc<Recorder>,
    pub keys: Arc<SessionKeyStore>,
    pub engine: EngineHandle,
    pub settings: EngineSettings,
    pub library: Library,
    _dir: tempfile::TempDir,
}

pub fn fast_settings() -> EngineSettings {
    EngineSettings {
        poll_every: Some(Duration::from_millis(100)),
        max_polls_per_second: 200.0,
        retry_policy: RetryPolicy {
            base: Duration::from_millis(100),
            ..RetryPolicy::default()
        },
        ..EngineSettings::default()
    }
}

pub async fn harness_with(config: FakeConfig, settings: EngineSettings) -> Harness {
    let fake = FakeService::start(FakeConfig {
        time_scale: 0.005,
        ..config
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(&dir.path().join("data")).unwrap();
    let ledger = Arc::new(ledger);
    let keys = Arc::new(SessionKeyStore::new());
    keys.store(&ApiKey::new(KEY).unwrap()).unwrap();
    let events = Recorder::new();
    let library = Library::with_utc_offset(dir.path().join("library"), time::UtcOffset::UTC);
    let engine = start(&fake, &ledger, &keys, &events, &library, settings.clone());
    Harness {
        fake,
        ledger,
        events,
        keys,
        engine,
        settings,
        library,
        _dir: dir,
    }
}

pub fn start(
    fake: &FakeService,
    ledger: &Arc<Ledger>,
    keys: &Arc<SessionKeyStore>,
    events: &Arc<Recorder>,
    library: &Library,
    settings: EngineSettings,
) -> EngineHandle {
    let client = ApiClient::new(ClientConfig::new(&fake.base_url()).unwrap()).unwrap();
    Engine::start(EngineDeps {
        ledger: ledger.clone(),
        client,
        keys: keys.clone(),
        events: events.clone(),
        clock: Arc::new(SystemClock),
        library: library.clone(),
        settings,
    })
}

pub async fn harness() -> Harness {
    harness_with(FakeConfig::default(), fast_settings()).await
}

pub fn request(prompt: &str) -> GenerationRequest {
    GenerationRequest::new(ModelId::Seedance20, prompt)
}

impl Harness {
    /// Waits (on events, not on a timer) until `id` is in `want`; panics with the task if
    /// it settles anywhere else or the deadline passes.
    pub async fn wait_state(&self, id: TaskId, want: LocalState) -> TaskEntry {
        self.wait_any(id, &[want]).await
    }

    /// Waits until the service has the task (`Waiting` or already `Generating`).
    pub async fn wait_running(&self, id: TaskId) -> TaskEntry {
        self.wait_any(id, &[LocalState::Waiting, LocalState::Generating])
            .await
    }

    pub async fn wait_any(&self, id: TaskId, want: &[LocalState]) -> TaskEntry {
        let mut rx = self.events.version.subscribe();
        let ledger = self.ledger.clone();
        let waited = tokio::time::timeout(DEADLINE, async {
            loop {
                let entry = ledger.get(id).unwrap();
                if want.contains(&entry.state) {
                    return entry;
                }
                let settled = matches!(
                    entry.state,
                    LocalState::Downloaded
                        | LocalState::Failed
                        | LocalState::Cancelled
                        | LocalState::SubmissionUnknown
                        | LocalState::NotFound
                );
                assert!(
                    !settled,
                    "task {id} ended {:?}, wanted {want:?}: {entry:?}",
                    entry.state
                );
                rx.changed().await.unwrap();
            }
        })
        .await;
        match waited {
            Ok(entry) => entry,
            Err(_) => panic!(
                "task {id} not {want:?} in time: {:?}\nevents: {:#?}",
                self.ledger.get(id).unwrap(),
                self.events.all()
            ),
        }
    }

    /// Waits until an event matching `pred` has been emitted.
    pub async fn wait_event(&self, pred: impl Fn(&EngineEvent) -> bool) {
        let mut rx = self.events.version.subscribe();
        let found = tokio::time::timeout(DEADLINE, async {
            loop {
                if self.events.all().iter().any(&pred) {
                    return;
                }
                rx.changed().await.unwrap();
            }
        })
        .await;
        assert!(found.is_ok(), "event not seen: {:#?}", self.events.all());
    }

    pub fn states_of(&self, id: TaskId) -> Vec<LocalState> {
        self.events
            .all()
            .into_iter()
            .filter_map(|e| match e {
                EngineEvent::TaskChanged { task } if task.id == id => Some(task.state),
                _ => None,
            })
            .collect()
    }
}

pub fn guidance(entry: &TaskEntry) -> Guidance {
    serde_json::from_value(entry.failure.clone().expect("guidance stored")).unwrap()
}

/// Reads editor exports back through OpenTimelineIO with `core/tests/film/check_exports.py`
/// (see core/tests/film.rs for the Python it looks for). `expected` is that script's JSON.
/// Returns what it said, or `None` when `opentimelineio` cannot be imported (a failure
/// instead when `SEEDANCE_OTIO_TEST=required`).
pub fn read_back_with_otio(expected: &Path) -> Option<String> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut candidates: Vec<PathBuf> = std::env::var_os("SEEDANCE_OTIO_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    candidates.push(repo.join("target/otio-venv/bin/python3"));
    candidates.push(repo.join("target/otio-venv/Scripts/python.exe"));
    candidates.push(PathBuf::from("python3"));
    let python = candidates.into_iter().find(|python| {
        std::process::Command::new(python)
            .args(["-c", "import opentimelineio"])
            .output()
            .is_ok_and(|out| out.status.success())
    });
    let required = std::env::var("SEEDANCE_OTIO_TEST").as_deref() == Ok("required");
    let Some(python) = python else {
        assert!(
            !required,
            "opentimelineio is required but cannot be imported"
        );
        println!("SKIPPED: opentimelineio cannot be imported; run scripts/setup.sh");
        return None;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/film/check_exports.py");
    let out = std::process::Command::new(&python)
        .arg(&script)
        .arg(expected)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.code() == Some(3) {
        assert!(!required, "{said}");
        println!("SKIPPED: {said}");
        return None;
    }
    assert!(out.status.success(), "{said}");
    Some(said)
}
