//! The poll schedule in virtual time: thousands of tasks drawn from the documented timing
//! mixes (the 2.0 family's, service-api §4.5, and the Seedance 2.5 family's, §12.1.4),
//! followed by `PollSchedule` in a plain loop (no tokio, no clock), and properties that
//! must hold for every one of them. The windows and "stuck after" are the catalogue's.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use seedance_core::model::{ModelId, Resolution, TimeWindow};
use seedance_core::schedule::sim::{self, MixClass, SimTask, DOCUMENTED_MIX, FAMILY_2_5_MIX};
use seedance_core::schedule::{
    next_poll_delay, PollContext, PollSchedule, PolledStatus, MAX_POLL_DELAY, MIN_POLL_DELAY,
};

const TASKS: usize = 5_000;

fn window(lo: u64, hi: u64) -> TimeWindow {
    TimeWindow {
        earliest: Duration::from_secs(lo),
        latest: Duration::from_secs(hi),
        dense_span: None,
    }
}

#[test]
fn every_task_of_the_mix_is_detected_with_bounded_gaps() {
    let schedule = PollSchedule::default();
    let mut rng = StdRng::seed_from_u64(1);
    for _ in 0..TASKS {
        let task = sim::draw(DOCUMENTED_MIX, &mut rng);
        let out = sim::run_adaptive(&schedule, &task, 0.0, 10_000, &mut rng);
        assert!(out.detection_delay.is_finite(), "never detected: {task:?}");
        assert!(out.min_gap >= 1.0, "polled faster than 1/s: {out:?}");
        // Without errors, no gap longer than a quiet one; an end where the catalogue
        // expects few is seen late, but within half a minute.
        assert!(
            out.max_gap <= schedule.quiet_max.as_secs_f64() + 1e-9,
            "gap over {:?}: {out:?} {task:?}",
            schedule.quiet_max
        );
        assert!(out.detection_delay <= 30.0, "{out:?}");
    }
}

#[test]
fn meets_the_2_0_family_target_against_fixed_two_second_polling() {
    let schedule = PollSchedule::default();
    let mut rng = StdRng::seed_from_u64(2);
    let (mut adaptive, mut fixed) = (Vec::new(), Vec::new());
    for _ in 0..TASKS {
        let task = sim::draw(DOCUMENTED_MIX, &mut rng);
        adaptive.push(sim::run_adaptive(&schedule, &task, 0.0, 10_000, &mut rng));
        fixed.push(sim::run_fixed(2.0, &task));
    }
    let a = sim::summarize(&adaptive);
    let f = sim::summarize(&fixed);
    let ratio = a.mean_polls / f.mean_polls;
    // Issue 7's target: at most 0.2× the requests of fixed 2 s polling, with 95 % of
    // the ends seen within 3 s (virtual time, so this is a count, not a timing).
    assert!(a.p95_delay <= 3.0, "p95 {:.2} s", a.p95_delay);
    assert!(ratio <= 0.20, "ratio {ratio:.3}");
    assert!(a.p50_delay <= 2.0, "p50 {:.2} s", a.p50_delay);
}

#[test]
fn transient_errors_slow_polling_but_every_task_still_finishes() {
    let schedule = PollSchedule::default();
    let mut rng = StdRng::seed_from_u64(3);
    for _ in 0..1_000 {
        let task = sim::draw(DOCUMENTED_MIX, &mut rng);
        let out = sim::run_adaptive(&schedule, &task, 0.3, 100_000, &mut rng);
        assert!(out.detection_delay.is_finite(), "never detected: {task:?}");
        assert!(out.min_gap >= 1.0);
        assert!(
            out.max_gap <= MAX_POLL_DELAY.as_secs_f64() + 1e-9,
            "{out:?}"
        );
    }
}

