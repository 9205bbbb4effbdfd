#!/usr/bin/env bash
# A hot post: readers keep asking for the first page of one post with COMMENTS
# approved comments while new comments are published on it. Starts the real
# release server on loopback (as bench/run.sh does) with a fresh database,
# seeds the post, and runs wrk GET /api/posts/hot/comments
#   1. alone,
#   2. beside a writer publishing WRITES_PER_SECOND comments a second on the post,
#   3. beside an unthrottled writer (wrk, WRITERS connections) on the post,
# then prints a Markdown table (also saved under bench/results/).
# Every published comment moves the post's version, so readers miss the
# rendered page cache each time (docs/performance.md, "Hot post").
#
#   bench/hot_post.sh                                    # SQLite, 5,000 comments
#   DATABASE=postgres://postgres@127.0.0.1/postgres bench/hot_post.sh
#   BIN=/path/to/older/replydesk bench/hot_post.sh       # measure another build
#   DURATION=3 RUNS=1 UNTHROTTLED=0 bench/hot_post.sh    # a quick smoke
#
# Needs wrk, curl and python3 (and psql for PostgreSQL). Runs for about
# 3 × RUNS × DURATION seconds after seeding, then stops and cleans up.
set -euo pipefail
cd "$(dirname "$0")/.."

COMMENTS=${COMMENTS:-5000}
DURATION=${DURATION:-10}
RUNS=${RUNS:-3}
CONNECTIONS=${CONNECTIONS:-32}
WRITES_PER_SECOND=${WRITES_PER_SECOND:-10}
UNTHROTTLED=${UNTHROTTLED:-1}
WRITERS=${WRITERS:-4}
DATABASE=${DATABASE:-}
PORT=${PORT:-18082}
BASE="http://127.0.0.1:$PORT"
PAGE_PATH=/api/posts/hot/comments

. bench/common.sh
release_binary
fresh_database replydesk_hot
export REPLYDESK_BURST_LIMIT=${BURST_LIMIT:-20}
# Published at once, so that every submission moves the post's version.
export REPLYDESK_HOLD_ALL=false

# All but one of the comments straight in SQL (three in five top-level, the
# rest replies one and two deep); the last through the server, which counts
# the post's comments and threads as it publishes it.
# A time of day on DAY, SECONDS (an SQL expression) after midnight, as each
# backend takes text into a TIMESTAMP column: every comment has its own, as
# comments that arrive one by one do.
at() {
    local text="'$1 ' || substr(CAST(100 + ($2) / 3600 AS TEXT), 2) || ':' || substr(CAST(100 + ($2) / 60 % 60 AS TEXT), 2) || ':' || substr(CAST(100 + ($2) % 60 AS TEXT), 2)"
    if [ "$BACKEND" = SQLite ]; then echo "$text"; else echo "CAST($text AS TIMESTAMP)"; fi
}
echo "seeding $COMMENTS comments on one post, $BACKEND…" >&2
(cd "$WORK" && "$BIN" migrate >/dev/null)
SEED=$(cat <<SQL
INSERT INTO posts (post_key, title, url, comments_open, version, created_at)
VALUES ('hot', 'Hot', 'http://localhost/hot/', (1 = 1), 1, '2026-01-01 00:00:00');

INSERT INTO comments (post_id, parent_id, depth, author, email, url, body, status, reasons, ip,
                      user_agent, subscribed, created_at, updated_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ($COMMENTS - 1) * 3 / 5)
SELECT (SELECT id FROM posts WHERE post_key = 'hot'), NULL, 0,
       'Hot reader ' || i, 'hot' || i || '@example.com', 'https://reader.example/' || i,
       'A top-level comment ' || i || '

with two paragraphs and a link: https://example.com/' || i,
       'approved', '', NULL, 'Mozilla/5.0', (1 = 0), $(at 2026-01-02 "i * 10"), '2026-01-02 00:00:00'
FROM n;

INSERT INTO comments (post_id, parent_id, depth, author, email, url, body, status, reasons, ip,
                      user_agent, subscribed, created_at, updated_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ($COMMENTS - 1) / 5)
SELECT p.id, (SELECT MIN(id) FROM comments WHERE post_id = p.id AND author = 'Hot reader ' || (3 * i)), 1,
       'Hot replier ' || i, 'replier' || i || '@example.com', '', 'A reply ' || i || ', with *a few* words.',
       'approved', '', NULL, 'Mozilla/5.0', (1 = 0), $(at 2026-01-03 "i * 20"), '2026-01-03 00:00:00'
FROM n, posts p WHERE p.post_key = 'hot';

INSERT INTO comments (post_id, parent_id, depth, author, email, url, body, status, reasons, ip,
                      user_agent, subscribed, created_at, updated_at)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ($COMMENTS - 1) - ($COMMENTS - 1) * 3 / 5 - ($COMMENTS - 1) / 5)
