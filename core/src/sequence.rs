//! From shots to a film (issue 20): generating a sequence's shots through the engine,
//! each after the shot it follows, then stitching the chosen takes into one video in the
//! library and exporting the sequence for editors.
//!
//! Owns the rules between shots: what "generate all" will cost before anything is paid
//! ([`quote`], checked against the spending cap as a whole), which shots can be sent now
//! and which wait for the take they follow ([`advance`]), how a following shot is made
//! from that take (its last frame as keyframe image 1, or the take itself as the video an
//! extension continues), and which take of each shot a film uses ([`Shot::film_take`]).
//!
//! The ledger keeps the sequence and links each take to its shot in the transaction that
//! records the task, so a crash at any point leaves nothing to pay twice: a shot with a
//! live take is never sent again ([`Shot::live_take`]). Money is checked by the engine
//! ([`EngineHandle::submit_takes`]); media work is `film`'s; waiting is the caller's
//! ([`Changes`]): nothing here sleeps.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::engine::{EngineHandle, SubmitRefusal};
use crate::film::{self, EditorFormat, FilmError, MediaTools, StitchProgress, Timeline};
use crate::ledger::{
    Ledger, LedgerError, LocalState, Sequence, SequenceId, Shot, ShotId, ShotLink, TaskId,
};
use crate::media::MediaKind;
use crate::model::{Mode, ModelId};
use crate::request::{GenerationRequest, Reference, ReferenceSource};

/// Why a sequence could not be quoted, generated, stitched or exported. Messages name the
/// shot and the fix.
#[derive(Debug, thiserror::Error)]
pub enum SequenceError {
    #[error("{0}")]
    Ledger(#[from] LedgerError),
    /// The engine refused a submission (cap, invalid request, no price): nothing of it
    /// was sent.
    #[error("shot {position}: {refusal}")]
    Refused {
        position: u32,
        refusal: SubmitRefusal,
    },
    /// The sequence as a whole is over the spending cap: nothing was sent.
    #[error("{0}")]
    OverCap(SubmitRefusal),
    #[error("{0}")]
    Film(#[from] FilmError),
    /// The sequence cannot be used as it is; the message says what to change.
    #[error("{0}")]
    Invalid(String),
}

/// What one shot will cost if generated now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShotQuote {
    pub shot: ShotId,
    pub position: u32,
    /// Reserved at submission.
    pub credits: f64,
    /// What it settles at after success (equal to `credits` where the reservation is
    /// final).
    pub settled_credits: f64,
    /// The settled figure assumed the longest source the rule counts (an extension whose
    /// source is not made yet).
    pub upper_bound: bool,
}

/// What "generate all" will pay, before anything is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequenceQuote {
    pub sequence: SequenceId,
    /// Shots to generate (those without a live take), in order.
    pub shots: Vec<ShotQuote>,
    /// Shots skipped because they have a take finished or on its way.
    pub already_taken: Vec<ShotId>,
    pub credits: f64,
    pub settled_credits: f64,
}

impl SequenceQuote {
    /// Whether the settled total differs from the reserved one (show both then).
    pub fn settles_differently(&self) -> bool {
        (self.settled_credits - self.credits).abs() > 0.005
    }
}

/// Where one shot stands after a pass of [`advance`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ShotOutcome {
    /// Sent to the engine in this pass (queued; the engine submits it in its turn).
    Submitted { task: TaskId },
    /// A take is on its way (queued, on the service, or downloading).
    InProgress { task: TaskId },
    /// The take the film uses is in the library.
    Finished { task: TaskId },
    /// Waits for the shot before it to have a finished take.
    WaitingForPrevious { previous: ShotId },
    /// Cannot go on without the creator; `reason` says what to do.
    Blocked { reason: String },
}

/// One shot's line of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShotReport {
    pub shot: ShotId,
    pub position: u32,
    pub outcome: ShotOutcome,
}

/// How long [`generate`] goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// Until every shot that can be sent was sent (shots following others included).
    Sent,
    /// Until every shot's take has finished (or a shot is blocked).
    Finished,
}

/// Something that says when tasks may have changed (engine events). `false`: no more
/// changes will come (the engine stopped, the creator interrupted).
pub trait Changes: Send {
    fn changed(&mut self) -> BoxFuture<'_, bool>;
}

