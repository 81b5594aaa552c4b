# Sourced by the scripts: puts the project's own tools first on PATH
# (wasm-opt from npm's binaryen, not Debian's, which breaks hydration).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/scripts/tools/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
