#!/usr/bin/env bash
# The LONG reliability run (docs/reliability.md): what `cargo test` runs quickly in CI,
# here at volume. Everything talks only to the fake service on 127.0.0.1.
#
#   1. fuzzing: the plain mutation loop over every target (>= 10 million executions in
#      total), then libFuzzer through `cargo fuzz` (RUSTC_BOOTSTRAP=1 on stable, no
#      sanitizer) for FUZZ_SECS per target when cargo-fuzz is installed or installable;
#   2. the fault matrix FAULT_ROUNDS times (flakiness is a finding too);
#   3. SIGKILL of the CLI at random points, SEEDANCE_CRASH_RUNS times;
#   4. the ledger crash loop, LEDGER_CRASH_RUNS times;
#   5. the secret canary and the webview configuration checks;
#   6. credits safety SAFETY_ROUNDS times: double clicks, a switched service, stops in the
#      middle of a send (SIGINT, SIGTERM), odd answers, a full disk, a damaged ledger.
#
# Knobs (environment): MUTATE_EXECS (per parser target, default 1500000), LEDGER_EXECS
# (ledger_open, default 20000), FUZZ_SECS (libFuzzer seconds per target, default 60;
# 0 skips it; the nightly figure uses 600), FAULT_ROUNDS (5), SEEDANCE_CRASH_RUNS (120),
# LEDGER_CRASH_RUNS (1000), SAFETY_ROUNDS (3). CARGO_TARGET_DIR is honoured. Crashing
# inputs land in fuzz/artifacts/<target>/; copy one to
# fuzz/artifacts-kept/<target>/ to make CI replay it forever.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

MUTATE_EXECS=${MUTATE_EXECS:-1500000}
LEDGER_EXECS=${LEDGER_EXECS:-20000}
FUZZ_SECS=${FUZZ_SECS:-60}
FAULT_ROUNDS=${FAULT_ROUNDS:-5}
export SEEDANCE_CRASH_RUNS=${SEEDANCE_CRASH_RUNS:-120}
export LEDGER_CRASH_RUNS=${LEDGER_CRASH_RUNS:-1000}
SAFETY_ROUNDS=${SAFETY_ROUNDS:-3}

started=$(date +%s)
summary=()
step() { printf '\n==> %s\n' "$*"; }
timed() {
  local label=$1; shift
  local t0; t0=$(date +%s)
  "$@"
  summary+=("$(printf '%-44s %5d s' "$label" $(( $(date +%s) - t0 )))")
}

step "fuzzing without libFuzzer (mutation loop, release build)"
cargo build --release --manifest-path fuzz/Cargo.toml --bin mutate
mutate=${CARGO_TARGET_DIR:-fuzz/target}/release/mutate
parsers=(parse_task_record parse_create_task parse_error_body parse_upload_target
         parse_retry_after guidance validate probe_reader)
total=0
for target in "${parsers[@]}"; do
  line=$("$mutate" "$target" --execs "$MUTATE_EXECS" | tail -1)
  echo "$line"
  total=$(( total + $(awk '{print $2}' <<<"$line") ))
done
line=$("$mutate" ledger_open --execs "$LEDGER_EXECS" | tail -1)
echo "$line"
total=$(( total + $(awk '{print $2}' <<<"$line") ))
echo "mutation loop: $total executions, 0 crashes"
summary+=("mutation loop executions: $total")

if [ "$FUZZ_SECS" -gt 0 ]; then
  step "fuzzing with libFuzzer (cargo fuzz, ${FUZZ_SECS} s per target)"
  if ! command -v cargo-fuzz >/dev/null; then
    cargo install cargo-fuzz --locked || echo "cargo-fuzz could not be installed; skipping libFuzzer"
  fi
  if command -v cargo-fuzz >/dev/null; then
    for target in "${parsers[@]}" ledger_open; do
      # New inputs go to an ignored work folder; the committed seeds stay small.
      work=fuzz/artifacts/work-corpus/$target
      mkdir -p "$work"
      log=fuzz/artifacts/libfuzzer-$target.log
      (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -s none \
        "artifacts/work-corpus/$target" "corpus/$target" \
        -- -max_total_time="$FUZZ_SECS" -print_final_stats=1) >"$log" 2>&1 \
        || { tail -40 "$log"; echo "libFuzzer found a crash in $target (see $log)"; exit 1; }
      runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
      echo "$target: $runs libFuzzer executions in ${FUZZ_SECS} s"
      summary+=("$(printf 'libFuzzer %-34s %10s execs' "$target" "$runs")")
    done
  fi
fi

step "fault matrix × $FAULT_ROUNDS"
for round in $(seq 1 "$FAULT_ROUNDS"); do
  timed "fault matrix round $round" cargo test -p seedance-core --test fault_matrix -- --test-threads=2
done

step "SIGKILL the CLI at random points ($SEEDANCE_CRASH_RUNS runs)"
timed "cli_crash ($SEEDANCE_CRASH_RUNS runs)" cargo test -p seedance-cli --test cli_crash -- --nocapture

step "ledger crash loop ($LEDGER_CRASH_RUNS runs)"
timed "ledger_crash ($LEDGER_CRASH_RUNS runs)" cargo test -p seedance-core --test ledger_crash -- --nocapture

step "credits safety × $SAFETY_ROUNDS"
for round in $(seq 1 "$SAFETY_ROUNDS"); do
  timed "credits safety round $round" bash -c '
    cargo test -p seedance-core --test credits_safety --test engine_scheduler \
      --test ledger_corruption --test ledger_migration -- --test-threads=2 &&
    cargo test -p seedance-cli --test cli_safety -- --test-threads=2'
done

step "secret canary, webview configuration, corpus replay"
timed "secret_canary + webview_config + replay" \
  cargo test -p seedance-cli --test secret_canary && cargo test -p seedance-studio --features seedance-studio/custom-protocol --test webview_config && cargo test -p seedance-core --test fuzz_corpus_replay

printf '\n==> summary\n'
printf '%s\n' "${summary[@]}"
echo "reliability-long passed in $(( $(date +%s) - started )) s"
