//! Reading just enough of media files to check them: the box tree of MP4/QuickTime files
//! (brand, duration, each track's kind, codec and size) and the pixel size of PNG/JPEG
//! images. The fake uses it for reference videos uploaded to it (their length and shape);
//! tests use it to check what the fake serves without a decoder.

use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// What the box tree of an MP4/QuickTime file says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaInfo {
    /// The `ftyp` major brand: `isom`/`mp42` for MP4, `qt  ` for QuickTime.
    pub brand: String,
    /// `mvhd` duration in seconds.
    pub duration_secs: f64,
    pub tracks: Vec<TrackInfo>,
}

/// One `trak`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackInfo {
    /// The `hdlr` handler type: `vide`, `soun`, …
    pub kind: String,
    /// The first `stsd` entry's format: `avc1`, `hvc1`, `hev1`, `mp4a`, `sowt`, `lpcm`, …
    pub codec: String,
    /// `tkhd` presentation size (0 for audio).
    pub width: u32,
    pub height: u32,
}

impl MediaInfo {
    /// The first video track.
    pub fn video(&self) -> Option<&TrackInfo> {
        self.tracks.iter().find(|t| t.kind == "vide")
    }

    /// The first audio track.
    pub fn audio(&self) -> Option<&TrackInfo> {
        self.tracks.iter().find(|t| t.kind == "soun")
    }
}

/// Probes an MP4/QuickTime file held in memory.
pub fn probe(bytes: &[u8]) -> Option<MediaInfo> {
    probe_reader(&mut Cursor::new(bytes), bytes.len() as u64)
}

/// Probes an MP4/QuickTime file on disk, seeking from box to box (the file may be large and
/// `moov` may sit after `mdat`).
pub fn probe_file(path: &Path) -> Option<MediaInfo> {
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    probe_reader(&mut f, len)
}

fn probe_reader<R: Read + Seek>(r: &mut R, len: u64) -> Option<MediaInfo> {
    let brand = match find_box(r, 0, len, b"ftyp").ok()? {
        Some((start, _)) => String::from_utf8_lossy(&read_at(r, start, 4).ok()?).into_owned(),
        None => String::new(),
    };
    let moov = find_box(r, 0, len, b"moov").ok()??;
    let mvhd = find_box(r, moov.0, moov.1, b"mvhd").ok()??;
    let duration_secs = mvhd_duration(r, mvhd.0)?;
    let mut tracks = Vec::new();
    for trak in children(r, moov.0, moov.1, b"trak").ok()? {
        tracks.push(track(r, trak)?);
    }
    Some(MediaInfo {
        brand,
        duration_secs,
        tracks,
    })
}

fn mvhd_duration<R: Read + Seek>(r: &mut R, at: u64) -> Option<f64> {
    let head = read_at(r, at, 32).ok()?;
    if head[0] == 1 {
        // version(1) flags(3) created(8) modified(8) timescale(4) duration(8)
        let ts = be32(&head[20..24]);
        let dur = be64(&head[24..32]);
        (ts > 0).then(|| dur as f64 / f64::from(ts))
    } else {
        // version(1) flags(3) created(4) modified(4) timescale(4) duration(4)
        let ts = be32(&head[12..16]);
        let dur = be32(&head[16..20]);
        (ts > 0).then(|| f64::from(dur) / f64::from(ts))
    }
}

