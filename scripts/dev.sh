#!/usr/bin/env bash
# The README's first command (`npm run dev`): installs what is missing, builds, and serves the
# edge with the demo store on http://127.0.0.1:8787 (wrangler dev, workerd, state kept in
# .wrangler/state so a restart keeps it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
PORT="${PORT:-8787}"

bash scripts/bootstrap.sh
if ! node scripts/check-build.mjs >/dev/null 2>&1; then
  step "build the worker" bash scripts/build.sh
fi
step "build the widget" bash scripts/build-widget.sh
step "copy the console's libraries" bash scripts/build-console.sh

export CLOUDFLARE_CF_FETCH_ENABLED=false
node node_modules/wrangler/bin/wrangler.js dev --local --ip 127.0.0.1 --port "$PORT" \
  --persist-to .wrangler/state --log-level warn &
WRANGLER=$!
trap 'kill $WRANGLER 2>/dev/null; wait $WRANGLER 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 200); do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/v1/skus/DEMO-TEE/availability" && break
  curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
  sleep 0.1
done
TOKEN=$(grep '^MERCHANT_TOKEN=' .dev.vars | cut -d= -f2-)
echo "==> demo catalog"
node scripts/seed.mjs "http://127.0.0.1:$PORT" "$TOKEN"
cat <<INFO

Backorder Edge is running at http://127.0.0.1:$PORT/
  demo store:     http://127.0.0.1:$PORT/  (cart and checkout at /cart, order status at /order/)
  console:        http://127.0.0.1:$PORT/console/  (sign in with the merchant token)
  try the API:    curl http://127.0.0.1:$PORT/v1/skus/DEMO-PHONE/availability?qty=3
  merchant token: MERCHANT_TOKEN in $REPO_ROOT/.dev.vars
Stop with Ctrl-C. State is kept in .wrangler/state.
INFO
wait $WRANGLER
