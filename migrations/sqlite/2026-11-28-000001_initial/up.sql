-- Posts are keyed by the blog's own identifier; `version` changes with every
-- change to a post's public comments so caches on any instance can tell.
CREATE TABLE posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    post_key TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    comments_open BOOLEAN NOT NULL DEFAULT 1,
    closes_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE moderators (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP
);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES comments (id) ON DELETE CASCADE,
    depth INTEGER NOT NULL DEFAULT 0,
    author TEXT NOT NULL,
    email TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    previous_status TEXT,
    reasons TEXT NOT NULL DEFAULT '',
    ip TEXT,
    user_agent TEXT NOT NULL DEFAULT '',
    subscribed BOOLEAN NOT NULL DEFAULT 0,
    moderator_id BIGINT REFERENCES moderators (id) ON DELETE SET NULL,
    source_id TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX comments_post_status_created ON comments (post_id, status, created_at);
CREATE INDEX comments_status_created ON comments (status, created_at);
CREATE INDEX comments_email_created ON comments (email, created_at);
CREATE INDEX comments_ip_created ON comments (ip, created_at);
CREATE INDEX comments_parent ON comments (parent_id);
CREATE UNIQUE INDEX comments_source ON comments (source_id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    moderator_id BIGINT NOT NULL REFERENCES moderators (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    headers TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    sent_at TIMESTAMP,
    dead BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, dead, next_attempt_at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    comment_id BIGINT,
    actor TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_comment ON audit_log (comment_id, created_at);

CREATE TABLE settings (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
