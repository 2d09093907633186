//! Moving files: streaming a reference file to its signed upload URL and a result to disk,
//! resumable with `Range`, verified against what the server announced, with progress and
//! stall detection. The key never travels with these requests (signed URLs and result
//! hosts need none), and only https or loopback URLs are accepted.

use std::io;
use std::path::Path;

use futures_util::StreamExt;
use reqwest::header::{HeaderValue, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use tokio::time::{timeout_at, Instant};

use super::client::{ApiClient, Progress, MAX_ERROR_BODY};
use super::config::check_transfer_url;
use super::error::{ApiError, TransportKind, TransportStage};
use super::transport::{header_str, read_body, transport, transport_error};
use super::types::{Endpoint, UploadTarget};
use crate::redact::redact_url;

/// Chunk size for streaming a file from disk into an upload: larger chunks came closer to
/// curl's rate in the upload benchmark (docs/benchmarks.md, row (e)).
const UPLOAD_CHUNK: usize = 1024 * 1024;

/// Chunks read ahead of the socket. Bounds an upload's memory to about
/// `(UPLOAD_READ_AHEAD + 1) × UPLOAD_CHUNK` whatever the file size.
const UPLOAD_READ_AHEAD: usize = 2;

/// Write buffer for downloads.
const DOWNLOAD_BUFFER: usize = 256 * 1024;

/// A finished download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadOutcome {
    /// Size of the complete file now at `dest_partial`, verified against what the server
    /// announced.
    pub bytes: u64,
    /// Bytes that were already on disk and kept (0 when the download started over).
    pub resumed_from: u64,
    pub content_type: Option<String>,
}

impl ApiClient {
    /// Whether a result file at `url` can still be fetched (a HEAD answered 2xx), without
    /// the key. `false` for an expired or removed file and for a URL this client refuses;
    /// a network failure also reads as `false`, so the caller falls back to its local copy.
    pub async fn is_reachable(&self, url: &str) -> bool {
        let Ok(url) = check_transfer_url(url) else {
            return false;
        };
        let deadline = Instant::now() + self.config.request_timeout;
        match timeout_at(deadline, self.http.head(url).send()).await {
            Ok(Ok(response)) => response.status().is_success(),
            _ => false,
        }
    }

    /// PUTs the file at `path` to the signed `target.upload_url`, streamed from disk in
    /// fixed chunks (memory does not grow with the file) with an exact Content-Length and
    /// no `Authorization` header. Fails with a `Timeout` when no byte moves for
    /// `upload_stall_timeout`. A file that cannot be read is reported as a `Connect`-stage
    /// transport error with kind `Other` and a detail starting "local file" (nothing was
    /// sent). `progress` ends with `(total, total)` on success.
    #[tracing::instrument(level = "debug", skip_all, fields(url = %redact_url(&target.upload_url)))]
    pub async fn put_file(
        &self,
        target: &UploadTarget,
        path: &Path,
        content_type: &str,
        progress: Progress<'_>,
    ) -> Result<(), ApiError> {
        let endpoint = Endpoint::UploadPut;
        let url = check_transfer_url(&target.upload_url)
            .map_err(|why| refused_url(endpoint, &target.upload_url, why))?;
        let content_type = HeaderValue::from_str(content_type).map_err(|_| {
            transport(
                endpoint,
                TransportStage::Connect,
                TransportKind::Other,
                "the content type is not a valid header value".to_owned(),
            )
        })?;
        let local = |what: &str, e: io::Error| {
            transport(
                endpoint,
                TransportStage::Connect,
                TransportKind::Other,
                format!("local file: {what}: {e}"),
            )
        };
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| local("cannot open", e))?;
        let total = file
            .metadata()
            .await
            .map_err(|e| local("cannot read its size", e))?
            .len();

        let (sent_tx, mut sent_rx) = tokio::sync::watch::channel(0u64);
        let mut counted = 0u64;
        let chunks = read_ahead(file.into_std().await, total).map(move |chunk| {
            if let Ok(bytes) = &chunk {
                counted += bytes.len() as u64;
                sent_tx.send_replace(counted);
            }
            chunk
        });
        let request = self
            .http
            .put(url.clone())
            .header(CONTENT_TYPE, content_type)
            .header(CONTENT_LENGTH, total)
            .body(reqwest::Body::wrap_stream(chunks));

