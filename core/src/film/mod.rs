//! From clips to films: what a timeline is, and the media work done on one (issue 20:
//! stitching the chosen takes into one video, exporting the sequence to editors; issue 19:
//! the joined clip of a source and its extension).
//!
//! Owns the media facts of a clip ([`ClipFacts`], read by [`probe`]), the timeline of
//! clips in order ([`Timeline`], [`TimelineClip`]) and the one frame size and rate a
//! timeline is shown at ([`SequenceFormat`]); [`stitch`] and [`export`] work on these. All
//! decoding and encoding is done by ffmpeg and ffprobe, run as processes behind the
//! [`tools::MediaTools`] port: nothing here parses or writes a video container itself.
//!
//! Must not: know about the ledger, the engine, takes or the window. Callers build a
//! [`Timeline`] from whatever they keep (the library's files, a sequence's chosen takes)
//! and keep the results themselves.

pub mod export;
pub mod probe;
pub mod stitch;
pub mod tools;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use export::{export, render, EditorFormat};
pub use probe::probe;
pub use stitch::{
    check_output, plan_join, plan_stitch, plan_stitch_reencoded, remove_leftovers, stitch,
    EncodeTarget, Seam, StitchMethod, StitchOutcome, StitchPlan, StitchProgress, StitchStep,
};
pub use tools::{FfmpegCli, MediaTools};

/// A frame rate as an exact fraction: `24/1`, or `24000/1001` for "23.976".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FrameRate {
    pub num: u32,
    pub den: u32,
}

impl FrameRate {
    pub const fn new(num: u32, den: u32) -> FrameRate {
        FrameRate { num, den }
    }

    /// Reads ffprobe's `"24/1"`, reduced; `None` for `"0/0"` and anything unusable.
    pub fn parse(text: &str) -> Option<FrameRate> {
        let (num, den) = text.split_once('/')?;
        let (num, den): (u32, u32) = (num.trim().parse().ok()?, den.trim().parse().ok()?);
        if num == 0 || den == 0 {
            return None;
        }
        let divisor = gcd(u64::from(num), u64::from(den)) as u32;
        Some(FrameRate::new(num / divisor, den / divisor))
    }

    pub fn fps(self) -> f64 {
        f64::from(self.num) / f64::from(self.den)
    }

    /// Whole frames per second for timecode (24 for 23.976, 30 for 29.97): editors count
    /// non-drop-frame timecode at the rounded rate.
    pub fn timecode_base(self) -> u32 {
        (self.fps().round() as u32).max(1)
    }

    /// Seconds taken by `frames` frames.
    pub fn seconds(self, frames: u64) -> f64 {
        frames as f64 * f64::from(self.den) / f64::from(self.num)
    }

    /// The number of whole frames closest to `seconds`.
    pub fn frames_in(self, seconds: f64) -> u64 {
        (seconds * self.fps()).round().max(0.0) as u64
    }

    /// `"24 fps"`, `"23.976 fps"`, for messages.
    pub fn label(self) -> String {
        if self.den == 1 {
            format!("{} fps", self.num)
        } else {
            let text = format!("{:.3}", self.fps());
            format!("{} fps", text.trim_end_matches('0').trim_end_matches('.'))
        }
    }
}

impl std::fmt::Display for FrameRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

pub(crate) fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// The file format around the streams, as far as stitching cares.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Container {
    /// ISO base media (MP4); the 2.0 family's results.
    Mp4,
    /// QuickTime; the 2.5 family can return it (service-api §12.1.3).
    Mov,
    /// WebM (a clip dropped in).
    Webm,
    /// Anything else ffprobe can read, by ffprobe's format name.
    Other(String),
}

impl Container {
    /// The name people know the format by.
    pub fn label(&self) -> &str {
        match self {
            Container::Mp4 => "MP4",
            Container::Mov => "MOV",
            Container::Webm => "WebM",
            Container::Other(name) => name,
        }
    }

