//! One video from clips in order, with their sound: the "Stitch" of a sequence (issue 20)
//! and the joined clip of a source and its extension (issue 19).
//!
//! Owns the decision ([`StitchPlan`], made and shown before anything runs) and the ffmpeg
//! runs that carry it out:
//!
//! * **Copy** (lossless, fast): when every clip is whole and the clips share container,
//!   codec, parameter sets, picture size, frame rate, pixel format, time base, stream
//!   layout and sound format, ffmpeg's concat demuxer copies the packets (`-c copy`).
//! * **Re-encode** otherwise: each clip alone is trimmed, fitted inside the common frame
//!   ([`SequenceFormat`], black bars for other shapes), brought to the common rate and
//!   encoded to H.264 with its sound as PCM (silence for a clip without sound, so the sound
//!   stays in sync), then the pieces are joined by copy while the sound is encoded to AAC
//!   once, in MP4. Encoding clip by clip keeps one decoder open at a time, so memory does
//!   not grow with the number of clips, and the sound is encoded in one piece, so there is
//!   no encoder gap at the cuts.
//!
//! Invariants: nothing appears under the output's name unless complete (ffmpeg writes in a
//! hidden work folder beside it; the file is fsynced, renamed, and the folder fsynced); an
//! existing file is never replaced; cancelling kills ffmpeg and removes the work folder; a
//! crash leaves only a hidden `.NAME.stitch-partial-*` folder, which [`remove_leftovers`]
//! clears. Must not: decide file names in the library or record which takes built the film
//! (the caller does), or block the async runtime (file work runs on blocking threads).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::tools::file_arg;
use super::{
    check_clips, ClipFacts, Container, FilmError, MediaTools, SequenceFormat, TimelineClip,
};

/// x264's speed/size trade-off for the re-encode. `veryfast` encodes 1080p several times
/// faster than `medium`; at the same CRF it spends more bits, not less quality.
pub const X264_PRESET: &str = "veryfast";
/// x264's constant quality: 18 is visually lossless for generated footage, so a film made
/// of re-encoded clips does not look worse than its takes.
pub const X264_CRF: &str = "18";
/// The sound of a re-encoded film: AAC at this rate and bit rate, stereo.
pub const AUDIO_RATE: u32 = 48_000;
pub const AUDIO_BITRATE: &str = "192k";

/// Share of the progress bar given to encoding the clips; the rest is the final join,
/// which copies the pictures and encodes only the sound.
const ENCODE_SHARE: f64 = 0.95;

/// What to do where an extension meets its source (see [`plan_join`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Seam {
    /// Drop the extension's first frame, which repeats the source's last one.
    TrimRepeatedFrame,
    /// Keep every frame of both clips (the seam frame shows twice).
    KeepBoth,
}

/// How the clips become one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StitchMethod {
    /// Packets copied as they are, into the clips' own container.
    Copy { container: Container },
    /// Decoded and encoded again to one format.
    Reencode(EncodeTarget),
}

/// The one format of a re-encoded film: H.264 (yuv420p) in MP4, AAC sound when any clip
/// has sound.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EncodeTarget {
    pub format: SequenceFormat,
    /// Whether the film has a sound track (any clip has sound).
    pub audio: bool,
}

/// The decision, made before anything runs, and the words to show for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StitchPlan {
    pub clips: Vec<TimelineClip>,
    pub method: StitchMethod,
    /// Why the clips cannot be copied, one plain sentence each; empty for a copy.
    pub reasons: Vec<String>,
    /// Expected playing time of the result, in seconds.
    pub duration_secs: f64,
}

impl StitchPlan {
    pub fn is_lossless(&self) -> bool {
        matches!(self.method, StitchMethod::Copy { .. })
    }

    /// The extension the output file should have (`mp4` or `mov`).
    pub fn file_extension(&self) -> &'static str {
        match &self.method {
            StitchMethod::Copy { container } => container.muxer().map_or("mp4", |(_, ext)| ext),
            StitchMethod::Reencode(_) => "mp4",
        }
    }

    /// What will happen and why, in plain words, for the window and the CLI.
    pub fn summary(&self) -> String {
        let count = match self.clips.len() {
            1 => "the clip".to_owned(),
            2 => "both clips".to_owned(),
            n => format!("all {n} clips"),
        };
        let Some(first) = self.clips.first().map(|c| &c.facts) else {
            return "There are no clips to join.".to_owned();
        };
        match &self.method {
            StitchMethod::Copy { container } => {
                let (w, h) = first.video.display_size();
                let sound = first
                    .audio
                    .as_ref()
                    .map_or("no sound".to_owned(), |a| format!("{} sound", a.label()));
                format!(
                    "Joined without re-encoding, so nothing is lost: {count} are {} {w}×{h} at {} with {sound}, in {}.",
                    first.video.codec_label(),
                    first.video.frame_rate.label(),
                    container.label()
                )
            }
            StitchMethod::Reencode(target) => {
                let sound = if target.audio {
                    "AAC sound"
                } else {
                    "no sound"
                };
                let mut text = format!(
                    "Re-encoded to H.264 {} with {sound}, in MP4, because {}.",
                    target.format.label(),
                    join_reasons(&self.reasons)
                );
                let other_shape = self.clips.iter().any(|c| {
                    let (w, h) = c.facts.video.display_size();
                    u64::from(w) * u64::from(target.format.height)
                        != u64::from(h) * u64::from(target.format.width)
                });
                if other_shape {
                    text.push_str(
                        " Clips of another shape are fitted inside the frame with black bars.",
                    );
                }
                text
            }
        }
    }
}

