#!/usr/bin/env bash
# The floor of start-up (b) and the bound of a hydrated design (docs/benchmarks.md, sixth
# and seventh passes), each against the app and the empty window in one invocation:
# - floor: the studio's first screen as the app paints it with DATA_DIR's tasks (its DOM
#   after the first paint, the same stylesheet, the on-screen thumbnails as files), served
#   as a static page by a copy of bench/empty-window with no script but the mark. What no
#   design that paints this screen can beat on this machine;
# - bound: the same page plus the app's own script, run on the answers its start-up calls
#   got (no IPC), building its views off the page; its gallery sets the mark. The most a
#   studio prerendered into its page and taken over by its views (hydration) would cost:
#   it runs the whole script and makes every element where hydration would find it.
#
# Usage, after `bash bench/bench.sh --app` (release binaries and its data folder):
#   bash bench/first-screen.sh DATA_DIR [RUNS]
# DATA_DIR: made by ledger-fill, opened by the app once (so its thumbnails exist).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=$(cd "$1" && pwd)
runs=${2:-15}
for bin in seedance-studio seedance empty-window; do
  [ -x "$root/target/release/$bin" ] || { echo "target/release/$bin is missing: run bench/bench.sh --app first" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
# A copy of bench/empty-window named NAME, serving its dist folder (filled below).
window_crate() {
  local name=$1 crate="$work/$1"
  mkdir -p "$crate/dist"
  cp -r "$root/bench/empty-window/Cargo.toml" "$root/bench/empty-window/Cargo.lock" \
    "$root/bench/empty-window/build.rs" "$root/bench/empty-window/src" \
    "$root/bench/empty-window/icons" "$root/bench/empty-window/tauri.conf.json" "$crate/"
  sed -i "s/^name = \"empty-window\"/name = \"$name\"/" "$crate/Cargo.toml"
  # The gallery sizes its grid through CSSOM, which the DOM keeps as style attributes.
  sed -i "s/script-src 'self' 'unsafe-inline'\"/script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'\"/; s/bench-empty-window/bench-$name/" \
    "$crate/tauri.conf.json"
}
build_window() {
  CARGO_TARGET_DIR="$root/target" cargo build --release --manifest-path "$work/$1/Cargo.toml" --features custom-protocol
}
window_crate first-screen-window
window_crate hydration-bound-window

bench() {
  xvfb-run -a -s "-screen 0 1280x800x24" "$root/scripts/with-keychain.sh" \
    node "$root/bench/app-bench.mjs" --cli "$root/target/release/seedance" --data "$data" "$@"
}
bench --snapshot "$work/first-screen-window/dist" --bound "$work/hydration-bound-window/dist" \
  --app "$root/target/release/seedance-studio"
build_window first-screen-window
build_window hydration-bound-window
bench --ab "floor=$root/target/release/first-screen-window,bound=$root/target/release/hydration-bound-window,app=$root/target/release/seedance-studio" \
  --empty "$root/target/release/empty-window" --runs "$runs"
