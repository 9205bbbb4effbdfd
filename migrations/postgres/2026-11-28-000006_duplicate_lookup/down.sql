DROP INDEX comments_post_author;
DROP INDEX comments_post_email;
