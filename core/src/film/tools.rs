//! The media tools as a port: ffprobe's description of a file and an ffmpeg run with
//! progress and cancellation. [`FfmpegCli`] runs the installed command-line tools; the
//! desktop shell or a test can put something else behind [`MediaTools`] (a bundled copy,
//! a recording fake).
//!
//! Owns finding the tools (a configured place, then `PATH`, then the places package
//! managers install to, which an app started from the Finder does not have on its `PATH`),
//! the plain-words error naming what to install when they are missing, and the process
//! rules: no console window, nothing read from stdin, a bounded tail of stderr kept for the
//! error message, and on cancellation the child killed and waited for before returning.
//! Must not: build ffmpeg command lines (the stitch does) or touch output files.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

use super::FilmError;

/// How long ffprobe may take on one file: it reads headers only, so anything longer is a
/// stuck network drive or a broken file, not work.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// How much of a tool's error output is kept for the message.
const STDERR_TAIL_BYTES: usize = 4096;

/// ffmpeg and ffprobe, or anything that answers like them.
pub trait MediaTools: Send + Sync {
    /// ffprobe's JSON (`-show_format -show_streams -show_data_hash CRC32`) for `path`.
    fn probe_json<'a>(&'a self, path: &'a Path) -> BoxFuture<'a, Result<String, FilmError>>;

    /// Runs ffmpeg with `args` (which ask for `-progress pipe:1`), calling `on_progress`
    /// with the output time reached at each progress report. `action` says what the run is
    /// for, in the error message ("join the clips"). When `cancel` fires, the process is
    /// killed and waited for, and the answer is [`FilmError::Cancelled`].
    fn run_ffmpeg<'a>(
        &'a self,
        args: Vec<OsString>,
        action: &'a str,
        on_progress: &'a (dyn Fn(Duration) + Send + Sync),
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<(), FilmError>>;
}

/// The installed `ffmpeg` and `ffprobe` programs.
#[derive(Debug, Clone)]
pub struct FfmpegCli {
    ffmpeg: PathBuf,
    ffprobe: PathBuf,
}

impl FfmpegCli {
    /// The tools at these exact paths (a configured location); not checked until used.
    pub fn at(ffmpeg: impl Into<PathBuf>, ffprobe: impl Into<PathBuf>) -> FfmpegCli {
        FfmpegCli {
            ffmpeg: ffmpeg.into(),
            ffprobe: ffprobe.into(),
        }
    }

    /// Finds both tools: in `configured` first (a folder holding them, or the path of
    /// `ffmpeg` with `ffprobe` beside it), then on `PATH`, then where Homebrew, MacPorts,
    /// winget and Debian put them.
    pub fn locate(configured: Option<&Path>) -> Result<FfmpegCli, FilmError> {
        let mut folders = Vec::new();
        if let Some(place) = configured {
            if place.is_dir() {
                folders.push(place.to_path_buf());
            } else if let Some(parent) = place.parent() {
                folders.push(parent.to_path_buf());
            }
        }
        if let Some(path) = std::env::var_os("PATH") {
            folders.extend(std::env::split_paths(&path));
        }
        folders.extend(well_known_folders());
        FfmpegCli::locate_in(folders)
    }

    /// Finds both tools in these folders only, first match wins.
    pub fn locate_in(folders: impl IntoIterator<Item = PathBuf>) -> Result<FfmpegCli, FilmError> {
        let folders: Vec<PathBuf> = folders.into_iter().collect();
        let find = |tool: &'static str| {
            folders
                .iter()
                .map(|folder| folder.join(executable_name(tool)))
                .find(|candidate| candidate.is_file())
                .ok_or_else(|| missing(tool))
        };
        Ok(FfmpegCli {
            ffmpeg: find("ffmpeg")?,
            ffprobe: find("ffprobe")?,
        })
    }

    pub fn ffmpeg_path(&self) -> &Path {
        &self.ffmpeg
    }

    pub fn ffprobe_path(&self) -> &Path {
        &self.ffprobe
    }
}

/// The error for a tool that is not there, with the install step for this system.
pub fn missing(tool: &'static str) -> FilmError {
    FilmError::ToolMissing {
        tool,
        hint: install_hint(),
    }
}

/// How to install ffmpeg (which brings ffprobe) on the system this runs on.
pub fn install_hint() -> String {
    if cfg!(target_os = "macos") {
        "Install it with Homebrew (`brew install ffmpeg`) or MacPorts (`sudo port install ffmpeg`), then try again.".to_owned()
    } else if cfg!(windows) {
        "Install it with `winget install Gyan.FFmpeg` in a terminal (or from ffmpeg.org, adding its bin folder to PATH), then restart Seedance Studio.".to_owned()
    } else {
        "Install the ffmpeg package (Debian and Ubuntu: `sudo apt install ffmpeg`; Fedora: `sudo dnf install ffmpeg`), then try again.".to_owned()
    }
}

