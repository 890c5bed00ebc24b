# Shared by every script: where the pinned tools live, and two helpers. Source it.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BACKORDER_CACHE="${BACKORDER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/backorder-edge}"
WASM_BINDGEN_VERSION=0.2.129
WORKER_BUILD_VERSION=0.8.7
WASM_BINDGEN_ROOT="$BACKORDER_CACHE/wasm-bindgen-cli-$WASM_BINDGEN_VERSION"
WORKER_BUILD_ROOT="$BACKORDER_CACHE/worker-build-$WORKER_BUILD_VERSION"

export PATH="$WASM_BINDGEN_ROOT/bin:$WORKER_BUILD_ROOT/bin:$HOME/.cargo/bin:$PATH"
# worker-build would download these; point it at the pinned local copies instead.
export WASM_BINDGEN_BIN="$WASM_BINDGEN_ROOT/bin/wasm-bindgen"
export WASM_OPT_BIN="$REPO_ROOT/node_modules/binaryen/bin/wasm-opt"
export ESBUILD_BIN="$REPO_ROOT/node_modules/@esbuild/linux-x64/bin/esbuild"
export WRANGLER_SEND_METRICS=false
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$WASM_BINDGEN_ROOT/bin/wasm-bindgen-test-runner"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"

# Prints "==> name" and, when the step ends, how long it took.
step() {
  local name="$1"
  shift
  local start status=0
  start=$(date +%s%N)
  echo "==> $name"
  "$@" || status=$?
  local ms=$((($(date +%s%N) - start) / 1000000))
  printf '    %s: %d.%01ds\n' "$name" $((ms / 1000)) $((ms % 1000 / 100))
  return $status
}

# Optimises a wasm file for size and strips its names, as every wasm here is shipped (the
# worker, the widget) and as the worker's size floor is measured: shrink_wasm IN OUT.
shrink_wasm() {
  "$WASM_OPT_BIN" "$1" -o "$2" -Oz --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-reference-types \
    --enable-multivalue --enable-mutable-globals --enable-exception-handling
}
