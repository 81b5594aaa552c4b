#!/usr/bin/env bash
# Quick start: set up, build the release server and WASM, and serve on
# http://127.0.0.1:3000 with an embedded SQLite database in ./data, migrated
# and loaded with demo data on first start (scripts/demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build-release.sh --demo
exec scripts/demo.sh
