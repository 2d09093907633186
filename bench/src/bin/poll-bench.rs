//! `poll-bench`: what the adaptive poll schedule costs and how late it notices the end of
//! a task, against polling every 2 s, in virtual time, on each documented timing mix: the
//! 2.0 family's (service-api §4.5) and the Seedance 2.5 family's (§12.1.4: 3–11 minutes,
//! stuck after 15, edit and extend included). `poll-bench [TASKS] [SEED] [2.0|2.5]`;
//! prints, per mix, a table per class for a creator whose ledger already holds
//! `HISTORY` finished tasks of the mix (drawn with another seed: the schedule learns
//! each kind's timing from them) and for one with no history (the catalogue's windows
//! alone), the lower bound of any schedule and a sweep of other shapes (the trade-off
//! between requests and detection delay).

use std::time::Duration;

use rand::rngs::StdRng;
use rand::SeedableRng;
use seedance_core::schedule::sim::{
    self, MixClass, SimKey, Summary, DOCUMENTED_MIX, FAMILY_2_5_MIX,
};
use seedance_core::schedule::PollSchedule;

fn main() {
    let mut args = std::env::args().skip(1);
    let tasks: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let seed: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_260_101);
    let only = args.next();
    let mixes: [(&str, &str, &[MixClass]); 2] = [
        ("2.0", "the 2.0 family (service-api §4.5)", DOCUMENTED_MIX),
        (
            "2.5",
            "the Seedance 2.5 family (service-api §12.1.4)",
            FAMILY_2_5_MIX,
        ),
    ];
    for (key, name, mix) in mixes {
        if only.as_deref().is_some_and(|o| o != key) {
            continue;
        }
        report(name, mix, tasks, seed);
    }
}

/// Finished tasks in the ledger of the creator the first table measures.
const HISTORY: usize = 4_000;

