-- carekey system of record. Objects are created unqualified, so they land in
-- the first schema of the connection's search_path.

CREATE TABLE users (
    id             text PRIMARY KEY,
    email          text NOT NULL,
    email_verified boolean NOT NULL DEFAULT false,
    given_name     text NOT NULL DEFAULT '',
    family_name    text NOT NULL DEFAULT '',
    password_hash  text NOT NULL DEFAULT '',
    phone          text NOT NULL DEFAULT '',
    phone_verified boolean NOT NULL DEFAULT false,
    professional   boolean NOT NULL DEFAULT false,
    role           text NOT NULL DEFAULT '',
    organisation   text NOT NULL DEFAULT '',
    street         text NOT NULL DEFAULT '',
    town           text NOT NULL DEFAULT '',
    postcode       text NOT NULL DEFAULT '',
    failed_logins  integer NOT NULL DEFAULT 0,
    locked_until   timestamptz,
    lock_count     integer NOT NULL DEFAULT 0,
    created_at     timestamptz,
    updated_at     timestamptz
);

-- Emails are stored as the caller normalised them; uniqueness is exact.
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE password_history (
    id            bigserial PRIMARY KEY,
    user_id       text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    password_hash text NOT NULL,
    created_at    timestamptz
);

CREATE INDEX password_history_user_id_idx ON password_history (user_id, id);

CREATE TABLE signing_keys (
    id          text PRIMARY KEY,
    algorithm   text NOT NULL,
    private_key bytea NOT NULL,
    public_key  bytea NOT NULL,
    created_at  timestamptz,
    expires_at  timestamptz -- NULL: never
);

CREATE TABLE refresh_tokens (
    id         text PRIMARY KEY, -- SHA-256 of the token, never the token
    family_id  text NOT NULL,
    client_id  text NOT NULL,
    user_id    text NOT NULL,
    session_id text NOT NULL,
    scopes     text[] NOT NULL DEFAULT '{}',
    audience   text[] NOT NULL DEFAULT '{}',
    amr        text[] NOT NULL DEFAULT '{}',
    auth_time  timestamptz,
    created_at timestamptz,
    expires_at timestamptz, -- NULL: never
    used_at    timestamptz,
    revoked_at timestamptz
);

CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);

CREATE TABLE audit_events (
    id        bigserial PRIMARY KEY,
    time      timestamptz,
    type      text NOT NULL,
    user_id   text NOT NULL DEFAULT '',
    client_id text NOT NULL DEFAULT '',
    actor     text NOT NULL DEFAULT '',
    ip        text NOT NULL DEFAULT '',
    detail    jsonb
);

CREATE INDEX audit_events_user_id_idx ON audit_events (user_id, id);
CREATE INDEX audit_events_type_idx ON audit_events (type, id);
