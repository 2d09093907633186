//! The `thumb:` URI scheme: the gallery's poster thumbnails, by task id.
//!
//! `thumb://localhost/<task id>` (`http://thumb.localhost/<task id>` on Windows) answers
//! with the thumbnail of that task's last frame (`seedance_core::thumbnail`), made on its
//! first request and kept in `<data dir>/thumbnails`. The path is a task id, never a file
//! path: only the posters the ledger recorded are reachable, so the scheme opens nothing
//! beyond what the asset protocol's library scope already allows. Decoding runs on the
//! blocking pool, a few at once, never on the thread that draws the window.

use crate::state::AppState;
use seedance_core::ledger::TaskId;
use seedance_core::thumbnail::{ThumbnailCache, ThumbnailFile};
use std::path::Path;
use std::sync::OnceLock;
use tauri::http::{header, Request, Response, StatusCode};
use tauri::{AppHandle, Manager, Runtime, UriSchemeContext, UriSchemeResponder};
use tokio::sync::Semaphore;

pub const SCHEME: &str = "thumb";

/// Decodes of full-size last frames at once: one per core up to four (a 1080p frame takes
/// ≈ 25 ms), which bounds the decoded pixels held at once and leaves the window its share
/// of a small machine.
fn decodes() -> &'static Semaphore {
    static DECODES: OnceLock<Semaphore> = OnceLock::new();
    DECODES.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Semaphore::new(cores.clamp(1, 4))
    })
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
    Make(std::path::PathBuf),
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
                .map_err(|e| e.to_string())?
                .poster_path
                .ok_or_else(|| format!("task {id} has no last frame"))?;
            match cache.cached(&poster).map_err(|e| e.to_string())? {
                Some(hit) => Ok(Lookup::Ready(hit)),
                None => Ok(Lookup::Make(poster)),
            }
        })
        .await
    };
    let file = match lookup {
        Ok(Ok(Lookup::Ready(file))) => Ok(file),
        Ok(Ok(Lookup::Make(poster))) => {
            let _permit = decodes().acquire().await;
            tauri::async_runtime::spawn_blocking(move || {
                cache.get_or_make(&poster).map_err(|e| e.to_string())
            })
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
        }
        Ok(Err(reason)) => Err(reason),
        Err(join) => Err(join.to_string()),
    };
    let file = match file {
        Ok(file) => file,
        Err(reason) => {
            // Per card, so not a warning: a library with many missing frames would flood
            // the log. The card shows that it has no picture.
            log::debug!("thumbnail of task {id}: {reason}");
            return plain(StatusCode::NOT_FOUND, &reason);
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
        Ok(Err(e)) => plain(StatusCode::NOT_FOUND, &e.to_string()),
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
    use super::task_id_from_path;

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
