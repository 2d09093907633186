//! Embedded result files (made by `assets/make-assets.sh`), served when results are not
//! rendered, chosen by the container, codec and audio the real service would use; and content
//! types by extension.

/// A 1 s 320x180 H.264 + AAC clip served as every task's result video.
pub const RESULT_MP4: &[u8] = include_bytes!("../assets/result.mp4");
/// The same clip without an audio stream, served when `generate_audio` was `false`.
pub const RESULT_SILENT_MP4: &[u8] = include_bytes!("../assets/result_silent.mp4");
/// The clip as HEVC (`hvc1`) + AAC: 2.5 outputs at 1080p.
pub const RESULT_HEVC_MP4: &[u8] = include_bytes!("../assets/result_hevc.mp4");
pub const RESULT_HEVC_SILENT_MP4: &[u8] = include_bytes!("../assets/result_hevc_silent.mp4");
/// The clip in QuickTime, H.264 + PCM: 2.5 outputs with `output_format:"mov"`.
pub const RESULT_MOV: &[u8] = include_bytes!("../assets/result.mov");
pub const RESULT_SILENT_MOV: &[u8] = include_bytes!("../assets/result_silent.mov");
/// QuickTime, HEVC + PCM: `mov` at 1080p.
pub const RESULT_HEVC_MOV: &[u8] = include_bytes!("../assets/result_hevc.mov");
pub const RESULT_HEVC_SILENT_MOV: &[u8] = include_bytes!("../assets/result_hevc_silent.mov");
/// PNG of the clip's last frame: the 2.0 family's `lastFrameImage`.
pub const RESULT_LASTFRAME_PNG: &[u8] = include_bytes!("../assets/result_lastframe.png");
/// JPEG of the clip's last frame: the 2.5 family's `lastFrameImage`.
pub const RESULT_LASTFRAME_JPG: &[u8] = include_bytes!("../assets/result_lastframe.jpg");

/// The embedded video for a container (`mov` or else mp4), codec and audio choice.
pub fn result_video(mov: bool, hevc: bool, audio: bool) -> &'static [u8] {
    match (mov, hevc, audio) {
        (false, false, true) => RESULT_MP4,
        (false, false, false) => RESULT_SILENT_MP4,
        (false, true, true) => RESULT_HEVC_MP4,
        (false, true, false) => RESULT_HEVC_SILENT_MP4,
        (true, false, true) => RESULT_MOV,
        (true, false, false) => RESULT_SILENT_MOV,
        (true, true, true) => RESULT_HEVC_MOV,
        (true, true, false) => RESULT_HEVC_SILENT_MOV,
    }
}

/// Content type for a file name, by extension (the upload formats of service-api §3.2).
pub fn content_type_for(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "m4a" => "audio/mp4",
        "aac" => "audio/aac",
        "ogg" => "audio/ogg",
        "flac" => "audio/flac",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::probe;

    #[test]
    fn every_variant_is_what_it_claims() {
        for mov in [false, true] {
            for hevc in [false, true] {
                for audio in [false, true] {
                    let info = probe(result_video(mov, hevc, audio)).expect("a media file");
                    assert_eq!(info.brand == "qt  ", mov, "{info:?}");
                    let codec = &info.video().expect("video").codec;
                    assert_eq!(codec, if hevc { "hvc1" } else { "avc1" });
                    let sound = info.audio().map(|a| a.codec.as_str());
                    let want = match (audio, mov) {
                        (false, _) => None,
                        (true, false) => Some("mp4a"),
                        (true, true) => Some("sowt"),
                    };
                    assert_eq!(sound, want, "{info:?}");
                }
            }
        }
        assert_eq!(
            crate::media::image_size(RESULT_LASTFRAME_JPG),
            Some(("jpeg", 320, 180))
        );
    }
}
