//! What a local reference file really is, before anything is uploaded or paid for.
//!
//! Owns content sniffing (never trusting the extension), and for the formats the service
//! accepts (service-api §3.2: images .jpg .png .webp; video .mp4 .mov .webm; audio .mp3 .wav
//! .m4a .aac .ogg .flac) the duration and pixel size, read from headers only. Durations
//! feed the "15 s combined" rule (§3.2, §3.4) and sizes the aspect-ratio display.
//!
//! Every parser reads small ranges at known offsets through [`src::Src`], which checks
//! each read against the file length: a 1 GB video costs a handful of reads, and a hostile
//! or truncated header ends in [`ProbeError::Unreadable`], never a panic, a huge
//! allocation or an endless loop (every walk advances strictly and is capped).
//! Formats people commonly try instead (GIF, HEIC, MKV, PDF, text…) are recognized so
//! the message can name them.

mod audio;
mod image;
mod isobmff;
mod matroska;
mod src;

use std::fs::File;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use src::{Fail, Src};

/// The broad kind of a reference, which decides the request field it goes into
/// (`imageUrls`, `videoUrls`, `audioUrls`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A still picture.
    Image,
    /// Moving pictures (possibly with sound).
    Video,
    /// Sound only.
    Audio,
}

impl std::fmt::Display for MediaKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
        })
    }
}

/// A file format the service accepts, as detected from the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Container {
    /// JPEG image.
    Jpeg,
    /// PNG image.
    Png,
    /// WebP image (lossy, lossless or extended).
    Webp,
    /// ISO base media (MP4) with a video track.
    Mp4,
    /// QuickTime movie (`ftyp` brand `qt  `, or a classic file without `ftyp`).
    Mov,
    /// WebM (Matroska with doc type `webm`).
    Webm,
    /// MPEG-1/2/2.5 Layer III audio.
    Mp3,
    /// RIFF/WAVE (or RF64) audio.
    Wav,
    /// MPEG-4 audio: an `M4A ` brand, or an MP4 with sound and no video track.
    M4a,
    /// Raw AAC in ADTS frames.
    Aac,
    /// Ogg (Vorbis, Opus or FLAC inside).
    Ogg,
    /// Native FLAC.
    Flac,
}

impl Container {
    /// Every accepted container, images first.
    pub const ALL: [Container; 12] = [
        Container::Jpeg,
        Container::Png,
        Container::Webp,
        Container::Mp4,
        Container::Mov,
        Container::Webm,
        Container::Mp3,
        Container::Wav,
        Container::M4a,
        Container::Aac,
        Container::Ogg,
        Container::Flac,
    ];

    /// The kind the service files this format under.
    pub fn kind(self) -> MediaKind {
        match self {
            Container::Jpeg | Container::Png | Container::Webp => MediaKind::Image,
            Container::Mp4 | Container::Mov | Container::Webm => MediaKind::Video,
            Container::Mp3
            | Container::Wav
            | Container::M4a
            | Container::Aac
            | Container::Ogg
            | Container::Flac => MediaKind::Audio,
        }
    }

