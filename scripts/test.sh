#!/usr/bin/env bash
# Runs every check and test of the project, as CI does: UI type check and unit tests, Rust format, lint, unit and
# integration tests, then the two-instance end-to-end test of the desktop app under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

echo "== ui: install, build, type check, unit tests"
(cd ui && npm ci --no-audit --no-fund && npm run build && npm run check && npm test)

echo "== rust: format"
cargo fmt --all -- --check
echo "== rust: lint"
cargo clippy --workspace --all-targets --locked --features lanban-app/custom-protocol -- -D warnings
echo "== rust: tests (they also build the app used end to end)"
cargo test --workspace --locked --features lanban-app/custom-protocol

echo "== e2e: two app instances under Xvfb (tauri-driver + WebKitWebDriver)"
command -v tauri-driver >/dev/null 2>&1 || cargo install tauri-driver --locked --version 2.1.0
if [ ! -x target/e2e-venv/bin/pytest ]; then
  python3 -m venv target/e2e-venv
  target/e2e-venv/bin/pip install --quiet --disable-pip-version-check selenium==4.51.0 pytest==9.2.0
fi
target/e2e-venv/bin/pytest e2e -q -p no:cacheprovider
