//! What every command that reaches the service or the history shares: where the key comes
//! from, the settings in effect, the ledger, a running engine that follows tasks (and stops
//! without abandoning a paid request), and how a task's end maps to an exit code.

use crate::args::FollowArgs;
use crate::output::Printer;
use crate::Exit;
use seedance_core::api::{ApiClient, ClientConfig};
use seedance_core::clock::SystemClock;
use seedance_core::engine::{
    Engine, EngineDeps, EngineEvent, EngineHandle, EngineSettings, EventSink, KeyState,
    ShutdownReport, SubmitRefusal,
};
use seedance_core::guidance::{guidance_for, Category, Failure, Guidance};
use seedance_core::keychain::{KeyStore, KeychainError, SystemKeychain, KEY_ENV};
use seedance_core::ledger::{Ledger, LocalState, TaskEntry, TaskId};
use seedance_core::library::{DiskProblem, Library};
use seedance_core::paths;
use seedance_core::secret::ApiKey;
use seedance_core::settings::{self, Effective, Preferences};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long a command that waits for a video also waits for its settled charge (the
/// service rewrites it a few seconds after success; the engine reads it for about a
/// minute).
const SETTLEMENT_WAIT: Duration = Duration::from_secs(75);

/// `SEEDANCE_API_KEY` first (scripts, CI), then the OS keychain. Writes go to the keychain.
pub(crate) struct EnvOrKeychain {
    keychain: SystemKeychain,
}

impl KeyStore for EnvOrKeychain {
    fn load(&self) -> Result<Option<ApiKey>, KeychainError> {
        match std::env::var(KEY_ENV) {
            Ok(raw) if !raw.trim().is_empty() => ApiKey::new(&raw)
                .map(Some)
                .map_err(|e| KeychainError::Corrupt(format!("{KEY_ENV}: {e}"))),
            _ => self.keychain.load(),
        }
    }
    fn store(&self, key: &ApiKey) -> Result<(), KeychainError> {
        self.keychain.store(key)
    }
    fn delete(&self) -> Result<(), KeychainError> {
        self.keychain.delete()
    }
    fn describe(&self) -> &'static str {
        self.keychain.describe()
    }
}

pub(crate) fn keys() -> Arc<EnvOrKeychain> {
    Arc::new(EnvOrKeychain {
        keychain: SystemKeychain::new(),
    })
}

pub(crate) async fn load_key(keys: Arc<EnvOrKeychain>) -> Result<Option<ApiKey>, KeychainError> {
    tokio::task::spawn_blocking(move || keys.load())
        .await
        .unwrap_or_else(|e| Err(KeychainError::Other(e.to_string())))
}

/// The key (environment or keychain) and a client, for commands that ask the service.
pub(crate) async fn key_and_client(
    base_url: Option<&str>,
    printer: &Printer,
) -> Result<(ApiKey, ApiClient), Exit> {
    let key = match load_key(keys()).await {
        Ok(Some(key)) => key,
        Ok(None) => return Err(no_key(printer)),
        Err(error) => return Err(keychain_problem(printer, &error)),
    };
    Ok((key, client(base_url, printer)?))
}

/// The settings in effect for this run: the same settings file and environment as the
/// app (so both reach the same service and library), with `--base-url` winning over both.
pub(crate) fn effective(base_url: Option<&str>, printer: &Printer) -> Result<Effective, Exit> {
    let unusable = |error: &dyn std::fmt::Display| {
        printer.problem(
            "invalid_request",
            "The service address is not usable",
            &format!("{error} Set SEEDANCE_API_BASE or --base-url to an https address."),
            json!({}),
        );
        Exit::Usage
    };
    let preferences = match paths::data_dir() {
        Some(dir) => {
            let loaded = settings::load(&dir);
            if let Some(notice) = loaded.notice {
                eprintln!("{notice}");
            }
            loaded.preferences
        }
        None => Preferences::default(),
    };
    let default_library = paths::default_library_dir().unwrap_or_default();
    let mut effective = Effective::resolve(&preferences, &default_library);
    if let Some(flag) = base_url.map(str::trim).filter(|v| !v.is_empty()) {
        effective.client_config = ClientConfig::new(flag).map_err(|e| unusable(&e))?;
        effective.base_url_source = settings::Source::Env;
    } else if let Some(stored) = preferences.base_url.as_deref() {
        // A stored address the app would refuse is an error here, not a silent default.
        if effective.base_url_source == settings::Source::Default {
            return Err(unusable(&format!(
                "The saved API address {stored:?} is not usable."
            )));
        }
    }
    Ok(effective)
}

pub(crate) fn client(base_url: Option<&str>, printer: &Printer) -> Result<ApiClient, Exit> {
    let effective = effective(base_url, printer)?;
    ApiClient::new(effective.client_config).map_err(|error| {
        printer.problem(
            "invalid_request",
            "The service address is not usable",
            &error.to_string(),
            json!({}),
        );
        Exit::Usage
    })
}

