-- Issue 10 points 3 and 13: refresh_tokens.session_id holds the session's
-- public ID (the sid relying parties see), never the session cookie, and a
-- session's refresh tokens are revoked together when it ends.
--
-- Rows written before this migration hold the cookie value: replace it with
-- its public ID, computed as session.PublicID does (base64url, unpadded, of
-- the first 24 bytes of SHA-256("carekey sid v1:" || id)).
UPDATE refresh_tokens
SET session_id = rtrim(translate(encode(substring(
        sha256(convert_to('carekey sid v1:' || session_id, 'UTF8')) FROM 1 FOR 24), 'base64'),
    '+/', '-_'), '=')
WHERE session_id <> '';

CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);
