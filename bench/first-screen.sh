#!/usr/bin/env bash
# The floor of start-up (b) (docs/benchmarks.md, sixth pass): the studio's first screen as
# the app paints it with DATA_DIR's tasks (its DOM after the first paint, the same
# stylesheet, the on-screen thumbnails as files), served as a static page by a copy of
# bench/empty-window with no script but the mark, measured against the app and the empty
# window in one invocation. What no design that paints this screen can beat on this machine.
#
# Usage, after `bash scripts/bench.sh --app` (release binaries and its data folder):
#   bash bench/first-screen.sh DATA_DIR [RUNS]
# DATA_DIR: made by ledger-fill, opened by the app once (so its thumbnails exist).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=$(cd "$1" && pwd)
runs=${2:-15}
for bin in seedance-studio seedance empty-window; do
  [ -x "$root/target/release/$bin" ] || { echo "target/release/$bin is missing: run scripts/bench.sh --app first" >&2; exit 1; }
done

crate=$(mktemp -d)
trap 'rm -rf -- "$crate"' EXIT
cp -r "$root/bench/empty-window/Cargo.toml" "$root/bench/empty-window/Cargo.lock" \
  "$root/bench/empty-window/build.rs" "$root/bench/empty-window/src" \
  "$root/bench/empty-window/icons" "$root/bench/empty-window/tauri.conf.json" "$crate/"
mkdir "$crate/dist"
sed -i 's/^name = "empty-window"/name = "first-screen-window"/' "$crate/Cargo.toml"
# The gallery sizes its grid through CSSOM, which the DOM keeps as style attributes.
sed -i "s/script-src 'self' 'unsafe-inline'\"/script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'\"/; s/bench-empty-window/bench-first-screen-window/" \
  "$crate/tauri.conf.json"

bench() {
  xvfb-run -a -s "-screen 0 1280x800x24" "$root/scripts/with-keychain.sh" \
    node "$root/bench/app-bench.mjs" --cli "$root/target/release/seedance" --data "$data" "$@"
}
bench --snapshot "$crate/dist" --app "$root/target/release/seedance-studio"
CARGO_TARGET_DIR="$root/target" cargo build --release --manifest-path "$crate/Cargo.toml" --features custom-protocol
bench --ab "floor=$root/target/release/first-screen-window,app=$root/target/release/seedance-studio" \
  --empty "$root/target/release/empty-window" --runs "$runs"
