#!/usr/bin/env bash
# Copies the console's libraries, pinned in package.json, from node_modules into
# www/console/vendor/ (not committed): the console is served as it is, with no bundler.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
vendor=www/console/vendor
mkdir -p "$vendor"
cp node_modules/preact/dist/preact.mjs "$vendor/preact.mjs"
cp node_modules/preact/hooks/dist/hooks.mjs "$vendor/hooks.mjs"
cp node_modules/htm/dist/htm.module.js "$vendor/htm.mjs"
cp node_modules/uplot/dist/uPlot.esm.js "$vendor/uPlot.esm.js"
cp node_modules/uplot/dist/uPlot.min.css "$vendor/uPlot.min.css"
echo "console libraries: $(ls "$vendor" | tr '\n' ' ')"