    /// The MIME type to upload with.
    pub fn mime(self) -> &'static str {
        match self {
            Container::Jpeg => "image/jpeg",
            Container::Png => "image/png",
            Container::Webp => "image/webp",
            Container::Mp4 => "video/mp4",
            Container::Mov => "video/quicktime",
            Container::Webm => "video/webm",
            Container::Mp3 => "audio/mpeg",
            Container::Wav => "audio/wav",
            Container::M4a => "audio/mp4",
            Container::Aac => "audio/aac",
            Container::Ogg => "audio/ogg",
            Container::Flac => "audio/flac",
        }
    }

    /// Lower-case file extensions (no dot) that name this format; the first is preferred.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Container::Jpeg => &["jpg", "jpeg"],
            Container::Png => &["png"],
            Container::Webp => &["webp"],
            Container::Mp4 => &["mp4"],
            Container::Mov => &["mov"],
            Container::Webm => &["webm"],
            Container::Mp3 => &["mp3"],
            Container::Wav => &["wav"],
            Container::M4a => &["m4a"],
            Container::Aac => &["aac"],
            Container::Ogg => &["ogg"],
            Container::Flac => &["flac"],
        }
    }

    /// The name people know the format by ("JPEG", "MP4"…).
    pub fn name(self) -> &'static str {
        match self {
            Container::Jpeg => "JPEG",
            Container::Png => "PNG",
            Container::Webp => "WebP",
            Container::Mp4 => "MP4",
            Container::Mov => "MOV",
            Container::Webm => "WebM",
            Container::Mp3 => "MP3",
            Container::Wav => "WAV",
            Container::M4a => "M4A",
            Container::Aac => "AAC",
            Container::Ogg => "OGG",
            Container::Flac => "FLAC",
        }
    }
}

impl std::fmt::Display for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a probe learned about one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct MediaInfo {
    /// The detected format.
    pub container: Container,
    /// What the content is. Usually `container.kind()`, but an audio-only MOV or WebM is
    /// [`MediaKind::Audio`] (and would fail as a video reference).
    pub kind: MediaKind,
    /// File size in bytes.
    pub size_bytes: u64,
    /// Playing time of video and audio; `None` for images, and when the file does not say
    /// (e.g. an Ogg with an unknown codec, a FLAC with no sample count).
    pub duration: Option<Duration>,
    /// Width in pixels as shown, for images and videos: swapped for MP4/MOV tracks turned
    /// 90° and for JPEGs with EXIF orientation 5–8 (phone portrait shots).
    pub width: Option<u32>,
    /// Height in pixels as shown (same rules as `width`).
    pub height: Option<u32>,
}

/// Why a file could not be probed. Messages name the problem and the fix in plain words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeError {
    /// The operating system would not let us read the file.
    #[error("{}", io_message(.path.as_deref(), .reason))]
    Io {
        /// The file, when probing a path.
        path: Option<PathBuf>,
        /// The system's explanation.
        reason: String,
    },
    /// The file has no bytes at all.
    #[error(
        "The file is empty (0 bytes), so there is nothing to use. Pick the original \
         image, video or audio file again; if it came from a download, download it again."
    )]
    Empty,
    /// Not an accepted format. `detected` names what it is when we know: "gif", "bmp",
    /// "heic", "avif", "tiff", "pdf", "plain text", "html", "svg", "zip", "mkv", "avi",
    /// "flv", "asf", "ogv", "mpeg-ts", "mpeg-ps", "aiff", "caf", "amr", "gzip", "rar", "7z".
    #[error("{}", unrecognized_message(.detected.as_deref()))]
    Unrecognized {
        /// What the content is, when recognized.
        detected: Option<String>,
    },
    /// The start says it is an accepted format, but its headers are cut short or damaged.
    #[error(
        "This looks like a {container} file, but it could not be read: {reason}. \
         Export or download the file again, then add the new copy."
    )]
    Unreadable {
        /// The format the file starts like.
        container: Container,
        /// What is wrong, in words.
        reason: String,
    },
}

fn io_message(path: Option<&Path>, reason: &str) -> String {
    match path {
        Some(p) => format!(
            "Could not read \"{}\": {reason}. Check that the file still exists and that \
             you may open it, then add it again.",
            p.display()
        ),
        None => format!(
            "Could not read the file: {reason}. Check that it still exists and that you \
             may open it, then add it again."
        ),
    }
}

const ACCEPTED_IMAGES: &str = "JPEG, PNG or WebP images";
const ACCEPTED_VIDEO: &str = "MP4, MOV or WebM videos";
const ACCEPTED_AUDIO: &str = "MP3, WAV, M4A, AAC, OGG or FLAC audio";