SELECT p.id, (SELECT MIN(id) FROM comments WHERE post_id = p.id
              AND author = 'Hot replier ' || (i % (($COMMENTS - 1) / 5) + 1)), 2,
       'Deep replier ' || i, 'deep' || i || '@example.com', '', 'A reply to a reply ' || i || '.',
       'approved', '', NULL, 'Mozilla/5.0', (1 = 0), $(at 2026-01-04 "i * 20"), '2026-01-04 00:00:00'
FROM n, posts p WHERE p.post_key = 'hot';
SQL
)
if [ "$BACKEND" = SQLite ]; then
    python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.stdin.read()); c.commit()' "$WORK/replydesk.db" <<<"$SEED"
else
    psql "$URL" -q -v ON_ERROR_STOP=1 <<<"$SEED" >/dev/null
    psql "$URL" -qc 'VACUUM ANALYZE' -c 'CHECKPOINT' >/dev/null
fi
sync

(cd "$WORK" && exec "$BIN" serve 2>>"$WORK/server.log") &
SERVER_PID=$!
for _ in $(seq 1000); do curl -fs "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.01; done
curl -fs "$BASE/readyz" >/dev/null || { echo "bench: the server did not start" >&2; tail "$WORK/server.log" >&2; exit 1; }
curl -fs -o /dev/null -H 'Content-Type: application/json' -H 'Origin: http://localhost' \
    -H 'X-Forwarded-For: 2001:db8:ffff::1' "$BASE/api/comments" \
    -d '{"post":"hot","post_title":"Hot","post_url":"http://localhost/hot/","author":"Last","email":"last@example.com","comment":"The last of the seed."}'

# Publishes comments on the hot post through the real server, each from an
# address of its own (the server trusts 127.0.0.1 as a proxy): at RATE a
# second, paced to the clock, for SECONDS; one in three replies to a thread
# on the first page. Prints how many were published a second, and fails if
# any was refused or held.
cat >"$WORK/writer.py" <<'PY'
import http.client, json, sys, time
port, rate, seconds = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port)
conn.request("GET", "/api/posts/hot/comments")
parents = [c["id"] for c in json.loads(conn.getresponse().read())["comments"]]
salt, published, n = time.time_ns(), 0, 0
start = time.monotonic()
while time.monotonic() - start < seconds:
    n += 1
    body = {"post": "hot", "post_title": "Hot", "post_url": "http://localhost/hot/",
            "author": f"Writer {n}", "email": f"writer{salt}-{n}@example.com",
            "comment": f"A new comment {salt}-{n}, published while the post is read."}
    if n % 3 == 0:
        body["parent"] = parents[n % len(parents)]
    conn.request("POST", "/api/comments", json.dumps(body), {
        "Content-Type": "application/json", "Origin": "http://localhost",
        "X-Forwarded-For": f"2001:db8:{salt % 65536:x}:{n:x}::1"})
    answer = conn.getresponse()
    text = answer.read()
    if answer.status != 201 or json.loads(text)["status"] != "approved":
        sys.exit(f"writer: {answer.status} {text[:200]!r}")
    published += 1
    time.sleep(max(0.0, start + n / rate - time.monotonic()))
print(f"{published / (time.monotonic() - start):.1f}")
PY