#[test]
fn a_task_that_never_finishes_keeps_being_polled_about_once_a_minute() {
    let schedule = PollSchedule::default();
    let mut rng = StdRng::seed_from_u64(4);
    let task = SimTask {
        class: "stuck",
        window: window(120, 240),
        stuck_after: Duration::from_secs(600),
        fetches_references: false,
        generating_at: 5.0,
        completes_at: 4.0 * 3600.0,
    };
    let out = sim::run_adaptive(&schedule, &task, 0.0, 100_000, &mut rng);
    assert!(out.detection_delay.is_finite());
    assert!(out.detection_delay <= 60.0 + 1e-9);
    // The longest gap is the quiet one before the window; once stuck, a minute.
    assert!(out.max_gap <= schedule.quiet_max.as_secs_f64() + 1e-9);
    // 4 h with ≥ 1 poll a minute once stuck, and not much more.
    assert!(out.polls >= 200 && out.polls <= 400, "{}", out.polls);
}

#[test]
fn many_tasks_submitted_together_do_not_poll_in_step() {
    // 50 tasks submitted at the same instant: their 10th polls must be spread out.
    let schedule = PollSchedule::default();
    let mut rng = StdRng::seed_from_u64(5);
    let mut tenth = Vec::new();
    for _ in 0..50 {
        let mut ctx = PollContext {
            status: PolledStatus::Generating,
            generating_since: Some(Duration::from_secs(3)),
            ..PollContext::new(window(120, 240), Duration::from_secs(600))
        };
        let mut t = Duration::ZERO;
        for _ in 0..10 {
            ctx.elapsed = t;
            ctx.jitter = rng.gen_range(0.0..1.0);
            t += schedule.next_delay(&ctx);
            ctx.polls_made += 1;
        }
        tenth.push(t.as_secs_f64());
    }
    tenth.sort_by(f64::total_cmp);
    // Four early polls, the quiet gap to the window and five dense polls: each only
    // shortened by jitter, yet spread over more than a second.
    let spread = tenth[49] - tenth[0];
    assert!(spread > 1.0, "10th polls within {spread:.2} s");
    let within_100ms = tenth.windows(10).filter(|w| w[9] - w[0] < 0.1).count();
    assert_eq!(within_100ms, 0, "10 polls within 100 ms: {tenth:?}");
}

#[test]
fn fast_failures_are_seen_within_seconds() {
    let schedule = PollSchedule::default();
    let mut rng = StdRng::seed_from_u64(6);
    for at in [1.0, 2.5, 4.0, 7.0, 9.5] {
        let task = SimTask {
            class: "fast failure",
            window: ModelId::Seedance20.expected_generation(Resolution::P720, true),
            stuck_after: Duration::from_secs(600),
            fetches_references: true,
            generating_at: at,
            completes_at: at,
        };
        let out = sim::run_adaptive(&schedule, &task, 0.0, 1_000, &mut rng);
        assert!(
            out.detection_delay <= 4.5,
            "failure at {at}s seen {:.1}s late",
            out.detection_delay
        );
        assert!(out.polls <= 4, "{} polls", out.polls);
    }
}

#[test]
fn jitter_gives_distinct_delays() {
    let mut rng = StdRng::seed_from_u64(7);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..100 {
        let ctx = PollContext {
            elapsed: Duration::from_secs(200),
            polls_made: 20,
            status: PolledStatus::Generating,
            generating_since: Some(Duration::from_secs(5)),
            jitter: rng.gen_range(0.0..1.0),
            consecutive_errors: 3,
            ..PollContext::new(window(120, 240), Duration::from_secs(600))
        };
        seen.insert(next_poll_delay(&ctx).as_micros());
    }
    assert!(seen.len() > 50, "{} distinct", seen.len());
}

#[test]
fn every_task_of_the_2_5_mix_is_detected_with_bounded_gaps() {
    let schedule = PollSchedule::default();
    let mut rng = StdRng::seed_from_u64(11);
    for _ in 0..TASKS {
        let task = sim::draw(FAMILY_2_5_MIX, &mut rng);
        assert_eq!(task.stuck_after, Duration::from_secs(900), "{task:?}");
        let out = sim::run_adaptive(&schedule, &task, 0.0, 10_000, &mut rng);
        assert!(out.detection_delay.is_finite(), "never detected: {task:?}");
        assert!(out.min_gap >= 1.0, "{out:?}");
        assert!(
            out.max_gap <= schedule.quiet_max.as_secs_f64() + 1e-9,
            "{out:?} {task:?}"
        );
        // The 1080p window's first 160 s have quiet gaps, each at most 8 % of the wait so
        // far (about 20-30 s there).
        assert!(out.detection_delay <= 40.0, "{out:?} {task:?}");
    }
}