        let send = request.send();
        tokio::pin!(send);
        let watchdog = tokio::time::sleep(self.config.upload_stall_timeout);
        tokio::pin!(watchdog);
        let mut reported = 0u64;
        let mut counting = true;
        let sent = loop {
            tokio::select! {
                result = &mut send => break result,
                changed = sent_rx.changed(), if counting => match changed {
                    Ok(()) => {
                        let now = *sent_rx.borrow_and_update();
                        if now > reported {
                            reported = now;
                            progress(now, total);
                        }
                        // Once the whole file is handed over, what remains is the answer.
                        let wait = if now >= total {
                            self.config.request_timeout
                        } else {
                            self.config.upload_stall_timeout
                        };
                        watchdog.as_mut().reset(Instant::now() + wait);
                    }
                    Err(_) => counting = false,
                },
                () = &mut watchdog => {
                    return Err(transport(
                        endpoint,
                        TransportStage::Request,
                        TransportKind::Timeout,
                        format!(
                            "upload to {} stalled at {reported} of {total} bytes",
                            redact_url(url.as_str())
                        ),
                    ));
                }
            }
        };
        let response =
            sent.map_err(|e| transport_error(endpoint, &e, TransportStage::Request, None))?;
        let deadline = Instant::now() + self.config.request_timeout;
        let response = self
            .check_status(endpoint, response, deadline, None)
            .await?;
        // The answer body of a PUT carries nothing we need; reading it lets the connection
        // be reused, and a failure to read it does not undo the upload.
        let _ = read_body(response, MAX_ERROR_BODY, deadline).await;
        if reported < total || total == 0 {
            progress(total, total);
        }
        Ok(())
    }

    /// Streams `url` (a result video or frame; https or loopback http only, never with the
    /// key) into `dest_partial`. When the file already holds bytes it asks for the rest
    /// with `Range: bytes=N-` and appends on 206, starts over on 200. The size is checked
    /// against Content-Length / Content-Range and the file fsynced; renaming it into place
    /// is the caller's job. A broken transfer leaves what arrived on disk for the next call
    /// to resume. Local write failures are transport errors (stage `ResponseBody`, kind
    /// `Other`, detail starting "local file").
    #[tracing::instrument(level = "debug", skip_all, fields(url = %redact_url(url)))]
    pub async fn download_to(
        &self,
        url: &str,
        dest_partial: &Path,
        progress: Progress<'_>,
    ) -> Result<DownloadOutcome, ApiError> {
        let endpoint = Endpoint::Download;
        let url = check_transfer_url(url).map_err(|why| refused_url(endpoint, url, why))?;
        let local = |stage: TransportStage, what: &str, e: io::Error| {
            transport(
                endpoint,
                stage,
                TransportKind::Other,
                format!("local file: {what}: {e}"),
            )
        };
        let existing = match tokio::fs::metadata(dest_partial).await {
            Ok(meta) => meta.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => {
                return Err(local(
                    TransportStage::Connect,
                    "cannot inspect the partial file",
                    e,
                ))
            }
        };
        let mut request = self.http.get(url.clone());
        if existing > 0 {
            request = request.header(RANGE, format!("bytes={existing}-"));
        }
        let deadline = Instant::now() + self.config.request_timeout;
        let response = match timeout_at(deadline, request.send()).await {
            Err(_) => return Err(self.no_answer(endpoint, &url)),
            Ok(Err(e)) => return Err(transport_error(endpoint, &e, TransportStage::Request, None)),
            Ok(Ok(r)) => r,
        };
        let status = response.status().as_u16();
        if status == 416 && existing > 0 {
            let announced = header_str(&response, CONTENT_RANGE)
                .and_then(|v| content_range(&v))
                .and_then(|r| r.total);
            if announced == Some(existing) {
                let file = tokio::fs::OpenOptions::new()
                    .write(true)
                    .open(dest_partial)
                    .await
                    .map_err(|e| {
                        local(
                            TransportStage::ResponseBody,
                            "cannot open the partial file",
                            e,
                        )
                    })?;
                file.sync_all()
                    .await
                    .map_err(|e| local(TransportStage::ResponseBody, "cannot sync", e))?;
                return Ok(DownloadOutcome {
                    bytes: existing,
                    resumed_from: existing,
                    content_type: header_str(&response, CONTENT_TYPE),
                });
            }
            // The partial file does not match the remote file: start over next time.
            let _ = tokio::fs::remove_file(dest_partial).await;
        }
        let response = self
            .check_status(endpoint, response, deadline, None)
            .await?;
        let content_type = header_str(&response, CONTENT_TYPE);
        let length = response.content_length();

        let (start, expected) = if status == 206 {
            let range = header_str(&response, CONTENT_RANGE).and_then(|v| content_range(&v));
            match range {
                Some(r) if r.start == existing => {
                    (existing, r.total.or(length.map(|l| existing + l)))
                }
                _ => {
                    let _ = tokio::fs::remove_file(dest_partial).await;
                    return Err(ApiError::Malformed {
                        endpoint,
                        status,
                        reason: format!(
                            "asked for bytes from {existing}, got Content-Range {:?}; \
                             the partial file was discarded",
                            header_str(&response, CONTENT_RANGE)
                        ),
                        raw: String::new(),
                    });
                }
            }
        } else {
            (0, length)
        };

        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(start == 0)
            .open(dest_partial)
            .await
            .map_err(|e| {
                local(
                    TransportStage::ResponseBody,
                    "cannot open the partial file",
                    e,
                )
            })?;
        if start > 0 {
            file.set_len(start).await.map_err(|e| {
                local(
                    TransportStage::ResponseBody,
                    "cannot trim the partial file",
                    e,
                )
            })?;
            file.seek(io::SeekFrom::Start(start))
                .await
                .map_err(|e| local(TransportStage::ResponseBody, "cannot seek", e))?;
        }
        let mut writer = tokio::io::BufWriter::with_capacity(DOWNLOAD_BUFFER, file);
        let total_for_progress = expected.unwrap_or(0);
        let mut written = start;
        let mut body = response.bytes_stream();
        let broke = loop {
            match tokio::time::timeout(self.config.download_read_timeout, body.next()).await {
                Err(_) => {
                    break Some(transport(
                        endpoint,
                        TransportStage::ResponseBody,
                        TransportKind::Timeout,
                        format!(
                            "no data from {} for {:?}",
                            redact_url(url.as_str()),
                            self.config.download_read_timeout
                        ),
                    ))
                }
                Ok(None) => break None,
                Ok(Some(Err(e))) => {
                    break Some(transport_error(
                        endpoint,
                        &e,
                        TransportStage::ResponseBody,
                        None,
                    ))
                }
                Ok(Some(Ok(chunk))) => {
                    if let Err(e) = writer.write_all(&chunk).await {
                        return Err(local(TransportStage::ResponseBody, "cannot write", e));
                    }
                    written += chunk.len() as u64;
                    progress(written, total_for_progress);
                }
            }
        };
        // Whatever arrived is kept on disk so the next attempt can resume from it.
        writer
            .flush()
            .await
            .map_err(|e| local(TransportStage::ResponseBody, "cannot write", e))?;
        let file = writer.into_inner();
        if let Some(error) = broke {
            let _ = file.sync_all().await;
            return Err(error);
        }
        match expected {
            Some(expected) if written < expected => {
                let _ = file.sync_all().await;
                return Err(transport(
                    endpoint,
                    TransportStage::ResponseBody,
                    TransportKind::Reset,
                    format!("the body ended at {written} of {expected} bytes"),
                ));
            }
            Some(expected) if written > expected => {
                drop(file);
                let _ = tokio::fs::remove_file(dest_partial).await;
                return Err(ApiError::Malformed {
                    endpoint,
                    status,
                    reason: format!(
                        "received {written} bytes where {expected} were announced; \
                         the partial file was discarded"
                    ),
                    raw: String::new(),
                });
            }
            _ => {}
        }
        file.sync_all()
            .await
            .map_err(|e| local(TransportStage::ResponseBody, "cannot sync", e))?;
        Ok(DownloadOutcome {
            bytes: written,
            resumed_from: start,
            content_type,
        })
    }
}

