//! The fault matrix: every endpoint (createTask, recordInfo, uploads, the signed PUT, the
//! static result files) × every fault the fake can inject (500 bursts, 429 bursts with
//! `limit`/`current` and `Retry-After`, resets before and after the request is read, a
//! stall past the client's timeout, a truncated body, a proxy's HTML 502/503 page, an
//! empty 200, an undocumented status, `success` without output, a body past the size
//! cap), each driving a real generation through the engine over HTTP on loopback.
//!
//! Each cell asserts: the engine did not panic (it keeps serving: a second, clean
//! generation submitted afterwards completes), the task ended in the right state with the
//! right guidance category, and the fake's own counters obey the rules — createTask sent
//! exactly once unless the service's JSON 500 or a 429 said it was not taken (then
//! bounded), anything ambiguous after sending is `SubmissionUnknown` and never resent,
//! reads retried and bounded, 10 × 5xx then success completes in ≤ 12 GETs (checklist 10),
//! `Retry-After` honoured (RFC 9110 §10.2.3), no key on storage requests.
//!
//! Disk problems while downloading (a library path under a regular file, a read-only
//! location, a full disk via `/dev/full`) are at the end: a clear error naming the folder,
//! the task keeps its remote URL, no file under its final name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{media_fixture, Recorder};

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use seedance_core::api::client::MAX_API_BODY;
use seedance_core::api::{ApiClient, ClientConfig};
use seedance_core::clock::SystemClock;
use seedance_core::engine::{Engine, EngineDeps, EngineEvent, EngineHandle, EngineSettings};
use seedance_core::guidance::Guidance;
use seedance_core::keychain::{KeyStore, SessionKeyStore};
use seedance_core::ledger::{Ledger, LocalState, TaskEntry, TaskId};
use seedance_core::library::{partial_path, DiskProblem, Library, LibraryError};
use seedance_core::media::MediaKind;
use seedance_core::model::ModelId;
use seedance_core::request::{GenerationRequest, Reference, ReferenceSource};
use seedance_core::retry::RetryPolicy;
use seedance_core::secret::ApiKey;
use seedance_fake::{Endpoint, FakeConfig, FakeService, Fault, Outcome, Stats, TaskPlan};
use tokio::sync::{watch, Semaphore};

const KEY: &str = "sk-fault-matrix-0001";
/// Per cell: the slowest cell (a stall past the timeout, then a generation) takes ~5 s.
const DEADLINE: Duration = Duration::from_secs(60);
/// The client's timeouts, short so a stall is seen quickly.
const TIMEOUT: Duration = Duration::from_millis(1500);
/// Cells run at once; each has its own fake, ledger and engine.
const PARALLEL_CELLS: usize = 6;

/// How a cell's task must end.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ends {
    /// Finished, video complete in the library.
    Downloaded,
    /// Outcome unknown: never resent, the creator decides.
    Unknown,
    /// Failed with this guidance category (nothing sent to createTask after it).
    Failed(&'static str),
}

/// Extra checks of a cell on the fake's counters and the elapsed time.
type Check = Box<dyn Fn(&Stats, Duration) -> Result<(), String> + Send + Sync>;

/// One cell of the matrix.
struct Cell {
    name: String,
    endpoint: Endpoint,
    fault: Fault,
    times: u32,
    /// The fake's task finishes at once (for counting polls exactly).
    instant_task: bool,
    ends: Ends,
    /// Extra checks on the fake's counters and the elapsed time.
    check: Check,
}

fn cell(
    endpoint: Endpoint,
    label: &str,
    fault: Fault,
    times: u32,
    ends: Ends,
    check: impl Fn(&Stats, Duration) -> Result<(), String> + Send + Sync + 'static,
) -> Cell {
    Cell {
        name: format!("{endpoint:?} × {label}"),
        endpoint,
        fault,
        times,
        instant_task: false,
        ends,
        check: Box::new(check),
    }
}

fn instant(mut c: Cell) -> Cell {
    c.instant_task = true;
    c
}

fn ok(_: &Stats, _: Duration) -> Result<(), String> {
    Ok(())
}

fn expect(cond: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(what())
    }
}

fn html(status: u16) -> Fault {
    Fault::ProxyHtml { status }
}