fn join_reasons(reasons: &[String]) -> String {
    match reasons {
        [] => "re-encoding was asked for".to_owned(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join("; ")),
    }
}

/// How far a stitch is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StitchProgress {
    pub step: StitchStep,
    /// 0.0 to 1.0 over the whole stitch.
    pub fraction: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StitchStep {
    /// Copying all clips into one file.
    Copying,
    /// Encoding clip `clip` (1-based) of `of`.
    Encoding { clip: usize, of: usize },
    /// Joining the encoded clips and encoding the sound.
    Joining,
    /// The file is complete under its name.
    Done,
}

/// What a finished stitch made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StitchOutcome {
    pub path: PathBuf,
    pub lossless: bool,
}

/// Plans one video from `clips` in order: a copy when they allow it, else a re-encode to
/// their [`SequenceFormat`], with the reasons.
pub fn plan_stitch(clips: Vec<TimelineClip>) -> Result<StitchPlan, FilmError> {
    check_clips(&clips)?;
    check_names(&clips)?;
    let reasons = copy_obstacles(&clips);
    if reasons.is_empty() {
        let container = clips[0].facts.container.clone();
        let duration_secs = clips.iter().map(|c| c.facts.duration_secs).sum();
        return Ok(StitchPlan {
            clips,
            method: StitchMethod::Copy { container },
            reasons,
            duration_secs,
        });
    }
    reencode_plan(clips, reasons)
}

/// Plans a re-encode even when a copy would do (for a player that cannot play the clips'
/// own format, say).
pub fn plan_stitch_reencoded(clips: Vec<TimelineClip>) -> Result<StitchPlan, FilmError> {
    check_clips(&clips)?;
    check_names(&clips)?;
    let mut reasons = copy_obstacles(&clips);
    if reasons.is_empty() {
        reasons.push("re-encoding was asked for".to_owned());
    }
    reencode_plan(clips, reasons)
}

fn reencode_plan(clips: Vec<TimelineClip>, reasons: Vec<String>) -> Result<StitchPlan, FilmError> {
    let mut format = SequenceFormat::of(&clips)?;
    // 4:2:0 pictures need even sides.
    format.width += format.width % 2;
    format.height += format.height % 2;
    let audio = clips.iter().any(|c| c.facts.audio.is_some());
    let duration_secs = clips
        .iter()
        .map(|c| format.frame_rate.seconds(output_frames(c, &format)))
        .sum();
    Ok(StitchPlan {
        clips,
        method: StitchMethod::Reencode(EncodeTarget { format, audio }),
        reasons,
        duration_secs,
    })
}

/// The joined clip of an extension (issue 19): `source` then `extension`, one file.
///
/// service-api §12.2.1: the extension's output is "only the new footage, starting on the
/// source's last frame" (§3.4 says the same of the 2.0 way). Played one after the other,
/// that frame would show twice, a visible hitch in the motion, so [`Seam::TrimRepeatedFrame`]
/// drops the **extension's first frame** and the matching 1/fps of its sound. The source is
/// kept whole because it is the footage the creator chose; the extension's first frame is the
/// model's redraw of a frame already shown. A clip cannot lose its first frame by copying
/// (the frames after it are coded against it), so a trimmed join is re-encoded;
/// [`Seam::KeepBoth`] joins by copy when the clips allow it.
pub fn plan_join(
    source: ClipFacts,
    extension: ClipFacts,
    seam: Seam,
) -> Result<StitchPlan, FilmError> {
    let source = TimelineClip::whole(source.file_name(), source);
    let mut extension = TimelineClip::whole(extension.file_name(), extension);
    if seam == Seam::TrimRepeatedFrame && extension.facts.video.frame_count > 1 {
        extension.in_frame = 1;
    }
    plan_stitch(vec![source, extension])
}

/// ffmpeg's list files are line based: a line break in a path cannot be written.
fn check_names(clips: &[TimelineClip]) -> Result<(), FilmError> {
    for clip in clips {
        let text = clip.facts.path.to_string_lossy();
        if text.contains('\n') || text.contains('\r') {
            return Err(FilmError::UnusableName {
                path: clip.facts.path.clone(),
            });
        }
    }
    Ok(())
}

