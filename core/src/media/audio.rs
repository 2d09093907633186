//! Audio-only formats: MP3, raw AAC (ADTS), WAV/RF64, FLAC and Ogg (Vorbis, Opus, FLAC,
//! Speex). Only headers are read, except that MP3 without a Xing/VBRI header and ADTS
//! (which has no header at all) are counted frame by frame over a bounded prefix and
//! extrapolated beyond it.

use std::io::{Read, Seek};
use std::time::Duration;

use super::src::{be32, corrupt, duration_of, le16, le32, le64, Fail, PResult, Src};
use super::{Container, Parsed};

/// Frame-by-frame counting reads at most this much; longer files are extrapolated.
pub(crate) const MP3_SCAN_CAP: u64 = 8 * 1024 * 1024;
/// As [`MP3_SCAN_CAP`], for ADTS.
pub(crate) const ADTS_SCAN_CAP: u64 = 8 * 1024 * 1024;

// ---------------------------------------------------------------------------------------
// ID3v2

/// Total length of the ID3v2 tag starting `b` (header, body and footer), if it is one.
/// The result may exceed `b.len()`.
pub(crate) fn id3_len(b: &[u8]) -> Option<usize> {
    if b.len() < 10 || &b[..3] != b"ID3" || b[3] == 0xFF || b[4] == 0xFF {
        return None;
    }
    if b[6..10].iter().any(|&x| x >= 0x80) {
        return None;
    }
    // Sizes are "synchsafe": 7 bits per byte.
    let size = b[6..10]
        .iter()
        .fold(0usize, |acc, &x| (acc << 7) | usize::from(x));
    let footer = if b[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + size + footer)
}

/// Offset of the first byte after any leading ID3v2 tags (0 when there are none).
pub(crate) fn skip_id3<R: Read + Seek>(src: &mut Src<R>) -> PResult<u64> {
    let mut pos = 0u64;
    // Files with several stacked tags exist; more than a few is not a real file.
    for _ in 0..8 {
        if pos + 10 > src.len() {
            break;
        }
        let head: [u8; 10] = src.array(pos)?;
        match id3_len(&head) {
            Some(n) => {
                pos += n as u64;
                if pos > src.len() {
                    return Err(Fail::Truncated);
                }
            }
            None => break,
        }
    }
    Ok(pos)
}

// ---------------------------------------------------------------------------------------
// MPEG audio frame headers (MP3) and ADTS (AAC)

/// One decoded MPEG-1/2/2.5 Layer III frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mpa {
    /// 1 = MPEG-1, 2 = MPEG-2, 3 = MPEG-2.5.
    version: u8,
    bitrate_kbps: u32,
    sample_rate: u32,
    mono: bool,
    frame_len: u32,
    samples: u32,
}

fn mpa_header(h: &[u8]) -> Option<Mpa> {
    if h.len() < 4 || h[0] != 0xFF || h[1] & 0xE0 != 0xE0 {
        return None;
    }
    let version = match (h[1] >> 3) & 3 {
        0 => 3,
        2 => 2,
        3 => 1,
        _ => return None,
    };
    // Layer III only: Layer I/II files are not MP3s.
    if (h[1] >> 1) & 3 != 1 {
        return None;
    }
    let br_idx = usize::from(h[2] >> 4);
    let sr_idx = usize::from((h[2] >> 2) & 3);
    if br_idx == 0 || br_idx == 15 || sr_idx == 3 || h[3] & 3 == 2 {
        return None;
    }
    const BR_V1: [u32; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    const BR_V2: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    const SR: [[u32; 3]; 3] = [
        [44100, 48000, 32000],
        [22050, 24000, 16000],
        [11025, 12000, 8000],
    ];
    let bitrate_kbps = if version == 1 {
        BR_V1[br_idx]
    } else {
        BR_V2[br_idx]
    };
    let sample_rate = SR[usize::from(version - 1)][sr_idx];
    let padding = u32::from((h[2] >> 1) & 1);
    let coef = if version == 1 { 144 } else { 72 };
    Some(Mpa {
        version,
        bitrate_kbps,
        sample_rate,
        mono: h[3] >> 6 == 3,
        frame_len: coef * bitrate_kbps * 1000 / sample_rate + padding,
        samples: if version == 1 { 1152 } else { 576 },
    })
}

/// One decoded ADTS frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Adts {
    sample_rate: u32,
    frame_len: u32,
    /// AAC frames (of 1024 samples) in this ADTS frame.
    blocks: u32,
}

