#!/usr/bin/env bash
# The README's test command (`npm test`): installs what is missing, then runs every check.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"

bash scripts/bootstrap.sh

step "cargo fmt --check" cargo fmt --all -- --check
step "cargo clippy (native, all targets)" cargo clippy --workspace --all-targets --quiet -- -D warnings
step "native tests (core rules, model property test, simulation, api)" cargo test --workspace --quiet
step "core tests compiled to wasm32, run under Node" \
  cargo test -p backorder-core --target wasm32-unknown-unknown
step "widget tests in headless Chromium (wasm-bindgen-test)" \
  cargo test -p backorder-widget --target wasm32-unknown-unknown
step "build the worker" bash scripts/build.sh
step "build the widget" bash scripts/build-widget.sh
step "copy the console's libraries" bash scripts/build-console.sh
step "edge tests in workerd, widget tests in Chromium (node --test)" \
  node --test --test-concurrency=1 --test-reporter=spec tests/*.test.mjs
echo "All tests passed."
