//! The command line: every subcommand and flag of `seedance`, and how flags become a
//! `GenerationRequest`. Parsing only; running them is `commands`'s job.

use clap::{Args, Parser, Subcommand, ValueEnum};
use seedance_core::ledger::{SequenceId, ShotId, ShotLink, TaskId};
use seedance_core::media::MediaKind;
use seedance_core::model::{AspectRatio, Catalog, Mode, ModelId, Resolution};
use seedance_core::request::{GenerationRequest, Reference, ReferenceSource};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "seedance",
    version,
    about = "Generate videos with Seedance 2.0 from the command line; shares its ledger, library and key with Seedance Studio.",
    after_help = "Exit codes: 0 success, 1 generation failed, 2 usage or input error (nothing sent), \
3 service or network error, 4 submission outcome unknown (check before resubmitting), 5 key problem, \
6 video finished but the library folder cannot be written, 7 the task was already retried (nothing \
sent; the message names the retry to follow), 130 stopped by Ctrl-C (requests already sent are \
recorded; follow them with `seedance resume --wait`).\n\
Ctrl-C: the first one waits for requests already on their way to the service so their task ids \
are recorded (at most the request timeout); a second one stops at once and leaves those tasks \
marked \"outcome unknown\".\n\
Environment: SEEDANCE_API_KEY (else the OS keychain), SEEDANCE_API_BASE, SEEDANCE_DATA_DIR, SEEDANCE_LIBRARY_DIR."
)]
pub struct Cli {
    /// Print one JSON object per result instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// The service's base URL. Wins over SEEDANCE_API_BASE, which wins over the address saved
    /// in the app's settings; the default is https://seedance2-pro.com/api/v1.
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Submit a generation (and with --wait, follow it until the video is in the library).
    Generate(GenerateArgs),
    /// Show the credits a generation would cost, without sending anything.
    Estimate(RequestArgs),
    /// Show one task from the ledger (by local id or service task id), refreshed from the service.
    Status {
        id: String,
        /// Do not ask the service; show what the ledger has.
        #[arg(long)]
        offline: bool,
    },
    /// List tasks in the ledger, newest first.
    List {
        /// Only tasks in this state (e.g. downloaded, failed, generating).
        #[arg(long)]
        state: Option<String>,
        /// Only tasks whose prompt contains this text.
        #[arg(long)]
        search: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Only starred takes.
        #[arg(long)]
        starred: bool,
    },
    /// Follow every unfinished task to its end (after a crash or a restart); sends no new paid request:
    /// no createTask at all (a task still queued stays queued and is listed).
    Resume(FollowArgs),
    /// Retry a failed generation as a new linked task, once: a task already retried is refused
    /// (exit 7) with the retry to follow instead.
    Retry {
        id: i64,
        /// Required to resubmit a task whose first submission may already have been charged.
        #[arg(long)]
        confirm_may_charge_twice: bool,
        #[command(flatten)]
        follow: FollowArgs,
    },
    /// Saved prompts and snippets: save, list, remove, search past prompts, export, import.
    Prompts {
        #[command(subcommand)]
        action: PromptsAction,
    },
    /// Credits per day and per model: reserved when sent, settled after success, refunded
    /// after a failure, and held by tasks still being made. Sends nothing.
    Spend {
        /// From this local day (YYYY-MM-DD); default: the last --days days.
        #[arg(long, value_name = "YYYY-MM-DD")]
        since: Option<String>,
        #[arg(long, default_value_t = 30, conflicts_with = "since")]
        days: u32,
        /// Print CSV (one row per day and model) instead of a table.
        #[arg(long)]
        csv: bool,
    },
    /// Sequences of shots: plan them, generate them in order, stitch the chosen takes into
    /// one film and export it for editors.
    Seq {
        #[command(subcommand)]
        action: SeqAction,
    },
    /// Star (keep) a take; `list --starred` shows the starred ones.
    Star {
        id: i64,
        /// Remove the star (or rejection) instead.
        #[arg(long)]
        clear: bool,
    },
    /// Reject a take (it stays in the history, marked rejected).
    Reject {
        id: i64,
        /// Remove the rejection (or star) instead.
        #[arg(long)]
        clear: bool,
    },
    /// Extend a finished task's clip: SECONDS of new footage following PROMPT
    /// (seedance2-5-extend), then the joined clip (source + new footage, one file) in the
    /// library. The source is sent as the service's link while it answers, else the library
    /// copy is uploaded. Prints what it reserves now and about what it settles at; a charge
    /// that settles higher than it reserves needs --yes.
    Extend {
        #[command(flatten)]
        from: FromTaskArgs,
        /// Seconds of new footage (4–30).
        #[arg(long)]
        seconds: u32,
    },
    /// Edit a finished task's clip (seedance2-5-edit): change what PROMPT says, keeping its
    /// motion and length. Prints what it reserves now and about what it settles at; a
    /// charge that settles higher than it reserves needs --yes.
    Edit {
        #[command(flatten)]
        from: FromTaskArgs,
    },
    /// Continue a finished task from its last frame: a Seedance 2.5 keyframe task of SECONDS
    /// following PROMPT, starting on the last frame saved in the library when the task
    /// succeeded (uploaded, so it works after the service's 24-hour link has expired).
    Continue {
        #[command(flatten)]
        from: FromTaskArgs,
        /// Seconds of new footage.
        #[arg(long)]
        seconds: u32,
    },
    /// What support needs to check or refund one task (failed, stuck, unknown, or a result
    /// unlike its request): ids, model, times, the service's code and message, credits
    /// reserved and settled, the request (no key, no local paths) and the app version.
    /// Printed as text (JSON with --json); --save also writes the JSON to FILE.
    SupportPacket {
        /// The local task number or the service's task id.
        id: String,
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
    },
    /// Manage the API key in the OS keychain. The key is never printed.
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyAction {
    /// Read the key from standard input (never from the command line, which other users can see) and store it.
    Set,
    /// Remove the key from the keychain.
    Clear,
    /// Whether a key is stored, and its last four characters.
    Status,
    /// Ask the service whether the key works (invalid, no API access, or valid).
    Test,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub request: RequestArgs,
    /// Refuse to submit if the estimate is above this many credits.
    #[arg(long, value_name = "CREDITS")]
    pub max_credits: Option<f64>,
    /// Send even if the same request was sent moments ago (a deliberate second take, paid again).
    #[arg(long)]
    pub again: bool,
    /// Make 1 to 4 takes of the request, each with its own seed, as one group (all paid;
    /// the spending cap counts them all before any is sent).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub takes: u32,
    #[command(flatten)]
    pub follow: FollowArgs,
}

/// A new clip made from a finished task.
#[derive(Debug, Args)]
pub struct FromTaskArgs {
    /// The finished task: its local number or the service's task id.
    pub id: String,
    /// What happens next (extend) or what to change (edit).
    #[arg(long, short = 'p')]
    pub prompt: String,
    /// The source's resolution when omitted (when the model offers it).
    #[arg(long, value_enum)]
    pub resolution: Option<ResolutionArg>,
    /// Go ahead although the charge settles higher than it reserves.
    #[arg(long)]
    pub yes: bool,
    /// Poll every SECONDS instead of the adaptive schedule (for scripts and tests).
    #[arg(long, value_name = "SECONDS")]
    pub poll_every: Option<f64>,
}

#[derive(Debug, Args)]
pub struct FollowArgs {
    /// Follow the task until it finishes and its video is downloaded.
    #[arg(long)]
    pub wait: bool,
    /// Poll every SECONDS instead of the adaptive schedule (for scripts and tests).
    #[arg(long, value_name = "SECONDS")]
    pub poll_every: Option<f64>,
}

#[derive(Debug, Args)]
pub struct RequestArgs {
    /// What the video should show (up to the model's limit: 10,000 characters for 2.0, 30,000 for 2.5).
    #[arg(long, short = 'p')]
    pub prompt: String,
    /// A model id of the catalogue (`seedance-20`, `seedance2-fast`, `seedance2.0-mini`,
    /// `seedance2-5`, `seedance2-5-extend`, `seedance2-5-edit`, ...).
    #[arg(long, default_value = "seedance-20", value_parser = parse_model)]
    pub model: ModelId,
    /// Length in seconds (the model's range; 4–15 for the 2.0 family, 4–30 for 2.5);
    /// the model's default when omitted. An edit takes none (it keeps its source's length).
    #[arg(long)]
    pub duration: Option<u32>,
    #[arg(long, value_enum, default_value_t = ResolutionArg::P720)]
    pub resolution: ResolutionArg,
    /// Frame shape; omitted, it follows the references (16:9 for text only).
    #[arg(long, value_enum)]
    pub aspect_ratio: Option<AspectArg>,
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// Generate a silent video.
    #[arg(long)]
    pub no_audio: bool,
    /// About 2–2.5× the bitrate.
    #[arg(long)]
    pub high_bitrate: bool,
    /// 0–4294967295, or -1 for random (the default). A seed does not make a clip reproducible.
    #[arg(long, allow_hyphen_values = true)]
    pub seed: Option<i64>,
    /// A reference image: a local file or an https URL. Repeat for more (up to 9).
    #[arg(long = "image", value_name = "FILE|URL")]
    pub images: Vec<String>,
    /// A reference video (up to 3, 15 s combined).
    #[arg(long = "video", value_name = "FILE|URL")]
    pub videos: Vec<String>,
    /// A reference audio clip (up to 3, 15 s combined; needs an image or video too).
    #[arg(long = "audio", value_name = "FILE|URL")]
    pub audios: Vec<String>,
}

impl RequestArgs {
    pub fn to_request(&self) -> GenerationRequest {
        let mut request = GenerationRequest::new(self.model, self.prompt.clone());
        if let Some(duration) = self.duration {
            request.duration_secs = duration;
        }
        request.resolution = self.resolution.into();
        request.aspect_ratio = self.aspect_ratio.map(Into::into);
        request.mode = self.mode.map(Into::into);
        request.generate_audio = !self.no_audio;
        request.high_bitrate = self.high_bitrate;
        request.seed = self.seed;
        for (kind, sources) in [
            (MediaKind::Image, &self.images),
            (MediaKind::Video, &self.videos),
            (MediaKind::Audio, &self.audios),
        ] {
            for source in sources {
                request.references.push(Reference {
                    kind,
                    source: reference_source(source),
                    duration_ms: None,
                });
            }
        }
        request
    }
}

/// Anything with a URL scheme is a URL; everything else is a path on this machine.
fn reference_source(text: &str) -> ReferenceSource {
    if text.starts_with("https://") || text.starts_with("http://") {
        ReferenceSource::Url {
            url: text.to_owned(),
        }
    } else {
        ReferenceSource::LocalFile {
            path: PathBuf::from(text),
            uploaded: None,
        }
    }
}

/// A model id the catalogue knows (`core/catalog/models.json`), exactly as the service
/// spells it.
pub fn parse_model(text: &str) -> Result<ModelId, String> {
    let catalog = Catalog::shipped();
    catalog.id(text.trim()).ok_or_else(|| {
        let known: Vec<&str> = catalog.ids().iter().map(|id| id.wire_id()).collect();
        format!("unknown model; use one of: {}", known.join(", "))
    })
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ResolutionArg {
    #[value(name = "480p")]
    P480,
    #[value(name = "720p")]
    P720,
    #[value(name = "1080p")]
    P1080,
    #[value(name = "4k")]
    K4,
}

impl From<ResolutionArg> for Resolution {
    fn from(value: ResolutionArg) -> Self {
        match value {
            ResolutionArg::P480 => Resolution::P480,
            ResolutionArg::P720 => Resolution::P720,
            ResolutionArg::P1080 => Resolution::P1080,
            ResolutionArg::K4 => Resolution::K4,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AspectArg {
    #[value(name = "16:9")]
    Landscape16x9,
    #[value(name = "9:16")]
    Portrait9x16,
    #[value(name = "1:1")]
    Square1x1,
    #[value(name = "4:3")]
    Landscape4x3,
    #[value(name = "3:4")]
    Portrait3x4,
    #[value(name = "21:9")]
    Cinema21x9,
}

impl From<AspectArg> for AspectRatio {
    fn from(value: AspectArg) -> Self {
        match value {
            AspectArg::Landscape16x9 => AspectRatio::Landscape16x9,
            AspectArg::Portrait9x16 => AspectRatio::Portrait9x16,
            AspectArg::Square1x1 => AspectRatio::Square1x1,
            AspectArg::Landscape4x3 => AspectRatio::Landscape4x3,
            AspectArg::Portrait3x4 => AspectRatio::Portrait3x4,
            AspectArg::Cinema21x9 => AspectRatio::Cinema21x9,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModeArg {
    Keyframe,
    Reference,
}

impl From<ModeArg> for Mode {
    fn from(value: ModeArg) -> Self {
        match value {
            ModeArg::Keyframe => Mode::Keyframe,
            ModeArg::Reference => Mode::Reference,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum PromptsAction {
    /// Save a prompt (or with --snippet, a piece to insert into prompts) under a name.
    Save {
        name: String,
        /// The text; read from standard input when left out.
        #[arg(long, short)]
        text: Option<String>,
        #[arg(long)]
        snippet: bool,
        /// Replace the text saved under this name.
        #[arg(long)]
        replace: bool,
    },
    /// List saved prompts whose name or text contains every word given.
    List { words: Vec<String> },
    /// Remove a saved prompt.
    Remove { name: String },
    /// Search the prompts of past tasks (each distinct prompt once, newest first).
    Past {
        words: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Write every saved prompt to one JSON file.
    Export { file: PathBuf },
    /// Add the prompts of an exported file; names already saved keep their text.
    Import { file: PathBuf },
}

// ---------------------------------------------------------------------------------------
// seq

#[derive(Debug, Subcommand)]
pub enum SeqAction {
    /// Start a new, empty sequence.
    New { name: String },
    /// List the sequences, most recently changed first.
    List,
    /// Show a sequence's shots, their takes and the chosen ones.
    Show { id: SequenceId },
    /// Rename a sequence.
    Rename { id: SequenceId, name: String },
    /// Delete a sequence (its takes stay in the history, its films in the library).
    Delete { id: SequenceId },
    /// Add a shot to a sequence.
    AddShot {
        id: SequenceId,
        #[command(flatten)]
        shot: ShotArgs,
        /// Put it at this place (1 = first); default: last.
        #[arg(long, value_name = "N")]
        at: Option<u32>,
    },
    /// Replace a shot's prompt, settings and link (its takes stay, to choose from).
    EditShot {
        shot: ShotId,
        #[command(flatten)]
        with: ShotArgs,
    },
    /// Move a shot to another place (1 = first).
    MoveShot { shot: ShotId, to: u32 },
    /// Remove a shot (its takes stay in the history).
    RemoveShot { shot: ShotId },
    /// Choose the take of a shot the film uses.
    Choose { shot: ShotId, task: TaskId },
    /// Show what generating the shots without a take costs; with --yes, generate them, each
    /// following shot once the take before it is in the library.
    Generate {
        id: SequenceId,
        /// Send (and pay for) the shots; without it nothing is sent.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        follow: FollowArgs,
    },
    /// Join the chosen takes, in order, into one video in the library.
    Stitch {
        id: SequenceId,
        /// Folder for the film; default: the library's `films` folder.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Write the sequence for editors (.otio, .fcpxml, .edl), referencing the library's files.
    Export {
        id: SequenceId,
        /// Folder for the files; default: the library's `films` folder.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Only these formats (repeat); default: all three.
        #[arg(long, value_enum)]
        format: Vec<FormatArg>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Otio,
    Fcpxml,
    Edl,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LinkArg {
    /// Generated on its own.
    None,
    /// Starts from the last frame of the previous shot's take.
    Keyframe,
    /// Continues the previous shot's take (Seedance 2.5 Extend).
    Extend,
}

#[derive(Debug, Args)]
pub struct ShotArgs {
    /// What the shot should show.
    #[arg(long, short = 'p')]
    pub prompt: String,
    /// Model id (seedance-20, seedance2-fast, seedance2-5, ...); default seedance-20, or
    /// seedance2-5-extend for --link extend.
    #[arg(long)]
    pub model: Option<String>,
    /// How the shot follows the one before it.
    #[arg(long, value_enum, default_value_t = LinkArg::None)]
    pub link: LinkArg,
    /// Length in seconds; default: the model's.
    #[arg(long)]
    pub duration: Option<u32>,
    #[arg(long, value_enum)]
    pub resolution: Option<ResolutionArg>,
    #[arg(long, value_enum)]
    pub aspect_ratio: Option<AspectArg>,
    /// Generate a silent shot.
    #[arg(long)]
    pub no_audio: bool,
    #[arg(long, allow_hyphen_values = true)]
    pub seed: Option<i64>,
    /// A reference image (local file or https URL); repeat for more.
    #[arg(long = "image", value_name = "FILE|URL")]
    pub images: Vec<String>,
}

impl ShotArgs {
    pub(crate) fn to_template(&self) -> Result<(GenerationRequest, ShotLink), String> {
        let link = match self.link {
            LinkArg::None => ShotLink::None,
            LinkArg::Keyframe => ShotLink::Keyframe,
            LinkArg::Extend => ShotLink::Extend,
        };
        let model = match &self.model {
            Some(id) => ModelId::from_wire_id(id).ok_or_else(|| {
                let known: Vec<&str> = ModelId::all().iter().map(|m| m.wire_id()).collect();
                format!(
                    "--model {id}: no such model; use one of {}",
                    known.join(", ")
                )
            })?,
            None if link == ShotLink::Extend => ModelId::Seedance25Extend,
            None => ModelId::Seedance20,
        };
        let mut request = GenerationRequest::new(model, self.prompt.clone());
        if let Some(secs) = self.duration {
            request.duration_secs = secs;
        }
        if let Some(resolution) = self.resolution {
            request.resolution = resolution.into();
        }
        request.aspect_ratio = self.aspect_ratio.map(Into::into);
        request.generate_audio = !self.no_audio;
        request.seed = self.seed;
        for image in &self.images {
            let source = if image.starts_with("https://") || image.starts_with("http://") {
                ReferenceSource::Url { url: image.clone() }
            } else {
                ReferenceSource::LocalFile {
                    path: PathBuf::from(image),
                    uploaded: None,
                }
            };
            request.references.push(Reference {
                kind: MediaKind::Image,
                source,
                duration_ms: None,
            });
        }
        Ok((request, link))
    }
}
