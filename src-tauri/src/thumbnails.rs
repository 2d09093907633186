//! The `thumb:` URI scheme: the gallery's poster thumbnails, by task id.
//!
//! `thumb://localhost/<task id>` (`http://thumb.localhost/<task id>` on Windows) answers
//! with the thumbnail of that task's last frame (`seedance_core::thumbnail`), made on its
//! first request and kept in `<data dir>/thumbnails`. The path is a task id, never a file
//! path: only the posters the ledger recorded are reachable, so the scheme opens nothing
//! beyond what the asset protocol's library scope already allows. Decoding runs on a few
//! threads of its own, never on the thread that draws the window.

use crate::state::AppState;
use seedance_core::ledger::{LedgerError, TaskId};
use seedance_core::thumbnail::{ThumbnailCache, ThumbnailError, ThumbnailFile};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tauri::http::{header, Request, Response, StatusCode};
use tauri::{AppHandle, Manager, Runtime, UriSchemeContext, UriSchemeResponder};
use tokio::sync::oneshot;

pub const SCHEME: &str = "thumb";

type DecodeJob = Box<dyn FnOnce() + Send>;

/// Thumbnails waiting to be made, newest first, held back while a fling asks for them.
///
/// A fling through a library whose thumbnails are not made yet asks for one per card that
/// passes, faster than they can be made; in arrival order, the screen the creator stopped
/// on waited behind every card that flew by. The newest request is the card on screen now.
/// Older requests are still made (their cards come back when the creator scrolls back),
/// after it. And while requests keep streaming in, the cards they are for are passing:
/// making them then only takes a core from the fling's frames (see [`hold_for`]).
struct NewestFirst {
    queue: Mutex<Requests>,
    waiting: Condvar,
}

struct Requests {
    jobs: Vec<DecodeJob>,
    /// When the requests began arriving without a pause of [`QUIET`], and the last one.
    stream: Option<(Instant, Instant)>,
}

/// A pause this long in the requests ends a stream of them (a fling asks about every
/// two frames; a screen's cards ask at once).
const QUIET: Duration = Duration::from_millis(100);
/// The longest a decode thread holds back for a stream to pause: a creator scrolling on
/// and on still sees posters come.
const MOST_HELD: Duration = Duration::from_millis(400);

/// How much longer a decode thread that began holding back at `held_since` waits before
/// making the next thumbnail, given the stream of requests `stream` (first, last), at
/// `now`. A burst (a screen's cards asking at once) is not held; a stream still arriving is
/// held until it pauses for [`QUIET`], and never for more than [`MOST_HELD`].
fn hold_for(
    stream: Option<(Instant, Instant)>,
    held_since: Instant,
    now: Instant,
) -> Option<Duration> {
    let (first, last) = stream?;
    if last.duration_since(first) < QUIET {
        return None;
    }
    let until = (last + QUIET).min(held_since + MOST_HELD);
    (until > now).then(|| until - now)
}