/// For a detected-but-unaccepted format: its plain-English name, the kind of accepted
/// formats to list, and the fix.
fn foreign_format(detected: &str) -> (&'static str, Option<MediaKind>, &'static str) {
    use MediaKind::{Audio, Image, Video};
    const UNPACK: &str = "Extract the image, video or audio file from it and add that instead.";
    const ORIGINAL: &str = "Add the image, video or audio file itself instead.";
    match detected {
        "gif" => (
            "a GIF",
            Some(Image),
            "Convert it to PNG (or to MP4 if it is animated).",
        ),
        "bmp" => ("a BMP image", Some(Image), "Convert it to PNG."),
        "heic" => (
            "a HEIC/HEIF photo",
            Some(Image),
            "Export or convert it to JPEG.",
        ),
        "avif" => ("an AVIF image", Some(Image), "Convert it to PNG or JPEG."),
        "tiff" => ("a TIFF image", Some(Image), "Convert it to PNG."),
        "svg" => ("an SVG drawing", Some(Image), "Export it as PNG."),
        "mkv" => ("a Matroska (MKV) video", Some(Video), "Convert it to MP4."),
        "avi" => ("an AVI video", Some(Video), "Convert it to MP4."),
        "flv" => ("a Flash (FLV) video", Some(Video), "Convert it to MP4."),
        "ogv" => (
            "an Ogg video (OGV)",
            Some(Video),
            "Convert it to MP4 or WebM.",
        ),
        "mpeg-ts" => (
            "an MPEG transport stream (.ts)",
            Some(Video),
            "Convert it to MP4.",
        ),
        "mpeg-ps" => (
            "an MPEG program stream (.mpg)",
            Some(Video),
            "Convert it to MP4.",
        ),
        "asf" => (
            "a Windows Media (WMV/WMA) file",
            None,
            "Convert it to MP4 (video) or MP3 (audio).",
        ),
        "aiff" => ("an AIFF sound file", Some(Audio), "Convert it to WAV."),
        "caf" => (
            "a Core Audio (CAF) file",
            Some(Audio),
            "Convert it to WAV or M4A.",
        ),
        "amr" => (
            "an AMR voice recording",
            Some(Audio),
            "Convert it to MP3 or M4A.",
        ),
        "pdf" => (
            "a PDF document",
            None,
            "Export the page you want as PNG or JPEG.",
        ),
        "plain text" => ("plain text, not media", None, ORIGINAL),
        "html" => ("a web page (HTML), not media", None, ORIGINAL),
        "zip" => ("a ZIP archive", None, UNPACK),
        "gzip" => ("a gzip archive", None, UNPACK),
        "rar" => ("a RAR archive", None, UNPACK),
        "7z" => ("a 7-Zip archive", None, UNPACK),
        _ => (
            "in a format we do not recognize",
            None,
            "Convert it to one of these formats.",
        ),
    }
}

fn unrecognized_message(detected: Option<&str>) -> String {
    let (what, kind, fix) = foreign_format(detected.unwrap_or(""));
    let accepted = match kind {
        Some(MediaKind::Image) => ACCEPTED_IMAGES.to_string(),
        Some(MediaKind::Video) => ACCEPTED_VIDEO.to_string(),
        Some(MediaKind::Audio) => ACCEPTED_AUDIO.to_string(),
        None => format!("{ACCEPTED_IMAGES}, {ACCEPTED_VIDEO}, or {ACCEPTED_AUDIO}"),
    };
    format!("This file is {what}; the service accepts {accepted}. {fix}")
}

