//! ISO base media files: MP4, MOV (QuickTime) and M4A.
//!
//! Top-level boxes are walked by their sizes with seeks, so a `moov` after a huge `mdat`
//! (ffmpeg's default layout) costs one small read per box. Inside `moov` only `mvhd`,
//! `mvex/mehd` and each `trak`'s `tkhd`, `mdia/mdhd`, `mdia/hdlr` and (as a fallback for
//! the size) `stsd` are read.

use std::io::{Read, Seek};
use std::time::Duration;

use super::src::{be16, be32, be64, corrupt, duration_of, Fail, PResult, Src};
use super::{Container, Detected, MediaKind, Parsed};

/// A box's type and where its header, body and end are.
#[derive(Debug, Clone, Copy)]
struct BoxHdr {
    typ: [u8; 4],
    /// First byte after the header.
    data: u64,
    /// First byte after the box.
    end: u64,
}

/// Caps that keep hostile files from looping for long: real files have a few top-level
/// boxes (a few thousand for fragmented MP4) and far fewer children per box.
const MAX_TOP_LEVEL: usize = 200_000;
const MAX_CHILDREN: usize = 10_000;

/// Classifies an `ftyp`-led file from its brands.
pub(crate) fn detect_ftyp(b: &[u8]) -> Detected {
    let Some(major) = b.get(8..12) else {
        return Detected::Known(Container::Mp4);
    };
    let size = usize::try_from(be32(b)).unwrap_or(0).min(b.len());
    let compat: Vec<&[u8]> = b.get(16..size).unwrap_or(&[]).chunks_exact(4).collect();
    let has = |brand: &[u8]| major == brand || compat.contains(&brand);
    const HEIF: [&[u8]; 10] = [
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1",
    ];
    if major == b"avif" || major == b"avis" || (HEIF.contains(&major) && has(b"avif")) {
        return Detected::Other("avif");
    }
    if HEIF.contains(&major) {
        return Detected::Other("heic");
    }
    match major {
        b"qt  " => Detected::Known(Container::Mov),
        b"M4A " | b"M4B " | b"M4P " | b"F4A " => Detected::Known(Container::M4a),
        _ => Detected::Known(Container::Mp4),
    }
}

/// Reads the box header at `pos`; `parent_end` is where a size-0 ("to the end") box ends.
fn header<R: Read + Seek>(src: &mut Src<R>, pos: u64, parent_end: u64) -> PResult<BoxHdr> {
    let h: [u8; 8] = src.array(pos)?;
    let mut typ = [0u8; 4];
    typ.copy_from_slice(&h[4..]);
    let (header_len, size) = match be32(&h) {
        1 => {
            let large: [u8; 8] = src.array(pos + 8)?;
            (16, be64(&large))
        }
        0 => (8, parent_end.saturating_sub(pos)),
        n => (8, u64::from(n)),
    };
    if size < header_len {
        return corrupt(format!(
            "the '{}' box at byte {pos} says it is {size} bytes, smaller than its own header",
            String::from_utf8_lossy(&typ)
        ));
    }
    let end = pos.checked_add(size).ok_or(Fail::Truncated)?;
    Ok(BoxHdr {
        typ,
        data: pos + header_len,
        end,
    })
}

/// The boxes inside `parent`, which must all fit inside it.
fn children<R: Read + Seek>(src: &mut Src<R>, parent: &BoxHdr) -> PResult<Vec<BoxHdr>> {
    let mut out = Vec::new();
    let mut pos = parent.data;
    // Fewer than 8 bytes left cannot hold a box: QuickTime pads some atoms with 4 zeros.
    while pos + 8 <= parent.end {
        if out.len() >= MAX_CHILDREN {
            return corrupt("a box holds an impossible number of boxes");
        }
        let h = header(src, pos, parent.end)?;
        if h.end > parent.end {
            return corrupt(format!(
                "the '{}' box overflows the '{}' box that holds it",
                String::from_utf8_lossy(&h.typ),
                String::from_utf8_lossy(&parent.typ)
            ));
        }
        out.push(h);
        pos = h.end;
    }
    Ok(out)
}

fn child<'a>(kids: &'a [BoxHdr], typ: &[u8; 4]) -> Option<&'a BoxHdr> {
    kids.iter().find(|b| &b.typ == typ)
}

/// Up to `max` bytes of a box's body.
fn body<R: Read + Seek>(src: &mut Src<R>, b: &BoxHdr, max: u64) -> PResult<Vec<u8>> {
    src.vec_exact(b.data, (b.end - b.data).min(max))
}

