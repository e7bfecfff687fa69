-- Managed accounts (design.md §3.6) and the grants that let users manage them.

CREATE TABLE accounts (
    id           text PRIMARY KEY,
    name         text NOT NULL,
    birthdate    date, -- NULL: unknown
    source       text NOT NULL,
    external_ref text NOT NULL,
    created_at   timestamptz,
    updated_at   timestamptz
);

-- An external reference names one account within its source system.
CREATE UNIQUE INDEX accounts_source_external_ref_key ON accounts (source, external_ref);

-- One row per (user, account): granting again after a revocation replaces it;
-- the audit trail keeps the history.
CREATE TABLE grants (
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    relationship text NOT NULL,
    granted_by   text NOT NULL DEFAULT '',
    granted_at   timestamptz,
    expires_at   timestamptz, -- NULL: never
    revoked_at   timestamptz, -- NULL: not revoked
    PRIMARY KEY (user_id, account_id)
);

CREATE INDEX grants_account_id_idx ON grants (account_id);
