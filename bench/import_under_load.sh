#!/usr/bin/env bash
# What a long import costs the live submissions beside it: starts the release
# server on a fresh SQLite database, drives POST /comments with wrk for
# DURATION seconds, and two seconds in runs `replydesk import wordpress` of a
# generated export of COMMENTS comments in a second process. Prints wrk's
# rate, latencies (the max is the longest any submission waited) and errors,
# and the import's wall time.
#
#   bench/import_under_load.sh                    # 100,000 comments, 30 s of load
#   COMMENTS=20000 DURATION=10 bench/import_under_load.sh
#   BIN=/path/to/older/replydesk bench/import_under_load.sh
#
# Needs wrk and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
COMMENTS=${COMMENTS:-100000}
DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18081}
. bench/common.sh
release_binary
python3 bench/gen_wxr.py "$COMMENTS" 100 > "$WORK/export.xml"
DATABASE= fresh_database unused
export REPLYDESK_HOLD_ALL=true
export REPLYDESK_MAIL_FOLDER="$WORK/mail"
"$BIN" migrate >/dev/null
(cd "$WORK" && exec "$BIN" serve) >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 50); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
(
    sleep 2
    start=$(date +%s.%N)
    if "$BIN" import wordpress "$WORK/export.xml" >"$WORK/import.txt" 2>&1; then
        outcome=imported
    else
        outcome=failed
    fi
    end=$(date +%s.%N)
    echo "$outcome in $(python3 -c "print(f'{$end - $start:.1f}')") s" >"$WORK/import.time"
) &
IMPORT=$!
FORMAT=form SALT="$(date +%s%N)" wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    -s bench/submit.lua "http://127.0.0.1:$PORT" >"$WORK/wrk.txt" 2>&1
wait "$IMPORT"
echo "## $COMMENTS-comment import beside ${DURATION} s of form submissions ($CONNECTIONS connections), SQLite"
echo
echo "- import: $(cat "$WORK/import.time")"
grep -E "Requests/sec|Non-2xx|Socket errors|Latency +|^ +(50|99)%" "$WORK/wrk.txt" | sed 's/^ */- /'
grep -m1 -E "^ +Latency" "$WORK/wrk.txt" | awk '{print "- max latency: " $4}'
sed -n '1,3p' "$WORK/import.txt" | sed 's/^/    /'
