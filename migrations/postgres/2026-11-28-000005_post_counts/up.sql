-- Each post carries its approved-comment count, kept in step wherever its
-- version moves, so counting many posts is one indexed read per post.
ALTER TABLE posts ADD COLUMN approved_count BIGINT NOT NULL DEFAULT 0;
UPDATE posts SET approved_count = (
    SELECT COUNT(*) FROM comments WHERE comments.post_id = posts.id AND comments.status = 'approved'
);
