#!/usr/bin/env bash
# Builds Lanban and serves boards from this machine on http://127.0.0.1:7420 (data in the OS data directory).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo build --release -p lanban-server
exec target/release/lanban-server "$@"
