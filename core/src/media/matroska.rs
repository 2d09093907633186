//! WebM (Matroska with doc type `webm`). Plain Matroska (`.mkv`) is recognized and
//! refused, since the service takes WebM only.
//!
//! Reads the EBML header, then the Segment's children up to the first Cluster: `Info`
//! (TimecodeScale, Duration) and `Tracks` (PixelWidth/PixelHeight of the first video
//! track), following the SeekHead when those come after the media. Files written by a
//! live recorder (browser MediaRecorder, ffmpeg to a pipe) have unknown element sizes and
//! no Duration; their length comes from the last Cluster in the final 2 MiB.

use std::collections::HashMap;
use std::io::{Read, Seek};
use std::time::Duration;

use super::src::{be16, corrupt, duration_secs_f64, Fail, PResult, Src};
use super::{Container, MediaKind, Parsed};

const EBML: u64 = 0x1A45_DFA3;
const DOC_TYPE: u64 = 0x4282;
const SEGMENT: u64 = 0x1853_8067;
const SEEK_HEAD: u64 = 0x114D_9B74;
const SEEK: u64 = 0x4DBB;
const SEEK_ID: u64 = 0x53AB;
const SEEK_POSITION: u64 = 0x53AC;
const INFO: u64 = 0x1549_A966;
const TIMECODE_SCALE: u64 = 0x2A_D7B1;
const DURATION: u64 = 0x4489;
const TRACKS: u64 = 0x1654_AE6B;
const TRACK_ENTRY: u64 = 0xAE;
const TRACK_NUMBER: u64 = 0xD7;
const TRACK_TYPE: u64 = 0x83;
const DEFAULT_DURATION: u64 = 0x23_E383;
const VIDEO: u64 = 0xE0;
const PIXEL_WIDTH: u64 = 0xB0;
const PIXEL_HEIGHT: u64 = 0xBA;
const CLUSTER: u64 = 0x1F43_B675;
const CLUSTER_TIMECODE: u64 = 0xE7;
const SIMPLE_BLOCK: u64 = 0xA3;
const BLOCK_GROUP: u64 = 0xA0;
const BLOCK: u64 = 0xA1;

/// Largest Info/Tracks/SeekHead we load; real ones are a few KiB.
const MAX_MASTER: u64 = 4 * 1024 * 1024;
/// How far from the end the cluster scan looks.
const TAIL: u64 = 2 * 1024 * 1024;

/// An EBML variable-length integer: `(value, length)`. IDs keep their marker bit;
/// sizes drop it, and all-ones sizes ("unknown") come back as `None`.
fn vint(b: &[u8], is_id: bool) -> Option<(Option<u64>, usize)> {
    let first = *b.first()?;
    if first == 0 {
        return None;
    }
    let len = first.leading_zeros() as usize + 1;
    if (is_id && len > 4) || b.len() < len {
        return None;
    }
    let mut v = if is_id {
        u64::from(first)
    } else {
        u64::from(first & 0xFFu8.checked_shr(len as u32).unwrap_or(0))
    };
    for &x in &b[1..len] {
        v = (v << 8) | u64::from(x);
    }
    let all_ones = (1u64 << (7 * len)) - 1;
    if !is_id && v == all_ones {
        return Some((None, len));
    }
    Some((Some(v), len))
}

/// `(id, size, header length)` at the start of `b`.
fn elem(b: &[u8]) -> Option<(u64, Option<u64>, usize)> {
    let (id, il) = vint(b, true)?;
    let (size, sl) = vint(b.get(il..)?, false)?;
    Some((id?, size, il + sl))
}

/// Children of an in-memory master element, stopping at anything malformed.
fn kids(mut b: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    std::iter::from_fn(move || {
        let (id, size, hl) = elem(b)?;
        let size = usize::try_from(size?).ok()?;
        let body = b.get(hl..hl.checked_add(size)?)?;
        b = &b[hl + size..];
        Some((id, body))
    })
}

fn uint(b: &[u8]) -> u64 {
    b.iter()
        .take(8)
        .fold(0, |acc, &x| (acc << 8) | u64::from(x))
}

