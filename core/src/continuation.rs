//! Clips made from a finished task: the requests that extend it, edit it or continue from
//! its last frame, and the joined clip of an extension (source then new footage, one file).
//!
//! Owns choosing the source to send (the service's result link while it still answers,
//! else the creator's copy in the library, which the engine uploads) and naming the joined
//! clip. It does not send anything, price anything (`pricing`) or record links (the caller
//! does, with [`crate::ledger::Ledger::set_source`] and
//! [`crate::ledger::Ledger::set_joined`]).

use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

use crate::api::ApiClient;
use crate::film::{self, FilmError, MediaTools, Seam};
use crate::ledger::{LocalState, TaskEntry};
use crate::media::MediaKind;
use crate::model::{Catalog, Mode, ModelId, Resolution, TaskKind};
use crate::request::{GenerationRequest, Reference, ReferenceSource};

/// Why a finished task cannot be the source of a new clip.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourceError {
    /// The task has not finished with a video.
    #[error("task {id} is {state}; only a finished video can be extended, edited or continued")]
    NotFinished { id: i64, state: LocalState },
    /// Neither the service's link nor a library copy can be used.
    #[error("task {id}'s video is no longer on the service and not in the library folder; download it again (or add the clip as a file) first")]
    Unavailable { id: i64 },
    /// No local copy of the last frame was kept.
    #[error("task {id} has no saved last frame (the model gives none, or it expired before it was saved); use Extend with the video instead")]
    NoLastFrame { id: i64 },
    /// The catalogue has no model for the job.
    #[error("the model catalogue has no {what} model")]
    NoModel { what: &'static str },
}

/// The source video of `entry` as a reference: the service's link when it still answers
/// (checked with a HEAD, no key), else the library copy as a local file (the engine
/// uploads it). Its length is measured from the library copy when there is one, else
/// taken from the request that made it.
pub async fn source_reference(
    client: &ApiClient,
    entry: &TaskEntry,
) -> Result<Reference, SourceError> {
    if !matches!(entry.state, LocalState::Succeeded | LocalState::Downloaded) {
        return Err(SourceError::NotFinished {
            id: entry.id,
            state: entry.state,
        });
    }
    let local = entry.video_path.clone().filter(|p| p.is_file());
    let measured = match &local {
        Some(path) => crate::validate::inspect_local_reference(path, MediaKind::Video)
            .await
            .ok()
            .and_then(|report| report.duration_ms),
        None => None,
    };
    let duration_ms = measured.or_else(|| requested_length_ms(&entry.request));
    let online = match entry.output.as_ref() {
        Some(output) if client.is_reachable(&output.url).await => Some(output.url.clone()),
        _ => None,
    };
    let source = match (online, local) {
        (Some(url), _) => ReferenceSource::Url { url },
        (None, Some(path)) => ReferenceSource::LocalFile {
            path,
            uploaded: None,
        },
        (None, None) => return Err(SourceError::Unavailable { id: entry.id }),
    };
    Ok(Reference {
        kind: MediaKind::Video,
        source,
        duration_ms,
    })
}

/// The length a task's request asked for, in milliseconds (the source's for an edit).
fn requested_length_ms(request: &GenerationRequest) -> Option<u64> {
    let takes_duration = request.model.spec().is_none_or(|s| s.takes_duration());
    if takes_duration {
        Some(u64::from(request.effective_duration_secs()) * 1000).filter(|ms| *ms > 0)
    } else {
        request.source_video_ms()
    }
}

/// The model the catalogue makes for `task` in the 2.5 family.
fn dedicated(task: TaskKind, what: &'static str) -> Result<ModelId, SourceError> {
    Catalog::shipped()
        .dedicated("seedance-2.5", task)
        .map(|spec| spec.id)
        .ok_or(SourceError::NoModel { what })
}

/// The source's resolution when `model` offers it, else the model's default.
fn resolution_for(model: ModelId, wanted: Resolution) -> Resolution {
    match model.spec() {
        Some(spec) if spec.resolutions.contains(&wanted) => wanted,
        Some(spec) => spec.default_resolution,
        None => wanted,
    }
}

