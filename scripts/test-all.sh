#!/usr/bin/env bash
# Every test of the project, in the order that fails fastest: formatting and lints, the
# dependencies' licences and sources, the frontend's type check and unit tests, the Rust
# workspace's tests (the real keychain through a private Secret Service), then the built
# app in a real WebKit window under Xvfb. Needs no display and no key. Any part that cannot
# run fails the whole run, except the advisory check, which says why it is skipped when
# this machine has no advisory database (see deny.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
APP_FEATURES=(--features seedance-studio/custom-protocol)

step() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)

step "setup (system packages, npm packages, tauri-driver, cargo-deny)"
bash scripts/setup.sh

step "formatting"
cargo fmt --all -- --check

step "TypeScript lint and formatting (Biome: ui/, tests/e2e)"
npm run --silent lint

step "dependencies: licences, bans and sources (cargo deny)"
cargo deny --locked check --hide-inclusion-graph licenses bans sources
# The advisory database is a git repository this machine cannot fetch: the check runs
# against a copy already on disk (`cargo deny fetch` where GitHub is reachable) or says
# plainly that it did not run.
if compgen -G "${CARGO_HOME:-$HOME/.cargo}/advisory-dbs/*/crates" >/dev/null; then
  cargo deny --locked --offline check --hide-inclusion-graph advisories
else
  echo "cargo deny: advisories SKIPPED: no advisory database in ${CARGO_HOME:-$HOME/.cargo}/advisory-dbs" \
    "(run 'cargo deny fetch' on a machine that reaches github.com, then copy that folder here)"
fi

step "frontend: type check, unit tests, build"
npm run --silent typecheck
npm run --silent test:ui
npm run --silent build:ui

step "clippy (warnings are errors)"
cargo clippy --workspace --all-targets "${APP_FEATURES[@]}" -- -D warnings

step "Rust tests (core against the fake service, app commands, real keychain)"
# Each *_TEST=required turns a skip (no keychain, no strace, no OpenTimelineIO) into a failure.
SEEDANCE_KEYCHAIN_TEST=required SEEDANCE_STRACE_TEST=required SEEDANCE_OTIO_TEST=required \
  scripts/with-keychain.sh cargo test --workspace "${APP_FEATURES[@]}"

step "end-to-end: the built app in WebKit under Xvfb"
bash tests/e2e/run.sh

echo "all tests passed in $(( $(date +%s) - started )) s"