fn float(b: &[u8]) -> Option<f64> {
    match b.len() {
        4 => Some(f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]]))),
        8 => {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            Some(f64::from_be_bytes(a))
        }
        _ => None,
    }
}

/// The DocType of an EBML header held entirely in `b` ("matroska" when absent, the
/// spec's default); `None` when the header does not fit in `b`.
pub(crate) fn doc_type(b: &[u8]) -> Option<&[u8]> {
    let (id, size, hl) = elem(b)?;
    if id != EBML {
        return None;
    }
    let body = b.get(hl..hl.checked_add(usize::try_from(size?).ok()?)?)?;
    Some(
        kids(body)
            .find(|(id, _)| *id == DOC_TYPE)
            .map(|(_, v)| v.split(|&c| c == 0).next().unwrap_or(v))
            .unwrap_or(b"matroska"),
    )
}

/// Element header at `pos` in the file.
fn file_elem<R: Read + Seek>(src: &mut Src<R>, pos: u64) -> PResult<(u64, Option<u64>, u64)> {
    let b = src.vec_upto(pos, 12)?;
    match elem(&b) {
        Some((id, size, hl)) => Ok((id, size, hl as u64)),
        None if b.len() < 12 => Err(Fail::Truncated),
        None => corrupt(format!("a damaged element header at byte {pos}")),
    }
}

#[derive(Debug, Default)]
struct TrackSet {
    video: Option<(u32, u32)>,
    any_video: bool,
    any_audio: bool,
    /// Track number → nanoseconds per frame, where stated.
    default_duration: HashMap<u64, u64>,
}

fn parse_tracks(b: &[u8]) -> TrackSet {
    let mut t = TrackSet::default();
    for (_, entry) in kids(b).filter(|(id, _)| *id == TRACK_ENTRY) {
        let (mut kind, mut number, mut dims) = (0u64, 0u64, None);
        for (id, v) in kids(entry) {
            match id {
                TRACK_TYPE => kind = uint(v),
                TRACK_NUMBER => number = uint(v),
                DEFAULT_DURATION => {
                    t.default_duration.insert(number, uint(v));
                }
                VIDEO => {
                    let (mut w, mut h) = (0u64, 0u64);
                    for (id, v) in kids(v) {
                        match id {
                            PIXEL_WIDTH => w = uint(v),
                            PIXEL_HEIGHT => h = uint(v),
                            _ => {}
                        }
                    }
                    dims = u32::try_from(w).ok().zip(u32::try_from(h).ok());
                }
                _ => {}
            }
        }
        // TrackNumber may follow DefaultDuration; re-key what was stored under 0.
        if let Some(d) = t.default_duration.remove(&0) {
            t.default_duration.insert(number, d);
        }
        if kind == 1 || dims.is_some() {
            t.any_video = true;
            if t.video.is_none() {
                t.video = dims.filter(|&(w, h)| w > 0 && h > 0);
            }
        } else if kind == 2 {
            t.any_audio = true;
        }
    }
    t
}

/// `(timecode scale in ns, duration in scaled units)` from an Info body.
fn parse_info(b: &[u8]) -> (u64, Option<f64>) {
    let mut scale = 1_000_000;
    let mut dur = None;
    for (id, v) in kids(b) {
        match id {
            TIMECODE_SCALE => scale = uint(v),
            DURATION => dur = float(v),
            _ => {}
        }
    }
    (scale, dur)
}

