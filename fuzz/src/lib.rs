//! Fuzz harnesses for the core: each target feeds arbitrary bytes to one parser or
//! loader and checks the invariants it promises, panicking when one breaks. The same
//! functions run under libFuzzer (`fuzz_targets/`), under the plain mutation loop
//! (`src/bin/mutate.rs`) and in `cargo test` over the committed corpus
//! (`tests/fuzz_corpus_replay.rs` includes `targets.rs` by path).

pub mod targets;
