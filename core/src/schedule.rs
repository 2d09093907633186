//! When to ask the service about a running task next: one pure function of what we know
//! about the task and of what tasks like it did before ([`PollSchedule::next_delay_with`]
//! and its [`CompletionProfile`]), plus a virtual-time simulator of the documented timing
//! mixes ([`sim`]: the 2.0 family's and the Seedance 2.5 family's) that the property
//! tests and `poll-bench` share. What a model's window and "stuck after" are is the
//! catalogue's (`model::Catalog`); what its tasks took is the ledger's; the engine passes
//! both in.
//!
//! Owns the poll timing only. It sends nothing, sleeps nowhere and reads no clock: the
//! engine passes elapsed time and a jitter sample in and waits itself.
//!
//! The shape follows from where ends happen and what a poll costs (see `profile` for the
//! argument): dense polls (every 3 s, the target) where the hazard of the end is
//! above `1 / dense_span`, quiet gaps elsewhere, each holding at most `quiet_mass` of the
//! ends still to come, at most `quiet_max` long and, once ends are expected, at most
//! `quiet_share_of_elapsed` of the wait so far; a gentle back-off after the profile
//! expects no more ends, and every 60 s once the task counts as stuck. With no history a
//! profile is the catalogue's window, plus a share of fast failures for tasks that fetch
//! references (so they get polls within seconds); each finished task of the same
//! [`TimingKey`] moves it toward what the service really does.
//!
//! `poll-bench` measures it against fixed 2 s polling and prints the relaxed lower
//! bound of any schedule on the same mix, for each longest allowed gap.

mod profile;

use std::time::Duration;

use crate::model::TimeWindow;

pub use profile::{CompletionProfile, TimingKey, BIN_SECS, HISTORY_LEN};

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
    /// Elapsed time of the first answer that said `generating`; `None` until then.
    pub generating_since: Option<Duration>,
    /// Elapsed time of the latest answer that said `waiting`: the task queued at least
    /// that long, and a wait longer than usual shifts the profile by the excess. (The
    /// first `generating` answer only bounds the wait from above, and after a long quiet
    /// gap by far too much.)
    pub waited_until: Option<Duration>,
    /// Polls made so far (successful or not).
    pub polls_made: u32,
    /// Failed polls in a row (transport errors, 5xx, unreadable answers); 0 after any
    /// readable answer.
    pub consecutive_errors: u32,
    /// The model's documented "treat as stuck after" (`ModelId::stuck_after`).
    pub stuck_after: Duration,
    /// The service downloads reference media for this task (videos, images or audio). A
    /// reference it cannot fetch fails the task within seconds (service-api §3.4, §4.5), so
    /// the catalogue's profile of such tasks has early ends; a text-only task has nothing
    /// to fetch.
    pub fetches_references: bool,
    /// A uniform sample in `[0, 1)` from the caller's RNG; spreads the polls of many tasks
    /// so they never fire in step. Out-of-range or NaN values are clamped.
    pub jitter: f64,
}