/// Frames a clip has once brought to the film's rate.
fn output_frames(clip: &TimelineClip, format: &SequenceFormat) -> u64 {
    clip.frames_at(format.frame_rate)
}

/// Why `clips` cannot be joined by copy: one sentence per kind of difference, naming the
/// first clip that differs from the first clip (and how many others do).
fn copy_obstacles(clips: &[TimelineClip]) -> Vec<String> {
    let mut found: Vec<(&'static str, String, usize)> = Vec::new();
    let mut note = |kind: &'static str, text: String| {
        if let Some(entry) = found.iter_mut().find(|(k, _, _)| *k == kind) {
            entry.2 += 1;
        } else {
            found.push((kind, text, 0));
        }
    };
    let first = &clips[0];
    let a = &first.facts;
    if a.container.muxer().is_none() {
        note(
            "container",
            format!(
                "{} is {} file, and only MP4 and MOV files are joined as they are",
                first.quoted(),
                a.container.with_article()
            ),
        );
    }
    for clip in clips {
        if clip.is_trimmed() {
            let text = if clip.in_frame == 1 && clip.out_frame == clip.facts.video.frame_count {
                format!(
                    "{}'s first frame is left out (it repeats the frame before it), and a clip cannot lose frames without re-encoding",
                    clip.quoted()
                )
            } else {
                format!(
                    "only frames {}–{} of {} are used, and a clip cannot be cut without re-encoding",
                    clip.in_frame,
                    clip.out_frame,
                    clip.quoted()
                )
            };
            note("trim", text);
        }
    }
    for clip in &clips[1..] {
        let b = &clip.facts;
        let (this, that) = (clip.quoted(), first.quoted());
        if b.container != a.container {
            note(
                "container",
                format!(
                    "{this} is {} file and {that} {} file",
                    b.container.with_article(),
                    a.container.with_article()
                ),
            );
        }
        if b.video.codec != a.video.codec {
            note(
                "codec",
                format!(
                    "{this} is {} video and {that} {}",
                    b.video.codec_label(),
                    a.video.codec_label()
                ),
            );
        }
        if b.video.display_size() != a.video.display_size() || b.video.rotation != a.video.rotation
        {
            let ((bw, bh), (aw, ah)) = (b.video.display_size(), a.video.display_size());
            note("size", format!("{this} is {bw}×{bh} and {that} {aw}×{ah}"));
        }
        if b.video.frame_rate != a.video.frame_rate {
            note(
                "rate",
                format!(
                    "{this} runs at {} and {that} at {}",
                    b.video.frame_rate.label(),
                    a.video.frame_rate.label()
                ),
            );
        }
        if b.video.pix_fmt != a.video.pix_fmt {
            note(
                "pixels",
                format!(
                    "{this} stores its picture as {} and {that} as {}",
                    b.video.pix_fmt, a.video.pix_fmt
                ),
            );
        }
        if b.video.codec == a.video.codec
            && (b.video.profile != a.video.profile
                || b.video.parameter_sets != a.video.parameter_sets
                || b.video.time_base != a.video.time_base)
        {
            let detail = match (&b.video.profile, &a.video.profile) {
                (Some(p), Some(q)) if p != q => format!(" ({p} against {q} profile)"),
                _ => String::new(),
            };
            note(
                "settings",
                format!("{this} was encoded with other settings than {that}{detail}"),
            );
        }
        if b.stream_kinds != a.stream_kinds && b.audio.is_some() == a.audio.is_some() {
            note(
                "layout",
                format!("{this} stores its streams in another order than {that}"),
            );
        }
    }
    let silent: Vec<&TimelineClip> = clips.iter().filter(|c| c.facts.audio.is_none()).collect();
    if !silent.is_empty() && silent.len() < clips.len() {
        for clip in silent {
            note(
                "silent",
                format!(
                    "{} has no sound (silence is put in its place so the sound stays in sync)",
                    clip.quoted()
                ),
            );
        }
    }
    if let Some(sound) = &a.audio {
        for clip in &clips[1..] {
            let Some(other) = &clip.facts.audio else {
                continue;
            };
            if other.codec != sound.codec
                || other.sample_rate != sound.sample_rate
                || other.channels != sound.channels
                || other.channel_layout != sound.channel_layout
                || other.time_base != sound.time_base
                || other.parameter_sets != sound.parameter_sets
            {
                let (b_label, a_label) = (other.label(), sound.label());
                let text = if b_label == a_label {
                    format!(
                        "{}'s sound was encoded with other settings than {}'s",
                        clip.quoted(),
                        first.quoted()
                    )
                } else {
                    format!(
                        "{}'s sound is {b_label} and {}'s {a_label}",
                        clip.quoted(),
                        first.quoted()
                    )
                };
                note("sound", text);
            }
        }
    }
    found
        .into_iter()
        .map(|(_, text, more)| match more {
            0 => text,
            1 => format!("{text} (and so does 1 other clip)"),
            n => format!("{text} (and so do {n} other clips)"),
        })
        .collect()
}

