//! When to ask the service about a running task next: one pure function of what we know
//! about the task ([`next_poll_delay`]), plus a virtual-time simulator of the documented
//! timing mixes ([`sim`]: the 2.0 family's and the Seedance 2.5 family's) that the
//! property tests and `poll-bench` share. What a model's window and "stuck after" are is
//! the catalogue's (`model::Catalog`), passed in by the engine.
//!
//! Owns the poll timing only. It sends nothing, sleeps nowhere and reads no clock: the
//! engine passes elapsed time and a jitter sample in and waits itself.
//!
//! The shape follows from where completions happen (service-api §4.5, §12.1.4) and what a
//! poll costs.
//! A poll at elapsed time `t` is paid by every task still running at `t`, while it can
//! only catch the completions that happen just before it. With a detection-delay target
//! `D`, an interval `d > D` misses the target for a fraction `1 − D/d` of the completions
//! it covers, and trading "polls paid" against "completions late" is linear in `1/d`:
//! the optimum is dense (≤ `D`) where the hazard rate `f(t)/S(t)` is highest and as
//! sparse as allowed elsewhere, until the completions seen in time reach the target
//! share (95 %). For completions spread over a window `[earliest, latest]` the hazard is
//! `1 / (latest − t)`: it passes any threshold a fixed time before `latest`, whatever the
//! window. Hence:
//!
//! - tasks that fetch references get early polls (a reference that cannot be fetched
//!   fails the task within seconds); a text-only task gets one, which also tells how long
//!   it queued (the window moves by that);
//! - at most 60 s between polls before the window, where the documented mix has no
//!   completions;
//! - a medium interval inside the window before its last `dense_span` seconds, where the
//!   widest windows (2–6 min, 4k, 2.5 at 1080p) put the few completions the 5 % may miss;
//! - dense polls (≈ 2.9 s, under `D`) through the last `dense_span` of the window. The
//!   threshold that reaches 95 % depends on the population: 140 s suffices for the 2.0
//!   family, while the 2.5 family's wider windows (3–6 and 4–11 min) need 260 s, which
//!   their catalogue entries ask for ([`TimeWindow::dense_span`]); one span for both would
//!   make the 2.0 family pay for the 2.5 family's windows;
//! - a gentle back-off after it, and every 60 s once the task counts as stuck.
//!
//! `poll-bench` measures it against fixed 2 s polling and prints the relaxed lower
//! bound of any schedule on the same mix, for each longest allowed gap.

use std::time::Duration;

use crate::model::TimeWindow;

/// What the last answer said about the task. Before the first answer it is `Waiting`
/// (createTask only says the task exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolledStatus {
    Waiting,
    Generating,
}

/// Everything the schedule looks at. All durations are measured from the moment the
/// service accepted the task (the createTask answer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollContext {
    /// Time since submission, now.
    pub elapsed: Duration,
    /// The model's expected completion window (`ModelId::expected_generation`).
    pub window: TimeWindow,
    pub status: PolledStatus,
    /// Elapsed time of the first answer that said `generating`; `None` until then. The
    /// queue wait it reveals shifts the expected window.
    pub generating_since: Option<Duration>,
    /// Polls made so far (successful or not).
    pub polls_made: u32,
    /// Failed polls in a row (transport errors, 5xx, unreadable answers); 0 after any
    /// readable answer.
    pub consecutive_errors: u32,
    /// The model's documented "treat as stuck after" (`ModelId::stuck_after`).
    pub stuck_after: Duration,
    /// The service downloads reference media for this task (videos, images or audio). A
    /// reference it cannot fetch fails the task within seconds (service-api §3.4, §4.5), so
    /// such tasks get the early polls; a text-only task has nothing to fetch.
    pub fetches_references: bool,
    /// A uniform sample in `[0, 1)` from the caller's RNG; spreads the polls of many tasks
    /// so they never fire in step. Out-of-range or NaN values are clamped.
    pub jitter: f64,
}

