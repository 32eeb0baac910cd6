#!/usr/bin/env bash
# Installs what building, running and testing Lanban needs on a Debian/Ubuntu machine; skips what is there.
# Sourced by scripts/run.sh and scripts/test.sh.
set -euo pipefail

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# Debian packages: a C compiler (bundled SQLite), WebKitGTK and friends for Tauri, Xvfb + WebKitWebDriver for
# the end-to-end tests, ImageMagick for their screenshots, Node.js for the UI build, iproute2 + curl for the test
# that puts the server on a LAN of network namespaces, socat (and ping) for the end-to-end tests that run the app
# inside such namespaces, dbus-daemon for the one that opens an invite link in the running app.
packages=(build-essential pkg-config ca-certificates curl iproute2 file libssl-dev libwebkit2gtk-4.1-dev libxdo-dev
          libayatana-appindicator3-dev librsvg2-dev xvfb xauth webkit2gtk-driver imagemagick socat iputils-ping dbus-daemon)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
node_ok() {
  command -v node >/dev/null 2>&1 && node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=19)?0:1)'
}
node_ok || missing+=(nodejs npm)
# Python virtual environments for the end-to-end tests (selenium, pytest) and the OpenAPI fuzz run (schemathesis).
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3 python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! node_ok; then
  echo "Lanban's UI build needs Node.js 20.19 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "installing the Rust toolchain with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy,rustfmt
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
export PATH="$HOME/.cargo/bin:$PATH"
