//! The HTTP client of the Seedance API: `createTask`, `recordInfo`, the two upload steps,
//! result downloads and the key check, over one pooled rustls `reqwest` client.
//!
//! Each method makes exactly ONE attempt and turns whatever happened into an [`ApiError`]
//! that says how far the request got; deciding whether to try again is `retry`'s job and
//! running the loop is the caller's. The API key goes only into the `Authorization`
//! header of API calls (marked sensitive); signed upload URLs and result CDNs never see
//! it, and every URL that reaches a log or an error goes through [`redact_url`].

use std::error::Error as _;
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::StreamExt;
use reqwest::header::{
    HeaderValue, AUTHORIZATION, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE, RETRY_AFTER,
};
use reqwest::{redirect, Response};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use tokio::time::{timeout_at, Instant};
use url::{Host, Url};

use super::error::{ApiError, TransportError, TransportKind, TransportStage, RAW_BODY_KEEP};
use super::parse;
use super::types::{Endpoint, TaskRecord, UploadTarget};
use super::{BASE_URL_ENV, DEFAULT_BASE_URL};
use crate::redact::{redact_text, redact_url};
use crate::secret::ApiKey;

/// A 2xx API answer larger than this is refused as malformed: the biggest documented body
/// is a few hundred bytes, and a hostile or broken peer must not exhaust memory.
pub const MAX_API_BODY: usize = 16 * 1024 * 1024;

/// Error answers are read only this far: enough for any JSON error body, and the raw text
/// kept is capped at [`RAW_BODY_KEEP`] anyway.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Redirects followed for uploads and downloads (API calls follow none).
const MAX_TRANSFER_REDIRECTS: usize = 5;

/// Chunk size for streaming a file from disk into an upload. 1 MiB reached 0.95–1.0× of
/// curl's rate to the fake where 256 KiB reached about 0.92× (docs/benchmarks.md).
const UPLOAD_CHUNK: usize = 1024 * 1024;

/// Chunks read ahead of the socket. Bounds an upload's memory to about
/// `(UPLOAD_READ_AHEAD + 1) × UPLOAD_CHUNK` whatever the file size.
const UPLOAD_READ_AHEAD: usize = 2;

/// Write buffer for downloads.
const DOWNLOAD_BUFFER: usize = 256 * 1024;

/// A task id that is well formed but never issued: a key check reads it and learns from
/// the status alone (404 means the key was accepted).
pub const PROBE_TASK_ID: &str = "task_studiokeyprobe0000000000";

/// A transfer progress callback: `(bytes done, total bytes)`, total 0 when unknown. Calls
/// are monotone within one attempt and come from the calling task.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// Where the API lives and how long to wait for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Always https, or http to this computer (the fake service); no credentials, query or
    /// fragment; no trailing slash.
    pub base_url: Url,
    /// Time to open a connection (DNS, TCP, TLS). Never longer than `request_timeout`.
    pub connect_timeout: Duration,
    /// Overall deadline of one API call, body included, so a trickled answer cannot hang
    /// a poll. Also the wait for the headers of an upload answer or a download.
    pub request_timeout: Duration,
    /// A download fails when no byte arrives for this long (there is no overall deadline:
    /// videos are large and links slow).
    pub download_read_timeout: Duration,
    /// An upload fails when no byte leaves for this long.
    pub upload_stall_timeout: Duration,
    pub user_agent: String,
}

/// Why a base URL or the client cannot be set up. Messages are for the creator; a URL is
/// shown only through [`redact_url`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("The API address \"{shown}\" is not a usable URL: {reason}.")]
    InvalidBaseUrl { shown: String, reason: String },
    #[error("The API address \"{shown}\" must start with https:// (plain http:// is allowed only for this computer: 127.0.0.1, localhost or [::1]).")]
    InsecureBaseUrl { shown: String },
    #[error("The HTTP client could not be set up: {0}")]
    Build(String),
}

impl ClientConfig {
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
    pub const DEFAULT_DOWNLOAD_READ_TIMEOUT: Duration = Duration::from_secs(30);
    pub const DEFAULT_UPLOAD_STALL_TIMEOUT: Duration = Duration::from_secs(60);

