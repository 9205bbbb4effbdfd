-- What WordPress calls a comment's type: an ordinary comment, or a pingback
-- or trackback that an import brought. Kept so that an export gives it back.
ALTER TABLE comments ADD COLUMN kind TEXT NOT NULL DEFAULT 'comment';