fn track<R: Read + Seek>(r: &mut R, (start, end): (u64, u64)) -> Option<TrackInfo> {
    let (mut width, mut height) = (0, 0);
    if let Some((ts, te)) = find_box(r, start, end, b"tkhd").ok()? {
        // Width and height (16.16 fixed point) are the last 8 bytes of tkhd, either version.
        if te >= ts + 8 {
            let wh = read_at(r, te - 8, 8).ok()?;
            width = be32(&wh[0..4]) >> 16;
            height = be32(&wh[4..8]) >> 16;
        }
    }
    let mut kind = String::new();
    let mut codec = String::new();
    if let Some(mdia) = find_box(r, start, end, b"mdia").ok()? {
        if let Some((hs, _)) = find_box(r, mdia.0, mdia.1, b"hdlr").ok()? {
            // version/flags(4) pre_defined(4) handler_type(4)
            kind = String::from_utf8_lossy(&read_at(r, hs + 8, 4).ok()?).into_owned();
        }
        let stsd = find_box(r, mdia.0, mdia.1, b"minf")
            .ok()?
            .and_then(|m| find_box(r, m.0, m.1, b"stbl").ok().flatten())
            .and_then(|s| find_box(r, s.0, s.1, b"stsd").ok().flatten());
        if let Some((ss, _)) = stsd {
            // version/flags(4) entry_count(4), then the first entry: size(4) format(4)
            codec = String::from_utf8_lossy(&read_at(r, ss + 12, 4).ok()?).into_owned();
        }
    }
    Some(TrackInfo {
        kind,
        codec,
        width,
        height,
    })
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn be64(b: &[u8]) -> u64 {
    u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

fn read_at<R: Read + Seek>(r: &mut R, at: u64, n: usize) -> io::Result<Vec<u8>> {
    r.seek(SeekFrom::Start(at))?;
    let mut buf = vec![0u8; n];
    r.read_exact(&mut buf)?;
    Ok(buf)
}

/// One box header at `pos` (within `end`): (payload start, box end, type).
fn box_at<R: Read + Seek>(
    r: &mut R,
    pos: u64,
    end: u64,
) -> io::Result<Option<(u64, u64, [u8; 4])>> {
    if pos + 8 > end {
        return Ok(None);
    }
    let h = read_at(r, pos, 8)?;
    let mut size = u64::from(be32(&h[0..4]));
    let mut header = 8;
    if size == 1 {
        size = be64(&read_at(r, pos + 8, 8)?);
        header = 16;
    } else if size == 0 {
        size = end - pos;
    }
    if size < header {
        return Ok(None);
    }
    let kind = [h[4], h[5], h[6], h[7]];
    Ok(Some((pos + header, (pos + size).min(end), kind)))
}

/// The first child box of type `kind` in `[start, end)`: its payload range.
fn find_box<R: Read + Seek>(
    r: &mut R,
    start: u64,
    end: u64,
    kind: &[u8; 4],
) -> io::Result<Option<(u64, u64)>> {
    Ok(children(r, start, end, kind)?.into_iter().next())
}

/// Every child box of type `kind` in `[start, end)`.
fn children<R: Read + Seek>(
    r: &mut R,
    start: u64,
    end: u64,
    kind: &[u8; 4],
) -> io::Result<Vec<(u64, u64)>> {
    let mut out = Vec::new();
    let mut pos = start;
    while let Some((payload, box_end, k)) = box_at(r, pos, end)? {
        if &k == kind {
            out.push((payload, box_end));
        }
        if box_end <= pos {
            break;
        }
        pos = box_end;
    }
    Ok(out)
}

/// An image's format (`png`/`jpeg`) and pixel size, from its header.
pub fn image_size(bytes: &[u8]) -> Option<(&'static str, u32, u32)> {
    if bytes.len() >= 24 && bytes.starts_with(b"\x89PNG\r\n\x1a\n") && &bytes[12..16] == b"IHDR" {
        return Some(("png", be32(&bytes[16..20]), be32(&bytes[20..24])));
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        let mut i = 2;
        while i + 9 < bytes.len() {
            if bytes[i] != 0xFF {
                return None;
            }
            let marker = bytes[i + 1];
            let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
            // SOF0–SOF15 carry the size, except DHT (C4), JPG (C8) and DAC (CC).
            if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
                let h = u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]);
                let w = u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]);
                return Some(("jpeg", u32::from(w), u32::from(h)));
            }
            i += 2 + len;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_the_embedded_clip() {
        let info = probe(crate::assets::RESULT_MP4).expect("an mp4");
        assert!((info.duration_secs - 1.0).abs() < 0.1, "{info:?}");
        let v = info.video().expect("video track");
        assert_eq!((v.codec.as_str(), v.width, v.height), ("avc1", 320, 180));
        assert_eq!(info.audio().map(|a| a.codec.as_str()), Some("mp4a"));
        assert_eq!(probe(b"not an mp4 at all"), None);
    }

    #[test]
    fn image_sizes() {
        assert_eq!(
            image_size(crate::assets::RESULT_LASTFRAME_PNG),
            Some(("png", 320, 180))
        );
        assert_eq!(image_size(b"GIF89a"), None);
    }
}
