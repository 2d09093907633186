//! Catches, before anything is paid or uploaded, what the service would refuse (HTTP 400)
//! or accept and then fail, and warns where it would silently drop or reinterpret input
//! (service-api §3.2–3.5, §10, §12.1–12.2). Every limit comes from the model's entry in
//! the catalogue (`model::Catalog`), so a model added as data is checked with no code
//! change: counts and lengths per kind, the source of an edit or extension, durations,
//! resolutions, aspect ratios, output formats, seeds, modes and the "2.0 way" jobs.
//!
//! Owns the problem vocabulary the app shows next to each field. [`validate`] is pure: it
//! reads only the request (durations already probed into each `Reference`). Looking at
//! local files is [`inspect_local_reference`] and [`kind_for_path_by_content`], which read
//! them through `media`. Pricing and submission are not this module's business.

use crate::media::{self, MediaInfo, MediaKind, ProbeError};
use crate::model::{
    Catalog, EffectiveMode, ImagesBeyondTwo, KindRule, Mode, ModelSpec, SettlementRule, TaskKind,
    VideoJob,
};
use crate::pricing::{group_digits as group, join_words};
use crate::prompt_refs;
use crate::request::{GenerationRequest, Reference, ReferenceSource};
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};

/// The outcome of checking a request. Submit only when `problems` is empty; `warnings`
/// are shown but do not block (they include notes such as "the aspect ratio is ignored in
/// keyframe mode").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    pub problems: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl Validation {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// Problems and warnings about one reference, by its position in
    /// `request.references`, for the row that shows it.
    pub fn for_reference(&self, position: usize) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .chain(&self.warnings)
            .filter(move |p| p.reference == Some(position))
    }
}

/// One thing to fix (or know). `message` is a full sentence for the creator that names
/// the field, the limit and the way out; the UI branches only on `code` and `field`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub field: Field,
    pub code: ProblemCode,
    pub message: String,
    /// Position in `request.references` when the problem is about one reference.
    pub reference: Option<usize>,
}

impl Problem {
    fn new(field: Field, code: ProblemCode, message: String) -> Problem {
        let reference = match field {
            Field::Reference(position) => Some(position),
            _ => None,
        };
        Problem {
            field,
            code,
            message,
            reference,
        }
    }

    /// The same problem, attached to the reference at `position` (a local-file check does
    /// not know where the caller put the file).
    pub fn at_reference(self, position: usize) -> Problem {
        Problem {
            field: Field::Reference(position),
            reference: Some(position),
            ..self
        }
    }
}

/// The request field a problem is about. Serialized as `"prompt"`, … or
/// `{"reference": 2}` (position in `request.references`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The model itself (one this build does not know).
    Model,
    Prompt,
    /// The references as a whole (counts, combined lengths, a missing source video).
    References,
    Reference(usize),
    Duration,
    Resolution,
    AspectRatio,
    Mode,
    Seed,
    OutputFormat,
    /// The "2.0 way" job (restyle, edit or extend a reference video).
    VideoJob,
}

impl Field {
    /// The snake_case name, as serde writes the unit variants (`"reference"` for a
    /// reference, whose position is in [`Problem::reference`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Model => "model",
            Field::Prompt => "prompt",
            Field::References => "references",
            Field::Reference(_) => "reference",
            Field::Duration => "duration",
            Field::Resolution => "resolution",
            Field::AspectRatio => "aspect_ratio",
            Field::Mode => "mode",
            Field::Seed => "seed",
            Field::OutputFormat => "output_format",
            Field::VideoJob => "video_job",
        }
    }
}

/// Stable, snake_case reasons. New codes may be added; existing ones never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    PromptEmpty,
    PromptTooLong,
    DurationOutOfRange,
    ResolutionUnsupported,
    SeedOutOfRange,
    TooManyImages,
    TooManyVideos,
    TooManyAudio,
    /// Audio with no image or video: accepted, then failed by the service.
    AudioWithoutVisual,
    /// Combined reference video over the limit: accepted, then failed.
    VideoTooLong,
    AudioTooLong,
    /// Warning: a reference's length is unknown, so a length limit is left to the
    /// service.
    DurationUnknown,
    UrlNotHttp,
    /// Warning: the URL's extension belongs to another kind of media.
    UrlWrongKind,
    /// Warning: the URL's extension is of the right kind but not in the accepted list.
    UrlUnsupportedFormat,
    /// Warning: `mode: keyframe` given, but video or audio forces reference mode.
    ModeForcedToReference,
    /// Warning: 3 or more images in keyframe mode; images 3+ are silently ignored.
    ImagesIgnored,
    FileMissing,
    FileUnreadable,
    FileEmpty,
    NotAFile,
    UnsupportedFileType,
    /// The file's content is another kind than the one it was added as.
    KindMismatch,
    /// Warning: the file name's extension disagrees with its content.
    FileExtensionMismatch,
    /// Warning: the file is large; uploading it will take a while.
    LargeUpload,
    /// The model is not in this build's catalogue.
    ModelUnknown,
    AspectRatioUnsupported,
    /// Warning: the aspect ratio is left out (a keyframe image or the source video
    /// decides the shape).
    AspectRatioIgnored,
    OutputFormatUnsupported,
    /// Fewer references of a kind than the model needs (Wan image-to-video: 1 image).
    TooFewReferences,
    /// Edit and extend (and the "2.0 way" jobs) need the source as reference video 1.
    SourceVideoMissing,
    /// The source of an edit or extension is shorter or longer than the model takes.
    SourceVideoOutOfRange,
    /// One reference video is shorter or longer than each video may be: accepted, then
    /// failed.
    VideoLengthOutOfRange,
    /// The reference videos plus the output duration exceed the model's limit.
    VideosPlusDurationTooLong,
    /// Warning: the model has no mode setting; the mode is left out.
    ModeIgnored,
    /// The "2.0 way" job is not offered by this model.
    VideoJobUnsupported,
    /// Warning: with a reference video, an edit-like prompt runs as an edit (2.5).
    PromptReadsAsEdit,
    /// Warning: the prompt names a reference ("image 3") that is not attached.
    PromptNamesMissingReference,
}

