//! Whole-file probes of `seedance_core::media` against the ffmpeg fixtures in
//! tests/fixtures/media (regenerate with make.sh there), plus truncated, mutated, random
//! and huge sparse files that must never panic or read more than headers.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::io::{Cursor, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use seedance_core::media::{
    extension_mismatch, probe_file, probe_reader, sniff, Container, MediaKind, ProbeError,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/media")
        .join(name)
}

fn secs(d: Option<Duration>) -> f64 {
    d.map(|d| d.as_secs_f64()).unwrap_or(-1.0)
}

/// (file, container, kind, duration in s (None for images), width x height).
type Expected = (
    &'static str,
    Container,
    MediaKind,
    Option<f64>,
    Option<(u32, u32)>,
);

const ACCEPTED: &[Expected] = &[
    (
        "video.mp4",
        Container::Mp4,
        MediaKind::Video,
        Some(3.0),
        Some((64, 36)),
    ),
    (
        "video_faststart.mp4",
        Container::Mp4,
        MediaKind::Video,
        Some(3.0),
        Some((64, 36)),
    ),
    // Rotated 90° by the tkhd matrix: shown portrait.
    (
        "video_rotated.mp4",
        Container::Mp4,
        MediaKind::Video,
        Some(3.0),
        Some((36, 64)),
    ),
    (
        "video.mov",
        Container::Mov,
        MediaKind::Video,
        Some(3.0),
        Some((64, 36)),
    ),
    (
        "video.webm",
        Container::Webm,
        MediaKind::Video,
        Some(3.0),
        Some((64, 36)),
    ),
    // No Duration element: measured from the last cluster.
    (
        "video_streamed.webm",
        Container::Webm,
        MediaKind::Video,
        Some(3.0),
        Some((64, 36)),
    ),
    (
        "audio.wav",
        Container::Wav,
        MediaKind::Audio,
        Some(2.0),
        None,
    ),
    (
        "audio.flac",
        Container::Flac,
        MediaKind::Audio,
        Some(2.0),
        None,
    ),
    // Info tag with LAME delay/padding: the gapless length.
    (
        "audio.mp3",
        Container::Mp3,
        MediaKind::Audio,
        Some(2.0),
        None,
    ),
    // No Xing header: 30 whole frames of 576 samples at 8 kHz (as ffprobe reports).
    (
        "audio_noxing.mp3",
        Container::Mp3,
        MediaKind::Audio,
        Some(2.16),
        None,
    ),
    // ADTS frames include the encoder priming: 17 x 1024 samples at 8 kHz.
    (
        "audio.aac",
        Container::Aac,
        MediaKind::Audio,
        Some(2.176),
        None,
    ),
    (
        "audio.m4a",
        Container::M4a,
        MediaKind::Audio,
        Some(2.0),
        None,
    ),
    // Brand `isom`, but sound only: M4A.
    (
        "audio_only.mp4",
        Container::M4a,
        MediaKind::Audio,
        Some(2.0),
        None,
    ),
    (
        "audio.ogg",
        Container::Ogg,
        MediaKind::Audio,
        Some(2.0),
        None,
    ),
    (
        "audio_opus.ogg",
        Container::Ogg,
        MediaKind::Audio,
        Some(2.0),
        None,
    ),
    (
        "image.jpg",
        Container::Jpeg,
        MediaKind::Image,
        None,
        Some((64, 36)),
    ),
    (
        "image.png",
        Container::Png,
        MediaKind::Image,
        None,
        Some((64, 36)),
    ),
    (
        "image.webp",
        Container::Webp,
        MediaKind::Image,
        None,
        Some((64, 36)),
    ),
    (
        "image_lossless.webp",
        Container::Webp,
        MediaKind::Image,
        None,
        Some((64, 36)),
    ),
    (
        "image_alpha.webp",
        Container::Webp,
        MediaKind::Image,
        None,
        Some((64, 36)),
    ),
];

