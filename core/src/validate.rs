//! Catches, before anything is paid or uploaded, what the service would refuse (HTTP 400)
//! or accept and then fail, and warns where it would silently drop or reinterpret input
//! (service-api §3.2–3.4, §10).
//!
//! Owns the problem vocabulary the app shows next to each field. [`validate`] is pure: it
//! reads only the request (durations already probed into each `Reference`). Looking at
//! local files is [`inspect_local_reference`] and [`kind_for_path_by_content`], which read
//! them through `media`. Pricing and submission are not this module's business.

use crate::media::{self, MediaInfo, MediaKind, ProbeError};
use crate::model::{Mode, ModelId, ModelLimits};
use crate::pricing::{group_digits as group, join_words};
use crate::request::{GenerationRequest, Reference, ReferenceSource};
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};

/// The outcome of checking a request. Submit only when `problems` is empty; `warnings`
/// are shown but do not block.
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
    Prompt,
    /// The references as a whole (counts, combined lengths).
    References,
    Reference(usize),
    Duration,
    Resolution,
    AspectRatio,
    Mode,
    Seed,
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
    /// Warning: a reference's length is unknown, so the combined limit is left to the
    /// service.
    DurationUnknown,
    UrlNotHttp,
    /// Warning: the URL's extension belongs to another kind of media.
    UrlWrongKind,
    /// Warning: the URL's extension is of the right kind but not in the accepted list.
    UrlUnsupportedFormat,
    /// Warning: `mode: keyframe` given, but video or audio forces reference mode.
    ModeForcedToReference,
    /// Warning: 3–9 images in keyframe mode; images 3+ are silently ignored.
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
}

impl ProblemCode {
    /// Every code, for docs and exhaustive tests.
    pub const ALL: [ProblemCode; 25] = [
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
        }
    }
}

/// File extensions the service documents per kind (service-api §3.2).
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
fn extension_list(kind: MediaKind) -> String {
    let dotted: Vec<String> = accepted_extensions(kind)
        .iter()
        .map(|e| format!(".{e}"))
        .collect();
    let refs: Vec<&str> = dotted.iter().map(String::as_str).collect();
    join_words(&refs, "or")
}

/// Checks a request against its model's documented limits. Pure: no I/O, no clock.
///
/// A problem is anything the service answers with 400 or accepts and then fails
/// (references of audio alone, more than 15 s of reference video); a warning is anything
/// it silently drops or reinterprets, or a limit we cannot check here.
pub fn validate(request: &GenerationRequest) -> Validation {
    let mut v = Validation::default();
    let model = request.model;
    let limits = model.limits();
    check_prompt(request, limits, &mut v);
    check_duration(request, limits, &mut v);
    check_resolution(request, &mut v);
    check_seed(request, limits, &mut v);
    check_counts(request, limits, &mut v);
    check_reference_sources(request, &mut v);
    check_combined_lengths(request, limits, &mut v);
    check_mode(request, &mut v);
    v
}

