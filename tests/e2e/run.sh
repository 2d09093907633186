#!/usr/bin/env bash
# Runs the end-to-end scenarios: builds the app (UI first, then the binary that embeds it)
# and the fake service, then drives the real window under a virtual display with a private
# keychain. Fails when any piece is missing: there is no silent skip.
set -euo pipefail
cd "$(dirname "$0")/../.."

for tool in tauri-driver WebKitWebDriver xvfb-run dbus-run-session gnome-keyring-daemon node ffprobe xwininfo python3; do
  command -v "$tool" >/dev/null || { echo "e2e: '$tool' is missing (run scripts/setup.sh)" >&2; exit 1; }
done

npm run --silent build:ui
cargo build -p seedance-studio --features seedance-studio/custom-protocol -p seedance-fake
# The CLI shares the keychain entry and the ledger: scenarios use it to clear the key
# before a first run and to read a ledger row (retry_of) the UI does not show.
cargo build -p seedance-cli --bin seedance
(cd tests/e2e && { [ -d node_modules ] || npm ci --no-audit --no-fund; })

rm -rf e2e-artifacts
started=$(date +%s)
# A hung WebDriver session must not eat the CI budget: the whole suite has a hard limit.
timeout --kill-after=30 1500 \
  xvfb-run -a -s "-screen 0 1280x800x24" \
  scripts/with-keychain.sh \
  npm --prefix tests/e2e test
echo "e2e: finished in $(( $(date +%s) - started )) s (per scenario: e2e-artifacts/timings.jsonl)"
