#!/usr/bin/env bash
# The release build that is served: the server, and the client under hashed
# names (hash-files) with a brotli and a gzip copy of every static file made
# once, at the highest level, which the server sends as they are. cargo-leptos
# makes the brotli copies at quality 11 (--precompress); its gzip copies are
# made again with gzip -9 (cargo-leptos' own gzip left the WASM 20 % larger).
# --split: a lazy island's code (#[island(lazy)]: the download page's) is a
# chunk of its own, fetched when a page shows that island, so the pages
# without it load less (docs/performance.md, "On the wire").
# --demo: a server that carries the quick start's demo data and the
# benchmark's `load-test-data` (the server's `demo` feature); the quick
# start, the tests and the benchmark build it. Without it (production) the
# server has neither.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
features=()
case "${1:-}" in
  --demo) features=(--bin-features demo) ;;
  "") ;;
  *) echo "usage: scripts/build-release.sh [--demo]" >&2; exit 2 ;;
esac
cargo leptos build --release --precompress --split "${features[@]}"
for file in target/site/pkg/*.gz; do
  gzip -9 --no-name --stdout "${file%.gz}" >"$file"
done