/// `(timescale, duration)` from an `mvhd` or `mdhd` body (same layout up to duration).
/// A duration of all ones means "unknown" and comes back as `None`.
fn time_fields(b: &[u8]) -> PResult<(u32, Option<u64>)> {
    let short = || Fail::Corrupt("a movie or media header is too short".into());
    let (ts, dur) = match b.first() {
        Some(1) => {
            let f = b.get(20..32).ok_or_else(short)?;
            (be32(f), be64(&f[4..]))
        }
        Some(_) => {
            let f = b.get(12..20).ok_or_else(short)?;
            let d = be32(&f[4..]);
            (
                be32(f),
                if d == u32::MAX {
                    u64::MAX
                } else {
                    u64::from(d)
                },
            )
        }
        None => return Err(short()),
    };
    Ok((ts, (dur != u64::MAX).then_some(dur)))
}

#[derive(Debug, Default)]
struct Track {
    handler: [u8; 4],
    width: u32,
    height: u32,
    /// The `tkhd` matrix turns the picture by 90° or 270°.
    quarter_turn: bool,
    duration: Option<Duration>,
}

/// Probes an ISO BMFF file sniffed as `sniffed` (refined here: an MP4 with sound and no
/// picture is M4A).
pub(crate) fn parse<R: Read + Seek>(src: &mut Src<R>, sniffed: Container) -> PResult<Parsed> {
    let len = src.len();
    let mut pos = 0u64;
    let mut moov = None;
    let mut count = 0usize;
    while len - pos >= 8 {
        count += 1;
        if count > MAX_TOP_LEVEL {
            if moov.is_some() {
                break;
            }
            return corrupt("too many top-level boxes and no movie header ('moov')");
        }
        let h = header(src, pos, len)?;
        // A box running past the end means a cut-short file, even if `moov` was intact:
        // the media the service downloads would be incomplete.
        if h.end > len {
            return Err(Fail::Truncated);
        }
        if &h.typ == b"moov" && moov.is_none() {
            moov = Some(h);
        }
        pos = h.end;
    }
    let Some(moov) = moov else {
        return corrupt(
            "there is no movie header ('moov' box); the file is incomplete, or a fragment \
             of a recording that was never finished",
        );
    };
    let kids = children(src, &moov)?;
    let Some(mvhd) = child(&kids, b"mvhd") else {
        return corrupt("the movie header ('mvhd') is missing");
    };
    let (timescale, mut units) = time_fields(&body(src, mvhd, 32)?)?;
    if timescale == 0 {
        return corrupt("the movie time scale is 0");
    }
    // Fragmented files often leave mvhd's duration at 0 and state it in mvex/mehd.
    if units.unwrap_or(0) == 0 {
        if let Some(mvex) = child(&kids, b"mvex") {
            let mk = children(src, mvex)?;
            if let Some(mehd) = child(&mk, b"mehd") {
                let b = body(src, mehd, 12)?;
                units = match b.first() {
                    Some(1) => b.get(4..12).map(be64),
                    _ => b.get(4..8).map(|x| u64::from(be32(x))),
                };
            }
        }
    }
    let mut tracks = Vec::new();
    for trak in kids.iter().filter(|b| &b.typ == b"trak") {
        tracks.push(track(src, trak)?);
    }
    let mut duration = units
        .filter(|&u| u > 0)
        .and_then(|u| duration_of(u, u64::from(timescale)));
    if duration.is_none() {
        duration = tracks.iter().filter_map(|t| t.duration).max();
    }
    let video = tracks.iter().find(|t| &t.handler == b"vide");
    let has_audio = tracks.iter().any(|t| &t.handler == b"soun");
    let (container, kind) = match (sniffed, video.is_some(), has_audio) {
        (Container::Mp4, false, true) => (Container::M4a, MediaKind::Audio),
        (Container::M4a, _, _) => (Container::M4a, MediaKind::Audio),
        (c, false, true) => (c, MediaKind::Audio),
        (c, _, _) => (c, MediaKind::Video),
    };
    let (width, height) = match (kind, video) {
        (MediaKind::Video, Some(t)) if t.width > 0 && t.height > 0 => {
            if t.quarter_turn {
                (Some(t.height), Some(t.width))
            } else {
                (Some(t.width), Some(t.height))
            }
        }
        _ => (None, None),
    };
    Ok(Parsed {
        container,
        kind,
        duration,
        width,
        height,
    })
}

