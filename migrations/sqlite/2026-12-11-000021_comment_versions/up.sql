-- Every text a commenter's edit replaced, so the audit keeps each version a
-- comment had: `body` is the text as it was until `replaced_at`. A comment
-- deleted for ever takes its versions with it; `forget --delete-text`
-- deletes them too.
CREATE TABLE comment_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    comment_id BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    replaced_at TIMESTAMP NOT NULL
);
CREATE INDEX comment_versions_comment ON comment_versions (comment_id, replaced_at);