impl PollContext {
    /// A context for a task just submitted, with no jitter (`0.5` is the centre), assumed
    /// to fetch references (the early polls apply).
    pub fn new(window: TimeWindow, stuck_after: Duration) -> PollContext {
        PollContext {
            elapsed: Duration::ZERO,
            window,
            status: PolledStatus::Waiting,
            generating_since: None,
            polls_made: 0,
            consecutive_errors: 0,
            stuck_after,
            fetches_references: true,
            jitter: 0.5,
        }
    }
}

/// The tunable shape of the schedule. [`PollSchedule::default`] is what the app uses;
/// the benchmark sweeps the others to show the trade-off.
#[derive(Debug, Clone, PartialEq)]
pub struct PollSchedule {
    /// Elapsed times of the first polls of a task that fetches references, ascending: a
    /// reference that cannot be fetched fails the task within seconds.
    pub early: Vec<Duration>,
    /// The same for a text-only task, which has no such fast failure to catch.
    pub early_text_only: Vec<Duration>,
    /// Interval where completions are likely: the last `dense_span` of the window.
    pub dense: Duration,
    /// How much of the end of the window is polled densely (all of it when the window is
    /// shorter), at least: a model's table may ask for more ([`TimeWindow::dense_span`]).
    /// Where the window starts earlier than that, the hazard is too low to pay for dense
    /// polls.
    pub dense_span: Duration,
    /// Whether a model's own dense span ([`TimeWindow::dense_span`]) applies; `false`
    /// gives every model `dense_span` (for comparison in `poll-bench`).
    pub model_dense_span: bool,
    /// Interval inside the window before the dense span.
    pub medium: Duration,
    /// The dense span starts this much early, so a completion right at its start is seen.
    pub lead: Duration,
    /// The longest interval before the window (and after it, once backed off).
    pub sparse: Duration,
    /// After `latest`, the interval grows by this many seconds per second late.
    pub backoff_slope: f64,
    /// The interval once the task counts as stuck.
    pub stuck_interval: Duration,
    /// A task is stuck after `max(stuck_after, latest + stuck_margin)`.
    pub stuck_margin: Duration,
    /// Queue time the documented windows already include; a longer `waiting` phase
    /// shifts the window by the excess.
    pub nominal_queue: Duration,
    /// The most a long `waiting` phase may shift the window (a service that never
    /// reports `generating` must not push polling to the sparse rate for long).
    pub max_queue_shift: Duration,
    /// Relative spread of every interval, ± this fraction.
    pub jitter_fraction: f64,
    /// After `n` failed polls in a row the delay is at least
    /// `min(error_cap, error_base × 2^(n−1))`, half of it jittered.
    pub error_base: Duration,
    pub error_cap: Duration,
}

/// No two polls of one task are ever closer than this.
pub const MIN_POLL_DELAY: Duration = Duration::from_secs(1);
/// No delay ever exceeds this (stuck tasks and long error streaks included).
pub const MAX_POLL_DELAY: Duration = Duration::from_secs(120);

impl Default for PollSchedule {
    fn default() -> Self {
        PollSchedule {
            early: vec![
                Duration::from_secs(4),
                Duration::from_secs(7),
                Duration::from_secs(10),
            ],
            early_text_only: vec![Duration::from_secs(10)],
            dense: Duration::from_millis(2_900),
            dense_span: Duration::from_secs(140),
            model_dense_span: true,
            medium: Duration::from_secs(20),
            lead: Duration::ZERO,
            sparse: Duration::from_secs(60),
            backoff_slope: 0.1,
            stuck_interval: Duration::from_secs(60),
            stuck_margin: Duration::from_secs(120),
            nominal_queue: Duration::from_secs(10),
            max_queue_shift: Duration::from_secs(120),
            jitter_fraction: 0.02,
            error_base: Duration::from_secs(2),
            error_cap: Duration::from_secs(60),
        }
    }
}

/// The delay before the next `recordInfo` of one task, with the app's schedule.
///
/// Always within `[MIN_POLL_DELAY, MAX_POLL_DELAY]`; without errors and before the task
/// counts as stuck, never more than 60 s (plus jitter it never exceeds 60 s either).
pub fn next_poll_delay(ctx: &PollContext) -> Duration {
    PollSchedule::default().next_delay(ctx)
}