/// Carries out `plan`, writing the film to `output` (which must not exist; its folder
/// must). Reports progress through `on_progress`; when `cancel` fires, ffmpeg is killed,
/// the work folder removed, and the answer is [`FilmError::Cancelled`].
pub async fn stitch(
    tools: &dyn MediaTools,
    plan: &StitchPlan,
    output: &Path,
    on_progress: &(dyn Fn(StitchProgress) + Send + Sync),
    cancel: &CancellationToken,
) -> Result<StitchOutcome, FilmError> {
    check_clips(&plan.clips)?;
    check_names(&plan.clips)?;
    // A plan kept across a change to its clips (a take downloaded again) must not copy
    // packets that no longer fit together.
    if plan.is_lossless() && !copy_obstacles(&plan.clips).is_empty() {
        return Err(FilmError::StalePlan);
    }
    let output = std::path::absolute(output).map_err(|e| FilmError::io(output, "found", e))?;
    let work = WorkFolder::create(&output).await?;
    let result = run_plan(tools, plan, &work, on_progress, cancel).await;
    let result = match result {
        Ok(made) => work.publish(&made, &output).await,
        Err(e) => Err(e),
    };
    work.remove().await;
    result?;
    on_progress(StitchProgress {
        step: StitchStep::Done,
        fraction: 1.0,
    });
    Ok(StitchOutcome {
        path: output,
        lossless: plan.is_lossless(),
    })
}

/// Checks a finished film against its plan with ffprobe: a video stream, a sound stream
/// exactly when any clip has sound, and the planned playing time within 0.1 s per cut (the
/// cuts of a copy may each gain or lose up to one sound packet). For the caller that
/// records the film, before it is shown as done.
pub async fn check_output(
    tools: &dyn MediaTools,
    plan: &StitchPlan,
    path: &Path,
) -> Result<ClipFacts, FilmError> {
    let facts = super::probe(tools, path).await?;
    let mismatch = |detail: String| FilmError::OutputMismatch {
        path: path.to_path_buf(),
        detail,
    };
    let sound = plan.clips.iter().any(|c| c.facts.audio.is_some());
    if facts.audio.is_some() != sound {
        return Err(mismatch(if sound {
            "it has no sound, but its clips have".to_owned()
        } else {
            "it has sound, but its clips have none".to_owned()
        }));
    }
    let cuts = plan.clips.len().saturating_sub(1).max(1) as f64;
    if (facts.duration_secs - plan.duration_secs).abs() > 0.1 * cuts {
        return Err(mismatch(format!(
            "it plays {:.2} s, but its clips add up to {:.2} s",
            facts.duration_secs, plan.duration_secs
        )));
    }
    Ok(facts)
}

/// Runs ffmpeg for the plan inside the work folder and returns the finished file there.
async fn run_plan(
    tools: &dyn MediaTools,
    plan: &StitchPlan,
    work: &WorkFolder,
    on_progress: &(dyn Fn(StitchProgress) + Send + Sync),
    cancel: &CancellationToken,
) -> Result<PathBuf, FilmError> {
    let total = plan.duration_secs.max(0.001);
    match &plan.method {
        StitchMethod::Copy { container } => {
            let (muxer, ext) = container.muxer().unwrap_or(("mp4", "mp4"));
            let list = work.path.join("clips.ffconcat");
            write_list(&list, plan.clips.iter().map(|c| c.facts.path.as_path())).await?;
            let made = work.path.join(format!("film.{ext}"));
            let mut args = common_args();
            args.extend(concat_input(&list));
            args.extend(os([
                "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy", "-f", muxer,
            ]));
            args.push(file_arg(&made));
            let report = |at: Duration| {
                on_progress(StitchProgress {
                    step: StitchStep::Copying,
                    fraction: (at.as_secs_f64() / total).clamp(0.0, 0.99),
                });
            };
            let writeback = Writeback::start(&made);
            let copied = tools
                .run_ffmpeg(args, "join the clips", &report, cancel)
                .await;
            writeback.finish().await;
            copied?;
            Ok(made)
        }
        StitchMethod::Reencode(target) => {
            let mut pieces = Vec::with_capacity(plan.clips.len());
            let mut encoded_secs = 0.0;
            let of = plan.clips.len();
            for (index, clip) in plan.clips.iter().enumerate() {
                let piece = work.path.join(format!("clip-{index:04}.mov"));
                let frames = output_frames(clip, &target.format);
                let before = encoded_secs;
                let report = |at: Duration| {
                    let encoded = before + at.as_secs_f64();
                    on_progress(StitchProgress {
                        step: StitchStep::Encoding {
                            clip: index + 1,
                            of,
                        },
                        fraction: (ENCODE_SHARE * encoded / total).clamp(0.0, ENCODE_SHARE),
                    });
                };
                let action = format!("re-encode {}", clip.quoted());
                tools
                    .run_ffmpeg(
                        encode_args(clip, target, frames, &piece),
                        &action,
                        &report,
                        cancel,
                    )
                    .await?;
                encoded_secs += target.format.frame_rate.seconds(frames);
                pieces.push(piece);
            }
            let list = work.path.join("pieces.ffconcat");
            write_list(&list, pieces.iter().map(PathBuf::as_path)).await?;
            let made = work.path.join("film.mp4");
            let mut args = common_args();
            args.extend(concat_input(&list));
            args.extend(os(["-map", "0:v:0", "-c:v", "copy"]));
            if target.audio {
                args.extend(os(["-map", "0:a:0", "-c:a", "aac", "-b:a", AUDIO_BITRATE]));
            }
            args.extend(os(["-f", "mp4"]));
            args.push(file_arg(&made));
            let report = |at: Duration| {
                on_progress(StitchProgress {
                    step: StitchStep::Joining,
                    fraction: (ENCODE_SHARE + (1.0 - ENCODE_SHARE) * at.as_secs_f64() / total)
                        .clamp(ENCODE_SHARE, 0.99),
                });
            };
            let writeback = Writeback::start(&made);
            let joined = tools
                .run_ffmpeg(args, "join the re-encoded clips", &report, cancel)
                .await;
            writeback.finish().await;
            joined?;
            Ok(made)
        }
    }
}

