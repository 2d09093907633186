//! FCPXML 1.9: the timeline as a project in an event, its clips as `asset-clip`s on the
//! primary storyline, each file an `asset` with a `media-rep` pointing at its `file://` URL.
//!
//! 1.9 is the oldest version with `media-rep` (the form Final Cut Pro 10.5+ writes) and is
//! read by Final Cut Pro 10.4.9 and later and by DaVinci Resolve 17 and later. The document
//! follows Apple's DTD for 1.9: element order, required attributes, times as rational
//! seconds (`"1001/24000s"`). Offsets and durations on the storyline are whole frames of the
//! sequence's rate, so a clip shot at another rate still cuts on a frame boundary; a clip's
//! `start` (its in point) is in its own frames.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::super::{FrameRate, Timeline};
use super::{file_url, one_line};
use crate::film::FilmError;

pub const FCPXML_VERSION: &str = "1.9";

/// Rational seconds for `frames` frames at `rate`: `"0s"` or `"<frames·den>/<num>s"`.
pub fn time(frames: u64, rate: FrameRate) -> String {
    if frames == 0 {
        "0s".to_owned()
    } else {
        format!("{}/{}s", frames * u64::from(rate.den), rate.num)
    }
}

/// Final Cut Pro's name for the standard formats; others are described by size and rate
/// alone, which it accepts as a custom format.
fn format_name(width: u32, height: u32, rate: FrameRate) -> Option<String> {
    let size = match (width, height) {
        (1280, 720) => "720p",
        (1920, 1080) => "1080p",
        (3840, 2160) => "3840x2160p",
        _ => return None,
    };
    let rate = match (rate.num, rate.den) {
        (24000, 1001) => "2398",
        (30000, 1001) => "2997",
        (60000, 1001) => "5994",
        (n @ (24 | 25 | 30 | 50 | 60), 1) => return Some(format!("FFVideoFormat{size}{n}")),
        _ => return None,
    };
    Some(format!("FFVideoFormat{size}{rate}"))
}

pub fn render(timeline: &Timeline) -> Result<String, FilmError> {
    let sequence = timeline.format()?;
    let mut ids = Ids::default();
    let mut resources = Xml::new(2);

    let mut formats: HashMap<(u32, u32, FrameRate), String> = HashMap::new();
    let mut format_id = |xml: &mut Xml, ids: &mut Ids, width: u32, height: u32, rate: FrameRate| {
        formats
            .entry((width, height, rate))
            .or_insert_with(|| {
                let id = ids.next();
                let mut attrs = vec![("id", id.clone())];
                if let Some(name) = format_name(width, height, rate) {
                    attrs.push(("name", name));
                }
                attrs.extend([
                    ("frameDuration", time(1, rate)),
                    ("width", width.to_string()),
                    ("height", height.to_string()),
                    ("colorSpace", "1-1-1 (Rec. 709)".to_owned()),
                ]);
                xml.empty("format", &attrs);
                id
            })
            .clone()
    };
    let sequence_format = format_id(
        &mut resources,
        &mut ids,
        sequence.width,
        sequence.height,
        sequence.frame_rate,
    );

    let mut assets: HashMap<&std::path::Path, String> = HashMap::new();
    let mut spine = Xml::new(6);
    let mut offset = 0u64;
    for clip in &timeline.clips {
        let facts = &clip.facts;
        let rate = facts.video.frame_rate;
        let (width, height) = facts.video.display_size();
        let clip_format = format_id(&mut resources, &mut ids, width, height, rate);
        let asset = match assets.get(facts.path.as_path()) {
            Some(id) => id.clone(),
            None => {
                let id = ids.next();
                let mut attrs = vec![
                    ("id", id.clone()),
                    ("name", one_line(&facts.file_name())),
                    ("start", "0s".to_owned()),
                    ("duration", time(facts.video.frame_count, rate)),
                    ("hasVideo", "1".to_owned()),
                    ("format", clip_format.clone()),
                ];
                if let Some(audio) = &facts.audio {
                    attrs.extend([
                        ("hasAudio", "1".to_owned()),
                        ("audioSources", "1".to_owned()),
                        ("audioChannels", audio.channels.to_string()),
                        ("audioRate", audio.sample_rate.to_string()),
                    ]);
                }
                resources.open("asset", &attrs);
                resources.empty(
                    "media-rep",
                    &[
                        ("kind", "original-media".to_owned()),
                        ("src", file_url(&facts.path)?),
                    ],
                );
                resources.close("asset");
                assets.insert(facts.path.as_path(), id.clone());
                id
            }
        };
        let frames = clip.frames_at(sequence.frame_rate);
        spine.empty(
            "asset-clip",
            &[
                ("ref", asset),
                ("offset", time(offset, sequence.frame_rate)),
                ("name", one_line(&clip.name)),
                ("start", time(clip.in_frame, rate)),
                ("duration", time(frames, sequence.frame_rate)),
                ("format", clip_format),
                ("tcFormat", "NDF".to_owned()),
            ],
        );
        offset += frames;
    }

    let mut sequence_attrs = vec![
        ("format", sequence_format),
        ("duration", time(offset, sequence.frame_rate)),
        ("tcStart", "0s".to_owned()),
        ("tcFormat", "NDF".to_owned()),
    ];
    if timeline.clips.iter().any(|c| c.facts.audio.is_some()) {
        sequence_attrs.extend([
            ("audioLayout", "stereo".to_owned()),
            ("audioRate", "48k".to_owned()),
        ]);
    }
    let name = one_line(&timeline.name);
    let mut doc = Xml::new(0);
    doc.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE fcpxml>\n");
    doc.open("fcpxml", &[("version", FCPXML_VERSION.to_owned())]);
    doc.open("resources", &[]);
    doc.out.push_str(&resources.out);
    doc.close("resources");
    doc.open("library", &[]);
    doc.open("event", &[("name", "Seedance Studio".to_owned())]);
    doc.open("project", &[("name", name)]);
    doc.open("sequence", &sequence_attrs);
    doc.open("spine", &[]);
    doc.out.push_str(&spine.out);
    doc.close("spine");
    doc.close("sequence");
    doc.close("project");
    doc.close("event");
    doc.close("library");
    doc.close("fcpxml");
    Ok(doc.out)
}