#[test]
fn a_task_is_noticed_within_a_small_share_of_its_own_wait() {
    // The mix's p95 could be met while one wide class (2.5 at 1080p, 4-11 min) is seen
    // 30-40 s late: its quiet gaps are bounded by the share of the wait instead. A gap
    // planned before the ends start may hold the first sliver of them, hence the 1 %.
    let schedule = PollSchedule::default();
    let share = schedule.quiet_share_of_elapsed;
    assert!(share > 0.0 && share <= 0.1, "{share}");
    let history = sim::history(FAMILY_2_5_MIX, 4_000, &mut StdRng::seed_from_u64(21));
    let mut rng = StdRng::seed_from_u64(13);
    let mut late = 0;
    for _ in 0..TASKS {
        let task = sim::draw(FAMILY_2_5_MIX, &mut rng);
        let profile = sim::learned_profile(&schedule, &history, &task);
        let out = sim::run_with_profile(&schedule, &profile, &task, 0.0, 10_000, &mut rng);
        let allowed = schedule.dense.as_secs_f64().max(share * task.completes_at);
        if out.detection_delay > allowed + 1e-9 {
            late += 1;
        }
    }
    assert!(
        late * 100 <= TASKS,
        "{late} of {TASKS} seen later than allowed"
    );
}

/// Tasks drawn for the mix's p95: about 5 % of the 2.5 family's tasks are seen more than
/// 3 s late by design (the cheapest to see late), so the p95 sits near its edge and a
/// sample of a few thousand lands on either side of it by chance. `poll-bench` draws as
/// many.
const MIX_TASKS: usize = 20_000;

/// Mean polls against fixed 2 s polling and the p95 detection delay on `MIX_TASKS` tasks
/// of `mix`, each followed with the profile learned from `history` (empty: the
/// catalogue's).
fn trade_off_learned(
    schedule: &PollSchedule,
    mix: &[MixClass],
    history: &[(sim::SimKey, Vec<Duration>)],
    seed: u64,
) -> (f64, f64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut adaptive, mut fixed) = (Vec::new(), Vec::new());
    for _ in 0..MIX_TASKS {
        let task = sim::draw(mix, &mut rng);
        let profile = sim::learned_profile(schedule, history, &task);
        adaptive.push(sim::run_with_profile(
            schedule, &profile, &task, 0.0, 10_000, &mut rng,
        ));
        fixed.push(sim::run_fixed(2.0, &task));
    }
    let a = sim::summarize(&adaptive);
    let f = sim::summarize(&fixed);
    (a.mean_polls / f.mean_polls, a.p95_delay)
}

#[test]
fn the_2_5_family_mix_is_seen_within_3_s_at_a_fifth_of_fixed_polling() {
    // Issue 19's target: ≤ 0.2× fixed 2 s polling with p95 ≤ 3 s on the family's mix.
    // With a history the schedule learns each kind's window and which kinds fail
    // within seconds (`poll-bench`: 0.196–0.199 over five seeds, 20,000 tasks).
    let schedule = PollSchedule::default();
    let history = sim::history(FAMILY_2_5_MIX, 4_000, &mut StdRng::seed_from_u64(21));
    let (ratio, p95) = trade_off_learned(&schedule, FAMILY_2_5_MIX, &history, 12);
    assert!(p95 <= 3.0, "learned: p95 {p95:.2} s");
    assert!(ratio <= 0.20, "learned: ratio {ratio:.3}");
    // With no history, the catalogue's windows alone sit at the target's edge: every
    // task that fetches references pays for the early polls (`poll-bench`: 0.200–0.201,
    // p95 2.95–2.98 s over five seeds).
    let (ratio, p95) = trade_off_learned(&schedule, FAMILY_2_5_MIX, &[], 12);
    assert!(p95 <= 7.5, "catalogue: p95 {p95:.2} s");
    assert!(ratio <= 0.205, "catalogue: ratio {ratio:.3}");
    // Without the catalogue's span, the 2.5 windows would be seen up to 20 s late.
    let schedule = PollSchedule {
        model_dense_span: false,
        ..PollSchedule::default()
    };
    let (_, p95) = trade_off_learned(&schedule, FAMILY_2_5_MIX, &history, 12);
    assert!(p95 > 10.0, "p95 {p95:.2} s");
}