    /// The label with its article, as said aloud: "an MP4", "a MOV".
    pub fn with_article(&self) -> String {
        match self {
            Container::Mp4 => "an MP4".to_owned(),
            other => format!("a {}", other.label()),
        }
    }

    /// The muxer ffmpeg writes it with and the file extension, for the formats a stitch
    /// can produce losslessly; `None` for the others (they are re-encoded to MP4).
    pub fn muxer(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Container::Mp4 => Some(("mp4", "mp4")),
            Container::Mov => Some(("mov", "mov")),
            Container::Webm | Container::Other(_) => None,
        }
    }
}

/// What ffprobe says about one clip. Everything a stitch decision depends on is here, so
/// two clips with equal [`VideoFacts`] and [`AudioFacts`] in the same container can be
/// joined without re-encoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipFacts {
    /// The file, as an absolute path.
    pub path: PathBuf,
    pub container: Container,
    /// Playing time of the file (the longest of its streams), in seconds.
    pub duration_secs: f64,
    /// The kind of each stream in file order (`video`, `audio`, `data`…): files joined by
    /// copy are matched stream by stream, so they must agree.
    pub stream_kinds: Vec<String>,
    /// The first video stream.
    pub video: VideoFacts,
    /// The first audio stream; `None` for a silent clip (`generate_audio:false` gives an
    /// mp4 with no audio stream at all, service-api §3.2).
    pub audio: Option<AudioFacts>,
}

impl ClipFacts {
    /// The file name, for messages when the clip has no better name.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoFacts {
    /// ffmpeg's codec name: `h264`, `hevc`, `vp9`…
    pub codec: String,
    /// `High`, `Main`, `Main 10`…, when the codec has profiles.
    pub profile: Option<String>,
    /// Stored width and height in pixels (before [`VideoFacts::rotation`]).
    pub width: u32,
    pub height: u32,
    /// Clockwise turn a player applies, in degrees: 0, 90, 180 or 270 (phone clips).
    pub rotation: u32,
    pub frame_rate: FrameRate,
    /// `yuv420p`, `yuv420p10le`…
    pub pix_fmt: String,
    /// The stream's time base, `"1/12288"`: files joined by copy must share it.
    pub time_base: String,
    /// Frames in the stream.
    pub frame_count: u64,
    /// Playing time of the video stream, in seconds.
    pub duration_secs: f64,
    /// A hash of the codec's parameter sets (H.264 SPS/PPS…): files whose sets differ
    /// cannot share one set of headers, so they are not joined by copy.
    pub parameter_sets: Option<String>,
}

impl VideoFacts {
    /// Width and height as shown, after rotation.
    pub fn display_size(&self) -> (u32, u32) {
        if self.rotation % 180 == 90 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }

    /// `"H.264"`, `"HEVC"`…, for messages.
    pub fn codec_label(&self) -> String {
        codec_label(&self.codec)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioFacts {
    /// `aac`, `opus`, `pcm_s16le`…
    pub codec: String,
    pub profile: Option<String>,
    pub sample_rate: u32,
    pub channels: u32,
    /// `stereo`, `mono`, `5.1`…
    pub channel_layout: Option<String>,
    pub time_base: String,
    pub duration_secs: f64,
    /// A hash of the codec's configuration (AAC's AudioSpecificConfig…).
    pub parameter_sets: Option<String>,
}

impl AudioFacts {
    /// `"AAC 48 kHz stereo"`, for messages.
    pub fn label(&self) -> String {
        let layout = match (&self.channel_layout, self.channels) {
            (Some(layout), _) => layout.clone(),
            (None, 1) => "mono".to_owned(),
            (None, 2) => "stereo".to_owned(),
            (None, n) => format!("{n} channels"),
        };
        let khz = f64::from(self.sample_rate) / 1000.0;
        let khz = format!("{khz:.1}");
        format!(
            "{} {} kHz {layout}",
            codec_label(&self.codec),
            khz.trim_end_matches(".0")
        )
    }
}

fn codec_label(codec: &str) -> String {
    match codec {
        "h264" => "H.264".to_owned(),
        "hevc" => "HEVC".to_owned(),
        "av1" => "AV1".to_owned(),
        "vp8" => "VP8".to_owned(),
        "vp9" => "VP9".to_owned(),
        "prores" => "ProRes".to_owned(),
        "aac" => "AAC".to_owned(),
        "mp3" => "MP3".to_owned(),
        "opus" => "Opus".to_owned(),
        other => other.to_owned(),
    }
}

/// One clip as placed on a timeline: which file, under what name, and which of its frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineClip {
    /// What editors and messages call it ("Shot 2, take 1").
    pub name: String,
    pub facts: ClipFacts,
    /// The first frame used, counted in the clip's own frames from 0.
    pub in_frame: u64,
    /// One past the last frame used; `facts.video.frame_count` for the whole clip.
    pub out_frame: u64,
}

impl TimelineClip {
    /// The whole clip.
    pub fn whole(name: impl Into<String>, facts: ClipFacts) -> TimelineClip {
        let out_frame = facts.video.frame_count;
        TimelineClip {
            name: name.into(),
            facts,
            in_frame: 0,
            out_frame,
        }
    }

