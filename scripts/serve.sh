#!/usr/bin/env bash
# Quick start: set up, build the release server and WASM, and serve on
# http://127.0.0.1:3000 with an embedded SQLite database in ./data, migrated
# and loaded with demo data on first start.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
cargo leptos build --release
# Demo staff for the issuers' portal (/admin), made with the command an
# operator uses (staff never come from registration); kept if present.
demo_password="Ecert@2026"
echo "$demo_password" | ./target/release/server admin create --if-missing \
  --username admin --name 系统管理员
echo "$demo_password" | ./target/release/server admin create --if-missing \
  --username cba --name 中国银行业协会证书管理员 --role issuer --seal cba
exec ./target/release/server serve