impl ProblemCode {
    /// Every code, for docs and exhaustive tests.
    pub const ALL: [ProblemCode; 38] = [
        ProblemCode::PromptEmpty,
        ProblemCode::PromptTooLong,
        ProblemCode::DurationOutOfRange,
        ProblemCode::ResolutionUnsupported,
        ProblemCode::SeedOutOfRange,
        ProblemCode::TooManyImages,
        ProblemCode::TooManyVideos,
        ProblemCode::TooManyAudio,
        ProblemCode::AudioWithoutVisual,
        ProblemCode::VideoTooLong,
        ProblemCode::AudioTooLong,
        ProblemCode::DurationUnknown,
        ProblemCode::UrlNotHttp,
        ProblemCode::UrlWrongKind,
        ProblemCode::UrlUnsupportedFormat,
        ProblemCode::ModeForcedToReference,
        ProblemCode::ImagesIgnored,
        ProblemCode::FileMissing,
        ProblemCode::FileUnreadable,
        ProblemCode::FileEmpty,
        ProblemCode::NotAFile,
        ProblemCode::UnsupportedFileType,
        ProblemCode::KindMismatch,
        ProblemCode::FileExtensionMismatch,
        ProblemCode::LargeUpload,
        ProblemCode::ModelUnknown,
        ProblemCode::AspectRatioUnsupported,
        ProblemCode::AspectRatioIgnored,
        ProblemCode::OutputFormatUnsupported,
        ProblemCode::TooFewReferences,
        ProblemCode::SourceVideoMissing,
        ProblemCode::SourceVideoOutOfRange,
        ProblemCode::VideoLengthOutOfRange,
        ProblemCode::VideosPlusDurationTooLong,
        ProblemCode::ModeIgnored,
        ProblemCode::VideoJobUnsupported,
        ProblemCode::PromptReadsAsEdit,
        ProblemCode::PromptNamesMissingReference,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::PromptEmpty => "prompt_empty",
            ProblemCode::PromptTooLong => "prompt_too_long",
            ProblemCode::DurationOutOfRange => "duration_out_of_range",
            ProblemCode::ResolutionUnsupported => "resolution_unsupported",
            ProblemCode::SeedOutOfRange => "seed_out_of_range",
            ProblemCode::TooManyImages => "too_many_images",
            ProblemCode::TooManyVideos => "too_many_videos",
            ProblemCode::TooManyAudio => "too_many_audio",
            ProblemCode::AudioWithoutVisual => "audio_without_visual",
            ProblemCode::VideoTooLong => "video_too_long",
            ProblemCode::AudioTooLong => "audio_too_long",
            ProblemCode::DurationUnknown => "duration_unknown",
            ProblemCode::UrlNotHttp => "url_not_http",
            ProblemCode::UrlWrongKind => "url_wrong_kind",
            ProblemCode::UrlUnsupportedFormat => "url_unsupported_format",
            ProblemCode::ModeForcedToReference => "mode_forced_to_reference",
            ProblemCode::ImagesIgnored => "images_ignored",
            ProblemCode::FileMissing => "file_missing",
            ProblemCode::FileUnreadable => "file_unreadable",
            ProblemCode::FileEmpty => "file_empty",
            ProblemCode::NotAFile => "not_a_file",
            ProblemCode::UnsupportedFileType => "unsupported_file_type",
            ProblemCode::KindMismatch => "kind_mismatch",
            ProblemCode::FileExtensionMismatch => "file_extension_mismatch",
            ProblemCode::LargeUpload => "large_upload",
            ProblemCode::ModelUnknown => "model_unknown",
            ProblemCode::AspectRatioUnsupported => "aspect_ratio_unsupported",
            ProblemCode::AspectRatioIgnored => "aspect_ratio_ignored",
            ProblemCode::OutputFormatUnsupported => "output_format_unsupported",
            ProblemCode::TooFewReferences => "too_few_references",
            ProblemCode::SourceVideoMissing => "source_video_missing",
            ProblemCode::SourceVideoOutOfRange => "source_video_out_of_range",
            ProblemCode::VideoLengthOutOfRange => "video_length_out_of_range",
            ProblemCode::VideosPlusDurationTooLong => "videos_plus_duration_too_long",
            ProblemCode::ModeIgnored => "mode_ignored",
            ProblemCode::VideoJobUnsupported => "video_job_unsupported",
            ProblemCode::PromptReadsAsEdit => "prompt_reads_as_edit",
            ProblemCode::PromptNamesMissingReference => "prompt_names_missing_reference",
        }
    }
}

/// File extensions the Seedance models document per kind (service-api §3.2, §12.1.1);
/// what one model takes is in its catalogue entry ([`KindRule::formats`]).
pub fn accepted_extensions(kind: MediaKind) -> &'static [&'static str] {
    match kind {
        MediaKind::Image => &["jpg", "jpeg", "png", "webp"],
        MediaKind::Video => &["mp4", "mov", "webm"],
        MediaKind::Audio => &["mp3", "wav", "m4a", "aac", "ogg", "flac"],
    }
}

/// Extensions that clearly name a kind even though the service does not accept them, so
/// a `.gif` among videos reads as "an image", not as "unknown".
fn other_known_extensions(kind: MediaKind) -> &'static [&'static str] {
    match kind {
        MediaKind::Image => &["gif", "bmp", "tif", "tiff", "heic", "heif", "avif", "svg"],
        MediaKind::Video => &["mkv", "avi", "m4v", "wmv", "flv", "mpg", "mpeg", "3gp"],
        MediaKind::Audio => &["opus", "wma", "aif", "aiff", "amr"],
    }
}

const KINDS: [MediaKind; 3] = [MediaKind::Image, MediaKind::Video, MediaKind::Audio];

fn kind_noun(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "image",
        MediaKind::Video => "video",
        MediaKind::Audio => "audio",
    }
}

fn kind_plural(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "images",
        MediaKind::Video => "videos",
        MediaKind::Audio => "audio clips",
    }
}

fn with_article(noun: &str) -> String {
    let article = match noun.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    };
    format!("{article} {noun}")
}

/// ".jpg, .jpeg, .png or .webp".
fn dotted_list(extensions: &[&str]) -> String {
    let dotted: Vec<String> = extensions.iter().map(|e| format!(".{e}")).collect();
    let refs: Vec<&str> = dotted.iter().map(String::as_str).collect();
    join_words(&refs, "or")
}

fn extension_list(kind: MediaKind) -> String {
    dotted_list(accepted_extensions(kind))
}

fn rule_for(spec: &ModelSpec, kind: MediaKind) -> &KindRule {
    match kind {
        MediaKind::Image => &spec.references.image,
        MediaKind::Video => &spec.references.video,
        MediaKind::Audio => &spec.references.audio,
    }
}