/// The request a shot will be sent with, and its price, before the take it follows
/// exists: the link's reference stands in with the predecessor's planned length.
fn planned_request(shot: &Shot, previous: Option<&Shot>) -> GenerationRequest {
    let mut request = shot.template.clone();
    match shot.link {
        ShotLink::None => {}
        ShotLink::Keyframe => {
            link_keyframe(&mut request, PathBuf::from("previous-take-last-frame.png"));
        }
        ShotLink::Extend => {
            let planned_ms = previous.map(|p| u64::from(p.template.duration_secs) * 1000);
            link_extend(&mut request, PathBuf::from("previous-take.mp4"), planned_ms);
        }
    }
    request
}

fn link_keyframe(request: &mut GenerationRequest, frame: PathBuf) {
    request.references.insert(
        0,
        Reference {
            kind: MediaKind::Image,
            source: ReferenceSource::LocalFile {
                path: frame,
                uploaded: None,
            },
            duration_ms: None,
        },
    );
    request.mode = Some(Mode::Keyframe);
}

fn link_extend(request: &mut GenerationRequest, video: PathBuf, duration_ms: Option<u64>) {
    request.model = ModelId::Seedance25Extend;
    request.references.insert(
        0,
        Reference {
            kind: MediaKind::Video,
            source: ReferenceSource::LocalFile {
                path: video,
                uploaded: None,
            },
            duration_ms,
        },
    );
}

/// Prices the shots of `sequence` that have no live take, and checks each planned
/// request, so "generate all" is refused before anything is paid when any shot could not
/// be sent.
pub fn quote(ledger: &Ledger, sequence: SequenceId) -> Result<SequenceQuote, SequenceError> {
    let seq = ledger.sequence(sequence)?;
    if seq.shots.is_empty() {
        return Err(SequenceError::Invalid(format!(
            "sequence {sequence} has no shots: add one with `seedance seq add-shot {sequence} -p \"...\"`"
        )));
    }
    let mut out = SequenceQuote {
        sequence,
        shots: Vec::new(),
        already_taken: Vec::new(),
        credits: 0.0,
        settled_credits: 0.0,
    };
    for (i, shot) in seq.shots.iter().enumerate() {
        if i == 0 && shot.link.follows_previous() {
            return Err(SequenceError::Invalid(first_shot_link(shot)));
        }
        if shot.link == ShotLink::Extend && shot.template.model != ModelId::Seedance25Extend {
            return Err(SequenceError::Invalid(format!(
                "shot {}: link `extend` continues the previous take with {}; set the shot's model to {} or its link to keyframe or none",
                shot.position,
                ModelId::Seedance25Extend.label(),
                ModelId::Seedance25Extend.wire_id()
            )));
        }
        if shot.live_take().is_some() {
            out.already_taken.push(shot.id);
            continue;
        }
        let request = planned_request(shot, i.checked_sub(1).map(|p| &seq.shots[p]));
        let validation = crate::validate::validate(&request);
        if let Some(problem) = validation.problems.first() {
            return Err(SequenceError::Invalid(format!(
                "shot {}: {}",
                shot.position, problem.message
            )));
        }
        let estimate = crate::pricing::estimate(&request)
            .map_err(|e| SequenceError::Invalid(format!("shot {}: {e}", shot.position)))?;
        out.credits += estimate.credits;
        out.settled_credits += estimate.settled_credits();
        out.shots.push(ShotQuote {
            shot: shot.id,
            position: shot.position,
            credits: estimate.credits,
            settled_credits: estimate.settled_credits(),
            upper_bound: estimate.settlement.is_some_and(|s| s.upper_bound),
        });
    }
    Ok(out)
}

fn first_shot_link(shot: &Shot) -> String {
    format!(
        "shot {}: its link is `{}` but no shot comes before it; set its link to none or move it after another shot",
        shot.position,
        shot.link.as_str()
    )
}

/// One pass over the sequence: sends every shot without a live take whose link allows it
/// now (a following shot once the take before it is in the library), and says where
/// every shot stands. Never sends a shot that has a live take, so running it again
/// (after a crash, or in a loop) pays nothing twice.
pub async fn advance(
    engine: &EngineHandle,
    ledger: &Arc<Ledger>,
    tools: &dyn MediaTools,
    sequence: SequenceId,
) -> Result<Vec<ShotReport>, SequenceError> {
    advance_sending_once(engine, ledger, tools, sequence, &mut HashMap::new()).await
}

