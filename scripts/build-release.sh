#!/usr/bin/env bash
# The release build that is served: the server, and the client under hashed
# names (hash-files) with a brotli and a gzip copy of every static file made
# once, at the highest level, which the server sends as they are. cargo-leptos
# makes the brotli copies at quality 11 (--precompress); its gzip copies are
# made again with gzip -9 (cargo-leptos' own gzip left the WASM 20 % larger).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo leptos build --release --precompress
for file in target/site/pkg/*.gz; do
  gzip -9 --no-name --stdout "${file%.gz}" >"$file"
done
