#!/usr/bin/env bash
# Installs what building, serving and testing ecert needs, and nothing that
# is already there: Debian packages, the wasm32 target, cargo-leptos, the
# wasm-bindgen CLI matching Cargo.lock, and the npm tools (wasm-opt from the
# `binaryen` package, Playwright). Only package registries are used.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

# Debian packages: Chromium for the browser tests, CJK fonts for pages and PDFs,
# poppler (pdfsig, pdftotext, pdftoppm), zbar (zbarimg) and openssl (cms -verify) to check PDFs independently,
# sqlite3 for the crash and soak tests to read the database independently of the server,
# qpdf (qpdf --check) and a Python virtualenv for the PDF/A and PDF/UA checkers below.
missing=()
for pkg in chromium fonts-noto-cjk poppler-utils zbar-tools openssl sqlite3 qpdf python3-venv; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# cargo-leptos 0.3.10 is the newest that builds on rustc 1.95 with --locked.
if ! cargo leptos --version >/dev/null 2>&1; then
  say "installing cargo-leptos 0.3.10 (about 11 minutes on 2 cores)"
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --locked cargo-leptos@0.3.10
fi

# cargo-leptos would download wasm-bindgen from GitHub; give it the CLI of
# exactly the crate version in Cargo.lock instead.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  say "installing wasm-bindgen-cli $wb_version"
  cargo info "wasm-bindgen-cli@$wb_version" >/dev/null
  src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"wasm-bindgen-cli-$wb_version" | head -n 1)
  work=$(mktemp -d)
  cp -r "$src/." "$work"
  # Its lockfile pins webpki-roots 1.0.11, which the registry does not serve.
  (cd "$work" && { cargo update -p webpki-roots --precise 1.0.10 2>/dev/null || true; } \
    && cargo install --locked --path . --bins)
  rm -rf "$work"
fi

# The PDF checkers from PyPI (outloud for PDF/UA, pikepdf, pyHanko), every
# version pinned in scripts/tools/requirements.txt, in a virtualenv of their own.
venv=scripts/tools/.venv
if [ ! -x "$venv/bin/outloud" ] || [ scripts/tools/requirements.txt -nt "$venv/.installed" ]; then
  say "installing the PDF and OFD checkers from PyPI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/tools/requirements.txt
  touch "$venv/.installed"
fi

# npm tools, each folder with its committed package-lock.json.
for dir in scripts/tools end2end; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "installing npm packages in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
