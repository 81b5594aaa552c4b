#!/usr/bin/env bash
# The release build that is served: the server, and the client under hashed
# names (hash-files) with a brotli and a gzip copy of every static file made
# once, at the highest level (--precompress), which the server sends as is.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo leptos build --release --precompress