impl NewestFirst {
    fn new() -> Self {
        Self {
            queue: Mutex::new(Requests {
                jobs: Vec::new(),
                stream: None,
            }),
            waiting: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Requests> {
        // A thread that panicked while holding the lock leaves a queue that is still whole.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, job: DecodeJob) {
        let now = Instant::now();
        let mut queue = self.lock();
        queue.jobs.push(job);
        queue.stream = match queue.stream {
            Some((first, last)) if now.duration_since(last) < QUIET => Some((first, now)),
            _ => Some((now, now)),
        };
        drop(queue);
        self.waiting.notify_one();
    }

    /// The newest job, waiting for one if there is none and while a stream of requests
    /// is still arriving ([`hold_for`]).
    fn take(&self) -> DecodeJob {
        let mut queue = self.lock();
        let mut held_since = None;
        loop {
            if queue.jobs.is_empty() {
                held_since = None;
                queue = self.waiting.wait(queue).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            let now = Instant::now();
            let since = *held_since.get_or_insert(now);
            match hold_for(queue.stream, since, now) {
                Some(wait) => {
                    queue = self
                        .waiting
                        .wait_timeout(queue, wait)
                        .map(|(queue, _)| queue)
                        .unwrap_or_else(|p| p.into_inner().0);
                }
                None => {
                    if let Some(job) = queue.jobs.pop() {
                        return job;
                    }
                }
            }
        }
    }
}

/// One decode thread per core but one, up to four (and at least one). The core left is
/// the window's: on two cores, two threads making thumbnails took both from a fling
/// through a library whose thumbnails are not made yet (docs/benchmarks.md, eleventh pass).
fn decode_threads(cores: usize) -> usize {
    cores.saturating_sub(1).clamp(1, 4)
}

/// `None` when no thread could start: a request is then answered at once, never queued
/// for no one.
fn decoder() -> Option<&'static NewestFirst> {
    static DECODER: OnceLock<Option<Arc<NewestFirst>>> = OnceLock::new();
    let queue = DECODER.get_or_init(|| {
        let queue = Arc::new(NewestFirst::new());
        let threads = decode_threads(std::thread::available_parallelism().map_or(2, |n| n.get()));
        let mut started = 0;
        for n in 0..threads {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("thumbnail-decode-{n}"))
                .spawn(move || loop {
                    // The lock is held only to take the next job, never while it runs.
                    let job = queue.take();
                    // A decoder bug on one crafted frame must not take the thread with it;
                    // the caller then gets no answer and shows the card without a picture.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                });
            match spawned {
                Ok(_) => started += 1,
                Err(error) => log::warn!("a thumbnail thread could not start: {error}"),
            }
        }
        (started > 0).then_some(queue)
    });
    queue.as_deref()
}

/// Why there is no thumbnail to send, as an HTTP status and a line for the log.
type Miss = (StatusCode, String);

/// A task or frame that is not there is `404`; a history or folder that cannot be read
/// is `500`, so a failing disk never passes for a missing picture.
fn ledger_miss(error: &LedgerError) -> Miss {
    let status = match error {
        LedgerError::NoSuchTask(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, error.to_string())
}

fn thumbnail_miss(error: &ThumbnailError) -> Miss {
    let status = match error {
        ThumbnailError::Read { source, .. } => io_status(source),
        ThumbnailError::TooLarge { .. } | ThumbnailError::Decode { .. } => {
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        }
        ThumbnailError::Write { .. } => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, error.to_string())
}

fn io_status(error: &std::io::Error) -> StatusCode {
    match error.kind() {
        std::io::ErrorKind::NotFound => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Makes the thumbnail of `poster` on the decode threads.
async fn make_thumbnail(cache: ThumbnailCache, poster: PathBuf) -> Result<ThumbnailFile, Miss> {
    let (answer, answered) = oneshot::channel();
    let job: DecodeJob = Box::new(move || {
        let _ = answer.send(cache.get_or_make(&poster).map_err(|e| thumbnail_miss(&e)));
    });
    let stopped = || {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the thumbnail threads have stopped".to_owned(),
        )
    };
    decoder().ok_or_else(stopped)?.push(job);
    answered.await.unwrap_or_else(|_| Err(stopped()))
}

/// The thumbnail folder of a data folder.
pub fn cache_for(data_dir: &Path) -> ThumbnailCache {
    ThumbnailCache::new(data_dir.join("thumbnails"))
}

/// `/123` → 123. Anything else (a file path, `..`, a sign, an empty id) is refused.
pub fn task_id_from_path(path: &str) -> Option<TaskId> {
    let digits = path.strip_prefix('/')?;
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The scheme's handler: answers on the async runtime, never on the caller's thread.
pub fn handle<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let app = ctx.app_handle().clone();
    let id = task_id_from_path(request.uri().path());
    tauri::async_runtime::spawn(async move {
        let response = match id {
            Some(id) => thumbnail_response(&app, id).await,
            None => plain(
                StatusCode::BAD_REQUEST,
                "a thumbnail is asked for by task id",
            ),
        };
        responder.respond(response);
    });
}

enum Lookup {
    Ready(ThumbnailFile),
    Make(PathBuf),
}

async fn thumbnail_response<R: Runtime>(app: &AppHandle<R>, id: TaskId) -> Response<Vec<u8>> {
    let Some(state) = app.try_state::<AppState>() else {
        return plain(StatusCode::SERVICE_UNAVAILABLE, "the app is still starting");
    };
    let ledger = state.ledger.clone();
    let cache = cache_for(&state.data_dir);
    // A cached thumbnail is served without waiting behind decodes.
    let lookup = {
        let cache = cache.clone();
        tauri::async_runtime::spawn_blocking(move || {
            let poster = ledger
                .get(id)
                .map_err(|e| ledger_miss(&e))?
                .poster_path
                .ok_or_else(|| {
                    (
                        StatusCode::NOT_FOUND,
                        format!("task {id} has no last frame"),
                    )
                })?;
            match cache.cached(&poster).map_err(|e| thumbnail_miss(&e))? {
                Some(hit) => Ok(Lookup::Ready(hit)),
                None => Ok(Lookup::Make(poster)),
            }
        })
        .await
    };
    let file = match lookup {
        Ok(Ok(Lookup::Ready(file))) => Ok(file),
        Ok(Ok(Lookup::Make(poster))) => make_thumbnail(cache, poster).await,
        Ok(Err(miss)) => Err(miss),
        Err(join) => Err((StatusCode::INTERNAL_SERVER_ERROR, join.to_string())),
    };
    let file = match file {
        Ok(file) => file,
        Err((status, reason)) => {
            // Per card, so not a warning: a library with many missing frames would flood
            // the log. The card shows that it has no picture.
            log::debug!("thumbnail of task {id}: {reason}");
            return plain(status, &reason);
        }
    };
    let read = tauri::async_runtime::spawn_blocking(move || {
        std::fs::read(&file.path).map(|b| (b, file.mime))
    })
    .await;
    match read {
        Ok(Ok((bytes, mime))) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, mime)
            // Cards are rebuilt as the gallery scrolls; a minute of cache spares the
            // re-reads while keeping a re-downloaded frame from showing stale for long.
            .header(header::CACHE_CONTROL, "max-age=60")
            .body(bytes)
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "response")),
        Ok(Err(e)) => plain(io_status(&e), &e.to_string()),
        Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

fn plain(status: StatusCode, message: &str) -> Response<Vec<u8>> {
    let mut response = Response::new(message.as_bytes().to_vec());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_history_or_disk_is_not_a_missing_picture() {
        assert_eq!(
            ledger_miss(&LedgerError::NoSuchTask(7)).0,
            StatusCode::NOT_FOUND
        );
        let sqlite = LedgerError::Invalid("the database is malformed".into());
        assert_eq!(ledger_miss(&sqlite).0, StatusCode::INTERNAL_SERVER_ERROR);
        let read = |kind| ThumbnailError::Read {
            path: PathBuf::from("frame.png"),
            source: std::io::Error::from(kind),
        };
        let gone = thumbnail_miss(&read(std::io::ErrorKind::NotFound)).0;
        assert_eq!(gone, StatusCode::NOT_FOUND);
        let denied = thumbnail_miss(&read(std::io::ErrorKind::PermissionDenied)).0;
        assert_eq!(denied, StatusCode::INTERNAL_SERVER_ERROR);
        let full = ThumbnailError::Write {
            path: PathBuf::from("thumbnails"),
            source: std::io::Error::from(std::io::ErrorKind::StorageFull),
        };
        assert_eq!(thumbnail_miss(&full).0, StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn a_core_is_left_to_the_window() {
        assert_eq!([1, 2, 3, 4, 8, 64].map(decode_threads), [1, 1, 2, 3, 4, 4]);
    }

    #[test]
    fn a_stream_of_requests_holds_the_decoding_back_until_it_pauses() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        // Nothing asked yet, or a screen's cards asking at once: made at once.
        assert_eq!(hold_for(None, t0, t0), None);
        assert_eq!(hold_for(Some((t0, ms(5))), ms(5), ms(6)), None);
        // A fling asking for 300 ms, the last 20 ms ago: held until 100 ms after it.
        assert_eq!(
            hold_for(Some((t0, ms(300))), ms(250), ms(320)),
            Some(Duration::from_millis(80))
        );
        // It paused for 100 ms: made.
        assert_eq!(hold_for(Some((t0, ms(300))), ms(250), ms(400)), None);
        // A stream that never pauses holds a thread back 400 ms at most.
        assert_eq!(
            hold_for(Some((t0, ms(1000))), ms(700), ms(1000)),
            Some(Duration::from_millis(100))
        );
        assert_eq!(hold_for(Some((t0, ms(1100))), ms(700), ms(1100)), None);
    }

    #[test]
    fn the_newest_request_is_made_first() {
        let queue = NewestFirst::new();
        let (made, order) = std::sync::mpsc::channel();
        for card in 1..=3 {
            let made = made.clone();
            queue.push(Box::new(move || made.send(card).expect("the test listens")));
        }
        for _ in 0..3 {
            queue.take()();
        }
        assert_eq!(order.try_iter().collect::<Vec<_>>(), [3, 2, 1]);
    }

    #[test]
    fn a_decode_thread_waits_for_the_next_request() {
        let queue = Arc::new(NewestFirst::new());
        let (made, answer) = std::sync::mpsc::channel();
        let worker = {
            let queue = queue.clone();
            std::thread::spawn(move || queue.take()())
        };
        queue.push(Box::new(move || {
            made.send("made").expect("the test listens")
        }));
        worker.join().expect("the decode thread ran the job");
        assert_eq!(answer.recv().expect("the job ran"), "made");
    }

    #[test]
    fn only_a_plain_task_id_is_a_thumbnail_path() {
        assert_eq!(task_id_from_path("/42"), Some(42));
        assert_eq!(task_id_from_path("/0"), Some(0));
        for bad in [
            "",
            "/",
            "42",
            "/-1",
            "/+1",
            "/4 2",
            "/42/",
            "/..%2Fetc%2Fpasswd",
            "/../1",
            "/%2Fetc%2Fpasswd",
            "/1e3",
            "/99999999999999999999",
            "/42?x=1",
        ] {
            assert_eq!(task_id_from_path(bad), None, "{bad:?}");
        }
    }
}
