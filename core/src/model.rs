//! The models the app supports and the closed vocabularies of their inputs
//! (resolution, aspect ratio, mode), with the documented limits of each model.
//!
//! Owns facts from the service's documentation (service-api §3.1–3.4, §4.4, §4.5); it
//! does not validate a request (see `validate`) nor price one (see `pricing`).

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A model id exactly as the service spells it. Near-miss spellings are rejected by the
/// service with "Unknown model", so the wire id lives only here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ModelId {
    #[serde(rename = "seedance-20")]
    Seedance20,
    #[serde(rename = "seedance2-fast")]
    Seedance2Fast,
    #[serde(rename = "seedance2.0-mini")]
    Seedance20Mini,
}

impl ModelId {
    pub const ALL: [ModelId; 3] = [
        ModelId::Seedance20,
        ModelId::Seedance2Fast,
        ModelId::Seedance20Mini,
    ];

    pub fn wire_id(self) -> &'static str {
        match self {
            ModelId::Seedance20 => "seedance-20",
            ModelId::Seedance2Fast => "seedance2-fast",
            ModelId::Seedance20Mini => "seedance2.0-mini",
        }
    }

    pub fn from_wire_id(id: &str) -> Option<ModelId> {
        ModelId::ALL.into_iter().find(|m| m.wire_id() == id)
    }

    /// The name a creator sees.
    pub fn label(self) -> &'static str {
        match self {
            ModelId::Seedance20 => "Seedance 2.0",
            ModelId::Seedance2Fast => "Seedance 2.0 Fast",
            ModelId::Seedance20Mini => "Seedance 2.0 Mini",
        }
    }

    /// Output resolutions the model accepts; anything else is a 400.
    pub fn resolutions(self) -> &'static [Resolution] {
        match self {
            ModelId::Seedance20 => &[
                Resolution::P480,
                Resolution::P720,
                Resolution::P1080,
                Resolution::K4,
            ],
            ModelId::Seedance2Fast | ModelId::Seedance20Mini => {
                &[Resolution::P480, Resolution::P720]
            }
        }
    }

    pub fn limits(self) -> &'static ModelLimits {
        &FAMILY_2_0_LIMITS
    }

    /// How long a generation typically takes, per service-api §4.5. The poll schedule
    /// concentrates its requests around this window.
    pub fn expected_generation(
        self,
        resolution: Resolution,
        has_reference_video: bool,
    ) -> TimeWindow {
        let secs = |lo: u64, hi: u64| TimeWindow {
            earliest: Duration::from_secs(lo),
            latest: Duration::from_secs(hi),
        };
        match (self, resolution, has_reference_video) {
            (ModelId::Seedance20, Resolution::K4, _) => secs(360, 600),
            (ModelId::Seedance20, _, true) => secs(300, 420),
            (ModelId::Seedance20, _, false) => secs(120, 240),
            (ModelId::Seedance2Fast, Resolution::P480, false) => secs(120, 180),
            (ModelId::Seedance2Fast, _, _) => secs(120, 240),
            (ModelId::Seedance20Mini, Resolution::P480, _) => secs(120, 240),
            (ModelId::Seedance20Mini, _, _) => secs(120, 360),
        }
    }

    /// After this long without a terminal state the task is shown as stuck (still
    /// polled, slowly). The docs say "treat as stuck after 10 min" for the 2.0 family.
    pub fn stuck_after(self) -> Duration {
        Duration::from_secs(10 * 60)
    }
}

/// Limits shared by the 2.0 family (service-api §3.2, §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ModelLimits {
    pub prompt_max_chars: usize,
    pub min_duration_secs: u32,
    pub max_duration_secs: u32,
    pub default_duration_secs: u32,
    pub max_images: usize,
    pub max_videos: usize,
    pub max_audios: usize,
    /// Combined length of all reference videos; more fails the task after creation.
    pub max_combined_video: Duration,
    /// Combined length of all reference audio.
    pub max_combined_audio: Duration,
    pub seed_max: u64,
}

pub const FAMILY_2_0_LIMITS: ModelLimits = ModelLimits {
    prompt_max_chars: 10_000,
    min_duration_secs: 4,
    max_duration_secs: 15,
    default_duration_secs: 5,
    max_images: 9,
    max_videos: 3,
    max_audios: 3,
    max_combined_video: Duration::from_secs(15),
    max_combined_audio: Duration::from_secs(15),
    seed_max: 4_294_967_295,
};

/// A span of elapsed time since submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    pub earliest: Duration,
    pub latest: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Resolution {
    #[serde(rename = "480p")]
    P480,
    #[serde(rename = "720p")]
    P720,
    #[serde(rename = "1080p")]
    P1080,
    #[serde(rename = "4k")]
    K4,
}

impl Resolution {
    pub const ALL: [Resolution; 4] = [
        Resolution::P480,
        Resolution::P720,
        Resolution::P1080,
        Resolution::K4,
    ];

    pub fn wire_id(self) -> &'static str {
        match self {
            Resolution::P480 => "480p",
            Resolution::P720 => "720p",
            Resolution::P1080 => "1080p",
            Resolution::K4 => "4k",
        }
    }

    pub fn from_wire_id(id: &str) -> Option<Resolution> {
        Resolution::ALL.into_iter().find(|r| r.wire_id() == id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AspectRatio {
    #[serde(rename = "16:9")]
    Landscape16x9,
    #[serde(rename = "9:16")]
    Portrait9x16,
    #[serde(rename = "1:1")]
    Square1x1,
    #[serde(rename = "4:3")]
    Landscape4x3,
    #[serde(rename = "3:4")]
    Portrait3x4,
    #[serde(rename = "21:9")]
    Cinema21x9,
}

impl AspectRatio {
    pub const ALL: [AspectRatio; 6] = [
        AspectRatio::Landscape16x9,
        AspectRatio::Portrait9x16,
        AspectRatio::Square1x1,
        AspectRatio::Landscape4x3,
        AspectRatio::Portrait3x4,
        AspectRatio::Cinema21x9,
    ];

    pub fn wire_id(self) -> &'static str {
        match self {
            AspectRatio::Landscape16x9 => "16:9",
            AspectRatio::Portrait9x16 => "9:16",
            AspectRatio::Square1x1 => "1:1",
            AspectRatio::Landscape4x3 => "4:3",
            AspectRatio::Portrait3x4 => "3:4",
            AspectRatio::Cinema21x9 => "21:9",
        }
    }

    pub fn from_wire_id(id: &str) -> Option<AspectRatio> {
        AspectRatio::ALL.into_iter().find(|r| r.wire_id() == id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Keyframe,
    Reference,
}

impl Mode {
    pub fn wire_id(self) -> &'static str {
        match self {
            Mode::Keyframe => "keyframe",
            Mode::Reference => "reference",
        }
    }
}