/// Probes the file at `path`: sniffs the content (ignoring the extension) and reads the
/// headers needed for duration and size. Reads only headers and boxes, with seeks; a
/// `moov` at the end of a large MP4 is reached without reading the `mdat` before it.
pub fn probe_file(path: &Path) -> Result<MediaInfo, ProbeError> {
    let io_err = |e: std::io::Error| ProbeError::Io {
        path: Some(path.to_path_buf()),
        reason: e.to_string(),
    };
    let file = File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if meta.is_dir() {
        return Err(ProbeError::Io {
            path: Some(path.to_path_buf()),
            reason: "it is a folder, not a file".into(),
        });
    }
    // No BufReader: `Src` caches its own window and seeks freely.
    probe_inner(file, meta.len()).map_err(|e| match e {
        ProbeError::Io { reason, .. } => ProbeError::Io {
            path: Some(path.to_path_buf()),
            reason,
        },
        other => other,
    })
}

/// Probes any seekable source of `len` bytes (an open file, an in-memory buffer).
/// Same rules as [`probe_file`]; `Io` errors carry no path.
pub fn probe_reader<R: Read + Seek>(reader: R, len: u64) -> Result<MediaInfo, ProbeError> {
    probe_inner(reader, len)
}

fn probe_inner<R: Read + Seek>(reader: R, len: u64) -> Result<MediaInfo, ProbeError> {
    if len == 0 {
        return Err(ProbeError::Empty);
    }
    let mut src = Src::new(reader, len);
    // ID3v2 tags precede MP3 (and sometimes AAC or FLAC) data; sniff what follows them.
    let start = match audio::skip_id3(&mut src) {
        Ok(s) => s,
        Err(f) => return Err(to_probe_error(f, Container::Mp3)),
    };
    let prefix = src
        .vec_upto(start, SNIFF_LEN)
        .map_err(|f| to_probe_error(f, Container::Mp3))?;
    let whole = start + prefix.len() as u64 == len;
    let mut start = start;
    let container = match detect(&prefix, whole) {
        Detected::Known(c) => c,
        Detected::Other(name) if start == 0 => {
            return Err(ProbeError::Unrecognized {
                detected: Some(name.to_string()),
            })
        }
        Detected::Unknown if start == 0 => return Err(ProbeError::Unrecognized { detected: None }),
        // After an ID3 tag, encoders sometimes leave padding before the first frame.
        _ => match audio::find_frames(&prefix) {
            Some((skip, c)) => {
                start += skip as u64;
                c
            }
            None => {
                return Err(ProbeError::Unreadable {
                    container: Container::Mp3,
                    reason: "the ID3 tag is not followed by MP3 audio frames".into(),
                })
            }
        },
    };
    let parsed = match container {
        Container::Jpeg => image::jpeg(&mut src),
        Container::Png => image::png(&mut src),
        Container::Webp => image::webp(&mut src),
        Container::Mp4 | Container::Mov | Container::M4a => isobmff::parse(&mut src, container),
        Container::Webm => matroska::parse(&mut src),
        Container::Mp3 => audio::mp3(&mut src, start, audio::MP3_SCAN_CAP),
        Container::Wav => audio::wav(&mut src),
        Container::Aac => audio::adts(&mut src, start, audio::ADTS_SCAN_CAP),
        Container::Ogg => audio::ogg(&mut src),
        Container::Flac => audio::flac(&mut src, start),
    }
    .map_err(|f| to_probe_error(f, container))?;
    Ok(MediaInfo {
        container: parsed.container,
        kind: parsed.kind,
        size_bytes: len,
        duration: parsed.duration,
        width: parsed.width,
        height: parsed.height,
    })
}

fn to_probe_error(f: Fail, container: Container) -> ProbeError {
    match f {
        Fail::Io(e) => ProbeError::Io {
            path: None,
            reason: e.to_string(),
        },
        Fail::Truncated => ProbeError::Unreadable {
            container,
            reason: "the file ends before its headers do (it may be cut short or still \
                     downloading)"
                .into(),
        },
        Fail::Corrupt(reason) => ProbeError::Unreadable { container, reason },
        Fail::Foreign(name) => ProbeError::Unrecognized {
            detected: Some(name.to_string()),
        },
    }
}

/// What a parser found; `probe_inner` adds the file size.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub container: Container,
    pub kind: MediaKind,
    pub duration: Option<Duration>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