fn adts_header(h: &[u8]) -> Option<Adts> {
    if h.len() < 7 || h[0] != 0xFF || h[1] & 0xF6 != 0xF0 {
        return None;
    }
    const SR: [u32; 13] = [
        96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
    ];
    let sample_rate = *SR.get(usize::from((h[2] >> 2) & 0xF))?;
    let frame_len = (u32::from(h[3] & 3) << 11) | (u32::from(h[4]) << 3) | (u32::from(h[5]) >> 5);
    let header_len = if h[1] & 1 == 0 { 9 } else { 7 };
    if frame_len <= header_len {
        return None;
    }
    Some(Adts {
        sample_rate,
        frame_len,
        blocks: u32::from(h[6] & 3) + 1,
    })
}

/// MP3 or ADTS when `b` starts with a frame whose successor (if inside `b`) also parses
/// with the same parameters. One valid header alone is too easy to hit by chance, so it
/// is only accepted when the next frame lies beyond the prefix.
pub(crate) fn detect_frames(b: &[u8], whole: bool) -> Option<Container> {
    // `Some(true)`: the next frame is there and matches; `None`: it lies beyond `b`.
    let follows = |next: usize, min: usize, ok: &dyn Fn(&[u8]) -> bool| match b.get(next..) {
        Some(rest) if rest.len() >= min => Some(ok(rest)),
        Some(rest) if rest.is_empty() && whole => Some(true),
        _ if !whole => None,
        _ => Some(false),
    };
    if let Some(h) = mpa_header(b) {
        let ok = |r: &[u8]| mpa_header(r).is_some_and(|n| same_stream(&h, &n));
        if follows(h.frame_len as usize, 4, &ok).unwrap_or(true) {
            return Some(Container::Mp3);
        }
    }
    if let Some(h) = adts_header(b) {
        let ok = |r: &[u8]| adts_header(r).is_some_and(|n| n.sample_rate == h.sample_rate);
        if follows(h.frame_len as usize, 7, &ok).unwrap_or(true) {
            return Some(Container::Aac);
        }
    }
    None
}

/// First offset in `b` where [`detect_frames`] succeeds: MP3s often carry padding or junk
/// between the ID3 tag and the first frame.
pub(crate) fn find_frames(b: &[u8]) -> Option<(usize, Container)> {
    (0..b.len().saturating_sub(4))
        .filter(|&i| b[i] == 0xFF)
        .find_map(|i| detect_frames(&b[i..], false).map(|c| (i, c)))
}

fn same_stream(a: &Mpa, b: &Mpa) -> bool {
    a.version == b.version && a.sample_rate == b.sample_rate
}

// ---------------------------------------------------------------------------------------
// MP3

/// MP3 starting at `start` (after ID3). Duration from a Xing/Info header (minus the LAME
/// encoder delay and padding when present), else a VBRI header, else counting frames
/// over at most `scan_cap` bytes, extrapolated by the average frame size beyond that.
pub(crate) fn mp3<R: Read + Seek>(src: &mut Src<R>, start: u64, scan_cap: u64) -> PResult<Parsed> {
    let first = src.vec_upto(start, 2048)?;
    let Some(h) = mpa_header(&first) else {
        return corrupt("no MP3 frame header where the audio should start");
    };
    if let Some(d) = xing_duration(&first, &h).or_else(|| vbri_duration(&first, &h)) {
        return Ok(Parsed::audio(Container::Mp3, Some(d)));
    }
    // An ID3v1 tag ("TAG" + 125 bytes) may close the file.
    let mut end = src.len();
    if end >= start + 128 {
        let tag: [u8; 3] = src.array(end - 128)?;
        if &tag == b"TAG" {
            end -= 128;
        }
    }
    let audio_bytes = end.saturating_sub(start);
    let chunk = src.vec_exact(start, audio_bytes.min(scan_cap))?;
    let (frames, consumed) = count_mpa(&chunk, &h);
    if frames == 0 {
        return corrupt("no complete MP3 frame found");
    }
    let samples = u64::from(frames) * u64::from(h.samples);
    let duration = if consumed as u64 >= audio_bytes || audio_bytes <= scan_cap {
        duration_of(samples, u64::from(h.sample_rate))
    } else {
        extrapolate(
            samples,
            consumed as u64,
            audio_bytes,
            u64::from(h.sample_rate),
        )
    };
    Ok(Parsed::audio(Container::Mp3, duration))
}