/// Resource ids `r1`, `r2`…, in document order.
#[derive(Default)]
struct Ids(u32);

impl Ids {
    fn next(&mut self) -> String {
        self.0 += 1;
        format!("r{}", self.0)
    }
}

/// An indenting XML writer for elements and attributes (FCPXML has no text content here).
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn new(depth: usize) -> Xml {
        Xml {
            out: String::new(),
            depth,
        }
    }

    fn tag(&mut self, name: &str, attrs: &[(&str, String)], end: &str) {
        let _ = write!(self.out, "{:indent$}<{name}", "", indent = self.depth * 4);
        for (key, value) in attrs {
            let _ = write!(self.out, " {key}=\"{}\"", escape(value));
        }
        self.out.push_str(end);
        self.out.push('\n');
    }

    fn open(&mut self, name: &str, attrs: &[(&str, String)]) {
        self.tag(name, attrs, ">");
        self.depth += 1;
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, String)]) {
        self.tag(name, attrs, "/>");
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        let _ = writeln!(self.out, "{:indent$}</{name}>", "", indent = self.depth * 4);
    }
}

/// An attribute value: the five markup characters as entities; characters XML 1.0 cannot
/// carry at all (controls other than tab, line feed, carriage return) dropped; tab and line
/// breaks as character references so parsers do not normalise them to spaces.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rational_seconds_of_whole_frames() {
        assert_eq!(time(0, FrameRate::new(24, 1)), "0s");
        assert_eq!(time(120, FrameRate::new(24, 1)), "120/24s");
        assert_eq!(time(1, FrameRate::new(24000, 1001)), "1001/24000s");
        assert_eq!(
            format_name(1920, 1080, FrameRate::new(24000, 1001)).as_deref(),
            Some("FFVideoFormat1080p2398")
        );
        assert_eq!(format_name(1080, 1920, FrameRate::new(24, 1)), None);
    }

    #[test]
    fn attribute_values_are_escaped() {
        assert_eq!(
            escape("Tom & \"Jerry\" <1> it's\u{1}\n"),
            "Tom &amp; &quot;Jerry&quot; &lt;1&gt; it&apos;s&#10;"
        );
    }
}
