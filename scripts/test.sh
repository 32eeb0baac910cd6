#!/usr/bin/env bash
# Runs every check and test of the project, as CI does: UI type check and unit tests, Rust format, lint, unit and
# integration tests (including the kill -9 crash harness), bounded fuzzing (request bodies, socket messages, and the
# OpenAPI document with schemathesis), then the end-to-end tests of the desktop app under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# No mDNS daemon in the machine's own network namespace, whatever a test starts; the tests that use discovery
# run it inside network namespaces they create, and turn it on there.
export LANBAN_DISCOVERY=0

echo "== ui: install, build, type check, unit tests"
(cd ui && npm ci --no-audit --no-fund && npm run build && npm run check && npm test)

echo "== rust: format"
cargo fmt --all -- --check
echo "== rust: lint"
cargo clippy --workspace --all-targets --locked --features lanban-app/custom-protocol -- -D warnings
echo "== rust: tests (they also build the app used end to end)"
cargo test --workspace --locked --features lanban-app/custom-protocol

echo "== fuzz: request bodies and socket messages, 20 s each"
# The stable toolchain cannot build AddressSanitizer; libFuzzer's coverage-guided search still runs, and any
# panic (a failed assertion in a target) is a finding.
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --version 0.13.2
mkdir -p target
for target in request_bodies socket_messages; do
  log="target/fuzz-$target.log"
  if ! (cd fuzz && cargo fuzz run --sanitizer none "$target" -- -max_total_time=20 -print_final_stats=1) >"$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz target $target found a failure (its input is under fuzz/artifacts/$target)"
    exit 1
  fi
  echo "$target: $(grep -E '^Done' "$log")"
done

echo "== openapi: schemathesis against a real server, fixed seed, 60 s"
scripts/openapi-fuzz.sh

echo "== e2e: two app instances under Xvfb (tauri-driver + WebKitWebDriver)"
command -v tauri-driver >/dev/null 2>&1 || cargo install tauri-driver --locked --version 2.1.0
# The drivers' client, the test runner, and Xlib (a test asks the window to close as a window manager does).
[ -x target/e2e-venv/bin/python ] || python3 -m venv target/e2e-venv
target/e2e-venv/bin/python -c 'import selenium, pytest, Xlib' 2>/dev/null ||
  target/e2e-venv/bin/pip install --quiet --disable-pip-version-check selenium==4.51.0 pytest==9.2.0 python-xlib==0.33
target/e2e-venv/bin/pytest e2e -q -p no:cacheprovider
