//! Render mode: making each successful task's result with ffmpeg so a gallery of fake
//! results looks like a library (a colour and the first words of the prompt, the task's own
//! length, frame size, codec and container, a tone unless the task is silent) instead of the
//! same test pattern. Owns the recipe ([`RenderSpec`]), the ffmpeg calls, the on-disk cache
//! keyed by the recipe's content, and the worker thread that renders ahead of the first read.
//!
//! Renders are blocking (ffmpeg runs as a child process) and happen either on the worker
//! thread, queued when a task succeeds, or on a blocking-pool thread when a file is read
//! first; a per-recipe lock makes the second of those wait for the first instead of
//! rendering twice.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use sha2::{Digest, Sha256};

/// Bumped whenever the recipe changes, so cached files of an older recipe are not reused.
const RECIPE: &str = "r1";
/// Frames per second of every result (service-api §12.1.3).
const FPS: u32 = 24;

/// Everything that decides what a rendered result looks like; equal specs give the same
/// files, so the files are cached by [`RenderSpec::key`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RenderSpec {
    /// The first words of the prompt, on at most two lines.
    pub title: String,
    /// A small caption: model, resolution, length.
    pub label: String,
    pub colour: [u8; 3],
    pub tone_hz: u32,
    /// Length in milliseconds.
    pub millis: u64,
    pub width: u32,
    pub height: u32,
    /// HEVC (`hvc1`) instead of H.264.
    pub hevc: bool,
    /// QuickTime with PCM audio instead of MP4 with AAC.
    pub mov: bool,
    pub audio: bool,
    /// The last frame as JPEG (2.5) instead of PNG (2.0).
    pub jpeg: bool,
}

/// What a task asked for and will return, as far as its rendered result shows it.
#[derive(Debug, Clone, Copy)]
pub struct ResultShape<'a> {
    pub prompt: &'a str,
    pub model: &'a str,
    pub resolution: &'a str,
    pub seconds: f64,
    pub width: u32,
    pub height: u32,
    pub hevc: bool,
    pub mov: bool,
    pub audio: bool,
    pub jpeg: bool,
}

impl RenderSpec {
    /// The result described by `shape`: its prompt, output length and size, codec,
    /// container and audio.
    pub fn for_result(shape: &ResultShape<'_>) -> RenderSpec {
        let seconds = shape.seconds;
        let shown = if (seconds - seconds.round()).abs() < 0.1 {
            format!("{} s", seconds.round())
        } else {
            format!("{seconds:.1} s")
        };
        let millis = (seconds.max(0.1) * 1000.0).round() as u64;
        let digest = Sha256::digest(clean_prompt(shape.prompt).as_bytes());
        RenderSpec {
            title: title_lines(shape.prompt),
            label: format!("{} · {} · {shown}", shape.model, shape.resolution),
            colour: prompt_colour(shape.prompt),
            tone_hz: 220 + u32::from(digest[4] % 40) * 11,
            millis,
            width: shape.width,
            height: shape.height,
            hevc: shape.hevc,
            mov: shape.mov,
            audio: shape.audio,
            jpeg: shape.jpeg,
        }
    }

    /// sha256 of the recipe and every field: the cache key and file stem.
    pub fn key(&self) -> String {
        let canonical = format!(
            "{RECIPE}|{}|{}|{:?}|{}|{}|{}x{}|{}|{}|{}|{}",
            self.title,
            self.label,
            self.colour,
            self.tone_hz,
            self.millis,
            self.width,
            self.height,
            self.hevc,
            self.mov,
            self.audio,
            self.jpeg
        );
        hex::encode(Sha256::digest(canonical.as_bytes()))
    }

    fn video_ext(&self) -> &'static str {
        if self.mov {
            "mov"
        } else {
            "mp4"
        }
    }

    fn frame_ext(&self) -> &'static str {
        if self.jpeg {
            "jpg"
        } else {
            "png"
        }
    }

    fn seconds(&self) -> String {
        format!("{:.3}", self.millis as f64 / 1000.0)
    }
}

/// The files of one rendered result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub video: PathBuf,
    pub last_frame: PathBuf,
}