/// Counts consecutive frames of the same stream; stops at the first non-frame.
fn count_mpa(b: &[u8], first: &Mpa) -> (u32, usize) {
    let (mut pos, mut frames) = (0usize, 0u32);
    while let Some(h) = b.get(pos..).and_then(mpa_header) {
        if !same_stream(first, &h) || pos + h.frame_len as usize > b.len() {
            break;
        }
        frames += 1;
        pos += h.frame_len as usize;
    }
    (frames, pos)
}

/// Total duration when `samples` were counted in the first `consumed` of `total` bytes.
fn extrapolate(samples: u64, consumed: u64, total: u64, rate: u64) -> Option<Duration> {
    if consumed == 0 {
        return None;
    }
    let est = u128::from(samples) * u128::from(total) / u128::from(consumed);
    duration_of(u64::try_from(est).unwrap_or(u64::MAX), rate)
}

fn xing_duration(frame: &[u8], h: &Mpa) -> Option<Duration> {
    let side = match (h.version, h.mono) {
        (1, false) => 32,
        (1, true) => 17,
        (_, false) => 17,
        (_, true) => 9,
    };
    let xo = 4 + side;
    let tag = frame.get(xo..xo + 8)?;
    if &tag[..4] != b"Xing" && &tag[..4] != b"Info" {
        return None;
    }
    let flags = be32(&tag[4..]);
    if flags & 1 == 0 {
        return None;
    }
    let mut p = xo + 8;
    let frames = u64::from(be32(frame.get(p..p + 4)?));
    p += 4;
    for (bit, len) in [(2u32, 4usize), (4, 100), (8, 4)] {
        if flags & bit != 0 {
            p += len;
        }
    }
    let mut samples = frames * u64::from(h.samples);
    // LAME-style extension: 9-byte encoder name, then at +21 the 12-bit encoder delay
    // and 12-bit end padding. Removing them gives the gapless (real) length.
    if let Some(lame) = frame.get(p..p + 24) {
        if lame[..4].iter().all(u8::is_ascii_alphanumeric) {
            let d = &lame[21..24];
            let delay = (u64::from(d[0]) << 4) | (u64::from(d[1]) >> 4);
            let pad = (u64::from(d[1] & 0x0F) << 8) | u64::from(d[2]);
            if delay + pad < samples {
                samples -= delay + pad;
            }
        }
    }
    duration_of(samples, u64::from(h.sample_rate))
}

fn vbri_duration(frame: &[u8], h: &Mpa) -> Option<Duration> {
    let v = frame.get(36..54)?;
    if &v[..4] != b"VBRI" {
        return None;
    }
    let frames = u64::from(be32(&v[14..]));
    duration_of(frames * u64::from(h.samples), u64::from(h.sample_rate))
}

// ---------------------------------------------------------------------------------------
// AAC (ADTS)

/// Raw AAC: ADTS has no global header, so frames are counted (each says its length) over
/// at most `scan_cap` bytes and extrapolated beyond that.
pub(crate) fn adts<R: Read + Seek>(src: &mut Src<R>, start: u64, scan_cap: u64) -> PResult<Parsed> {
    let total = src.len().saturating_sub(start);
    let chunk = src.vec_exact(start, total.min(scan_cap))?;
    let Some(first) = adts_header(&chunk) else {
        return corrupt("no AAC (ADTS) frame header where the audio should start");
    };
    let (mut pos, mut samples) = (0usize, 0u64);
    while let Some(h) = chunk.get(pos..).and_then(adts_header) {
        if h.sample_rate != first.sample_rate || pos + h.frame_len as usize > chunk.len() {
            break;
        }
        samples += 1024 * u64::from(h.blocks);
        pos += h.frame_len as usize;
    }
    if samples == 0 {
        return corrupt("no complete AAC frame found");
    }
    let rate = u64::from(first.sample_rate);
    let duration = if total <= scan_cap {
        duration_of(samples, rate)
    } else {
        extrapolate(samples, pos as u64, total, rate)
    };
    Ok(Parsed::audio(Container::Aac, duration))
}

// ---------------------------------------------------------------------------------------
// WAV

