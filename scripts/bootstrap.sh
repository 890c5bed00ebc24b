#!/usr/bin/env bash
# Installs everything the project needs, idempotently: a second run takes seconds.
# Rust target and CLIs go to a per-user cache keyed by version (outside the repo, so every
# clone reuses them); npm packages to node_modules; Debian's chromium when missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"

wasm_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    echo "    wasm32-unknown-unknown already installed"
  else
    rustup target add wasm32-unknown-unknown
  fi
}

cargo_tool() { # crate version root binary
  local crate="$1" version="$2" root="$3" binary="$4"
  if [ -x "$root/bin/$binary" ] && "$root/bin/$binary" --version 2>/dev/null | grep -q "$version"; then
    echo "    $crate $version already in $root"
  else
    echo "    installing $crate $version into $root (several minutes, once per machine)"
    cargo install --quiet --locked --root "$root" "$crate" --version "$version"
  fi
}

npm_packages() {
  local stamp=node_modules/.backorder-lock-hash
  local want
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "    node_modules matches package-lock.json"
  else
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" > "$stamp"
  fi
}

chromium() {
  if [ -x "$CHROMIUM_BIN" ] && [ -x "$CHROMEDRIVER" ]; then
    echo "    $("$CHROMIUM_BIN" --version 2>/dev/null | head -1) and chromedriver present"
    return
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "Chromium is missing and installing it needs root. Run:" >&2
    echo "    sudo apt-get install -y chromium chromium-driver" >&2
    echo "then run this command again." >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
}

dev_vars() {
  if [ -f .dev.vars ]; then
    echo "    .dev.vars exists (merchant token in $REPO_ROOT/.dev.vars)"
  else
    local token
    token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
    umask 077
    printf 'MERCHANT_TOKEN=%s\nBACKORDER_DEV_CLOCK=1\n' "$token" > .dev.vars
    echo "    created .dev.vars with a random MERCHANT_TOKEN: $REPO_ROOT/.dev.vars"
  fi
}

step "rust target wasm32-unknown-unknown" wasm_target
step "wasm-bindgen-cli $WASM_BINDGEN_VERSION" cargo_tool wasm-bindgen-cli "$WASM_BINDGEN_VERSION" "$WASM_BINDGEN_ROOT" wasm-bindgen
step "worker-build $WORKER_BUILD_VERSION" cargo_tool worker-build "$WORKER_BUILD_VERSION" "$WORKER_BUILD_ROOT" worker-build
step "npm packages" npm_packages
step "chromium" chromium
step "local secrets (.dev.vars)" dev_vars
