//! `poll-bench`: what the adaptive poll schedule costs and how late it notices the end of
//! a task, against polling every 2 s, on the documented timing mix (contract §4.5), in
//! virtual time. `poll-bench [TASKS] [SEED]`; prints a table per class and a sweep of
//! other shapes (the trade-off between requests and detection delay).

use std::time::Duration;

use rand::rngs::StdRng;
use rand::SeedableRng;
use seedance_core::schedule::sim::{self, Summary, DOCUMENTED_MIX};
use seedance_core::schedule::PollSchedule;

fn main() {
    let mut args = std::env::args().skip(1);
    let tasks: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let seed: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_260_101);

    println!("poll-bench: {tasks} tasks from the documented mix, seed {seed}, virtual time\n");
    let default = PollSchedule::default();
    let (adaptive, fixed, per_class) = measure(&default, tasks, seed);
    println!(
        "{:<28} {:>9} {:>9} {:>7} {:>8} {:>8} {:>8}",
        "class", "adaptive", "fixed 2s", "ratio", "p50 s", "p95 s", "max s"
    );
    for (name, a, f) in &per_class {
        row(name, a, f);
    }
    row("ALL (weighted mix)", &adaptive, &fixed);
    println!(
        "\nfixed 2 s polling: p50 {:.2} s, p95 {:.2} s detection delay",
        fixed.p50_delay, fixed.p95_delay
    );

    println!("\ntrade-off (other shapes of the same schedule):");
    println!(
        "{:<44} {:>7} {:>8} {:>8} {:>8}",
        "shape", "ratio", "p50 s", "p95 s", "p99 s"
    );
    let shapes: Vec<(&str, PollSchedule)> = vec![
        ("default (dense 2.8 s from 15% of window)", default.clone()),
        (
            "dense 2.6 s over the whole window",
            PollSchedule {
                dense: Duration::from_millis(2_600),
                dense_from: 0.0,
                ..default.clone()
            },
        ),
        (
            "dense 3.5 s, medium 10 s to 20%",
            PollSchedule {
                dense: Duration::from_millis(3_500),
                medium: Duration::from_secs(10),
                dense_from: 0.2,
                ..default.clone()
            },
        ),
        (
            "dense 4 s, medium 6 s to 30%",
            PollSchedule {
                dense: Duration::from_secs(4),
                medium: Duration::from_secs(6),
                dense_from: 0.3,
                ..default.clone()
            },
        ),
        (
            "dense 5 s, medium 10 s to 10%",
            PollSchedule {
                dense: Duration::from_secs(5),
                medium: Duration::from_secs(10),
                dense_from: 0.1,
                ..default.clone()
            },
        ),
        (
            "one early poll only (5 s)",
            PollSchedule {
                early: vec![Duration::from_secs(5)],
                ..default.clone()
            },
        ),
    ];
    for (name, shape) in shapes {
        let (a, f, _) = measure(&shape, tasks, seed);
        println!(
            "{:<44} {:>7.3} {:>8.2} {:>8.2} {:>8.2}",
            name,
            a.mean_polls / f.mean_polls,
            a.p50_delay,
            a.p95_delay,
            a.p99_delay
        );
    }
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

fn measure(schedule: &PollSchedule, tasks: usize, seed: u64) -> (Summary, Summary, Vec<ClassRow>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut all_a = Vec::with_capacity(tasks);
    let mut all_f = Vec::with_capacity(tasks);
    let mut by_class: Vec<(&'static str, Vec<_>, Vec<_>)> = DOCUMENTED_MIX
        .iter()
        .map(|c| (c.name, Vec::new(), Vec::new()))
        .collect();
    for _ in 0..tasks {
        let task = sim::draw(DOCUMENTED_MIX, &mut rng);
        let a = sim::run_adaptive(schedule, &task, 0.0, 100_000, &mut rng);
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
