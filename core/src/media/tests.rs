//! Unit tests for sniffing and messages; whole-file probes live in tests/media_probe.rs.

use super::*;

#[test]
fn sniff_magic_numbers() {
    assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), Some(Container::Jpeg));
    assert_eq!(
        sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        Some(Container::Png)
    );
    assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Container::Webp));
    assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), Some(Container::Wav));
    assert_eq!(
        sniff(b"\0\0\0\x14ftypqt  \0\0\0\0qt  "),
        Some(Container::Mov)
    );
    assert_eq!(
        sniff(b"\0\0\0\x14ftypM4A \0\0\0\0isom"),
        Some(Container::M4a)
    );
    assert_eq!(
        sniff(b"\0\0\0\x14ftypisom\0\0\0\0mp41"),
        Some(Container::Mp4)
    );
    assert_eq!(sniff(b"OggS\0\x02"), Some(Container::Ogg));
    assert_eq!(sniff(b"fLaC\0\0\0\x22"), Some(Container::Flac));
    assert_eq!(sniff(b"ID3\x04\0\0\0\0\x7f\x7f"), Some(Container::Mp3));
    assert_eq!(sniff(b"hello"), None);
    assert_eq!(sniff(b""), None);
}

#[test]
fn detect_names_rejected_formats() {
    let d = |b: &[u8]| detect(b, true);
    assert_eq!(d(b"GIF89a\x40\0\x24\0"), Detected::Other("gif"));
    assert_eq!(d(b"%PDF-1.7\n"), Detected::Other("pdf"));
    assert_eq!(d(b"PK\x03\x04\x14\0"), Detected::Other("zip"));
    assert_eq!(
        d(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
        Detected::Other("heic")
    );
    assert_eq!(
        d(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"),
        Detected::Other("avif")
    );
    assert_eq!(d(b"  <!DOCTYPE html><html>"), Detected::Other("html"));
    assert_eq!(
        d(b"<?xml version=\"1.0\"?>\n<svg xmlns="),
        Detected::Other("svg")
    );
    assert_eq!(
        d("caf\u{e9} notes\n".as_bytes()),
        Detected::Other("plain text")
    );
    assert_eq!(d(b"\xFF\xFEh\0i\0"), Detected::Other("plain text"));
    assert_eq!(d(b"\x00\x01\x02\x03binary"), Detected::Unknown);
}

#[test]
fn messages_name_problem_and_fix() {
    let gif = ProbeError::Unrecognized {
        detected: Some("gif".into()),
    };
    let m = gif.to_string();
    assert!(m.contains("GIF") && m.contains("JPEG, PNG or WebP"), "{m}");
    let none = ProbeError::Unrecognized { detected: None }.to_string();
    assert!(
        none.contains("MP4, MOV or WebM") && none.contains("FLAC"),
        "{none}"
    );
    assert!(ProbeError::Empty.to_string().contains("empty"));
}

#[test]
fn serde_is_snake_case() {
    let info = MediaInfo {
        container: Container::M4a,
        kind: MediaKind::Audio,
        size_bytes: 1,
        duration: None,
        width: None,
        height: None,
    };
    let j = serde_json::to_string(&info).unwrap_or_default();
    assert!(
        j.contains("\"container\":\"m4a\"") && j.contains("\"kind\":\"audio\""),
        "{j}"
    );
    let e = serde_json::to_string(&ProbeError::Empty).unwrap_or_default();
    assert_eq!(e, "\"empty\"");
}

#[test]
fn every_container_is_consistent() {
    for c in Container::ALL {
        assert!(!c.extensions().is_empty());
        assert!(c.mime().contains('/'));
        assert_eq!(sniff(&[]), None);
        let _ = c.kind();
    }
}
