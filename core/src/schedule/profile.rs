//! When tasks of one kind end, as the poll schedule believes it: a [`CompletionProfile`]
//! is a distribution of the time from the createTask answer to the end (success or
//! failure) of one [`TimingKey`] (model, resolution, reference kind), learned from the
//! ledger's finished tasks of that key and blended with the catalogue's window, plus
//! where that distribution makes a poll worth its cost.
//!
//! Owns the belief and the plan drawn from it, nothing else: it reads no ledger and no
//! clock. The engine hands it the durations; the schedule ([`super::PollSchedule`])
//! turns a profile and a task's state into the next delay.
//!
//! Why a plan of this shape. A poll at `t` is paid by every task still running at `t`
//! (`S(t)`) and catches only the ends just before it. Polling every `d ≤ D` sees the
//! ends of a stretch within the target `D`; skipping the stretch sees none of them in
//! time and costs nothing. The trade is linear, so the cheapest schedule that sees a
//! given share of ends in time polls densely exactly where the hazard `f(t) / S(t)` is
//! above one threshold, and skips everywhere else (the relaxed bound in `poll-bench`).
//! The threshold is `1 / dense_span`: for ends spread evenly over a window it is dense
//! through the last `dense_span` seconds of the window, as the catalogue's span always
//! meant. Where the profile has little mass, a gap is bounded by the share of the
//! remaining mass it may hold ([`super::PollSchedule::quiet_mass`]) and by
//! [`super::PollSchedule::quiet_max`], so an improbable end is still seen within
//! about a minute or two.

use std::time::Duration;

use crate::model::{ModelId, Resolution, TimeWindow};
use crate::request::GenerationRequest;

/// Width of a profile's bins in seconds: finer than the dense interval, coarse enough
/// that a plan is a few hundred numbers.
pub const BIN_SECS: f64 = 2.0;

/// The most of a key's finished tasks any profile learns from (the engine keeps no more).
pub const HISTORY_LEN: usize = 1_000;

/// What the timing of a task depends on, as far as the app can tell before it ends: the
/// catalogue's windows are chosen by the same things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimingKey {
    pub model: ModelId,
    pub resolution: Resolution,
    /// A reference video (the catalogue's longer windows).
    pub reference_video: bool,
    /// Any reference media the service downloads (it fails within seconds if it cannot).
    pub fetches_references: bool,
}

impl TimingKey {
    pub fn of(request: &GenerationRequest) -> TimingKey {
        TimingKey {
            model: request.model,
            resolution: request.resolution,
            reference_video: request.has_reference_video(),
            fetches_references: !request.references.is_empty(),
        }
    }
}

/// The belief about one key's end times, and the poll plan that follows from it.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletionProfile {
    /// Probability of the end in each bin of [`BIN_SECS`] from submission to the horizon
    /// (where the task counts as stuck). Ends after the horizon are the stuck rule's.
    mass: Vec<f64>,
    /// `running[i]`: mass from bin `i` on (tasks still running at its start); one longer.
    running: Vec<f64>,
    /// `next_dense[i]`: the first dense bin at or after `i` (`mass.len()` when none).
    next_dense: Vec<usize>,
    /// Seconds: the end of the last bin with mass.
    end: f64,
    /// Finished tasks the profile learned from (0: the catalogue's window alone).
    learned_from: usize,
}

/// Parameters of a profile, from [`super::PollSchedule`].
#[derive(Debug, Clone, Copy)]
pub(super) struct ProfileShape {
    pub horizon: f64,
    pub hazard_threshold_span: f64,
    pub prior_weight: f64,
    pub fast_failure_share: f64,
    pub fast_failure_within: f64,
    pub history_len: usize,
}