impl Parsed {
    pub(crate) fn image(container: Container, width: u32, height: u32) -> Self {
        Parsed {
            container,
            kind: MediaKind::Image,
            duration: None,
            width: Some(width),
            height: Some(height),
        }
    }

    pub(crate) fn audio(container: Container, duration: Option<Duration>) -> Self {
        Parsed {
            container,
            kind: MediaKind::Audio,
            duration,
            width: None,
            height: None,
        }
    }
}

/// How many leading bytes detection looks at.
const SNIFF_LEN: u64 = 4096;

/// Guesses the accepted format from the first bytes of a file (4 KiB is plenty; fewer
/// work for most formats). `None` when it is not an accepted format or cannot be told
/// from these bytes. [`probe_file`] also names formats it rejects.
pub fn sniff(prefix: &[u8]) -> Option<Container> {
    let mut rest = prefix;
    // Skip ID3v2 tags when they fit in the prefix; a tag longer than the prefix can only
    // be followed by audio we cannot see, and MP3 is by far the likeliest.
    for _ in 0..4 {
        match audio::id3_len(rest) {
            Some(n) if n < rest.len() => rest = &rest[n..],
            Some(_) => return Some(Container::Mp3),
            None => break,
        }
    }
    let after_id3 = rest.len() != prefix.len();
    match detect(rest, false) {
        Detected::Known(c) => Some(c),
        _ if after_id3 => Some(Container::Mp3),
        _ => None,
    }
}

/// The outcome of content sniffing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detected {
    Known(Container),
    /// Recognized, not accepted: the `detected` name of [`ProbeError::Unrecognized`].
    Other(&'static str),
    Unknown,
}

/// Sniffs `b` (the first bytes; `whole` when that is the entire file).
fn detect(b: &[u8], whole: bool) -> Detected {
    use Detected::{Known, Other};
    let starts = |m: &[u8]| b.starts_with(m);
    let at = |off: usize, m: &[u8]| b.len() >= off + m.len() && &b[off..off + m.len()] == m;

    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Known(Container::Jpeg);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Known(Container::Png);
    }
    if starts(b"RIFF") || starts(b"RF64") || starts(b"BW64") {
        if at(8, b"WEBP") {
            return Known(Container::Webp);
        }
        if at(8, b"WAVE") {
            return Known(Container::Wav);
        }
        if at(8, b"AVI ") {
            return Other("avi");
        }
    }
    if at(4, b"ftyp") {
        return isobmff::detect_ftyp(b);
    }
    // Classic QuickTime files may start straight with a movie atom, no `ftyp`.
    if b.len() >= 8 && be32_at(b, 0) >= 8 {
        let t = &b[4..8];
        if t == b"moov" || t == b"mdat" || t == b"wide" || t == b"pnot" {
            return Known(Container::Mov);
        }
    }
    if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return match matroska::doc_type(b) {
            Some(t) if t == b"webm" => Known(Container::Webm),
            Some(t) if t == b"matroska" => Other("mkv"),
            Some(_) => Detected::Unknown,
            // The header did not fit in the prefix: let the parser read it from the file.
            None => Known(Container::Webm),
        };
    }
    if starts(b"OggS") {
        return Known(Container::Ogg);
    }
    if starts(b"fLaC") {
        return Known(Container::Flac);
    }
    if let Some(c) = audio::detect_frames(b, whole) {
        return Known(c);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Other("gif");
    }
    if starts(b"BM") && b.len() >= 18 && matches!(b[14], 12 | 40 | 52 | 56 | 64 | 108 | 124) {
        return Other("bmp");
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return Other("tiff");
    }
    if starts(b"%PDF-") {
        return Other("pdf");
    }
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        return Other("zip");
    }
    if starts(&[0x1F, 0x8B]) {
        return Other("gzip");
    }
    if starts(b"Rar!\x1a\x07") {
        return Other("rar");
    }
    if starts(&[b'7', b'z', 0xBC, 0xAF, 0x27, 0x1C]) {
        return Other("7z");
    }
    if starts(b"FLV\x01") {
        return Other("flv");
    }
    if starts(&[0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11]) {
        return Other("asf");
    }
    if starts(b"FORM") && (at(8, b"AIFF") || at(8, b"AIFC")) {
        return Other("aiff");
    }
    if starts(b"caff") {
        return Other("caf");
    }
    if starts(b"#!AMR") {
        return Other("amr");
    }
    if starts(&[0, 0, 1, 0xBA]) {
        return Other("mpeg-ps");
    }
    // Transport streams: a 0x47 sync byte every 188 bytes.
    if b.len() >= 188 * 3 && (0..3).all(|i| b[i * 188] == 0x47) {
        return Other("mpeg-ts");
    }
    if let Some(t) = text_kind(b, whole) {
        return Other(t);
    }
    Detected::Unknown
}

