//! Embedded result files (made by `assets/make-assets.sh`), content types by extension, and
//! reading an MP4's duration from its `mvhd` box (for the combined reference-video check).

use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// A 1 s 320x180 H.264 + AAC clip served as every task's result video.
pub const RESULT_MP4: &[u8] = include_bytes!("../assets/result.mp4");
/// The same clip without an audio stream, served when `generate_audio` was `false`.
pub const RESULT_SILENT_MP4: &[u8] = include_bytes!("../assets/result_silent.mp4");
/// PNG of the clip's last frame, served as `lastFrameImage`.
pub const RESULT_LASTFRAME_PNG: &[u8] = include_bytes!("../assets/result_lastframe.png");

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

/// Duration in seconds from an MP4/MOV file's `moov/mvhd` box, walking boxes by seeking
/// (the file may be large and `moov` may sit after `mdat`). `None` if not found.
pub fn mp4_duration_secs(path: &Path) -> Option<f64> {
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let moov = find_box(&mut f, 0, len, b"moov").ok()??;
    let mvhd = find_box(&mut f, moov.0, moov.1, b"mvhd").ok()??;
    f.seek(SeekFrom::Start(mvhd.0)).ok()?;
    let mut vf = [0u8; 4];
    f.read_exact(&mut vf).ok()?;
    if vf[0] == 1 {
        let mut b = [0u8; 28]; // created(8) modified(8) timescale(4) duration(8)
        f.read_exact(&mut b).ok()?;
        let ts = u32::from_be_bytes([b[16], b[17], b[18], b[19]]);
        let dur = u64::from_be_bytes([b[20], b[21], b[22], b[23], b[24], b[25], b[26], b[27]]);
        (ts > 0).then(|| dur as f64 / f64::from(ts))
    } else {
        let mut b = [0u8; 16]; // created(4) modified(4) timescale(4) duration(4)
        f.read_exact(&mut b).ok()?;
        let ts = u32::from_be_bytes([b[8], b[9], b[10], b[11]]);
        let dur = u32::from_be_bytes([b[12], b[13], b[14], b[15]]);
        (ts > 0).then(|| f64::from(dur) / f64::from(ts))
    }
}

/// Finds a child box of type `kind` in `[start, end)`; returns its payload range.
fn find_box<R: Read + Seek>(
    r: &mut R,
    start: u64,
    end: u64,
    kind: &[u8; 4],
) -> io::Result<Option<(u64, u64)>> {
    let mut pos = start;
    while pos + 8 <= end {
        r.seek(SeekFrom::Start(pos))?;
        let mut h = [0u8; 8];
        r.read_exact(&mut h)?;
        let mut size = u64::from(u32::from_be_bytes([h[0], h[1], h[2], h[3]]));
        let mut header = 8;
        if size == 1 {
            let mut big = [0u8; 8];
            r.read_exact(&mut big)?;
            size = u64::from_be_bytes(big);
            header = 16;
        } else if size == 0 {
            size = end - pos;
        }
        if size < header {
            return Ok(None);
        }
        if &h[4..8] == kind {
            return Ok(Some((pos + header, (pos + size).min(end))));
        }
        pos += size;
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_clip_lasts_one_second() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("a.mp4");
        std::fs::write(&p, RESULT_MP4).expect("write");
        let d = mp4_duration_secs(&p).expect("mvhd");
        assert!((d - 1.0).abs() < 0.1, "{d}");
        std::fs::write(&p, b"not an mp4 at all").expect("write");
        assert_eq!(mp4_duration_secs(&p), None);
    }
}
