//! Sequences as the window reads and edits them: the list, one sequence with its shots,
//! their takes and films, what "generate all" costs and what a run did. The rules stay in
//! the core (`seedance_core::sequence`, the ledger's sequences); this only reshapes.

use super::TaskState;
use seedance_core::ledger::{Film, Sequence, SequenceSummary, Shot, ShotLink, Take};
use seedance_core::pricing::format_credits;
use seedance_core::sequence::{SequenceQuote, ShotOutcome, ShotReport};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

mirror_core_enum! {
    /// How a shot follows the one before it: on its own, from the last frame of the
    /// previous take, or continuing that take (Seedance 2.5 Extend).
    pub enum ShotLinkName mirrors ShotLink {
        None,
        Keyframe,
        Extend,
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SequenceSummaryView {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub shots: u32,
    #[ts(type = "number")]
    pub updated_at_ms: i64,
}

impl From<SequenceSummary> for SequenceSummaryView {
    fn from(s: SequenceSummary) -> SequenceSummaryView {
        SequenceSummaryView {
            id: s.id,
            name: s.name,
            shots: s.shots,
            updated_at_ms: s.updated_at_ms,
        }
    }
}

/// One take of a shot: a task of the history.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TakeView {
    #[ts(type = "number")]
    pub task: i64,
    pub state: TaskState,
    /// Its video is in the library (so it has a poster).
    pub has_video: bool,
    /// `starred` or `rejected`, when the creator gave one.
    pub verdict: Option<String>,
}

impl From<&Take> for TakeView {
    fn from(t: &Take) -> TakeView {
        TakeView {
            task: t.task,
            state: t.state.into(),
            has_video: t.video_path.is_some(),
            verdict: t.verdict.map(|v| v.as_str().to_owned()),
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ShotView {
    #[ts(type = "number")]
    pub id: i64,
    /// 1-based place in the sequence.
    pub position: u32,
    pub prompt: String,
    /// The model's wire id (`seedance2-0`, …).
    pub model: String,
    pub model_label: String,
    pub duration_secs: u32,
    pub link: ShotLinkName,
    /// Oldest first.
    pub takes: Vec<TakeView>,
    /// The take the creator chose.
    #[ts(type = "number | null")]
    pub chosen: Option<i64>,
    /// The take the film uses: the chosen one, else the first in the library.
    #[ts(type = "number | null")]
    pub film_take: Option<i64>,
}

impl From<&Shot> for ShotView {
    fn from(s: &Shot) -> ShotView {
        ShotView {
            id: s.id,
            position: s.position,
            prompt: s.template.prompt.clone(),
            model: s.template.model.wire_id().to_owned(),
            model_label: s.template.model.label().to_owned(),
            duration_secs: s.template.duration_secs,
            link: s.link.into(),
            takes: s.takes.iter().map(TakeView::from).collect(),
            chosen: s.chosen,
            film_take: s.film_take().map(|t| t.task),
        }
    }
}

/// A film stitched from the sequence, in the library's `films` folder.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FilmView {
    #[ts(type = "number")]
    pub id: i64,
    pub path: String,
    /// Joined without re-encoding.
    pub lossless: bool,
    #[ts(type = "number")]
    pub made_at_ms: i64,
}

impl From<&Film> for FilmView {
    fn from(f: &Film) -> FilmView {
        FilmView {
            id: f.id,
            path: f.path.display().to_string(),
            lossless: f.lossless,
            made_at_ms: f.made_at_ms,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SequenceView {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub shots: Vec<ShotView>,
    /// Newest last.
    pub films: Vec<FilmView>,
}

impl From<&Sequence> for SequenceView {
    fn from(s: &Sequence) -> SequenceView {
        SequenceView {
            id: s.id,
            name: s.name.clone(),
            shots: s.shots.iter().map(ShotView::from).collect(),
            films: s.films.iter().map(FilmView::from).collect(),
        }
    }
}

/// A shot as the creator writes it; every other setting of the template is kept on
/// edit (new shots start from the model's defaults).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ShotInput {
    pub prompt: String,
    /// The model's wire id.
    pub model: String,
    pub duration_secs: u32,
    pub link: ShotLinkName,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ShotQuoteView {
    #[ts(type = "number")]
    pub shot: i64,
    pub position: u32,
    pub credits: f64,
    pub settled_credits: f64,
    /// The settled figure assumes the longest source (an extension of a take not made yet).
    pub upper_bound: bool,
}

/// What "generate all" will pay, before anything is sent.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SequenceQuoteView {
    /// The shots that would be sent, in order.
    pub shots: Vec<ShotQuoteView>,
    /// Shots that already have a take finished or on its way (not sent again).
    pub already_taken: u32,
    /// Reserved at submission.
    pub credits: f64,
    /// After success; equal to `credits` unless `settles_differently`.
    pub settled_credits: f64,
    pub settles_differently: bool,
    /// `credits` in words ("600 credits").
    pub credits_label: String,
    pub settled_label: String,
}

impl From<&SequenceQuote> for SequenceQuoteView {
    fn from(q: &SequenceQuote) -> SequenceQuoteView {
        SequenceQuoteView {
            shots: q
                .shots
                .iter()
                .map(|s| ShotQuoteView {
                    shot: s.shot,
                    position: s.position,
                    credits: s.credits,
                    settled_credits: s.settled_credits,
                    upper_bound: s.upper_bound,
                })
                .collect(),
            already_taken: u32::try_from(q.already_taken.len()).unwrap_or(u32::MAX),
            credits: q.credits,
            settled_credits: q.settled_credits,
            settles_differently: q.settles_differently(),
            credits_label: format_credits(q.credits),
            settled_label: format_credits(q.settled_credits),
        }
    }
}

/// Where a shot stands after a run of "generate all".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ShotStanding {
    Submitted,
    InProgress,
    Finished,
    WaitingForPrevious,
    Blocked,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ShotReportView {
    #[ts(type = "number")]
    pub shot: i64,
    pub position: u32,
    pub standing: ShotStanding,
    #[ts(type = "number | null")]
    pub task: Option<i64>,
    /// What to do, when blocked.
    pub reason: Option<String>,
}

impl From<&ShotReport> for ShotReportView {
    fn from(r: &ShotReport) -> ShotReportView {
        let (standing, task, reason) = match &r.outcome {
            ShotOutcome::Submitted { task } => (ShotStanding::Submitted, Some(*task), None),
            ShotOutcome::InProgress { task } => (ShotStanding::InProgress, Some(*task), None),
            ShotOutcome::Finished { task } => (ShotStanding::Finished, Some(*task), None),
            ShotOutcome::WaitingForPrevious { .. } => {
                (ShotStanding::WaitingForPrevious, None, None)
            }
            ShotOutcome::Blocked { reason } => (ShotStanding::Blocked, None, Some(reason.clone())),
        };
        ShotReportView {
            shot: r.shot,
            position: r.position,
            standing,
            task,
            reason,
        }
    }
}

/// What "Stitch" made.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StitchedFilmView {
    pub path: String,
    pub duration_secs: f64,
    pub lossless: bool,
    /// Why it was re-encoded, when it was.
    pub reasons: Vec<String>,
}