/// Seconds from the catalogue as exact milliseconds.
fn ms(secs: f64) -> u64 {
    (secs * 1000.0).round().max(0.0) as u64
}

/// Checks a request against its model's entry in the shipped catalogue. Pure: no I/O,
/// no clock.
///
/// A problem is anything the service answers with 400 or accepts and then fails
/// (references of audio alone, reference videos over their combined length, an edit
/// source outside 4–30 s); a warning is anything it silently drops or reinterprets, or a
/// limit we cannot check here.
pub fn validate(request: &GenerationRequest) -> Validation {
    validate_with(Catalog::shipped(), request)
}

/// [`validate`] against `catalog` (a model added as data, or a test's copy).
pub fn validate_with(catalog: &Catalog, request: &GenerationRequest) -> Validation {
    let mut v = Validation::default();
    let Some(spec) = catalog.model(request.model) else {
        let known: Vec<&str> = catalog.models.iter().map(|m| m.label.as_str()).collect();
        v.problems.push(Problem::new(
            Field::Model,
            ProblemCode::ModelUnknown,
            format!(
                "There is no model called “{}” in this version of Seedance Studio. Choose \
                 {} instead.",
                request.model.wire_id(),
                join_words(&known, "or")
            ),
        ));
        return v;
    };
    let c = Check {
        catalog,
        spec,
        request,
        label: spec.label.as_str(),
    };
    c.prompt(&mut v);
    let job_ok = c.video_job(&mut v);
    c.duration(job_ok, &mut v);
    c.resolution(&mut v);
    c.aspect_ratio(&mut v);
    c.output_format(&mut v);
    c.seed(&mut v);
    c.counts(&mut v);
    c.source(&mut v);
    c.reference_sources(&mut v);
    c.each_video_length(&mut v);
    c.combined_lengths(&mut v);
    c.mode(&mut v);
    c.edit_like_prompt(&mut v);
    c.named_references(&mut v);
    v
}

/// One request against one model's table.
struct Check<'a> {
    catalog: &'a Catalog,
    spec: &'a ModelSpec,
    request: &'a GenerationRequest,
    label: &'a str,
}