/// [`advance`], sending each shot at most once over all the passes that share `sent`
/// (with the reason when the engine refused it): a take that failed during a run is
/// reported, not paid for again behind the creator's back (the quote covered one take per
/// shot).
async fn advance_sending_once(
    engine: &EngineHandle,
    ledger: &Arc<Ledger>,
    tools: &dyn MediaTools,
    sequence: SequenceId,
    sent: &mut HashMap<ShotId, Option<String>>,
) -> Result<Vec<ShotReport>, SequenceError> {
    let seq = read(ledger, sequence).await?;
    let mut reports: Vec<ShotReport> = Vec::with_capacity(seq.shots.len());
    for (i, shot) in seq.shots.iter().enumerate() {
        let outcome = match shot.live_take() {
            Some(live) if live.state == LocalState::Queued => {
                // Queued by an earlier run that stopped before sending it: never sent, so
                // sending it now pays once.
                match engine.send_queued(live.task).await {
                    Ok(()) => ShotOutcome::InProgress { task: live.task },
                    Err(error) => ShotOutcome::Blocked {
                        reason: error.to_string(),
                    },
                }
            }
            Some(_) => standing(shot),
            None if sent.contains_key(&shot.id) => ShotOutcome::Blocked {
                reason: sent[&shot.id].clone().unwrap_or_else(|| failed_again(shot)),
            },
            None if i == 0 && shot.link.follows_previous() => ShotOutcome::Blocked {
                reason: first_shot_link(shot),
            },
            None if !shot.link.follows_previous() => {
                submit(engine, shot, shot.template.clone(), sent).await?
            }
            None => {
                let previous = &seq.shots[i - 1];
                match previous.film_take() {
                    Some(take) if take.state == LocalState::Downloaded => {
                        let video = take.video_path.clone().ok_or_else(|| {
                            SequenceError::Invalid(format!(
                                "shot {}: take {} has no video file; download it again",
                                previous.position, take.task
                            ))
                        })?;
                        let request = linked_request(tools, shot, &video).await?;
                        submit(engine, shot, request, sent).await?
                    }
                    _ => match &reports[i - 1].outcome {
                        ShotOutcome::Submitted { .. }
                        | ShotOutcome::InProgress { .. }
                        | ShotOutcome::WaitingForPrevious { .. } => {
                            ShotOutcome::WaitingForPrevious {
                                previous: previous.id,
                            }
                        }
                        _ if previous.chosen.is_some() => ShotOutcome::Blocked {
                            reason: format!(
                                "the chosen take of shot {} (task {}) is not in the library: choose a finished take, or download it again",
                                previous.position,
                                previous.chosen.unwrap_or_default()
                            ),
                        },
                        _ => ShotOutcome::Blocked {
                            reason: format!(
                                "shot {} has no finished take to follow: generate it again first",
                                previous.position
                            ),
                        },
                    },
                }
            }
        };
        reports.push(ShotReport {
            shot: shot.id,
            position: shot.position,
            outcome,
        });
    }
    Ok(reports)
}

/// Why a shot sent in this run has no live take: its take failed.
fn failed_again(shot: &Shot) -> String {
    match shot.takes.last() {
        Some(take) => format!(
            "its take {} is {} (`seedance status {}` says why); generate again to pay for a new take",
            take.task, take.state, take.task
        ),
        None => "its take was not recorded; generate again".to_owned(),
    }
}

/// Where a shot with a live take stands.
fn standing(shot: &Shot) -> ShotOutcome {
    let Some(take) = shot.film_take().or_else(|| shot.live_take()) else {
        return ShotOutcome::Blocked {
            reason: format!("shot {} has no take", shot.position),
        };
    };
    match take.state {
        LocalState::Downloaded => ShotOutcome::Finished { task: take.task },
        LocalState::SubmissionUnknown => ShotOutcome::Blocked {
            reason: format!(
                "take {} may or may not have reached the service: check it with `seedance status {}` and resolve it before generating this shot again",
                take.task, take.task
            ),
        },
        LocalState::NotFound => ShotOutcome::Blocked {
            reason: format!(
                "the service does not know take {} (yet): check it again with `seedance status {}` before generating this shot again",
                take.task, take.task
            ),
        },
        state if state.is_in_flight() || state == LocalState::Succeeded => {
            ShotOutcome::InProgress { task: take.task }
        }
        // Only a chosen take gets here (failed, cancelled, a draft): the creator chose it.
        state => ShotOutcome::Blocked {
            reason: format!(
                "the take chosen for shot {} (task {}) is {state}: choose another take with `seedance seq choose {} TASK`",
                shot.position, take.task, shot.id
            ),
        },
    }
}

