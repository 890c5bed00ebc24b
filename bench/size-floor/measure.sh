#!/usr/bin/env bash
# Builds bench/size-floor with the product's pinned tools and settings, and prints its wasm's
# size beside the built worker's, both shrunk as scripts/build.sh shrinks the worker (shrink_wasm)
# and measured as it measures (gzip -9). Takes a minute or two (its own target dir). The build
# is kept in target/size-floor/build, where bench/cold-start.mjs starts it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/env.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$REPO_ROOT/bench/size-floor/." "$work/"
# The product's lockfile pins every shared dependency to the versions the worker is built with.
cp "$REPO_ROOT/Cargo.lock" "$work/Cargo.lock"
cd "$work"
export CARGO_TARGET_DIR="$REPO_ROOT/target/size-floor"
worker-build --release > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
shrink_wasm build/index_bg.wasm build/index_bg.wasm
rm -rf "$CARGO_TARGET_DIR/build" && cp -r build "$CARGO_TARGET_DIR/build"
size() { printf '%s bytes, %s gzipped' "$(stat -c %s "$1")" "$(gzip -9c "$1" | wc -c)"; }
echo "worker:                                       $(size "$REPO_ROOT/crates/worker/build/index_bg.wasm")"
echo "size floor (the same stack, no product code): $(size build/index_bg.wasm)"
