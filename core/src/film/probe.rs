//! Reading a clip's media facts from ffprobe's JSON: codecs, sizes, rates, layouts and
//! parameter-set hashes, which decide whether clips can be joined without re-encoding.
//!
//! Owns the translation of ffprobe's output into [`ClipFacts`]; running ffprobe belongs to
//! the [`MediaTools`] port. Must not guess: a field ffprobe does not give is `None` or
//! derived from fields it does give, and a file without a picture is an error.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{AudioFacts, ClipFacts, Container, FilmError, FrameRate, MediaTools, VideoFacts};

/// The media facts of the clip at `path` (made absolute against the working folder).
pub async fn probe(tools: &dyn MediaTools, path: &Path) -> Result<ClipFacts, FilmError> {
    let path = std::path::absolute(path).map_err(|e| FilmError::io(path, "found", e))?;
    let json = tools.probe_json(&path).await?;
    parse_probe(&path, &json)
}

#[derive(Deserialize)]
struct ProbeOutput {
    #[serde(default)]
    streams: Vec<Stream>,
    format: Option<Format>,
}

#[derive(Deserialize, Default)]
struct Format {
    format_name: Option<String>,
    duration: Option<String>,
    #[serde(default)]
    tags: Tags,
}

#[derive(Deserialize, Default)]
struct Tags {
    major_brand: Option<String>,
    rotate: Option<String>,
}

#[derive(Deserialize)]
struct Stream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    profile: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    pix_fmt: Option<String>,
    r_frame_rate: Option<String>,
    avg_frame_rate: Option<String>,
    time_base: Option<String>,
    nb_frames: Option<String>,
    duration: Option<String>,
    extradata_hash: Option<String>,
    sample_rate: Option<String>,
    channels: Option<u32>,
    channel_layout: Option<String>,
    #[serde(default)]
    side_data_list: Vec<SideData>,
    #[serde(default)]
    tags: Tags,
    #[serde(default)]
    disposition: Disposition,
}

#[derive(Deserialize, Default)]
struct SideData {
    rotation: Option<f64>,
}

#[derive(Deserialize, Default)]
struct Disposition {
    #[serde(default)]
    attached_pic: u8,
}

/// [`ClipFacts`] from ffprobe's `-print_format json -show_format -show_streams
/// -show_data_hash` output for `path`.
pub fn parse_probe(path: &Path, json: &str) -> Result<ClipFacts, FilmError> {
    let unreadable = |reason: String| FilmError::Unreadable {
        path: path.to_path_buf(),
        reason,
    };
    let output: ProbeOutput = serde_json::from_str(json)
        .map_err(|e| unreadable(format!("ffprobe's answer could not be read ({e}).")))?;
    let format = output.format.unwrap_or_default();
    let format_duration = seconds(format.duration.as_deref());

    // Cover art is stored as a one-frame "video" stream; it is not the clip's picture.
    let video = output
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("video") && s.disposition.attached_pic == 0)
        .ok_or_else(|| FilmError::NoVideo {
            path: path.to_path_buf(),
        })?;
    let frame_rate = [&video.avg_frame_rate, &video.r_frame_rate]
        .into_iter()
        .find_map(|r| r.as_deref().and_then(FrameRate::parse))
        .ok_or_else(|| unreadable("its video stream has no frame rate.".into()))?;
    let (width, height) = match (video.width, video.height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => (w, h),
        _ => return Err(unreadable("its video stream has no picture size.".into())),
    };
    let video_duration = seconds(video.duration.as_deref())
        .or(format_duration)
        .ok_or_else(|| unreadable("ffprobe gives no playing time for it.".into()))?;
    let frame_count = video
        .nb_frames
        .as_deref()
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| frame_rate.frames_in(video_duration));
    if frame_count == 0 {
        return Err(unreadable("its video stream has no frames.".into()));
    }

    let audio = output
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("audio"))
        .map(|a| AudioFacts {
            codec: a.codec_name.clone().unwrap_or_default(),
            profile: a.profile.clone(),
            sample_rate: a
                .sample_rate
                .as_deref()
                .and_then(|r| r.parse().ok())
                .unwrap_or(0),
            channels: a.channels.unwrap_or(0),
            channel_layout: a.channel_layout.clone(),
            time_base: a.time_base.clone().unwrap_or_default(),
            duration_secs: seconds(a.duration.as_deref())
                .or(format_duration)
                .unwrap_or(video_duration),
            parameter_sets: a.extradata_hash.clone(),
        });

    Ok(ClipFacts {
        path: PathBuf::from(path),
        container: container(&format),
        duration_secs: format_duration.unwrap_or(video_duration),
        stream_kinds: output
            .streams
            .iter()
            .map(|s| s.codec_type.clone().unwrap_or_default())
            .collect(),
        video: VideoFacts {
            codec: video.codec_name.clone().unwrap_or_default(),
            profile: video.profile.clone(),
            width,
            height,
            rotation: rotation(video),
            frame_rate,
            pix_fmt: video.pix_fmt.clone().unwrap_or_default(),
            time_base: video.time_base.clone().unwrap_or_default(),
            frame_count,
            duration_secs: video_duration,
            parameter_sets: video.extradata_hash.clone(),
        },
        audio,
    })
}

