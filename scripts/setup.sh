#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build, run and test Seedance Studio:
# Tauri's system libraries, the test display/keychain/WebDriver tools, the npm packages,
# tauri-driver and cargo-deny. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup: '$*' needs root; run as root or install sudo" >&2; exit 1; fi
}

APT_PACKAGES=(
  # building the Tauri app (WebKitGTK 4.1 and friends)
  libwebkit2gtk-4.1-dev build-essential curl wget file pkg-config libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev
  # tests: virtual display, session bus + Secret Service keychain, WebKit's WebDriver
  xvfb xauth dbus-x11 gnome-keyring webkit2gtk-driver imagemagick
  # e2e scenarios 17 and 19 find and close the window by its title (xwininfo)
  x11-utils
  # the locked-keychain test (gdbus, dbus-update-activation-environment), the fsync-order test
  libglib2.0-bin dbus-bin strace
  # WebKitGTK plays H.264 results through GStreamer; libav brings the decoder
  gstreamer1.0-plugins-good gstreamer1.0-libav
  # media tools the test fixtures are made with, and that stitch films (core/src/film)
  ffmpeg
  # the editor-export test reads our files back with OpenTimelineIO in a virtual env
  python3 python3-venv
)

if command -v apt-get >/dev/null; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    need_root apt-get update -q
    need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
else
  echo "setup: not a Debian/Ubuntu system; install Tauri's prerequisites yourself (see README)" >&2
fi

command -v cargo >/dev/null || { echo "setup: Rust is missing: install it from rustup.rs" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup: Node.js 20+ and npm are missing" >&2; exit 1; }

if [ -f package-lock.json ]; then
  [ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm ci --no-audit --no-fund
fi

# OpenTimelineIO and its adapters, for core/tests/film.rs (the .otio, .fcpxml and .edl
# exports must read back with the same clips). Kept in a git-ignored virtual env so the
# system Python is left alone; the test finds it there.
OTIO_VENV=target/otio-venv
OTIO_PACKAGES=(opentimelineio==0.18.1 opentimelineio-plugins==0.18.1 otio-fcpx-xml-adapter==1.0.0)
if ! "$OTIO_VENV/bin/python3" -c "import opentimelineio, otio_cmx3600_adapter, otio_fcpx_xml_adapter" 2>/dev/null; then
  echo "setup: installing ${OTIO_PACKAGES[*]} into $OTIO_VENV"
  python3 -m venv "$OTIO_VENV"
  "$OTIO_VENV/bin/python3" -m pip install -q --disable-pip-version-check "${OTIO_PACKAGES[@]}"
fi

if ! command -v tauri-driver >/dev/null; then
  cargo install tauri-driver --locked --version "^2"
fi

if ! command -v cargo-deny >/dev/null; then
  cargo install cargo-deny --locked --version "^0.20"
fi