    /// Default timeouts and User-Agent for this base URL (checked as [`check_base_url`]).
    pub fn new(base_url: &str) -> Result<ClientConfig, ConfigError> {
        Ok(ClientConfig {
            base_url: check_base_url(base_url)?,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            request_timeout: Self::DEFAULT_REQUEST_TIMEOUT,
            download_read_timeout: Self::DEFAULT_DOWNLOAD_READ_TIMEOUT,
            upload_stall_timeout: Self::DEFAULT_UPLOAD_STALL_TIMEOUT,
            user_agent: format!("SeedanceStudio/{}", env!("CARGO_PKG_VERSION")),
        })
    }

    /// The base URL from `SEEDANCE_API_BASE` if set, else the stored setting `stored`,
    /// else [`DEFAULT_BASE_URL`]. See [`ClientConfig::resolve`].
    pub fn from_env_or(stored: Option<&str>) -> Result<ClientConfig, ConfigError> {
        let env = std::env::var(BASE_URL_ENV).ok();
        Self::resolve(env.as_deref(), stored)
    }

    /// The environment wins over the stored setting so tests and the demo can point any
    /// build at the fake; blank values count as unset.
    pub fn resolve(env: Option<&str>, stored: Option<&str>) -> Result<ClientConfig, ConfigError> {
        let chosen = [env, stored]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|v| !v.is_empty())
            .unwrap_or(DEFAULT_BASE_URL);
        Self::new(chosen)
    }
}

/// Parses and checks an API base URL: https anywhere, http only to a loopback host; no
/// user-info, query or fragment. Trailing slashes are removed.
pub fn check_base_url(raw: &str) -> Result<Url, ConfigError> {
    let raw = raw.trim();
    let shown = redact_url(raw);
    let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
        shown: shown.clone(),
        reason: reason.to_owned(),
    };
    let mut url = Url::parse(raw).map_err(|e| invalid(&e.to_string()))?;
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(invalid("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it must not contain a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not contain ?query or #fragment"));
    }
    if !transfer_url_allowed(&url) {
        return Err(ConfigError::InsecureBaseUrl { shown });
    }
    let trimmed = url.path().trim_end_matches('/').to_owned();
    url.set_path(&trimmed);
    Ok(url)
}

/// The first `total` bytes of `file` as a stream of chunks, read by one blocking thread
/// a few chunks ahead of the socket. `tokio::fs` would hand every chunk to the blocking
/// pool and copy it once more (about 0.85× curl's rate, docs/benchmarks.md). A file that ends early yields an `UnexpectedEof` error rather
/// than a body shorter than its Content-Length; bytes it gained meanwhile are not sent.
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

/// https anywhere, or http to this computer.
fn transfer_url_allowed(url: &Url) -> bool {
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => match url.host() {
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        },
        _ => false,
    }
}

/// What `seedance key test` (and the settings screen) learns about a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum KeyCheck {
    /// The service accepted the key.
    Valid,
    /// 401: wrong, expired or revoked key.
    Invalid,
    /// 403: the account exists but has no API access.
    NoApiAccess,
    /// The service could not be reached; says nothing about the key.
    Unreachable { detail: String },
    /// An answer the check cannot interpret.
    Unexpected { status: Option<u16>, detail: String },
}

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

/// The Seedance HTTP client. Cheap to clone; clones share one connection pool.
#[derive(Debug, Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
}

/// How reading a body ended.
enum BodyRead {
    Complete(Vec<u8>),
    /// Longer than the cap; holds the first cap bytes.
    TooLarge(Vec<u8>),
    /// Broke off (or hit the deadline); holds what arrived.
    Broken(Vec<u8>, TransportError),
}

