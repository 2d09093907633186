//! The settings view: the stored preferences (the core's own type, which crosses to the
//! UI unchanged) with what is in effect and why.

use serde::Serialize;
use ts_rs::TS;

pub use seedance_core::settings::{Preferences, Source, Theme};

/// Preferences plus what is in effect and why.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SettingsView {
    pub preferences: Preferences,
    pub effective_base_url: String,
    /// `env` (SEEDANCE_API_BASE, wins), `setting` or `default`.
    pub base_url_source: Source,
    /// The base URL points at this computer (the fake service): the demo is offered.
    pub base_url_is_loopback: bool,
    /// The app runs as the demo now (`SEEDANCE_DEMO`, not left): its own history and
    /// library, a made-up key, pretend credits.
    pub demo: bool,
    /// Started as the demo (`SEEDANCE_DEMO`): "Back to the demo" is offered after the
    /// creator left it for their own key.
    pub demo_available: bool,
    pub effective_library_dir: String,
    /// `true` when SEEDANCE_LIBRARY_DIR overrides the setting.
    pub library_dir_from_env: bool,
    pub data_dir: String,
    pub version: String,
    /// What happened at start that the creator should know (a task history or settings
    /// file that could not be read and was moved aside), in plain sentences.
    pub notices: Vec<String>,
}