fn be32_at(b: &[u8], off: usize) -> u32 {
    src::be32(&b[off..])
}

/// "html", "svg" or "plain text" when `b` reads as text (UTF-8 or UTF-16 with a BOM).
fn text_kind(b: &[u8], whole: bool) -> Option<&'static str> {
    let text: String = if b.starts_with(&[0xFF, 0xFE]) || b.starts_with(&[0xFE, 0xFF]) {
        let le = b[0] == 0xFF;
        let units: Vec<u16> = b[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    } else {
        match std::str::from_utf8(b) {
            Ok(s) => s.to_string(),
            // A multi-byte character cut by the end of the prefix is still text.
            Err(e) if !whole && e.error_len().is_none() && b.len() - e.valid_up_to() < 4 => {
                String::from_utf8_lossy(&b[..e.valid_up_to()]).into_owned()
            }
            Err(_) => return None,
        }
    };
    let text = text.trim_start_matches('\u{feff}');
    if text.is_empty()
        || text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c' | '\x1b'))
    {
        return None;
    }
    let lower = text.trim_start().to_ascii_lowercase();
    if lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || lower.starts_with("<head")
        || lower.starts_with("<body")
    {
        return Some("html");
    }
    if (lower.starts_with("<?xml") || lower.starts_with("<svg")) && lower.contains("<svg") {
        return Some("svg");
    }
    Some("plain text")
}

/// A warning when the file name disagrees with the content (named `.png`, holds a JPEG),
/// or has no extension. The service judges uploads partly by name, so the fix is a rename.
pub fn extension_mismatch(path: &Path, info: &MediaInfo) -> Option<String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let preferred = info.container.extensions().first().copied().unwrap_or("");
    let what = describe(info);
    let Some(ext) = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
    else {
        return Some(format!(
            "\"{name}\" has no extension but contains {what}; rename it to end in \
             .{preferred} so it is accepted."
        ));
    };
    if info.container.extensions().contains(&ext.as_str()) {
        return None;
    }
    Some(format!(
        "\"{name}\" is named .{ext} but contains {what}; rename it to end in .{preferred} \
         so it is sent as what it really is."
    ))
}

/// "a JPEG image", "an MP4 video", "an M4A audio file (MP4 with sound only)".
fn describe(info: &MediaInfo) -> String {
    let name = info.container.name();
    let article = if matches!(name.chars().next(), Some('A' | 'M' | 'O')) {
        "an"
    } else {
        "a"
    };
    match (info.container, info.kind) {
        (Container::M4a, _) => "M4A audio (an MP4 file with sound only)".to_string(),
        (c, MediaKind::Audio) if c.kind() == MediaKind::Video => {
            format!("{article} {name} file with sound only")
        }
        (_, MediaKind::Audio) => format!("{article} {name} audio file"),
        (_, kind) => format!("{article} {name} {kind}"),
    }
}

#[cfg(test)]
mod tests;