impl Check<'_> {
    /// The "2.0 way" job, if the model offers it.
    fn job(&self) -> Option<VideoJob> {
        self.request.offered_video_job(Some(self.spec))
    }

    fn job_label(&self, job: VideoJob) -> String {
        self.catalog
            .video_job(job)
            .map_or_else(|| job.as_str().to_owned(), |j| j.label.clone())
    }

    /// What the source video is called in messages.
    fn source_role(&self) -> &'static str {
        match (self.spec.task, self.job()) {
            (TaskKind::Edit, _) | (_, Some(VideoJob::Edit)) => "the video to edit",
            (TaskKind::Extend, _) | (_, Some(VideoJob::Extend)) => "the video to continue",
            _ => "the video to restyle",
        }
    }

    fn prompt(&self, v: &mut Validation) {
        let label = self.label;
        let max = self.spec.prompt_max_chars;
        if self.request.prompt.trim().is_empty() {
            v.problems.push(Problem::new(
                Field::Prompt,
                ProblemCode::PromptEmpty,
                format!(
                    "The prompt is empty; {label} needs a prompt of 1 to {} characters. \
                     Describe the video you want.",
                    group(max as u64)
                ),
            ));
            return;
        }
        // The documented limit is in characters; a byte count would refuse accented or
        // CJK prompts far below it. A job's lead-in is sent too, so it counts.
        let wire = self.request.wire_prompt_with(self.catalog);
        let chars = wire.chars().count();
        if chars > max {
            let with_lead_in = if self.job().is_some() {
                " with the job's opening words"
            } else {
                ""
            };
            v.problems.push(Problem::new(
                Field::Prompt,
                ProblemCode::PromptTooLong,
                format!(
                    "The prompt is {} characters{with_lead_in}; {label} accepts at most {}. \
                     Shorten it by {}.",
                    group(chars as u64),
                    group(max as u64),
                    group((chars - max) as u64)
                ),
            ));
        }
    }

    /// Refuses a job the model does not offer; `false` when it did.
    fn video_job(&self, v: &mut Validation) -> bool {
        let Some(job) = self.request.video_job else {
            return true;
        };
        if self.spec.video_jobs.contains(&job) {
            return true;
        }
        let name = self.job_label(job);
        let task = match job {
            VideoJob::Edit => Some(TaskKind::Edit),
            VideoJob::Extend => Some(TaskKind::Extend),
            VideoJob::Restyle => None,
        };
        let dedicated = task.and_then(|t| self.catalog.dedicated(&self.spec.family, t));
        let fix = match dedicated {
            Some(model) => format!("Switch to {}, or turn the job off.", model.label),
            None if job == VideoJob::Restyle && self.spec.references.video.max > 0 => {
                "Add the video as a reference and describe the new look in the prompt, \
                 or turn the job off."
                    .to_owned()
            }
            None => "Turn the job off, or switch to Seedance 2.0.".to_owned(),
        };
        v.problems.push(Problem::new(
            Field::VideoJob,
            ProblemCode::VideoJobUnsupported,
            format!(
                "{} has no “{name}” option{}. {fix}",
                self.label,
                if dedicated.is_some() {
                    "; it has a model of its own for that"
                } else {
                    ""
                }
            ),
        ));
        false
    }

    fn duration(&self, job_ok: bool, v: &mut Validation) {
        let Some(range) = self.spec.duration else {
            return;
        };
        let (min, max) = (range.min_secs, range.max_secs);
        let secs = self.request.effective_duration_secs_with(self.catalog);
        let set_by_source = job_ok
            && self.job() == Some(VideoJob::Edit)
            && self.request.source_video_ms().is_some();
        if (min..=max).contains(&secs) {
            return;
        }
        if set_by_source {
            // The duration is the source's length: the fix is the source, not the field.
            let position = self
                .request
                .position_of(MediaKind::Video, 1)
                .unwrap_or_default();
            let source_ms = self.request.source_video_ms().unwrap_or_default();
            let fix = if secs < min {
                "Use a longer clip".to_owned()
            } else {
                format!("Trim it to {max} s or less")
            };
            let alternative = self
                .catalog
                .models
                .iter()
                .find(|m| m.task == TaskKind::Edit)
                .map(|m| {
                    let range = m.references.source.map_or(String::new(), |s| {
                        format!(
                            " (sources of {} to {})",
                            seconds(ms(s.min_secs)),
                            seconds(ms(s.max_secs))
                        )
                    });
                    format!(", or switch to {}{range}", m.label)
                })
                .unwrap_or_default();
            v.problems.push(Problem::new(
                Field::Reference(position),
                ProblemCode::SourceVideoOutOfRange,
                format!(
                    "The video to edit (video 1) is {}; an edit lasts as long as its source, \
                     and {} makes clips of {min} to {max} s. {fix}{alternative}.",
                    seconds(source_ms),
                    self.label
                ),
            ));
            return;
        }
        let fix = if secs < min {
            format!("Choose {min} s or more.")
        } else {
            format!("Choose {max} s or less.")
        };
        let makes = if self.spec.task == TaskKind::Extend {
            format!("adds {min} to {max} s of new footage")
        } else {
            format!("makes clips of {min} to {max} s")
        };
        v.problems.push(Problem::new(
            Field::Duration,
            ProblemCode::DurationOutOfRange,
            format!("The duration is {secs} s; {} {makes}. {fix}", self.label),
        ));
    }

    /// Another model of the same task that offers what this one lacks, for the fix.
    fn alternative(&self, offers: impl Fn(&ModelSpec) -> bool) -> Option<&str> {
        self.catalog
            .models
            .iter()
            .find(|m| m.id != self.spec.id && m.task == self.spec.task && offers(m))
            .map(|m| m.label.as_str())
    }

    fn resolution(&self, v: &mut Validation) {
        let wanted = self.request.resolution;
        let offered_list = &self.spec.resolutions;
        if offered_list.contains(&wanted) {
            return;
        }
        let offered: Vec<&str> = offered_list.iter().map(|r| r.wire_id()).collect();
        let best_offered = offered_list
            .iter()
            .max()
            .map_or("a lower resolution", |r| r.wire_id());
        let alternative = self
            .alternative(|m| m.resolutions.contains(&wanted))
            .map(|m| format!(", or switch to {m} for {}", wanted.wire_id()))
            .unwrap_or_default();
        v.problems.push(Problem::new(
            Field::Resolution,
            ProblemCode::ResolutionUnsupported,
            format!(
                "The resolution {} is not available on {}, which offers {}. Choose {best_offered}{alternative}.",
                wanted.wire_id(),
                self.label,
                join_words(&offered, "and"),
            ),
        ));
    }

    fn aspect_ratio(&self, v: &mut Validation) {
        let Some(ratio) = self.request.aspect_ratio else {
            return;
        };
        let label = self.label;
        let shown = ratio.wire_id();
        let source_keeps_shape = !self.spec.aspect.field
            || matches!(self.job(), Some(VideoJob::Edit | VideoJob::Extend));
        if source_keeps_shape {
            v.warnings.push(Problem::new(
                Field::AspectRatio,
                ProblemCode::AspectRatioIgnored,
                format!(
                    "{label} keeps the shape of {}, so the aspect ratio {shown} is left out. \
                     Clear it to match what you will get.",
                    self.source_role()
                ),
            ));
            return;
        }
        if !self.spec.aspect.ratios.contains(&ratio) {
            let offered: Vec<&str> = self
                .spec
                .aspect
                .ratios
                .iter()
                .map(|r| r.wire_id())
                .collect();
            v.problems.push(Problem::new(
                Field::AspectRatio,
                ProblemCode::AspectRatioUnsupported,
                format!(
                    "The aspect ratio {shown} is not available on {label}, which offers {}. \
                     Choose one of them, or leave it empty to follow the references.",
                    join_words(&offered, "and")
                ),
            ));
            return;
        }
        if self.spec.aspect.keyframe_keeps_image_ratio
            && self.request.effective_mode_with(self.catalog) == Some(EffectiveMode::Keyframe)
        {
            v.warnings.push(Problem::new(
                Field::AspectRatio,
                ProblemCode::AspectRatioIgnored,
                format!(
                    "In keyframe mode {label} keeps the shape of image 1, so the aspect ratio \
                     {shown} is ignored and left out. Clear it, or switch the mode to \
                     Reference to choose the shape."
                ),
            ));
        }
    }

    fn output_format(&self, v: &mut Validation) {
        let Some(format) = self.request.output_format else {
            return;
        };
        if self.spec.output_formats.contains(&format) {
            return;
        }
        let offered: Vec<String> = self
            .spec
            .output_formats
            .iter()
            .map(|f| format!(".{}", f.extension()))
            .collect();
        let offered: Vec<&str> = offered.iter().map(String::as_str).collect();
        let alternative = self
            .alternative(|m| m.output_formats.contains(&format))
            .map(|m| format!(", or switch to {m} for .{}", format.extension()))
            .unwrap_or_default();
        v.problems.push(Problem::new(
            Field::OutputFormat,
            ProblemCode::OutputFormatUnsupported,
            format!(
                "{} makes {} files only, not .{}. Choose {}{alternative}.",
                self.label,
                join_words(&offered, "or"),
                format.extension(),
                self.spec.default_output_format().wire_id(),
            ),
        ));
    }

    fn seed(&self, v: &mut Validation) {
        let Some(seed) = self.request.seed else {
            return;
        };
        let seed_max = self.spec.seed_max;
        let in_range = seed == -1 || u64::try_from(seed).is_ok_and(|s| s <= seed_max);
        if in_range {
            return;
        }
        v.problems.push(Problem::new(
            Field::Seed,
            ProblemCode::SeedOutOfRange,
            format!(
                "The seed {seed} is out of range; {} accepts a seed from 0 to {}, or -1 for a \
                 random one. Enter a seed in that range or leave it empty.",
                self.label,
                group(seed_max)
            ),
        ));
    }

    fn counts(&self, v: &mut Validation) {
        let label = self.label;
        let request = self.request;
        for (kind, code) in [
            (MediaKind::Image, ProblemCode::TooManyImages),
            (MediaKind::Video, ProblemCode::TooManyVideos),
            (MediaKind::Audio, ProblemCode::TooManyAudio),
        ] {
            let rule = rule_for(self.spec, kind);
            let count = request.count_of(kind);
            if count > rule.max {
                let message = if rule.max == 0 {
                    format!(
                        "There are {count} reference {}; {label} takes none. Remove {}.",
                        kind_plural(kind),
                        if count == 1 { "it" } else { "them" }
                    )
                } else {
                    format!(
                        "There are {count} reference {}; {label} accepts at most {}. Remove {}.",
                        kind_plural(kind),
                        rule.max,
                        count - rule.max
                    )
                };
                v.problems
                    .push(Problem::new(Field::References, code, message));
            }
            // A source video is required by a rule of its own, with its own words.
            let source_rule = kind == MediaKind::Video && self.spec.references.source.is_some();
            if count < rule.min && !source_rule {
                v.problems.push(Problem::new(
                    Field::References,
                    ProblemCode::TooFewReferences,
                    format!(
                        "There {} {count} reference {}; {label} needs {} to {}. Add {}.",
                        if count == 1 { "is" } else { "are" },
                        if count == 1 {
                            kind_noun(kind)
                        } else {
                            kind_plural(kind)
                        },
                        rule.min,
                        rule.max,
                        rule.min - count
                    ),
                ));
            }
        }
        let audio = request.count_of(MediaKind::Audio);
        if self.spec.references.audio_needs_visual
            && audio > 0
            && request.count_of(MediaKind::Image) == 0
            && request.count_of(MediaKind::Video) == 0
        {
            v.problems.push(Problem::new(
                Field::References,
                ProblemCode::AudioWithoutVisual,
                format!(
                    "The references are audio only; {label} needs at least 1 image or video \
                     alongside audio (audio alone is accepted and then fails). Add an image or \
                     a video, or remove the audio."
                ),
            ));
        }
    }

    /// Edit and extend models, and the "2.0 way" jobs: the source is reference video 1.
    fn source(&self, v: &mut Validation) {
        let job = self.job();
        let rule = self.spec.references.source;
        if rule.is_none() && job.is_none() {
            return;
        }
        let label = self.label;
        let role = self.source_role();
        let Some(position) = self.request.position_of(MediaKind::Video, 1) else {
            let what = match job {
                Some(job) => format!("“{}”", self.job_label(job)),
                None => label.to_owned(),
            };
            let action = match (self.spec.task, job) {
                (TaskKind::Edit, _) => "changes an existing clip",
                (TaskKind::Extend, _) => "continues an existing clip",
                _ => "works on an existing clip",
            };
            let or_off = if job.is_some() {
                ", or turn the job off"
            } else {
                ""
            };
            v.problems.push(Problem::new(
                Field::References,
                ProblemCode::SourceVideoMissing,
                format!("{what} {action}: add {role} as reference video 1{or_off}."),
            ));
            return;
        };
        let Some(rule) = rule else {
            // A "2.0 way" edit whose source length is unknown cannot take it as its
            // duration; the length checks of the others are in `combined_lengths`.
            if job == Some(VideoJob::Edit) && self.request.source_video_ms().is_none() {
                v.warnings.push(Problem::new(
                    Field::Reference(position),
                    ProblemCode::DurationUnknown,
                    format!(
                        "The length of video 1 is unknown here, so the duration cannot be set \
                         to it (an edit lasts as long as its source). Set the duration to the \
                         source's length, {} s now.",
                        self.request.duration_secs
                    ),
                ));
            }
            return;
        };
        let (lo, hi) = (ms(rule.min_secs), ms(rule.max_secs));
        let range = format!("{} to {}", seconds(lo), seconds(hi));
        match self.request.source_video_ms() {
            Some(length) if length < lo || length > hi => {
                let fix = if length < lo {
                    "Use a longer clip.".to_owned()
                } else {
                    format!("Trim it to {} or less.", seconds(hi))
                };
                v.problems.push(Problem::new(
                    Field::Reference(position),
                    ProblemCode::SourceVideoOutOfRange,
                    format!(
                        "{} (video 1) is {}; {label} needs a source of {range}. {fix}",
                        capitalized(role),
                        seconds(length)
                    ),
                ));
            }
            Some(_) => {}
            None => v.warnings.push(Problem::new(
                Field::Reference(position),
                ProblemCode::DurationUnknown,
                format!(
                    "The length of video 1 ({role}) is unknown here; {label} needs a source of \
                     {range}, which the service checks after submission (a task outside it \
                     fails and is refunded). Make sure it fits."
                ),
            )),
        }
    }

    fn reference_sources(&self, v: &mut Validation) {
        let label = self.label;
        let request = self.request;
        for (position, reference) in request.references.iter().enumerate() {
            let ReferenceSource::Url { url } = &reference.source else {
                continue;
            };
            let name = capitalized(&reference_name(request, position, reference));
            let parsed = url::Url::parse(url.trim());
            let scheme_ok = parsed
                .as_ref()
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !scheme_ok {
                let what = match &parsed {
                    Ok(u) if !matches!(u.scheme(), "http" | "https") => {
                        format!("has an address starting with {}:", u.scheme())
                    }
                    _ => "has an address that is not a web address".to_string(),
                };
                v.problems.push(Problem::new(
                    Field::Reference(position),
                    ProblemCode::UrlNotHttp,
                    format!(
                        "{name} {what}; {label} can only fetch references from http:// or \
                         https:// addresses. Paste a web address, or add the file from this computer."
                    ),
                ));
                continue;
            }
            let Some(ext) = parsed.ok().and_then(|u| url_extension(&u)) else {
                continue;
            };
            let rule = rule_for(self.spec, reference.kind);
            // A kind the model takes none of is refused as a whole (`counts`).
            if rule.max == 0 {
                continue;
            }
            let formats: Vec<&str> = rule.formats.iter().map(String::as_str).collect();
            if formats.contains(&ext.as_str()) {
                continue;
            }
            let accepted = if formats.is_empty() {
                extension_list(reference.kind)
            } else {
                dotted_list(&formats)
            };
            let actual_kind = KINDS.into_iter().find(|k| {
                *k != reference.kind
                    && (accepted_extensions(*k).contains(&ext.as_str())
                        || other_known_extensions(*k).contains(&ext.as_str()))
            });
            if let Some(actual) = actual_kind {
                v.warnings.push(Problem::new(
                    Field::Reference(position),
                    ProblemCode::UrlWrongKind,
                    format!(
                        "{name}'s address ends in .{ext}, which is {}; {} must be {}. \
                         Add it as {} instead, or replace it.",
                        with_article(&format!("{} file", kind_noun(actual))),
                        kind_plural(reference.kind),
                        accepted,
                        with_article(&format!("{} reference", kind_noun(actual))),
                    ),
                ));
            } else if other_known_extensions(reference.kind).contains(&ext.as_str())
                || accepted_extensions(reference.kind).contains(&ext.as_str())
            {
                v.warnings.push(Problem::new(
                    Field::Reference(position),
                    ProblemCode::UrlUnsupportedFormat,
                    format!(
                        "{name}'s address ends in .{ext}; {label} accepts {} as {}, so the service \
                         may refuse it. Convert it or use another file.",
                        kind_plural(reference.kind),
                        accepted,
                    ),
                ));
            }
        }
    }

    /// Each video's own length (2.5: 2–30 s). The source of an edit or extension has its
    /// own rule and words (`source`).
    fn each_video_length(&self, v: &mut Validation) {
        let rule = &self.spec.references.video;
        if rule.each_min_secs.is_none() && rule.each_max_secs.is_none() {
            return;
        }
        let lo = rule.each_min_secs.map_or(0, ms);
        let hi = rule.each_max_secs.map_or(u64::MAX, ms);
        let skip_source = self.spec.references.source.is_some();
        for (index, (position, reference)) in self
            .request
            .references
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind == MediaKind::Video)
            .enumerate()
        {
            let Some(length) = reference.duration_ms else {
                continue;
            };
            if (skip_source && index == 0) || (lo..=hi).contains(&length) {
                continue;
            }
            let range = match (rule.each_min_secs, rule.each_max_secs) {
                (Some(a), Some(b)) => format!("of {} to {} each", seconds(ms(a)), seconds(ms(b))),
                (Some(a), None) => format!("of at least {} each", seconds(ms(a))),
                (None, _) => format!("of at most {} each", seconds(hi)),
            };
            let fix = if length < lo {
                "Use a longer clip or remove it.".to_owned()
            } else {
                format!("Trim it to {} or less.", seconds(hi))
            };
            v.problems.push(Problem::new(
                Field::Reference(position),
                ProblemCode::VideoLengthOutOfRange,
                format!(
                    "Video {} is {}; {} takes reference videos {range} (others are accepted \
                     and then fail). {fix}",
                    index + 1,
                    seconds(length),
                    self.label
                ),
            ));
        }
    }

    fn combined_lengths(&self, v: &mut Validation) {
        let request = self.request;
        let label = self.label;
        for (kind, code) in [
            (MediaKind::Video, ProblemCode::VideoTooLong),
            (MediaKind::Audio, ProblemCode::AudioTooLong),
        ] {
            let rule = rule_for(self.spec, kind);
            let mut known_ms: u64 = 0;
            let mut unknown = Vec::new();
            for (position, reference) in request.references.iter().enumerate() {
                if reference.kind != kind {
                    continue;
                }
                match reference.duration_ms {
                    Some(ms) => known_ms = known_ms.saturating_add(ms),
                    None => unknown.push(position),
                }
            }
            let mut over = false;
            if let Some(max) = rule.combined_max_secs {
                let max_ms = ms(max);
                if known_ms > max_ms {
                    over = true;
                    v.problems.push(Problem::new(
                        Field::References,
                        code,
                        format!(
                            "The reference {} add up to {}; {label} accepts at most {} combined \
                             (more is accepted and then fails). Trim them by {} or remove one.",
                            kind_plural(kind),
                            seconds(known_ms),
                            seconds(max_ms),
                            seconds(known_ms - max_ms),
                        ),
                    ));
                }
            }
            if let Some(max) = rule.with_duration_max_secs {
                let max_ms = ms(max);
                let duration_ms =
                    u64::from(request.effective_duration_secs_with(self.catalog)) * 1000;
                let total = known_ms.saturating_add(duration_ms);
                if known_ms > 0 && total > max_ms {
                    over = true;
                    v.problems.push(Problem::new(
                        Field::References,
                        ProblemCode::VideosPlusDurationTooLong,
                        format!(
                            "The reference {} ({}) and the duration ({}) add up to {}; {label} \
                             accepts at most {} together (more is accepted and then fails). \
                             Shorten the {} or the duration by {}.",
                            kind_plural(kind),
                            seconds(known_ms),
                            seconds(duration_ms),
                            seconds(total),
                            seconds(max_ms),
                            kind_plural(kind),
                            seconds(total - max_ms),
                        ),
                    ));
                }
            }
            let limits: Vec<String> = [rule.combined_max_secs, rule.with_duration_max_secs]
                .into_iter()
                .flatten()
                .map(|s| seconds(ms(s)))
                .collect();
            if over || limits.is_empty() {
                continue;
            }
            for position in unknown {
                // The source of an edit or extension has its own note (`source`).
                let is_source = self.spec.references.source.is_some()
                    && request.position_of(MediaKind::Video, 1) == Some(position);
                if is_source {
                    continue;
                }
                let name = reference_name(request, position, &request.references[position]);
                let with_duration = if rule.with_duration_max_secs.is_some() {
                    " with the duration"
                } else {
                    " combined"
                };
                v.warnings.push(Problem::new(
                    Field::Reference(position),
                    ProblemCode::DurationUnknown,
                    format!(
                        "The length of {name} is unknown here; reference {} may be at most {}{with_duration}, \
                         which the service checks after submission (a task over it \
                         fails and is refunded). Make sure they fit.",
                        kind_plural(kind),
                        limits[0],
                    ),
                ));
            }
        }
    }

    fn mode(&self, v: &mut Validation) {
        let request = self.request;
        let label = self.label;
        if !self.spec.modes.field {
            if request.mode.is_some() {
                let why = if self.spec.modes.fixed == Some(Mode::Reference) {
                    format!("always works from {} and", self.source_role())
                } else {
                    "chooses by itself and".to_owned()
                };
                v.warnings.push(Problem::new(
                    Field::Mode,
                    ProblemCode::ModeIgnored,
                    format!(
                        "{label} {why} has no mode setting, so the mode is left out. Clear it \
                         to match what you will get."
                    ),
                ));
            }
            return;
        }
        let images = request.count_of(MediaKind::Image);
        let videos = request.count_of(MediaKind::Video);
        let audio = request.count_of(MediaKind::Audio);
        let forced = videos > 0 || (audio > 0 && images > 0);
        if request.mode == Some(Mode::Keyframe) && forced {
            let because = if videos > 0 {
                "a reference video"
            } else {
                "audio with an image"
            };
            v.warnings.push(Problem::new(
                Field::Mode,
                ProblemCode::ModeForcedToReference,
                format!(
                    "Mode is set to keyframe, but with {because} {label} always uses reference \
                     mode. Switch the mode to reference to match what you will get."
                ),
            ));
            return;
        }
        let keyframe = request.effective_mode_with(self.catalog) == Some(EffectiveMode::Keyframe);
        if keyframe && images >= 3 && images <= self.spec.references.image.max {
            let instead = match self.spec.modes.three_or_more_images {
                ImagesBeyondTwo::KeyframeFirstTwo => "Switch to Reference mode",
                ImagesBeyondTwo::Reference => "Switch to Reference mode (or leave the mode empty)",
            };
            let named_ignored: Vec<String> = prompt_refs::mentions(&request.prompt)
                .into_iter()
                .filter(|m| m.kind == MediaKind::Image && (3..=images).contains(&m.number))
                .map(|m| format!("image {}", m.number))
                .fold(Vec::new(), |mut names, name| {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                    names
                });
            let named = if named_ignored.is_empty() {
                String::new()
            } else {
                format!(
                    " Your prompt names {}, which {label} will not see.",
                    join_words(
                        &named_ignored.iter().map(String::as_str).collect::<Vec<_>>(),
                        "and"
                    )
                )
            };
            v.warnings.push(Problem::new(
                Field::Mode,
                ProblemCode::ImagesIgnored,
                format!(
                    "In keyframe mode {label} uses at most 2 images (the first and last frame): \
                     only images 1 and 2 are used and images 3 to {images} are ignored.{named} \
                     {instead} to use all {images}."
                ),
            ));
        }
    }

    /// service-api §12.2.2: in a family with a dedicated edit model, the generator runs a
    /// prompt that reads like an edit, with a reference video, as an edit (the duration
    /// ignored, the bill 2 × the reference's seconds).
    fn edit_like_prompt(&self, v: &mut Validation) {
        let settles = matches!(
            self.spec.pricing.settlement,
            SettlementRule::VideosPlusDuration { .. }
        );
        let Some(edit_model) = self.catalog.dedicated(&self.spec.family, TaskKind::Edit) else {
            return;
        };
        if self.spec.task != TaskKind::Generate || !settles || !self.request.has_reference_video() {
            return;
        }
        let Some(words) = edit_words(&self.request.prompt) else {
            return;
        };
        v.warnings.push(Problem::new(
            Field::Prompt,
            ProblemCode::PromptReadsAsEdit,
            format!(
                "With a reference video, {} runs a prompt that reads like an edit (“{words}”) \
                 as an edit: the duration is ignored, the clip has the video's length and \
                 costs 2 × its seconds. To change a clip, use {}; to use the video as a \
                 reference, describe a new shot.",
                self.label, edit_model.label
            ),
        ));
    }

    /// A prompt that names a reference no attached file answers to ("image 3" with two
    /// images) is sent as it is and the words point at nothing; say so before it is paid.
    fn named_references(&self, v: &mut Validation) {
        for mention in prompt_refs::unanswered(self.request) {
            let word = prompt_refs::kind_word(mention.kind);
            let have = self.request.count_of(mention.kind);
            let attached = match have {
                0 => format!("no {word} is attached"),
                1 => format!("only 1 {word} is attached"),
                n if mention.kind == MediaKind::Audio => {
                    format!("only {n} audio files are attached")
                }
                n => format!("only {n} {word}s are attached"),
            };
            v.warnings.push(Problem::new(
                Field::Prompt,
                ProblemCode::PromptNamesMissingReference,
                format!(
                    "The prompt names {word} {number}, but {attached} (each kind is numbered \
                     from 1 in the order shown). Attach it, or change the prompt to name one \
                     that is there.",
                    number = mention.number
                ),
            ));
        }
    }
}

