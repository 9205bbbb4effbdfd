#!/usr/bin/env bash
# Imports a generated WordPress export of COMMENTS comments (default a million)
# into a fresh SQLite database with the release binary, and reports the wall
# time and the peak memory (RSS) from /usr/bin/time -v.
#
#   bench/import.sh                   # 1,000,000 comments, 100 per post
#   COMMENTS=100000 bench/import.sh   # a quicker run
#
# Needs python3 (the generator) and GNU time (Debian: apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/.."

COMMENTS=${COMMENTS:-1000000}
PER_POST=${PER_POST:-100}
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
cargo build --release --quiet
BIN=$PWD/target/release/replydesk

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 bench/gen_wxr.py "$COMMENTS" "$PER_POST" > "$WORK/export.xml"
SIZE=$(du -h "$WORK/export.xml" | cut -f1)
export REPLYDESK_DATABASE_URL="sqlite://$WORK/replydesk.db"
"$BIN" migrate >/dev/null

/usr/bin/time -v "$BIN" import wordpress "$WORK/export.xml" > "$WORK/summary.txt" 2> "$WORK/time.txt"
WALL=$(grep 'Elapsed (wall clock)' "$WORK/time.txt" | awk '{print $NF}')
RSS_KB=$(grep 'Maximum resident set size' "$WORK/time.txt" | awk '{print $NF}')
CPU=$(grep 'Percent of CPU' "$WORK/time.txt" | awk '{print $NF}')

echo "## Import: $COMMENTS comments ($SIZE WXR, $PER_POST per post), SQLite, $(date -u +%F)"
echo
echo "- wall time: $WALL (CPU $CPU)"
echo "- peak RSS: $((RSS_KB / 1024)) MiB"
echo "- database: $(du -h "$WORK/replydesk.db" | cut -f1)"
echo
sed 's/^/    /' "$WORK/summary.txt"
