#!/usr/bin/env bash
# Every test: Rust unit and router tests, then the Playwright journeys in
# Debian Chromium against the release build. Sets up what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

echo "== cargo tests (the fuzz targets among them: fuzz/, FUZZ_CASES per target)"
cargo test -p fuzz
cargo test -p app --features ssr
# One test at a time: each test builds its own router and runtime, and Leptos'
# process-wide reactive state shared by parallel test runtimes can stall a
# render (seen about 1 run in 10); one server process has one runtime.
cargo test -p server -- --test-threads=1
cargo test -p bench


echo "== release build"
cargo leptos build --release
# The client's size budget (docs/performance.md).
scripts/client-size.sh 300

echo "== Playwright (end2end/)"
cd end2end
npx playwright test