/// An extension of `source` (sent as `reference`): `seconds` of new footage following
/// `prompt`, at `resolution` or the source's.
pub fn extend_request(
    source: &TaskEntry,
    reference: Reference,
    prompt: &str,
    seconds: u32,
    resolution: Option<Resolution>,
) -> Result<GenerationRequest, SourceError> {
    let model = dedicated(TaskKind::Extend, "extend")?;
    let mut request = GenerationRequest::new(model, prompt);
    request.duration_secs = seconds;
    request.resolution = resolution_for(model, resolution.unwrap_or(source.request.resolution));
    request.generate_audio = source.request.generate_audio;
    request.references.push(reference);
    Ok(request)
}

/// An edit of `source` (sent as `reference`): what `prompt` asks changed, same motion and
/// length, at `resolution` or the source's.
pub fn edit_request(
    source: &TaskEntry,
    reference: Reference,
    prompt: &str,
    resolution: Option<Resolution>,
) -> Result<GenerationRequest, SourceError> {
    let model = dedicated(TaskKind::Edit, "edit")?;
    let mut request = GenerationRequest::new(model, prompt);
    request.resolution = resolution_for(model, resolution.unwrap_or(source.request.resolution));
    request.generate_audio = source.request.generate_audio;
    request.references.push(reference);
    Ok(request)
}

/// "Continue from last frame": a Seedance 2.5 keyframe task whose first image is the
/// local copy of `source`'s last frame (the 2.5 link expires after 24 hours, so the saved
/// copy is what is sent; the engine uploads it). `seconds` of new footage following
/// `prompt`, at the source's resolution when 2.5 offers it.
pub fn continue_request(
    source: &TaskEntry,
    prompt: &str,
    seconds: u32,
) -> Result<GenerationRequest, SourceError> {
    let frame = source
        .last_frame_path
        .clone()
        .filter(|p| p.is_file())
        .ok_or(SourceError::NoLastFrame { id: source.id })?;
    let model = dedicated(TaskKind::Generate, "generation")?;
    let mut request = GenerationRequest::new(model, prompt);
    request.duration_secs = seconds;
    request.resolution = resolution_for(model, source.request.resolution);
    request.generate_audio = source.request.generate_audio;
    request.mode = Some(Mode::Keyframe);
    request.references.push(Reference {
        kind: MediaKind::Image,
        source: ReferenceSource::LocalFile {
            path: frame,
            uploaded: None,
        },
        duration_ms: None,
    });
    Ok(request)
}

/// The source file of an extension made from a clip dropped in from outside the library
/// (no source task in the ledger): the extension request's first video when it is a file
/// on this machine. `None` for any other task, and for an extension of a library task
/// (whose source is that task's video, read from the ledger by the caller).
pub fn dropped_source_video(extension: &TaskEntry) -> Option<PathBuf> {
    if extension.source_task.is_some() {
        return None;
    }
    let extends = Catalog::shipped()
        .model(extension.request.model)
        .is_some_and(|spec| spec.task == TaskKind::Extend);
    if !extends {
        return None;
    }
    match &extension.request.source_video()?.source {
        ReferenceSource::LocalFile { path, .. } => Some(path.clone()),
        ReferenceSource::Url { .. } => None,
    }
}

/// Where the joined clip of `extension` goes: beside its video, `<stem> joined.<ext>`.
pub fn joined_path_for(extension_video: &Path, file_extension: &str) -> PathBuf {
    let stem = extension_video
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "extension".to_owned());
    extension_video.with_file_name(format!("{stem} joined.{file_extension}"))
}

/// Joins `source_video` and `extension_video` into one file beside the extension: the
/// extension's first frame (a redraw of the source's last) is dropped so the motion has
/// no hitch ([`film::plan_join`]), and the result is checked with ffprobe before it is
/// returned. An existing joined file is kept and returned as it is.
pub async fn join_extension(
    tools: &dyn MediaTools,
    source_video: &Path,
    extension_video: &Path,
) -> Result<PathBuf, FilmError> {
    let source = film::probe(tools, source_video).await?;
    let extension = film::probe(tools, extension_video).await?;
    let plan = film::plan_join(source, extension, Seam::TrimRepeatedFrame)?;
    let output = joined_path_for(extension_video, plan.file_extension());
    if output.is_file() {
        return Ok(output);
    }
    film::stitch(tools, &plan, &output, &|_| {}, &CancellationToken::new()).await?;
    film::check_output(tools, &plan, &output).await?;
    Ok(output)
}
