#!/usr/bin/env bash
# Builds the storefront widget into www/: widget.js (crates/widget/loader.js + wasm-bindgen glue, one classic
# script) and the wasm, both also under versioned immutable names, and prints the sizes and
# the SRI hash for merchants who pin a version.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
OUT="$REPO_ROOT/target/widget"
rm -rf "$OUT" && mkdir -p "$OUT"

cargo build -q -p backorder-widget --release --target wasm32-unknown-unknown
wasm-bindgen target/wasm32-unknown-unknown/release/backorder_widget.wasm \
  --out-dir "$OUT" --target no-modules --no-typescript
shrink_wasm "$OUT/backorder_widget_bg.wasm" "$OUT/widget.wasm"

WASM_HASH=$(sha256sum "$OUT/widget.wasm" | cut -c1-12)
WASM_FILE="widget-$WASM_HASH.wasm"
{
  echo "(function () {"
  cat "$OUT/backorder_widget.js"
  echo "var WASM_FILE = \"$WASM_FILE\";"
  cat crates/widget/loader.js
  echo "})();"
} > "$OUT/widget.src.js"
"$ESBUILD_BIN" "$OUT/widget.src.js" --minify --target=es2020 --log-level=warning --outfile="$OUT/widget.js"

JS_HASH=$(sha256sum "$OUT/widget.js" | cut -c1-12)
rm -f www/widget.js www/widget-*.js www/widget-*.wasm
cp "$OUT/widget.wasm" "www/$WASM_FILE"
cp "$OUT/widget.js" "www/widget.js"
cp "$OUT/widget.js" "www/widget-$JS_HASH.js"
SRI=$(node -e 'const c=require("crypto"),f=require("fs");console.log("sha384-"+c.createHash("sha384").update(f.readFileSync(process.argv[1])).digest("base64"))' "www/widget-$JS_HASH.js")
echo "$SRI" > "$OUT/sri.txt"
gz() { gzip -9c "$1" | wc -c; }
total=$(( $(gz www/widget.js) + $(gz "www/$WASM_FILE") ))
printf 'widget: widget.js %s B (%s B gzip), %s %s B (%s B gzip); total %s B gzip\n' \
  "$(stat -c %s www/widget.js)" "$(gz www/widget.js)" "$WASM_FILE" "$(stat -c %s "www/$WASM_FILE")" "$(gz "www/$WASM_FILE")" "$total"
echo "pinned version: <script src=\"https://EDGE/widget-$JS_HASH.js\" integrity=\"$SRI\" crossorigin=\"anonymous\" defer></script>"
