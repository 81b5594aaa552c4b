#!/usr/bin/env bash
# What the quick start runs after the build: the demo staff of README's
# "Demo accounts" made with the command an operator uses (staff never come
# from registration; kept if present), then the release server, which loads
# the demo holders and certificates into an empty database on first start.
# The test command runs this very script on a fresh data directory and signs
# in every account README lists (bench/src/scenarios/quickstart.rs).
# ECERT_* and LEPTOS_* variables apply as to any start (docs/configuration.md).
set -euo pipefail
cd "$(dirname "$0")/.."
demo_password="Ecert@2026"
server=./target/release/server
# username | display name | role | issuing body (seal code)
while IFS='|' read -r username name role seal; do
  [ -n "$username" ] || continue
  echo "$demo_password" | "$server" admin create --if-missing --username "$username" --name "$name" \
    --role "$role" ${seal:+--seal "$seal"}
done <<'STAFF'
admin|系统管理员|admin|
cbaissuer|中国银行业协会证书管理员|issuer|cba
STAFF
exec "$server" serve
