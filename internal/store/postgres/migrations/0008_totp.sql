-- Issue 16: an authenticator app (TOTP, RFC 6238) as another way to confirm
-- identity. totp_secret is the app's secret sealed with the signing-key
-- keyring (base64; '' when the user has no app), totp_last_step the last
-- time step a code was accepted for (a code of that step or an earlier one
-- is a replay), totp_added_at when the app was confirmed.
ALTER TABLE users
    ADD COLUMN totp_secret    text   NOT NULL DEFAULT '',
    ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0,
    ADD COLUMN totp_added_at  timestamptz;
