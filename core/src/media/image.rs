//! Still images: JPEG (SOF segment, EXIF orientation), PNG (IHDR) and WebP (VP8, VP8L,
//! VP8X). Pixel size only; images have no duration.

use std::io::{Read, Seek};

use super::src::{be16, be32, corrupt, le16, le32, PResult, Src};
use super::{Container, Parsed};

/// JPEG: walks marker segments by their lengths (seeking past large EXIF/ICC blocks)
/// until a start-of-frame. Any SOF variant counts (baseline, extended, progressive,
/// lossless, arithmetic). Width and height are swapped for EXIF orientations 5–8, which
/// phones use for portrait photos stored sideways, so the size matches what people see.
pub(crate) fn jpeg<R: Read + Seek>(src: &mut Src<R>) -> PResult<Parsed> {
    let mut pos = 2u64;
    let mut rotated = false;
    // Real files have tens of segments; the cap stops a file of endless tiny segments.
    for _ in 0..100_000 {
        let m: [u8; 2] = src.array(pos)?;
        if m[0] != 0xFF {
            return corrupt(format!("expected a JPEG marker at byte {pos}"));
        }
        let marker = m[1];
        match marker {
            // Fill byte before a marker.
            0xFF => {
                pos += 1;
                continue;
            }
            // Markers without a length.
            0x01 | 0xD0..=0xD8 => {
                pos += 2;
                continue;
            }
            0xD9 | 0xDA => {
                return corrupt("the image data starts before any frame header (SOF)");
            }
            _ => {}
        }
        let l: [u8; 2] = src.array(pos + 2)?;
        let seg_len = u64::from(be16(&l));
        if seg_len < 2 {
            return corrupt(format!("a JPEG segment at byte {pos} has length {seg_len}"));
        }
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let f: [u8; 5] = src.array(pos + 4)?;
            let (h, w) = (u32::from(be16(&f[1..])), u32::from(be16(&f[3..])));
            if w == 0 || h == 0 {
                return corrupt("the frame header gives a width or height of 0");
            }
            let (w, h) = if rotated { (h, w) } else { (w, h) };
            return Ok(Parsed::image(Container::Jpeg, w, h));
        }
        if marker == 0xE1 && seg_len > 8 {
            let body = src.vec_exact(pos + 4, (seg_len - 2).min(64 * 1024))?;
            if let Some(o) = exif_orientation(&body) {
                rotated = (5..=8).contains(&o);
            }
        }
        pos += 2 + seg_len;
    }
    corrupt("too many JPEG segments before the frame header")
}

/// The EXIF orientation tag (0x0112) from an APP1 body, if present.
fn exif_orientation(app1: &[u8]) -> Option<u16> {
    let tiff = app1.strip_prefix(b"Exif\0\0")?;
    let le = match tiff.get(..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |o: usize| -> Option<u16> {
        let b = tiff.get(o..o + 2)?;
        Some(if le { le16(b) } else { be16(b) })
    };
    let u32_at = |o: usize| -> Option<u32> {
        let b = tiff.get(o..o + 4)?;
        Some(if le { le32(b) } else { be32(b) })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    (0..count).find_map(|i| {
        let e = ifd.checked_add(2 + i * 12)?;
        (u16_at(e)? == 0x0112).then(|| u16_at(e + 8)).flatten()
    })
}

/// PNG: the IHDR chunk, which must come first.
pub(crate) fn png<R: Read + Seek>(src: &mut Src<R>) -> PResult<Parsed> {
    let b: [u8; 24] = src.array(0)?;
    if &b[12..16] != b"IHDR" {
        return corrupt("the first chunk is not IHDR");
    }
    let (w, h) = (be32(&b[16..]), be32(&b[20..]));
    if w == 0 || h == 0 {
        return corrupt("the header gives a width or height of 0");
    }
    Ok(Parsed::image(Container::Png, w, h))
}

/// WebP: the first chunk is `VP8 ` (lossy), `VP8L` (lossless) or `VP8X` (extended,
/// which holds the canvas size for alpha and animated images).
pub(crate) fn webp<R: Read + Seek>(src: &mut Src<R>) -> PResult<Parsed> {
    let b: [u8; 30] = src.array(0)?;
    let (w, h) = match &b[12..16] {
        b"VP8 " => {
            if b[23..26] != [0x9D, 0x01, 0x2A] {
                return corrupt("the VP8 start code is missing");
            }
            (
                u32::from(le16(&b[26..]) & 0x3FFF),
                u32::from(le16(&b[28..]) & 0x3FFF),
            )
        }
        b"VP8L" => {
            if b[20] != 0x2F {
                return corrupt("the VP8L signature is missing");
            }
            let v = le32(&b[21..]);
            ((v & 0x3FFF) + 1, ((v >> 14) & 0x3FFF) + 1)
        }
        b"VP8X" => {
            let w = u32::from_le_bytes([b[24], b[25], b[26], 0]) + 1;
            let h = u32::from_le_bytes([b[27], b[28], b[29], 0]) + 1;
            (w, h)
        }
        _ => return corrupt("the first chunk is not VP8, VP8L or VP8X"),
    };
    if w == 0 || h == 0 {
        return corrupt("the header gives a width or height of 0");
    }
    Ok(Parsed::image(Container::Webp, w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exif_orientation_big_and_little_endian() {
        let mut mm = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01".to_vec();
        mm.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
        assert_eq!(exif_orientation(&mm), Some(6));
        let mut ii = b"Exif\0\0II\x2a\0\x08\0\0\0\x01\0".to_vec();
        ii.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0]);
        assert_eq!(exif_orientation(&ii), Some(8));
        assert_eq!(exif_orientation(b"Exif\0\0MM\0\x2a\xff\xff\xff\xff"), None);
    }

    #[test]
    fn progressive_jpeg_with_rotation_swaps() {
        let mut f = vec![0xFF, 0xD8];
        let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01".to_vec();
        exif.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
        f.extend_from_slice(&[0xFF, 0xE1]);
        f.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        f.extend_from_slice(&exif);
        // SOF2: precision 8, height 1080, width 1920.
        f.extend_from_slice(&[0xFF, 0xC2, 0, 11, 8, 0x04, 0x38, 0x07, 0x80, 1, 1, 0x11, 0]);
        let mut src = Src::new(std::io::Cursor::new(&f), f.len() as u64);
        let p = jpeg(&mut src).ok();
        assert_eq!(
            p.map(|p| (p.width, p.height)),
            Some((Some(1080), Some(1920)))
        );
    }
}
