#!/usr/bin/env bash
# `npm run chaos`: the long crash test (bench/chaos.mjs) — workerd SIGKILLed at random moments
# under a mixed workload, restarted on the same state, then audited and checked for
# linearizability. The figures in docs/reliability.md come from this command.
#   npm run chaos [-- --seconds 300 --kills 40 --seed 1 --clients 12]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"

if ! node scripts/check-build.mjs >/dev/null 2>&1; then
  step "build the worker" bash scripts/build.sh
fi
if [ "$#" -eq 0 ]; then
  set -- --seconds 300 --kills 40 --seed 1 --clients 12
fi
step "crash test (node bench/chaos.mjs $*)" node bench/chaos.mjs "$@"