/// The edit wording the documentation names (service-api §12.2.2), if the prompt has it.
fn edit_words(prompt: &str) -> Option<&'static str> {
    let lower = prompt.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    let phrase = |p: &str| lower.contains(p);
    if has("edit") {
        Some("edit")
    } else if has("replace") {
        Some("replace")
    } else if phrase("turn into") || phrase("turn it into") {
        Some("turn into")
    } else if phrase("keep every motion") {
        Some("keep every motion")
    } else if let Some(at) = words.iter().position(|w| *w == "change") {
        words[at..].contains(&"to").then_some("change … to")
    } else {
        None
    }
}

/// "image 2", "video 1": how the service itself numbers references in its messages.
fn reference_name(request: &GenerationRequest, position: usize, reference: &Reference) -> String {
    let index = request.index_within_kind(position).unwrap_or(position + 1);
    format!("{} {index}", kind_noun(reference.kind))
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The lower-cased extension of the URL's last path segment, if it has one.
fn url_extension(url: &url::Url) -> Option<String> {
    let last = url.path_segments()?.next_back()?;
    let (stem, ext) = last.rsplit_once('.')?;
    if stem.is_empty() || ext.is_empty() || ext.len() > 5 {
        return None;
    }
    Some(ext.to_ascii_lowercase())
}

/// The service documents no upload size limit; above this we only warn that the upload
/// will take a while.
pub const LARGE_UPLOAD_BYTES: u64 = 500_000_000;

/// What a local file turned out to be, read from its content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalReferenceReport {
    pub media: MediaInfo,
    /// Playing time rounded up to the millisecond, so the 15 s combined check never
    /// passes a clip the service would find a fraction too long.
    pub duration_ms: Option<u64>,
    /// Things to know that do not stop the file being used (size, a misleading name).
    pub warnings: Vec<Problem>,
}

