//! A libFuzzer-free fuzz loop for stable Rust: starts from `fuzz/corpus/<target>/`,
//! mutates inputs (bit flips, byte edits, splices, JSON-ish tokens, boundary numbers),
//! runs the target, keeps any input that panics under `fuzz/artifacts/<target>/` and
//! prints the executions made. Not coverage-guided; the libFuzzer targets are, when
//! `cargo fuzz` can run.
//!
//! `mutate <target|all> [--execs N] [--secs S] [--seed N]` (per target).

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use seedance_fuzz::targets::{by_name, TARGETS};

/// Fragments that move a JSON or header parser into its interesting corners.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"null",
    b"true",
    b"false",
    b"-1",
    b"0",
    b"1e309",
    b"-0",
    b"NaN",
    b"18446744073709551616",
    b"99999999999999999999",
    b"\\u0000",
    b"\\ud800",
    b"\"status\":\"success\"",
    b"\"status\":\"fail\"",
    b"\"state\":\"success\"",
    b"\"output\":[]",
    b"\"output\":null",
    b"\"error\":\"x\"",
    b"\"error\":{\"code\":1}",
    b"\"taskId\":\"\"",
    b"\"taskId\":\"task_x\"",
    b"\"data\":{",
    b"\"code\":200",
    b"\"message\":\"Please try again\"",
    b"\"limit\":-1",
    b"\"required\":1e400",
    b"\"creditsUsed\":\"2.5\"",
    b"\"uploadUrl\":\"\"",
    b"Bearer sk-CANARY-0000",
    b"Wed, 21 Oct 2015 07:28:00 GMT",
    b"inf",
    b"nan",
    b"\xEF\xBB\xBF",
    b"ftyp",
    b"moov",
    b"mvhd",
    b"\x89PNG\r\n\x1a\n",
    b"IHDR",
    b"\xFF\xD8\xFF",
    b"RIFF",
    b"WEBPVP8 ",
    b"OggS",
    b"fLaC",
    b"ID3",
    b"\x1A\x45\xDF\xA3",
    b"SQLite format 3\0",
];

const INTERESTING_U32: &[u32] = &[
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x100,
    0xffff,
    0x7fff_ffff,
    0xffff_ffff,
];

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| usage());
    let mut execs: u64 = 100_000;
    let mut secs: Option<u64> = None;
    let mut seed: u64 = 0x5eed;
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--execs" => execs = value.parse().unwrap_or_else(|_| usage()),
            "--secs" => secs = Some(value.parse().unwrap_or_else(|_| usage())),
            "--seed" => seed = value.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    let names: Vec<&str> = if which == "all" {
        TARGETS.iter().map(|(n, _)| *n).collect()
    } else if by_name(&which).is_some() {
        vec![which.as_str()]
    } else {
        usage()
    };
    // Panics are the findings: keep them quiet, count and save them.
    panic::set_hook(Box::new(|_| {}));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut total_crashes = 0;
    for name in names {
        let (done, crashes, took) = run(root, name, execs, secs.map(Duration::from_secs), seed);
        total_crashes += crashes;
        println!(
            "{name}: {done} execs in {:.1} s ({:.0}/s), {crashes} crash(es)",
            took.as_secs_f64(),
            done as f64 / took.as_secs_f64().max(1e-9)
        );
    }
    if total_crashes > 0 {
        eprintln!(
            "crashing inputs saved under {}",
            root.join("artifacts").display()
        );
        std::process::exit(1);
    }
}

fn usage() -> ! {
    let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
    eprintln!(
        "usage: mutate <all|{}> [--execs N] [--secs S] [--seed N]",
        names.join("|")
    );
    std::process::exit(2)
}

fn run(
    root: &Path,
    name: &str,
    execs: u64,
    secs: Option<Duration>,
    seed: u64,
) -> (u64, u64, Duration) {
    let target = by_name(name).unwrap_or_else(|| usage());
    let mut corpus = load_dir(&root.join("corpus").join(name));
    corpus.extend(load_dir(&root.join("artifacts-kept").join(name)));
    if corpus.is_empty() {
        corpus.push(Vec::new());
    }
    let mut rng = StdRng::seed_from_u64(seed ^ fnv(name.as_bytes()));
    let started = Instant::now();
    let mut crashes = 0;
    let mut done = 0;
    while done < execs && secs.is_none_or(|s| started.elapsed() < s) {
        let input = if done < corpus.len() as u64 {
            corpus[done as usize].clone()
        } else {
            let parent = &corpus[rng.gen_range(0..corpus.len())];
            let other = &corpus[rng.gen_range(0..corpus.len())];
            mutate(parent, other, &mut rng)
        };
        done += 1;
        if panic::catch_unwind(AssertUnwindSafe(|| target(&input))).is_err() {
            crashes += 1;
            save_crash(root, name, &input);
            // Grow the pool from findings so neighbours get explored too.
            corpus.push(input);
        }
    }
    (done, crashes, started.elapsed())
}

fn load_dir(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.is_file())
        .filter_map(|p| std::fs::read(p).ok())
        .collect()
}

fn save_crash(root: &Path, name: &str, input: &[u8]) {
    let dir = root.join("artifacts").join(name);
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(format!("crash-{:016x}", fnv(input))), input);
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// One to four stacked edits of `parent`, sometimes spliced with `other`.
fn mutate(parent: &[u8], other: &[u8], rng: &mut StdRng) -> Vec<u8> {
    let mut data = parent.to_vec();
    for _ in 0..rng.gen_range(1..=4) {
        let at = |rng: &mut StdRng, len: usize| rng.gen_range(0..=len);
        match rng.gen_range(0..9) {
            0 if !data.is_empty() => {
                let i = rng.gen_range(0..data.len());
                data[i] ^= 1 << rng.gen_range(0..8);
            }
            1 if !data.is_empty() => {
                let i = rng.gen_range(0..data.len());
                data[i] = rng.gen();
            }
            2 if !data.is_empty() => {
                let start = rng.gen_range(0..data.len());
                let end = (start + rng.gen_range(1..=16)).min(data.len());
                data.drain(start..end);
            }
            3 => {
                let token = TOKENS[rng.gen_range(0..TOKENS.len())];
                let i = at(rng, data.len());
                data.splice(i..i, token.iter().copied());
            }
            4 if !other.is_empty() => {
                let cut = at(rng, data.len());
                let from = rng.gen_range(0..other.len());
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            5 if data.len() >= 4 => {
                let i = rng.gen_range(0..data.len() - 3);
                let v = INTERESTING_U32[rng.gen_range(0..INTERESTING_U32.len())];
                let bytes = if rng.gen() {
                    v.to_be_bytes()
                } else {
                    v.to_le_bytes()
                };
                data[i..i + 4].copy_from_slice(&bytes);
            }
            6 if !data.is_empty() => {
                let start = rng.gen_range(0..data.len());
                let end = (start + rng.gen_range(1..=32)).min(data.len());
                let chunk = data[start..end].to_vec();
                let i = at(rng, data.len());
                data.splice(i..i, chunk);
            }
            7 => {
                let cut = at(rng, data.len());
                data.truncate(cut);
            }
            _ => {
                let i = at(rng, data.len());
                let digits = rng.gen::<u64>().to_string();
                data.splice(i..i, digits.bytes());
            }
        }
    }
    data.truncate(1 << 20);
    data
}