pub(crate) fn parse<R: Read + Seek>(src: &mut Src<R>) -> PResult<Parsed> {
    let len = src.len();
    let (id, size, hl) = file_elem(src, 0)?;
    let Some(size) = size.filter(|&s| id == EBML && s <= 4096) else {
        return corrupt("the EBML header is damaged");
    };
    let head = src.vec_exact(0, hl + size)?;
    match doc_type(&head) {
        Some(b"webm") => {}
        Some(b"matroska") => return Err(Fail::Foreign("mkv")),
        _ => return corrupt("the EBML document type is neither WebM nor Matroska"),
    }
    // The Segment follows, possibly after Void or CRC elements.
    let mut pos = hl + size;
    let mut skipped = 0;
    let (seg_data, seg_end) = loop {
        skipped += 1;
        if skipped > 1000 {
            return corrupt("no Segment follows the EBML header");
        }
        let (id, size, hl) = file_elem(src, pos)?;
        if id == SEGMENT {
            let data = pos + hl;
            let end = match size {
                None => len,
                Some(s) => data.checked_add(s).ok_or(Fail::Truncated)?,
            };
            if end > len {
                return Err(Fail::Truncated);
            }
            break (data, end);
        }
        let Some(size) = size else {
            return corrupt("an element of unknown size comes before the Segment");
        };
        pos = (pos + hl).checked_add(size).ok_or(Fail::Truncated)?;
    };

    let mut info = None;
    let mut tracks = None;
    let mut seeks: Vec<(u64, u64)> = Vec::new();
    let mut pos = seg_data;
    for _ in 0..10_000 {
        if pos + 2 > seg_end {
            break;
        }
        let (id, size, hl) = file_elem(src, pos)?;
        // Media data begins: everything we need normally came before it.
        if id == CLUSTER {
            break;
        }
        let Some(size) = size else { break };
        let data = pos + hl;
        let end = data.checked_add(size).ok_or(Fail::Truncated)?;
        if end > seg_end {
            return Err(Fail::Truncated);
        }
        match id {
            SEEK_HEAD | INFO | TRACKS if size <= MAX_MASTER => {
                let body = src.vec_exact(data, size)?;
                match id {
                    SEEK_HEAD => seeks.extend(parse_seeks(&body)),
                    INFO => info = Some(parse_info(&body)),
                    _ => tracks = Some(parse_tracks(&body)),
                }
            }
            _ => {}
        }
        pos = end;
    }
    // Info or Tracks written after the media: jump there via the SeekHead.
    for (want, rel) in seeks {
        let missing = (want == INFO && info.is_none()) || (want == TRACKS && tracks.is_none());
        let Some(at) = seg_data
            .checked_add(rel)
            .filter(|&p| missing && p < seg_end)
        else {
            continue;
        };
        let (id, size, hl) = file_elem(src, at)?;
        match size {
            Some(s) if id == want && s <= MAX_MASTER => {
                let body = src.vec_exact(at + hl, s)?;
                if id == INFO {
                    info = Some(parse_info(&body));
                } else {
                    tracks = Some(parse_tracks(&body));
                }
            }
            _ => {}
        }
    }

    let (scale, dur) = info.unwrap_or((1_000_000, None));
    if scale == 0 {
        return corrupt("the timecode scale is 0");
    }
    let tracks = tracks.unwrap_or_default();
    let duration = match dur {
        Some(d) => duration_secs_f64(d * scale as f64 / 1e9),
        None => tail_duration(src, seg_end, scale, &tracks)?,
    };
    let kind = if !tracks.any_video && tracks.any_audio {
        MediaKind::Audio
    } else {
        MediaKind::Video
    };
    let (width, height) = match tracks.video {
        Some((w, h)) => (Some(w), Some(h)),
        None => (None, None),
    };
    Ok(Parsed {
        container: Container::Webm,
        kind,
        duration,
        width,
        height,
    })
}

/// `(element id, position relative to the Segment data)` pairs from a SeekHead body.
fn parse_seeks(b: &[u8]) -> Vec<(u64, u64)> {
    kids(b)
        .filter(|(id, _)| *id == SEEK)
        .filter_map(|(_, s)| {
            let mut id = None;
            let mut at = None;
            for (k, v) in kids(s) {
                match k {
                    SEEK_ID => id = Some(uint(v)),
                    SEEK_POSITION => at = Some(uint(v)),
                    _ => {}
                }
            }
            id.zip(at)
        })
        .collect()
}

