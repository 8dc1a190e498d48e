using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Tests;

public sealed class TenantRulesTests
{
    private const int MaxMessageLength = 300;

    /// <summary>A tenant every rule accepts; each test spoils one field of it.</summary>
    private static Tenant Valid() => Tenant.New("tbwa", "TBWA Philippines") with
    {
        PrimaryDomain = "tbwa.erp.insightpulseai.com",
        SupersetBaseUrl = "https://superset.insightpulseai.com",
        CompanyName = "TBWA\\Santiago Mangada Puno",
        AdminEmail = "admin@tbwa.com.ph",
        AdminPhone = "+63 2 8123 4567",
        Notes = "TBWA client operations",
    };

    private static Tenant WithField(string field, string value) => field switch
    {
        "code" => Tenant.New(value, "Hostile"),
        "db_name" => Valid() with { DbName = value },
        "supabase_schema" => Valid() with { SupabaseSchema = value },
        "primary_domain" => Valid() with { PrimaryDomain = value },
        "superset_workspace" => Valid() with { SupersetWorkspace = value },
        "superset_base_url" => Valid() with { SupersetBaseUrl = value },
        "admin_email" => Valid() with { AdminEmail = value },
        "admin_phone" => Valid() with { AdminPhone = value },
        "country" => Valid() with { Country = value },
        "industry" => Valid() with { Industry = value },
        "name" => Valid() with { Name = value },
        "company_name" => Valid() with { CompanyName = value },
        "notes" => Valid() with { Notes = value },
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };

    private static readonly string[] NameLikeFields =
    [
        "code", "db_name", "supabase_schema", "primary_domain", "superset_workspace", "superset_base_url",
        "admin_email", "admin_phone", "country", "industry",
    ];

