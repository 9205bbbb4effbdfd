#!/usr/bin/env bash
# Replydesk's benchmark: builds the binary (release unless PROFILE says), starts the real server on
# loopback with a fresh, seeded database, drives it with wrk, and prints a
# Markdown report (also saved under bench/results/).
#
#   bench/run.sh                         # SQLite, 10,000 seeded comments, 10 s per run
#   COMMENTS=1000000 bench/run.sh        # the same with a million comments stored
#   DATABASE=postgres://postgres@127.0.0.1/postgres bench/run.sh   # on PostgreSQL
#   DURATION=3 RUNS=1 bench/run.sh       # a quick smoke
#   PROFILE=dev DURATION=2 RUNS=1 CONNECTIONS=32 bench/run.sh   # CI's smoke: keeps the script working, proves no speed
#   BURST_LIMIT=0 bench/run.sh           # without the per-address burst limiter (default 20 a minute)
#   SENDERS=10000 COMMENTS=1000000 bench/run.sh   # repeat senders: 10,000 Zipf commenters and a
#                                        # spammer with 20 addresses, in the seed and in the traffic
#   SQLITE_SYNC=normal bench/run.sh      # SQLite without a sync per commit (REPLYDESK_SQLITE_SYNC)
#   SUBSCRIBE=20 bench/run.sh            # 20 % of the replies ask for reply notifications (each new
#                                        # address is asked to confirm itself once)
#   HOT_POST=1 bench/run.sh              # and then bench/hot_post.sh: one post read while comments land on it
#
# Needs wrk (Debian: apt-get install wrk) and python3 (SQLite seeding) or psql.
set -euo pipefail
cd "$(dirname "$0")/.."

COMMENTS=${COMMENTS:-10000}
DURATION=${DURATION:-10}
RUNS=${RUNS:-3}
CONNECTIONS=${CONNECTIONS:-"32 128"}
DATABASE=${DATABASE:-}
# 0: every submission from an address no other request had. N: from N
# commenters, a few of whom write most comments, and 5 % from a spammer
# reusing 20 addresses (docs/performance.md, "Repeat senders").
export SENDERS=${SENDERS:-0}
export SUBSCRIBE=${SUBSCRIBE:-0}
PORT=${PORT:-18080}
BASE="http://127.0.0.1:$PORT"

. bench/common.sh
PROFILE=${PROFILE:-release}
cargo build --profile "$PROFILE" --quiet
# cargo puts the dev profile's build in target/debug.
BIN=$PWD/target/$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")/replydesk
fresh_database replydesk_bench
# The burst limiter at its default; BURST_LIMIT=0 measures without it. Every
# request comes from a /64 of its own, so it never refuses one.
export REPLYDESK_BURST_LIMIT=${BURST_LIMIT:-20}
export REPLYDESK_HOLD_ALL=true
export REPLYDESK_SQLITE_SYNC=${SQLITE_SYNC:-full}
# Repeat senders write faster than any flood window allows; the rule stays
# off for them, as it is for no one in the unique-sender mode either.
if [ "$SENDERS" -gt 0 ]; then export REPLYDESK_FLOOD_SECONDS=0; fi

count_comments() {
    if [ "$BACKEND" = SQLite ]; then
        python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from comments").fetchone()[0])' "$WORK/replydesk.db"
    else
        psql "$URL" -Atc 'select count(*) from comments'
    fi
}

echo "seeding $COMMENTS comments on $BACKEND…" >&2
(cd "$WORK" && "$BIN" migrate >/dev/null)
SEED=$(sed -e "s/:COMMENTS/$COMMENTS/" -e "s/:SENDERS/$SENDERS/" bench/seed.sql)
if [ "$BACKEND" = SQLite ]; then
    python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.stdin.read()); c.commit()' "$WORK/replydesk.db" <<<"$SEED"
else
    psql "$URL" -q -v ON_ERROR_STOP=1 <<<"$SEED" >/dev/null
fi
# A trained spam filter, for a build that has one: scoring then does all its work.
if [ "$BACKEND" = SQLite ]; then
    python3 - "$WORK/replydesk.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
if c.execute("select count(*) from sqlite_master where name = 'spam_filters'").fetchone()[0]:
    c.executescript(open("bench/seed_spam.sql").read()); c.commit()
PY
elif [ "$(psql "$URL" -Atc "select to_regclass('spam_filters') is not null")" = t ]; then
    psql "$URL" -q -v ON_ERROR_STOP=1 -f bench/seed_spam.sql >/dev/null