/// Sends one take of `shot`. A refusal of this shot alone (its request as linked cannot
/// be sent, it has no price, the cap is reached by now) blocks the shot with the reason
/// and the run goes on; a stopped engine or a failing ledger ends the run.
async fn submit(
    engine: &EngineHandle,
    shot: &Shot,
    request: GenerationRequest,
    sent: &mut HashMap<ShotId, Option<String>>,
) -> Result<ShotOutcome, SequenceError> {
    // No duplicate check: two shots may ask for the same picture on purpose, and a shot
    // already taken is never sent again by a run (its take is linked to it in the
    // transaction that records it).
    let outcome = match engine.submit_takes(request, 1, Some(shot.id), true).await {
        Ok(ids) => Ok(ShotOutcome::Submitted { task: ids[0] }),
        Err(refusal @ (SubmitRefusal::Stopped | SubmitRefusal::Ledger { .. })) => {
            Err(SequenceError::Refused {
                position: shot.position,
                refusal,
            })
        }
        Err(SubmitRefusal::Invalid { problems }) => Ok(ShotOutcome::Blocked {
            reason: format!(
                "not sent (nothing paid): {}",
                problems
                    .iter()
                    .map(|p| p.message.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        }),
        Err(refusal) => Ok(ShotOutcome::Blocked {
            reason: format!("not sent (nothing paid): {refusal}"),
        }),
    }?;
    let refused = match &outcome {
        ShotOutcome::Blocked { reason } => Some(reason.clone()),
        _ => None,
    };
    sent.insert(shot.id, refused);
    Ok(outcome)
}

/// The request of a following shot, from the take it follows (`video`, in the library).
async fn linked_request(
    tools: &dyn MediaTools,
    shot: &Shot,
    video: &Path,
) -> Result<GenerationRequest, SequenceError> {
    let mut request = shot.template.clone();
    match shot.link {
        ShotLink::None => {}
        ShotLink::Keyframe => {
            let frame = last_frame(tools, video).await?;
            link_keyframe(&mut request, frame);
        }
        ShotLink::Extend => {
            let facts = film::probe(tools, video).await?;
            let ms = (facts.duration_secs * 1000.0).round().max(0.0) as u64;
            link_extend(&mut request, video.to_path_buf(), Some(ms));
        }
    }
    Ok(request)
}

/// The last frame of `video` as a PNG beside it (`<video>.last-frame.png`), made once.
pub async fn last_frame(tools: &dyn MediaTools, video: &Path) -> Result<PathBuf, FilmError> {
    let mut name = video.file_name().unwrap_or_default().to_os_string();
    name.push(".last-frame.png");
    let frame = video.with_file_name(name);
    if frame.exists() {
        return Ok(frame);
    }
    let partial = frame.with_extension("partial.png");
    // Decoding the last second and writing every frame over the same image leaves the
    // last one: seeking to the exact end is not reliable across containers.
    let mut args: Vec<OsString> = [
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-loglevel",
        "error",
        "-progress",
        "pipe:1",
        "-y",
        "-sseof",
        "-1",
        "-i",
    ]
    .into_iter()
    .map(OsString::from)
    .collect();
    args.push(file_os(video));
    args.extend(["-map", "0:v:0", "-update", "1", "-f", "image2"].map(OsString::from));
    args.push(file_os(&partial));
    let never = CancellationToken::new();
    tools
        .run_ffmpeg(args, "take the last frame", &|_: Duration| {}, &never)
        .await?;
    std::fs::rename(&partial, &frame).map_err(|e| FilmError::Io {
        path: frame.clone(),
        action: "saved",
        source: e,
    })?;
    Ok(frame)
}

fn file_os(path: &Path) -> OsString {
    let mut arg = OsString::from("file:");
    arg.push(path.as_os_str());
    arg
}

/// Quotes, checks the spending cap for the whole sequence, then runs [`advance`] until
/// `until` holds, waiting on `changes` between passes. Returns the last pass's report.
pub async fn generate(
    engine: &EngineHandle,
    ledger: &Arc<Ledger>,
    tools: &dyn MediaTools,
    sequence: SequenceId,
    until: Until,
    changes: &mut dyn Changes,
) -> Result<Vec<ShotReport>, SequenceError> {
    let quote = {
        let ledger = ledger.clone();
        tokio::task::spawn_blocking(move || quote(&ledger, sequence))
            .await
            .map_err(|e| SequenceError::Invalid(e.to_string()))??
    };
    engine
        .check_spending(quote.credits)
        .await
        .map_err(SequenceError::OverCap)?;
    let mut sent = HashMap::new();
    loop {
        let report = advance_sending_once(engine, ledger, tools, sequence, &mut sent).await?;
        let more = report.iter().any(|r| match r.outcome {
            ShotOutcome::WaitingForPrevious { .. } => true,
            ShotOutcome::Submitted { .. } | ShotOutcome::InProgress { .. } => {
                until == Until::Finished
            }
            ShotOutcome::Finished { .. } | ShotOutcome::Blocked { .. } => false,
        });
        if !more || !changes.changed().await {
            return Ok(report);
        }
    }
}

async fn read(ledger: &Arc<Ledger>, sequence: SequenceId) -> Result<Sequence, SequenceError> {
    let ledger = ledger.clone();
    tokio::task::spawn_blocking(move || ledger.sequence(sequence))
        .await
        .map_err(|e| SequenceError::Invalid(e.to_string()))?
        .map_err(SequenceError::from)
}

/// The film's timeline: each shot's film take, whole, in order. Every shot needs a take in
/// the library.
pub async fn timeline(
    ledger: &Arc<Ledger>,
    tools: &dyn MediaTools,
    sequence: SequenceId,
) -> Result<(Timeline, Vec<TaskId>), SequenceError> {
    let seq = read(ledger, sequence).await?;
    if seq.shots.is_empty() {
        return Err(SequenceError::Invalid(format!(
            "sequence {sequence} has no shots to stitch: add shots and generate them first"
        )));
    }
    let mut clips = Vec::with_capacity(seq.shots.len());
    let mut takes = Vec::with_capacity(seq.shots.len());
    for shot in &seq.shots {
        let take = shot
            .film_take()
            .filter(|t| t.state == LocalState::Downloaded);
        let Some((take, video)) = take.and_then(|t| t.video_path.as_ref().map(|v| (t, v))) else {
            return Err(SequenceError::Invalid(format!(
                "shot {} has no finished take in the library{}: generate it (`seedance seq generate {sequence}`) or choose a finished take",
                shot.position,
                shot.chosen.map(|c| format!(" (the chosen take {c} is not downloaded)")).unwrap_or_default()
            )));
        };
        let facts = film::probe(tools, video).await?;
        clips.push(film::TimelineClip::whole(
            format!("Shot {}, take {}", shot.position, take.task),
            facts,
        ));
        takes.push(take.task);
    }
    Ok((Timeline::new(seq.name, clips), takes))
}

/// A file name from a sequence's name: letters, digits, spaces, `-` and `_` kept.
pub fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, ' ' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = stem.trim().to_owned();
    if stem.is_empty() {
        "sequence".to_owned()
    } else {
        stem
    }
}

/// What [`stitch`] made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StitchedFilm {
    pub path: PathBuf,
    pub takes: Vec<TaskId>,
    pub lossless: bool,
    /// Why it was re-encoded, when it was.
    pub reasons: Vec<String>,
    pub duration_secs: f64,
}

