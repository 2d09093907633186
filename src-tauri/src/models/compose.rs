//! The compose panel's shapes: the catalog it offers, the draft it holds, and the check
//! behind the Generate button (problems, warnings, price). A draft becomes a core request
//! only through [`Draft::to_request`], which refuses ids the core does not know.

use super::{Kind, StateGroups};
use seedance_core::model::{
    AspectRatio, Catalog as ModelCatalog, Mode, ModelId, OutputFormat, Resolution, VideoJob,
    VideoJobDuration,
};
use seedance_core::request::{GenerationRequest, Reference, ReferenceSource};
use seedance_core::validate::{Field, ProblemCode};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use ts_rs::TS;

/// What the compose panel offers, straight from `seedance_core::model`, so the UI never
/// hard-codes a limit.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Catalog {
    pub models: Vec<ModelInfo>,
    /// Wire ids, in display order.
    pub aspect_ratios: Vec<String>,
    pub states: StateGroups,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ModelInfo {
    pub id: String,
    pub label: String,
    /// Wire ids of the resolutions this model accepts.
    pub resolutions: Vec<String>,
    pub prompt_max_chars: u32,
    pub min_duration_secs: u32,
    pub max_duration_secs: u32,
    pub default_duration_secs: u32,
    pub max_images: u32,
    pub max_videos: u32,
    pub max_audios: u32,
    pub max_combined_video_secs: u32,
    pub max_combined_audio_secs: u32,
    #[ts(type = "number")]
    pub seed_max: u64,
    /// Wire ids of the file formats the model can return, the default first; more than
    /// one means the compose form offers the choice (the 2.5 family's `mp4` or `mov`).
    pub output_formats: Vec<String>,
    /// The "2.0 way" jobs this model offers for reference video 1 (restyle, edit,
    /// extend), with their documented lead-ins; empty for the other models.
    pub video_jobs: Vec<VideoJobInfo>,
}

/// One "2.0 way" job as the compose panel offers it (service-api §12.2.2).
#[derive(Debug, Clone, Serialize, TS)]
pub struct VideoJobInfo {
    /// `"restyle"`, `"edit"` or `"extend"`: the draft's `video_job`.
    pub id: String,
    pub label: String,
    /// The words the core puts before the creator's prompt on the wire.
    pub lead_in: String,
    /// An example of what the creator writes after the lead-in.
    pub placeholder: String,
    /// `"any"`, `"source"` (the reference video's length) or `"new_footage"`.
    pub duration: String,
}

impl Catalog {
    pub fn current() -> Catalog {
        Catalog {
            models: ModelId::all()
                .iter()
                .copied()
                .map(ModelInfo::from)
                .collect(),
            aspect_ratios: AspectRatio::ALL
                .iter()
                .map(|r| r.wire_id().to_owned())
                .collect(),
            states: StateGroups::current(),
        }
    }
}

impl From<ModelId> for ModelInfo {
    fn from(model: ModelId) -> ModelInfo {
        let limits = model.limits();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        ModelInfo {
            id: model.wire_id().to_owned(),
            label: model.label().to_owned(),
            resolutions: model
                .resolutions()
                .iter()
                .map(|r| r.wire_id().to_owned())
                .collect(),
            prompt_max_chars: count(limits.prompt_max_chars),
            min_duration_secs: limits.min_duration_secs,
            max_duration_secs: limits.max_duration_secs,
            default_duration_secs: limits.default_duration_secs,
            max_images: count(limits.max_images),
            max_videos: count(limits.max_videos),
            max_audios: count(limits.max_audios),
            max_combined_video_secs: u32::try_from(limits.max_combined_video.as_secs())
                .unwrap_or(u32::MAX),
            max_combined_audio_secs: u32::try_from(limits.max_combined_audio.as_secs())
                .unwrap_or(u32::MAX),
            seed_max: limits.seed_max,
            output_formats: model.spec().map_or_else(
                || vec![OutputFormat::Mp4.wire_id().to_owned()],
                |spec| {
                    spec.output_formats
                        .iter()
                        .map(|f| f.wire_id().to_owned())
                        .collect()
                },
            ),
            video_jobs: model.spec().map_or_else(Vec::new, |spec| {
                spec.video_jobs
                    .iter()
                    .filter_map(|job| ModelCatalog::shipped().video_job(*job))
                    .map(|job| VideoJobInfo {
                        id: job.job.as_str().to_owned(),
                        label: job.label.clone(),
                        lead_in: job.lead_in.clone(),
                        placeholder: job.placeholder.clone(),
                        duration: match job.duration {
                            VideoJobDuration::Any => "any",
                            VideoJobDuration::Source => "source",
                            VideoJobDuration::NewFootage => "new_footage",
                        }
                        .to_owned(),
                    })
                    .collect()
            }),
        }
    }
}