fn executable_name(tool: &str) -> String {
    if cfg!(windows) {
        format!("{tool}.exe")
    } else {
        tool.to_owned()
    }
}

fn well_known_folders() -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = Vec::new();
    if cfg!(target_os = "macos") {
        folders
            .extend(["/opt/homebrew/bin", "/usr/local/bin", "/opt/local/bin"].map(PathBuf::from));
    } else if cfg!(windows) {
        if let Some(local) = std::env::var_os("LOCALAPPDATA") {
            folders.push(
                Path::new(&local)
                    .join("Microsoft")
                    .join("WinGet")
                    .join("Links"),
            );
        }
        if let Some(programs) = std::env::var_os("ProgramFiles") {
            folders.push(Path::new(&programs).join("ffmpeg").join("bin"));
        }
    } else {
        folders.extend(["/usr/bin", "/usr/local/bin", "/snap/bin"].map(PathBuf::from));
    }
    folders
}

fn command(program: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(windows)]
    {
        // CREATE_NO_WINDOW: a desktop app must not flash a console per run.
        command.creation_flags(0x0800_0000);
    }
    command
}

/// Maps a failed spawn: a program that is not there is a missing tool, not an I/O error.
fn spawn_error(tool: &'static str, program: &Path, error: std::io::Error) -> FilmError {
    if error.kind() == std::io::ErrorKind::NotFound {
        missing(tool)
    } else {
        FilmError::ToolFailed {
            tool,
            action: "start".to_owned(),
            detail: format!("{}: {error}", program.display()),
        }
    }
}

/// `file:` before a path keeps ffmpeg from reading a protocol (`a:b.mp4`) or an option
/// (`-x.mp4`) into it.
pub(crate) fn file_arg(path: &Path) -> OsString {
    let mut arg = OsString::from("file:");
    arg.push(path.as_os_str());
    arg
}

impl MediaTools for FfmpegCli {
    fn probe_json<'a>(&'a self, path: &'a Path) -> BoxFuture<'a, Result<String, FilmError>> {
        Box::pin(async move {
            let mut child = command(&self.ffprobe)
                .args(["-v", "error", "-hide_banner", "-print_format", "json"])
                .args(["-show_format", "-show_streams", "-show_data_hash", "CRC32"])
                .arg(file_arg(path))
                .spawn()
                .map_err(|e| spawn_error("ffprobe", &self.ffprobe, e))?;
            let (Some(mut stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take())
            else {
                return Err(FilmError::ToolFailed {
                    tool: "ffprobe",
                    action: "start".to_owned(),
                    detail: "its output could not be read".to_owned(),
                });
            };
            let run = async {
                let mut json = String::new();
                let (read, tail, status) = tokio::join!(
                    stdout.read_to_string(&mut json),
                    stderr_tail(stderr),
                    child.wait()
                );
                (read.map(|_| json), tail, status)
            };
            let (json, tail, status) =
                tokio::time::timeout(PROBE_TIMEOUT, run)
                    .await
                    .map_err(|_| FilmError::Unreadable {
                        path: path.to_path_buf(),
                        reason: format!(
                            "ffprobe did not finish within {} s.",
                            PROBE_TIMEOUT.as_secs()
                        ),
                    })?;
            let status = status.map_err(|e| spawn_error("ffprobe", &self.ffprobe, e))?;
            if !status.success() {
                return Err(FilmError::Unreadable {
                    path: path.to_path_buf(),
                    reason: if tail.trim().is_empty() {
                        format!("ffprobe stopped with {status}.")
                    } else {
                        format!("{}.", tail.trim().trim_end_matches('.'))
                    },
                });
            }
            json.map_err(|e| FilmError::Unreadable {
                path: path.to_path_buf(),
                reason: format!("ffprobe's answer could not be read ({e})."),
            })
        })
    }

    fn run_ffmpeg<'a>(
        &'a self,
        args: Vec<OsString>,
        action: &'a str,
        on_progress: &'a (dyn Fn(Duration) + Send + Sync),
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<(), FilmError>> {
        Box::pin(async move {
            if cancel.is_cancelled() {
                return Err(FilmError::Cancelled);
            }
            let mut child = command(&self.ffmpeg)
                .args(&args)
                .spawn()
                .map_err(|e| spawn_error("ffmpeg", &self.ffmpeg, e))?;
            let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
                let _ = child.start_kill();
                return Err(FilmError::ToolFailed {
                    tool: "ffmpeg",
                    action: action.to_owned(),
                    detail: "its output could not be read".to_owned(),
                });
            };
            let tail = tokio::spawn(stderr_tail(stderr));
            let mut lines = BufReader::new(stdout).lines();
            let mut reading = true;
            let status = loop {
                tokio::select! {
                    biased;
                    () = cancel.cancelled() => {
                        let _ = child.start_kill();
                        let _ = child.wait().await;
                        tail.abort();
                        return Err(FilmError::Cancelled);
                    }
                    line = lines.next_line(), if reading => match line {
                        Ok(Some(line)) => {
                            if let Some(at) = progress_time(&line) {
                                on_progress(at);
                            }
                        }
                        Ok(None) | Err(_) => reading = false,
                    },
                    status = child.wait(), if !reading => break status,
                }
            };
            let status = status.map_err(|e| spawn_error("ffmpeg", &self.ffmpeg, e))?;
            let tail = tail.await.unwrap_or_default();
            if status.success() {
                return Ok(());
            }
            Err(ffmpeg_failure(action, &status.to_string(), &tail))
        })
    }
}

