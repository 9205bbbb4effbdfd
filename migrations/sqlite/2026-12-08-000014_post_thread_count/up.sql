-- Each post carries its thread count (approved comments whose parent is not
-- an approved comment of the post: top-level comments, and replies shown at
-- the top because their parent is not public), kept in step wherever its
-- version moves, so a page of a busy post is read without walking the post.
ALTER TABLE posts ADD COLUMN thread_count BIGINT NOT NULL DEFAULT 0;
UPDATE posts SET thread_count = (
    SELECT COUNT(*) FROM comments c
    WHERE c.post_id = posts.id AND c.status = 'approved'
      AND NOT EXISTS (
          SELECT 1 FROM comments p
          WHERE p.id = c.parent_id AND p.post_id = c.post_id AND p.status = 'approved'
      )
);
