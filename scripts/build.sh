#!/usr/bin/env bash
# Builds the worker (crates/worker/build/) with worker-build, offline: wasm-bindgen, wasm-opt
# and esbuild come from the pinned local copies named in scripts/env.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT/crates/worker"
export CARGO_TARGET_DIR="$REPO_ROOT/target"
# A fresh clone has no target/ yet, and the build log goes there.
mkdir -p "$CARGO_TARGET_DIR"
# A failed build must not leave the last good output looking current.
rm -f build/index_bg.wasm
status=0
worker-build --release > "$CARGO_TARGET_DIR/worker-build.log" 2>&1 || status=$?
grep -vE "^\s*$|Compiling|Downloaded|Downloading" "$CARGO_TARGET_DIR/worker-build.log" || true
if [ "$status" != 0 ] || [ ! -s build/index_bg.wasm ]; then
  echo "worker build failed (exit $status)" >&2
  exit 1
fi
# worker-build keeps the name section for stack traces and optimises with wasm-opt's defaults;
# strip the names and optimise for size once more to stay within the size budget (-Oz saves
# ~1.8 KB gzipped over worker-build's pass; a copy with names stays in target/ for size
# analysis with twiggy).
cp build/index_bg.wasm "$CARGO_TARGET_DIR/worker-with-names.wasm"
shrink_wasm build/index_bg.wasm build/index_bg.wasm
printf 'worker wasm: %s bytes, %s gzipped\n' "$(stat -c %s build/index_bg.wasm)" "$(gzip -9c build/index_bg.wasm | wc -c)"
