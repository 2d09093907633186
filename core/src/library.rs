//! The creator's library folder: readable file names for finished videos and their last
//! frames, and downloading them there so an expiring result URL loses nothing.
//!
//! Owns the files it writes under the library root: `<name>.mp4.partial` while bytes
//! arrive, then fsync and an atomic rename to `<name>.mp4`, so a file with the final name
//! is always complete and a `.partial` is never shown as done. The HTTP streaming (with
//! `Range` resume) is `ApiClient::download_to`; recording the paths is the ledger's job
//! (`Ledger::set_downloaded`), called by the engine once this returns.

use crate::api::{ApiClient, ApiError};
use crate::ledger::TaskEntry;
use serde::{Deserialize, Serialize};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use time::{OffsetDateTime, UtcOffset};

/// Longest file stem, in characters, before the extension.
pub const MAX_STEM_CHARS: usize = 80;
/// Also a byte cap, so non-Latin prompts stay under the 255-byte name limit with
/// `.mp4.partial` appended.
const MAX_STEM_BYTES: usize = 160;
const MAX_ID_CHARS: usize = 40;
/// Appended to a file while it downloads.
pub const PARTIAL_SUFFIX: &str = ".partial";

/// The library folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Library {
    root: PathBuf,
    /// Offset for the date and time in file names. Taken once at construction: reading
    /// the local offset later, from a multi-threaded runtime, is unreliable on Unix.
    utc_offset: UtcOffset,
}

/// Which of a result's files a progress report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultFile {
    Video,
    LastFrame,
}

/// Bytes of one file received so far (including any resumed part).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadProgress {
    pub file: ResultFile,
    pub received: u64,
    pub total: Option<u64>,
}

/// What kind of disk problem stopped a download, for the UI to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiskProblem {
    ReadOnly,
    Full,
    NotAFolder,
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("task {id} has no finished video to download")]
    NoResult { id: i64 },
    /// The library folder or a file in it could not be written. Any `.partial` file is
    /// kept so the download resumes once the problem is fixed.
    #[error("{message}")]
    Disk {
        problem: DiskProblem,
        path: PathBuf,
        /// A sentence for the creator, naming the folder and what to do.
        message: String,
        #[source]
        source: std::io::Error,
    },
    /// The file could not be fetched; the task keeps its remote URL for a later try.
    #[error("the {file} could not be downloaded: {error}")]
    Download {
        file: &'static str,
        #[source]
        error: ApiError,
    },
}

impl LibraryError {
    /// Whether trying again later may succeed without the creator doing anything.
    pub fn is_retryable(&self) -> bool {
        match self {
            LibraryError::NoResult { .. } => false,
            LibraryError::Disk { .. } => false,
            LibraryError::Download { error, .. } => {
                !matches!(error, ApiError::Http { status, .. } if (400..500).contains(status) && *status != 408 && *status != 429)
            }
        }
    }
}

