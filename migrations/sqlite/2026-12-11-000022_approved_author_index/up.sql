-- Trusting a returning commenter asks for an approved comment under the same
-- e-mail and name. `comments_email_status_text` orders by the words after
-- the address, so the name alone would walk every approved comment of the
-- address (20,000 for a prolific one) whenever someone typed it under
-- another name. Only approved comments are in this index, so storing a held
-- comment never writes to it.
CREATE INDEX comments_approved_email_author ON comments (email, author, updated_at) WHERE status = 'approved';