/// The prompt without `[fake:…]` markers, whitespace collapsed.
pub fn clean_prompt(prompt: &str) -> String {
    let mut out = String::new();
    let mut rest = prompt;
    while let Some(start) = rest.find("[fake:") {
        out.push_str(&rest[..start]);
        match rest[start..].find(']') {
            Some(end) => rest = &rest[start + end + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The colour of a prompt's result: a hue from a stable hash of the prompt (markers
/// ignored), moderately saturated and dark enough for white text.
pub fn prompt_colour(prompt: &str) -> [u8; 3] {
    let d = Sha256::digest(clean_prompt(prompt).as_bytes());
    let hue = f64::from(u16::from_be_bytes([d[0], d[1]]) % 360);
    let sat = 0.45 + f64::from(d[2] % 25) / 100.0;
    let val = 0.42 + f64::from(d[3] % 20) / 100.0;
    hsv_to_rgb(hue, sat, val)
}

fn hsv_to_rgb(h: f64, s: f64, v: f64) -> [u8; 3] {
    let c = v * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = v - c;
    let (r, g, b) = match h as u32 {
        0..=59 => (c, x, 0.0),
        60..=119 => (x, c, 0.0),
        120..=179 => (0.0, c, x),
        180..=239 => (0.0, x, c),
        240..=299 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let to = |f: f64| ((f + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    [to(r), to(g), to(b)]
}

/// The first words of the prompt on at most two lines of about 24 characters; `…` when cut.
fn title_lines(prompt: &str) -> String {
    const LINE: usize = 24;
    let clean = clean_prompt(prompt);
    let mut lines: Vec<String> = vec![String::new()];
    let mut cut = false;
    for word in clean.split(' ').filter(|w| !w.is_empty()) {
        let word: String = word.chars().take(LINE).collect();
        let Some(line) = lines.last_mut() else { break };
        if line.is_empty() {
            line.push_str(&word);
        } else if line.chars().count() + 1 + word.chars().count() <= LINE {
            line.push(' ');
            line.push_str(&word);
        } else if lines.len() < 2 {
            lines.push(word);
        } else {
            cut = true;
            break;
        }
    }
    let mut text = lines.join("\n");
    if cut {
        text.push('…');
    }
    if text.trim().is_empty() {
        "Untitled".to_string()
    } else {
        text
    }
}

/// Checks that `ffmpeg` can render results: it runs, and it has H.264, HEVC, AAC, PCM, JPEG,
/// PNG and text drawing with a font. The error says what is missing and how to fix it.
pub fn check_ffmpeg(ffmpeg: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| format!("render check: {e}"))?;
    let spec = RenderSpec {
        title: "check".into(),
        label: "check".into(),
        colour: [40, 80, 120],
        tone_hz: 440,
        millis: 200,
        width: 64,
        height: 64,
        hevc: false,
        mov: false,
        audio: true,
        jpeg: true,
    };
    let hevc_mov = RenderSpec {
        hevc: true,
        mov: true,
        jpeg: false,
        ..spec.clone()
    };
    for s in [spec, hevc_mov] {
        render_into(dir.path(), &s, ffmpeg).map_err(|e| {
            format!("render mode (--render-results) needs ffmpeg with libx264, libx265, aac, drawtext and a font: {e}")
        })?;
    }
    Ok(())
}

/// The files `spec` renders to in `dir` (named by its key).
fn files_in(dir: &Path, spec: &RenderSpec) -> Rendered {
    let key = spec.key();
    Rendered {
        video: dir.join(format!("{key}.{}", spec.video_ext())),
        last_frame: dir.join(format!("{key}_last.{}", spec.frame_ext())),
    }
}

/// Renders `spec` into `dir`.
fn render_into(dir: &Path, spec: &RenderSpec, ffmpeg: &str) -> Result<Rendered, String> {
    let key = spec.key();
    let Rendered { video, last_frame } = files_in(dir, spec);
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    // The text goes through files so no prompt character needs escaping in the filter graph;
    // ffmpeg runs in `dir` so the graph only names plain relative files.
    let title_file = format!("{key}.title.txt");
    let label_file = format!("{key}.label.txt");
    std::fs::write(dir.join(&title_file), &spec.title).map_err(|e| e.to_string())?;
    std::fs::write(dir.join(&label_file), &spec.label).map_err(|e| e.to_string())?;
    let tmp_video = format!("{key}.part.{}", spec.video_ext());
    let tmp_frame = format!("{key}.part.{}", spec.frame_ext());

    let (w, h) = (spec.width.max(16), spec.height.max(16));
    let secs = spec.seconds();
    let longest = spec
        .title
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(1)
        .max(8);
    // DejaVu Sans glyphs average about 0.6 em: keep the title within 80% of the width.
    let title_size = (f64::from(h) / 10.0)
        .min(0.8 * f64::from(w) / (0.6 * longest as f64))
        .max(10.0)
        .round();
    let label_size = (f64::from(h) / 30.0).max(9.0).round();
    let [r, g, b] = spec.colour;
    // A slow light band and a gently bobbing title: enough motion to read as video.
    let graph = format!(
        "drawbox=x=0:y=ih*0.62+ih*0.1*sin(2*PI*t/5):w=iw:h=ih*0.06:color=white@0.12:t=fill,\
         drawtext=font=Sans:textfile={title_file}:expansion=none:fontcolor=white:\
         fontsize={title_size}:line_spacing={ls}:x=(w-text_w)/2:\
         y=(h-text_h)/2-h*0.05+h*0.01*sin(2*PI*t/2.5):shadowcolor=black@0.5:shadowx=2:shadowy=2,\
         drawtext=font=Sans:textfile={label_file}:expansion=none:fontcolor=white@0.75:\
         fontsize={label_size}:x=h/30:y=h-text_h-h/30",
        ls = (title_size / 5.0).round(),
    );
    let mut cmd = Command::new(ffmpeg);
    cmd.current_dir(dir)
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(["-f", "lavfi", "-i"])
        .arg(format!(
            "color=c=0x{r:02x}{g:02x}{b:02x}:s={w}x{h}:r={FPS}:d={secs}"
        ));
    if spec.audio {
        cmd.args(["-f", "lavfi", "-i"]).arg(format!(
            "sine=frequency={}:sample_rate=48000:duration={secs}",
            spec.tone_hz
        ));
    }
    cmd.args(["-filter:v", &graph]);
    if spec.hevc {
        cmd.args([
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-crf",
            "30",
            "-x265-params",
            "log-level=error",
            "-tag:v",
            "hvc1",
        ]);
    } else {
        cmd.args(["-c:v", "libx264", "-preset", "ultrafast", "-crf", "28"]);
    }
    cmd.args(["-pix_fmt", "yuv420p", "-threads", "1"]);
    if spec.audio {
        cmd.args(["-filter:a", "volume=0.2"]);
        if spec.mov {
            cmd.args(["-c:a", "pcm_s16le"]);
        } else {
            cmd.args(["-c:a", "aac", "-b:a", "96k"]);
        }
    } else {
        cmd.arg("-an");
    }
    cmd.args([
        "-t",
        &secs,
        "-movflags",
        "+faststart",
        "-f",
        spec.video_ext(),
    ])
    .arg(&tmp_video);
    run(cmd, ffmpeg)?;

    // The last frame is taken from the video itself (its final decoded frame).
    let mut cmd = Command::new(ffmpeg);
    cmd.current_dir(dir)
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(["-sseof", "-0.5", "-i", &tmp_video, "-an", "-update", "1"]);
    if spec.jpeg {
        cmd.args(["-q:v", "3"]);
    }
    cmd.args(["-f", "image2"]).arg(&tmp_frame);
    run(cmd, ffmpeg)?;

    let rename = |from: &str, to: &Path| {
        std::fs::rename(dir.join(from), to).map_err(|e| format!("cannot store a render: {e}"))
    };
    rename(&tmp_frame, &last_frame)?;
    rename(&tmp_video, &video)?;
    let _ = std::fs::remove_file(dir.join(&title_file));
    let _ = std::fs::remove_file(dir.join(&label_file));
    Ok(Rendered { video, last_frame })
}

fn run(mut cmd: Command, ffmpeg: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                format!("ffmpeg not found (`{ffmpeg}`); install ffmpeg or point the fake at it (--ffmpeg PATH, FakeConfig::ffmpeg)")
            } else {
                format!("cannot run `{ffmpeg}`: {e}")
            }
        })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{ffmpeg}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The rendered-file cache: a directory plus one lock per recipe key.
#[derive(Debug)]
struct Cache {
    dir: PathBuf,
    slots: Mutex<HashMap<String, Arc<Mutex<Option<Rendered>>>>>,
    renders: AtomicU64,
    render_millis: AtomicU64,
}

impl Cache {
    fn ensure(&self, spec: &RenderSpec, ffmpeg: &str) -> Result<Rendered, String> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            slots.entry(spec.key()).or_default().clone()
        };
        let mut done = slot.lock().unwrap_or_else(PoisonError::into_inner);
        // Files already there (this run, or an earlier one sharing the directory) are kept:
        // they are only ever written whole, by rename.
        let files = done.clone().unwrap_or_else(|| files_in(&self.dir, spec));
        if files.video.is_file() && files.last_frame.is_file() {
            *done = Some(files.clone());
            return Ok(files);
        }
        let started = Instant::now();
        let r = render_into(&self.dir, spec, ffmpeg)?;
        self.renders.fetch_add(1, Ordering::Relaxed);
        let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.render_millis.fetch_add(ms, Ordering::Relaxed);
        *done = Some(r.clone());
        Ok(r)
    }
}

/// Makes and caches rendered results. Errors are not cached: a render that failed (ffmpeg
/// missing, say) is tried again on the next read.
#[derive(Debug)]
pub struct Renderer {
    cache: Arc<Cache>,
    /// The worker's queue, started on the first prefetch; dropping the renderer ends it.
    worker: Mutex<Option<Sender<(RenderSpec, String)>>>,
}

impl Renderer {
    /// A renderer keeping its files in `dir`.
    pub fn new(dir: PathBuf) -> Renderer {
        Renderer {
            cache: Arc::new(Cache {
                dir,
                slots: Mutex::new(HashMap::new()),
                renders: AtomicU64::new(0),
                render_millis: AtomicU64::new(0),
            }),
            worker: Mutex::new(None),
        }
    }

    /// The files of `spec`, rendering them now if needed (blocking; run it off the async
    /// threads).
    pub fn ensure(&self, spec: &RenderSpec, ffmpeg: &str) -> Result<Rendered, String> {
        self.cache.ensure(spec, ffmpeg)
    }

    /// Queues `spec` for the worker thread so its files are ready before the first read.
    pub fn prefetch(&self, spec: RenderSpec, ffmpeg: &str) {
        let mut worker = self.worker.lock().unwrap_or_else(PoisonError::into_inner);
        if worker.is_none() {
            let (tx, rx) = mpsc::channel::<(RenderSpec, String)>();
            let cache = self.cache.clone();
            let spawned = std::thread::Builder::new()
                .name("fake-render".into())
                .spawn(move || {
                    for (spec, ffmpeg) in rx {
                        if let Err(e) = cache.ensure(&spec, &ffmpeg) {
                            tracing::warn!("rendering a result failed: {e}");
                        }
                    }
                });
            match spawned {
                Ok(_) => *worker = Some(tx),
                Err(e) => {
                    // The read path renders anyway; only the head start is lost.
                    tracing::warn!("no render worker: {e}");
                    return;
                }
            }
        }
        if let Some(tx) = worker.as_ref() {
            let _ = tx.send((spec, ffmpeg.to_string()));
        }
    }

    /// ffmpeg renders done so far and the milliseconds they took in total.
    pub fn counters(&self) -> (u64, u64) {
        (
            self.cache.renders.load(Ordering::Relaxed),
            self.cache.render_millis.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_give_stable_distinct_colours_and_titles() {
        let a = prompt_colour("A golden retriever [fake:gen=1] running");
        assert_eq!(a, prompt_colour("A golden retriever running"));
        assert_ne!(a, prompt_colour("A red bicycle on a cobblestone street"));
        assert_eq!(
            title_lines("A golden retriever running through autumn leaves in slow motion"),
            "A golden retriever\nrunning through autumn…"
        );
        assert_eq!(title_lines("[fake:stuck]  "), "Untitled");
        assert_eq!(clean_prompt("x [fake:fail=1001-busy] y [fake:"), "x y");
    }
}