impl PollSchedule {
    /// Elapsed time after which the task counts as stuck: `max(stuck_after, latest +
    /// stuck_margin)`.
    pub fn stuck_at(&self, window: TimeWindow, stuck_after: Duration) -> Duration {
        stuck_after.max(window.latest.saturating_add(self.stuck_margin))
    }

    /// See [`next_poll_delay`].
    pub fn next_delay(&self, ctx: &PollContext) -> Duration {
        let jitter = if ctx.jitter.is_finite() {
            ctx.jitter.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let t = ctx.elapsed.as_secs_f64();
        let stuck = ctx.elapsed >= self.stuck_at(ctx.window, ctx.stuck_after);
        let (base, cap) = if stuck {
            (secs(self.stuck_interval), secs(self.stuck_interval))
        } else {
            (self.healthy_delay(ctx, t), secs(self.sparse))
        };
        let spread = 1.0 + self.jitter_fraction.clamp(0.0, 0.5) * (2.0 * jitter - 1.0);
        let mut delay = (base * spread).min(cap);
        if ctx.consecutive_errors > 0 {
            let exponent = i32::try_from(ctx.consecutive_errors.min(30) - 1).unwrap_or(30);
            let backoff = (secs(self.error_base) * 2f64.powi(exponent)).min(secs(self.error_cap));
            delay = delay.max(backoff * (0.5 + 0.5 * jitter));
        }
        let clamped = delay.clamp(secs(MIN_POLL_DELAY), secs(MAX_POLL_DELAY));
        Duration::from_secs_f64(if clamped.is_finite() {
            clamped
        } else {
            secs(MAX_POLL_DELAY)
        })
    }

    /// The un-jittered interval before the task counts as stuck.
    fn healthy_delay(&self, ctx: &PollContext, t: f64) -> f64 {
        let dense = secs(self.dense);
        // Early polls: land on the next planned instant.
        let early = if ctx.fetches_references {
            &self.early
        } else {
            &self.early_text_only
        };
        if let Some(next) = early.iter().map(|d| secs(*d)).find(|&at| at > t) {
            return next - t;
        }
        let queued_for = match (ctx.generating_since, ctx.status) {
            (Some(seen), _) => secs(seen),
            (None, PolledStatus::Waiting) => t,
            (None, PolledStatus::Generating) => 0.0,
        };
        let shift = (queued_for - secs(self.nominal_queue)).clamp(0.0, secs(self.max_queue_shift));
        let earliest = secs(ctx.window.earliest) + shift;
        let latest = (secs(ctx.window.latest) + shift).max(earliest);
        let model_span = match ctx.window.dense_span {
            Some(span) if self.model_dense_span => secs(span),
            _ => 0.0,
        };
        let span = secs(self.dense_span).max(model_span);
        let dense_from = (earliest.max(latest - span) - secs(self.lead)).max(0.0);
        if t < earliest.min(dense_from) {
            // Sparse, but land on the next phase instead of jumping past it.
            (earliest.min(dense_from) - t)
                .min(secs(self.sparse))
                .max(dense)
        } else if t < dense_from {
            (dense_from - t).min(secs(self.medium)).max(dense)
        } else if t < latest {
            dense
        } else {
            (dense + (t - latest) * self.backoff_slope).min(secs(self.sparse))
        }
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Virtual-time simulation of polling over the documented timing mix (service-api §4.5):
/// no clock, no I/O, deterministic for a seeded RNG. Shared by `tests/schedule_sim.rs`
/// and the `poll-bench` binary so both measure the same thing.
pub mod sim {
    use super::{PollContext, PollSchedule, PolledStatus};
    use crate::model::{ModelId, Resolution, TimeWindow};
    use rand::Rng;
    use std::time::Duration;

    /// One simulated task: what the schedule is told, and the truth it must discover.
    #[derive(Debug, Clone, PartialEq)]
    pub struct SimTask {
        pub class: &'static str,
        pub window: TimeWindow,
        pub stuck_after: Duration,
        pub fetches_references: bool,
        /// Seconds after submission when the service starts `generating`.
        pub generating_at: f64,
        /// Seconds after submission when the task reaches `success` or `fail`.
        pub completes_at: f64,
    }

    /// A class of the mix: its share, the model settings the app would pass, and where
    /// its completions fall.
    #[derive(Debug, Clone, Copy)]
    pub struct MixClass {
        pub name: &'static str,
        pub weight: f64,
        pub model: ModelId,
        pub resolution: Resolution,
        pub reference_video: bool,
        /// Completion time, seconds after submission, drawn uniformly from this range.
        pub completes: (f64, f64),
    }

    /// The documented mix: 2–4 min for 480p–1080p (fast 480p 2–3 min, mini 720p up to
    /// 6 min), ~8 min at 4k, 5–7 min with a reference video, and failures of bad
    /// references within seconds. Weights are our guess at a creator's usage.
    pub const DOCUMENTED_MIX: &[MixClass] = &[
        MixClass {
            name: "2.0 480p-1080p (2-4 min)",
            weight: 0.38,
            model: ModelId::Seedance20,
            resolution: Resolution::P720,
            reference_video: false,
            completes: (120.0, 240.0),
        },
        MixClass {
            name: "fast 480p (2-3 min)",
            weight: 0.08,
            model: ModelId::Seedance2Fast,
            resolution: Resolution::P480,
            reference_video: false,
            completes: (120.0, 180.0),
        },
        MixClass {
            name: "fast 720p (2-4 min)",
            weight: 0.08,
            model: ModelId::Seedance2Fast,
            resolution: Resolution::P720,
            reference_video: false,
            completes: (120.0, 240.0),
        },
        MixClass {
            name: "mini 720p (2-6 min)",
            weight: 0.06,
            model: ModelId::Seedance20Mini,
            resolution: Resolution::P720,
            reference_video: false,
            completes: (120.0, 360.0),
        },
        MixClass {
            name: "4k (~8 min)",
            weight: 0.08,
            model: ModelId::Seedance20,
            resolution: Resolution::K4,
            reference_video: false,
            completes: (420.0, 540.0),
        },
        MixClass {
            name: "reference video (5-7 min)",
            weight: 0.22,
            model: ModelId::Seedance20,
            resolution: Resolution::P720,
            reference_video: true,
            completes: (300.0, 420.0),
        },
        MixClass {
            name: "fast failure (seconds)",
            weight: 0.10,
            model: ModelId::Seedance20,
            resolution: Resolution::P720,
            reference_video: true,
            completes: (1.0, 10.0),
        },
    ];

    /// The Seedance 2.5 family's documented mix (service-api §4.5, §12.1.4: 3–11 minutes,
    /// stuck after 15): a 4–5 s clip in 3–6 min at 480p/720p and 4–11 min at 1080p, 4–7
    /// min with a reference video, edit and extend in 4–6 min, and failures of bad
    /// references (code 1001) within seconds. Weights are our guess at a creator's usage;
    /// the windows the schedule is told come from the catalogue, like the app's.
    pub const FAMILY_2_5_MIX: &[MixClass] = &[
        MixClass {
            name: "2.5 480p/720p (3-6 min)",
            weight: 0.34,
            model: ModelId::Seedance25,
            resolution: Resolution::P720,
            reference_video: false,
            completes: (180.0, 360.0),
        },
        MixClass {
            name: "2.5 1080p (4-11 min)",
            weight: 0.14,
            model: ModelId::Seedance25,
            resolution: Resolution::P1080,
            reference_video: false,
            completes: (240.0, 660.0),
        },
        MixClass {
            name: "2.5 reference video (4-7 min)",
            weight: 0.16,
            model: ModelId::Seedance25,
            resolution: Resolution::P720,
            reference_video: true,
            completes: (240.0, 420.0),
        },
        MixClass {
            name: "2.5 edit (4-6 min)",
            weight: 0.12,
            model: ModelId::Seedance25Edit,
            resolution: Resolution::P720,
            reference_video: true,
            completes: (240.0, 360.0),
        },
        MixClass {
            name: "2.5 extend (4-6 min)",
            weight: 0.14,
            model: ModelId::Seedance25Extend,
            resolution: Resolution::P720,
            reference_video: true,
            completes: (240.0, 360.0),
        },
        MixClass {
            name: "1001 fast failure (seconds)",
            weight: 0.10,
            model: ModelId::Seedance25,
            resolution: Resolution::P720,
            reference_video: true,
            completes: (1.0, 10.0),
        },
    ];

    /// Draws one task from `mix`. Queue waits are 2–10 s (as the fake service does); a
    /// fast failure fails out of the queue.
    pub fn draw(mix: &[MixClass], rng: &mut impl Rng) -> SimTask {
        let total: f64 = mix.iter().map(|c| c.weight).sum();
        let mut pick = rng.gen_range(0.0..total);
        let class = mix
            .iter()
            .find(|c| {
                pick -= c.weight;
                pick < 0.0
            })
            .unwrap_or(&mix[mix.len() - 1]);
        let completes_at = rng.gen_range(class.completes.0..=class.completes.1);
        let generating_at = rng.gen_range(2.0..10.0f64).min(completes_at);
        SimTask {
            class: class.name,
            window: class
                .model
                .expected_generation(class.resolution, class.reference_video),
            stuck_after: class.model.stuck_after(),
            fetches_references: class.reference_video,
            generating_at,
            completes_at,
        }
    }

    /// What polling one task cost and how late it noticed the end.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct SimOutcome {
        /// recordInfo requests, the one that saw the end included.
        pub polls: u32,
        /// Seconds from completion to the poll that saw it.
        pub detection_delay: f64,
        pub min_gap: f64,
        pub max_gap: f64,
    }

    /// Follows `task` with `schedule`; each poll fails transiently with probability
    /// `error_rate` (then it tells nothing). Gives up after `max_polls` (a schedule that
    /// never reaches the end is a failure the caller asserts on: `detection_delay` is
    /// then infinite).
    pub fn run_adaptive(
        schedule: &PollSchedule,
        task: &SimTask,
        error_rate: f64,
        max_polls: u32,
        rng: &mut impl Rng,
    ) -> SimOutcome {
        let mut ctx = PollContext {
            fetches_references: task.fetches_references,
            ..PollContext::new(task.window, task.stuck_after)
        };
        let mut t = 0.0f64;
        let mut out = SimOutcome {
            polls: 0,
            detection_delay: f64::INFINITY,
            min_gap: f64::INFINITY,
            max_gap: 0.0,
        };
        while out.polls < max_polls {
            ctx.elapsed = Duration::from_secs_f64(t);
            ctx.jitter = rng.gen_range(0.0..1.0);
            let gap = schedule.next_delay(&ctx).as_secs_f64();
            out.min_gap = out.min_gap.min(gap);
            out.max_gap = out.max_gap.max(gap);
            t += gap;
            out.polls += 1;
            ctx.polls_made += 1;
            if error_rate > 0.0 && rng.gen_bool(error_rate.min(1.0)) {
                ctx.consecutive_errors += 1;
                continue;
            }
            ctx.consecutive_errors = 0;
            if t >= task.completes_at {
                out.detection_delay = t - task.completes_at;
                return out;
            }
            if t >= task.generating_at {
                ctx.status = PolledStatus::Generating;
                ctx.generating_since
                    .get_or_insert(Duration::from_secs_f64(t));
            }
        }
        out
    }

    /// Polling every `interval` seconds from submission, for comparison.
    pub fn run_fixed(interval: f64, task: &SimTask) -> SimOutcome {
        // The first poll at `interval`, then every `interval`: the k-th poll is at k·interval.
        let polls = (task.completes_at / interval).ceil().max(1.0);
        SimOutcome {
            polls: polls as u32,
            detection_delay: polls * interval - task.completes_at,
            min_gap: interval,
            max_gap: interval,
        }
    }

    /// Aggregate figures over many tasks.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Summary {
        pub tasks: usize,
        pub mean_polls: f64,
        pub p50_delay: f64,
        pub p95_delay: f64,
        pub p99_delay: f64,
        pub max_delay: f64,
    }

    pub fn summarize(outcomes: &[SimOutcome]) -> Summary {
        let mut delays: Vec<f64> = outcomes.iter().map(|o| o.detection_delay).collect();
        delays.sort_by(f64::total_cmp);
        let pct = |p: f64| -> f64 {
            if delays.is_empty() {
                return 0.0;
            }
            let rank = ((p * delays.len() as f64).ceil() as usize).clamp(1, delays.len());
            delays[rank - 1]
        };
        let polls: u64 = outcomes.iter().map(|o| u64::from(o.polls)).sum();
        Summary {
            tasks: outcomes.len(),
            mean_polls: polls as f64 / outcomes.len().max(1) as f64,
            p50_delay: pct(0.50),
            p95_delay: pct(0.95),
            p99_delay: pct(0.99),
            max_delay: delays.last().copied().unwrap_or(0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(elapsed: f64) -> PollContext {
        PollContext {
            elapsed: Duration::from_secs_f64(elapsed),
            polls_made: 5,
            status: PolledStatus::Generating,
            generating_since: Some(Duration::from_secs(5)),
            ..PollContext::new(
                TimeWindow {
                    earliest: Duration::from_secs(120),
                    latest: Duration::from_secs(240),
                    dense_span: None,
                },
                Duration::from_secs(600),
            )
        }
    }

    #[test]
    fn first_poll_comes_within_seconds() {
        let mut c = ctx(0.0);
        c.polls_made = 0;
        c.status = PolledStatus::Waiting;
        c.generating_since = None;
        let d = next_poll_delay(&c);
        assert!(
            d >= Duration::from_secs(2) && d <= Duration::from_secs(4),
            "{d:?}"
        );
    }

    #[test]
    fn a_text_only_task_skips_the_early_polls_but_one() {
        let mut c = ctx(0.0);
        c.polls_made = 0;
        c.status = PolledStatus::Waiting;
        c.generating_since = None;
        c.fetches_references = false;
        let first = next_poll_delay(&c);
        assert!(
            first >= Duration::from_secs(9) && first <= Duration::from_secs(11),
            "{first:?}"
        );
        c.fetches_references = true;
        assert!(next_poll_delay(&c) <= Duration::from_secs(5));
    }

    #[test]
    fn dense_late_in_window_sparse_before_it() {
        assert!(next_poll_delay(&ctx(200.0)) <= Duration::from_secs(3));
        assert!(next_poll_delay(&ctx(40.0)) >= Duration::from_secs(20));
        assert!(next_poll_delay(&ctx(40.0)) <= Duration::from_secs(60));
    }

    #[test]
    fn stuck_tasks_are_polled_every_minute_or_so() {
        let d = next_poll_delay(&ctx(900.0));
        assert!(
            d >= Duration::from_secs(50) && d <= Duration::from_secs(60),
            "{d:?}"
        );
    }

    #[test]
    fn errors_back_off_but_stay_bounded() {
        let mut c = ctx(200.0);
        c.consecutive_errors = 1;
        let one = next_poll_delay(&c);
        c.consecutive_errors = 6;
        let six = next_poll_delay(&c);
        c.consecutive_errors = u32::MAX;
        let many = next_poll_delay(&c);
        assert!(one < six, "{one:?} {six:?}");
        assert!(many <= MAX_POLL_DELAY);
    }

    #[test]
    fn a_long_queue_wait_shifts_the_window() {
        let mut c = ctx(130.0);
        c.generating_since = Some(Duration::from_secs(100));
        // 90 s of extra queueing: the window is now 210–330 s, so 130 s is still sparse.
        assert!(next_poll_delay(&c) > Duration::from_secs(10));
    }
}
