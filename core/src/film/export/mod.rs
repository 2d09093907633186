//! A timeline handed to an editor: OpenTimelineIO (`.otio`), Final Cut Pro XML
//! (`.fcpxml`, also read by DaVinci Resolve) and CMX 3600 EDL (`.edl`).
//!
//! Owns the rules shared by the three writers: files are referenced by absolute path or
//! `file://` URL (so the editor finds the library's files where they are), every clip
//! keeps its name and in/out points, and the sequence runs at the timeline's
//! [`SequenceFormat`](super::SequenceFormat). Each writer renders to a string; [`export`]
//! writes it so that the file is complete or absent. Must not touch the media files.

pub mod edl;
pub mod fcpxml;
pub mod otio;

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{FilmError, Timeline};

/// The editor formats a timeline can be exported to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditorFormat {
    /// OpenTimelineIO JSON (DaVinci Resolve 18.5+, Premiere through its plug-in, Nuke
    /// Studio, Hiero, OTIO tools).
    Otio,
    /// FCPXML 1.9 (Final Cut Pro 10.4.9+, DaVinci Resolve 17+).
    Fcpxml,
    /// CMX 3600 EDL (nearly every editor; one frame rate, names in comments).
    Edl,
}

impl EditorFormat {
    pub const ALL: [EditorFormat; 3] =
        [EditorFormat::Otio, EditorFormat::Fcpxml, EditorFormat::Edl];

    pub fn extension(self) -> &'static str {
        match self {
            EditorFormat::Otio => "otio",
            EditorFormat::Fcpxml => "fcpxml",
            EditorFormat::Edl => "edl",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EditorFormat::Otio => "OpenTimelineIO",
            EditorFormat::Fcpxml => "Final Cut Pro XML",
            EditorFormat::Edl => "CMX 3600 EDL",
        }
    }
}

/// The file's text for `timeline` in `format`.
pub fn render(timeline: &Timeline, format: EditorFormat) -> Result<String, FilmError> {
    timeline.check()?;
    match format {
        EditorFormat::Otio => otio::render(timeline),
        EditorFormat::Fcpxml => fcpxml::render(timeline),
        EditorFormat::Edl => edl::render(timeline),
    }
}

/// Writes `timeline` in `format` to `path` (replacing it), through a temporary file that is
/// fsynced and renamed, on a blocking thread.
pub async fn export(
    timeline: &Timeline,
    format: EditorFormat,
    path: &Path,
) -> Result<(), FilmError> {
    let text = render(timeline, format)?;
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        crate::files::write_atomically(&path, text.as_bytes())
            .map_err(|e| FilmError::io(&path, "written", e))
    })
    .await
    .map_err(|e| FilmError::Io {
        path: std::path::PathBuf::new(),
        action: "written",
        source: std::io::Error::other(e.to_string()),
    })?
}

/// The `file://` URL of an absolute path, percent-encoded (`file:///C:/…` on Windows).
pub(crate) fn file_url(path: &Path) -> Result<String, FilmError> {
    url::Url::from_file_path(path)
        .map(String::from)
        .map_err(|()| FilmError::NotAbsolute {
            path: path.to_path_buf(),
        })
}

/// A name with control characters (line breaks…) turned into spaces: none of the three
/// formats can carry them in a name.
pub(crate) fn one_line(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