/// Stitches the film takes of `sequence` in order into `films_dir` (created if needed),
/// checks the result with ffprobe, and records which takes built it.
pub async fn stitch(
    ledger: &Arc<Ledger>,
    tools: &dyn MediaTools,
    sequence: SequenceId,
    films_dir: &Path,
    on_progress: &(dyn Fn(StitchProgress) + Send + Sync),
    cancel: &CancellationToken,
) -> Result<StitchedFilm, SequenceError> {
    let (timeline, takes) = timeline(ledger, tools, sequence).await?;
    let plan = film::plan_stitch(timeline.clips)?;
    std::fs::create_dir_all(films_dir).map_err(|e| FilmError::Io {
        path: films_dir.to_path_buf(),
        action: "created",
        source: e,
    })?;
    let stem = file_stem(&timeline.name);
    let ext = plan.file_extension();
    let mut output = films_dir.join(format!("{stem}.{ext}"));
    let mut n = 2;
    while output.exists() {
        output = films_dir.join(format!("{stem} ({n}).{ext}"));
        n += 1;
    }
    let outcome = film::stitch(tools, &plan, &output, on_progress, cancel).await?;
    let facts = film::check_output(tools, &plan, &outcome.path).await?;
    let record = {
        let ledger = ledger.clone();
        let path = outcome.path.clone();
        let takes = takes.clone();
        let lossless = outcome.lossless;
        tokio::task::spawn_blocking(move || ledger.record_film(sequence, &path, &takes, lossless))
            .await
            .map_err(|e| SequenceError::Invalid(e.to_string()))?
    };
    record?;
    Ok(StitchedFilm {
        path: outcome.path,
        takes,
        lossless: outcome.lossless,
        reasons: plan.reasons,
        duration_secs: facts.duration_secs,
    })
}