impl LocalReferenceReport {
    pub fn kind(&self) -> MediaKind {
        self.media.kind
    }

    /// The request reference for this file, not yet uploaded.
    pub fn to_reference(&self, path: PathBuf) -> Reference {
        Reference {
            kind: self.media.kind,
            source: ReferenceSource::LocalFile {
                path,
                uploaded: None,
            },
            duration_ms: self.duration_ms,
        }
    }
}

/// Checks a local file added as a `declared` reference by its content (never its name):
/// that it exists, is a non-empty file, is in a format the service accepts, and really is
/// of the declared kind; reads its duration. Runs the file reads on the blocking pool.
///
/// The returned problem has `field: References` and no position; attach it to a row with
/// [`Problem::at_reference`].
pub async fn inspect_local_reference(
    path: &Path,
    declared: MediaKind,
) -> Result<LocalReferenceReport, Problem> {
    let owned = path.to_path_buf();
    match tokio::task::spawn_blocking(move || inspect_blocking(&owned, declared)).await {
        Ok(result) => result,
        Err(_) => Err(file_problem(
            ProblemCode::FileUnreadable,
            format!(
                "The check of {} stopped before it finished. Add the file again.",
                quoted_name(path)
            ),
        )),
    }
}

/// The kind of media a file holds, by content, for filing a dropped file under images,
/// videos or audio. Blocking (reads the file's headers): call it off the async runtime.
pub fn kind_for_path_by_content(path: &Path) -> Result<MediaKind, Problem> {
    probe_checked(path, None).map(|info| info.kind)
}