pub(crate) fn open_ledger(printer: &Printer) -> Result<Arc<Ledger>, Exit> {
    let Some(dir) = paths::data_dir() else {
        printer.problem(
            "unknown",
            "No data folder",
            "Set SEEDANCE_DATA_DIR to a folder for the task history.",
            json!({}),
        );
        return Err(Exit::Usage);
    };
    match Ledger::open(&dir) {
        Ok((ledger, report)) => {
            for message in &report.messages {
                eprintln!("{message}");
            }
            Ok(Arc::new(ledger))
        }
        Err(error) => {
            printer.problem(
                "unknown",
                "The task history could not be opened",
                &format!("{error}. Close Seedance Studio or other `seedance` commands using it, then try again."),
                json!({}),
            );
            Err(Exit::Service)
        }
    }
}

pub(crate) fn keychain_problem(printer: &Printer, error: &KeychainError) -> Exit {
    printer.problem(
        "keychain",
        "The system keychain could not be used",
        &error.to_string(),
        json!({}),
    );
    Exit::Key
}

pub(crate) fn no_key(printer: &Printer) -> Exit {
    let guidance = guidance_for(&Failure::LocalInput {
        field: "api_key",
        message: "No API key is set.",
    });
    printer.problem(
        "auth_missing_key",
        "No API key is set",
        &format!(
            "Run `seedance key set` and paste your key, or set {KEY_ENV}. ({})",
            guidance.title
        ),
        json!({}),
    );
    Exit::Key
}

pub(crate) fn refusal_exit(printer: &Printer, refusal: &SubmitRefusal) -> Exit {
    let value = serde_json::to_value(refusal).unwrap_or_default();
    let explanation = match refusal {
        SubmitRefusal::Duplicate { .. } => {
            format!("{refusal} Nothing was sent. Add --again to send it as a second take.")
        }
        _ => refusal.to_string(),
    };
    printer.problem(
        "refused",
        "Not sent",
        &explanation,
        json!({"refusal": value}),
    );
    match refusal {
        SubmitRefusal::Ledger { .. } | SubmitRefusal::Stopped => Exit::Service,
        _ => Exit::Usage,
    }
}

// ---------------------------------------------------------------------------------------
// following tasks

/// Forwards the engine's task changes to the command that waits on them.
struct ChannelSink(mpsc::UnboundedSender<EngineEvent>);

impl EventSink for ChannelSink {
    fn emit(&self, event: EngineEvent) {
        let _ = self.0.send(event);
    }
}

/// A running engine over the shared ledger, and the events it sends.
pub(crate) struct Session {
    pub(crate) engine: EngineHandle,
    pub(crate) ledger: Arc<Ledger>,
    events: mpsc::UnboundedReceiver<EngineEvent>,
    interrupts: Interrupts,
}

/// How following a task ended before the task did.
pub(crate) enum Stopped {
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// The service refused the key, or none is saved.
    Key(String),
    /// A download the engine gave up on.
    Download(Option<DiskProblem>, String),
}

impl Session {
    pub(crate) fn start(
        base_url: Option<&str>,
        follow: &FollowArgs,
        printer: &Printer,
    ) -> Result<Session, Exit> {
        // Installed before anything is sent, so a Ctrl-C at any moment reaches the stop
        // that waits for requests on the wire instead of killing the process.
        let interrupts = Interrupts::install();
        let effective = effective(base_url, printer)?;
        let client = ApiClient::new(effective.client_config.clone()).map_err(|error| {
            printer.problem(
                "invalid_request",
                "The service address is not usable",
                &error.to_string(),
                json!({}),
            );
            Exit::Usage
        })?;
        let ledger = open_ledger(printer)?;
        if effective.library_dir.as_os_str().is_empty() {
            printer.problem(
                "unknown",
                "No library folder",
                "Set SEEDANCE_LIBRARY_DIR to the folder for finished videos.",
                json!({}),
            );
            return Err(Exit::Usage);
        }
        let library_dir = effective.library_dir.clone();
        let (tx, events) = mpsc::unbounded_channel();
        let mut settings = EngineSettings {
            spending_cap: effective.spending_cap,
            // A command sends only what it was asked to: `resume` nothing, `generate`
            // and `retry` their own task. Tasks queued earlier wait for the app.
            send_earlier_queued: false,
            ..EngineSettings::default()
        };
        if let Some(seconds) = follow.poll_every {
            if !(seconds.is_finite() && seconds > 0.0) {
                printer.problem(
                    "invalid_request",
                    "Bad --poll-every",
                    "--poll-every takes a number of seconds above 0.",
                    json!({}),
                );
                return Err(Exit::Usage);
            }
            settings.poll_every = Some(Duration::from_secs_f64(seconds.max(0.05)));
        }
        let engine = Engine::start(EngineDeps {
            ledger: ledger.clone(),
            client,
            keys: keys(),
            events: Arc::new(ChannelSink(tx)),
            clock: Arc::new(SystemClock),
            library: Library::with_utc_offset(library_dir, crate::local_offset()),
            settings,
        });
        Ok(Session {
            engine,
            ledger,
            events,
            interrupts,
        })
    }