impl ApiClient {
    /// One pooled rustls client with the configured User-Agent and timeouts. API calls
    /// follow no redirect (a redirected POST must not be replayed, and the key must not
    /// travel to another host); uploads and downloads follow up to five, to https or
    /// loopback only, without any key.
    pub fn new(config: ClientConfig) -> Result<ApiClient, ConfigError> {
        let mut config = config;
        config.connect_timeout = config.connect_timeout.min(config.request_timeout);
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .redirect(redirect_policy(config.base_url.clone()))
            .build()
            .map_err(|e| ConfigError::Build(error_chain(&e)))?;
        Ok(ApiClient {
            http,
            config: Arc::new(config),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// `POST /jobs/createTask`: returns the new task id. One attempt: any error after the
    /// request may have left ([`ApiError::may_have_reached_service`]) can mean a task
    /// exists and was charged.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_task(
        &self,
        key: &ApiKey,
        body: &serde_json::Value,
    ) -> Result<String, ApiError> {
        let endpoint = Endpoint::CreateTask;
        let url = self.api_url(&["jobs", "createTask"]);
        let request = self.http.post(url.clone()).json(body);
        let (status, bytes) = self.call_api(endpoint, &url, request, key).await?;
        parse::parse_create_task(&bytes)
            .map_err(|reason| malformed(endpoint, status, reason, &bytes, key))
    }

    /// `GET /jobs/recordInfo?taskId=…` (the id is URL-encoded).
    #[tracing::instrument(level = "debug", skip_all, fields(task_id = %task_id))]
    pub async fn record_info(&self, key: &ApiKey, task_id: &str) -> Result<TaskRecord, ApiError> {
        let endpoint = Endpoint::RecordInfo;
        let mut url = self.api_url(&["jobs", "recordInfo"]);
        url.query_pairs_mut().append_pair("taskId", task_id);
        let request = self.http.get(url.clone());
        let (status, bytes) = self.call_api(endpoint, &url, request, key).await?;
        parse::parse_task_record(&bytes)
            .map_err(|reason| malformed(endpoint, status, reason, &bytes, key))
    }

    /// `POST /uploads {"fileName"}`: where to PUT a reference file.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn request_upload(
        &self,
        key: &ApiKey,
        file_name: &str,
    ) -> Result<UploadTarget, ApiError> {
        let endpoint = Endpoint::UploadTarget;
        let url = self.api_url(&["uploads"]);
        let request = self
            .http
            .post(url.clone())
            .json(&serde_json::json!({ "fileName": file_name }));
        let (status, bytes) = self.call_api(endpoint, &url, request, key).await?;
        parse::parse_upload_target(&bytes)
            .map_err(|reason| malformed(endpoint, status, reason, &bytes, key))
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

    /// Reads a never-issued task id with `key`: 404 (or a record) means the key works,
    /// 401 that it does not, 403 that the account lacks API access.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn probe_key(&self, key: &ApiKey) -> KeyCheck {
        match self.record_info(key, PROBE_TASK_ID).await {
            Ok(_) => KeyCheck::Valid,
            Err(ApiError::Http { status: 404, .. }) => KeyCheck::Valid,
            Err(ApiError::Http { status: 401, .. }) => KeyCheck::Invalid,
            Err(ApiError::Http {
                status: 403, body, ..
            }) => {
                // "Access denied" is about a task of another account: the key itself passed.
                if body
                    .and_then(|b| b.message)
                    .is_some_and(|m| m.trim() == "Access denied")
                {
                    KeyCheck::Valid
                } else {
                    KeyCheck::NoApiAccess
                }
            }
            Err(ApiError::Transport { error, .. }) => KeyCheck::Unreachable {
                detail: error.to_string(),
            },
            Err(e @ (ApiError::Http { .. } | ApiError::Malformed { .. })) => KeyCheck::Unexpected {
                status: e.status(),
                detail: e
                    .service_message()
                    .map_or_else(|| e.to_string(), str::to_owned),
            },
        }
    }

    fn api_url(&self, segments: &[&str]) -> Url {
        let mut url = self.config.base_url.clone();
        // `check_base_url` guarantees an http(s) URL with a host, which always has segments.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Sends an authenticated API request and reads its body, all within
    /// `request_timeout`. Returns the 2xx status and body; everything else is an error.
    async fn call_api(
        &self,
        endpoint: Endpoint,
        url: &Url,
        request: reqwest::RequestBuilder,
        key: &ApiKey,
    ) -> Result<(u16, Vec<u8>), ApiError> {
        tracing::debug!(url = %redact_url(url.as_str()), "sending");
        let mut auth = HeaderValue::from_str(&key.bearer_header_value()).map_err(|_| {
            transport(
                endpoint,
                TransportStage::Connect,
                TransportKind::Other,
                "the API key contains characters that cannot be sent".to_owned(),
            )
        })?;
        auth.set_sensitive(true);
        let deadline = Instant::now() + self.config.request_timeout;
        let response = match timeout_at(deadline, request.header(AUTHORIZATION, auth).send()).await
        {
            Err(_) => return Err(self.no_answer(endpoint, url)),
            Ok(Err(e)) => {
                return Err(transport_error(
                    endpoint,
                    &e,
                    TransportStage::Request,
                    Some(key),
                ))
            }
            Ok(Ok(r)) => r,
        };
        let response = self
            .check_status(endpoint, response, deadline, Some(key))
            .await?;
        let status = response.status().as_u16();
        match read_body(response, MAX_API_BODY, deadline).await {
            BodyRead::Complete(bytes) => {
                tracing::debug!(status, bytes = bytes.len(), "answered");
                Ok((status, bytes))
            }
            BodyRead::TooLarge(bytes) => Err(malformed(
                endpoint,
                status,
                format!("the answer is larger than {MAX_API_BODY} bytes"),
                &bytes,
                key,
            )),
            BodyRead::Broken(_, error) => Err(ApiError::Transport { endpoint, error }),
        }
    }

    /// Passes a 2xx response through; turns anything else into [`ApiError::Http`] with the
    /// parsed error body, or the raw text when the body is not the documented JSON.
    async fn check_status(
        &self,
        endpoint: Endpoint,
        response: Response,
        deadline: Instant,
        key: Option<&ApiKey>,
    ) -> Result<Response, ApiError> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = header_str(&response, RETRY_AFTER)
            .and_then(|v| parse::parse_retry_after(&v, SystemTime::now()));
        let bytes = match read_body(response, MAX_ERROR_BODY, deadline).await {
            BodyRead::Complete(b) | BodyRead::TooLarge(b) | BodyRead::Broken(b, _) => b,
        };
        let body = parse::parse_error_body(&bytes);
        let raw = (body.is_none() && !bytes.is_empty()).then(|| keep_raw(&bytes, key));
        let message = body.as_ref().and_then(|b| b.message.as_deref());
        tracing::debug!(status = status.as_u16(), ?message, "error answer");
        Err(ApiError::Http {
            endpoint,
            status: status.as_u16(),
            body,
            raw,
            retry_after,
        })
    }

    fn no_answer(&self, endpoint: Endpoint, url: &Url) -> ApiError {
        transport(
            endpoint,
            TransportStage::Request,
            TransportKind::Timeout,
            format!(
                "no answer from {} within {:?}",
                redact_url(url.as_str()),
                self.config.request_timeout
            ),
        )
    }
}

/// API calls never follow a redirect; transfers follow a few, to allowed URLs only.
fn redirect_policy(api_base: Url) -> redirect::Policy {
    let api_prefix = format!("{}/", api_base.path().trim_end_matches('/'));
    redirect::Policy::custom(move |attempt| {
        let from_api = attempt.previous().first().is_some_and(|first| {
            first.origin() == api_base.origin() && first.path().starts_with(&api_prefix)
        });
        if from_api
            || attempt.previous().len() > MAX_TRANSFER_REDIRECTS
            || !transfer_url_allowed(attempt.url())
        {
            attempt.stop()
        } else {
            attempt.follow()
        }
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

/// Upload and download URLs must be https, or http to this computer.
fn check_transfer_url(raw: &str) -> Result<Url, String> {
    match Url::parse(raw.trim()) {
        Ok(url) if transfer_url_allowed(&url) => Ok(url),
        Ok(_) => Err("only https (or http to this computer) is allowed".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// Reads a body up to `cap` bytes before `deadline`.
async fn read_body(mut response: Response, cap: usize, deadline: Instant) -> BodyRead {
    let mut bytes = Vec::new();
    loop {
        match timeout_at(deadline, response.chunk()).await {
            Err(_) => {
                let error = TransportError {
                    stage: TransportStage::ResponseBody,
                    kind: TransportKind::Timeout,
                    detail: format!(
                        "the body did not finish in time ({} bytes read)",
                        bytes.len()
                    ),
                };
                return BodyRead::Broken(bytes, error);
            }
            Ok(Err(e)) => {
                let error = classify(&e, TransportStage::ResponseBody, None);
                return BodyRead::Broken(bytes, error);
            }
            Ok(Ok(None)) => return BodyRead::Complete(bytes),
            Ok(Ok(Some(chunk))) => {
                let room = cap - bytes.len();
                if chunk.len() > room {
                    bytes.extend_from_slice(&chunk[..room]);
                    return BodyRead::TooLarge(bytes);
                }
                bytes.extend_from_slice(&chunk);
            }
        }
    }
}

fn transport(
    endpoint: Endpoint,
    stage: TransportStage,
    kind: TransportKind,
    detail: String,
) -> ApiError {
    ApiError::Transport {
        endpoint,
        error: TransportError {
            stage,
            kind,
            detail,
        },
    }
}

fn transport_error(
    endpoint: Endpoint,
    e: &reqwest::Error,
    stage: TransportStage,
    key: Option<&ApiKey>,
) -> ApiError {
    ApiError::Transport {
        endpoint,
        error: classify(e, stage, key),
    }
}

/// Maps a reqwest error to how far the request got. `stage` is where it happened as the
/// caller knows it (sending vs reading the body); a connector error always means nothing
/// was sent.
fn classify(e: &reqwest::Error, stage: TransportStage, key: Option<&ApiKey>) -> TransportError {
    let stage = if e.is_connect() {
        TransportStage::Connect
    } else {
        stage
    };
    let chain = error_chain(e);
    let lower = chain.to_ascii_lowercase();
    let io_kind = io_error_kind(e);
    let kind = if e.is_timeout() || io_kind == Some(io::ErrorKind::TimedOut) {
        TransportKind::Timeout
    } else if io_kind == Some(io::ErrorKind::ConnectionRefused) {
        TransportKind::Refused
    } else if stage == TransportStage::Connect
        && (lower.contains("dns") || lower.contains("lookup") || lower.contains("resolve"))
    {
        TransportKind::Dns
    } else if stage == TransportStage::Connect
        // tokio-rustls reports every TLS failure (bad certificate, a peer that does not
        // speak TLS) as `InvalidData` from the handshake.
        && (io_kind == Some(io::ErrorKind::InvalidData)
            || lower.contains("tls")
            || lower.contains("certificate")
            || lower.contains("handshake"))
    {
        TransportKind::Tls
    } else if matches!(
        io_kind,
        Some(
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof
        )
    ) || lower.contains("connection closed")
        || lower.contains("end of file")
        || lower.contains("reset")
        || lower.contains("incomplete")
    {
        TransportKind::Reset
    } else {
        TransportKind::Other
    };
    let detail = match e.url() {
        Some(url) => format!("{}: {chain}", redact_url(url.as_str())),
        None => chain,
    };
    TransportError {
        stage,
        kind,
        detail: scrub(&detail, key),
    }
}

/// The messages of an error and its sources, without the URL reqwest adds to its own.
fn error_chain(e: &reqwest::Error) -> String {
    let mut parts = vec![if e.is_connect() {
        "connect error".to_owned()
    } else if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_body() || e.is_decode() {
        "error reading the body".to_owned()
    } else if e.is_builder() {
        "invalid request".to_owned()
    } else {
        "error sending the request".to_owned()
    }];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The most specific I/O error kind in the chain. `io::Error::source` skips an io::Error
/// wrapped in another (hyper wraps the TLS layer's `InvalidData` in an `Other`), so each
/// one is also opened with `get_ref`.
fn io_error_kind(e: &reqwest::Error) -> Option<io::ErrorKind> {
    let mut found = None;
    let mut source = e.source();
    while let Some(s) = source {
        let mut io = s.downcast_ref::<io::Error>();
        while let Some(err) = io {
            if found.is_none() || err.kind() != io::ErrorKind::Other {
                found = Some(err.kind());
            }
            io = err
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<io::Error>());
        }
        source = s.source();
    }
    found
}

/// Removes the key (if any) from text bound for an error or a log.
fn scrub(text: &str, key: Option<&ApiKey>) -> String {
    match key {
        Some(key) => {
            let header = key.bearer_header_value();
            let secret = header.strip_prefix("Bearer ").unwrap_or(&header);
            redact_text(text, &[secret])
        }
        None => text.to_owned(),
    }
}

/// A body kept for diagnosis: at most [`RAW_BODY_KEEP`] bytes, lossy UTF-8, key removed.
fn keep_raw(bytes: &[u8], key: Option<&ApiKey>) -> String {
    let kept = &bytes[..bytes.len().min(RAW_BODY_KEEP)];
    scrub(&String::from_utf8_lossy(kept), key)
}

fn malformed(
    endpoint: Endpoint,
    status: u16,
    reason: String,
    bytes: &[u8],
    key: &ApiKey,
) -> ApiError {
    ApiError::Malformed {
        endpoint,
        status,
        reason: scrub(&reason, Some(key)),
        raw: keep_raw(bytes, Some(key)),
    }
}

fn header_str(response: &Response, name: reqwest::header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
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
    fn base_url_must_be_https_or_loopback_http() {
        for ok in [
            "https://kinovi.ai/api/v1",
            "https://seedance2-pro.com/api/v1/",
            "http://127.0.0.1:8080/api/v1",
            "http://localhost:9/api/v1",
            "http://[::1]:9/api/v1",
        ] {
            let url = check_base_url(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(!url.path().ends_with('/'), "{url}");
        }
        for insecure in [
            "http://kinovi.ai/api/v1",
            "http://10.0.0.1/api",
            "http://localhost.evil.test/",
        ] {
            assert!(
                matches!(
                    check_base_url(insecure),
                    Err(ConfigError::InsecureBaseUrl { .. })
                ),
                "{insecure}"
            );
        }
        for invalid in [
            "",
            "kinovi.ai/api/v1",
            "ftp://kinovi.ai/",
            "https://u:p@kinovi.ai/api",
            "https://kinovi.ai/api?token=x",
            "mailto:a@b.c",
        ] {
            assert!(check_base_url(invalid).is_err(), "{invalid}");
        }
    }

    #[test]
    fn a_rejected_base_url_never_shows_its_secrets() {
        let err = check_base_url("http://example.com/api?token=sk-SECRET").expect_err("insecure");
        assert!(!err.to_string().contains("sk-SECRET"), "{err}");
    }

    #[test]
    fn environment_wins_over_the_stored_setting_and_blank_means_unset() {
        let pick = |env, stored| ClientConfig::resolve(env, stored).map(|c| c.base_url.to_string());
        assert_eq!(
            pick(
                Some("http://127.0.0.1:1/api/v1"),
                Some("https://kinovi.ai/api/v1")
            )
            .ok()
            .as_deref(),
            Some("http://127.0.0.1:1/api/v1")
        );
        assert_eq!(
            pick(Some("  "), Some("https://kinovi.ai/api/v1"))
                .ok()
                .as_deref(),
            Some("https://kinovi.ai/api/v1")
        );
        assert_eq!(pick(None, None).ok().as_deref(), Some(DEFAULT_BASE_URL));
        assert!(pick(Some("http://example.com"), None).is_err());
    }

    #[test]
    fn api_urls_are_built_under_the_base_path() {
        let client = ApiClient::new(ClientConfig::new("https://kinovi.ai/api/v1/").expect("valid"))
            .expect("client");
        assert_eq!(
            client.api_url(&["jobs", "createTask"]).as_str(),
            "https://kinovi.ai/api/v1/jobs/createTask"
        );
        assert!(client.config().user_agent.starts_with("SeedanceStudio/"));
    }

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