/// The error for a failed ffmpeg run, recognising a build without the encoders we use.
pub(crate) fn ffmpeg_failure(action: &str, status: &str, tail: &str) -> FilmError {
    for (encoder, what) in [("libx264", "H.264 video"), ("aac", "AAC sound")] {
        if tail.contains(&format!("Unknown encoder '{encoder}'"))
            || tail.contains(&format!("Encoder '{encoder}' not found"))
        {
            return FilmError::EncoderMissing {
                what,
                encoder: if encoder == "aac" {
                    "the AAC encoder"
                } else {
                    "libx264"
                },
                hint: install_hint(),
            };
        }
    }
    let detail = tail.trim();
    FilmError::ToolFailed {
        tool: "ffmpeg",
        action: action.to_owned(),
        detail: if detail.is_empty() {
            format!("it stopped with {status}")
        } else {
            detail.to_owned()
        },
    }
}

/// The output time of one `-progress` line: `out_time_us=` (microseconds), the older
/// `out_time_ms=` (also microseconds, despite the name) or `out_time=HH:MM:SS.micro`.
pub fn progress_time(line: &str) -> Option<Duration> {
    let (key, value) = line.trim().split_once('=')?;
    match key {
        "out_time_us" | "out_time_ms" => value
            .parse::<i64>()
            .ok()
            .map(|us| Duration::from_micros(us.max(0) as u64)),
        "out_time" => {
            let mut parts = value.split(':');
            let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
            let secs = h.parse::<f64>().ok()? * 3600.0
                + m.parse::<f64>().ok()? * 60.0
                + s.parse::<f64>().ok()?;
            (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
        }
        _ => None,
    }
}

/// The last [`STDERR_TAIL_BYTES`] of a stream, read to its end so the child never blocks
/// on a full pipe.
async fn stderr_tail(stream: impl AsyncRead + Unpin) -> String {
    let mut reader = BufReader::new(stream);
    let mut tail: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 8192];
    loop {
        match reader.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                tail.extend_from_slice(&chunk[..n]);
                if tail.len() > 2 * STDERR_TAIL_BYTES {
                    tail.drain(..tail.len() - STDERR_TAIL_BYTES);
                }
            }
        }
    }
    if tail.len() > STDERR_TAIL_BYTES {
        tail.drain(..tail.len() - STDERR_TAIL_BYTES);
    }
    String::from_utf8_lossy(&tail).into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines_give_the_output_time() {
        assert_eq!(
            progress_time("out_time_us=1500000"),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            progress_time("out_time_ms=2000000"),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            progress_time("out_time=00:01:02.500000"),
            Some(Duration::from_millis(62_500))
        );
        assert_eq!(progress_time("out_time_us=-9000"), Some(Duration::ZERO));
        assert_eq!(progress_time("out_time=N/A"), None);
        assert_eq!(progress_time("frame=12"), None);
        assert_eq!(progress_time("progress=end"), None);
    }

    #[test]
    fn missing_tools_name_what_to_install() {
        let empty = tempfile::tempdir().unwrap();
        let err = FfmpegCli::locate_in([empty.path().to_path_buf()]).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("ffmpeg is not installed"), "{text}");
        assert!(
            text.contains("apt install ffmpeg") || text.contains("brew") || text.contains("winget"),
            "{text}"
        );
    }

    #[test]
    fn a_build_without_libx264_is_named() {
        let err = ffmpeg_failure("join", "exit status: 1", "Unknown encoder 'libx264'\n");
        assert!(matches!(err, FilmError::EncoderMissing { .. }), "{err}");
        assert!(err.to_string().contains("libx264"));
    }
}
