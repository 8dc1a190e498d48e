-- The web nodes' ASP.NET Core data-protection keys (they sign and encrypt session cookies and antiforgery tokens),
-- kept here instead of in each node's folder, so that every node of a fleet, and a node after a restart, reads the
-- same key ring: a session or a form opened on one node works on another. Only the owner role reads it (the web
-- host's own pool): a key is enough to forge a session cookie, so no other role is granted anything.
CREATE TABLE ipai_data_protection_key (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name text NOT NULL CONSTRAINT ipai_data_protection_key_name_unique UNIQUE,
    xml text NOT NULL,
    created_at timestamp with time zone NOT NULL DEFAULT now()
);
REVOKE ALL ON ipai_data_protection_key FROM PUBLIC;
COMMENT ON TABLE ipai_data_protection_key IS 'ASP.NET Core data-protection keys shared by the web nodes (XML as the framework writes it); owner only.';
