//! The Seedance HTTP API: what goes over the wire and what can come back.
//!
//! `types` holds the normalised records every documented response shape parses into,
//! `error` the one error type every call returns, `parse` the tolerant parsers,
//! `config` where the API lives, `client` the API calls (createTask, recordInfo, the
//! upload slot, the key check), `transfer` the resumable file transfers (signed PUT,
//! result downloads) and `transport` how a failed request is classified.

pub mod client;
pub mod config;
pub mod error;
pub mod parse;
pub mod transfer;
mod transport;
pub mod types;

pub use client::ApiClient;
pub use config::{check_base_url, is_known_service, ClientConfig, ConfigError};
pub use error::{ApiError, ErrorBody, FieldIssue, RetryAfter, TransportError, TransportStage};
pub use types::{Endpoint, OutputItem, TaskError, TaskRecord, TaskStatus, UploadTarget};

/// The documented production base URL (the older brand, which the docs still serve).
pub const DEFAULT_BASE_URL: &str = "https://seedance2-pro.com/api/v1";
/// The other documented base URL (the newer brand); same service and accounts.
pub const ALTERNATE_BASE_URL: &str = "https://kinovi.ai/api/v1";
/// Environment variable that overrides the base URL (tests, the demo, the fake service).
pub const BASE_URL_ENV: &str = "SEEDANCE_API_BASE";

/// Environment variable for the address the demo leaves for ("Use my own key" in the
/// demo, where `SEEDANCE_API_BASE` names the demo's fake service): the stored setting or
/// the documented service when unset. Tests point it at a second fake service.
pub const REAL_BASE_URL_ENV: &str = "SEEDANCE_REAL_API_BASE";
