#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring, so tests
# talk to a real Secret Service (the OS keychain on Linux) without touching the user's.
# A fresh XDG_DATA_HOME each time: a keyring made with another password would be locked.
set -euo pipefail
if [ -z "${SEEDANCE_IN_KEYCHAIN_SESSION:-}" ]; then
  export SEEDANCE_IN_KEYCHAIN_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi
XDG_DATA_HOME=$(mktemp -d)
export XDG_DATA_HOME
# The keyring made for this run goes with it, whatever the command's outcome; the
# command's exit status stays the script's. A signal becomes an exit so the trap runs.
remove_keyring_dir() {
  local status=$?
  rm -rf -- "$XDG_DATA_HOME"
  exit "$status"
}
trap remove_keyring_dir EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
eval "$(printf '%s' "seedance-test-keyring" | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
"$@"