/// A generation as the compose panel holds it. Ids are wire ids (`"seedance-20"`,
/// `"720p"`, `"16:9"`); [`Draft::to_request`] refuses ones the core does not know.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Draft {
    pub model: String,
    pub prompt: String,
    pub references: Vec<DraftReference>,
    /// `null`: let the service choose.
    pub mode: Option<DraftMode>,
    pub duration_secs: u32,
    pub resolution: String,
    /// `null`: follow the references.
    pub aspect_ratio: Option<String>,
    pub generate_audio: bool,
    pub high_bitrate: bool,
    /// `null`: random.
    #[ts(type = "number | null")]
    pub seed: Option<i64>,
    /// The file format asked for (`"mp4"`, `"mov"`); absent or `null`: the model's
    /// default. Sent only to a model that offers a choice.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub output_format: Option<String>,
    /// The "2.0 way" job for reference video 1 (`"restyle"`, `"edit"`, `"extend"`, from
    /// the model's `video_jobs`); absent or `null`: none. The core puts the job's lead-in
    /// before the prompt and prices the reference-video tier.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub video_job: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DraftMode {
    Keyframe,
    Reference,
}

/// One reference in the compose panel: a local file (as `references_add_paths` returned
/// it) or a URL.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DraftReference {
    pub kind: Kind,
    /// Set for a local file.
    pub path: Option<String>,
    /// Set for a URL the service fetches itself.
    pub url: Option<String>,
    #[ts(type = "number | null")]
    pub duration_ms: Option<u64>,
}

/// A draft that names a model, resolution or ratio the core does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DraftError(pub String);

impl Draft {
    pub fn to_request(&self) -> Result<GenerationRequest, DraftError> {
        let model = ModelId::from_wire_id(&self.model)
            .ok_or_else(|| DraftError(format!("There is no model called “{}”.", self.model)))?;
        let resolution = Resolution::from_wire_id(&self.resolution).ok_or_else(|| {
            DraftError(format!(
                "There is no resolution called “{}”.",
                self.resolution
            ))
        })?;
        let aspect_ratio =
            match &self.aspect_ratio {
                None => None,
                Some(id) => Some(AspectRatio::from_wire_id(id).ok_or_else(|| {
                    DraftError(format!("There is no aspect ratio called “{id}”."))
                })?),
            };
        let references = self
            .references
            .iter()
            .map(DraftReference::to_reference)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(GenerationRequest {
            model,
            prompt: self.prompt.clone(),
            references,
            mode: self.mode.map(|m| match m {
                DraftMode::Keyframe => Mode::Keyframe,
                DraftMode::Reference => Mode::Reference,
            }),
            duration_secs: self.duration_secs,
            resolution,
            aspect_ratio,
            generate_audio: self.generate_audio,
            high_bitrate: self.high_bitrate,
            seed: self.seed,
            output_format: match self.output_format.as_deref() {
                None => None,
                Some(id) => Some(
                    [OutputFormat::Mp4, OutputFormat::Mov]
                        .into_iter()
                        .find(|f| f.wire_id() == id)
                        .ok_or_else(|| {
                            DraftError(format!(
                                "output_format: there is no file format called “{id}”; use mp4 or mov."
                            ))
                        })?,
                ),
            },
            video_job: match self.video_job.as_deref() {
                None => None,
                Some(id) => Some(
                    VideoJob::ALL
                        .into_iter()
                        .find(|j| j.as_str() == id)
                        .ok_or_else(|| {
                            DraftError(format!(
                                "video_job: there is no job called “{id}”; use restyle, edit or extend."
                            ))
                        })?,
                ),
            },
        })
    }

    /// The draft that rebuilds `request` (remix, retry with edits).
    pub fn from_request(request: &GenerationRequest) -> Draft {
        Draft {
            model: request.model.wire_id().to_owned(),
            prompt: request.prompt.clone(),
            references: request
                .references
                .iter()
                .map(DraftReference::from)
                .collect(),
            mode: request.mode.map(|m| match m {
                Mode::Keyframe => DraftMode::Keyframe,
                Mode::Reference => DraftMode::Reference,
            }),
            duration_secs: request.duration_secs,
            resolution: request.resolution.wire_id().to_owned(),
            aspect_ratio: request.aspect_ratio.map(|r| r.wire_id().to_owned()),
            generate_audio: request.generate_audio,
            high_bitrate: request.high_bitrate,
            seed: request.seed,
            output_format: request.output_format.map(|f| f.wire_id().to_owned()),
            video_job: request.video_job.map(|j| j.as_str().to_owned()),
        }
    }
}

