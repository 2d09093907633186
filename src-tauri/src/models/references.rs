//! Reference files as the compose panel lists them, and the media kinds the service takes.
//! Only reshapes what `seedance_core::validate` found; it decides nothing.

use seedance_core::media::MediaKind;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Image,
    Video,
    Audio,
}

impl From<MediaKind> for Kind {
    fn from(kind: MediaKind) -> Kind {
        match kind {
            MediaKind::Image => Kind::Image,
            MediaKind::Video => Kind::Video,
            MediaKind::Audio => Kind::Audio,
        }
    }
}

impl From<Kind> for MediaKind {
    fn from(kind: Kind) -> MediaKind {
        match kind {
            Kind::Image => MediaKind::Image,
            Kind::Video => MediaKind::Video,
            Kind::Audio => MediaKind::Audio,
        }
    }
}

/// A local file inspected for the references list.
#[derive(Debug, Clone, Serialize, TS)]
pub struct InspectedReference {
    pub path: String,
    pub file_name: String,
    /// `null` when the content is not a kind the service accepts.
    pub kind: Option<Kind>,
    #[ts(type = "number | null")]
    pub duration_ms: Option<u64>,
    #[ts(type = "number")]
    pub size_bytes: u64,
    /// Blocking problems with this file, in the creator's words.
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
}
