//! What the commands share: the open ledger, the running engine and the API client built
//! from the current settings, the key store in use, and the preferences.
//!
//! Owns the wiring between settings and the core: which base URL, library folder and
//! spending cap the engine runs with, and restarting it when they change. It holds no
//! task state of its own (the ledger does) and never holds the key outside a `KeyStore`.

use crate::models::KeyCheck;
use seedance_core::api::ApiClient;
use seedance_core::clock::SystemClock;
use seedance_core::engine::{Engine, EngineDeps, EngineHandle, EngineSettings, EventSink};
use seedance_core::keychain::{KeyStore, KeychainError, SystemKeychain};
use seedance_core::ledger::Ledger;
use seedance_core::library::Library;
use seedance_core::secret::ApiKey;
use seedance_core::settings::{Effective, Preferences};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, RwLock};

/// The key store in use, switchable at runtime (system keychain, or memory for this
/// session only) while the engine keeps one `Arc<dyn KeyStore>` for its whole life.
pub struct ActiveKeyStore {
    current: RwLock<Arc<dyn KeyStore>>,
}

impl ActiveKeyStore {
    pub fn new(initial: Arc<dyn KeyStore>) -> ActiveKeyStore {
        ActiveKeyStore {
            current: RwLock::new(initial),
        }
    }

    pub fn switch_to(&self, store: Arc<dyn KeyStore>) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = store;
    }

    fn current(&self) -> Arc<dyn KeyStore> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl KeyStore for ActiveKeyStore {
    fn load(&self) -> Result<Option<ApiKey>, KeychainError> {
        self.current().load()
    }

    fn store(&self, key: &ApiKey) -> Result<(), KeychainError> {
        self.current().store(key)
    }

    fn delete(&self) -> Result<(), KeychainError> {
        self.current().delete()
    }

    fn describe(&self) -> &'static str {
        self.current().describe()
    }
}

/// The running engine with the client and settings it was started with.
pub struct Running {
    pub engine: EngineHandle,
    pub client: ApiClient,
    pub effective: Effective,
}

pub struct AppState {
    pub data_dir: PathBuf,
    pub default_library: PathBuf,
    pub ledger: Arc<Ledger>,
    pub keys: Arc<ActiveKeyStore>,
    pub last_test: Mutex<Option<KeyCheck>>,
    pub prefs: Mutex<Preferences>,
    /// Read by the event sink to decide on notifications without locking `prefs`.
    pub notify: Arc<AtomicBool>,
    pub events: Arc<dyn EventSink>,
    running: RwLock<Arc<Running>>,
    /// The key store's first read, started with the app so the window's first
    /// `key_status` finds it done (a keychain read is a D-Bus session and a key
    /// exchange on Linux). Taken once; every later read is live.
    early_key_read: Mutex<Option<mpsc::Receiver<KeyRead>>>,
    /// Said once at start (files moved aside), shown by the window.
    pub notices: Vec<String>,
    /// The creator left the demo for their own key ("Use my own key"): the engine talks
    /// to the real address instead of the demo's fake service until they come back.
    /// For this run only: the next start with `SEEDANCE_DEMO` is the demo again.
    demo_left: AtomicBool,
}

/// What a read of the key store gave.
pub type KeyRead = Result<Option<ApiKey>, KeychainError>;