impl DraftReference {
    fn to_reference(&self) -> Result<Reference, DraftError> {
        let source = match (&self.path, &self.url) {
            (Some(path), None) => ReferenceSource::LocalFile {
                path: PathBuf::from(path),
                uploaded: None,
            },
            (None, Some(url)) => ReferenceSource::Url { url: url.clone() },
            _ => {
                return Err(DraftError(
                    "A reference must be either a file or a URL.".to_owned(),
                ))
            }
        };
        Ok(Reference {
            kind: self.kind.into(),
            source,
            duration_ms: self.duration_ms,
        })
    }
}

impl From<&Reference> for DraftReference {
    fn from(reference: &Reference) -> DraftReference {
        let (path, url) = match &reference.source {
            ReferenceSource::LocalFile { path, .. } => (Some(path.display().to_string()), None),
            ReferenceSource::Url { url } => (None, Some(url.clone())),
        };
        DraftReference {
            kind: reference.kind.into(),
            path,
            url,
            duration_ms: reference.duration_ms,
        }
    }
}

/// What the compose panel shows next to its fields and on the Generate button.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ComposeCheck {
    /// Blocking: Generate stays disabled while any is present.
    pub problems: Vec<InputProblem>,
    /// Shown, never blocking.
    pub warnings: Vec<InputProblem>,
    /// `null` when the request has no price (see `problems`).
    pub estimate: Option<EstimateView>,
    /// Why the engine would refuse this draft if it were sent now: the creator's spending
    /// cap, in the words the refusal itself uses. Generate stays disabled with it; the
    /// engine checks again when the draft is sent.
    pub cap_refusal: Option<String>,
}

/// The field of the compose panel a problem is shown under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProblemField {
    Prompt,
    /// The references as a whole (counts, combined lengths).
    References,
    /// One reference: `InputProblem::reference` says which.
    Reference,
    Duration,
    Resolution,
    AspectRatio,
    Mode,
    Seed,
    /// A model, resolution or ratio this build does not know.
    Model,
    /// `mp4` or `mov` (Seedance 2.5).
    OutputFormat,
    /// Restyle, edit or extend a reference video (the 2.0 way).
    VideoJob,
}

impl From<Field> for ProblemField {
    fn from(field: Field) -> ProblemField {
        match field {
            Field::Prompt => ProblemField::Prompt,
            Field::References => ProblemField::References,
            Field::Reference(_) => ProblemField::Reference,
            Field::Duration => ProblemField::Duration,
            Field::Resolution => ProblemField::Resolution,
            Field::AspectRatio => ProblemField::AspectRatio,
            Field::Mode => ProblemField::Mode,
            Field::Seed => ProblemField::Seed,
            Field::Model => ProblemField::Model,
            Field::OutputFormat => ProblemField::OutputFormat,
            Field::VideoJob => ProblemField::VideoJob,
        }
    }
}

mirror_core_enum! {
    /// The core's stable validation codes (`seedance_core::validate::ProblemCode`).
    pub enum InputProblemCode mirrors ProblemCode {
        PromptEmpty,
        PromptTooLong,
        DurationOutOfRange,
        ResolutionUnsupported,
        SeedOutOfRange,
        TooManyImages,
        TooManyVideos,
        TooManyAudio,
        AudioWithoutVisual,
        VideoTooLong,
        AudioTooLong,
        DurationUnknown,
        UrlNotHttp,
        UrlWrongKind,
        UrlUnsupportedFormat,
        ModeForcedToReference,
        ImagesIgnored,
        FileMissing,
        FileUnreadable,
        FileEmpty,
        NotAFile,
        UnsupportedFileType,
        KindMismatch,
        FileExtensionMismatch,
        LargeUpload,
        ModelUnknown,
        AspectRatioUnsupported,
        AspectRatioIgnored,
        OutputFormatUnsupported,
        TooFewReferences,
        SourceVideoMissing,
        SourceVideoOutOfRange,
        VideoLengthOutOfRange,
        VideosPlusDurationTooLong,
        ModeIgnored,
        VideoJobUnsupported,
        PromptReadsAsEdit,
        PromptNamesMissingReference,
    }
    extra {
        /// The draft names a model, resolution or ratio this build does not know.
        UnknownChoice,
    }
}

/// One validation problem, keyed by the field the UI shows it under.
#[derive(Debug, Clone, Serialize, TS)]
pub struct InputProblem {
    pub field: ProblemField,
    pub code: InputProblemCode,
    pub message: String,
    /// Position in the draft's `references` when about one reference.
    pub reference: Option<u32>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct EstimateView {
    pub credits: f64,
    pub usd: f64,
    /// "200 credits ≈ $0.94", from the core's formatter.
    pub label: String,
    pub note: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn problem_codes_cross_under_the_cores_names() {
        for code in ProblemCode::ALL {
            assert_eq!(
                serde_json::to_value(InputProblemCode::from(code)).unwrap(),
                serde_json::Value::String(code.as_str().to_owned())
            );
        }
        assert_eq!(InputProblemCode::ALL.len(), ProblemCode::ALL.len() + 1);
    }
}
