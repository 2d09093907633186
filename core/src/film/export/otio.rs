//! OpenTimelineIO JSON: a Timeline with a video track of the clips and, when any clip
//! has sound, an audio track of the same clips (a gap where a clip is silent).
//!
//! Written in the schema versions of OpenTimelineIO 0.14 (`Clip.1` with one
//! `media_reference`): every later version reads and upgrades them, while the newer
//! `Clip.2` cannot be read by the 0.14-era libraries some editors bundle. Each clip keeps
//! its own frame rate; times are frames at that rate.

use serde_json::{json, Value};

use super::super::{FrameRate, Timeline, TimelineClip};
use super::{file_url, one_line};
use crate::film::FilmError;

pub fn render(timeline: &Timeline) -> Result<String, FilmError> {
    let mut video = Vec::with_capacity(timeline.clips.len());
    let mut audio = Vec::with_capacity(timeline.clips.len());
    for clip in &timeline.clips {
        video.push(clip_json(clip)?);
        audio.push(if clip.facts.audio.is_some() {
            clip_json(clip)?
        } else {
            gap_json(clip)
        });
    }
    let mut tracks = vec![track_json("V1", "Video", video)];
    if timeline.clips.iter().any(|c| c.facts.audio.is_some()) {
        tracks.push(track_json("A1", "Audio", audio));
    }
    let document = json!({
        "OTIO_SCHEMA": "Timeline.1",
        "metadata": {},
        "name": one_line(&timeline.name),
        "global_start_time": null,
        "tracks": {
            "OTIO_SCHEMA": "Stack.1",
            "metadata": {},
            "name": "tracks",
            "source_range": null,
            "effects": [],
            "markers": [],
            "enabled": true,
            "children": tracks,
        },
    });
    serde_json::to_string_pretty(&document).map_err(|e| FilmError::Io {
        path: std::path::PathBuf::new(),
        action: "rendered",
        source: std::io::Error::other(e),
    })
}

fn rational_time(frames: u64, rate: FrameRate) -> Value {
    json!({"OTIO_SCHEMA": "RationalTime.1", "rate": rate.fps(), "value": frames as f64})
}

fn time_range(start: u64, duration: u64, rate: FrameRate) -> Value {
    json!({
        "OTIO_SCHEMA": "TimeRange.1",
        "duration": rational_time(duration, rate),
        "start_time": rational_time(start, rate),
    })
}

fn clip_json(clip: &TimelineClip) -> Result<Value, FilmError> {
    let rate = clip.facts.video.frame_rate;
    Ok(json!({
        "OTIO_SCHEMA": "Clip.1",
        "metadata": {},
        "name": one_line(&clip.name),
        "source_range": time_range(clip.in_frame, clip.frames(), rate),
        "effects": [],
        "markers": [],
        "enabled": true,
        "media_reference": {
            "OTIO_SCHEMA": "ExternalReference.1",
            "metadata": {},
            "name": one_line(&clip.facts.file_name()),
            "available_range": time_range(0, clip.facts.video.frame_count, rate),
            "available_image_bounds": null,
            "target_url": file_url(&clip.facts.path)?,
        },
    }))
}

fn gap_json(clip: &TimelineClip) -> Value {
    json!({
        "OTIO_SCHEMA": "Gap.1",
        "metadata": {},
        "name": "",
        "source_range": time_range(0, clip.frames(), clip.facts.video.frame_rate),
        "effects": [],
        "markers": [],
        "enabled": true,
    })
}

fn track_json(name: &str, kind: &str, children: Vec<Value>) -> Value {
    json!({
        "OTIO_SCHEMA": "Track.1",
        "metadata": {},
        "name": name,
        "source_range": null,
        "effects": [],
        "markers": [],
        "enabled": true,
        "children": children,
        "kind": kind,
    })
}