    public static TheoryData<string, string> HostileFieldCases
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var fieldName in NameLikeFields)
            {
                foreach (var label in HostileInput.UniversalLabels) data.Add(fieldName, label);
            }
            return data;
        }
    }

    private static void AssertOnlyError(Tenant tenant, string field)
    {
        var errors = TenantRules.Validate(tenant);
        var fields = string.Join(", ", errors.Select(e => e.Field));
        Assert.True(errors.Count == 1 && errors[0].Field == field, $"expected exactly one error on {field}, got: [{fields}]");
    }

    private static void AssertAccepted(Tenant tenant)
    {
        var errors = TenantRules.Validate(tenant);
        Assert.True(errors.Count == 0, "unexpected errors: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
    }

    private static void AssertSane(string? message)
    {
        Assert.NotNull(message);
        Assert.DoesNotContain(message, char.IsControl);
        Assert.InRange(message.Length, 1, MaxMessageLength);
    }

    // ---- the whole record ----

    [Fact]
    public void The_reference_tenant_is_valid()
    {
        AssertAccepted(Valid());
    }

    [Theory]
    [MemberData(nameof(HostileFieldCases))]
    public void A_hostile_value_is_refused_on_its_own_field_only(string field, string label)
    {
        AssertOnlyError(WithField(field, HostileInput.Get(label)), field);
    }

    [Theory]
    [MemberData(nameof(HostileInput.UniversalCases), MemberType = typeof(HostileInput))]
    public void Every_message_is_short_and_printable_even_when_every_field_is_hostile(string label)
    {
        var value = HostileInput.Get(label);
        var tenant = Tenant.New(value, value) with
        {
            DbName = value,
            SupabaseSchema = value,
            PrimaryDomain = value,
            SupersetWorkspace = value,
            SupersetBaseUrl = value,
            CompanyName = value,
            Industry = value,
            Country = value,
            AdminEmail = value,
            AdminPhone = value,
            Notes = value,
        };

        var errors = TenantRules.Validate(tenant);

        Assert.Contains(errors, e => e.Field == "code");
        Assert.All(errors, e => AssertSane(e.Message));
        var exception = Assert.Throws<TenantValidationException>(() => TenantRules.EnsureValid(tenant));
        Assert.Equal(errors, exception.Errors);
    }

    [Theory]
    [MemberData(nameof(HostileInput.IdentifierCases), MemberType = typeof(HostileInput))]
    public void The_single_field_checks_return_short_printable_messages(string label)
    {
        var value = HostileInput.Get(label);
        AssertSane(TenantRules.CodeError(value));
        AssertSane(TenantRules.SchemaError(value, "tbwa"));
        AssertSane(TenantRules.DatabaseError(value));
    }

    [Fact]
    public void Test_123_yields_exactly_one_error_on_code_and_none_on_the_names_derived_from_it()
    {
        var errors = TenantRules.Validate(Tenant.New("Test-123", "x"));

        var error = Assert.Single(errors);
        Assert.Equal("code", error.Field);
        Assert.Contains("Test-123", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_code_does_not_hide_an_error_in_a_database_name_that_was_not_derived_from_it()
    {
        var tenant = Tenant.New("Test-123", "x") with { DbName = "Other DB" };

        var fields = TenantRules.Validate(tenant).Select(e => e.Field).Order(StringComparer.Ordinal);

        Assert.Equal(["code", "db_name"], fields);
    }

    [Fact]
    public void A_bad_code_does_not_hide_an_error_in_a_schema_that_was_not_derived_from_it()
    {
        var tenant = Tenant.New("Test-123", "x") with { SupabaseSchema = "pg_catalog" };

        var fields = TenantRules.Validate(tenant).Select(e => e.Field).Order(StringComparer.Ordinal);

        Assert.Equal(["code", "supabase_schema"], fields);
    }

    [Fact]
    public void A_negative_sequence_is_refused()
    {
        AssertOnlyError(Valid() with { Sequence = -1 }, "sequence");
    }

    [Fact]
    public void Sequence_zero_is_accepted()
    {
        AssertAccepted(Valid() with { Sequence = 0 });
    }

    [Fact]
    public void Optional_fields_may_be_left_out()
    {
        AssertAccepted(Tenant.New("tbwa", "TBWA Philippines") with
        {
            PrimaryDomain = null, SupersetWorkspace = null, SupersetBaseUrl = null, CompanyName = null,
            AdminEmail = null, AdminPhone = null, Notes = null,
        });
    }

    [Fact]
    public void Validate_refuses_null()
    {
        Assert.Throws<ArgumentNullException>(() => TenantRules.Validate(null!));
    }

    // ---- code ----

    [Theory]
    [InlineData("tbwa")]
    [InlineData("nextgen_agency")]
    [InlineData("a")]
    [InlineData("a1")]
    [InlineData("a_")]
    [InlineData("pg")]
    [InlineData("platform")]
    [InlineData("scout")]
    [InlineData("selection")]
    [InlineData("users")]
    public void A_plain_lower_case_code_is_accepted(string code)
    {
        Assert.Null(TenantRules.CodeError(code));
        AssertAccepted(Tenant.New(code, "Name"));
    }

    [Theory]
    [MemberData(nameof(HostileInput.IdentifierCases), MemberType = typeof(HostileInput))]
    public void A_hostile_code_is_refused(string label)
    {
        Assert.NotNull(TenantRules.CodeError(HostileInput.Get(label)));
    }

    [Theory]
    [InlineData("Test-123")]
    [InlineData("TBWA")]
    [InlineData("tbwA")]
    public void A_code_with_upper_case_is_refused(string code)
    {
        Assert.NotNull(TenantRules.CodeError(code));
    }

    [Fact]
    public void A_code_with_a_trailing_newline_is_refused()
    {
        Assert.NotNull(TenantRules.CodeError("tbwa\n"));
    }

    [Theory]
    [InlineData("1abc")]
    [InlineData("_tbwa")]
    public void A_code_must_start_with_a_letter(string code)
    {
        Assert.NotNull(TenantRules.CodeError(code));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_missing_code_is_refused(string? code)
    {
        Assert.Contains("required", TenantRules.CodeError(code), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public")]
    [InlineData("pg_catalog")]
    [InlineData("pg_anything")]
    [InlineData("pg_")]
    [InlineData("information_schema")]
    [InlineData("auth")]
    [InlineData("storage")]
    [InlineData("extensions")]
    [InlineData("postgres")]
    [InlineData("template0")]
    [InlineData("template1")]
    [InlineData("realtime")]
    [InlineData("vault")]
    [InlineData("select")]
    [InlineData("user")]
    [InlineData("table")]
    [InlineData("order")]
    [InlineData("all")]
    [InlineData("current_user")]
    public void A_reserved_code_is_refused(string code)
    {
        Assert.Contains("reserved", TenantRules.CodeError(code), StringComparison.Ordinal);
        AssertOnlyError(Tenant.New(code, "Name"), "code");
    }

    [Fact]
    public void The_code_limit_is_63_minus_the_length_of_the_database_prefix()
    {
        Assert.Equal(58, TenantRules.MaxCodeLength);
    }

    [Fact]
    public void A_code_of_58_characters_is_accepted_and_its_database_name_fits_in_63()
    {
        var code = "a" + new string('b', 57);

        Assert.Null(TenantRules.CodeError(code));
        var tenant = Tenant.New(code, "Name");
        Assert.Equal(63, tenant.DbName.Length);
        AssertAccepted(tenant);
    }

    [Fact]
    public void A_code_of_59_characters_is_refused_once()
    {
        var code = "a" + new string('b', 58);

        Assert.Contains("58", TenantRules.CodeError(code), StringComparison.Ordinal);
        AssertOnlyError(Tenant.New(code, "Name"), "code");
    }

    // ---- schema ----

    [Theory]
    [InlineData("tbwa")]
    [InlineData("_tbwa")]
    [InlineData("scout")]
    [InlineData("a1_b2")]
    public void A_plain_schema_is_accepted(string schema)
    {
        Assert.Null(TenantRules.SchemaError(schema, "tbwa"));
    }

    [Theory]
    [MemberData(nameof(HostileInput.IdentifierCases), MemberType = typeof(HostileInput))]
    public void A_hostile_schema_is_refused(string label)
    {
        Assert.NotNull(TenantRules.SchemaError(HostileInput.Get(label), "tbwa"));
    }

    [Fact]
    public void The_public_schema_belongs_to_the_platform_tenant()
    {
        Assert.Null(TenantRules.SchemaError("public", "platform"));
        AssertAccepted(Tenant.New("platform", "InsightPulse AI Platform") with { SupabaseSchema = "public" });
    }

    [Theory]
    [InlineData("tbwa")]
    [InlineData("platform2")]
    [InlineData("Platform")]
    [InlineData(null)]
    public void The_public_schema_is_refused_for_any_other_tenant(string? code)
    {
        Assert.Contains("platform", TenantRules.SchemaError("public", code), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pg_catalog")]
    [InlineData("pg_toast")]
    [InlineData("pg_anything")]
    [InlineData("information_schema")]
    [InlineData("auth")]
    [InlineData("storage")]
    [InlineData("extensions")]
    [InlineData("postgres")]
    [InlineData("select")]
    [InlineData("user")]
    [InlineData("table")]
    [InlineData("order")]
    public void A_reserved_schema_is_refused_even_for_the_platform(string schema)
    {
        Assert.Contains("reserved", TenantRules.SchemaError(schema, "tbwa"), StringComparison.Ordinal);
        Assert.Contains("reserved", TenantRules.SchemaError(schema, "platform"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_schema_of_63_characters_is_accepted_and_64_refused()
    {
        Assert.Null(TenantRules.SchemaError("s" + new string('x', 62), "tbwa"));
        Assert.Contains("63", TenantRules.SchemaError("s" + new string('x', 63), "tbwa"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_schema_is_refused()
    {
        Assert.NotNull(TenantRules.SchemaError(null, "tbwa"));
        Assert.NotNull(TenantRules.SchemaError("", "tbwa"));
    }

    // ---- database ----

    [Theory]
    [InlineData("odoo_tbwa")]
    [InlineData("odoo_platform")]
    [InlineData("_x")]
    [InlineData("analytics2")]
    public void A_plain_database_name_is_accepted(string database)
    {
        Assert.Null(TenantRules.DatabaseError(database));
    }

    [Theory]
    [MemberData(nameof(HostileInput.IdentifierCases), MemberType = typeof(HostileInput))]
    public void A_hostile_database_name_is_refused(string label)
    {
        Assert.NotNull(TenantRules.DatabaseError(HostileInput.Get(label)));
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("template0")]
    [InlineData("template1")]
    [InlineData("public")]
    [InlineData("pg_default")]
    [InlineData("select")]
    [InlineData("user")]
    public void A_reserved_database_name_is_refused(string database)
    {
        Assert.Contains("reserved", TenantRules.DatabaseError(database), StringComparison.Ordinal);
    }

    [Fact]
    public void A_database_name_of_63_characters_is_accepted_and_64_refused()
    {
        Assert.Null(TenantRules.DatabaseError("odoo_" + new string('x', 58)));
        Assert.Contains("63", TenantRules.DatabaseError("odoo_" + new string('x', 59)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_database_named_like_a_provisioning_template_is_refused()
    {
        Assert.Contains("template", TenantRules.DatabaseError("ipai_template_0123456789abcdef"), StringComparison.Ordinal);
        Assert.Null(TenantRules.DatabaseError("odoo_ipai_template_x"));
    }

    [Fact]
    public void A_missing_database_name_is_refused()
    {
        Assert.NotNull(TenantRules.DatabaseError(null));
        Assert.NotNull(TenantRules.DatabaseError(""));
    }

    [Fact]
    public void Two_tenants_may_share_the_platform_database()
    {
        AssertAccepted(Tenant.New("scout", "Scout Retail Intelligence") with { DbName = "odoo_platform" });
    }

    // ---- primary domain ----

    private static readonly string Label63 = "a" + new string('b', 61) + "c";

    [Theory]
    [InlineData("tbwa.erp.insightpulseai.com")]
    [InlineData("erp.insightpulseai.com")]
    [InlineData("localhost")]
    [InlineData("intranet")]
    [InlineData("xn--80ak6aa92e.com")]
    [InlineData("xn--bcher-kva.example")]
    [InlineData("a-b.c-d.example")]
    [InlineData("1tbwa.example")]
    public void A_lower_case_host_name_is_accepted(string domain)
    {
        Assert.Null(TenantRules.DomainError(domain));
    }

    [Theory]
    [InlineData("afc_client.example.com", "'afc_client.example.com' is not a host name: a label may hold letters, digits and '-' only, never '_' (write it '-')")]
    [InlineData("afc_client.localhost", "never '_'")]
    [InlineData("https://tbwa.example.com", "no scheme, port or path")]
    [InlineData("tbwa.example.com:8069", "no scheme, port or path")]
    [InlineData("TBWA.example.com", "write it in lower case")]
    [InlineData("tbwa..example.com", "single dots")]
    [InlineData("-tbwa.example.com", "neither start nor end with '-'")]
    [InlineData("tbwa example.com", "letters, digits and '-' only")]
    public void A_domain_that_cannot_be_a_host_name_is_refused_saying_why(string domain, string reason)
    {
        var error = TenantRules.DomainError(domain);
        Assert.NotNull(error);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        var errors = TenantRules.Validate(Tenant.New("afc_client", "AFC client operations") with { PrimaryDomain = domain });
        Assert.Equal("primary_domain", Assert.Single(errors).Field);
    }

    [Fact]
    public void A_label_of_63_characters_is_accepted_and_64_refused()
    {
        Assert.Null(TenantRules.DomainError(Label63 + ".com"));
        Assert.NotNull(TenantRules.DomainError(Label63 + "d.com"));
    }

    [Fact]
    public void A_host_name_of_253_characters_is_accepted_and_254_refused()
    {
        var name253 = string.Join('.', Label63, Label63, Label63, new string('d', 61));
        Assert.Equal(253, name253.Length);
        Assert.Null(TenantRules.DomainError(name253));

        var name254 = string.Join('.', Label63, Label63, Label63, new string('d', 62));
        Assert.Equal(254, name254.Length);
        Assert.NotNull(TenantRules.DomainError(name254));
    }

    [Theory]
    [InlineData("Tbwa.erp.insightpulseai.com")]
    [InlineData("TBWA.ERP.INSIGHTPULSEAI.COM")]
    [InlineData("tbwa.erp.insightpulseai.com.")]
    [InlineData("-tbwa.example.com")]
    [InlineData("tbwa-.example.com")]
    [InlineData("tbwa.-example.com")]
    [InlineData("http://x.com")]
    [InlineData("https://tbwa.erp.insightpulseai.com")]
    [InlineData("x.com:80")]
    [InlineData("x.com/path")]
    [InlineData("x .com")]
    [InlineData(" x.com")]
    [InlineData("x.com ")]
    [InlineData("tb_wa.example.com")]
    [InlineData("a..b")]
    [InlineData(".a")]
    [InlineData("*.example.com")]
    [InlineData("x.com\n")]
    [InlineData("b\u00fccher.example")]
    [InlineData("user@x.com")]
    [InlineData("")]
    public void A_string_that_is_not_a_lower_case_host_name_is_refused(string domain)
    {
        AssertSane(TenantRules.DomainError(domain));
    }

    // ---- superset workspace ----

    [Theory]
    [InlineData("tbwa")]
    [InlineData("1abc")]
    [InlineData("tb-wa")]
    [InlineData("a_b")]
    [InlineData("a--")]
    public void A_workspace_name_of_lower_case_letters_digits_underscores_and_hyphens_is_accepted(string workspace)
    {
        AssertAccepted(Valid() with { SupersetWorkspace = workspace });
    }

    [Fact]
    public void A_workspace_name_of_63_characters_is_accepted_and_64_refused()
    {
        AssertAccepted(Valid() with { SupersetWorkspace = new string('w', 63) });
        AssertOnlyError(Valid() with { SupersetWorkspace = new string('w', 64) }, "superset_workspace");
    }

    [Theory]
    [InlineData("-tbwa")]
    [InlineData("_tbwa")]
    [InlineData("Tbwa")]
    [InlineData("tbwa.bi")]
    public void A_workspace_name_outside_the_pattern_is_refused(string workspace)
    {
        AssertOnlyError(Valid() with { SupersetWorkspace = workspace }, "superset_workspace");
    }

    // ---- superset base URL ----

    [Theory]
    [InlineData("https://superset.insightpulseai.com")]
    [InlineData("https://superset.insightpulseai.com/")]
    [InlineData("https://bi.example.com/superset/dashboard?x=1")]
    [InlineData("http://localhost:8088")]
    public void An_http_or_https_url_is_accepted(string url)
    {
        AssertAccepted(Valid() with { SupersetBaseUrl = url });
    }

    [Theory]
    [InlineData("ftp://superset.insightpulseai.com")]
    [InlineData("file:///etc/passwd")]
    [InlineData("javascript:alert(1)")]
    [InlineData("https://user:secret@superset.insightpulseai.com")]
    [InlineData("https://user@superset.insightpulseai.com")]
    [InlineData("superset.insightpulseai.com")]
    [InlineData("/superset")]
    [InlineData("https://x.com/a b")]
    [InlineData("https://x.com\n")]
    [InlineData(" https://x.com")]
    [InlineData("https://x.com\t")]
    [InlineData("")]
    public void A_url_that_is_not_http_without_credentials_is_refused(string url)
    {
        AssertOnlyError(Valid() with { SupersetBaseUrl = url }, "superset_base_url");
    }

    [Fact]
    public void The_message_for_a_url_with_credentials_does_not_echo_the_password()
    {
        var error = Assert.Single(TenantRules.Validate(Valid() with { SupersetBaseUrl = "https://bi_user:Hunter2pw@superset.insightpulseai.com" }));

        Assert.Equal("superset_base_url", error.Field);
        Assert.DoesNotContain("Hunter2pw", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("bi_user", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_url_longer_than_2000_characters_is_refused()
    {
        var url = "https://superset.insightpulseai.com/" + new string('a', 2000);
        AssertOnlyError(Valid() with { SupersetBaseUrl = url }, "superset_base_url");
    }

    [Fact]
    public void A_url_with_a_nul_is_refused()
    {
        AssertOnlyError(Valid() with { SupersetBaseUrl = "https://superset.insightpulseai.com/\0" }, "superset_base_url");
    }

    [Fact]
    public void A_url_with_an_escape_sequence_is_refused()
    {
        AssertOnlyError(Valid() with { SupersetBaseUrl = "https://superset.insightpulseai.com/\u001b[2J" }, "superset_base_url");
    }

    [Fact]
    public void A_url_with_an_upper_case_scheme_is_refused_as_the_database_refuses_it()
    {
        AssertOnlyError(Valid() with { SupersetBaseUrl = "HTTPS://superset.insightpulseai.com" }, "superset_base_url");
    }

    [Fact]
    public void A_url_with_backslashes_for_slashes_is_refused_as_the_database_refuses_it()
    {
        AssertOnlyError(Valid() with { SupersetBaseUrl = "https:\\\\superset.insightpulseai.com" }, "superset_base_url");
    }

    [Fact]
    public void A_url_with_an_empty_user_info_is_refused_as_the_database_refuses_it()
    {
        AssertOnlyError(Valid() with { SupersetBaseUrl = "https://@superset.insightpulseai.com" }, "superset_base_url");
    }

    // ---- e-mail ----

    [Theory]
    [InlineData("admin@tbwa.com.ph")]
    [InlineData("first.last+tag@example.com")]
    [InlineData("O'Brien@example.com")]
    [InlineData("ADMIN@example.com")]
    [InlineData("a@b.co")]
    public void An_email_address_with_a_lower_case_domain_is_accepted(string email)
    {
        AssertAccepted(Valid() with { AdminEmail = email });
    }

    [Theory]
    [InlineData("admin@TBWA.com")]
    [InlineData("admin@Example.com")]
    [InlineData("admin.example.com")]
    [InlineData("a@b@example.com")]
    [InlineData("a b@example.com")]
    [InlineData("admin@exa mple.com")]
    [InlineData(" admin@example.com")]
    [InlineData("admin@example.com ")]
    [InlineData("admin@example.com\n")]
    [InlineData("admin@localhost")]
    [InlineData("admin@-example.com")]
    [InlineData("admin@example.com.")]
    [InlineData("@example.com")]
    [InlineData("admin@")]
    [InlineData("\u0430dmin@example.com")]
    [InlineData("admin@ex\u0430mple.com")]
    [InlineData("\"admin\"@example.com")]
    [InlineData("admin;drop@example.com")]
    [InlineData("")]
    public void A_string_that_is_not_an_email_address_is_refused(string email)
    {
        AssertOnlyError(Valid() with { AdminEmail = email }, "admin_email");
    }

    [Fact]
    public void An_email_local_part_of_65_characters_is_refused()
    {
        AssertAccepted(Valid() with { AdminEmail = new string('a', 64) + "@example.com" });
        AssertOnlyError(Valid() with { AdminEmail = new string('a', 65) + "@example.com" }, "admin_email");
    }

    [Fact]
    public void An_email_address_longer_than_254_characters_is_refused()
    {
        var email = "a@" + string.Join('.', Label63, Label63, Label63, new string('d', 61));
        Assert.Equal(255, email.Length);
        AssertOnlyError(Valid() with { AdminEmail = email }, "admin_email");
    }

    // ---- phone ----

    [Theory]
    [InlineData("+63 2 8123 4567")]
    [InlineData("02 (8123) 4567")]
    [InlineData("0917-123-4567")]
    [InlineData("09171234567")]
    [InlineData("1234")]
    public void A_phone_number_of_digits_spaces_and_brackets_is_accepted(string phone)
    {
        AssertAccepted(Valid() with { AdminPhone = phone });
    }

    [Theory]
    [InlineData("123")]
    [InlineData("+")]
    [InlineData("++63 2 8123 4567")]
    [InlineData("(02) 8123-4567")]
    [InlineData("0917 123 4567 ext 2")]
    [InlineData("+63 2 8123 4567\n")]
    [InlineData(" +63 2 8123 4567")]
    [InlineData("1234;DROP TABLE x")]
    [InlineData("\uFF11\uFF12\uFF13\uFF14")]
    [InlineData("\u0661\u0662\u0663\u0664")]
    [InlineData("")]
    public void A_string_that_is_not_a_phone_number_is_refused(string phone)
    {
        // "(02) 8123-4567" starts with a bracket, which the pattern does not allow first.
        AssertOnlyError(Valid() with { AdminPhone = phone }, "admin_phone");
    }

    [Fact]
    public void A_phone_number_of_31_characters_is_refused()
    {
        AssertAccepted(Valid() with { AdminPhone = new string('1', 30) });
        AssertOnlyError(Valid() with { AdminPhone = new string('1', 31) }, "admin_phone");
    }

    // ---- country and industry ----

    [Theory]
    [InlineData("PH")]
    [InlineData("US")]
    [InlineData("SG")]
    [InlineData("GB")]
    public void An_iso_country_code_is_accepted(string country)
    {
        AssertAccepted(Valid() with { Country = country });
    }

    [Theory]
    [InlineData("ph")]
    [InlineData("Ph")]
    [InlineData("XX")]
    [InlineData("PHL")]
    [InlineData("UK")]
    [InlineData("P")]
    [InlineData("PH\n")]
    [InlineData(" PH")]
    [InlineData("")]
    public void A_string_that_is_not_an_iso_country_code_is_refused(string country)
    {
        AssertOnlyError(Valid() with { Country = country }, "country");
    }

    [Theory]
    [InlineData("advertising")]
    [InlineData("retail")]
    [InlineData("finance")]
    [InlineData("manufacturing")]
    [InlineData("services")]
    [InlineData("other")]
    public void An_industry_of_the_fixed_list_is_accepted(string industry)
    {
        AssertAccepted(Valid() with { Industry = industry });
    }

    [Theory]
    [InlineData("Advertising")]
    [InlineData("ADVERTISING")]
    [InlineData("media")]
    [InlineData("retail ")]
    [InlineData("")]
    public void An_industry_outside_the_fixed_list_is_refused(string industry)
    {
        AssertOnlyError(Valid() with { Industry = industry }, "industry");
    }

    [Fact]
    public void The_industry_list_is_the_one_of_the_seed_document()
    {
        Assert.Equal(["advertising", "retail", "finance", "manufacturing", "services", "other"], Industry.All);
        Assert.Equal("advertising", Industry.Default);
    }

    // ---- name, company name, notes ----

    [Theory]
    [InlineData("TBWA Philippines")]
    [InlineData("TBWA\\Santiago Mangada Puno")]
    [InlineData("O'Brien & Co. \"Quoted\"; DROP TABLE x;--")]
    [InlineData("\u00d1o\u00f1o \u00dcn\u00efc\u00f8d\u00e9")]
    [InlineData("x")]
    public void A_name_of_printable_text_is_accepted(string name)
    {
        AssertAccepted(Valid() with { Name = name });
        AssertAccepted(Valid() with { CompanyName = name });
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(" TBWA")]
    [InlineData("TBWA ")]
    [InlineData("TBWA\n")]
    [InlineData("TB\nWA")]
    [InlineData("TB\tWA")]
    [InlineData("TB\0WA")]
    [InlineData("TB\u001b[31mWA")]
    [InlineData("TB\u007fWA")]
    [InlineData("TB\u0085WA")]
    public void A_blank_padded_or_control_character_name_is_refused(string name)
    {
        AssertOnlyError(Valid() with { Name = name }, "name");
    }

    [Fact]
    public void A_missing_name_is_refused()
    {
        AssertOnlyError(Valid() with { Name = null! }, "name");
    }

    [Fact]
    public void A_name_of_200_characters_is_accepted_and_201_refused()
    {
        AssertAccepted(Valid() with { Name = new string('n', 200) });
        AssertOnlyError(Valid() with { Name = new string('n', 201) }, "name");
    }

    [Theory]
    [InlineData("   ")]
    [InlineData(" TBWA")]
    [InlineData("TBWA\n")]
    [InlineData("TB\0WA")]
    [InlineData("TB\tWA")]
    public void A_blank_padded_or_control_character_company_name_is_refused(string companyName)
    {
        AssertOnlyError(Valid() with { CompanyName = companyName }, "company_name");
    }

    [Fact]
    public void A_company_name_of_201_characters_is_refused()
    {
        AssertAccepted(Valid() with { CompanyName = new string('c', 200) });
        AssertOnlyError(Valid() with { CompanyName = new string('c', 201) }, "company_name");
    }

    [Fact]
    public void An_empty_company_name_is_refused_as_the_database_refuses_it()
    {
        AssertOnlyError(Valid() with { CompanyName = "" }, "company_name");
    }

    [Fact]
    public void Notes_of_10000_characters_are_accepted_and_10001_refused()
    {
        AssertAccepted(Valid() with { Notes = new string('n', 10_000) });
        var errors = TenantRules.Validate(Valid() with { Notes = new string('n', 10_001) });
        var error = Assert.Single(errors);
        Assert.Equal("notes", error.Field);
        AssertSane(error.Message);
    }

    [Theory]
    [InlineData("line one\nline two")]
    [InlineData("line one\r\nline two")]
    [InlineData("column\tcolumn")]
    [InlineData("It's \"quoted\"; DROP TABLE x;--")]
    public void Notes_may_hold_line_breaks_and_tabs(string notes)
    {
        AssertAccepted(Valid() with { Notes = notes });
    }

    [Theory]
    [InlineData("   ")]
    [InlineData("notes\n")]
    [InlineData(" notes")]
    [InlineData("no\0tes")]
    [InlineData("no\u001b[2Jtes")]
    [InlineData("no\u0007tes")]
    public void Notes_that_are_blank_padded_or_hold_other_control_characters_are_refused(string notes)
    {
        AssertOnlyError(Valid() with { Notes = notes }, "notes");
    }
}
