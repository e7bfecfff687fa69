-- Issue 10: wrong phone codes counted across sign-in flows (point 5), and a
-- per-user time before which every token and completed auth request is dead
-- (points 1 and 14).
ALTER TABLE users
    ADD COLUMN failed_codes       integer NOT NULL DEFAULT 0,
    ADD COLUMN tokens_valid_after timestamptz;
