-- Issue 11: a refresh token knows the token it was rotated from, so that a
-- client retrying a refresh whose answer it never received (within
-- tokens.refresh_retry_grace) is served again instead of being taken for a
-- thief (RetryRefreshRotation). Rows written before it have no parent.
ALTER TABLE refresh_tokens ADD COLUMN parent_id text NOT NULL DEFAULT '';

CREATE INDEX refresh_tokens_parent_id_idx ON refresh_tokens (parent_id) WHERE parent_id <> '';
