#!/usr/bin/env bash
# Fuzzes every target in fuzz/ for SECONDS each (default 600), one after another, with AFL++
# through cargo-afl on the stable toolchain (fuzz/README.md says why), and fails if any target
# found a crash or a hang. Installs what it needs idempotently: cargo-afl into the per-user
# cache beside the other CLIs, and AFL++ itself (built from the source cargo-afl ships).
#
#   bash scripts/fuzz.sh [SECONDS]            # npm run fuzz -- [SECONDS]
#   FUZZ_TARGETS="record_decoding" bash scripts/fuzz.sh 60
#
# Each run starts from the committed seeds (fuzz/corpus/<target>/) and writes AFL++'s output to
# $FUZZ_OUT/<target>/ (default fuzz/out/, ignored by git): its queue, crashes/ and hangs/, and
# fuzzer_stats. A crash is reproduced on stable without AFL++ by copying its input into
# fuzz/regressions/<target>/ and running `cargo test` in fuzz/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT/fuzz"

SECONDS_PER_TARGET="${1:-600}"
if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] || [ "$SECONDS_PER_TARGET" -lt 1 ]; then
  echo "usage: scripts/fuzz.sh [seconds-per-target]" >&2
  exit 2
fi
read -r -a TARGETS <<< "${FUZZ_TARGETS:-request_decoding record_decoding command_sequences}"
CARGO_AFL_VERSION=0.18.2
CARGO_AFL_ROOT="$BACKORDER_CACHE/cargo-afl-$CARGO_AFL_VERSION"
export PATH="$CARGO_AFL_ROOT/bin:$PATH"
FUZZ_OUT="${FUZZ_OUT:-$REPO_ROOT/fuzz/out}"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_ROOT/fuzz/target}"

cargo_afl() {
  if [ -x "$CARGO_AFL_ROOT/bin/cargo-afl" ] && cargo afl --version 2>/dev/null | grep -q "$CARGO_AFL_VERSION"; then
    echo "    cargo-afl $CARGO_AFL_VERSION already in $CARGO_AFL_ROOT"
  else
    echo "    installing cargo-afl $CARGO_AFL_VERSION into $CARGO_AFL_ROOT (a few minutes, once per machine)"
    cargo install --quiet --locked --root "$CARGO_AFL_ROOT" cargo-afl --version "$CARGO_AFL_VERSION"
  fi
}

# AFL++ is built once per toolchain into afl.rs's data directory; a C compiler and make are
# all it needs (the LLVM plugins are not used: rustc instruments the code itself).
aflplusplus() {
  local log
  log=$(mktemp)
  if cargo afl config --build >"$log" 2>&1; then
    echo "    AFL++ built"
  elif grep -q "already built" "$log"; then
    echo "    AFL++ already built for $(rustc --version)"
  else
    cat "$log" >&2
    if ! command -v cc >/dev/null || ! command -v make >/dev/null; then
      echo "AFL++ needs a C compiler and make: apt-get install -y build-essential" >&2
    fi
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

build() {
  CARGO_TARGET_DIR="$TARGET_DIR" cargo afl build --release --features afl --bins --quiet
}

# AFL++ in a container: no core dumps to pipe away, no CPU frequency to tune, no core to pin
# (others may be busy), and no screen.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1
export AFL_NO_STARTUP_CALIBRATION=1

stat_of() { # file key
  sed -n "s/^$2 *: *//p" "$1" | head -1
}

fuzz_one() { # target
  local target="$1" out="$FUZZ_OUT/$1" dict=()
  rm -rf "$out"
  mkdir -p "$out"
  if [ -f "dict/$target.dict" ]; then dict=(-x "dict/$target.dict"); fi
  # -V: stop after that many seconds; -t: a command sequence may take a while to check.
  cargo afl fuzz -V "$SECONDS_PER_TARGET" -t 2000 "${dict[@]}" -i "corpus/$target" -o "$out" \
    "$TARGET_DIR/release/$target" >"$out/afl.log" 2>&1 || {
    tail -30 "$out/afl.log" >&2
    return 1
  }
  local stats="$out/default/fuzzer_stats"
  local crashes hangs
  crashes=$(find "$out/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
  hangs=$(find "$out/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
  printf '    %s: %s executions in %ss, %s paths in the queue, %s crashes, %s hangs\n' "$target" \
    "$(stat_of "$stats" execs_done)" "$(stat_of "$stats" run_time)" "$(stat_of "$stats" corpus_count)" \
    "$crashes" "$hangs"
  if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
    echo "    $target: see $out/default/crashes and $out/default/hangs" >&2
    return 1
  fi
}

step "cargo-afl $CARGO_AFL_VERSION" cargo_afl
step "AFL++" aflplusplus
step "build the fuzz targets" build
failed=()
for target in "${TARGETS[@]}"; do
  step "fuzz $target for ${SECONDS_PER_TARGET}s" fuzz_one "$target" || failed+=("$target")
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzzing found crashes or hangs in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzzing: ${#TARGETS[@]} targets, ${SECONDS_PER_TARGET}s each, no crash"
