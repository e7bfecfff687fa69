-- Issue 10: an audit trail that shows tampering.
--
-- Each row holds prev_hash, the hash of the row before it (32 zero bytes for
-- the first row ever), and hash = sha256(prev_hash || canonical content); the
-- canonical content is store.AuditContent, computed here by audit_content
-- for the rows written before the chain existed. audit_chain_head holds the
-- last hash; appenders lock it FOR UPDATE in the transaction of the change,
-- which serialises audit appends (and nothing else) until commit.
--
-- Rows are append-only: a trigger refuses UPDATE, DELETE and TRUNCATE, even
-- for the owner. Only `idp audit prune` deletes, in a transaction that sets
-- carekey.audit_prune and appends a checkpoint row; production roles get
-- INSERT and SELECT only (docs/operator-guide.md).

ALTER TABLE audit_events
    ADD COLUMN prev_hash bytea,
    ADD COLUMN hash      bytea;

CREATE INDEX audit_events_time_idx ON audit_events (time, id);

CREATE TABLE audit_chain_head (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    last_id bigint  NOT NULL,
    hash    bytea   NOT NULL
);

CREATE FUNCTION audit_content(p_id bigint, p_at timestamptz, p_type text, p_user_id text,
    p_client_id text, p_actor text, p_ip text, p_detail jsonb) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT convert_to(string_agg(octet_length(x)::text || ':' || x, '' ORDER BY n), 'UTF8')
    FROM unnest(ARRAY[
            p_id::text,
            COALESCE((extract(epoch FROM p_at) * 1000000)::bigint::text, ''),
            p_type, p_user_id, p_client_id, p_actor, p_ip,
            (SELECT count(*) FROM jsonb_each_text(p_detail))::text
        ] || COALESCE((
            SELECT array_agg(kv.v ORDER BY e.key COLLATE "C", kv.k)
            FROM jsonb_each_text(p_detail) AS e(key, value),
                LATERAL (VALUES (e.key, 0), (e.value, 1)) AS kv(v, k)
        ), '{}')) WITH ORDINALITY AS u(x, n)
$$;

DO $$
DECLARE
    r    record;
    prev bytea := decode(repeat('00', 32), 'hex');
    h    bytea;
    last_row bigint := 0;
BEGIN
    FOR r IN SELECT * FROM audit_events ORDER BY id LOOP
        h := sha256(prev || audit_content(r.id, r.time, r.type, r.user_id, r.client_id, r.actor, r.ip, r.detail));
        UPDATE audit_events SET prev_hash = prev, hash = h WHERE id = r.id;
        prev := h;
        last_row := r.id;
    END LOOP;
    INSERT INTO audit_chain_head (last_id, hash) VALUES (last_row, prev);
END
$$;

DROP FUNCTION audit_content;

ALTER TABLE audit_events
    ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN hash SET NOT NULL;

CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('carekey.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'old rows leave only through idp audit prune';
END
$$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
