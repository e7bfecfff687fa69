-- Issue 15: users imported from Azure AD B2C. external_id is the B2C object
-- ID the import is keyed by (re-runs find the user by it); NULL for users
-- who registered here. password_pending marks a user whose password has not
-- been migrated yet: sign-in checks it against the old tenant once, then
-- stores the argon2id hash and clears the flag.
ALTER TABLE users
    ADD COLUMN external_id      text,
    ADD COLUMN password_pending boolean NOT NULL DEFAULT false;

CREATE UNIQUE INDEX users_external_id_key ON users (external_id) WHERE external_id IS NOT NULL;