fn report(name: &str, mix: &[MixClass], tasks: usize, seed: u64) {
    println!(
        "poll-bench: {tasks} tasks from the timing mix of {name}, seed {seed}, virtual time\n"
    );
    let default = PollSchedule::default();
    let history = sim::history(mix, HISTORY, &mut StdRng::seed_from_u64(seed ^ 0x5eed));
    let mut fixed = None;
    for (title, learned) in [
        (
            format!("with a history of {HISTORY} finished tasks (learned timing)"),
            Some(history.as_slice()),
        ),
        ("with no history (the catalogue's windows)".to_owned(), None),
    ] {
        println!("{title}:");
        let (adaptive, f, per_class) = measure(&default, learned, mix, tasks, seed);
        println!(
            "{:<28} {:>9} {:>9} {:>7} {:>8} {:>8} {:>8}",
            "class", "adaptive", "fixed 2s", "ratio", "p50 s", "p95 s", "max s"
        );
        for (name, a, f) in &per_class {
            row(name, a, f);
        }
        row("ALL (weighted mix)", &adaptive, &f);
        println!(
            "RESULT {name}: {} ratio {:.3}, p50 {:.2} s, p95 {:.2} s, p99 {:.2} s, max {:.2} s\n",
            if learned.is_some() {
                "learned"
            } else {
                "catalogue"
            },
            adaptive.mean_polls / f.mean_polls,
            adaptive.p50_delay,
            adaptive.p95_delay,
            adaptive.p99_delay,
            adaptive.max_delay
        );
        fixed = Some(f);
    }
    println!("dense stretches of the learned profiles (seconds after submission):");
    for ((window, stuck_after, fetches), durations) in &history {
        let profile = default.profile(*window, *stuck_after, *fetches, durations);
        let mut stretches = Vec::new();
        let mut from = None;
        let mut t = 0.0;
        while t < profile.end() + 2.0 {
            match (profile.is_dense(t), from) {
                (true, None) => from = Some(t),
                (false, Some(f)) => {
                    stretches.push(format!("{f:.0}-{t:.0}"));
                    from = None;
                }
                _ => {}
            }
            t += seedance_core::schedule::BIN_SECS;
        }
        println!(
            "  window {}-{} s{}: {} tasks, {}",
            window.earliest.as_secs(),
            window.latest.as_secs(),
            if *fetches { ", references" } else { "" },
            durations.len().min(default.history_len),
            stretches.join(", ")
        );
    }
    println!();
    let Some(fixed) = fixed else { return };
    println!(
        "fixed 2 s polling: {:.1} requests per task, p50 {:.2} s, p95 {:.2} s detection delay",
        fixed.mean_polls, fixed.p50_delay, fixed.p95_delay
    );

    println!("\nlower bound for any schedule (fractional, see `lower_bound`), p95 ≤ 3 s:");
    for cap in [30.0, 60.0, 120.0, f64::INFINITY] {
        let bound = lower_bound(mix, 3.0, 0.95, cap);
        println!(
            "  longest gap {:>4}: ≥ {:.1} requests per task = {:.3}× fixed 2 s",
            if cap.is_finite() {
                format!("{cap:.0} s")
            } else {
                "none".into()
            },
            bound,
            bound / fixed.mean_polls
        );
    }
    println!("\ntrade-off (other shapes of the same schedule, learned timing):");
    println!(
        "{:<44} {:>7} {:>8} {:>8} {:>8} {:>16}",
        "shape", "ratio", "p50 s", "p95 s", "p99 s", "worst class p95"
    );
    let shapes: Vec<(&str, PollSchedule)> = vec![
        ("the app's schedule", default.clone()),
        (
            "no quiet gap over 3 % of the wait so far",
            PollSchedule {
                quiet_share_of_elapsed: 0.03,
                ..default.clone()
            },
        ),
        (
            "no quiet gap over 5 % of the wait so far",
            PollSchedule {
                quiet_share_of_elapsed: 0.05,
                ..default.clone()
            },
        ),
        (
            "quiet gaps not bounded by the wait so far",
            PollSchedule {
                quiet_share_of_elapsed: 0.0,
                ..default.clone()
            },
        ),
        (
            "quiet gaps at most 60 s",
            PollSchedule {
                quiet_max: Duration::from_secs(60),
                ..default.clone()
            },
        ),
        (
            "a quiet gap holds 5 % of the ends to come",
            PollSchedule {
                quiet_mass: 0.05,
                ..default.clone()
            },
        ),
        (
            "a quiet gap holds 20 % of the ends to come",
            PollSchedule {
                quiet_mass: 0.2,
                ..default.clone()
            },
        ),
        (
            "quiet gaps bounded by quiet_max alone",
            PollSchedule {
                quiet_mass: 1.0,
                ..default.clone()
            },
        ),
        (
            "learn from the last 500 tasks of a kind",
            PollSchedule {
                history_len: 500,
                ..default.clone()
            },
        ),
        (
            "quiet gaps up to 120 s",
            PollSchedule {
                quiet_max: Duration::from_secs(120),
                ..default.clone()
            },
        ),
        (
            "dense span 270 s",
            PollSchedule {
                dense_span: Duration::from_secs(270),
                ..default.clone()
            },
        ),
        (
            "no fast failures in the catalogue's profile",
            PollSchedule {
                fast_failure_share: 0.0,
                ..default.clone()
            },
        ),
        (
            "jitter ±12 % instead of ±2 %",
            PollSchedule {
                jitter_fraction: 0.12,
                ..default.clone()
            },
        ),
        (
            "the whole window dense",
            PollSchedule {
                dense_span: Duration::from_secs(10_000),
                ..default.clone()
            },
        ),
        (
            "140 s dense span for every model",
            PollSchedule {
                model_dense_span: false,
                ..default.clone()
            },
        ),
        (
            "dense 2.6 s",
            PollSchedule {
                dense: Duration::from_millis(2_600),
                ..default.clone()
            },
        ),
        (
            "dense 3.5 s",
            PollSchedule {
                dense: Duration::from_millis(3_500),
                ..default.clone()
            },
        ),
    ];
    for (name, shape) in shapes {
        let (a, f, classes) = measure(&shape, Some(history.as_slice()), mix, tasks, seed);
        let worst_class_p95 = classes
            .iter()
            .map(|(_, class, _)| class.p95_delay)
            .fold(0.0, f64::max);
        println!(
            "{:<44} {:>7.3} {:>8.2} {:>8.2} {:>8.2} {:>16.2}",
            name,
            a.mean_polls / f.mean_polls,
            a.p50_delay,
            a.p95_delay,
            a.p99_delay,
            worst_class_p95
        );
    }
    println!();
}

fn row(name: &str, a: &Summary, f: &Summary) {
    println!(
        "{:<28} {:>9.1} {:>9.1} {:>7.3} {:>8.2} {:>8.2} {:>8.2}",
        name,
        a.mean_polls,
        f.mean_polls,
        a.mean_polls / f.mean_polls,
        a.p50_delay,
        a.p95_delay,
        a.max_delay
    );
}

