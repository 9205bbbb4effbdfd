#!/usr/bin/env bash
# What PostgreSQL itself allows on this machine for the statements of one
# submission, with pgbench (a C client, no HTTP, no wrk) in place of Replydesk:
# a ceiling for bench/run.sh's PostgreSQL submissions. It seeds a fresh
# database as bench/run.sh does and drops it afterwards.
#
#   DATABASE='postgres://postgres@127.0.0.1/postgres?sslmode=disable' bench/pgbench.sh
#
# Needs pgbench and psql (Debian: postgresql-client).
set -euo pipefail
cd "$(dirname "$0")/.."

DATABASE=${DATABASE:?set DATABASE to a PostgreSQL URL whose user may create databases}
DURATION=${DURATION:-10}
RUNS=${RUNS:-3}
CLIENTS=${CLIENTS:-"8 16 32"}
cargo build --release --quiet
BIN=$PWD/target/release/replydesk

DB="replydesk_pgbench_$$"
trap 'psql "$DATABASE" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
psql "$DATABASE" -qc "CREATE DATABASE $DB" >/dev/null
URL=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$DATABASE" "$DB")
REPLYDESK_DATABASE_URL=$URL "$BIN" migrate >/dev/null
sed -e "s/:COMMENTS/${COMMENTS:-10000}/" -e "s/:SENDERS/0/" bench/seed.sql | psql "$URL" -q -v ON_ERROR_STOP=1 >/dev/null
printf 'bench-password\nbench-password\n' | REPLYDESK_DATABASE_URL=$URL "$BIN" moderator add moderator@example.com >/dev/null

echo "| script | clients | transactions/s, each run |"
echo "|---|---|---|"
for script in eleven-statements four-round-trips; do
    for c in $CLIENTS; do
        tps=()
        for _ in $(seq "$RUNS"); do
            tps+=("$(pgbench -n -M prepared -c "$c" -j 2 -T "$DURATION" -f "bench/pgbench/$script.sql" "$URL" 2>/dev/null | awk '/^tps/ { printf "%.0f", $3 }')")
        done
        echo "| $script | $c | ${tps[*]} |"
    done
done
