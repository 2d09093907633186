//! The HTTP client of the Seedance API: `createTask`, `recordInfo`, the upload slot and
//! the key check, over one pooled rustls `reqwest` client. Moving files (the signed PUT,
//! result downloads) is `transfer`; where the API lives is `config`; how a failed request
//! is classified is `transport`.
//!
//! Each method makes exactly ONE attempt and turns whatever happened into an [`ApiError`]
//! that says how far the request got; deciding whether to try again is `retry`'s job and
//! running the loop is the caller's. The API key goes only into the `Authorization`
//! header of API calls (marked sensitive); signed upload URLs and result CDNs never see
//! it, and every URL that reaches a log or an error goes through [`redact_url`].

use std::sync::Arc;
use std::time::SystemTime;

use reqwest::header::{HeaderValue, AUTHORIZATION, RETRY_AFTER};
use reqwest::{redirect, Response};
use serde::{Deserialize, Serialize};
use tokio::time::{timeout_at, Instant};
use url::Url;

use super::config::{transfer_url_allowed, ClientConfig, ConfigError};
use super::error::{ApiError, TransportKind, TransportStage};
use super::parse;
use super::transport::{
    error_chain, header_str, keep_raw, malformed, read_body, transport, transport_error, BodyRead,
};
use super::types::{Endpoint, TaskRecord, UploadTarget};
use crate::redact::{redact_url, scrub_key_bytes};
use crate::secret::ApiKey;

/// A 2xx API answer larger than this is refused as malformed: the biggest documented body
/// is a few hundred bytes, and a hostile or broken peer must not exhaust memory.
pub const MAX_API_BODY: usize = 16 * 1024 * 1024;

/// Error answers are read only this far: enough for any JSON error body, and the raw text
/// kept is capped at [`RAW_BODY_KEEP`] anyway.
pub(super) const MAX_ERROR_BODY: usize = 64 * 1024;

/// Redirects followed for uploads and downloads (API calls follow none).
const MAX_TRANSFER_REDIRECTS: usize = 5;

/// A task id that is well formed but never issued: a key check reads it and learns from
/// the status alone (404 means the key was accepted).
pub const PROBE_TASK_ID: &str = "task_studiokeyprobe0000000000";

/// A transfer progress callback: `(bytes done, total bytes)`, total 0 when unknown. Calls
/// are monotone within one attempt and come from the calling task.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

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

/// The Seedance HTTP client. Cheap to clone; clones share one connection pool.
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub(super) http: reqwest::Client,
    pub(super) config: Arc<ClientConfig>,
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

    /// The demo's pretend balance: `GET /__demo/balance` of the project's fake service.
    /// The service has no balance call (service-api), so only an address on this computer
    /// (plain http, which `check_base_url` allows only there) is asked, without the key;
    /// `None` for any other address or any failure. Read-only: it can spend nothing.
    pub async fn demo_balance(&self) -> Option<f64> {
        if self.config.base_url.scheme() != "http" {
            return None;
        }
        let mut url = self.config.base_url.clone();
        url.set_path("/__demo/balance");
        let deadline = Instant::now() + self.config.request_timeout;
        let response = timeout_at(deadline, self.http.get(url).send())
            .await
            .ok()?
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        let bytes = timeout_at(deadline, response.bytes()).await.ok()?.ok()?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        value.get("balance")?.as_f64()
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
                // An answer that echoes the key (in any field, escaped or in a URL) is
                // parsed without it, so no record, message or stored failure carries it.
                let bytes = scrub_key_bytes(&bytes, Some(key)).into_owned();
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
    pub(super) async fn check_status(
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
        let bytes = scrub_key_bytes(&bytes, key).into_owned();
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

    pub(super) fn no_answer(&self, endpoint: Endpoint, url: &Url) -> ApiError {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