type ClassRow = (&'static str, Summary, Summary);

fn measure(
    schedule: &PollSchedule,
    history: Option<&[(SimKey, Vec<Duration>)]>,
    mix: &[MixClass],
    tasks: usize,
    seed: u64,
) -> (Summary, Summary, Vec<ClassRow>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut all_a = Vec::with_capacity(tasks);
    let mut all_f = Vec::with_capacity(tasks);
    let mut by_class: Vec<(&'static str, Vec<_>, Vec<_>)> = mix
        .iter()
        .map(|c| (c.name, Vec::new(), Vec::new()))
        .collect();
    for _ in 0..tasks {
        let task = sim::draw(mix, &mut rng);
        let profile = sim::learned_profile(schedule, history.unwrap_or(&[]), &task);
        let a = sim::run_with_profile(schedule, &profile, &task, 0.0, 100_000, &mut rng);
        let f = sim::run_fixed(2.0, &task);
        all_a.push(a);
        all_f.push(f);
        if let Some(slot) = by_class.iter_mut().find(|(n, _, _)| *n == task.class) {
            slot.1.push(a);
            slot.2.push(f);
        }
    }
    let per_class = by_class
        .iter()
        .map(|(n, a, f)| (*n, sim::summarize(a), sim::summarize(f)))
        .collect();
    (sim::summarize(&all_a), sim::summarize(&all_f), per_class)
}

/// A lower bound on the mean requests per task of *any* schedule that sees `coverage` of
/// the completions within `target` seconds and never leaves more than `longest_gap`
/// between two polls, on `mix`.
///
/// The schedule knows a task's window and whether it fetches references, not its class,
/// so tasks are grouped by those. Relaxed to poll *rates*: with polls every `g` seconds
/// around `t`, a completion at `t` is seen within `target` with probability
/// `min(1, target / g)`, and every task still running at `t` pays for the polls. Raising
/// the rate at `t` in a group from the floor `1 / longest_gap` to `1 / target` costs
/// `S(t)` (tasks still running) per unit of `f(t)` (completions) it covers, so the
/// cheapest schedule raises it where `f / S`, the hazard, is highest first. That greedy
/// fill is optimal for the relaxed problem; one more request per task is the poll that
/// sees the end.
fn lower_bound(mix: &[MixClass], target: f64, coverage: f64, longest_gap: f64) -> f64 {
    const STEP: f64 = 0.25;
    let total: f64 = mix.iter().map(|c| c.weight).sum();
    // (weight, earliest, latest) of each class, grouped by what the schedule knows.
    type Known = (Duration, Duration, bool);
    type Parts = Vec<(f64, f64, f64)>;
    let mut groups: Vec<(Known, Parts)> = Vec::new();
    for class in mix {
        let window = class
            .model
            .expected_generation(class.resolution, class.reference_video);
        let key = (window.earliest, window.latest, class.reference_video);
        let part = (class.weight / total, class.completes.0, class.completes.1);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, parts)) => parts.push(part),
            None => groups.push((key, vec![part])),
        }
    }
    let floor = if longest_gap.is_finite() {
        1.0 / longest_gap
    } else {
        0.0
    };
    let (mut cost, mut covered) = (0.0, 0.0);
    // (cost per unit covered, coverage) of raising one slot to the dense rate.
    let mut slots: Vec<(f64, f64)> = Vec::new();
    for (_, parts) in &groups {
        let end = parts.iter().map(|p| p.2).fold(0.0, f64::max);
        let mut t = 0.0;
        while t < end {
            let density: f64 = parts
                .iter()
                .filter(|(_, lo, hi)| (*lo..*hi).contains(&t))
                .map(|(w, lo, hi)| w / (hi - lo))
                .sum();
            let running: f64 = parts
                .iter()
                .map(|(w, lo, hi)| w * ((hi - t) / (hi - lo)).clamp(0.0, 1.0))
                .sum();
            cost += running * floor * STEP;
            covered += density * (target * floor).min(1.0) * STEP;
            if density > 0.0 && target * floor < 1.0 {
                let extra_cost = running * (1.0 / target - floor) * STEP;
                let extra_cover = density * (1.0 - target * floor) * STEP;
                slots.push((extra_cost / extra_cover, extra_cover));
            }
            t += STEP;
        }
    }
    slots.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (per_unit, extra_cover) in slots {
        if covered >= coverage {
            break;
        }
        let take = extra_cover.min(coverage - covered);
        cost += per_unit * take;
        covered += take;
    }
    cost + 1.0
}