    /// Frames used.
    pub fn frames(&self) -> u64 {
        self.out_frame.saturating_sub(self.in_frame)
    }

    /// Playing time used, in seconds.
    pub fn duration_secs(&self) -> f64 {
        self.facts.video.frame_rate.seconds(self.frames())
    }

    /// Frames it lasts on a timeline running at `rate` (at least one): the length of
    /// a clip shot at another rate, rounded to whole frames of the timeline.
    pub fn frames_at(&self, rate: FrameRate) -> u64 {
        if rate == self.facts.video.frame_rate {
            return self.frames();
        }
        rate.frames_in(self.duration_secs()).max(1)
    }

    /// Whether only part of the clip is used.
    pub fn is_trimmed(&self) -> bool {
        self.in_frame > 0 || self.out_frame < self.facts.video.frame_count
    }

    /// The name in messages, quoted.
    pub(crate) fn quoted(&self) -> String {
        format!("“{}”", self.name)
    }
}

/// Clips in playing order, under a name (the sequence's, for editors).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    pub name: String,
    pub clips: Vec<TimelineClip>,
}

impl Timeline {
    pub fn new(name: impl Into<String>, clips: Vec<TimelineClip>) -> Timeline {
        Timeline {
            name: name.into(),
            clips,
        }
    }

    /// Checks what every stitch and export relies on: at least one clip, every file named
    /// by an absolute path, every range inside its clip and not empty.
    pub fn check(&self) -> Result<(), FilmError> {
        check_clips(&self.clips)
    }

    /// The frame size and rate the timeline is shown at: see [`SequenceFormat::of`].
    pub fn format(&self) -> Result<SequenceFormat, FilmError> {
        SequenceFormat::of(&self.clips)
    }

    /// Playing time of all clips one after the other, in seconds.
    pub fn duration_secs(&self) -> f64 {
        self.clips.iter().map(TimelineClip::duration_secs).sum()
    }
}

pub(crate) fn check_clips(clips: &[TimelineClip]) -> Result<(), FilmError> {
    if clips.is_empty() {
        return Err(FilmError::NoClips);
    }
    for clip in clips {
        if !clip.facts.path.is_absolute() {
            return Err(FilmError::NotAbsolute {
                path: clip.facts.path.clone(),
            });
        }
        if clip.in_frame >= clip.out_frame || clip.out_frame > clip.facts.video.frame_count {
            return Err(FilmError::BadRange {
                clip: clip.name.clone(),
                in_frame: clip.in_frame,
                out_frame: clip.out_frame,
                frame_count: clip.facts.video.frame_count,
            });
        }
    }
    Ok(())
}