fn rate_limited_429() -> Fault {
    Fault::Status {
        status: 429,
        body: r#"{"message":"Too many requests","limit":5,"current":5}"#.into(),
        headers: vec![("Retry-After".into(), "1".into())],
        content_type: None,
    }
}

fn huge() -> Fault {
    Fault::Huge {
        bytes: MAX_API_BODY + (1 << 20),
    }
}

fn fast_settings() -> EngineSettings {
    EngineSettings {
        poll_every: Some(Duration::from_millis(25)),
        max_polls_per_second: 200.0,
        retry_policy: RetryPolicy {
            base: Duration::from_millis(50),
            ..RetryPolicy::default()
        },
        ..EngineSettings::default()
    }
}

fn client(fake: &FakeService) -> ApiClient {
    let mut config = ClientConfig::new(&fake.base_url()).unwrap();
    config.connect_timeout = TIMEOUT;
    config.request_timeout = TIMEOUT;
    config.download_read_timeout = TIMEOUT;
    config.upload_stall_timeout = TIMEOUT;
    ApiClient::new(config).unwrap()
}

fn request(prompt: &str, with_reference: bool) -> GenerationRequest {
    let mut request = GenerationRequest::new(ModelId::Seedance20, prompt);
    if with_reference {
        request.references.push(Reference {
            kind: MediaKind::Image,
            source: ReferenceSource::LocalFile {
                path: media_fixture("image.png"),
                uploaded: None,
            },
            duration_ms: None,
        });
    }
    request
}

struct Rig {
    fake: FakeService,
    ledger: Arc<Ledger>,
    events: Arc<Recorder>,
    engine: EngineHandle,
    library: Library,
    _dir: tempfile::TempDir,
}

async fn rig(settings: EngineSettings) -> Rig {
    let fake = FakeService::start(FakeConfig {
        time_scale: 0.003,
        ..FakeConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(&dir.path().join("data")).unwrap();
    let ledger = Arc::new(ledger);
    let keys = Arc::new(SessionKeyStore::new());
    keys.store(&ApiKey::new(KEY).unwrap()).unwrap();
    let events = Arc::new(Recorder {
        events: Mutex::new(Vec::new()),
        version: watch::channel(0).0,
    });
    let library = Library::with_utc_offset(dir.path().join("library"), time::UtcOffset::UTC);
    let engine = Engine::start(EngineDeps {
        ledger: ledger.clone(),
        client: client(&fake),
        keys,
        events: events.clone(),
        clock: Arc::new(SystemClock),
        library: library.clone(),
        settings,
    });
    Rig {
        fake,
        ledger,
        events,
        engine,
        library,
        _dir: dir,
    }
}

fn settled(state: LocalState) -> bool {
    matches!(
        state,
        LocalState::Downloaded
            | LocalState::Failed
            | LocalState::SubmissionUnknown
            | LocalState::NotFound
            | LocalState::Cancelled
    )
}

impl Rig {
    /// Waits, on events, until `id` settles (or `want` is reached).
    async fn wait(
        &self,
        id: TaskId,
        want: impl Fn(LocalState) -> bool,
    ) -> Result<TaskEntry, String> {
        let mut rx = self.events.version.subscribe();
        let waited = tokio::time::timeout(DEADLINE, async {
            loop {
                let entry = self.ledger.get(id).unwrap();
                if want(entry.state) || settled(entry.state) {
                    return entry;
                }
                rx.changed().await.unwrap();
            }
        })
        .await;
        waited.map_err(|_| {
            format!(
                "task {id} did not settle: {:?}",
                self.ledger.get(id).unwrap().state
            )
        })
    }

    /// The states `id` was reported in, in order.
    fn states_of(&self, id: TaskId) -> Vec<(LocalState, Option<String>)> {
        self.events
            .events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                EngineEvent::TaskChanged { task } if task.id == id => {
                    Some((task.state, task.output_url.clone()))
                }
                _ => None,
            })
            .collect()
    }
}

fn category(entry: &TaskEntry) -> Option<String> {
    let guidance: Guidance = serde_json::from_value(entry.failure.clone()?).ok()?;
    Some(guidance.category.as_str().to_owned())
}

/// The result files the fake serves, to compare downloads against.
fn served_video() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fake-service/assets/result.mp4"))
        .unwrap()
}