impl PollContext {
    /// A context for a task just submitted, with no jitter (`0.5` is the centre), assumed
    /// to fetch references (early polls apply).
    pub fn new(window: TimeWindow, stuck_after: Duration) -> PollContext {
        PollContext {
            elapsed: Duration::ZERO,
            window,
            status: PolledStatus::Waiting,
            generating_since: None,
            waited_until: None,
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
    /// The longest interval where the hazard is high: the 3 s target. Jitter only
    /// shortens it.
    pub dense: Duration,
    /// Polls are dense where the hazard of the end is at least `1 / dense_span` per
    /// second: over the last `dense_span` of a window whose ends are spread evenly. A
    /// model's table may ask for a longer span ([`TimeWindow::dense_span`]).
    pub dense_span: Duration,
    /// Whether a model's own dense span ([`TimeWindow::dense_span`]) applies; `false`
    /// gives every model `dense_span` (for comparison in `poll-bench`).
    pub model_dense_span: bool,
    /// The longest gap where ends are improbable (before a window, and where a wide
    /// window's hazard is low).
    pub quiet_max: Duration,
    /// A quiet gap holds at most this share of the ends still to come: an improbable end
    /// is seen late, but not very late.
    pub quiet_mass: f64,
    /// Where ends are expected, a quiet gap is also at most this share of the time since
    /// submission (0 turns the bound off): a task is noticed within this share of its own
    /// wait, so a wide window (2.5 at 1080p) is not the one whose ends are seen late.
    pub quiet_share_of_elapsed: f64,
    /// The catalogue's window counts as this many finished tasks against the history.
    pub prior_weight: f64,
    /// In the catalogue's profile of a task that fetches references, this share ends
    /// within `fast_failure_within` (a reference the service cannot fetch).
    pub fast_failure_share: f64,
    pub fast_failure_within: Duration,
    /// A profile learns from this many of its key's most recent finished tasks (at most
    /// [`HISTORY_LEN`]).
    pub history_len: usize,
    /// The longest interval after the profile's last end (and after it, once backed off).
    pub sparse: Duration,
    /// After the profile's last end, the interval grows by this many seconds per second.
    pub backoff_slope: f64,
    /// The interval once the task counts as stuck.
    pub stuck_interval: Duration,
    /// A task is stuck after `max(stuck_after, latest + stuck_margin)`.
    pub stuck_margin: Duration,
    /// Queue time the documented windows and the history already include; a longer
    /// `waiting` phase shifts the profile by the excess.
    pub nominal_queue: Duration,
    /// The most a long `waiting` phase may shift the profile (a service that never
    /// reports `generating` must not push polling out for long).
    pub max_queue_shift: Duration,
    /// Relative spread of every interval: dense and quiet gaps are shortened by up to
    /// this fraction, back-off and stuck intervals spread ± it.
    pub jitter_fraction: f64,
    /// After `n` failed polls in a row the delay is at least
    /// `min(error_cap, error_base × 2^(n−1))`, half of it jittered.
    pub error_base: Duration,
    pub error_cap: Duration,
}

/// The share of the ends still to come that marks where they start, for
/// [`PollSchedule::quiet_share_of_elapsed`].
const ENDS_START_SHARE: f64 = 0.01;

/// No two polls of one task are ever closer than this.
pub const MIN_POLL_DELAY: Duration = Duration::from_secs(1);
/// No delay ever exceeds this (quiet gaps, stuck tasks and long error streaks included).
pub const MAX_POLL_DELAY: Duration = Duration::from_secs(240);

impl Default for PollSchedule {
    fn default() -> Self {
        PollSchedule {
            dense: Duration::from_millis(3_000),
            dense_span: Duration::from_secs(140),
            model_dense_span: true,
            quiet_max: MAX_POLL_DELAY,
            quiet_mass: 0.1,
            quiet_share_of_elapsed: 0.08,
            prior_weight: 20.0,
            fast_failure_share: 0.1,
            fast_failure_within: Duration::from_secs(10),
            history_len: 200,
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

/// The delay before the next `recordInfo` of one task with no history: the app's
/// schedule on the catalogue's profile of the task.
///
/// Always within `[MIN_POLL_DELAY, MAX_POLL_DELAY]`.
pub fn next_poll_delay(ctx: &PollContext) -> Duration {
    PollSchedule::default().next_delay(ctx)
}

impl PollSchedule {
    /// Elapsed time after which the task counts as stuck: `max(stuck_after, latest +
    /// stuck_margin)`.
    pub fn stuck_at(&self, window: TimeWindow, stuck_after: Duration) -> Duration {
        stuck_after.max(window.latest.saturating_add(self.stuck_margin))
    }

    /// The profile of tasks with this window, learned from `history` (the durations
    /// from createTask answer to end of the key's finished tasks, oldest first; only the
    /// last [`HISTORY_LEN`] count). An empty history gives the catalogue's profile.
    pub fn profile(
        &self,
        window: TimeWindow,
        stuck_after: Duration,
        fetches_references: bool,
        history: &[Duration],
    ) -> CompletionProfile {
        let model_span = match window.dense_span {
            Some(span) if self.model_dense_span => secs(span),
            _ => 0.0,
        };
        CompletionProfile::build(
            profile::ProfileShape {
                horizon: secs(self.stuck_at(window, stuck_after)),
                hazard_threshold_span: secs(self.dense_span).max(model_span),
                prior_weight: self.prior_weight,
                fast_failure_share: self.fast_failure_share,
                fast_failure_within: secs(self.fast_failure_within),
                history_len: self.history_len,
            },
            window,
            fetches_references,
            history,
        )
    }

    /// [`Self::next_delay_with`] on the catalogue's profile of the task (built on each
    /// call: callers that poll often keep a profile instead).
    pub fn next_delay(&self, ctx: &PollContext) -> Duration {
        let profile = self.profile(ctx.window, ctx.stuck_after, ctx.fetches_references, &[]);
        self.next_delay_with(ctx, &profile)
    }

    /// The delay before the next `recordInfo` of the task in `ctx`, whose kind ends as
    /// `profile` says. Always within `[MIN_POLL_DELAY, MAX_POLL_DELAY]`; without errors
    /// and before the task counts as stuck, never more than `quiet_max`.
    pub fn next_delay_with(&self, ctx: &PollContext, profile: &CompletionProfile) -> Duration {
        let jitter = if ctx.jitter.is_finite() {
            ctx.jitter.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let fraction = self.jitter_fraction.clamp(0.0, 0.5);
        let stuck = ctx.elapsed >= self.stuck_at(ctx.window, ctx.stuck_after);
        let mut delay = if stuck {
            let spread = 1.0 + fraction * (2.0 * jitter - 1.0);
            (secs(self.stuck_interval) * spread).min(secs(self.stuck_interval))
        } else {
            match self.healthy_gap(ctx, profile) {
                Gap::Planned(gap) => gap * (1.0 - fraction * jitter),
                Gap::BackOff(gap) => {
                    (gap * (1.0 + fraction * (2.0 * jitter - 1.0))).min(secs(self.sparse))
                }
            }
        };
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
    fn healthy_gap(&self, ctx: &PollContext, profile: &CompletionProfile) -> Gap {
        let t = ctx.elapsed.as_secs_f64();
        let dense = secs(self.dense);
        // How long the task surely queued; the profile already holds the usual wait.
        let queued_for = ctx.waited_until.map_or(0.0, secs);
        let shift = (queued_for - secs(self.nominal_queue)).clamp(0.0, secs(self.max_queue_shift));
        let u = (t - shift).max(0.0);
        if u >= profile.end() {
            return Gap::BackOff((dense + (u - profile.end()) * self.backoff_slope).max(dense));
        }
        if profile.is_dense(u) {
            return Gap::Planned(dense);
        }
        let until_dense = profile.until_dense(u);
        if until_dense <= dense {
            // Landing a little early on a dense stretch costs nothing: it starts there.
            return Gap::Planned(dense);
        }
        let mut gap = until_dense
            .min(profile.gap_holding(u, self.quiet_mass))
            .min(secs(self.quiet_max));
        if self.quiet_share_of_elapsed > 0.0 {
            // Quiet until the ends start (the first sliver of those to come), then no gap
            // longer than the share of the wait so far.
            let ends_start = profile.gap_holding(u, ENDS_START_SHARE);
            if ends_start < gap {
                gap = gap.min(ends_start.max(self.quiet_share_of_elapsed * t));
            }
        }
        Gap::Planned(gap.max(dense))
    }
}

/// A planned gap is only ever shortened by jitter (a later poll would land past what it
/// was planned for); a back-off spreads both ways.
enum Gap {
    Planned(f64),
    BackOff(f64),
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Virtual-time simulation of polling over the documented timing mix (service-api §4.5):
/// no clock, no I/O, deterministic for a seeded RNG. Shared by `tests/schedule_sim.rs`
/// and the `poll-bench` binary so both measure the same thing.
pub mod sim {
    use super::{CompletionProfile, PollContext, PollSchedule, PolledStatus};
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

    /// Follows `task` with `schedule` on the catalogue's profile of the task (no
    /// history); each poll fails transiently with probability `error_rate` (then it
    /// tells nothing). Gives up after `max_polls` (a schedule that never reaches the end
    /// is a failure the caller asserts on: `detection_delay` is then infinite).
    pub fn run_adaptive(
        schedule: &PollSchedule,
        task: &SimTask,
        error_rate: f64,
        max_polls: u32,
        rng: &mut impl Rng,
    ) -> SimOutcome {
        let profile = schedule.profile(task.window, task.stuck_after, task.fetches_references, &[]);
        run_with_profile(schedule, &profile, task, error_rate, max_polls, rng)
    }

    /// [`run_adaptive`] with a given profile (one learned from a history, say).
    pub fn run_with_profile(
        schedule: &PollSchedule,
        profile: &CompletionProfile,
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
            let gap = schedule.next_delay_with(&ctx, profile).as_secs_f64();
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
            } else {
                ctx.waited_until = Some(Duration::from_secs_f64(t));
            }
        }
        out
    }

    /// What the schedule can tell tasks apart by: their window, stuck-after and whether
    /// they fetch references (a [`crate::schedule::TimingKey`] in the app).
    pub type SimKey = (TimeWindow, Duration, bool);

    pub fn key_of(task: &SimTask) -> SimKey {
        (task.window, task.stuck_after, task.fetches_references)
    }

    /// The ledger a creator would have after `tasks` tasks drawn from `mix`: each key's
    /// durations from submission to end, oldest first (what the engine loads).
    pub fn history(
        mix: &[MixClass],
        tasks: usize,
        rng: &mut impl Rng,
    ) -> Vec<(SimKey, Vec<Duration>)> {
        let mut by_key: Vec<(SimKey, Vec<Duration>)> = Vec::new();
        for _ in 0..tasks {
            let task = draw(mix, rng);
            let took = Duration::from_secs_f64(task.completes_at);
            match by_key.iter_mut().find(|(k, _)| *k == key_of(&task)) {
                Some((_, durations)) => durations.push(took),
                None => by_key.push((key_of(&task), vec![took])),
            }
        }
        by_key
    }

    /// The profile the app would follow `task` with, given `history`.
    pub fn learned_profile(
        schedule: &PollSchedule,
        history: &[(SimKey, Vec<Duration>)],
        task: &SimTask,
    ) -> CompletionProfile {
        let seen = history
            .iter()
            .find(|(k, _)| *k == key_of(task))
            .map_or(&[][..], |(_, d)| d.as_slice());
        schedule.profile(task.window, task.stuck_after, task.fetches_references, seen)
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
    fn a_text_only_task_waits_for_its_window() {
        let mut c = ctx(0.0);
        c.polls_made = 0;
        c.status = PolledStatus::Waiting;
        c.generating_since = None;
        c.fetches_references = false;
        // Nothing ends before 120 s and there is nothing to fetch: the first poll lands
        // on the window, shortened only by jitter.
        let first = next_poll_delay(&c);
        assert!(
            first >= Duration::from_secs(115) && first <= Duration::from_secs(120),
            "{first:?}"
        );
        c.fetches_references = true;
        assert!(next_poll_delay(&c) <= Duration::from_secs(3));
    }

    #[test]
    fn dense_late_in_window_quiet_before_it() {
        assert!(next_poll_delay(&ctx(200.0)) <= Duration::from_secs(3));
        // At 40 s the next end is 80 s away at the earliest: land on the window.
        let quiet = next_poll_delay(&ctx(40.0)).as_secs_f64();
        assert!((78.0..=80.0).contains(&quiet), "{quiet}");
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
        c.generating_since = Some(Duration::from_secs(130));
        c.waited_until = Some(Duration::from_secs(100));
        // 90 s of extra queueing: the window is now 210–330 s, so 130 s is still quiet.
        assert!(next_poll_delay(&c) > Duration::from_secs(10));
    }

    /// Ends drawn evenly from `[lo, hi]` seconds, `n` of them, spaced so the draw is
    /// deterministic.
    fn evenly(lo: f64, hi: f64, n: usize) -> Vec<Duration> {
        (0..n)
            .map(|i| Duration::from_secs_f64(lo + (hi - lo) * (i as f64 + 0.5) / n as f64))
            .collect()
    }

    /// Mean polls per task against fixed 2 s polling, and the p95 detection delay, of
    /// `profile` on tasks ending at each of `ends`.
    fn measure(
        schedule: &PollSchedule,
        profile: &CompletionProfile,
        window: TimeWindow,
        ends: &[Duration],
    ) -> (f64, f64) {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let (mut adaptive, mut fixed) = (Vec::new(), Vec::new());
        for end in ends {
            let task = sim::SimTask {
                class: "synthetic",
                window,
                stuck_after: Duration::from_secs(900),
                fetches_references: false,
                generating_at: 5.0,
                completes_at: end.as_secs_f64(),
            };
            adaptive.push(sim::run_with_profile(
                schedule, profile, &task, 0.0, 10_000, &mut rng,
            ));
            fixed.push(sim::run_fixed(2.0, &task));
        }
        let a = sim::summarize(&adaptive);
        let f = sim::summarize(&fixed);
        (a.mean_polls / f.mean_polls, a.p95_delay)
    }

    fn wide_window() -> TimeWindow {
        TimeWindow {
            earliest: Duration::from_secs(120),
            latest: Duration::from_secs(600),
            dense_span: None,
        }
    }

    #[test]
    fn a_learned_profile_polls_where_this_models_tasks_end() {
        // The catalogue says 2–10 min; this model's last 200 tasks took 5:00–5:40.
        let schedule = PollSchedule::default();
        let window = wide_window();
        let stuck = Duration::from_secs(900);
        let history = evenly(300.0, 340.0, 200);
        let learned = schedule.profile(window, stuck, false, &history);
        let catalogue = schedule.profile(window, stuck, false, &[]);
        assert_eq!(learned.learned_from(), 200);
        assert_eq!(catalogue.learned_from(), 0);
        assert!(learned.is_dense(320.0));
        assert!(!learned.is_dense(200.0), "no end expected at 200 s");
        // Tasks like the history (drawn apart from it): seen as early, far fewer polls.
        let ends = evenly(301.0, 339.0, 500);
        let (ratio, p95) = measure(&schedule, &learned, window, &ends);
        let (_, catalogue_p95) = measure(&schedule, &catalogue, window, &ends);
        assert!(p95 <= 3.0, "p95 {p95:.2} s");
        assert!(ratio <= 0.15, "learned ratio {ratio:.3}");
        // The catalogue's window alone puts its dense stretch at 7:40–10:00.
        assert!(catalogue_p95 > 10.0, "catalogue p95 {catalogue_p95:.2} s");
    }

    #[test]
    fn a_service_faster_than_its_catalogue_is_learned() {
        // The catalogue says 3–6 min, the service ends in 60–90 s: with the window alone
        // every end is seen at the first poll, a minute or two late; with the history the
        // ends are seen within 3 s.
        let schedule = PollSchedule::default();
        let window = TimeWindow {
            earliest: Duration::from_secs(180),
            latest: Duration::from_secs(360),
            dense_span: None,
        };
        let stuck = Duration::from_secs(900);
        let ends = evenly(61.0, 89.0, 300);
        let catalogue = schedule.profile(window, stuck, false, &[]);
        let (_, late) = measure(&schedule, &catalogue, window, &ends);
        assert!(late > 20.0, "catalogue p95 {late:.2} s");
        let learned = schedule.profile(window, stuck, false, &evenly(60.0, 90.0, 100));
        let (ratio, p95) = measure(&schedule, &learned, window, &ends);
        assert!(p95 <= 3.0, "p95 {p95:.2} s");
        assert!(ratio <= 0.35, "ratio {ratio:.3}");
    }

    #[test]
    fn a_quiet_gap_holds_at_most_its_share_of_the_ends_to_come() {
        let schedule = PollSchedule::default();
        let window = wide_window();
        let profile = schedule.profile(window, Duration::from_secs(900), false, &[]);
        // Ends spread evenly over 120–600 s: 10 % of those still to come at 200 s is
        // 40 s worth; the dense stretch starts 140 s before 600.
        let gap = profile.gap_holding(200.0, 0.1);
        assert!((gap - 40.0).abs() < 0.5, "{gap}");
        assert!(!profile.is_dense(200.0));
        assert!(profile.is_dense(470.0));
        let c = PollContext {
            elapsed: Duration::from_secs(200),
            status: PolledStatus::Generating,
            generating_since: Some(Duration::from_secs(5)),
            polls_made: 3,
            fetches_references: false,
            jitter: 0.0,
            ..PollContext::new(window, Duration::from_secs(900))
        };
        let mass_only = PollSchedule {
            quiet_share_of_elapsed: 0.0,
            ..schedule.clone()
        };
        let d = mass_only.next_delay_with(&c, &profile).as_secs_f64();
        assert!((d - 40.0).abs() < 0.5, "{d}");
        // Ends are expected at 200 s, so the gap is also at most 8 % of the wait: 16 s.
        let d = schedule.next_delay_with(&c, &profile).as_secs_f64();
        assert!((d - 16.0).abs() < 0.5, "{d}");
        // Before the window opens no end is expected, and the wait does not bound the gap.
        let early = PollContext {
            elapsed: Duration::from_secs(30),
            ..c
        };
        let d = schedule.next_delay_with(&early, &profile).as_secs_f64();
        assert!(d > 60.0, "{d}");
    }

    #[test]
    fn history_past_the_stuck_point_is_the_stuck_rules() {
        let schedule = PollSchedule::default();
        let window = wide_window();
        let stuck = Duration::from_secs(900);
        let long = vec![Duration::from_secs(5_000); 50];
        let profile = schedule.profile(window, stuck, false, &long);
        assert_eq!(profile.learned_from(), 0);
        assert_eq!(profile, schedule.profile(window, stuck, false, &[]));
    }

    #[test]
    fn only_the_most_recent_history_counts() {
        let schedule = PollSchedule::default();
        let window = wide_window();
        let stuck = Duration::from_secs(900);
        let mut history = evenly(130.0, 140.0, 500);
        history.extend(evenly(400.0, 420.0, schedule.history_len));
        let profile = schedule.profile(window, stuck, false, &history);
        assert_eq!(profile.learned_from(), schedule.history_len);
        assert!(!profile.is_dense(135.0));
        assert!(profile.is_dense(410.0));
    }
}