fn os<const N: usize>(args: [&str; N]) -> Vec<OsString> {
    args.into_iter().map(OsString::from).collect()
}

/// Quiet, no questions, machine-readable progress on stdout.
fn common_args() -> Vec<OsString> {
    os([
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-loglevel",
        "error",
        "-progress",
        "pipe:1",
    ])
}

fn concat_input(list: &Path) -> Vec<OsString> {
    let mut args = os(["-f", "concat", "-safe", "0", "-i"]);
    args.push(file_arg(list));
    args
}

/// The ffmpeg arguments that encode one clip to a piece of the film: its frames
/// `in..out`, fitted into the frame, at the film's rate, exactly `frames` frames long, with
/// sound (or silence) of exactly the same length as PCM.
fn encode_args(
    clip: &TimelineClip,
    target: &EncodeTarget,
    frames: u64,
    piece: &Path,
) -> Vec<OsString> {
    let format = &target.format;
    let (w, h) = (format.width, format.height);
    let rate = format.frame_rate;
    let source_rate = clip.facts.video.frame_rate;
    // Every piece is converted to and tagged as BT.709 (HD's colours), so a clip tagged
    // otherwise keeps its colours next to the others instead of being read with the
    // wrong matrix.
    // The padding after `fps` clones the last frame, so a clip whose length is not a whole
    // number of the film's frames still gives exactly `frames` frames.
    let mut graph = format!(
        "[0:v:0]trim=start_frame={}:end_frame={},setpts=PTS-STARTPTS,\
         scale=w={w}:h={h}:force_original_aspect_ratio=decrease:force_divisible_by=2:\
         out_color_matrix=bt709:out_range=tv,\
         pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,fps={rate},\
         tpad=stop_mode=clone:stop=-1,trim=end_frame={frames},format=yuv420p[v]",
        clip.in_frame, clip.out_frame,
    );
    let samples = (frames as f64 * f64::from(AUDIO_RATE) / rate.fps()).round() as u64;
    if target.audio {
        let shape =
            format!("aformat=sample_fmts=s16:sample_rates={AUDIO_RATE}:channel_layouts=stereo");
        if clip.facts.audio.is_some() {
            graph.push_str(&format!(
                ";[0:a:0]atrim=start={:.6}:end={:.6},asetpts=PTS-STARTPTS,aresample={AUDIO_RATE},{shape},apad,atrim=end_sample={samples}[a]",
                source_rate.seconds(clip.in_frame),
                source_rate.seconds(clip.out_frame),
            ));
        } else {
            graph.push_str(&format!(
                ";anullsrc=r={AUDIO_RATE}:cl=stereo,{shape},atrim=end_sample={samples}[a]"
            ));
        }
    }
    let mut args = common_args();
    args.push("-i".into());
    args.push(file_arg(&clip.facts.path));
    args.extend(os(["-filter_complex"]));
    args.push(graph.into());
    args.extend(os(["-map", "[v]"]));
    if target.audio {
        args.extend(os(["-map", "[a]", "-c:a", "pcm_s16le"]));
    }
    args.extend(os([
        "-c:v",
        "libx264",
        "-preset",
        X264_PRESET,
        "-crf",
        X264_CRF,
        "-pix_fmt",
        "yuv420p",
        "-colorspace",
        "bt709",
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
        "-color_range",
        "tv",
        "-f",
        "mov",
    ]));
    args.push(file_arg(piece));
    args
}

