# Sourced by the benchmark scripts, from the repository's root: the release
# binary (or BIN=, another build), a work folder, a fresh database for the
# run, the server's loopback settings, and the clean-up of all of it on exit.

command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

# BIN=path/to/replydesk measures another build (an older one, say).
release_binary() {
    if [ -z "${BIN:-}" ]; then
        cargo build --release --quiet
        BIN=$PWD/target/release/replydesk
    fi
}

WORK=$(mktemp -d)
SERVER_PID=
# Background work of the script's own (a writer, say) that the clean-up stops.
HELPER_PID=
cleanup() {
    [ -n "$HELPER_PID" ] && kill "$HELPER_PID" 2>/dev/null || true
    [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null || true
    if [ -n "${PG_DB:-}" ]; then psql "$DATABASE" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# fresh_database NAME: a PostgreSQL database NAME_PID on DATABASE's server, or
# a SQLite file in the work folder; sets URL and BACKEND and points the server
# at it, listening on PORT behind a trusted loopback proxy.
fresh_database() {
    if [ -n "${DATABASE:-}" ]; then
        PG_DB="$1_$$"
        psql "$DATABASE" -qc "CREATE DATABASE $PG_DB" >/dev/null
        URL=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$DATABASE" "$PG_DB")
        BACKEND=PostgreSQL
    else
        URL="sqlite://$WORK/replydesk.db"
        BACKEND=SQLite
    fi
    export REPLYDESK_DATABASE_URL=$URL
    export REPLYDESK_BIND=127.0.0.1:$PORT
    export REPLYDESK_ALLOWED_ORIGINS=http://localhost
    export REPLYDESK_TRUSTED_PROXIES=127.0.0.1
}