fn inspect_blocking(path: &Path, declared: MediaKind) -> Result<LocalReferenceReport, Problem> {
    let media = probe_checked(path, Some(declared))?;
    let name = quoted_name(path);
    if media.kind != declared {
        return Err(file_problem(
            ProblemCode::KindMismatch,
            format!(
                "{name} holds {} ({}), not {}. Add it as {} reference instead.",
                kind_phrase(media.kind),
                media.container.name(),
                kind_phrase(declared),
                with_article(&media.kind.to_string()),
            ),
        ));
    }
    let mut warnings = Vec::new();
    if let Some(message) = media::extension_mismatch(path, &media) {
        warnings.push(file_problem(ProblemCode::FileExtensionMismatch, message));
    }
    if media.size_bytes > LARGE_UPLOAD_BYTES {
        warnings.push(file_problem(
            ProblemCode::LargeUpload,
            format!(
                "{name} is {}; the service sets no size limit, but files over {} take a \
                 while to upload. A shorter or smaller export uploads faster.",
                megabytes(media.size_bytes),
                megabytes(LARGE_UPLOAD_BYTES),
            ),
        ));
    }
    let duration_ms = media.duration.map(|d| {
        let ms = d.as_nanos().div_ceil(1_000_000);
        u64::try_from(ms).unwrap_or(u64::MAX)
    });
    Ok(LocalReferenceReport {
        media,
        duration_ms,
        warnings,
    })
}

