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
# Node.js fetched by an earlier run (below) counts as installed.
own_node="$HOME/.local/share/lanban/node"
[ -x "$own_node/bin/node" ] && export PATH="$own_node/bin:$PATH"
node_ok || missing+=(nodejs npm)
# Python virtual environments for the end-to-end tests (selenium, pytest) and the OpenAPI fuzz run (schemathesis).
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3 python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Older releases (Debian 12, Ubuntu 22.04 and 24.04) package an older Node.js: then Node.js 22 and npm 11 come from
# the npm registry (the node-linux-<arch> package carries the official binary) into a folder of Lanban's own, put
# first on PATH for the scripts; nothing of the system's is replaced.
if ! node_ok; then
  case "$(uname -m)" in
    x86_64) node_arch=x64 ;;
    aarch64 | arm64) node_arch=arm64 ;;
    *) node_arch="" ;;
  esac
  if [ -n "$node_arch" ] && command -v npm >/dev/null 2>&1; then
    echo "installing Node.js 22 and npm 11 from the npm registry into $own_node"
    npm install --silent --no-audit --no-fund --no-save --prefix "$own_node" "node-linux-$node_arch@22" "npm@11"
    mkdir -p "$own_node/bin"
    ln -sf "../node_modules/node-linux-$node_arch/bin/node" "$own_node/bin/node"
    printf '#!/bin/sh\nexec "%s/bin/node" "%s/node_modules/npm/bin/npm-cli.js" "$@"\n' "$own_node" "$own_node" > "$own_node/bin/npm"
    chmod +x "$own_node/bin/npm"
    export PATH="$own_node/bin:$PATH"
  fi
fi
if ! node_ok; then
  echo "Lanban's UI build needs Node.js 20.19 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

# Rust at the workspace's rust-version, with rustfmt and clippy: through rustup (installed if there is none, or if
# the cargo found is a distribution's older one, which rustup's then goes before on PATH).
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
rust_minor="$(sed -n 's/^rust-version = "1\.\([0-9]*\).*/\1/p' Cargo.toml)"
rust_ok() {
  command -v cargo >/dev/null 2>&1 &&
    [ "$(cargo --version | sed -n 's/^cargo 1\.\([0-9]*\).*/\1/p')" -ge "${rust_minor:-0}" ] 2>/dev/null &&
    cargo fmt --version >/dev/null 2>&1 && cargo clippy --version >/dev/null 2>&1
}
if ! rust_ok; then
  if command -v rustup >/dev/null 2>&1; then
    echo "updating the Rust toolchain with rustup (Lanban needs 1.$rust_minor or newer, with rustfmt and clippy)"
    rustup toolchain install stable --profile minimal --component clippy,rustfmt
    export RUSTUP_TOOLCHAIN=stable
  else
    echo "installing the Rust toolchain with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy,rustfmt
  fi
  export PATH="$HOME/.cargo/bin:$PATH"
fi
