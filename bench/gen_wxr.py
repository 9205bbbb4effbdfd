#!/usr/bin/env python3
"""Writes a WordPress export (WXR 1.2) with COMMENTS comments to standard output,
spread over posts of PER_POST comments, a third of them replies (some written
before their parents, as real exports sometimes are), with every status and
some non-ASCII text. Streams: it never holds more than one comment."""
import sys

comments = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
per_post = int(sys.argv[2]) if len(sys.argv) > 2 else 100
out = sys.stdout
w = out.write
w('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
  'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
  'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
  '<title>Bench</title>\n<wp:wxr_version>1.2</wp:wxr_version>\n')
statuses = ["1"] * 7 + ["0", "spam", "trash"]
next_id = 1
post = 0
while next_id <= comments:
    post += 1
    w(f'<item>\n<title>Post {post}</title>\n<link>https://blog.example/{post}/</link>\n'
      f'<wp:post_id>{post}</wp:post_id>\n<wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt>\n'
      f'<wp:comment_status>open</wp:comment_status>\n<wp:post_type>post</wp:post_type>\n')
    first = next_id
    last = min(comments, first + per_post - 1)
    for cid in range(first, last + 1):
        i = cid - first
        # Every third comment answers an earlier one; every 50th answers the next one.
        parent = cid - 1 - (i % 5) if i % 3 == 2 else 0
        if i % 50 == 10 and cid < last:
            parent = cid + 1
        if parent < first:
            parent = 0
        sec = cid % 60
        minute = (cid // 60) % 60
        w(f'<wp:comment>\n<wp:comment_id>{cid}</wp:comment_id>\n'
          f'<wp:comment_author><![CDATA[Commenter {cid % 997} Ünïcödé]]></wp:comment_author>\n'
          f'<wp:comment_author_email>c{cid % 997}@example.com</wp:comment_author_email>\n'
          f'<wp:comment_author_url>https://c{cid % 997}.example/</wp:comment_author_url>\n'
          f'<wp:comment_author_IP>192.0.2.{cid % 250}</wp:comment_author_IP>\n'
          f'<wp:comment_date_gmt>2021-03-04 05:{minute:02d}:{sec:02d}</wp:comment_date_gmt>\n'
          f'<wp:comment_content><![CDATA[Comment {cid}: <p>Lorem ipsum dolor sit amet, '
          f'consectetur adipiscing elit — 日本語 — sed do eiusmod tempor incididunt ut labore '
          f'et dolore magna aliqua. https://example.com/{cid}</p>]]></wp:comment_content>\n'
          f'<wp:comment_approved>{statuses[cid % 10]}</wp:comment_approved>\n'
          f'<wp:comment_type></wp:comment_type>\n<wp:comment_parent>{parent}</wp:comment_parent>\n'
          f'</wp:comment>\n')
    next_id = last + 1
    w('</item>\n')
w('</channel>\n</rss>\n')