/// For files without a Duration: the last Cluster's timecode plus its latest block's
/// relative timecode, plus that track's frame duration when the track states one.
fn tail_duration<R: Read + Seek>(
    src: &mut Src<R>,
    seg_end: u64,
    scale: u64,
    tracks: &TrackSet,
) -> PResult<Option<Duration>> {
    let start = seg_end.saturating_sub(TAIL);
    let buf = src.vec_exact(start, seg_end - start)?;
    let marks = [0x1F, 0x43, 0xB6, 0x75];
    // Search backwards; a few false hits inside media data are tolerated.
    let mut tries = 0;
    for i in (0..buf.len().saturating_sub(4)).rev() {
        if buf[i..i + 4] != marks {
            continue;
        }
        tries += 1;
        if tries > 64 {
            break;
        }
        if let Some(end_units) = cluster_end(&buf[i..], tracks, scale) {
            return Ok(duration_secs_f64(end_units as f64 * scale as f64 / 1e9));
        }
    }
    Ok(None)
}

/// End time (in scaled units) of the cluster starting `b`, if it parses.
fn cluster_end(b: &[u8], tracks: &TrackSet, scale: u64) -> Option<u64> {
    let (id, size, hl) = elem(b)?;
    if id != CLUSTER {
        return None;
    }
    let end = match size {
        Some(s) => hl.checked_add(usize::try_from(s).ok()?)?.min(b.len()),
        None => b.len(),
    };
    let mut body = &b[hl..end];
    let mut base = None;
    let mut last: Option<(i64, u64)> = None;
    // Walk children; the final block may be cut by the end of file, but its header
    // (track number and timecode) is all we need.
    while let Some((id, size, hl)) = elem(body) {
        let avail = &body[hl..];
        let size = size
            .and_then(|s| usize::try_from(s).ok())
            .unwrap_or(avail.len());
        let content = &avail[..size.min(avail.len())];
        match id {
            CLUSTER_TIMECODE => base = Some(uint(content)),
            SIMPLE_BLOCK => last = block_time(content).or(last),
            BLOCK_GROUP => {
                if let Some((_, blk)) = kids(content).find(|(id, _)| *id == BLOCK) {
                    last = block_time(blk).or(last);
                }
            }
            CLUSTER => break,
            _ => {}
        }
        if size >= avail.len() {
            break;
        }
        body = &avail[size..];
    }
    let base = base?;
    let (rel, track) = last.unwrap_or((0, 0));
    let frame = tracks
        .default_duration
        .get(&track)
        .map_or(0, |ns| ns / scale.max(1));
    Some(base.saturating_add_signed(rel).saturating_add(frame))
}

/// `(relative timecode, track number)` from a (Simple)Block body.
fn block_time(b: &[u8]) -> Option<(i64, u64)> {
    let (track, tl) = vint(b, false)?;
    let tc = b.get(tl..tl + 2).map(be16)? as i16;
    Some((i64::from(tc), track?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vints() {
        assert_eq!(vint(&[0x81], false), Some((Some(1), 1)));
        assert_eq!(vint(&[0x40, 0x02], false), Some((Some(2), 2)));
        assert_eq!(vint(&[0xFF], false), Some((None, 1)));
        assert_eq!(
            vint(&[0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], false),
            Some((None, 8))
        );
        assert_eq!(vint(&[0x1A, 0x45, 0xDF, 0xA3], true), Some((Some(EBML), 4)));
        assert_eq!(vint(&[0x00], false), None);
        assert_eq!(vint(&[0x08, 0, 0, 0, 0], true), None);
    }

    #[test]
    fn doc_type_defaults_to_matroska() {
        assert_eq!(
            doc_type(&[0x1A, 0x45, 0xDF, 0xA3, 0x80]),
            Some(&b"matroska"[..])
        );
        let webm = [
            0x1A, 0x45, 0xDF, 0xA3, 0x87, 0x42, 0x82, 0x84, b'w', b'e', b'b', b'm',
        ];
        assert_eq!(doc_type(&webm), Some(&b"webm"[..]));
        assert_eq!(doc_type(&webm[..8]), None);
    }
}
