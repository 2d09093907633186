//! Seedance Studio core: everything a generation needs that is not about a window.
//!
//! The desktop shell (`src-tauri`) and the `seedance` CLI both adapt this crate; it must
//! never depend on Tauri, WebKit or a display. Data flows one way:
//! `request` (what the creator asked for) → `validate` + `pricing` → `api` (uploads,
//! createTask) → `ledger` → `schedule`/`engine` (polling) → `library` (downloads), with
//! `guidance` turning any failure into plain words and one next step.

pub mod api;
pub mod clock;
pub mod continuation;
pub mod engine;
pub mod files;
pub mod film;
pub mod guidance;
pub mod keychain;
pub mod ledger;
pub mod library;
pub mod media;
pub mod model;
pub mod output_check;
pub mod paths;
pub mod pricing;
pub mod prompt_refs;
pub mod redact;
pub mod request;
pub mod retry;
pub mod schedule;
pub mod secret;
pub mod sequence;
pub mod settings;
pub mod support;
pub mod thumbnail;
pub mod validate;