/// Probes `path`, turning every way it can fail into a problem that names the file.
fn probe_checked(path: &Path, declared: Option<MediaKind>) -> Result<MediaInfo, Problem> {
    let name = quoted_name(path);
    // Looked up first so "gone" reads differently from "unreadable".
    match std::fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(file_problem(
                ProblemCode::FileMissing,
                format!(
                    "{name} is no longer at {}; it may have been moved, renamed or deleted. \
                     Add it again from where it is now.",
                    parent_display(path)
                ),
            ));
        }
        Ok(meta) if meta.is_dir() => {
            return Err(file_problem(
                ProblemCode::NotAFile,
                format!(
                    "{name} is a folder; a reference must be one image ({}), video ({}) or \
                     audio file ({}). Add a file from inside it.",
                    extension_list(MediaKind::Image),
                    extension_list(MediaKind::Video),
                    extension_list(MediaKind::Audio),
                ),
            ));
        }
        // Other lookup errors (permissions, a name too long) surface from the probe below
        // with the system's own explanation.
        _ => {}
    }
    let as_what = declared.map_or_else(
        || "a reference".to_string(),
        |kind| format!("{} reference", with_article(&kind.to_string())),
    );
    media::probe_file(path).map_err(|error| match error {
        ProbeError::Empty => file_problem(
            ProblemCode::FileEmpty,
            format!(
                "{name} is empty (0 bytes), so it cannot be used as {as_what}; a reference \
                 must be a real image ({}), video ({}) or audio file ({}). Pick the original \
                 file again.",
                extension_list(MediaKind::Image),
                extension_list(MediaKind::Video),
                extension_list(MediaKind::Audio),
            ),
        ),
        ProbeError::Unrecognized { .. } => file_problem(
            ProblemCode::UnsupportedFileType,
            format!("{name} cannot be used as {as_what}. {error}"),
        ),
        ProbeError::Unreadable { .. } => file_problem(
            ProblemCode::FileUnreadable,
            format!("{name} cannot be used as {as_what}. {error}"),
        ),
        // The probe's own wording already names the path.
        ProbeError::Io { .. } => file_problem(ProblemCode::FileUnreadable, error.to_string()),
    })
}

fn file_problem(code: ProblemCode, message: String) -> Problem {
    Problem::new(Field::References, code, message)
}

/// “clip one.mp4”: the file's own name, however it is spelled.
fn quoted_name(path: &Path) -> String {
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    format!("“{name}”")
}

fn parent_display(path: &Path) -> String {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => format!("“{}”", dir.display()),
        _ => "its folder".to_string(),
    }
}

fn kind_phrase(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "an image",
        MediaKind::Video => "a video",
        MediaKind::Audio => "audio",
    }
}

/// "612 MB", "1.2 GB" (decimal units, as file managers show them).
fn megabytes(bytes: u64) -> String {
    if bytes >= 10_000_000_000 {
        format!("{} GB", bytes / 1_000_000_000)
    } else if bytes >= 1_000_000_000 {
        format!("{:.1} GB", bytes as f64 / 1e9)
    } else {
        format!("{} MB", bytes / 1_000_000)
    }
}

/// "15 s", "17.5 s", "15.001 s": exact, without trailing zeros.
fn seconds(ms: u64) -> String {
    let whole = ms / 1000;
    let frac = ms % 1000;
    if frac == 0 {
        return format!("{whole} s");
    }
    let digits = format!("{frac:03}");
    format!("{whole}.{} s", digits.trim_end_matches('0'))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_exact_and_trimmed() {
        assert_eq!(seconds(15_000), "15 s");
        assert_eq!(seconds(17_500), "17.5 s");
        assert_eq!(seconds(15_001), "15.001 s");
        assert_eq!(seconds(250), "0.25 s");
    }

    #[test]
    fn url_extensions_ignore_query_and_case() {
        let ext = |s: &str| url_extension(&url::Url::parse(s).unwrap());
        assert_eq!(ext("https://a/b/clip.MP4?sig=x.png"), Some("mp4".into()));
        assert_eq!(ext("https://a/b/"), None);
        assert_eq!(ext("https://a/.hidden"), None);
        assert_eq!(ext("https://a/image"), None);
    }

    #[test]
    fn codes_serialize_as_their_stable_names() {
        for code in ProblemCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
        assert_eq!(
            serde_json::to_value(Field::Reference(2)).unwrap(),
            serde_json::json!({"reference": 2})
        );
        assert_eq!(
            serde_json::to_value(Field::AspectRatio).unwrap(),
            "aspect_ratio"
        );
    }
}
