#!/usr/bin/env bash
# A bounded OpenAPI-driven fuzz run (schemathesis from PyPI, fixed seed and time budget) against a real
# lanban-server started on a free loopback port with a fresh data directory: no 5xx, no status the document does
# not list, every answer's content type and body as documented, and no schema-valid request refused as malformed
# (scripts/schemathesis.toml). Needs the server built (`cargo build -p
# lanban-server`, which the test suite's `cargo test` does).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check schemathesis==4.32.5
fi

data=$(mktemp -d)
log="target/openapi-fuzz-server.log"
LANBAN_DISCOVERY=0 target/debug/lanban-server --data "$data" --bind 127.0.0.1:0 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | head -1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$log"; echo "the server did not start"; exit 1; }

# `filter_too_much` is Hypothesis saying it threw away too many of the values it drew for an operation (seen once,
# for the label name of `DELETE /api/boards/{board}/labels/{name}`): a complaint about generating, not a finding
# about the server; it came and went between runs of the same seed (two workers and a time budget).
PYTHONPATH=scripts SCHEMATHESIS_HOOKS=schemathesis_hooks "$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run "$url/api/openapi.json" \
  -H "Authorization: Bearer $(cat "$data/host-token")" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,positive_data_acceptance \
  --phases examples,coverage,fuzzing --seed 1 --max-examples 20 --max-time "${LANBAN_OPENAPI_FUZZ_SECONDS:-60}" \
  --workers 2 --warnings off --suppress-health-check=filter_too_much
