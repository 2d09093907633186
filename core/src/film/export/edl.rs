//! CMX 3600 EDL: one event per clip on the video track (and its sound channels), record
//! timecode from 01:00:00:00, non-drop-frame, at the timeline's rate.
//!
//! An EDL has one frame rate and no file paths of its own: source and record timecodes are
//! counted in the sequence's frames (at the rounded rate, 24 for 23.976), every source is
//! the auxiliary reel `AX` (generated clips have no tape or timecode), and each event
//! carries the clip's name (`* FROM CLIP NAME:`) and its absolute path (`* FROM FILE:`) as
//! comments, which is how editors relink file-based media. A reader must be told the rate.

use std::fmt::Write as _;

use super::super::{FrameRate, Timeline};
use super::one_line;
use crate::film::FilmError;

/// Event numbers have three digits.
pub const MAX_EVENTS: usize = 999;

/// Record timecode of the first frame: the usual start of a programme.
const RECORD_START_SECS: u64 = 3600;

/// `HH:MM:SS:FF` for a frame count at a whole-frame timecode base.
pub fn timecode(frames: u64, base: u32) -> String {
    let base = u64::from(base.max(1));
    let (seconds, ff) = (frames / base, frames % base);
    format!(
        "{:02}:{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        ff
    )
}

pub fn render(timeline: &Timeline) -> Result<String, FilmError> {
    if timeline.clips.len() > MAX_EVENTS {
        return Err(FilmError::TooManyClips {
            format: "CMX 3600 EDL",
            limit: MAX_EVENTS,
            count: timeline.clips.len(),
        });
    }
    let rate = timeline.format()?.frame_rate;
    let base = rate.timecode_base();
    let mut out = String::new();
    let title: String = one_line(&timeline.name).chars().take(70).collect();
    let _ = writeln!(out, "TITLE: {}", title.trim());
    out.push_str("FCM: NON-DROP FRAME\n\n");
    let mut record = RECORD_START_SECS * u64::from(base);
    for (index, clip) in timeline.clips.iter().enumerate() {
        let frames = clip.frames_at(rate);
        let source_in = in_point(clip.in_frame, clip.facts.video.frame_rate, rate);
        let channels = match clip.facts.audio.as_ref().map(|a| a.channels) {
            None | Some(0) => "V",
            Some(1) => "B",
            Some(_) => "AA/V",
        };
        let _ = writeln!(
            out,
            "{:03}  {:<8} {:<5} C        {} {} {} {}",
            index + 1,
            "AX",
            channels,
            timecode(source_in, base),
            timecode(source_in + frames, base),
            timecode(record, base),
            timecode(record + frames, base),
        );
        let _ = writeln!(out, "* FROM CLIP NAME: {}", one_line(&clip.name));
        let _ = writeln!(
            out,
            "* FROM FILE: {}",
            one_line(&clip.facts.path.to_string_lossy())
        );
        out.push('\n');
        record += frames;
    }
    Ok(out)
}

/// A clip's in point in the sequence's frames.
fn in_point(in_frame: u64, clip_rate: FrameRate, rate: FrameRate) -> u64 {
    if clip_rate == rate {
        in_frame
    } else {
        rate.frames_in(clip_rate.seconds(in_frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timecode_counts_whole_frames_at_the_base() {
        assert_eq!(timecode(0, 24), "00:00:00:00");
        assert_eq!(timecode(86_400 + 25, 24), "01:00:01:01");
        assert_eq!(timecode(30 * 3661 + 29, 30), "01:01:01:29");
    }
}
