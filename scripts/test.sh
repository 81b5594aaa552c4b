#!/usr/bin/env bash
# Every test: Rust unit and router tests, then the Playwright journeys in
# Debian Chromium against the release build. Sets up what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

echo "== cargo tests"
cargo test -p app --features ssr
cargo test -p server

echo "== release build"
cargo leptos build --release

echo "== Playwright (end2end/)"
cd end2end
npx playwright test