fn seconds(text: Option<&str>) -> Option<f64> {
    text.and_then(|t| t.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
}

/// ffprobe names MP4 and MOV alike (`mov,mp4,m4a,3gp,3g2,mj2`); the brand tells them apart.
fn container(format: &Format) -> Container {
    let name = format.format_name.as_deref().unwrap_or("");
    if name.split(',').any(|n| n == "mov" || n == "mp4") {
        match format.tags.major_brand.as_deref().map(str::trim) {
            Some("qt") => Container::Mov,
            _ => Container::Mp4,
        }
    } else if name.split(',').any(|n| n == "webm") {
        Container::Webm
    } else {
        Container::Other(name.to_owned())
    }
}

/// Clockwise degrees a player turns the picture: the display matrix (counter-clockwise)
/// in newer ffprobe, the `rotate` tag (clockwise) in older ones.
fn rotation(stream: &Stream) -> u32 {
    let counter_clockwise = stream
        .side_data_list
        .iter()
        .find_map(|s| s.rotation)
        .map(|r| -r)
        .or_else(|| {
            stream
                .tags
                .rotate
                .as_deref()
                .and_then(|r| r.parse::<f64>().ok())
        })
        .unwrap_or(0.0);
    let degrees = (counter_clockwise.round() as i64).rem_euclid(360);
    (((degrees + 45) / 90 * 90) % 360) as u32
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const MP4: &str = r#"{"streams":[
      {"index":0,"codec_name":"h264","profile":"High","codec_type":"video","width":1920,"height":1080,
       "pix_fmt":"yuv420p","r_frame_rate":"24/1","avg_frame_rate":"24/1","time_base":"1/12288",
       "duration":"5.000000","nb_frames":"120","extradata_hash":"CRC32:284d2e2a",
       "disposition":{"default":1,"attached_pic":0}},
      {"index":1,"codec_name":"aac","profile":"LC","codec_type":"audio","sample_rate":"48000",
       "channels":2,"channel_layout":"stereo","time_base":"1/48000","duration":"5.021333",
       "extradata_hash":"CRC32:aa"}],
     "format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"5.021333",
       "tags":{"major_brand":"isom"}}}"#;

    #[test]
    fn an_mp4_with_sound_is_read_whole() {
        let facts = parse_probe(Path::new("/c/a.mp4"), MP4).unwrap();
        assert_eq!(facts.container, Container::Mp4);
        assert_eq!(facts.video.frame_count, 120);
        assert_eq!(facts.video.frame_rate, FrameRate::new(24, 1));
        assert_eq!(facts.video.display_size(), (1920, 1080));
        assert_eq!(
            facts.video.parameter_sets.as_deref(),
            Some("CRC32:284d2e2a")
        );
        let audio = facts.audio.unwrap();
        assert_eq!((audio.sample_rate, audio.channels), (48000, 2));
        assert_eq!(audio.label(), "AAC 48 kHz stereo");
        assert!((facts.duration_secs - 5.021333).abs() < 1e-9);
    }

    #[test]
    fn a_quicktime_brand_a_portrait_turn_and_a_missing_frame_count_are_handled() {
        let json = r#"{"streams":[
          {"codec_name":"hevc","codec_type":"video","width":1920,"height":1080,
           "r_frame_rate":"30000/1001","avg_frame_rate":"0/0","duration":"2.002",
           "side_data_list":[{"side_data_type":"Display Matrix","rotation":-90}]}],
          "format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"2.002",
           "tags":{"major_brand":"qt  "}}}"#;
        let facts = parse_probe(Path::new("/c/b.mov"), json).unwrap();
        assert_eq!(facts.container, Container::Mov);
        assert_eq!(facts.video.rotation, 90);
        assert_eq!(facts.video.display_size(), (1080, 1920));
        assert_eq!(facts.video.frame_count, 60);
        assert!(facts.audio.is_none());
    }

    #[test]
    fn sound_only_and_cover_art_are_not_a_video() {
        let json = r#"{"streams":[
          {"codec_name":"mp3","codec_type":"audio","sample_rate":"44100","channels":2},
          {"codec_name":"mjpeg","codec_type":"video","width":500,"height":500,
           "r_frame_rate":"90000/1","disposition":{"attached_pic":1}}],
          "format":{"format_name":"mp3","duration":"3.0"}}"#;
        let err = parse_probe(Path::new("/c/song.mp3"), json).unwrap_err();
        assert!(matches!(err, FilmError::NoVideo { .. }), "{err}");
        let err = parse_probe(Path::new("/c/x.mp4"), "not json").unwrap_err();
        assert!(err.to_string().contains("/c/x.mp4"), "{err}");
    }
}