fn check_prompt(request: &GenerationRequest, limits: &ModelLimits, v: &mut Validation) {
    let label = request.model.label();
    let max = limits.prompt_max_chars;
    if request.prompt.trim().is_empty() {
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
    // The documented limit is in characters; a byte count would refuse accented or CJK
    // prompts far below it.
    let chars = request.prompt.chars().count();
    if chars > max {
        v.problems.push(Problem::new(
            Field::Prompt,
            ProblemCode::PromptTooLong,
            format!(
                "The prompt is {} characters; {label} accepts at most {}. Shorten it by {}.",
                group(chars as u64),
                group(max as u64),
                group((chars - max) as u64)
            ),
        ));
    }
}

fn check_duration(request: &GenerationRequest, limits: &ModelLimits, v: &mut Validation) {
    let (min, max, secs) = (
        limits.min_duration_secs,
        limits.max_duration_secs,
        request.duration_secs,
    );
    if (min..=max).contains(&secs) {
        return;
    }
    let fix = if secs < min {
        format!("Choose {min} s or more.")
    } else {
        format!("Choose {max} s or less.")
    };
    v.problems.push(Problem::new(
        Field::Duration,
        ProblemCode::DurationOutOfRange,
        format!(
            "The duration is {secs} s; {} makes clips of {min} to {max} s. {fix}",
            request.model.label()
        ),
    ));
}

fn check_resolution(request: &GenerationRequest, v: &mut Validation) {
    let model = request.model;
    let wanted = request.resolution;
    if model.resolutions().contains(&wanted) {
        return;
    }
    let offered: Vec<&str> = model.resolutions().iter().map(|r| r.wire_id()).collect();
    let best_offered = model
        .resolutions()
        .iter()
        .max()
        .map_or("a lower resolution", |r| r.wire_id());
    let alternative = ModelId::ALL
        .into_iter()
        .find(|m| m.resolutions().contains(&wanted))
        .map(|m| format!(", or switch to {} for {}", m.label(), wanted.wire_id()))
        .unwrap_or_default();
    v.problems.push(Problem::new(
        Field::Resolution,
        ProblemCode::ResolutionUnsupported,
        format!(
            "The resolution {} is not available on {}, which offers {}. Choose {best_offered}{alternative}.",
            wanted.wire_id(),
            model.label(),
            join_words(&offered, "and"),
        ),
    ));
}

fn check_seed(request: &GenerationRequest, limits: &ModelLimits, v: &mut Validation) {
    let Some(seed) = request.seed else { return };
    let in_range = seed == -1 || u64::try_from(seed).is_ok_and(|s| s <= limits.seed_max);
    if in_range {
        return;
    }
    v.problems.push(Problem::new(
        Field::Seed,
        ProblemCode::SeedOutOfRange,
        format!(
            "The seed {seed} is out of range; {} accepts a seed from 0 to {}, or -1 for a \
             random one. Enter a seed in that range or leave it empty.",
            request.model.label(),
            group(limits.seed_max)
        ),
    ));
}

fn check_counts(request: &GenerationRequest, limits: &ModelLimits, v: &mut Validation) {
    let label = request.model.label();
    for (kind, max, code) in [
        (
            MediaKind::Image,
            limits.max_images,
            ProblemCode::TooManyImages,
        ),
        (
            MediaKind::Video,
            limits.max_videos,
            ProblemCode::TooManyVideos,
        ),
        (
            MediaKind::Audio,
            limits.max_audios,
            ProblemCode::TooManyAudio,
        ),
    ] {
        let count = request.count_of(kind);
        if count > max {
            v.problems.push(Problem::new(
                Field::References,
                code,
                format!(
                    "There are {count} reference {}; {label} accepts at most {max}. Remove {}.",
                    kind_plural(kind),
                    count - max
                ),
            ));
        }
    }
    let audio = request.count_of(MediaKind::Audio);
    if audio > 0
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

fn check_reference_sources(request: &GenerationRequest, v: &mut Validation) {
    let label = request.model.label();
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
        if accepted_extensions(reference.kind).contains(&ext.as_str()) {
            continue;
        }
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
                    extension_list(reference.kind),
                    with_article(&format!("{} reference", kind_noun(actual))),
                ),
            ));
        } else if other_known_extensions(reference.kind).contains(&ext.as_str()) {
            v.warnings.push(Problem::new(
                Field::Reference(position),
                ProblemCode::UrlUnsupportedFormat,
                format!(
                    "{name}'s address ends in .{ext}; {label} accepts {} as {}, so the service \
                     may refuse it. Convert it or use another file.",
                    kind_plural(reference.kind),
                    extension_list(reference.kind),
                ),
            ));
        }
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

fn check_combined_lengths(request: &GenerationRequest, limits: &ModelLimits, v: &mut Validation) {
    for (kind, max, code) in [
        (
            MediaKind::Video,
            limits.max_combined_video,
            ProblemCode::VideoTooLong,
        ),
        (
            MediaKind::Audio,
            limits.max_combined_audio,
            ProblemCode::AudioTooLong,
        ),
    ] {
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
        let max_ms = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
        let label = request.model.label();
        if known_ms > max_ms {
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
            continue;
        }
        for position in unknown {
            let name = reference_name(request, position, &request.references[position]);
            v.warnings.push(Problem::new(
                Field::Reference(position),
                ProblemCode::DurationUnknown,
                format!(
                    "The length of {name} is unknown here; reference {} may be at most {} \
                     combined, which the service checks after submission (a task over it \
                     fails and is refunded). Make sure they fit.",
                    kind_plural(kind),
                    seconds(max_ms),
                ),
            ));
        }
    }
}

fn check_mode(request: &GenerationRequest, v: &mut Validation) {
    let images = request.count_of(MediaKind::Image);
    let videos = request.count_of(MediaKind::Video);
    let audio = request.count_of(MediaKind::Audio);
    let forced = videos > 0 || (audio > 0 && images > 0);
    let label = request.model.label();
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
    let max_images = request.model.limits().max_images;
    if !forced && request.mode != Some(Mode::Reference) && (3..=max_images).contains(&images) {
        v.warnings.push(Problem::new(
            Field::Mode,
            ProblemCode::ImagesIgnored,
            format!(
                "In keyframe mode {label} uses at most 2 images (the first and last frame): \
                 only images 1 and 2 are used and images 3 to {images} are ignored. Switch to \
                 Reference mode to use all {images}."
            ),
        ));
    }
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
