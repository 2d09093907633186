//! Where the API lives and how long to wait for it: the base URL (checked: https, or http
//! to this computer only), timeouts and User-Agent, and the same rule for the URLs of
//! uploads and downloads.

use std::time::Duration;

use url::{Host, Url};

use super::{BASE_URL_ENV, DEFAULT_BASE_URL};
use crate::redact::redact_url;

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

/// Whether `base_url` is one of the two documented services (service-api §1) or this
/// computer. The key goes anywhere else only after the creator confirms the address in a
/// dialog the page cannot answer (the shell asks natively).
pub fn is_known_service(base_url: &Url) -> bool {
    let host_of = |known: &str| {
        Url::parse(known)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
    };
    let official = [super::DEFAULT_BASE_URL, super::ALTERNATE_BASE_URL]
        .iter()
        .filter_map(|known| host_of(known))
        .any(|host| base_url.scheme() == "https" && base_url.host_str() == Some(host.as_str()));
    let loopback = match base_url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    official || loopback
}

/// https anywhere, or http to this computer.
pub(super) fn transfer_url_allowed(url: &Url) -> bool {
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

/// Upload and download URLs must be https, or http to this computer.
pub(super) fn check_transfer_url(raw: &str) -> Result<Url, String> {
    match Url::parse(raw.trim()) {
        Ok(url) if transfer_url_allowed(&url) => Ok(url),
        Ok(_) => Err("only https (or http to this computer) is allowed".to_owned()),
        Err(e) => Err(e.to_string()),
    }
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
    fn only_the_documented_services_and_this_computer_are_known() {
        let known = |raw: &str| is_known_service(&Url::parse(raw).expect("a URL"));
        assert!(known("https://seedance2-pro.com/api/v1"));
        assert!(known("https://kinovi.ai/api/v1"));
        assert!(known("http://127.0.0.1:8080/api/v1"));
        assert!(known("http://localhost:9/api/v1"));
        assert!(known("http://[::1]:9/api/v1"));
        assert!(!known("https://kinovi.ai.attacker.example/api/v1"));
        assert!(!known("https://attacker.example/api/v1"));
        assert!(!known("http://kinovi.ai/api/v1"));
    }
}
