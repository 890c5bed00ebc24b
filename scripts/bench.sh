#!/usr/bin/env bash
# `npm run bench`: the core's and the stored records' micro-benchmarks, then the edge under load
# (closed and open loop, alone, and beside a webhook receiver that never answers), one SKU
# object's CPU per reservation beside a plain-JS object's, the widget, and the worker's size
# and cold start beside the smallest worker of its shape on the same stack.
# Numbers are recorded in docs/performance.md with this command.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"

bash scripts/bootstrap.sh
if ! node scripts/check-build.mjs >/dev/null 2>&1; then
  step "build the worker" bash scripts/build.sh
fi
step "build the widget" bash scripts/build-widget.sh
step "core benchmarks (cargo bench -p backorder-core)" cargo bench -q -p backorder-core --bench core
step "stored-record benchmarks (cargo bench -p backorder-records)" cargo bench -q -p backorder-records --bench records
step "edge load test (node bench/edge.mjs)" node bench/edge.mjs "$@"
step "the storm beside a webhook receiver that never answers (node bench/webhooks.mjs)" node bench/webhooks.mjs
step "one SKU object's CPU per reservation beside plain JS (node bench/object-cpu.mjs)" node bench/object-cpu.mjs
step "widget size and time to render (node bench/widget.mjs)" node bench/widget.mjs
step "worker size beside its floor (bench/size-floor)" bash bench/size-floor/measure.sh
step "worker cold start beside its floor (node bench/cold-start.mjs)" node bench/cold-start.mjs