# One wrk run of readers; prints "rps p50_ms p99_ms non_ok".
read_run() {
    local out
    out=$(PATH_TO_GET=$PAGE_PATH wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/get.lua "$BASE" 2>&1)
    echo "$out" >>"$WORK/wrk.log"
    python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
def ms(v):
    n, unit = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
p50 = ms(re.search(r"\s50%\s+(\S+)", out).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", out).group(1))
bad = int(re.search(r"BAD (\d+)", out).group(1)) + sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
print(f"{rps:.0f} {p50:.2f} {p99:.2f} {bad}")
PY
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

ROWS=()
NON_OK_TOTAL=0
# scenario NAME WRITER: WRITER is none, paced or wrk.
scenario() {
    local name=$1 writer=$2 rps=() p50=() p99=() writes=() r a b n w
    for _ in $(seq "$RUNS"); do
        case $writer in
            paced) python3 "$WORK/writer.py" "$PORT" "$WRITES_PER_SECOND" "$DURATION" >"$WORK/writes" & HELPER_PID=$! ;;
            wrk) (POST=hot FORMAT=json SALT="$(date +%s%N)" wrk -t1 -c"$WRITERS" -d"${DURATION}s" -s bench/submit.lua "$BASE" >"$WORK/writes.wrk" 2>&1) & HELPER_PID=$! ;;
        esac
        read -r r a b n < <(read_run)
        w=-
        case $writer in
            paced) wait "$HELPER_PID"; w=$(cat "$WORK/writes") ;;
            wrk) wait "$HELPER_PID"
                 w=$(awk -v d="$DURATION" '/ACKNOWLEDGED/ { printf "%.0f", $2 / d }' "$WORK/writes.wrk")
                 grep -q "REFUSED 0" "$WORK/writes.wrk" && grep -q "OTHER 0" "$WORK/writes.wrk" || n=$((n + 1)) ;;
        esac
        HELPER_PID=
        rps+=("$r"); p50+=("$a"); p99+=("$b"); writes+=("$w"); NON_OK_TOTAL=$((NON_OK_TOTAL + n))
    done
    ROWS+=("| $name | $(printf '%s\n' "${rps[@]}" | median) | $(printf '%s\n' "${p50[@]}" | median) | $(printf '%s\n' "${p99[@]}" | median) | ${writes[*]} | ${rps[*]} |")
}

scenario "reads alone" none
scenario "reads + $WRITES_PER_SECOND published/s" paced
if [ "$UNTHROTTLED" = 1 ]; then scenario "reads + unthrottled writer ($WRITERS connections)" wrk; fi
THREAD=$(curl -fs "$BASE$PAGE_PATH" | python3 -c 'import json, sys; t = json.load(sys.stdin); print(t["total"], t["threads"])')

REPORT=$(cat <<MD
### Hot post, $BACKEND, $COMMENTS comments on one post, $(date -u +%Y-%m-%d)

Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ { print $2 }') GiB; wrk on the same machine.
Command: \`COMMENTS=$COMMENTS DURATION=$DURATION RUNS=$RUNS CONNECTIONS=$CONNECTIONS WRITES_PER_SECOND=$WRITES_PER_SECOND${DATABASE:+ DATABASE=…} bench/hot_post.sh\` (binary: \`${BIN#"$PWD/"}\`) — medians of $RUNS runs of ${DURATION} s of \`wrk -t2 -c$CONNECTIONS --latency\` GET $PAGE_PATH.

| scenario | reads/s | p50 ms | p99 ms | writes/s, each run | reads/s, each run |
|---|---|---|---|---|---|
$(printf '%s\n' "${ROWS[@]}")

- the post at the end: $THREAD (approved comments, threads)
MD
)
mkdir -p bench/results
echo "$REPORT" | tee "bench/results/$(date -u +%Y%m%dT%H%M%S)-hot-post-$BACKEND-$COMMENTS.md"

if [ "$NON_OK_TOTAL" -ne 0 ]; then
    echo "bench: $NON_OK_TOTAL answers were errors or refusals; wrk said:" >&2
    tail -n 40 "$WORK/wrk.log" >&2
    exit 1
fi