async fn run_cell(cell: &Cell) -> Result<(), String> {
    let rig = rig(fast_settings()).await;
    if cell.instant_task {
        rig.fake.queue_plan(TaskPlan {
            outcome: Outcome::Success,
            wait_seconds: Some(0.0),
            gen_seconds: Some(0.0),
        });
    }
    rig.fake
        .push_fault(cell.endpoint, cell.fault.clone(), cell.times);
    let with_reference = matches!(cell.endpoint, Endpoint::Uploads | Endpoint::Put);
    let started = Instant::now();
    let id = rig
        .engine
        .submit(request(
            &format!("fault matrix: {}", cell.name),
            with_reference,
        ))
        .await
        .map_err(|e| format!("refused: {e:?}"))?;
    let entry = rig.wait(id, |_| false).await?;
    let elapsed = started.elapsed();
    let stats_at_end = rig.fake.stats();

    // The right end, with the right words.
    match cell.ends {
        Ends::Downloaded => {
            expect(entry.state == LocalState::Downloaded, || {
                format!(
                    "ended {:?} ({:?}), wanted downloaded",
                    entry.state,
                    category(&entry)
                )
            })?;
            let video = std::fs::read(entry.video_path.as_ref().unwrap()).unwrap();
            expect(video == served_video(), || {
                format!(
                    "the library video ({} bytes) differs from the served file",
                    video.len()
                )
            })?;
            let partial = partial_path(entry.video_path.as_ref().unwrap());
            expect(!partial.exists(), || format!("{partial:?} left behind"))?;
        }
        Ends::Unknown => {
            expect(entry.state == LocalState::SubmissionUnknown, || {
                format!(
                    "ended {:?} ({:?}), wanted submission_unknown",
                    entry.state,
                    category(&entry)
                )
            })?;
            expect(entry.remote_task_id.is_none(), || {
                "an unknown submission has an id".into()
            })?;
        }
        Ends::Failed(want) => {
            expect(entry.state == LocalState::Failed, || {
                format!(
                    "ended {:?} ({:?}), wanted failed {want}",
                    entry.state,
                    category(&entry)
                )
            })?;
            expect(category(&entry).as_deref() == Some(want), || {
                format!("category {:?}, wanted {want}", category(&entry))
            })?;
        }
    }
    // Never flipped to an ending it was not given, never "done" without a result.
    for (state, output) in rig.states_of(id) {
        if cell.ends == Ends::Downloaded {
            expect(state != LocalState::Failed, || {
                "reported failed on the way".into()
            })?;
        }
        if matches!(state, LocalState::Succeeded | LocalState::Downloaded) {
            expect(output.is_some(), || {
                format!("{state:?} without an output URL")
            })?;
        }
    }
    expect(stats_at_end.auth_header_leaks == 0, || {
        format!(
            "key sent to storage: {:?}",
            stats_at_end.auth_header_leak_paths
        )
    })?;
    expect(stats_at_end.pending_faults.is_empty(), || {
        format!("faults never reached: {:?}", stats_at_end.pending_faults)
    })?;
    (cell.check)(&stats_at_end, elapsed)?;

    rig.fake.clear_faults();
    // Still serving, and nothing was resent meanwhile: a clean generation goes through
    // and is the only extra createTask.
    let probe = rig
        .engine
        .submit(request("fault matrix: the next generation", false))
        .await
        .map_err(|e| format!("probe refused: {e:?}"))?;
    let probe_entry = rig.wait(probe, |_| false).await?;
    expect(probe_entry.state == LocalState::Downloaded, || {
        format!("the next generation ended {:?}", probe_entry.state)
    })?;
    let after = rig.fake.stats();
    expect(
        after.create_task_calls == stats_at_end.create_task_calls + 1,
        || {
            format!(
                "createTask calls went {} → {} around one clean submission",
                stats_at_end.create_task_calls, after.create_task_calls
            )
        },
    )?;
    expect(rig.ledger.get(id).unwrap().state == entry.state, || {
        "the faulted task changed after settling".into()
    })?;
    rig.engine.shutdown().await;
    Ok(())
}