/// RIFF/WAVE (and RF64/BW64 with a `ds64` chunk): duration = data bytes / byte rate, or
/// the `fact` sample count for compressed formats. Chunks are walked by seeking.
pub(crate) fn wav<R: Read + Seek>(src: &mut Src<R>) -> PResult<Parsed> {
    let len = src.len();
    let head: [u8; 12] = src.array(0)?;
    let rf64 = &head[..4] != b"RIFF";
    let mut pos = 12u64;
    let mut fmt: Option<(u16, u32, u32, u16)> = None;
    let mut ds64_data: Option<u64> = None;
    let mut fact: Option<u32> = None;
    let mut data: Option<(u64, u64)> = None;
    for _ in 0..10_000 {
        if pos + 8 > len {
            break;
        }
        let ch: [u8; 8] = src.array(pos)?;
        let size = u64::from(le32(&ch[4..]));
        let body = pos + 8;
        match &ch[..4] {
            b"fmt " => {
                if size < 16 {
                    return corrupt("the 'fmt ' chunk is too short");
                }
                let f: [u8; 16] = src.array(body)?;
                fmt = Some((le16(&f), le32(&f[4..]), le32(&f[8..]), le16(&f[12..])));
            }
            b"ds64" if rf64 => {
                let d: [u8; 16] = src.array(body)?;
                ds64_data = Some(le64(&d[8..]));
            }
            b"fact" if size >= 4 => {
                let f: [u8; 4] = src.array(body)?;
                fact = Some(le32(&f));
            }
            b"data" => {
                let declared = match (size, ds64_data) {
                    (0xFFFF_FFFF, Some(d)) => d,
                    // 0 or all ones: written by a recorder that never came back to fix
                    // the header; the data runs to the end of the file.
                    (0 | 0xFFFF_FFFF, None) => len - body,
                    (s, _) => s,
                };
                // A cut-short file plays only what is there.
                data = Some((body, declared.min(len.saturating_sub(body))));
                break;
            }
            _ => {}
        }
        // Chunks are padded to an even size.
        pos = body + size + (size & 1);
    }
    let Some((format, rate, byte_rate, block_align)) = fmt else {
        return corrupt("there is no 'fmt ' chunk describing the audio");
    };
    let Some((_, data_len)) = data else {
        return corrupt("there is no 'data' chunk with audio in it");
    };
    if rate == 0 {
        return corrupt("the sample rate is 0");
    }
    // 1 = PCM, 3 = float, 0xFFFE = extensible: byte counts are exact. Others are
    // compressed, where `fact` holds the true sample count.
    let duration = match (format, fact) {
        (1 | 3 | 0xFFFE, _) | (_, None) => {
            let br = if byte_rate != 0 {
                u64::from(byte_rate)
            } else {
                u64::from(block_align) * u64::from(rate)
            };
            if br == 0 {
                return corrupt("the byte rate is 0");
            }
            duration_of(data_len, br)
        }
        (_, Some(samples)) => duration_of(u64::from(samples), u64::from(rate)),
    };
    Ok(Parsed::audio(Container::Wav, duration))
}

// ---------------------------------------------------------------------------------------
// FLAC

/// Parses a FLAC STREAMINFO block (34 bytes): (sample rate, total samples).
fn streaminfo(b: &[u8]) -> Option<(u32, u64)> {
    let b = b.get(..18)?;
    let rate = (u32::from(b[10]) << 12) | (u32::from(b[11]) << 4) | (u32::from(b[12]) >> 4);
    let total = (u64::from(b[13] & 0x0F) << 32) | u64::from(be32(&b[14..]));
    Some((rate, total))
}

/// Native FLAC at `start`: STREAMINFO (always the first metadata block) gives the sample
/// rate and total samples. A total of 0 means "unknown" (live encoders).
pub(crate) fn flac<R: Read + Seek>(src: &mut Src<R>, start: u64) -> PResult<Parsed> {
    let b: [u8; 42] = src.array(start)?;
    if b[4] & 0x7F != 0 || be32(&b[4..]) & 0x00FF_FFFF < 34 {
        return corrupt("the first block is not a valid STREAMINFO");
    }
    let Some((rate, total)) = streaminfo(&b[8..]) else {
        return Err(Fail::Truncated);
    };
    if rate == 0 {
        return corrupt("the sample rate is 0");
    }
    let duration = if total == 0 {
        None
    } else {
        duration_of(total, u64::from(rate))
    };
    Ok(Parsed::audio(Container::Flac, duration))
}

// ---------------------------------------------------------------------------------------
// Ogg