impl Library {
    /// A library at `root`, naming files in the machine's local time (UTC when the
    /// offset cannot be read). Call it early, before worker threads exist.
    pub fn new(root: impl Into<PathBuf>) -> Library {
        Library {
            root: root.into(),
            utc_offset: UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC),
        }
    }

    /// Same as [`Library::new`] with an explicit offset for names (tests, a setting).
    pub fn with_utc_offset(root: impl Into<PathBuf>, utc_offset: UtcOffset) -> Library {
        Library {
            root: root.into(),
            utc_offset,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A readable, portable file stem:
    /// `2026-11-25 1432 golden-retriever-running-through task_abc123` — creation date and
    /// time, the first words of the prompt, and the service's task id (unique).
    ///
    /// Safe on Windows, macOS and Linux: only letters and digits (any script, lower-cased)
    /// from the prompt, `-`, spaces and ASCII from the id; never a reserved device name
    /// (it starts with the date); at most [`MAX_STEM_CHARS`] characters.
    pub fn file_stem_for(&self, entry: &TaskEntry) -> String {
        let when =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(entry.created_at_ms) * 1_000_000)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH)
                .to_offset(self.utc_offset);
        let date = format!(
            "{:04}-{:02}-{:02} {:02}{:02}",
            when.year(),
            u8::from(when.month()),
            when.day(),
            when.hour(),
            when.minute()
        );
        let id = safe_id(entry);
        let budget_chars = MAX_STEM_CHARS.saturating_sub(date.len() + id.len() + 2);
        let budget_bytes = MAX_STEM_BYTES.saturating_sub(date.len() + id.len() + 2);
        let slug = slug(&entry.request.prompt, budget_chars, budget_bytes);
        format!("{date} {slug} {id}")
    }

    /// Where the video and its last frame go (whether or not they exist yet).
    pub fn paths_for(&self, entry: &TaskEntry) -> (PathBuf, PathBuf) {
        let stem = self.file_stem_for(entry);
        let output = entry.output.as_ref();
        let video_ext = match output {
            Some(o)
                if o.media_type.as_deref() == Some("video/quicktime")
                    || url_extension(&o.url).as_deref() == Some("mov") =>
            {
                "mov"
            }
            _ => "mp4",
        };
        let poster_ext = match output.and_then(|o| o.last_frame_image.as_deref()) {
            Some(url) if matches!(url_extension(url).as_deref(), Some("jpg" | "jpeg")) => "jpg",
            _ => "png",
        };
        (
            self.root.join(format!("{stem}.{video_ext}")),
            self.root.join(format!("{stem}.{poster_ext}")),
        )
    }

    /// Downloads the finished video (and its last frame, when the service gives one) into
    /// the library. Returns the final paths; the poster is `None` when the task has no
    /// last frame or its URL has expired (the 2.5 family's last frame lives 24 h).
    ///
    /// The last frame is fetched first: its link may expire (or run out of downloads)
    /// while a large video arrives, and the video's link does not.
    ///
    /// Idempotent and resumable: a file already under its final name is complete and is
    /// not fetched again; an existing `.partial` is continued with `Range`. On error the
    /// `.partial` is kept for the next try and nothing carries a final name.
    pub async fn download_result(
        &self,
        client: &ApiClient,
        entry: &TaskEntry,
        progress: &(dyn Fn(DownloadProgress) + Send + Sync),
    ) -> Result<(PathBuf, Option<PathBuf>), LibraryError> {
        let output = entry
            .output
            .as_ref()
            .ok_or(LibraryError::NoResult { id: entry.id })?;
        let (video, _) = self.paths_for(entry);
        let poster = self.save_last_frame(client, entry, progress).await?;
        self.fetch(client, &output.url, &video, ResultFile::Video, progress)
            .await?;
        Ok((video, poster))
    }

    /// Whether the result's last frame is a signed link that expires (the 2.5 family's,
    /// service-api §12.4): its query names an expiry (`X-Tos-Expires`, `X-Amz-Expires`,
    /// `Expires`). Such a frame is saved at success even when videos are not downloaded
    /// automatically.
    pub fn last_frame_expires(entry_output: &crate::api::OutputItem) -> bool {
        entry_output
            .last_frame_image
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .is_some_and(|u| {
                u.query_pairs()
                    .any(|(key, _)| key.to_ascii_lowercase().ends_with("expires"))
            })
    }

    /// Saves the result's last frame alone into the library (at once, when the task
    /// succeeds: the 2.5 family's link expires after 24 hours and serves a limited number
    /// of downloads). `None` when the task has no last frame or its link is gone (403,
    /// 404, 410); a file already saved is not fetched again.
    pub async fn save_last_frame(
        &self,
        client: &ApiClient,
        entry: &TaskEntry,
        progress: &(dyn Fn(DownloadProgress) + Send + Sync),
    ) -> Result<Option<PathBuf>, LibraryError> {
        let Some(url) = entry
            .output
            .as_ref()
            .and_then(|o| o.last_frame_image.as_deref())
        else {
            return Ok(None);
        };
        let (_, poster) = self.paths_for(entry);
        tokio::fs::create_dir_all(&self.root)
            .await
            .map_err(|e| self.disk_error(&self.root, e))?;
        match self
            .fetch(client, url, &poster, ResultFile::LastFrame, progress)
            .await
        {
            Ok(()) => Ok(Some(poster)),
            // Gone for good (an expired signed URL): the video is what matters.
            Err(LibraryError::Download {
                error:
                    ApiError::Http {
                        status: 403 | 404 | 410,
                        ..
                    },
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn fetch(
        &self,
        client: &ApiClient,
        url: &str,
        dest: &Path,
        file: ResultFile,
        progress: &(dyn Fn(DownloadProgress) + Send + Sync),
    ) -> Result<(), LibraryError> {
        if tokio::fs::metadata(dest).await.is_ok_and(|m| m.is_file()) {
            return Ok(());
        }
        let partial = partial_path(dest);
        // Opening the partial ourselves first turns an unwritable folder into a plain
        // disk error instead of a transport error from inside the download.
        tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&partial)
            .await
            .map_err(|e| self.disk_error(&partial, e))?;

        let report = |received: u64, total: u64| {
            progress(DownloadProgress {
                file,
                received,
                total: (total > 0).then_some(total),
            })
        };
        let file_name = match file {
            ResultFile::Video => "video",
            ResultFile::LastFrame => "last frame",
        };
        // `download_to` verifies the size and fsyncs the partial before it returns.
        match client.download_to(url, &partial, &report).await {
            // A size check passes for a 200 with an empty body (Content-Length: 0), but
            // no result file is empty: never give it the final name.
            Ok(outcome) if outcome.bytes == 0 => {
                let _ = tokio::fs::remove_file(&partial).await;
                return Err(LibraryError::Download {
                    file: file_name,
                    error: ApiError::Malformed {
                        endpoint: crate::api::Endpoint::Download,
                        status: 200,
                        reason: "the result file arrived empty".to_owned(),
                        raw: String::new(),
                    },
                });
            }
            Ok(_) => {}
            Err(error) => {
                return Err(match local_write_failure(&error) {
                    Some(source) => self.disk_error(&partial, source),
                    None => LibraryError::Download {
                        file: file_name,
                        error,
                    },
                });
            }
        }
        tokio::fs::rename(&partial, dest)
            .await
            .map_err(|e| self.disk_error(dest, e))?;
        sync_dir(&self.root)
            .await
            .map_err(|e| self.disk_error(&self.root, e))?;
        Ok(())
    }

    fn disk_error(&self, path: &Path, source: std::io::Error) -> LibraryError {
        let folder = self.root.display();
        let (problem, message) = match source.kind() {
            ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => (
                DiskProblem::ReadOnly,
                format!(
                    "The library folder {folder} cannot be written to. Choose another \
                     library folder in Settings, or allow writing to this one; the video \
                     stays available online until then."
                ),
            ),
            ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge => (
                DiskProblem::Full,
                format!(
                    "The disk holding the library folder {folder} is full. Free some space \
                     and the download will continue where it stopped."
                ),
            ),
            ErrorKind::NotADirectory | ErrorKind::NotFound | ErrorKind::AlreadyExists => (
                DiskProblem::NotAFolder,
                format!(
                    "The library folder {folder} is not a folder that can be used (part of \
                     its path is a file or is missing). Choose another library folder in \
                     Settings."
                ),
            ),
            _ => (
                DiskProblem::Other,
                format!(
                    "The video could not be saved in the library folder {folder} ({source}). \
                     It stays available online; try again later."
                ),
            ),
        };
        LibraryError::Disk {
            problem,
            path: path.to_owned(),
            message,
            source,
        }
    }
}

/// `download_to` reports a failed local write as a transport error whose detail starts
/// with "local file" and ends with the OS error; rebuild the I/O error so a full or
/// read-only disk gets the disk message, not a network one.
fn local_write_failure(error: &ApiError) -> Option<std::io::Error> {
    let ApiError::Transport { error, .. } = error else {
        return None;
    };
    if !error.detail.starts_with("local file") {
        return None;
    }
    let code = error
        .detail
        .rsplit_once("(os error ")
        .and_then(|(_, rest)| rest.trim_end_matches(')').parse::<i32>().ok());
    Some(match code {
        Some(code) => std::io::Error::from_raw_os_error(code),
        None => std::io::Error::other(error.detail.clone()),
    })
}

/// `<dest>.partial`.
pub fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest.as_os_str().to_owned();
    name.push(PARTIAL_SUFFIX);
    PathBuf::from(name)
}

/// Makes the rename itself durable (Unix: fsync of the directory). Windows has no
/// directory handle to sync; NTFS journals the rename.
async fn sync_dir(dir: &Path) -> std::io::Result<()> {
    if cfg!(unix) {
        let dir = dir.to_owned();
        tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
            .await
            .map_err(std::io::Error::other)??;
    }
    Ok(())
}

/// The service's task id with anything but ASCII letters, digits, `_` and `-` removed;
/// the local id when there is none.
fn safe_id(entry: &TaskEntry) -> String {
    let id: String = entry
        .remote_task_id
        .as_deref()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .take(MAX_ID_CHARS)
        .collect();
    if id.is_empty() {
        format!("local-{}", entry.id)
    } else {
        id
    }
}

/// The prompt's first words, lower-cased, joined by `-`, within both budgets; cut at a
/// word boundary unless the first word alone is too long. `video` when nothing is left.
fn slug(prompt: &str, max_chars: usize, max_bytes: usize) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for word in prompt
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word: String = word.chars().flat_map(char::to_lowercase).collect();
        let sep = usize::from(!out.is_empty());
        let word_chars = word.chars().count();
        if chars + sep + word_chars <= max_chars && out.len() + sep + word.len() <= max_bytes {
            if sep == 1 {
                out.push('-');
            }
            out.push_str(&word);
            chars += sep + word_chars;
            continue;
        }
        if out.is_empty() {
            for c in word.chars() {
                if chars + 1 > max_chars || out.len() + c.len_utf8() > max_bytes {
                    break;
                }
                out.push(c);
                chars += 1;
            }
        }
        break;
    }
    if out.is_empty() {
        "video".to_owned()
    } else {
        out
    }
}