/// Runs the cells a few at a time and fails once, listing every broken cell.
async fn run_matrix(cells: Vec<Cell>) {
    let gate = Arc::new(Semaphore::new(PARALLEL_CELLS));
    let started = Instant::now();
    let count = cells.len();
    let mut handles = Vec::new();
    for cell in cells {
        let gate = gate.clone();
        handles.push(tokio::spawn(async move {
            let _slot = gate.acquire().await.unwrap();
            let result = run_cell(&cell).await;
            (cell.name, result)
        }));
    }
    let mut failures = Vec::new();
    for handle in handles {
        match handle.await {
            Ok((_, Ok(()))) => {}
            Ok((name, Err(why))) => failures.push(format!("{name}: {why}")),
            Err(panic) => failures.push(format!("a cell panicked: {panic}")),
        }
    }
    eprintln!("{count} cells in {:.1} s", started.elapsed().as_secs_f64());
    assert!(
        failures.is_empty(),
        "{} of {count} cells failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The faults every endpoint gets, with what must happen. `count` reads the fake's
/// counter for the endpoint; `body_matters` is false for the PUT, whose answer has no
/// body (a truncated or empty answer to it is a normal success, not retried).
fn common_read_faults(on: Endpoint, count: fn(&Stats) -> u64, body_matters: bool) -> Vec<Cell> {
    let at_least = move |n: u64| {
        move |s: &Stats, _: Duration| {
            expect(count(s) >= n, || {
                format!("{:?} requests: {} < {n}", on, count(s))
            })
        }
    };
    let (body_times, body_count) = if body_matters { (2, 3) } else { (1, 1) };
    vec![
        cell(
            on,
            "500 burst ×2",
            Fault::internal_error(),
            2,
            Ends::Downloaded,
            at_least(3),
        ),
        cell(
            on,
            "429 burst ×2, Retry-After 1",
            rate_limited_429(),
            2,
            Ends::Downloaded,
            move |s, t| {
                expect(count(s) >= 3, || format!("{} requests", count(s)))?;
                expect(t >= Duration::from_secs(2), || {
                    format!("Retry-After not honoured: all done in {t:?}")
                })
            },
        ),
        cell(
            on,
            "reset before read ×2",
            Fault::ResetBeforeRead,
            2,
            Ends::Downloaded,
            // Reset before the request is read: the fake counts nothing but the fault.
            |s: &Stats, _: Duration| {
                expect(s.faults_applied >= 2, || {
                    format!("{} faults applied", s.faults_applied)
                })
            },
        ),
        cell(
            on,
            "reset after read ×2",
            Fault::ResetAfterAct,
            2,
            Ends::Downloaded,
            at_least(3),
        ),
        cell(
            on,
            "stall past the timeout",
            Fault::StallAfterAct,
            1,
            Ends::Downloaded,
            move |s, t| {
                expect(count(s) >= 2, || format!("{} requests", count(s)))?;
                expect(t >= TIMEOUT, || {
                    format!("finished in {t:?}, before the timeout")
                })
            },
        ),
        cell(
            on,
            "truncated body",
            Fault::Truncated,
            body_times,
            Ends::Downloaded,
            at_least(body_count),
        ),
        cell(
            on,
            "HTML 502 page ×2",
            html(502),
            2,
            Ends::Downloaded,
            at_least(3),
        ),
        cell(
            on,
            "HTML 503 page ×2",
            html(503),
            2,
            Ends::Downloaded,
            at_least(3),
        ),
        cell(
            on,
            "empty 200",
            Fault::EmptyOk,
            body_times,
            Ends::Downloaded,
            at_least(body_count),
        ),
        // Record faults: they change a recordInfo answer and nothing else.
        cell(
            on,
            "unknown status",
            Fault::UnknownStatus {
                status: "paused".into(),
            },
            1,
            Ends::Downloaded,
            ok,
        ),
        cell(
            on,
            "output missing on success",
            Fault::OutputMissing,
            1,
            Ends::Downloaded,
            ok,
        ),
        cell(on, "huge body", huge(), 1, Ends::Downloaded, at_least(1)),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_task_faults_resend_only_what_the_service_refused() {
    let on = Endpoint::CreateTask;
    let calls = |n: u64, created: u64| {
        move |s: &Stats, _: Duration| {
            expect(
                s.create_task_calls == n && s.tasks_created == created,
                || {
                    format!(
                        "createTask calls {} (want {n}), tasks created {} (want {created})",
                        s.create_task_calls, s.tasks_created
                    )
                },
            )
        }
    };
    run_matrix(vec![
        // The service's own JSON 500 is documented as safe to retry: resent, bounded.
        cell(
            on,
            "500 burst ×2",
            Fault::internal_error(),
            2,
            Ends::Downloaded,
            calls(3, 1),
        ),
        cell(
            on,
            "500 burst ×3 (every attempt)",
            Fault::internal_error(),
            3,
            Ends::Failed("server_error"),
            calls(3, 0),
        ),
        // 429: nothing was created; sent again once a slot is free, not before Retry-After.
        cell(
            on,
            "429 burst ×2 with limit/current",
            Fault::concurrency_limit(5, 5, Some("1")),
            2,
            Ends::Downloaded,
            |s, t| {
                expect(s.create_task_calls == 3 && s.tasks_created == 1, || {
                    format!("calls {}", s.create_task_calls)
                })?;
                expect(t >= Duration::from_secs(2), || {
                    format!("resent before Retry-After: all done in {t:?}")
                })
            },
        ),
        // Anything after the request left: outcome unknown, exactly one call, never resent.
        cell(
            on,
            "reset before read",
            Fault::ResetBeforeRead,
            1,
            Ends::Unknown,
            calls(1, 0),
        ),
        cell(
            on,
            "reset after read",
            Fault::ResetAfterAct,
            1,
            Ends::Unknown,
            calls(1, 1),
        ),
        cell(
            on,
            "stall past the timeout",
            Fault::StallAfterAct,
            1,
            Ends::Unknown,
            calls(1, 1),
        ),
        cell(
            on,
            "truncated body",
            Fault::Truncated,
            1,
            Ends::Unknown,
            calls(1, 1),
        ),
        cell(
            on,
            "HTML 502 page",
            html(502),
            1,
            Ends::Unknown,
            calls(1, 0),
        ),
        cell(
            on,
            "HTML 503 page",
            html(503),
            1,
            Ends::Unknown,
            calls(1, 0),
        ),
        cell(
            on,
            "HTML 504 page",
            html(504),
            1,
            Ends::Unknown,
            calls(1, 0),
        ),
        cell(
            on,
            "empty 200",
            Fault::EmptyOk,
            1,
            Ends::Unknown,
            calls(1, 1),
        ),
        cell(
            on,
            "invalid JSON 200",
            Fault::InvalidJson,
            1,
            Ends::Unknown,
            calls(1, 1),
        ),
        cell(on, "huge body", huge(), 1, Ends::Unknown, calls(1, 1)),
        // Record-only faults leave a createTask answer usable.
        cell(
            on,
            "unknown status",
            Fault::UnknownStatus {
                status: "paused".into(),
            },
            1,
            Ends::Downloaded,
            calls(1, 1),
        ),
        cell(
            on,
            "output missing on success",
            Fault::OutputMissing,
            1,
            Ends::Downloaded,
            calls(1, 1),
        ),
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_info_faults_are_retried_and_never_end_a_task() {
    let on = Endpoint::RecordInfo;
    let mut cells = common_read_faults(on, |s| s.record_info_calls, true);
    // Checklist 10: ten 5xx in a row, then the (already finished) task: ≤ 12 GETs.
    cells.push(instant(cell(
        on,
        "10 × 5xx then success",
        Fault::internal_error(),
        10,
        Ends::Downloaded,
        |s, _| {
            expect(s.record_info_calls <= 12, || {
                format!("{} GETs for 10 failures", s.record_info_calls)
            })?;
            expect(s.record_info_calls >= 11, || {
                format!("{} GETs", s.record_info_calls)
            })
        },
    )));
    cells.push(instant(cell(
        on,
        "10 × HTML 502 then success",
        html(502),
        10,
        Ends::Downloaded,
        |s, _| {
            expect(s.record_info_calls <= 12, || {
                format!("{} GETs for 10 failures", s.record_info_calls)
            })
        },
    )));
    // Checklist 11/12: hostile Retry-After values stay bounded; undocumented statuses
    // never end a task.
    cells.push(instant(cell(
        on,
        "429 with Retry-After: 99999999999999999999",
        Fault::Status {
            status: 429,
            body: r#"{"message":"Too many requests"}"#.into(),
            headers: vec![("Retry-After".into(), "99999999999999999999".into())],
            content_type: None,
        },
        1,
        Ends::Downloaded,
        ok,
    )));
    cells.push(cell(
        on,
        "unknown status ×8",
        Fault::UnknownStatus {
            status: "cancelled".into(),
        },
        8,
        Ends::Downloaded,
        ok,
    ));
    cells.push(cell(
        on,
        "404 ×2 (bounded grace)",
        Fault::json(404, serde_json::json!({"message":"Task not found"})),
        2,
        Ends::Downloaded,
        ok,
    ));
    run_matrix(cells).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_slot_faults_are_retried_and_never_reach_create_task() {
    let on = Endpoint::Uploads;
    let mut cells = common_read_faults(on, |s| s.upload_requests, true);
    cells.push(cell(
        on,
        "500 ×5 (gives up)",
        Fault::internal_error(),
        5,
        Ends::Failed("server_error"),
        |s, _| {
            expect(s.create_task_calls == 0, || {
                "createTask sent without its reference".into()
            })?;
            expect(s.upload_requests == 5, || {
                format!("{} upload requests (max 5 attempts)", s.upload_requests)
            })
        },
    ));
    run_matrix(cells).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_put_faults_are_retried_with_a_fresh_stream() {
    let on = Endpoint::Put;
    let file_len = std::fs::metadata(media_fixture("image.png")).unwrap().len();
    let mut cells = common_read_faults(on, |s| s.puts, false);
    for c in &mut cells {
        let inner = std::mem::replace(&mut c.check, Box::new(ok));
        c.check = Box::new(move |s, t| {
            inner(s, t)?;
            expect(s.put_content_type_mismatches == 0, || {
                "wrong Content-Type on a PUT".into()
            })?;
            // Every stored PUT held the whole file (a reset upload is sent again whole).
            expect(s.put_bytes > 0 && s.put_bytes % file_len == 0, || {
                format!("{} bytes stored for a {file_len}-byte file", s.put_bytes)
            })
        });
    }
    cells.push(cell(
        on,
        "500 ×5 (gives up)",
        Fault::internal_error(),
        5,
        Ends::Failed("server_error"),
        |s, _| {
            expect(s.create_task_calls == 0, || {
                "createTask sent without its reference".into()
            })
        },
    ));
    run_matrix(cells).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn result_download_faults_never_leave_a_partial_file_shown_as_done() {
    let on = Endpoint::Static;
    let cells = common_read_faults(on, |s| s.static_gets, true)
        .into_iter()
        .filter(|c| !c.name.contains("Retry-After"))
        .collect();
    run_matrix(cells).await;
}

/// A 429/503 with `Retry-After` on a result file: the engine's download loop waits at
/// least that long before the next attempt (it used to wait only its own backoff).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn result_downloads_honour_retry_after() {
    let on = Endpoint::Static;
    let cells = common_read_faults(on, |s| s.static_gets, true)
        .into_iter()
        .filter(|c| c.name.contains("Retry-After"))
        .collect();
    run_matrix(cells).await;
}

// ---- disk problems while downloading ----------------------------------------------------

/// A task that succeeded on the service, with auto-download off so the library call can
/// be made by hand.
async fn succeeded_task() -> (Rig, TaskEntry) {
    let rig = rig(EngineSettings {
        auto_download: false,
        ..fast_settings()
    })
    .await;
    let id = rig
        .engine
        .submit(request("disk problems", false))
        .await
        .unwrap();
    let entry = rig.wait(id, |s| s == LocalState::Succeeded).await.unwrap();
    assert_eq!(entry.state, LocalState::Succeeded);
    (rig, entry)
}

fn no_progress() -> impl Fn(seedance_core::library::DownloadProgress) + Send + Sync {
    |_| {}
}

fn assert_disk_error(error: LibraryError, want: DiskProblem, root: &Path) {
    match error {
        LibraryError::Disk {
            problem, message, ..
        } => {
            assert_eq!(problem, want, "{message}");
            assert!(message.contains(&root.display().to_string()), "{message}");
        }
        other => panic!("wanted a {want:?} disk error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_library_under_a_regular_file_is_a_clear_error_and_the_url_is_kept() {
    let (rig, entry) = succeeded_task().await;
    let blocker = rig._dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"a file where the library folder should be").unwrap();
    let root = blocker.join("library");
    let library = Library::with_utc_offset(&root, time::UtcOffset::UTC);
    let error = library
        .download_result(&client(&rig.fake), &entry, &no_progress())
        .await
        .unwrap_err();
    assert!(!error.is_retryable());
    assert_disk_error(error, DiskProblem::NotAFolder, &root);
    let after = rig.ledger.get(entry.id).unwrap();
    assert_eq!(after.state, LocalState::Succeeded);
    assert!(after.output.is_some(), "the remote URL was dropped");
    assert!(after.video_path.is_none());
    // Fixed by choosing a usable folder: the same task downloads completely.
    let (video, _) = rig
        .library
        .download_result(&client(&rig.fake), &entry, &no_progress())
        .await
        .unwrap();
    assert_eq!(std::fs::read(video).unwrap(), served_video());
    rig.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_location_is_a_clear_error() {
    // Tests run as root, so file modes stop nothing; sysfs refuses even root.
    let root = Path::new("/sys/seedance-fault-matrix-library");
    if std::fs::create_dir_all(root).is_ok() {
        panic!("{root:?} was writable: this machine has no read-only location to test with");
    }
    let (rig, entry) = succeeded_task().await;
    let library = Library::with_utc_offset(root, time::UtcOffset::UTC);
    let error = library
        .download_result(&client(&rig.fake), &entry, &no_progress())
        .await
        .unwrap_err();
    assert_disk_error(error, DiskProblem::ReadOnly, root);
    assert!(rig.ledger.get(entry.id).unwrap().output.is_some());
    rig.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_a_clear_error_and_nothing_gets_the_final_name() {
    let (rig, entry) = succeeded_task().await;
    // No tiny tmpfs here: the partial file is a link to /dev/full, whose every write
    // fails with ENOSPC, exactly as a full disk does.
    let (video, _) = rig.library.paths_for(&entry);
    std::fs::create_dir_all(rig.library.root()).unwrap();
    std::os::unix::fs::symlink("/dev/full", partial_path(&video)).unwrap();
    let error = rig
        .library
        .download_result(&client(&rig.fake), &entry, &no_progress())
        .await
        .unwrap_err();
    assert_disk_error(error, DiskProblem::Full, rig.library.root());
    assert!(
        !video.exists(),
        "a file carries the final name after a failed write"
    );
    assert!(rig.ledger.get(entry.id).unwrap().output.is_some());
    // Space freed (the link removed): the download completes.
    std::fs::remove_file(partial_path(&video)).unwrap();
    let (video, _) = rig
        .library
        .download_result(&client(&rig.fake), &entry, &no_progress())
        .await
        .unwrap();
    assert_eq!(std::fs::read(video).unwrap(), served_video());
    rig.engine.shutdown().await;
}

/// The app's view of an unwritable library: the engine says once, in an event, that it
/// gave up and why (naming the folder); the task stays `Succeeded` with its URL; once the
/// folder is fixed, `download_again` puts the video in the library.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_library_is_reported_and_the_download_can_be_asked_again() {
    let rig = rig(fast_settings()).await;
    let root = rig.library.root().to_path_buf();
    std::fs::write(&root, b"a file where the library folder should be").unwrap();
    let id = rig
        .engine
        .submit(request("unwritable library", false))
        .await
        .unwrap();
    let mut rx = rig.events.version.subscribe();
    let failure = tokio::time::timeout(DEADLINE, async {
        loop {
            let found = rig
                .events
                .events
                .lock()
                .unwrap()
                .iter()
                .find_map(|e| match e {
                    EngineEvent::DownloadFailed {
                        task_id,
                        disk_problem,
                        message,
                    } if *task_id == id => Some((*disk_problem, message.clone())),
                    _ => None,
                });
            if let Some(found) = found {
                return found;
            }
            rx.changed().await.unwrap();
        }
    })
    .await
    .expect("no DownloadFailed event for an unwritable library");
    assert_eq!(failure.0, Some(DiskProblem::NotAFolder));
    assert!(
        failure.1.contains(&root.display().to_string()),
        "{}",
        failure.1
    );
    let entry = rig.ledger.get(id).unwrap();
    assert_eq!(entry.state, LocalState::Succeeded);
    assert!(entry.output.is_some());

    std::fs::remove_file(&root).unwrap();
    rig.engine.download_again(id).await.unwrap();
    let entry = rig.wait(id, |s| s == LocalState::Downloaded).await.unwrap();
    assert_eq!(entry.state, LocalState::Downloaded);
    assert_eq!(
        std::fs::read(entry.video_path.unwrap()).unwrap(),
        served_video()
    );
    // Asking again for a task already in the library is refused, not a second download.
    assert!(rig.engine.download_again(id).await.is_err());
    rig.engine.shutdown().await;
}