/// Ogg: the first page's packet names the codec and its granule rate; the last page of
/// the same stream (found within the final 64 KiB, the largest possible page) gives the
/// end granule. Opus granules are 48 kHz and include the pre-skip.
pub(crate) fn ogg<R: Read + Seek>(src: &mut Src<R>) -> PResult<Parsed> {
    let head = src.vec_upto(0, 27 + 255 + 128)?;
    if head.len() < 27 || head[4] != 0 {
        return corrupt("the first Ogg page header is damaged");
    }
    let serial = le32(&head[14..]);
    let nsegs = usize::from(head[26]);
    let payload = head.get(27 + nsegs..).ok_or(Fail::Truncated)?;
    let (rate, preskip): (u64, u64) = if payload.starts_with(b"\x01vorbis") {
        (
            u64::from(le32(payload.get(12..16).ok_or(Fail::Truncated)?)),
            0,
        )
    } else if payload.starts_with(b"OpusHead") {
        let p = payload.get(10..12).ok_or(Fail::Truncated)?;
        (48_000, u64::from(le16(p)))
    } else if payload.starts_with(b"\x7fFLAC") {
        let si = payload.get(17..).ok_or(Fail::Truncated)?;
        (u64::from(streaminfo(si).ok_or(Fail::Truncated)?.0), 0)
    } else if payload.starts_with(b"Speex   ") {
        (
            u64::from(le32(payload.get(36..40).ok_or(Fail::Truncated)?)),
            0,
        )
    } else if payload.starts_with(b"\x80theora") || payload.starts_with(b"\x01video") {
        return Err(Fail::Foreign("ogv"));
    } else {
        // Some other codec: it is an Ogg, but we cannot tell its length.
        return Ok(Parsed::audio(Container::Ogg, None));
    };
    if rate == 0 {
        return corrupt("the sample rate is 0");
    }
    let len = src.len();
    let tail_start = len.saturating_sub(65_536 + 27 + 255);
    let tail = src.vec_upto(tail_start, len - tail_start)?;
    let mut granule = None;
    let mut i = tail.len().saturating_sub(27);
    loop {
        let page = &tail[i..];
        if page.starts_with(b"OggS") && page[4] == 0 && le32(&page[14..]) == serial {
            let g = super::src::le64(&page[6..]);
            // -1 marks a page on which no packet ends.
            if g != u64::MAX {
                granule = Some(g);
                break;
            }
        }
        if i == 0 {
            break;
        }
        i -= 1;
    }
    let duration = granule.and_then(|g| duration_of(g.saturating_sub(preskip), rate));
    Ok(Parsed::audio(Container::Ogg, duration))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mpa_header_rejects_reserved_values() {
        assert!(mpa_header(&[0xFF, 0xFB, 0x90, 0x64]).is_some());
        assert!(mpa_header(&[0xFF, 0xFB, 0xF0, 0x64]).is_none()); // bitrate 15
        assert!(mpa_header(&[0xFF, 0xFB, 0x9C, 0x64]).is_none()); // rate 3
        assert!(mpa_header(&[0xFF, 0xFD, 0x90, 0x64]).is_none()); // layer II
    }

    #[test]
    fn cbr_mp3_beyond_the_scan_cap_is_extrapolated() {
        // 128 kbps 44.1 kHz MPEG-1, no padding: 417-byte frames of 1152 samples.
        let mut frame = vec![0u8; 417];
        frame[..4].copy_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
        let file: Vec<u8> = frame.iter().copied().cycle().take(417 * 1000).collect();
        let mut src = Src::new(std::io::Cursor::new(&file), file.len() as u64);
        let exact = mp3(&mut src, 0, u64::MAX).ok().and_then(|p| p.duration);
        let est = mp3(&mut src, 0, 417 * 10).ok().and_then(|p| p.duration);
        let want = 1000.0 * 1152.0 / 44100.0;
        assert!((exact.map(|d| d.as_secs_f64()).unwrap_or(0.0) - want).abs() < 0.01);
        assert!((est.map(|d| d.as_secs_f64()).unwrap_or(0.0) - want).abs() < 0.1);
    }

    #[test]
    fn id3_sizes_are_synchsafe() {
        let mut h = *b"ID3\x04\x00\x00\x00\x00\x02\x01";
        assert_eq!(id3_len(&h), Some(10 + 257));
        h[8] = 0x80;
        assert_eq!(id3_len(&h), None);
    }

    #[test]
    fn streaminfo_fields() {
        let mut si = [0u8; 34];
        // 44100 Hz = 0x0AC44, total 88200 samples.
        si[10] = 0x0A;
        si[11] = 0xC4;
        si[12] = 0x40;
        si[14..18].copy_from_slice(&88_200u32.to_be_bytes());
        assert_eq!(streaminfo(&si), Some((44_100, 88_200)));
    }
}
