#!/usr/bin/env bash
# The double-click proof: builds the .deb, installs it with dpkg, starts the app the way a
# desktop does (the Exec line of its installed .desktop entry) under a virtual display,
# pointed at the fake service, and saves a screenshot. Needs root (dpkg -i).
#   bash scripts/check-deb.sh [screenshot.png]
set -euo pipefail
cd "$(dirname "$0")/.."
shot=${1:-docs/screenshots/installed-from-deb.png}

bash scripts/setup.sh
npx tauri build --bundles deb
deb=$(ls -t target/release/bundle/deb/*.deb | head -n 1)
dpkg -i "$deb"
desktop=$(dpkg -L seedance-studio | grep '\.desktop$' | head -n 1)
echo "installed: $deb"; echo "desktop entry: $desktop"
grep -E '^(Name|Exec|Icon|Categories)=' "$desktop"
exec_line=$(grep -m1 '^Exec=' "$desktop" | cut -d= -f2- | sed 's/ %[fFuU]//g')
command -v "${exec_line%% *}" >/dev/null || { echo "the entry's program is not on PATH" >&2; exit 1; }

cargo build -p seedance-fake
fake_log=$(mktemp)
target/debug/fake-seedance --port 0 --time-scale 0.01 >"$fake_log" &
fake_pid=$!
data=$(mktemp -d)
cleanup() { kill "$fake_pid" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 100); do grep -q listening "$fake_log" && break; sleep 0.1; done
base=$(grep -o 'http://[^ ]*' "$fake_log" | head -n 1)

mkdir -p "$(dirname "$shot")"
SEEDANCE_API_BASE=$base SEEDANCE_DATA_DIR=$data SEEDANCE_LIBRARY_DIR=$data/library \
  xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    '"$exec_line"' & app=$!
    # The window paints within a few seconds; wait for it to exist, then give WebKit a
    # moment to draw before the capture (the picture is the proof, not a test assertion).
    for _ in $(seq 100); do xwininfo -root -tree 2>/dev/null | grep -q "Seedance Studio" && break; sleep 0.2; done
    sleep 3
    import -window root '"$shot"'
    kill $app'
echo "screenshot: $shot"
