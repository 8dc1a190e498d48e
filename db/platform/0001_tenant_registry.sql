-- Tenant registry: the seed's ipai.tenant as table ipai_tenant, with the rules of TenantRules.cs as
-- constraints (a second line of defence behind the CLI's messages), countries and the seed-load ledger.

-- ISO 3166-1 alpha-2 (the same list as CountryCodes.cs).
CREATE TABLE res_country (
    code text PRIMARY KEY CONSTRAINT res_country_code_format CHECK (code ~ '^[A-Z]{2}$')
);
INSERT INTO res_country (code) VALUES
    ('AD'), ('AE'), ('AF'), ('AG'), ('AI'), ('AL'), ('AM'), ('AO'), ('AQ'), ('AR'), ('AS'), ('AT'), ('AU'), ('AW'), ('AX'), ('AZ'),
    ('BA'), ('BB'), ('BD'), ('BE'), ('BF'), ('BG'), ('BH'), ('BI'), ('BJ'), ('BL'), ('BM'), ('BN'), ('BO'), ('BQ'), ('BR'), ('BS'),
    ('BT'), ('BV'), ('BW'), ('BY'), ('BZ'), ('CA'), ('CC'), ('CD'), ('CF'), ('CG'), ('CH'), ('CI'), ('CK'), ('CL'), ('CM'), ('CN'),
    ('CO'), ('CR'), ('CU'), ('CV'), ('CW'), ('CX'), ('CY'), ('CZ'), ('DE'), ('DJ'), ('DK'), ('DM'), ('DO'), ('DZ'), ('EC'), ('EE'),
    ('EG'), ('EH'), ('ER'), ('ES'), ('ET'), ('FI'), ('FJ'), ('FK'), ('FM'), ('FO'), ('FR'), ('GA'), ('GB'), ('GD'), ('GE'), ('GF'),
    ('GG'), ('GH'), ('GI'), ('GL'), ('GM'), ('GN'), ('GP'), ('GQ'), ('GR'), ('GS'), ('GT'), ('GU'), ('GW'), ('GY'), ('HK'), ('HM'),
    ('HN'), ('HR'), ('HT'), ('HU'), ('ID'), ('IE'), ('IL'), ('IM'), ('IN'), ('IO'), ('IQ'), ('IR'), ('IS'), ('IT'), ('JE'), ('JM'),
    ('JO'), ('JP'), ('KE'), ('KG'), ('KH'), ('KI'), ('KM'), ('KN'), ('KP'), ('KR'), ('KW'), ('KY'), ('KZ'), ('LA'), ('LB'), ('LC'),
    ('LI'), ('LK'), ('LR'), ('LS'), ('LT'), ('LU'), ('LV'), ('LY'), ('MA'), ('MC'), ('MD'), ('ME'), ('MF'), ('MG'), ('MH'), ('MK'),
    ('ML'), ('MM'), ('MN'), ('MO'), ('MP'), ('MQ'), ('MR'), ('MS'), ('MT'), ('MU'), ('MV'), ('MW'), ('MX'), ('MY'), ('MZ'), ('NA'),
    ('NC'), ('NE'), ('NF'), ('NG'), ('NI'), ('NL'), ('NO'), ('NP'), ('NR'), ('NU'), ('NZ'), ('OM'), ('PA'), ('PE'), ('PF'), ('PG'),
    ('PH'), ('PK'), ('PL'), ('PM'), ('PN'), ('PR'), ('PS'), ('PT'), ('PW'), ('PY'), ('QA'), ('RE'), ('RO'), ('RS'), ('RU'), ('RW'),
    ('SA'), ('SB'), ('SC'), ('SD'), ('SE'), ('SG'), ('SH'), ('SI'), ('SJ'), ('SK'), ('SL'), ('SM'), ('SN'), ('SO'), ('SR'), ('SS'),
    ('ST'), ('SV'), ('SX'), ('SY'), ('SZ'), ('TC'), ('TD'), ('TF'), ('TG'), ('TH'), ('TJ'), ('TK'), ('TL'), ('TM'), ('TN'), ('TO'),
    ('TR'), ('TT'), ('TV'), ('TW'), ('TZ'), ('UA'), ('UG'), ('UM'), ('US'), ('UY'), ('UZ'), ('VA'), ('VC'), ('VE'), ('VG'), ('VI'),
    ('VN'), ('VU'), ('WF'), ('WS'), ('YE'), ('YT'), ('ZA'), ('ZM'), ('ZW');

-- Names no tenant may take (the same lists as ReservedNames.cs): pg_*, PostgreSQL/Supabase system names,
-- PostgreSQL's reserved key words.
CREATE FUNCTION ipai_is_reserved_name(name text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT left(name, 3) = 'pg_'
        OR name = ANY (ARRAY[
            'public', 'information_schema', 'auth', 'storage', 'extensions', 'postgres', 'template0', 'template1', 'realtime', 'graphql',
            'graphql_public', 'vault', 'pgbouncer', 'supabase_functions', 'supabase_migrations', 'net', 'cron'])
        OR name = ANY (ARRAY[
            'all', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'asymmetric', 'authorization',
            'binary', 'both', 'case', 'cast', 'check', 'collate', 'collation', 'column', 'concurrently', 'constraint',
            'create', 'cross', 'current_catalog', 'current_date', 'current_role', 'current_schema', 'current_time', 'current_timestamp', 'current_user', 'default',
            'deferrable', 'desc', 'distinct', 'do', 'else', 'end', 'except', 'false', 'fetch', 'for',
            'foreign', 'freeze', 'from', 'full', 'grant', 'group', 'having', 'ilike', 'in', 'initially',
            'inner', 'intersect', 'into', 'is', 'isnull', 'join', 'lateral', 'leading', 'left', 'like',
            'limit', 'localtime', 'localtimestamp', 'natural', 'not', 'notnull', 'null', 'offset', 'on', 'only',
            'or', 'order', 'outer', 'overlaps', 'placing', 'primary', 'references', 'returning', 'right', 'select',
            'session_user', 'similar', 'some', 'symmetric', 'system_user', 'table', 'tablesample', 'then', 'to', 'trailing',
            'true', 'union', 'unique', 'user', 'using', 'variadic', 'verbose', 'when', 'where', 'window',
            'with'])
$$;

CREATE TABLE ipai_tenant (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL,
    name text NOT NULL,
    sequence integer NOT NULL DEFAULT 10,
    active boolean NOT NULL DEFAULT true,
    state text NOT NULL DEFAULT 'draft',
    db_name text NOT NULL,
    supabase_schema text NOT NULL,
    primary_domain text,
    superset_workspace text,
    superset_base_url text,
    company_name text,
    industry text NOT NULL DEFAULT 'advertising',
    country text NOT NULL DEFAULT 'PH' REFERENCES res_country (code),
    admin_email text,
    admin_phone text,
    onboarded_date date NOT NULL DEFAULT CURRENT_DATE,
    notes text,
    create_date timestamp with time zone NOT NULL DEFAULT now(),
    write_date timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT ipai_tenant_code_key UNIQUE (code),
    CONSTRAINT ipai_tenant_supabase_schema_key UNIQUE (supabase_schema),
    CONSTRAINT ipai_tenant_primary_domain_key UNIQUE (primary_domain),
    CONSTRAINT ipai_tenant_code_format CHECK (
        code ~ '^[a-z][a-z0-9_]*$' AND octet_length(code) <= 58 AND NOT ipai_is_reserved_name(code)),
    CONSTRAINT ipai_tenant_name_format CHECK (
        length(name) BETWEEN 1 AND 200 AND name = btrim(name) AND name !~ '[[:cntrl:]]'),
    CONSTRAINT ipai_tenant_sequence_range CHECK (sequence >= 0),
    CONSTRAINT ipai_tenant_state_known CHECK (
        state IN ('draft', 'provisioning', 'active', 'suspended', 'archived')),
    CONSTRAINT ipai_tenant_db_name_format CHECK (
        db_name ~ '^[a-z_][a-z0-9_]*$' AND octet_length(db_name) <= 63 AND NOT ipai_is_reserved_name(db_name)
        AND NOT starts_with(db_name, 'ipai_template_')),
    CONSTRAINT ipai_tenant_supabase_schema_format CHECK (
        supabase_schema ~ '^[a-z_][a-z0-9_]*$' AND octet_length(supabase_schema) <= 63
        AND CASE WHEN supabase_schema = 'public' THEN code = 'platform'
                 ELSE NOT ipai_is_reserved_name(supabase_schema) END),
    CONSTRAINT ipai_tenant_primary_domain_format CHECK (
        length(primary_domain) <= 253
        AND primary_domain ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$'),
    CONSTRAINT ipai_tenant_superset_workspace_format CHECK (superset_workspace ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    CONSTRAINT ipai_tenant_superset_base_url_format CHECK (
        length(superset_base_url) <= 2000 AND superset_base_url ~ '^https?://[^[:space:]/@]+(/[^[:space:]]*)?$'
        AND superset_base_url !~ '[[:cntrl:]]'),
    CONSTRAINT ipai_tenant_company_name_format CHECK (
        length(company_name) BETWEEN 1 AND 200 AND company_name = btrim(company_name) AND company_name !~ '[[:cntrl:]]'),
    CONSTRAINT ipai_tenant_industry_known CHECK (
        industry IN ('advertising', 'retail', 'finance', 'manufacturing', 'services', 'other')),
    CONSTRAINT ipai_tenant_admin_email_format CHECK (
        length(admin_email) <= 254
        AND admin_email ~ '^[A-Za-z0-9.!#$%&''*+/=?^_`{|}~-]{1,64}@[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$'),
    CONSTRAINT ipai_tenant_admin_phone_format CHECK (admin_phone ~ '^\+?[0-9][0-9 ()-]{3,29}$'),
    CONSTRAINT ipai_tenant_notes_length CHECK (length(notes) <= 10000)
);

-- A database belongs to one tenant, except the platform database that schema tenants (scout) share.
CREATE UNIQUE INDEX ipai_tenant_db_name_key ON ipai_tenant (db_name) WHERE db_name <> 'odoo_platform';
CREATE INDEX ipai_tenant_sequence_code_idx ON ipai_tenant (sequence, code);

COMMENT ON TABLE ipai_tenant IS 'Tenant registry (the seed''s ipai.tenant); rules in TenantRules.cs, lifecycle in TenantLifecycle.cs.';

-- Defaults that need the row (workspace = code), write_date on change, an identity that never changes,
-- storage names frozen once provisioning started, and the lifecycle of TenantLifecycle.cs.
CREATE FUNCTION ipai_tenant_before_write() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.superset_workspace := coalesce(NEW.superset_workspace, NEW.code);
        RETURN NEW;
    END IF;
    IF NEW.code <> OLD.code THEN
        RAISE EXCEPTION 'tenant code % cannot change', OLD.code
            USING ERRCODE = 'check_violation', HINT = 'The code is the tenant''s identity: create a new tenant instead.';
    END IF;
    IF OLD.state <> 'draft' AND (NEW.db_name <> OLD.db_name OR NEW.supabase_schema <> OLD.supabase_schema) THEN
        RAISE EXCEPTION 'tenant % is %: its database and schema cannot change', OLD.code, OLD.state
            USING ERRCODE = 'check_violation', HINT = 'Only a draft tenant can move to another database or schema.';
    END IF;
    IF NEW.state <> OLD.state AND (OLD.state, NEW.state) NOT IN (
        ('draft', 'provisioning'), ('draft', 'archived'),
        ('provisioning', 'active'), ('provisioning', 'draft'),
        ('active', 'provisioning'), ('active', 'suspended'), ('active', 'archived'),
        ('suspended', 'active'), ('suspended', 'archived'),
        ('archived', 'provisioning')) THEN
        RAISE EXCEPTION 'tenant % cannot move from % to %', OLD.code, OLD.state, NEW.state
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.write_date IS NOT DISTINCT FROM OLD.write_date THEN
        NEW.write_date := now();
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER ipai_tenant_before_write
    BEFORE INSERT OR UPDATE ON ipai_tenant
    FOR EACH ROW EXECUTE FUNCTION ipai_tenant_before_write();

-- Which records of the repository's data files were loaded (like Odoo's noupdate data): a record is never
-- loaded twice, so an operator's later edit or deletion of a seed tenant stands.
CREATE TABLE ipai_seed_record (
    source text NOT NULL,
    key text NOT NULL,
    loaded_at timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (source, key)
);

REVOKE ALL ON FUNCTION ipai_is_reserved_name(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ipai_tenant_before_write() FROM PUBLIC;
