#!/usr/bin/env bash
# Builds the Lanban desktop app and starts it. Host a board from its start screen: the board server runs inside
# the app, with its data in the OS app-data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
# Before a long build: the app needs a display to open its window.
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: start a desktop session (or Xvfb) first, or run the headless server: cargo run -p lanban-server" >&2
  exit 1
fi
source scripts/setup.sh
(cd ui && npm ci --no-audit --no-fund && npm run build)
cargo build --profile desktop --locked -p lanban-app --features custom-protocol
exec target/desktop/lanban "$@"