/// An ffconcat list naming `paths` in order. Inside single quotes nothing is special
/// except the quote itself, written as `'\''`.
async fn write_list(list: &Path, paths: impl Iterator<Item = &Path>) -> Result<(), FilmError> {
    let mut text = String::from("ffconcat version 1.0\n");
    for path in paths {
        let url = file_arg(path).to_string_lossy().replace('\'', r"'\''");
        text.push_str(&format!("file '{url}'\n"));
    }
    let list = list.to_path_buf();
    blocking(move || std::fs::write(&list, text).map_err(|e| FilmError::io(&list, "written", e)))
        .await
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, FilmError> + Send + 'static,
) -> Result<T, FilmError> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        Err(FilmError::Io {
            path: PathBuf::new(),
            action: "handled",
            source: std::io::Error::other(e.to_string()),
        })
    })
}

/// Pushes the film to disk while ffmpeg is still writing it, so the fsync before it is
/// published (which a film recorded as done needs) finds little left to write. Without it
/// that fsync was a sixth of a lossless stitch (`stitch-bench`, docs/benchmarks.md).
///
/// A thread of its own: every [`WRITEBACK_EVERY`] it looks at the file's size and, once
/// [`WRITEBACK_BYTES`] more are there, syncs the file's data. What it syncs is never
/// relied on: `publish` still syncs the whole file, so a sync that fails or comes late
/// only makes that one longer. Dropping the sender stops it at once (it does not sleep
/// out its interval).
struct Writeback {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How often the writeback thread looks at the growing file.
const WRITEBACK_EVERY: Duration = Duration::from_millis(50);
/// How much new data makes it sync: large enough that the syncs stay few (one per
/// 100 ms of copying at ffmpeg's pace here), small enough that little is left at the end.
const WRITEBACK_BYTES: u64 = 16 << 20;

impl Writeback {
    fn start(path: &Path) -> Writeback {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let path = path.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("film-writeback".into())
            .spawn(move || {
                let mut file = None;
                let mut synced = 0u64;
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(WRITEBACK_EVERY)
                {
                    if file.is_none() {
                        file = std::fs::File::open(&path).ok();
                    }
                    let Some(f) = &file else { continue };
                    let Ok(len) = f.metadata().map(|m| m.len()) else {
                        continue;
                    };
                    if len >= synced + WRITEBACK_BYTES && f.sync_data().is_ok() {
                        synced = len;
                    }
                }
            })
            .ok();
        Writeback {
            stop: Some(stop),
            thread,
        }
    }

    /// Stops the thread and waits for a sync it is in (off the async runtime).
    async fn finish(mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

/// The hidden folder beside the output where ffmpeg writes; removed when the stitch
/// ends in any way, including when its future is dropped.
struct WorkFolder {
    path: PathBuf,
}

const PARTIAL_MARK: &str = ".stitch-partial-";

impl WorkFolder {
    async fn create(output: &Path) -> Result<WorkFolder, FilmError> {
        let output = output.to_path_buf();
        blocking(move || {
            let folder =
                output
                    .parent()
                    .filter(|p| p.is_dir())
                    .ok_or_else(|| FilmError::NoFolder {
                        path: output.clone(),
                    })?;
            if output.exists() {
                return Err(FilmError::OutputExists { path: output });
            }
            let name = output
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let path = folder.join(format!(
                ".{name}{PARTIAL_MARK}{:08x}",
                rand::random::<u32>()
            ));
            std::fs::create_dir(&path).map_err(|e| FilmError::io(&path, "created", e))?;
            Ok(WorkFolder { path })
        })
        .await
    }

    /// Moves the finished file to `output`: fsynced first, so the name never points at
    /// a file whose bytes a power cut could lose, then the folder fsynced for the rename.
    async fn publish(&self, made: &Path, output: &Path) -> Result<(), FilmError> {
        let (made, output) = (made.to_path_buf(), output.to_path_buf());
        blocking(move || {
            std::fs::File::open(&made)
                .and_then(|f| f.sync_all())
                .map_err(|e| FilmError::io(&made, "saved to disk", e))?;
            if output.exists() {
                return Err(FilmError::OutputExists { path: output });
            }
            std::fs::rename(&made, &output).map_err(|e| FilmError::io(&output, "written", e))?;
            if let Some(parent) = output.parent() {
                // Best effort: not every platform can open or sync a folder.
                if let Ok(dir) = std::fs::File::open(parent) {
                    let _ = dir.sync_all();
                }
            }
            Ok(())
        })
        .await
    }

    async fn remove(&self) {
        let path = self.path.clone();
        let _ = blocking(move || {
            std::fs::remove_dir_all(&path).map_err(|e| FilmError::io(&path, "removed", e))
        })
        .await;
    }
}

impl Drop for WorkFolder {
    fn drop(&mut self) {
        // After `remove` this finds nothing. When the stitch future is dropped midway,
        // ffmpeg is being killed (kill_on_drop) and the folder goes here.
        if self.path.exists() {
            let path = self.path.clone();
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn_blocking(move || std::fs::remove_dir_all(path));
                }
                Err(_) => {
                    let _ = std::fs::remove_dir_all(path);
                }
            }
        }
    }
}

/// Removes what crashed stitches left in `folder` (hidden `.NAME.stitch-partial-*`
/// folders), returning how many. Call it when no stitch into that folder is running,
/// e.g. at start-up.
pub async fn remove_leftovers(folder: &Path) -> Result<usize, FilmError> {
    let folder = folder.to_path_buf();
    blocking(move || {
        let entries =
            std::fs::read_dir(&folder).map_err(|e| FilmError::io(&folder, "listed", e))?;
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.')
                && name.contains(PARTIAL_MARK)
                && std::fs::remove_dir_all(entry.path()).is_ok()
            {
                removed += 1;
            }
        }
        Ok(removed)
    })
    .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::tests::facts;
    use super::super::{AudioFacts, FrameRate};
    use super::*;

