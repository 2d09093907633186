//! The models the app supports and the closed vocabularies of their inputs (resolution,
//! aspect ratio, mode, output format, the "2.0 way" video jobs).
//!
//! Which models exist and what each one accepts, costs and takes to run is data: the
//! catalogue `catalog/models.json` (service-api §3, §4.4, §4.5, §8.1, §12), parsed and
//! checked once by [`Catalog`]. [`ModelId`] is only a name into it; its convenience
//! methods (`label`, `limits`, `expected_generation`, …) read the shipped catalogue, and
//! code that must work with another catalogue (tests, a model added by data) passes a
//! [`Catalog`] explicitly. This module does not validate a request (see `validate`) nor
//! price one (see `pricing`).

mod catalog;

pub use catalog::{
    AspectRules, Catalog, CatalogError, DurationRange, EffectiveMode, ImagesBeyondTwo, KindRule,
    ModeRules, ModelPricing, ModelSpec, ReferenceRules, ResolutionRates, SettlementRule,
    SourceRule, Timing, VideoJobDuration, VideoJobSpec, WindowRule,
};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashSet;
use std::fmt;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// A model id exactly as the service spells it. Near-miss spellings are refused by the
/// service with "Unknown model", so ids come only from the catalogue (or from a stored
/// request that names one).
///
/// The associated constants name the shipped models; they exist so call sites read as
/// before the catalogue became data. Any other id is interned once and lives for the
/// process: ids are few and short.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelId(&'static str);

#[allow(non_upper_case_globals)]
impl ModelId {
    pub const Seedance20: ModelId = ModelId("seedance-20");
    pub const Seedance2Fast: ModelId = ModelId("seedance2-fast");
    pub const Seedance20Mini: ModelId = ModelId("seedance2.0-mini");
    pub const Seedance25: ModelId = ModelId("seedance2-5");
    pub const Seedance25Edit: ModelId = ModelId("seedance2-5-edit");
    pub const Seedance25Extend: ModelId = ModelId("seedance2-5-extend");
}

/// What a model made by a catalogue this build does not ship has to fall back on.
const UNKNOWN_STUCK_AFTER: Duration = Duration::from_secs(15 * 60);
/// The widest documented window (service-api §4.5, §12.1.4), for a model the shipped
/// catalogue does not describe: polling stays reasonable whatever it is.
const UNKNOWN_WINDOW: TimeWindow = TimeWindow {
    earliest: Duration::from_secs(60),
    latest: Duration::from_secs(660),
    dense_span: None,
};
static UNKNOWN_LIMITS: ModelLimits = ModelLimits {
    prompt_max_chars: 0,
    min_duration_secs: 0,
    max_duration_secs: 0,
    default_duration_secs: 0,
    max_images: 0,
    max_videos: 0,
    max_audios: 0,
    max_combined_video: Duration::ZERO,
    max_combined_audio: Duration::ZERO,
    seed_max: 0,
};

impl ModelId {
    /// The shipped models, in the catalogue's order (the order the compose form offers).
    pub fn all() -> &'static [ModelId] {
        Catalog::shipped().ids()
    }

    pub fn wire_id(self) -> &'static str {
        self.0
    }

    /// The shipped model with this exact id.
    pub fn from_wire_id(id: &str) -> Option<ModelId> {
        Catalog::shipped().id(id)
    }

    /// This model's table in the shipped catalogue; `None` for an id only another
    /// catalogue (or a stored request from another build) knows.
    pub fn spec(self) -> Option<&'static ModelSpec> {
        Catalog::shipped().model(self)
    }

    /// The name a creator sees (the wire id for a model the catalogue lacks).
    pub fn label(self) -> &'static str {
        self.spec().map_or(self.0, |s| s.label.as_str())
    }

    /// Output resolutions the model accepts; anything else is a 400.
    pub fn resolutions(self) -> &'static [Resolution] {
        self.spec().map_or(&[], |s| s.resolutions.as_slice())
    }

    /// The limits in the shape the compose form reads; a model the catalogue lacks
    /// accepts nothing.
    pub fn limits(self) -> &'static ModelLimits {
        self.spec().map_or(&UNKNOWN_LIMITS, ModelSpec::limits)
    }

    /// How long a generation typically takes (service-api §4.5, §12.1.4). The poll
    /// schedule concentrates its requests around this window.
    pub fn expected_generation(
        self,
        resolution: Resolution,
        has_reference_video: bool,
    ) -> TimeWindow {
        self.spec().map_or(UNKNOWN_WINDOW, |s| {
            s.expected_generation(resolution, has_reference_video)
        })
    }

    /// After this long without a terminal state the task is shown as stuck (still
    /// polled, slowly): 10 min for the 2.0 family, 15 for the 2.5 family.
    pub fn stuck_after(self) -> Duration {
        self.spec()
            .map_or(UNKNOWN_STUCK_AFTER, ModelSpec::stuck_after)
    }

    /// The id for `text`, interned once. Only well-formed ids (what the service's own
    /// ids look like) are accepted, so a corrupt stored request cannot grow the table.
    pub(crate) fn intern(text: &str) -> Option<ModelId> {
        let well_formed = !text.is_empty()
            && text.len() <= 64
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        if !well_formed {
            return None;
        }
        static INTERNED: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
        let mut set = INTERNED
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(existing) = set.get(text) {
            return Some(ModelId(existing));
        }
        let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
        set.insert(leaked);
        Some(ModelId(leaked))
    }
}

impl fmt::Debug for ModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Display for ModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for ModelId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

