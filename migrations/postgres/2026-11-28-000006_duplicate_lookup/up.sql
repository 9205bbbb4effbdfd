-- The duplicate rule looks a commenter up by email and by name within a post.
CREATE INDEX comments_post_email ON comments (post_id, email);
CREATE INDEX comments_post_author ON comments (post_id, author);
