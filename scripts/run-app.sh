#!/usr/bin/env bash
# Sets up what is missing, builds Seedance Studio (release) and starts it.
#   SEEDANCE_DEMO=1   start the project's fake Seedance service on 127.0.0.1 beside the app
#                     and point the app at it: everything works without a key or credits.
#                     The demo has its own task history and library folder.
# With no key set and a terminal to ask on, it offers the demo. A second start with nothing
# changed builds nothing: the UI is rebuilt only when its sources are newer than the build
# (a fresh ui/dist would make cargo embed it again and relink the app).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh
ui_changed=$(find ui/src ui/index.html ui/vite.config.ts ui/tsconfig.json package-lock.json \
  -newer ui/dist/index.html -print -quit 2>/dev/null || echo missing)
if [ ! -f ui/dist/index.html ] || [ -n "$ui_changed" ]; then
  npm run --silent build:ui
fi
cargo build --release -p seedance-studio --features seedance-studio/custom-protocol \
  --bin seedance-studio -p seedance-cli --bin seedance -p seedance-fake --bin fake-seedance

if [ -z "${SEEDANCE_DEMO:-}" ] && [ -z "${SEEDANCE_API_BASE:-}" ] && [ -t 0 ]; then
  if ./target/release/seedance key status --json 2>/dev/null | grep -q '"present":false'; then
    read -r -p "No API key is set. Try the demo with the built-in fake service instead? [y/N] " answer
    case "$answer" in [yY]*) SEEDANCE_DEMO=1 ;; esac
  fi
fi

if [ -n "${SEEDANCE_DEMO:-}" ]; then
  # The app and the CLI read this too: the demo's own data folder and library.
  export SEEDANCE_DEMO=1
  fake_log=$(mktemp)
  # Results drawn from each prompt (colour, words), so the demo library looks like one.
  render=()
  if command -v ffmpeg >/dev/null; then
    render=(--render-results --render-cache "${XDG_CACHE_HOME:-$HOME/.cache}/seedance-studio-demo")
  fi
  ./target/release/fake-seedance --port 0 --time-scale "${SEEDANCE_DEMO_TIME_SCALE:-0.05}" \
    "${render[@]}" >"$fake_log" 2>&1 &
  fake_pid=$!
  trap 'kill $fake_pid 2>/dev/null || true' EXIT
  for _ in $(seq 100); do grep -q listening "$fake_log" && break; sleep 0.1; done
  SEEDANCE_API_BASE=$(grep -o 'http://[^ ]*' "$fake_log" | head -n 1)
  export SEEDANCE_API_BASE
  # The fake runs the documented minutes at a twentieth of their length; the app's own
  # schedule plans on the documented minutes, so the demo polls every second instead.
  export SEEDANCE_POLL_INTERVAL_MS="${SEEDANCE_POLL_INTERVAL_MS:-1000}"
  echo "Demo: the fake Seedance service runs at $SEEDANCE_API_BASE (any key works; try a prompt with [fake:fail=transient])."
fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found: starting the app under a virtual display (xvfb-run)." >&2
  xvfb-run -a -s "-screen 0 1280x800x24" ./target/release/seedance-studio
  exit $?
fi
./target/release/seedance-studio