    pub(crate) fn entry(&self, id: TaskId) -> Option<TaskEntry> {
        self.ledger.get(id).ok()
    }

    /// Waits for the next engine event, or a reason to stop following.
    pub(crate) async fn next(&mut self) -> Result<Option<EngineEvent>, Stopped> {
        tokio::select! {
            event = self.events.recv() => match event {
                Some(EngineEvent::KeyStateChanged {
                    key: KeyState::Rejected { message },
                }) => Err(Stopped::Key(message)),
                Some(EngineEvent::KeyStateChanged {
                    key: KeyState::Missing,
                }) => Err(Stopped::Key("No API key is saved.".to_owned())),
                Some(event) => {
                    if let EngineEvent::HistoryWriteFailed { message, .. } = &event {
                        eprintln!("{message}");
                    }
                    Ok(Some(event))
                }
                None => Ok(None),
            },
            () = self.interrupts.next() => Err(Stopped::Interrupted),
        }
    }

    /// Stops the engine without abandoning a paid request: waits for createTask answers
    /// on the wire (saying so), and a second Ctrl-C stops at once. Records a clean close
    /// (and the ledger's last good copy).
    pub(crate) async fn close(mut self) -> ShutdownReport {
        let engine = self.engine.clone();
        let mut stopping = tokio::spawn(async move { engine.shutdown().await });
        let mut cut_short = false;
        let report = loop {
            tokio::select! {
                finished = &mut stopping => break finished.unwrap_or_default(),
                event = self.events.recv() => {
                    if let Some(EngineEvent::FinishingSends { remaining }) = event {
                        if remaining > 0 {
                            eprintln!(
                                "Finishing sending {remaining} task(s) so their ids are recorded (up to {} s). Press Ctrl-C again to stop now: their outcome will be unknown.",
                                ClientConfig::DEFAULT_REQUEST_TIMEOUT.as_secs() + 5
                            );
                        }
                    }
                }
                () = self.interrupts.next(), if !cut_short => {
                    cut_short = true;
                    eprintln!("Stopping now; a task whose answer did not arrive is marked \"outcome unknown\" and is never sent again without you.");
                    let _ = self.engine.stop_now().await;
                }
            }
        };
        if let Err(error) = self.ledger.close_cleanly() {
            tracing::warn!(%error, "no clean close recorded");
        }
        for id in &report.left_unknown {
            eprintln!("task {id}: outcome unknown (the stop came before the service answered); see `seedance status {id}`.");
        }
        report
    }

    /// After a download, waits (a bounded time) for the settled charge of a task whose
    /// charge settles after success, so the history has it when the command ends. The
    /// next run reads it again when this one does not see it.
    async fn wait_for_settlement(&mut self, id: TaskId, printer: &Printer) -> Option<Stopped> {
        let pending = |session: &Session| {
            session
                .entry(id)
                .is_some_and(|e| e.state == LocalState::Downloaded && e.settlement_pending())
        };
        if !pending(self) {
            return None;
        }
        if !printer.json {
            eprintln!("task {id}: reading the settled charge");
        }
        let deadline = tokio::time::Instant::now() + SETTLEMENT_WAIT;
        while pending(self) {
            match tokio::time::timeout_at(deadline, self.next()).await {
                Ok(Ok(Some(_))) => {}
                Ok(Ok(None)) | Err(_) => break,
                Ok(Err(why)) => return Some(why),
            }
        }
        None
    }