fi
printf 'bench-password\nbench-password\n' | (cd "$WORK" && "$BIN" moderator add moderator@example.com >/dev/null)
# MODERATION_MAIL=each mails the moderator once per held comment, as every
# build before moderation digests did: a build with digests compared with one
# without, its mail worker's work held equal.
if [ -n "${MODERATION_MAIL:-}" ]; then
    (cd "$WORK" && "$BIN" moderator set moderator@example.com mail "$MODERATION_MAIL" >/dev/null)
fi
SEEDED=$(count_comments)
# The seed leaves work behind that a database holding these comments for a
# while has long done: PostgreSQL's autovacuum and checkpoint of the bulk load,
# and the kernel's writeback of the seed's dirty pages. Done now, it stays out
# of the measured runs.
if [ "$BACKEND" = PostgreSQL ]; then
    psql "$URL" -qc 'VACUUM ANALYZE' -c 'CHECKPOINT' >/dev/null
fi
sync

start_server() {
    local started=$(date +%s.%N)
    (cd "$WORK" && exec "$BIN" serve 2>>"$WORK/server.log") &
    SERVER_PID=$!
    until curl -fs "$BASE/readyz" >/dev/null 2>&1; do sleep 0.01; done
    STARTUP_MS=$(python3 -c "import time; print(round((time.time() - $started) * 1000))")
}

peak_rss_mb() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# The CPU time the server has used so far, in clock ticks (user + system).
server_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }

# One wrk run; prints "rps p50_ms p99_ms errors non_ok acknowledged cpu_us".
# cpu_us is the server's CPU time (all its threads) per request answered: it
# moves with the work a request costs, not with how fast the disk syncs or what
# else the shared machine runs, so it shows a small change that the rate,
# which moves by ±15 % from run to run here, hides.
wrk_run() {
    local conns=$1 script=$2 out before after
    before=$(server_ticks)
    out=$(SALT="$(date +%s%N)" wrk -t2 -c"$conns" -d"${DURATION}s" --latency -s "bench/$script" "$BASE" 2>&1)
    after=$(server_ticks)
    echo "$out" >>"$WORK/wrk.log"
    python3 - "$out" "$((after - before))" "$(getconf CLK_TCK)" <<'PY'
import re, sys
out = sys.argv[1]
ticks, per_second = int(sys.argv[2]), int(sys.argv[3])
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    n, unit = float(m.group(1)), m.group(2)
    return n / 1000 if unit == "us" else n * 1000 if unit == "s" else n
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
p50 = ms(re.search(r"\s50%\s+(\S+)", out).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", out).group(1))
errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
bad = re.search(r"(?:REFUSED|BAD) (\d+)", out)
other = re.search(r"OTHER (\d+)", out)
acked = re.search(r"ACKNOWLEDGED (\d+)", out)
non_ok = int(bad.group(1)) + (int(other.group(1)) if other else 0)
answered = int(re.search(r"(\d+) requests in", out).group(1))
cpu_us = ticks / per_second * 1e6 / max(answered, 1)
print(f"{rps:.0f} {p50:.2f} {p99:.2f} {errors} {non_ok} {acked.group(1) if acked else 0} {cpu_us:.1f}")
PY
}

ROWS=()
ACKED_TOTAL=0
NON_OK_TOTAL=0
scenario() {
    local name=$1 script=$2 conns=$3
    local rps=() p50=() p99=() cpu=() errs=0 nonok=0
    for _ in $(seq "$RUNS"); do
        read -r r a b e n k u < <(wrk_run "$conns" "$script")
        rps+=("$r"); p50+=("$a"); p99+=("$b"); cpu+=("$u"); errs=$((errs + e)); nonok=$((nonok + n)); ACKED_TOTAL=$((ACKED_TOTAL + k))
    done
    NON_OK_TOTAL=$((NON_OK_TOTAL + nonok))
    ROWS+=("| $name | $conns | $(printf '%s\n' "${rps[@]}" | median) | $(printf '%s\n' "${p50[@]}" | median) | $(printf '%s\n' "${p99[@]}" | median) | $(printf '%s\n' "${cpu[@]}" | median) | $errs | $nonok | ${rps[*]} |")
}

start_server
FIRST_STARTUP_MS=$STARTUP_MS
for c in $CONNECTIONS; do
    FORMAT=form scenario "POST /comments (form)" submit.lua "$c"
    FORMAT=json scenario "POST /api/comments (JSON)" submit.lua "$c"
done

# Every acknowledged submission must survive a kill -9.
RSS_WRITES=$(peak_rss_mb)
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
STORED=$(count_comments)
EXPECTED=$((SEEDED + ACKED_TOTAL))
if [ "$STORED" -ge "$EXPECTED" ]; then DURABLE="yes: $ACKED_TOTAL acknowledged, all stored after kill -9"; else DURABLE="NO: $EXPECTED expected, $STORED stored"; fi

# Each submission queued a moderator e-mail; the reads are measured on a server
# whose mail worker is idle, not one still writing the backlog to ./mail-outbox/.
OUTBOX_BACKLOG=$(
    if [ "$BACKEND" = SQLite ]; then
        python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); n = c.execute("update mail_outbox set sent_at = created_at where sent_at is null").rowcount; c.commit(); print(n)' "$WORK/replydesk.db"
    else
        psql "$URL" -Atc "with s as (update mail_outbox set sent_at = created_at where sent_at is null returning 1) select count(*) from s"
    fi
)
start_server
ETAG=$(curl -fs -D - -o /dev/null "$BASE/api/posts/listing/comments?per_page=200" | awk -F': ' 'tolower($1) == "etag" { print $2 }' | tr -d '\r')
COUNTS_PATH="/api/counts?$(for i in $(seq 0 19); do printf 'post=bench-post-%d&' "$i"; done)"
for c in $CONNECTIONS; do
    PATH_TO_GET="/api/posts/listing/comments?per_page=200" scenario "GET a 200-comment post" get.lua "$c"
    PATH_TO_GET="/api/posts/listing/comments?per_page=200" ETAG="$ETAG" scenario "the same, If-None-Match (304)" get.lua "$c"
    PATH_TO_GET="${COUNTS_PATH%&}" scenario "GET /api/counts, 20 posts" get.lua "$c"
    # As the widget reads: from the blog's page, whose Origin picks the site.
    ORIGIN=http://localhost PATH_TO_GET="/api/posts/listing/comments?per_page=200" scenario "the same post, with Origin" get.lua "$c"
