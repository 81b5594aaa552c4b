#!/usr/bin/env bash
# The client's download size: every .wasm and .js file of the release build
# (target/site/pkg), each gzip -9 as a server would send it. Fails past the
# budget in KB (default 310; docs/performance.md: the target is 200).
set -euo pipefail
cd "$(dirname "$0")/.."
budget_kb=${1:-310}
total=0
for f in target/site/pkg/*.wasm target/site/pkg/*.js; do
  [ -e "$f" ] || { echo "client-size: no release build in target/site/pkg" >&2; exit 2; }
  total=$((total + $(gzip -9 -c "$f" | wc -c)))
done
kb=$(( (total + 1023) / 1024 ))
echo "client size: ${kb} KB gzip (budget ${budget_kb} KB)"
[ "$kb" -le "$budget_kb" ] || { echo "client-size: over budget" >&2; exit 1; }