    fn with_sound(mut facts: ClipFacts) -> ClipFacts {
        facts.stream_kinds = vec!["video".into(), "audio".into()];
        facts.audio = Some(AudioFacts {
            codec: "aac".into(),
            profile: Some("LC".into()),
            sample_rate: 48000,
            channels: 2,
            channel_layout: Some("stereo".into()),
            time_base: "1/48000".into(),
            duration_secs: facts.duration_secs,
            parameter_sets: Some("CRC32:a".into()),
        });
        facts
    }

    fn clip(name: &str, w: u32, h: u32, fps: u32) -> TimelineClip {
        TimelineClip::whole(
            name,
            with_sound(facts(
                name,
                w,
                h,
                FrameRate::new(fps, 1),
                u64::from(fps) * 4,
            )),
        )
    }

    #[test]
    fn equal_clips_are_copied_and_say_so() {
        let plan = plan_stitch(vec![clip("a", 1920, 1080, 24), clip("b", 1920, 1080, 24)]).unwrap();
        assert!(plan.is_lossless());
        assert!(plan.reasons.is_empty());
        assert_eq!(plan.file_extension(), "mp4");
        assert!((plan.duration_secs - 8.0).abs() < 1e-9);
        assert!(
            plan.summary().starts_with(
                "Joined without re-encoding, so nothing is lost: both clips are H.264 1920×1080 at 24 fps with AAC 48 kHz stereo sound, in MP4."
            ),
            "{}",
            plan.summary()
        );
    }

    #[test]
    fn each_difference_forces_a_re_encode_with_its_reason() {
        let base = || clip("a", 1920, 1080, 24);
        let cases: Vec<(TimelineClip, &str)> = vec![
            (
                clip("b", 1280, 720, 24),
                "“b” is 1280×720 and “a” 1920×1080",
            ),
            (
                clip("b", 1920, 1080, 30),
                "“b” runs at 30 fps and “a” at 24 fps",
            ),
            (
                {
                    let mut c = clip("b", 1920, 1080, 24);
                    c.facts.video.codec = "hevc".into();
                    c.facts.video.profile = Some("Main".into());
                    c
                },
                "“b” is HEVC video and “a” H.264",
            ),
            (
                {
                    let mut c = clip("b", 1920, 1080, 24);
                    c.facts.container = Container::Mov;
                    c
                },
                "“b” is a MOV file and “a” an MP4 file",
            ),
            (
                {
                    let mut c = clip("b", 1920, 1080, 24);
                    c.facts.audio = None;
                    c.facts.stream_kinds = vec!["video".into()];
                    c
                },
                "“b” has no sound (silence is put in its place",
            ),
            (
                {
                    let mut c = clip("b", 1920, 1080, 24);
                    c.facts.video.parameter_sets = Some("CRC32:2".into());
                    c
                },
                "“b” was encoded with other settings than “a”",
            ),
            (
                {
                    let mut c = clip("b", 1920, 1080, 24);
                    if let Some(a) = c.facts.audio.as_mut() {
                        a.sample_rate = 44100;
                        a.channels = 1;
                        a.channel_layout = Some("mono".into());
                    }
                    c
                },
                "“b”'s sound is AAC 44.1 kHz mono and “a”'s AAC 48 kHz stereo",
            ),
        ];
        for (other, reason) in cases {
            let plan = plan_stitch(vec![base(), other]).unwrap();
            assert!(!plan.is_lossless(), "{reason}");
            assert!(
                plan.reasons.iter().any(|r| r.starts_with(reason)),
                "{reason} not in {:?}",
                plan.reasons
            );
            assert!(plan.summary().contains(reason), "{}", plan.summary());
            assert_eq!(plan.file_extension(), "mp4");
        }
    }