impl AppState {
    /// Starts the engine. Must be called inside the tokio runtime.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        data_dir: PathBuf,
        default_library: PathBuf,
        ledger: Arc<Ledger>,
        prefs: Preferences,
        events: Arc<dyn EventSink>,
        notify: Arc<AtomicBool>,
    ) -> Result<AppState, String> {
        let keys = Arc::new(ActiveKeyStore::new(Arc::new(SystemKeychain::new())));
        // Started before the engine, whose own first read then queues behind this one.
        let early_key_read = {
            let (done, read) = mpsc::sync_channel(1);
            let keys = keys.clone();
            std::thread::Builder::new()
                .name("early-key-read".into())
                .spawn(move || {
                    let _ = done.send(keys.load());
                })
                .ok()
                .map(|_| read)
        };
        let effective = Effective::resolve(&prefs, &default_library);
        notify.store(prefs.notifications, Ordering::Relaxed);
        let running = start_engine(&ledger, &keys, &events, effective)?;
        Ok(AppState {
            data_dir,
            default_library,
            ledger,
            keys,
            last_test: Mutex::new(None),
            prefs: Mutex::new(prefs),
            notify,
            events,
            running: RwLock::new(Arc::new(running)),
            early_key_read: Mutex::new(early_key_read),
            notices: Vec::new(),
            demo_left: AtomicBool::new(false),
        })
    }

    /// The read started with the app, the first time it is asked for; `None` afterwards
    /// (or when the key store was switched since, making it stale).
    pub fn take_early_key_read(&self) -> Option<mpsc::Receiver<KeyRead>> {
        self.early_key_read
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    pub fn running(&self) -> Arc<Running> {
        self.running
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn engine(&self) -> EngineHandle {
        self.running().engine.clone()
    }

    pub fn client(&self) -> ApiClient {
        self.running().client.clone()
    }

    pub fn prefs(&self) -> Preferences {
        self.prefs.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Applies new preferences; when the API address, library or cap changed, the engine
    /// is stopped (a createTask cut off stays `Submitting` and is never resent silently)
    /// and started again with them. Returns the settings in effect.
    pub async fn apply_prefs(&self, prefs: Preferences) -> Result<Arc<Running>, String> {
        let next = self.effective_for(&prefs);
        self.notify.store(prefs.notifications, Ordering::Relaxed);
        *self.prefs.lock().unwrap_or_else(|p| p.into_inner()) = prefs;
        self.restart_if_changed(next).await
    }

    /// Whether the app runs as the demo now: started with `SEEDANCE_DEMO` and not left.
    pub fn in_demo(&self) -> bool {
        seedance_core::paths::is_demo() && !self.demo_left.load(Ordering::Relaxed)
    }

    /// Leaves the demo for the real address (`use_demo` false) or comes back to it. The
    /// engine restarts on the other address; tasks made on the one left stay in the
    /// ledger, waiting as made for another service (nothing is sent for them here).
    pub async fn switch_demo(&self, use_demo: bool) -> Result<Arc<Running>, String> {
        self.demo_left.store(!use_demo, Ordering::Relaxed);
        let next = self.effective_for(&self.prefs());
        self.restart_if_changed(next).await
    }

    fn effective_for(&self, prefs: &Preferences) -> Effective {
        if self.demo_left.load(Ordering::Relaxed) {
            Effective::resolve_leaving_demo(prefs, &self.default_library)
        } else {
            Effective::resolve(prefs, &self.default_library)
        }
    }

    async fn restart_if_changed(&self, next: Effective) -> Result<Arc<Running>, String> {
        let current = self.running();
        if !current.effective.engine_differs(&next) {
            return Ok(current);
        }
        current.engine.shutdown().await;
        let fresh = Arc::new(start_engine(&self.ledger, &self.keys, &self.events, next)?);
        *self.running.write().unwrap_or_else(|p| p.into_inner()) = fresh.clone();
        Ok(fresh)
    }
}

/// Environment variable for a fixed poll interval in milliseconds, for the end-to-end
/// suite and the demo against a time-scaled fake (the adaptive schedule expects minutes).
pub const POLL_INTERVAL_ENV: &str = "SEEDANCE_POLL_INTERVAL_MS";

fn poll_every_from_env() -> Option<std::time::Duration> {
    let ms: u64 = std::env::var(POLL_INTERVAL_ENV).ok()?.trim().parse().ok()?;
    Some(std::time::Duration::from_millis(ms.max(100)))
}

fn start_engine(
    ledger: &Arc<Ledger>,
    keys: &Arc<ActiveKeyStore>,
    events: &Arc<dyn EventSink>,
    effective: Effective,
) -> Result<Running, String> {
    let client = ApiClient::new(effective.client_config.clone()).map_err(|e| e.to_string())?;
    let engine = Engine::start(EngineDeps {
        ledger: ledger.clone(),
        client: client.clone(),
        keys: keys.clone(),
        events: events.clone(),
        clock: Arc::new(SystemClock),
        library: Library::new(effective.library_dir.clone()),
        settings: EngineSettings {
            spending_cap: effective.spending_cap,
            poll_every: poll_every_from_env(),
            ..EngineSettings::default()
        },
    });
    Ok(Running {
        engine,
        client,
        effective,
    })
}
