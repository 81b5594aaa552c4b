#!/usr/bin/env bash
# The performance runner (docs/performance.md): sets up what is missing,
# builds the release server and client, then runs bench/ against it on
# loopback and prints every target with pass/fail (also target/bench/report.md).
# Arguments go to the runner: --quick (a short smoke run), --only serving,generation,…
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build-release.sh --demo
cargo build --release -p bench
exec target/release/bench "$@"
