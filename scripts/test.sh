#!/usr/bin/env bash
# Every test: Rust unit and router tests (on SQLite, then again on a
# throw-away PostgreSQL), two release servers sharing that PostgreSQL, then
# the Playwright journeys in Debian Chromium against the release build (on
# SQLite with and without JavaScript, and with JavaScript on PostgreSQL).
# Sets up what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
# Each section says when it starts, so a slow CI run shows where its time went.
section() { echo "== [${SECONDS}s since start] $*"; }
section "setup done"

# Every package's tests in one cargo call, so each dependency is built once
# with one set of features (separate calls per package built app and a dozen
# dependencies twice). One test at a time: each router test builds its own
# router and runtime, and Leptos' process-wide reactive state shared by
# parallel test runtimes can stall a render (seen about 1 run in 10); one
# server process has one runtime. Running takes seconds; building is the cost.
cargo_tests() { cargo test -p fuzz -p app -p server -p bench --features app/ssr -- --test-threads=1; }

section "cargo tests (the fuzz targets among them: fuzz/, FUZZ_CASES per target)"
cargo_tests

section "the same store and server tests on PostgreSQL (a throw-away cluster)"
repo=$(pwd)
pg_dir=$(mktemp -d /tmp/ecert-postgres.XXXXXX)
# Absolute: the trap runs wherever the script is when it ends (end2end/).
trap '"$repo/scripts/postgres.sh" stop "$pg_dir"' EXIT
export ECERT_TEST_POSTGRES_URL
ECERT_TEST_POSTGRES_URL=$(scripts/postgres.sh start "$pg_dir" "${ECERT_TEST_POSTGRES_PORT:-54329}")
cargo_tests

# The production build first, kept aside: the bench checks that it refuses
# demo data and serves without it (bench/src/scenarios/production.rs).
section "production release build (no demo data)"
scripts/build-release.sh
# A copy of its own: cargo's target/release/server is a hard link into
# target/release/deps, which the demo build below links anew.
rm -f target/release/server-production
cp target/release/server target/release/server-production

section "release build (hashed, precompressed client; with the demo data)"
scripts/build-release.sh --demo

# README's quick start (scripts/demo.sh on a fresh data directory: every
# demo account signs in), what a first visit receives on the wire with its
# budgets (docs/performance.md), and two release servers sharing PostgreSQL.
section "quick start, bytes on the wire, the production build, bounded cost, two instances (bench/src/scenarios/{quickstart,wire,production,amplification,instances}.rs)"
cargo build --release -p bench
target/release/bench --only quickstart,production,amplification,instances

section "Playwright (end2end/)"
cd end2end
npx playwright test
section "all passed"