/// Writes the sequence's timeline as `.otio`, `.fcpxml` and `.edl` files named after it in
/// `dir`, each referencing the takes' files in the library. Returns the files written.
pub async fn export(
    ledger: &Arc<Ledger>,
    tools: &dyn MediaTools,
    sequence: SequenceId,
    dir: &Path,
    formats: &[EditorFormat],
) -> Result<Vec<PathBuf>, SequenceError> {
    let (timeline, _) = timeline(ledger, tools, sequence).await?;
    std::fs::create_dir_all(dir).map_err(|e| FilmError::Io {
        path: dir.to_path_buf(),
        action: "created",
        source: e,
    })?;
    let stem = file_stem(&timeline.name);
    let mut written = Vec::new();
    for format in formats {
        let path = dir.join(format!("{stem}.{}", format.extension()));
        film::export(&timeline, *format, &path).await?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn shot(position: u32, model: ModelId, link: ShotLink, secs: u32) -> Shot {
        let mut template = GenerationRequest::new(model, format!("shot {position}"));
        template.duration_secs = secs;
        Shot {
            id: i64::from(position),
            position,
            template,
            link,
            takes: Vec::new(),
            chosen: None,
        }
    }

    #[test]
    fn a_following_shot_is_planned_with_the_link_as_reference_one() {
        let first = shot(1, ModelId::Seedance25, ShotLink::None, 6);
        let key = shot(2, ModelId::Seedance20, ShotLink::Keyframe, 5);
        let planned = planned_request(&key, Some(&first));
        assert_eq!(planned.mode, Some(Mode::Keyframe));
        assert_eq!(planned.references[0].kind, MediaKind::Image);
        let ext = shot(2, ModelId::Seedance25Extend, ShotLink::Extend, 5);
        let planned = planned_request(&ext, Some(&first));
        assert_eq!(planned.references[0].kind, MediaKind::Video);
        assert_eq!(planned.references[0].duration_ms, Some(6000));
        // (6 s source + 5 s new) × 35 at 720p settles; 5 × 35 is reserved.
        let estimate = crate::pricing::estimate(&planned).unwrap();
        assert_eq!(estimate.credits, 175.0);
        assert_eq!(estimate.settled_credits(), 385.0);
    }

    #[test]
    fn a_shot_stands_by_its_film_take_and_a_failed_choice_blocks_it() {
        use crate::ledger::Take;
        let take = |task: TaskId, state: LocalState| Take {
            task,
            state,
            video_path: (state == LocalState::Downloaded).then(|| PathBuf::from("/v.mp4")),
            verdict: None,
        };
        let mut s = shot(2, ModelId::Seedance20, ShotLink::None, 5);
        s.takes = vec![take(1, LocalState::Failed), take(2, LocalState::Downloaded)];
        assert_eq!(standing(&s), ShotOutcome::Finished { task: 2 });
        s.chosen = Some(1);
        let ShotOutcome::Blocked { reason } = standing(&s) else {
            panic!("a failed chosen take must block the shot");
        };
        assert!(reason.contains("choose another take"), "{reason}");
        s.chosen = None;
        s.takes = vec![take(3, LocalState::Generating)];
        assert_eq!(standing(&s), ShotOutcome::InProgress { task: 3 });
        s.takes = vec![take(4, LocalState::SubmissionUnknown)];
        assert!(matches!(standing(&s), ShotOutcome::Blocked { .. }));
        assert!(
            s.live_take().is_some(),
            "an unknown outcome is never sent again"
        );
        s.takes = vec![take(5, LocalState::Failed)];
        assert!(
            s.live_take().is_none(),
            "a failed take was refunded: send again"
        );
    }

    #[test]
    fn file_stems_keep_words_and_drop_separators() {
        assert_eq!(file_stem("Harbour / at dawn"), "Harbour _ at dawn");
        assert_eq!(file_stem("  "), "sequence");
    }
}