/// The first `total` bytes of `file` as a stream of chunks, read by one blocking thread
/// a few chunks ahead of the socket. `tokio::fs` would hand every chunk to the blocking
/// pool and copy it once more, which cost a measurable share of curl's rate
/// (docs/benchmarks.md, row (e)). A file that ends early yields an `UnexpectedEof` error
/// rather than a body shorter than its Content-Length; bytes it gained meanwhile are not
/// sent.
/// Dropping the stream stops the reader at its next chunk.
fn read_ahead(
    mut file: std::fs::File,
    total: u64,
) -> impl futures_util::Stream<Item = io::Result<bytes::Bytes>> + Send + 'static {
    let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<bytes::Bytes>>(UPLOAD_READ_AHEAD);
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut left = total;
        while left > 0 {
            let want = usize::try_from(left).map_or(UPLOAD_CHUNK, |l| l.min(UPLOAD_CHUNK));
            let mut chunk = bytes::BytesMut::zeroed(want);
            let item = match file.read(&mut chunk) {
                Ok(0) => Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the file became shorter during the upload",
                )),
                Ok(n) => {
                    chunk.truncate(n);
                    left -= n as u64;
                    Ok(chunk.freeze())
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
            let failed = item.is_err();
            if tx.blocking_send(item).is_err() || failed {
                break;
            }
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
}

/// An upload or download URL refused (as a `Connect`-stage error: nothing is sent).
fn refused_url(endpoint: Endpoint, raw: &str, why: String) -> ApiError {
    transport(
        endpoint,
        TransportStage::Connect,
        TransportKind::Other,
        format!("refusing {}: {why}", redact_url(raw)),
    )
}

/// A parsed `Content-Range: bytes START-END/TOTAL` (or `bytes */TOTAL` for a 416).
#[derive(Debug, PartialEq, Eq)]
struct ContentRange {
    start: u64,
    total: Option<u64>,
}

fn content_range(value: &str) -> Option<ContentRange> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    let start = match range.trim() {
        "*" => total?,
        r => r.split_once('-')?.0.trim().parse().ok()?,
    };
    Some(ContentRange { start, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges() {
        assert_eq!(
            content_range("bytes 100-199/200"),
            Some(ContentRange {
                start: 100,
                total: Some(200)
            })
        );
        assert_eq!(
            content_range("bytes 5-9/*"),
            Some(ContentRange {
                start: 5,
                total: None
            })
        );
        assert_eq!(
            content_range("bytes */300"),
            Some(ContentRange {
                start: 300,
                total: Some(300)
            })
        );
        assert_eq!(content_range("bytes x-9/10"), None);
        assert_eq!(content_range("items 0-1/2"), None);
        assert_eq!(content_range(""), None);
    }
}