/// The one picture format of a timeline: the frame size shared by the most clips (the
/// largest among equally common ones) and the frame rate shared by the most clips (the
/// highest among equally common ones). A stitch that must re-encode encodes to it, fitting
/// other sizes inside with black bars; exports declare it as the sequence's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceFormat {
    pub width: u32,
    pub height: u32,
    pub frame_rate: FrameRate,
}

impl SequenceFormat {
    pub fn of(clips: &[TimelineClip]) -> Result<SequenceFormat, FilmError> {
        check_clips(clips)?;
        let sizes = clips.iter().map(|c| c.facts.video.display_size());
        let (width, height) =
            most_common(sizes, |&(w, h)| u64::from(w) * u64::from(h)).ok_or(FilmError::NoClips)?;
        let rates = clips.iter().map(|c| c.facts.video.frame_rate);
        let frame_rate =
            most_common(rates, |r| (r.fps() * 1000.0) as u64).ok_or(FilmError::NoClips)?;
        Ok(SequenceFormat {
            width,
            height,
            frame_rate,
        })
    }

    /// `"1920×1080 at 24 fps"`.
    pub fn label(&self) -> String {
        format!(
            "{}×{} at {}",
            self.width,
            self.height,
            self.frame_rate.label()
        )
    }
}

/// The most frequent value; among equally frequent ones, the one with the highest `rank`.
fn most_common<T: Copy + Eq + std::hash::Hash>(
    values: impl Iterator<Item = T>,
    rank: impl Fn(&T) -> u64,
) -> Option<T> {
    let mut counts: HashMap<T, usize> = HashMap::new();
    let mut order = Vec::new();
    for value in values {
        let count = counts.entry(value).or_insert(0);
        if *count == 0 {
            order.push(value);
        }
        *count += 1;
    }
    order
        .into_iter()
        .max_by_key(|v| (counts.get(v).copied().unwrap_or(0), rank(v)))
}

/// Why media work on clips could not be done. Messages name the file or clip and the fix.
#[derive(Debug, thiserror::Error)]
pub enum FilmError {
    /// ffmpeg or ffprobe is not installed, or not where it was configured.
    #[error(
        "{tool} is not installed, and Seedance Studio needs it to join and check clips. {hint}"
    )]
    ToolMissing { tool: &'static str, hint: String },
    /// The tool ran and failed; `detail` is the end of what it printed.
    #[error("{tool} could not {action}: {detail}")]
    ToolFailed {
        tool: &'static str,
        action: String,
        detail: String,
    },
    /// The installed ffmpeg was built without an encoder the re-encode needs.
    #[error("The installed ffmpeg cannot encode {what} ({encoder} is missing). Install a full ffmpeg build: {hint}")]
    EncoderMissing {
        what: &'static str,
        encoder: &'static str,
        hint: String,
    },
    /// ffprobe could not read the file as a video.
    #[error("{path} cannot be read as a video: {reason} Choose another file, or download the result again.")]
    Unreadable { path: PathBuf, reason: String },
    /// The file has no picture.
    #[error("{path} has no video stream (only sound, or nothing). Choose a video file.")]
    NoVideo { path: PathBuf },
    #[error("There are no clips to work on: add at least one clip.")]
    NoClips,
    #[error("The clip file {path} must be given by its full path.")]
    NotAbsolute { path: PathBuf },
    #[error("Clip “{clip}” uses frames {in_frame} to {out_frame}, but it has {frame_count} frames: choose a range inside the clip.")]
    BadRange {
        clip: String,
        in_frame: u64,
        out_frame: u64,
        frame_count: u64,
    },
    /// A name ffmpeg's list files cannot carry.
    #[error("The file name {path} contains a line break, which ffmpeg cannot read in a list: rename the file.")]
    UnusableName { path: PathBuf },
    #[error("{format} files hold at most {limit} clips; this timeline has {count}: export it in parts, or as OpenTimelineIO or FCPXML.")]
    TooManyClips {
        format: &'static str,
        limit: usize,
        count: usize,
    },
    #[error("{path} exists already: choose another name for the joined video, or remove that file first.")]
    OutputExists { path: PathBuf },
    #[error("The folder for {path} does not exist: choose an existing folder.")]
    NoFolder { path: PathBuf },
    #[error("{path} could not be {action}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
    /// A copy was planned for clips that no longer allow it.
    #[error("The clips changed since the join was planned: plan it again.")]
    StalePlan,
    /// A finished film is not what its plan promised.
    #[error("The joined video {path} is not right: {detail}. Join the clips again; if it happens again, re-encode them.")]
    OutputMismatch { path: PathBuf, detail: String },
    /// Stopped on request; nothing was left under the output's name.
    #[error("Stopped: the joined video was not made.")]
    Cancelled,
}