    /// Waits until task `id` is sent (or, with `wait`, finished), prints it, and maps its
    /// state to an exit code.
    pub(crate) async fn follow(mut self, id: TaskId, wait: bool, printer: &Printer) -> Exit {
        let mut last_state = None;
        let mut stopped = None;
        while let Some(entry) = self.entry(id) {
            if last_state != Some(entry.state) {
                if !printer.json {
                    eprintln!("task {id}: {}", entry.state);
                }
                last_state = Some(entry.state);
            }
            if is_settled(entry.state, wait) {
                break;
            }
            match self.next().await {
                Ok(None) => break,
                Ok(Some(EngineEvent::DownloadFailed {
                    task_id,
                    disk_problem,
                    message,
                })) if task_id == id => {
                    stopped = Some(Stopped::Download(disk_problem, message));
                    break;
                }
                Ok(Some(_)) => {}
                Err(why) => {
                    stopped = Some(why);
                    break;
                }
            }
        }
        if wait && stopped.is_none() {
            stopped = self.wait_for_settlement(id, printer).await;
        }
        if let Some(Stopped::Interrupted) = stopped {
            eprintln!("Stopping (Ctrl-C).");
        }
        let engine = self.engine.clone();
        let ledger = self.ledger.clone();
        if let Some(Stopped::Key(_)) = stopped {
            // Nothing was created for a task still queued: withdraw it rather than leave
            // it to be sent later by surprise.
            if ledger.get(id).is_ok_and(|e| e.state == LocalState::Queued) {
                let _ = engine.cancel(id).await;
            }
        }
        self.close().await;
        let Ok(entry) = ledger.get(id) else {
            return Exit::Service;
        };
        printer.task(&entry);
        match stopped {
            Some(Stopped::Download(disk_problem, message)) => {
                report_download_failure(printer, id, disk_problem, &message)
            }
            Some(Stopped::Key(message)) => {
                let what = if entry.state == LocalState::Cancelled {
                    "Nothing was sent and nothing was charged; the task was withdrawn.".to_owned()
                } else {
                    format!(
                        "Task {id} was sent and keeps running on the service; once a working key is saved, `seedance resume --wait` follows it."
                    )
                };
                printer.problem(
                    "auth_invalid_key",
                    "The service refused the API key",
                    &format!("{message} {what} Run `seedance key set` with a working key."),
                    json!({ "task_id": id }),
                );
                Exit::Key
            }
            Some(Stopped::Interrupted) if !is_settled(entry.state, wait) => {
                eprintln!(
                    "task {id} is {}: {}",
                    entry.state,
                    match entry.state {
                        LocalState::Queued => "it was not sent (nothing charged).",
                        _ => "it was sent and keeps running; follow it with `seedance resume --wait`.",
                    }
                );
                Exit::Interrupted
            }
            _ => exit_for(&entry),
        }
    }
}

/// Ctrl-C (and SIGTERM on Unix) as a stream: once installed, they no longer end the
/// process, so a stop can finish recording what was sent.
struct Interrupts {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Interrupts {
    fn install() -> Interrupts {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let signals = match (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) {
                (Ok(int), Ok(term)) => Some((int, term)),
                _ => None,
            };
            Interrupts { signals }
        }
        #[cfg(not(unix))]
        {
            Interrupts {}
        }
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        {
            match &mut self.signals {
                Some((int, term)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                None => std::future::pending().await,
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Says why a finished video is not in the library and maps it to an exit code: the
/// library folder is the creator's to fix, anything else is the network's.
pub(crate) fn report_download_failure(
    printer: &Printer,
    id: TaskId,
    disk_problem: Option<DiskProblem>,
    message: &str,
) -> Exit {
    let (title, exit) = match disk_problem {
        Some(_) => ("The library folder cannot be written", Exit::Library),
        None => ("The video could not be downloaded yet", Exit::Service),
    };
    printer.problem(
        "download_failed",
        title,
        &format!(
            "{message} The video is kept on the service: run `seedance resume --wait` once this is fixed."
        ),
        json!({ "task_id": id, "disk_problem": disk_problem }),
    );
    exit
}

/// Whether a task has gone as far as the command needs: sent (the id is recorded) or,
/// when waiting, at its end with the files in the library.
pub(crate) fn is_settled(state: LocalState, wait: bool) -> bool {
    match state {
        LocalState::Downloaded
        | LocalState::Failed
        | LocalState::SubmissionUnknown
        | LocalState::NotFound
        | LocalState::Cancelled => true,
        LocalState::Waiting
        | LocalState::Generating
        | LocalState::Stuck
        | LocalState::Succeeded => !wait,
        LocalState::Draft | LocalState::Queued | LocalState::Submitting => false,
    }
}

pub(crate) fn exit_for(entry: &TaskEntry) -> Exit {
    match entry.state {
        LocalState::Failed => {
            let guidance: Option<Guidance> = entry
                .failure
                .as_ref()
                .and_then(|v| serde_json::from_value(v.clone()).ok());
            match guidance.map(|g| g.category) {
                Some(
                    Category::AuthMissingKey
                    | Category::AuthInvalidKey
                    | Category::AccessNotEnabled,
                ) => Exit::Key,
                Some(Category::Network | Category::ServerError) => Exit::Service,
                Some(Category::SubmissionUnknown) => Exit::OutcomeUnknown,
                _ => Exit::TaskFailed,
            }
        }
        LocalState::SubmissionUnknown => Exit::OutcomeUnknown,
        LocalState::NotFound => Exit::Service,
        LocalState::Cancelled => Exit::TaskFailed,
        _ => Exit::Success,
    }
}