    #[test]
    fn the_re_encode_target_is_the_common_format_with_bars_for_other_shapes() {
        let clips = vec![
            clip("a", 1920, 1080, 24),
            clip("b", 1080, 1920, 24),
            clip("c", 1920, 1080, 30),
        ];
        let plan = plan_stitch(clips).unwrap();
        let StitchMethod::Reencode(target) = &plan.method else {
            panic!("expected a re-encode");
        };
        assert_eq!((target.format.width, target.format.height), (1920, 1080));
        assert_eq!(target.format.frame_rate, FrameRate::new(24, 1));
        assert!(target.audio);
        assert!(plan.summary().contains("black bars"), "{}", plan.summary());
        // 4 s each at 24 fps.
        assert!((plan.duration_secs - 12.0).abs() < 1e-9);
    }

    #[test]
    fn a_join_drops_the_extensions_repeated_first_frame_unless_told_not_to() {
        let source = with_sound(facts("source", 1280, 720, FrameRate::new(24, 1), 120));
        let extension = with_sound(facts("ext", 1280, 720, FrameRate::new(24, 1), 96));
        let plan = plan_join(source.clone(), extension.clone(), Seam::TrimRepeatedFrame).unwrap();
        assert!(!plan.is_lossless());
        assert_eq!(plan.clips[1].in_frame, 1);
        assert_eq!(plan.clips[0].in_frame, 0);
        assert!(
            (plan.duration_secs - 215.0 / 24.0).abs() < 1e-9,
            "{}",
            plan.duration_secs
        );
        assert!(
            plan.reasons[0].contains("first frame is left out"),
            "{:?}",
            plan.reasons
        );
        let kept = plan_join(source, extension, Seam::KeepBoth).unwrap();
        assert!(kept.is_lossless());
    }

    #[test]
    fn the_piece_encoder_is_told_exact_frames_and_samples() {
        let plan = plan_stitch(vec![clip("a", 1920, 1080, 24), clip("b", 1280, 720, 30)]).unwrap();
        let StitchMethod::Reencode(target) = &plan.method else {
            panic!("expected a re-encode");
        };
        let args = encode_args(&plan.clips[1], target, 96, Path::new("/w/p.mov"));
        let graph = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .find(|a| a.contains("[v]"))
            .unwrap();
        assert!(
            graph.contains("trim=start_frame=0:end_frame=120"),
            "{graph}"
        );
        // Equally common rates: the higher one wins.
        assert!(graph.contains("fps=30/1"), "{graph}");
        assert!(graph.contains("trim=end_frame=96"), "{graph}");
        // 96 frames at 30 fps = 3.2 s = 153600 samples at 48 kHz.
        assert!(graph.contains("atrim=end_sample=153600"), "{graph}");
        assert_eq!(args.last().unwrap(), "file:/w/p.mov");
    }

    #[test]
    fn a_copy_plan_whose_clips_changed_is_refused_before_anything_runs() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut plan = plan_stitch(vec![clip("a", 640, 360, 24), clip("b", 640, 360, 24)]).unwrap();
        assert!(plan.is_lossless());
        plan.clips[1].facts.video.parameter_sets = Some("CRC32:other".into());
        // Tools that do not exist: the refusal must come before any of them is needed.
        let tools = super::super::FfmpegCli::at(
            dir.path().join("no-ffmpeg"),
            dir.path().join("no-ffprobe"),
        );
        let output = dir.path().join("film.mp4");
        let err = rt
            .block_on(stitch(
                &tools,
                &plan,
                &output,
                &|_| {},
                &CancellationToken::new(),
            ))
            .unwrap_err();
        assert!(matches!(err, FilmError::StalePlan), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn leftovers_of_crashed_stitches_are_removed_and_nothing_else() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let left = dir.path().join(".film.mp4.stitch-partial-0badf00d");
        std::fs::create_dir(&left).unwrap();
        std::fs::write(left.join("clip-0000.mov"), b"half").unwrap();
        std::fs::write(dir.path().join("film.mp4"), b"a finished film").unwrap();
        std::fs::write(dir.path().join(".hidden-note"), b"not ours").unwrap();
        assert_eq!(rt.block_on(remove_leftovers(dir.path())).unwrap(), 1);
        assert!(!left.exists());
        assert!(dir.path().join("film.mp4").exists());
        assert!(dir.path().join(".hidden-note").exists());
    }

    #[test]
    fn list_files_quote_single_quotes() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("l.ffconcat");
        rt.block_on(write_list(&list, [Path::new("/a/it's.mp4")].into_iter()))
            .unwrap();
        let text = std::fs::read_to_string(&list).unwrap();
        assert_eq!(text, "ffconcat version 1.0\nfile 'file:/a/it'\\''s.mp4'\n");
    }
}