/// Any well-formed id reads back, known to this build or not: a stored task for a model a
/// newer build added must still be followed to its end and shown, not lost to a decode
/// error. Validation refuses to send a request for a model the catalogue lacks.
impl<'de> Deserialize<'de> for ModelId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ModelId::intern(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a model id: {text:?}")))
    }
}

/// A model's limits in one flat record (the compose form and older call sites read
/// this). Derived from the catalogue; [`ModelSpec`] has the full rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ModelLimits {
    pub prompt_max_chars: usize,
    /// All three are 0 when the model takes no duration (an edit keeps its source's
    /// length); see [`ModelSpec::duration`].
    pub min_duration_secs: u32,
    pub max_duration_secs: u32,
    pub default_duration_secs: u32,
    pub max_images: usize,
    pub max_videos: usize,
    pub max_audios: usize,
    /// Combined length of all reference videos (`Duration::MAX` when the model sets no
    /// combined limit); more fails the task after creation.
    pub max_combined_video: Duration,
    /// Combined length of all reference audio.
    pub max_combined_audio: Duration,
    pub seed_max: u64,
}

/// A span of elapsed time since submission: where a model's generations usually end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    pub earliest: Duration,
    pub latest: Duration,
    /// How much of the end of the window the poll schedule must cover densely, where the
    /// model's table asks for more than the schedule's own span (the 2.5 family's wide
    /// windows); `None`: the schedule's span.
    pub dense_span: Option<Duration>,
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
    /// Wan image-to-video only: keep the image's own shape (service-api §12.1.2).
    #[serde(rename = "adaptive")]
    Adaptive,
}

impl AspectRatio {
    /// The six fixed frame shapes every Seedance model takes (service-api §3.2). Which
    /// ratios a model accepts is in its catalogue entry ([`AspectRules::ratios`]).
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
            AspectRatio::Adaptive => "adaptive",
        }
    }

    pub fn from_wire_id(id: &str) -> Option<AspectRatio> {
        AspectRatio::ALL
            .into_iter()
            .chain([AspectRatio::Adaptive])
            .find(|r| r.wire_id() == id)
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

/// The container of the result file (`output_format`, Seedance 2.5 family only; the
/// others always make `.mp4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    Mp4,
    Mov,
}

impl OutputFormat {
    pub fn wire_id(self) -> &'static str {
        match self {
            OutputFormat::Mp4 => "mp4",
            OutputFormat::Mov => "mov",
        }
    }

    /// The file extension a saved result should carry.
    pub fn extension(self) -> &'static str {
        self.wire_id()
    }

    /// The `mediaType` the service reports for it.
    pub fn media_type(self) -> &'static str {
        match self {
            OutputFormat::Mp4 => "video/mp4",
            OutputFormat::Mov => "video/quicktime",
        }
    }
}

/// What a model does with its source video: make a new clip, change a clip keeping its
/// motion and length (edit), or continue it with new footage only (extend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    Generate,
    Edit,
    Extend,
}

/// The "2.0 way" (service-api §12.2.2): a 2.0 model given a reference video restyles,
/// edits or extends it according to the prompt's opening words. The catalogue holds the
/// lead-in of each job and which models offer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VideoJob {
    /// Follow the source's movement and framing in another look; any duration.
    Restyle,
    /// Change what is in the source; the duration is the source's length.
    Edit,
    /// Continue from the source's last frame; the duration is the new footage only.
    Extend,
}

impl VideoJob {
    pub const ALL: [VideoJob; 3] = [VideoJob::Restyle, VideoJob::Edit, VideoJob::Extend];

    pub fn as_str(self) -> &'static str {
        match self {
            VideoJob::Restyle => "restyle",
            VideoJob::Edit => "edit",
            VideoJob::Extend => "extend",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_constants_name_shipped_models() {
        for id in [
            ModelId::Seedance20,
            ModelId::Seedance2Fast,
            ModelId::Seedance20Mini,
            ModelId::Seedance25,
            ModelId::Seedance25Edit,
            ModelId::Seedance25Extend,
        ] {
            assert!(id.spec().is_some(), "{id} is not in the shipped catalogue");
            assert_eq!(ModelId::from_wire_id(id.wire_id()), Some(id));
        }
        assert_eq!(ModelId::all().len(), 6);
    }

    #[test]
    fn ids_serialize_as_the_wire_id_and_any_well_formed_id_reads_back() {
        let json = serde_json::to_string(&ModelId::Seedance25).unwrap();
        assert_eq!(json, "\"seedance2-5\"");
        let back: ModelId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ModelId::Seedance25);
        let newer: ModelId = serde_json::from_str("\"wan3.0-text-to-video\"").unwrap();
        assert_eq!(newer.wire_id(), "wan3.0-text-to-video");
        assert_eq!(newer.label(), "wan3.0-text-to-video");
        assert!(newer.spec().is_none() && newer.resolutions().is_empty());
        assert_eq!(newer.stuck_after(), UNKNOWN_STUCK_AFTER);
        for bad in ["\"\"", "\"a b\"", "\"<script>\"", "3"] {
            assert!(serde_json::from_str::<ModelId>(bad).is_err(), "{bad}");
        }
        // Interned once: the same text gives the same pointer.
        let a = ModelId::intern("x-model").unwrap();
        let b = ModelId::intern("x-model").unwrap();
        assert!(std::ptr::eq(a.wire_id(), b.wire_id()));
    }

    #[test]
    fn adaptive_is_known_but_not_among_the_fixed_ratios() {
        assert_eq!(
            AspectRatio::from_wire_id("adaptive"),
            Some(AspectRatio::Adaptive)
        );
        assert!(!AspectRatio::ALL.contains(&AspectRatio::Adaptive));
        assert_eq!(AspectRatio::from_wire_id("5:4"), None);
    }
}