#[test]
fn accepted_fixtures_probe_to_known_values() {
    for &(name, container, kind, dur, dims) in ACCEPTED {
        let path = fixture(name);
        let info = probe_file(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(info.container, container, "{name}");
        assert_eq!(info.kind, kind, "{name}");
        assert_eq!(
            info.size_bytes,
            fs::metadata(&path).unwrap().len(),
            "{name}"
        );
        match dur {
            Some(want) => {
                let got = secs(info.duration);
                assert!(
                    (got - want).abs() <= 0.1,
                    "{name}: duration {got} s, want {want} s"
                );
            }
            None => assert_eq!(info.duration, None, "{name}"),
        }
        assert_eq!(info.width.zip(info.height), dims, "{name}");
        let prefix = fs::read(&path).unwrap();
        let sniffed = sniff(&prefix[..prefix.len().min(4096)]);
        // Sniffing cannot see that an `isom` file has no video track.
        let expect = if name == "audio_only.mp4" {
            Container::Mp4
        } else {
            container
        };
        assert_eq!(sniffed, Some(expect), "{name}");
        if name != "audio_only.mp4" {
            assert_eq!(extension_mismatch(&path, &info), None, "{name}");
        }
    }
}

#[test]
fn rejected_formats_are_named() {
    for (name, detected) in [
        ("video.mkv", "mkv"),
        ("image.gif", "gif"),
        ("image.bmp", "bmp"),
        ("doc.pdf", "pdf"),
        ("text_named.png", "plain text"),
    ] {
        let err = probe_file(&fixture(name)).unwrap_err();
        assert_eq!(
            err,
            ProbeError::Unrecognized {
                detected: Some(detected.into())
            },
            "{name}"
        );
        assert!(err.to_string().contains("the service accepts"), "{err}");
    }
    let gif = probe_file(&fixture("image.gif")).unwrap_err().to_string();
    assert!(
        gif.contains("GIF") && gif.contains("JPEG, PNG or WebP"),
        "{gif}"
    );
}

#[test]
fn empty_file_is_empty() {
    assert_eq!(probe_file(&fixture("empty.mp4")), Err(ProbeError::Empty));
}

#[test]
fn missing_file_is_io_with_path() {
    let err = probe_file(&fixture("no_such_file.mp4")).unwrap_err();
    assert!(
        matches!(&err, ProbeError::Io { path: Some(p), .. } if p.ends_with("no_such_file.mp4"))
    );
    let dir = probe_file(&fixture("")).unwrap_err();
    assert!(matches!(dir, ProbeError::Io { .. }));
}

#[test]
fn jpeg_named_png_is_jpeg_with_a_warning() {
    let path = fixture("jpeg_named.png");
    let info = probe_file(&path).unwrap();
    assert_eq!(info.container, Container::Jpeg);
    let warn = extension_mismatch(&path, &info).unwrap();
    assert!(
        warn.contains(".png") && warn.contains("JPEG") && warn.contains(".jpg"),
        "{warn}"
    );

    let audio = fixture("audio_only.mp4");
    let info = probe_file(&audio).unwrap();
    let warn = extension_mismatch(&audio, &info).unwrap();
    assert!(warn.contains(".m4a"), "{warn}");
    assert!(extension_mismatch(Path::new("clip"), &info).is_some());
    assert_eq!(extension_mismatch(Path::new("SHOT.M4A"), &info), None);
}

/// Every fixture cut at many offsets, as a half-finished download would be.
#[test]
fn truncated_fixtures_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<&str> = ACCEPTED.iter().map(|a| a.0).collect();
    names.extend(["video.mkv", "image.gif", "doc.pdf"]);
    for name in names {
        let full = fs::read(fixture(name)).unwrap();
        let n = full.len();
        let mut cuts = vec![
            1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 16, 20, 24, 28, 32, 40, 48, 64,
        ];
        cuts.extend([100, 128, 200, 256, 400, 512, 1000, 2000, 4096]);
        cuts.extend([n / 4, n / 2, 3 * n / 4, n.saturating_sub(100), n - 1]);
        for cut in cuts.into_iter().filter(|&c| c > 0 && c < n) {
            let path = dir.path().join(format!("cut_{cut}_{name}"));
            fs::write(&path, &full[..cut]).unwrap();
            let _ = probe_file(&path);
        }
    }
    // Cut videos must not pass as fine: their media is incomplete.
    for name in [
        "video.mp4",
        "video_faststart.mp4",
        "video.mov",
        "video.webm",
    ] {
        let full = fs::read(fixture(name)).unwrap();
        let half = &full[..full.len() / 2];
        let r = probe_reader(Cursor::new(half), half.len() as u64);
        assert!(
            matches!(r, Err(ProbeError::Unreadable { .. })),
            "{name} cut in half: {r:?}"
        );
    }
}