impl FilmError {
    pub(crate) fn io(path: &Path, action: &'static str, source: std::io::Error) -> FilmError {
        FilmError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    pub(crate) fn facts(name: &str, w: u32, h: u32, rate: FrameRate, frames: u64) -> ClipFacts {
        ClipFacts {
            path: PathBuf::from(format!("/clips/{name}.mp4")),
            container: Container::Mp4,
            duration_secs: rate.seconds(frames),
            stream_kinds: vec!["video".into()],
            video: VideoFacts {
                codec: "h264".into(),
                profile: Some("High".into()),
                width: w,
                height: h,
                rotation: 0,
                frame_rate: rate,
                pix_fmt: "yuv420p".into(),
                time_base: "1/12288".into(),
                frame_count: frames,
                duration_secs: rate.seconds(frames),
                parameter_sets: Some("CRC32:1".into()),
            },
            audio: None,
        }
    }

    #[test]
    fn frame_rates_parse_reduced_and_refuse_zero() {
        assert_eq!(FrameRate::parse("48/2"), Some(FrameRate::new(24, 1)));
        assert_eq!(
            FrameRate::parse("24000/1001"),
            Some(FrameRate::new(24000, 1001))
        );
        assert_eq!(FrameRate::parse("0/0"), None);
        assert_eq!(FrameRate::parse("24"), None);
        assert_eq!(FrameRate::new(24000, 1001).label(), "23.976 fps");
        assert_eq!(FrameRate::new(30000, 1001).timecode_base(), 30);
        assert_eq!(FrameRate::new(25, 1).frames_in(4.0), 100);
    }

    #[test]
    fn the_sequence_format_is_the_most_common_then_the_largest() {
        let r24 = FrameRate::new(24, 1);
        let r30 = FrameRate::new(30, 1);
        let clips = vec![
            TimelineClip::whole("a", facts("a", 1280, 720, r30, 90)),
            TimelineClip::whole("b", facts("b", 1920, 1080, r24, 96)),
            TimelineClip::whole("c", facts("c", 1280, 720, r24, 96)),
        ];
        let format = SequenceFormat::of(&clips).unwrap();
        assert_eq!((format.width, format.height), (1280, 720));
        assert_eq!(format.frame_rate, r24);
        // A tie goes to the larger picture and the higher rate.
        let format = SequenceFormat::of(&clips[..2]).unwrap();
        assert_eq!((format.width, format.height), (1920, 1080));
        assert_eq!(format.frame_rate, r30);
    }

    #[test]
    fn a_timeline_refuses_empty_and_out_of_range_clips() {
        let r24 = FrameRate::new(24, 1);
        assert!(matches!(
            Timeline::new("t", vec![]).check(),
            Err(FilmError::NoClips)
        ));
        let mut clip = TimelineClip::whole("a", facts("a", 64, 64, r24, 24));
        clip.out_frame = 25;
        let err = Timeline::new("t", vec![clip.clone()]).check().unwrap_err();
        assert!(err.to_string().contains("“a”"), "{err}");
        clip.out_frame = 24;
        clip.facts.path = PathBuf::from("relative.mp4");
        assert!(matches!(
            Timeline::new("t", vec![clip]).check(),
            Err(FilmError::NotAbsolute { .. })
        ));
    }
}