done
RSS_READS=$(peak_rss_mb)

REPORT=$(cat <<MD
### $BACKEND, $COMMENTS comments stored, $([ "$SENDERS" -gt 0 ] && echo "$SENDERS repeat senders and a spammer" || echo "unique senders")$([ "$BACKEND" = SQLite ] && [ "$REPLYDESK_SQLITE_SYNC" != full ] && echo ", synchronous=$REPLYDESK_SQLITE_SYNC"), $(date -u +%Y-%m-%d)

Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ { print $2 }') GiB; wrk on the same machine.
Command: \`$([ "$PROFILE" = release ] || echo "PROFILE=$PROFILE ")$([ "$SENDERS" -gt 0 ] && echo "SENDERS=$SENDERS ")$([ "$SUBSCRIBE" -gt 0 ] && echo "SUBSCRIBE=$SUBSCRIBE ")$([ "$REPLYDESK_SQLITE_SYNC" != full ] && echo "SQLITE_SYNC=$REPLYDESK_SQLITE_SYNC ")COMMENTS=$COMMENTS DURATION=$DURATION RUNS=$RUNS BURST_LIMIT=$REPLYDESK_BURST_LIMIT${DATABASE:+ DATABASE=…} bench/run.sh\` — medians of $RUNS runs of ${DURATION} s, \`wrk -t2 --latency\`.

| scenario | connections | requests/s | p50 ms | p99 ms | server CPU µs/request | socket errors | non-2xx/3xx | requests/s, each run |
|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${ROWS[@]}")

- start-up to ready with $SEEDED comments stored: ${FIRST_STARTUP_MS} ms (after the writes: ${STARTUP_MS} ms)
- peak RSS: ${RSS_WRITES} MB during the submissions, ${RSS_READS} MB during the reads
- durability: $DURABLE
- e-mails still queued when the submissions ended: $OUTBOX_BACKLOG (marked sent before the reads)
MD
)
mkdir -p bench/results
echo "$REPORT" | tee "bench/results/$(date -u +%Y%m%dT%H%M%S)-$BACKEND-$COMMENTS$([ "$SENDERS" -gt 0 ] && echo "-senders$SENDERS").md"

# Speed is reported, never judged; a lost comment or a refused request fails the run.
case $DURABLE in yes*) ;; *) echo "bench: acknowledged comments were lost" >&2; exit 1 ;; esac
if [ "$NON_OK_TOTAL" -ne 0 ]; then
    echo "bench: $NON_OK_TOTAL answers were neither 2xx nor 3xx; wrk said:" >&2
    tail -n 40 "$WORK/wrk.log" >&2
    exit 1
fi

# HOT_POST=1: then one post's readers while comments land on it (bench/hot_post.sh).
if [ "${HOT_POST:-0}" = 1 ]; then
    PORT=$((PORT + 1)) BIN=$BIN DATABASE=$DATABASE DURATION=$DURATION RUNS=$RUNS bench/hot_post.sh
fi