#[test]
fn windows_and_stuck_after_come_from_the_catalogue() {
    let schedule = PollSchedule::default();
    let w = ModelId::Seedance25.expected_generation(Resolution::P1080, false);
    assert_eq!((w.earliest.as_secs(), w.latest.as_secs()), (240, 660));
    assert_eq!(w.dense_span, Some(Duration::from_secs(260)));
    assert_eq!(
        schedule.stuck_at(w, ModelId::Seedance25.stuck_after()),
        Duration::from_secs(900)
    );
    let w20 = ModelId::Seedance20.expected_generation(Resolution::P720, false);
    assert_eq!(w20.dense_span, None);
    assert_eq!(
        schedule.stuck_at(w20, ModelId::Seedance20.stuck_after()),
        Duration::from_secs(600)
    );
    // A 2.5 task still running at 11 minutes is inside its window, not yet stuck: polled
    // densely; at 15 minutes it is stuck: once a minute.
    let at = |secs: u64| {
        next_poll_delay(&PollContext {
            elapsed: Duration::from_secs(secs),
            status: PolledStatus::Generating,
            generating_since: Some(Duration::from_secs(5)),
            polls_made: 50,
            ..PollContext::new(w, ModelId::Seedance25.stuck_after())
        })
    };
    assert!(at(650) <= Duration::from_secs(3), "{:?}", at(650));
    assert!(at(800) < Duration::from_secs(60), "{:?}", at(800));
    assert!(at(900) >= Duration::from_secs(50), "{:?}", at(900));
}

#[test]
fn edit_and_extend_ending_in_their_window_are_seen_within_3_s() {
    let schedule = PollSchedule::default();
    let mut rng = StdRng::seed_from_u64(13);
    for model in [ModelId::Seedance25Edit, ModelId::Seedance25Extend] {
        for at in [240.0, 257.0, 279.0, 300.0, 359.0] {
            let task = SimTask {
                class: "edit/extend",
                window: model.expected_generation(Resolution::P720, true),
                stuck_after: model.stuck_after(),
                fetches_references: true,
                generating_at: 6.0,
                completes_at: at,
            };
            let out = sim::run_adaptive(&schedule, &task, 0.0, 10_000, &mut rng);
            assert!(out.detection_delay <= 3.0, "{model} at {at}: {out:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn any_context_gives_a_delay_within_bounds(
        elapsed_ms in 0u64..100_000_000,
        earliest in 0u64..2_000,
        width in 0u64..2_000,
        generating in any::<bool>(),
        seen_at in proptest::option::of(0u64..10_000),
        polls in 0u32..u32::MAX,
        errors in 0u32..=10_000,
        stuck_after in 0u64..10_000,
        fetches_references in any::<bool>(),
        jitter in proptest::num::f64::ANY,
    ) {
        let ctx = PollContext {
            elapsed: Duration::from_millis(elapsed_ms),
            window: window(earliest, earliest + width),
            status: if generating { PolledStatus::Generating } else { PolledStatus::Waiting },
            generating_since: seen_at.map(Duration::from_secs),
            waited_until: seen_at.map(|s| Duration::from_secs(s / 2)),
            polls_made: polls,
            consecutive_errors: errors,
            stuck_after: Duration::from_secs(stuck_after),
            fetches_references,
            jitter,
        };
        let delay = next_poll_delay(&ctx);
        prop_assert!(delay >= MIN_POLL_DELAY, "{:?}", delay);
        prop_assert!(delay <= MAX_POLL_DELAY, "{:?}", delay);
        let schedule = PollSchedule::default();
        let stuck = ctx.elapsed >= schedule.stuck_at(ctx.window, ctx.stuck_after);
        if errors == 0 {
            let cap = if stuck { schedule.stuck_interval } else { schedule.quiet_max };
            prop_assert!(delay <= cap, "{:?} stuck={}", delay, stuck);
        }
    }
}