fn track<R: Read + Seek>(src: &mut Src<R>, trak: &BoxHdr) -> PResult<Track> {
    let mut t = Track::default();
    let kids = children(src, trak)?;
    if let Some(tkhd) = child(&kids, b"tkhd") {
        let b = body(src, tkhd, 96)?;
        // Version 1 widens the three time fields to 64 bits.
        let m = if b.first() == Some(&1) { 52 } else { 40 };
        if let Some(f) = b.get(m..m + 44) {
            let (a, bb, c, d) = (be32(f), be32(&f[4..]), be32(&f[12..]), be32(&f[16..]));
            t.quarter_turn = a == 0 && d == 0 && bb != 0 && c != 0;
            // 16.16 fixed point.
            t.width = be32(&f[36..]) >> 16;
            t.height = be32(&f[40..]) >> 16;
        }
    }
    let Some(mdia) = child(&kids, b"mdia") else {
        return Ok(t);
    };
    let mk = children(src, mdia)?;
    if let Some(hdlr) = child(&mk, b"hdlr") {
        let b = body(src, hdlr, 12)?;
        if let Some(h) = b.get(8..12) {
            t.handler.copy_from_slice(h);
        }
    }
    if let Some(mdhd) = child(&mk, b"mdhd") {
        let (ts, units) = time_fields(&body(src, mdhd, 32)?)?;
        t.duration = units.and_then(|u| duration_of(u, u64::from(ts)));
    }
    // Some muxers leave tkhd's size at 0; the visual sample entry always has it.
    if &t.handler == b"vide" && (t.width == 0 || t.height == 0) {
        if let Some((w, h)) = sample_entry_size(src, &mk)? {
            t.width = w;
            t.height = h;
        }
    }
    Ok(t)
}

/// Width and height from the first visual sample entry in `minf/stbl/stsd`.
fn sample_entry_size<R: Read + Seek>(
    src: &mut Src<R>,
    mdia_kids: &[BoxHdr],
) -> PResult<Option<(u32, u32)>> {
    let Some(minf) = child(mdia_kids, b"minf") else {
        return Ok(None);
    };
    let mk = children(src, minf)?;
    let Some(stbl) = child(&mk, b"stbl") else {
        return Ok(None);
    };
    let sk = children(src, stbl)?;
    let Some(stsd) = child(&sk, b"stsd") else {
        return Ok(None);
    };
    // version/flags, entry count, then the entry: size, format, 6 reserved, data ref
    // index, 16 bytes of pre_defined/reserved, width, height.
    let b = body(src, stsd, 8 + 8 + 28)?;
    Ok(b.get(8 + 8 + 24..8 + 8 + 28)
        .map(|f| (u32::from(be16(f)), u32::from(be16(&f[2..])))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(typ: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(typ);
        v.extend_from_slice(body);
        v
    }

    fn parse_bytes(b: &[u8]) -> PResult<Parsed> {
        let mut src = Src::new(std::io::Cursor::new(b), b.len() as u64);
        parse(&mut src, Container::Mp4)
    }

    #[test]
    fn mvhd_version_1_and_64_bit_box_sizes() {
        let mut mvhd = vec![1, 0, 0, 0];
        mvhd.extend_from_slice(&[0; 16]);
        mvhd.extend_from_slice(&1000u32.to_be_bytes());
        mvhd.extend_from_slice(&12_345u64.to_be_bytes());
        mvhd.extend_from_slice(&[0; 80]);
        let moov = bx(b"moov", &bx(b"mvhd", &mvhd));
        // A 64-bit-sized `free` box before it.
        let mut file = bx(b"ftyp", b"isom\0\0\0\0isom");
        file.extend_from_slice(&1u32.to_be_bytes());
        file.extend_from_slice(b"free");
        file.extend_from_slice(&24u64.to_be_bytes());
        file.extend_from_slice(&[0; 8]);
        file.extend_from_slice(&moov);
        let p = parse_bytes(&file).ok();
        assert_eq!(
            p.and_then(|p| p.duration),
            Some(Duration::from_millis(12_345))
        );
    }

    #[test]
    fn undersized_and_overflowing_boxes_are_errors_not_loops() {
        let mut f = bx(b"ftyp", b"isom\0\0\0\0");
        f.extend_from_slice(&[0, 0, 0, 4, b'f', b'r', b'e', b'e']);
        assert!(matches!(parse_bytes(&f), Err(Fail::Corrupt(_))));
        let mut g = bx(b"ftyp", b"isom\0\0\0\0");
        g.extend_from_slice(&1u32.to_be_bytes());
        g.extend_from_slice(b"mdat");
        g.extend_from_slice(&u64::MAX.to_be_bytes());
        assert!(parse_bytes(&g).is_err());
    }
}