/// The lower-cased extension of a URL's path, ignoring query and fragment.
fn url_extension(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let name = path.rsplit('/').next()?;
    let (_, ext) = name.rsplit_once('.')?;
    Some(ext.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_signed_last_frame_link_with_an_expiry_expires() {
        let item = |frame: Option<&str>| crate::api::OutputItem {
            url: "https://static.kinovi.ai/videos/a.mp4".into(),
            width: None,
            height: None,
            media_type: None,
            seed: None,
            last_frame_image: frame.map(str::to_owned),
        };
        assert!(Library::last_frame_expires(&item(Some(
            "https://ark.tos-cn-beijing.volces.com/x/cgt.jpeg?X-Tos-Algorithm=a&X-Tos-Expires=86400&X-Tos-Signature=s"
        ))));
        assert!(!Library::last_frame_expires(&item(Some(
            "https://static.kinovi.ai/videos/a_lastframe.png"
        ))));
        assert!(!Library::last_frame_expires(&item(None)));
    }

    #[test]
    fn slug_keeps_words_and_scripts_and_drops_punctuation() {
        assert_eq!(
            slug("A Golden Retriever: running/through *autumn*", 80, 160),
            "a-golden-retriever-running-through-autumn"
        );
        assert_eq!(
            slug("Ünïcødé café ☕ 東京の夜", 80, 160),
            "ünïcødé-café-東京の夜"
        );
        assert_eq!(slug("..//\\:*?\"<>|", 80, 160), "video");
        assert_eq!(slug("one two three", 7, 160), "one-two");
        assert_eq!(slug("abcdefghij", 4, 160), "abcd");
        assert_eq!(slug("東京東京東京", 80, 7), "東京");
    }

    #[test]
    fn url_extensions() {
        assert_eq!(
            url_extension("https://x/a/b.MOV?sig=1").as_deref(),
            Some("mov")
        );
        assert_eq!(
            url_extension("https://x/a/b_lastframe.jpg#f").as_deref(),
            Some("jpg")
        );
        assert_eq!(url_extension("https://x/a/b").as_deref(), None);
    }
}