/// Top-level boxes of a small MP4 with 32-bit sizes, as (type, bytes).
fn boxes(b: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 8 <= b.len() {
        let size = u32::from_be_bytes(b[pos..pos + 4].try_into().unwrap()) as usize;
        let typ: [u8; 4] = b[pos + 4..pos + 8].try_into().unwrap();
        out.push((typ, &b[pos..pos + size]));
        pos += size;
    }
    out
}

/// Counts bytes read, to prove a probe reads headers only.
struct Counting<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[test]
fn huge_sparse_mp4_with_moov_at_the_end_probes_quickly() {
    let src = fs::read(fixture("video.mp4")).unwrap();
    let parts = boxes(&src);
    let ftyp = parts.iter().find(|p| &p.0 == b"ftyp").unwrap().1;
    let moov = parts.iter().find(|p| &p.0 == b"moov").unwrap().1;
    const MDAT: u64 = 600 * 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.mp4");
    let mut f = fs::File::create(&path).unwrap();
    f.write_all(ftyp).unwrap();
    // A 64-bit mdat header, then a 600 MB hole.
    f.write_all(&1u32.to_be_bytes()).unwrap();
    f.write_all(b"mdat").unwrap();
    f.write_all(&(16 + MDAT).to_be_bytes()).unwrap();
    let moov_at = ftyp.len() as u64 + 16 + MDAT;
    f.set_len(moov_at).unwrap();
    f.seek(SeekFrom::Start(moov_at)).unwrap();
    f.write_all(moov).unwrap();
    drop(f);

    let t = Instant::now();
    let info = probe_file(&path).unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(info.container, Container::Mp4);
    assert!((secs(info.duration) - 3.0).abs() <= 0.1);
    assert_eq!((info.width, info.height), (Some(64), Some(36)));
    assert!(info.size_bytes > MDAT);

    let file = fs::File::open(&path).unwrap();
    let len = file.metadata().unwrap().len();
    let mut counting = Counting {
        inner: file,
        read: 0,
    };
    probe_reader(&mut counting, len).unwrap();
    assert!(counting.read < 256 * 1024, "read {} bytes", counting.read);
}

#[test]
fn malicious_box_sizes_end_in_errors() {
    let ftyp = b"\0\0\0\x10ftypisom\0\0\0\0".to_vec();
    for tail in [
        &b"\0\0\0\x04free"[..],                   // smaller than its header
        &b"\0\0\0\x01mdat\0\0\0\0\0\0\0\x08"[..], // 64-bit size smaller than header
        &b"\0\0\0\x01mdat\xff\xff\xff\xff\xff\xff\xff\xff"[..], // absurd size
        &b"\0\0\0\x00moov\0\0\0\x08mvhd"[..],     // size 0, mvhd body missing
        &b"\0\0\0\x10moov\0\0\0\x00trak"[..],     // size-0 child
    ] {
        let mut b = ftyp.clone();
        b.extend_from_slice(tail);
        let r = probe_reader(Cursor::new(&b), b.len() as u64);
        assert!(
            matches!(r, Err(ProbeError::Unreadable { .. })),
            "{tail:?}: {r:?}"
        );
    }
}

fn probe_bytes(b: &[u8]) -> Result<seedance_core::media::MediaInfo, ProbeError> {
    probe_reader(Cursor::new(b), b.len() as u64)
}

const MAGICS: &[&[u8]] = &[
    b"",
    b"\0\0\0\x18ftypisom\0\0\0\0isommp41",
    b"\0\0\0\x14ftypqt  \0\0\0\0qt  ",
    b"\x1a\x45\xdf\xa3\x84\x42\x82\x84webm",
    b"OggS\0\x02",
    b"RIFF\0\0\0\0WAVE",
    b"RIFF\0\0\0\0WEBP",
    b"fLaC",
    b"ID3\x03\0\0\0\0\0\x10",
    b"\xff\xfb\x90\x64",
    b"\xff\xf1\x50\x80",
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(magic in 0..MAGICS.len(), body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut b = MAGICS[magic].to_vec();
        b.extend_from_slice(&body);
        let _ = probe_bytes(&b);
        let _ = sniff(&b);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0..ACCEPTED.len(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut b = fs::read(fixture(ACCEPTED[which].0)).unwrap();
        for (i, v) in edits {
            let at = i.index(b.len().min(4096));
            b[at] = v;
        }
        let _ = probe_bytes(&b);
    }
}