impl CompletionProfile {
    pub(super) fn build(
        shape: ProfileShape,
        window: TimeWindow,
        fetches_references: bool,
        history: &[Duration],
    ) -> CompletionProfile {
        let horizon = if shape.horizon.is_finite() {
            shape.horizon.clamp(BIN_SECS, 86_400.0)
        } else {
            86_400.0
        };
        let bins = (horizon / BIN_SECS).ceil() as usize;
        // The catalogue's belief: ends spread evenly over the window, and for a task that
        // fetches references some failing within seconds (service-api §3.4, §4.5).
        let mut prior = vec![0.0; bins];
        let fast = if fetches_references {
            shape.fast_failure_share.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let earliest = window.earliest.as_secs_f64().min(horizon);
        let latest = window.latest.as_secs_f64().min(horizon).max(earliest);
        spread_evenly(&mut prior, earliest, latest, 1.0 - fast);
        spread_evenly(
            &mut prior,
            0.0,
            shape.fast_failure_within.min(horizon),
            fast,
        );
        // What was seen, as a window rather than a shape: a few hundred ends place the
        // edges of a window within seconds, but a density only within ±20 %, and the
        // dense stretch starts where the density crosses the threshold (a kernel
        // estimate moved it by ±30 s between samples of the same service in
        // `poll-bench`, and p95 with it). Fast failures are counted apart.
        let within = shape.fast_failure_within.min(horizon);
        let mut ends: Vec<f64> = history
            .iter()
            .rev()
            .take(shape.history_len.min(HISTORY_LEN))
            .map(Duration::as_secs_f64)
            .filter(|at| *at <= horizon)
            .collect();
        let learned_from = ends.len();
        let mut seen = vec![0.0; bins];
        let fast_seen = ends.iter().filter(|at| **at < within).count();
        spread_evenly(&mut seen, 0.0, within, fast_seen as f64);
        ends.retain(|at| *at >= within);
        ends.sort_by(f64::total_cmp);
        if let (Some(&first), Some(&last)) = (ends.first(), ends.last()) {
            let (lo, hi) = if ends.len() >= 20 {
                // From the 1st to the 99th percentile, the start moved earlier by 3 % of
                // the width: a start placed late leaves the first ends unseen (the 1st
                // percentile of 200 ends wanders by about 1 %), one placed early costs a
                // few polls. The end is not moved: a later end would move the dense
                // stretch later with it, and ends past it meet the back-off's first
                // short intervals.
                let lo = quantile(&ends, 0.01);
                let hi = quantile(&ends, 0.99);
                ((lo - 0.03 * (hi - lo)).max(0.0), hi.min(horizon))
            } else {
                (first, last)
            };
            spread_evenly(&mut seen, lo, hi, ends.len() as f64);
        }
        let k = shape.prior_weight.max(0.0);
        let total = learned_from as f64 + k;
        let mass: Vec<f64> = if total > 0.0 {
            seen.iter()
                .zip(&prior)
                .map(|(s, p)| (s + k * p) / total)
                .collect()
        } else {
            prior
        };
        let mut running = vec![0.0; bins + 1];
        for i in (0..bins).rev() {
            running[i] = running[i + 1] + mass[i];
        }
        let threshold = BIN_SECS / shape.hazard_threshold_span.max(BIN_SECS);
        let mut next_dense = vec![bins; bins + 1];
        for i in (0..bins).rev() {
            let dense = mass[i] > 0.0 && mass[i] >= threshold * running[i];
            next_dense[i] = if dense { i } else { next_dense[i + 1] };
        }
        let end = mass
            .iter()
            .rposition(|m| *m > 0.0)
            .map_or(0.0, |i| (i + 1) as f64 * BIN_SECS);
        CompletionProfile {
            mass,
            running,
            next_dense,
            end,
            learned_from,
        }
    }

    /// Finished tasks the profile learned from; 0 when it is the catalogue's alone.
    pub fn learned_from(&self) -> usize {
        self.learned_from
    }

    /// Seconds after submission past which the profile expects no end.
    pub fn end(&self) -> f64 {
        self.end
    }

    /// Whether polls are dense at `u` seconds (profile time).
    pub fn is_dense(&self, u: f64) -> bool {
        let i = self.bin(u);
        i < self.mass.len() && self.next_dense[i] == i
    }

    /// Seconds from `u` to the next dense stretch, or to [`Self::end`] when none is left.
    pub fn until_dense(&self, u: f64) -> f64 {
        let i = self.bin(u);
        let next = self.next_dense[i.min(self.mass.len())];
        let at = if next < self.mass.len() {
            next as f64 * BIN_SECS
        } else {
            self.end
        };
        (at - u).max(0.0)
    }

    /// The longest gap from `u` that holds at most `share` of the mass still to come
    /// (infinite when the rest of the profile holds less).
    pub fn gap_holding(&self, u: f64, share: f64) -> f64 {
        let bins = self.mass.len();
        let i = self.bin(u);
        if i >= bins {
            return f64::INFINITY;
        }
        let into = (u / BIN_SECS - i as f64).clamp(0.0, 1.0);
        let remaining = self.running[i + 1] + self.mass[i] * (1.0 - into);
        let allowed = share.max(0.0) * remaining;
        let mut held = 0.0;
        for j in i..bins {
            let from = if j == i { u } else { j as f64 * BIN_SECS };
            let width = (j + 1) as f64 * BIN_SECS - from;
            let portion = self.mass[j] * width / BIN_SECS;
            if held + portion > allowed {
                let rate = self.mass[j] / BIN_SECS;
                return from - u + (allowed - held) / rate;
            }
            held += portion;
        }
        f64::INFINITY
    }

    fn bin(&self, u: f64) -> usize {
        if u.is_finite() && u > 0.0 {
            ((u / BIN_SECS) as usize).min(self.mass.len())
        } else {
            0
        }
    }
}

/// The `p` quantile of `sorted` (not empty), interpolated.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let at = p.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let below = at.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    sorted[below] + (sorted[above] - sorted[below]) * (at - below as f64)
}

/// Adds `weight` spread evenly over `[from, to]` (a point when they meet) to `bins`.
fn spread_evenly(bins: &mut [f64], from: f64, to: f64, weight: f64) {
    if weight <= 0.0 || bins.is_empty() {
        return;
    }
    let last = bins.len() - 1;
    let index = |at: f64| ((at / BIN_SECS).max(0.0) as usize).min(last);
    if to - from < 1e-9 {
        bins[index(from)] += weight;
        return;
    }
    for (i, bin) in bins
        .iter_mut()
        .enumerate()
        .take(index(to) + 1)
        .skip(index(from))
    {
        let lo = i as f64 * BIN_SECS;
        let overlap = (to.min(lo + BIN_SECS) - from.max(lo)).max(0.0);
        *bin += weight * overlap / (to - from);
    }
}
