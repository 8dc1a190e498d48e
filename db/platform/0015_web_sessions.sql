-- Web sessions, one row per sign-in: the session cookie carries a random id, this table its SHA-256 only (a copy of
-- the table signs no one in). A request is served only while its session's row is here and not ended, so signing
-- out, a password set, a user disabled or a tenant suspended ends every copy of the cookie on every node.
CREATE TABLE ipai_web_session (
    id_hash bytea PRIMARY KEY CHECK (octet_length(id_hash) = 32),
    tenant_code text NOT NULL REFERENCES ipai_tenant (code) ON DELETE CASCADE,
    user_id bigint NOT NULL,
    started_at timestamp with time zone NOT NULL DEFAULT clock_timestamp(),
    -- Moved forward when a node checks the user again (every few minutes of use), so that old rows can be deleted.
    seen_at timestamp with time zone NOT NULL DEFAULT clock_timestamp(),
    ended_at timestamp with time zone,
    ended_because text CHECK (ended_because IN ('signed_out', 'password_set', 'user_disabled', 'user_changed', 'tenant_suspended', 'tenant_archived')),
    CONSTRAINT ipai_web_session_ended_with_reason CHECK ((ended_at IS NULL) = (ended_because IS NULL))
);
CREATE INDEX ipai_web_session_user ON ipai_web_session (tenant_code, user_id) WHERE ended_at IS NULL;
-- Old rows are deleted by this (WebSessions.StartAsync): when a session ended, else when a recheck last saw it.
CREATE INDEX ipai_web_session_last ON ipai_web_session ((coalesce(ended_at, seen_at)));
REVOKE ALL ON ipai_web_session FROM PUBLIC;
COMMENT ON TABLE ipai_web_session IS 'web sessions: SHA-256 of each session id, whose user and tenant, and when and why it ended.';

-- A tenant suspended or archived ends its sessions, whatever path changed its state (CLI, operator API, SQL).
CREATE FUNCTION ipai_tenant_end_sessions() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE public.ipai_web_session SET ended_at = clock_timestamp(), ended_because = 'tenant_' || NEW.state
    WHERE tenant_code = NEW.code AND ended_at IS NULL;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION ipai_tenant_end_sessions() FROM PUBLIC;
CREATE TRIGGER ipai_tenant_end_sessions AFTER UPDATE OF state ON ipai_tenant
    FOR EACH ROW WHEN (NEW.state IN ('suspended', 'archived') AND OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION ipai_tenant_end_sessions();
