using System.Text.Json;
using InsightPulse.Core.Bi.Security;

namespace InsightPulse.Core.Tests.Bi;

public sealed class GuestTokensTests
{
    private const string Secret = "test-only-7d1e5c9a3b8f4e2d6c0a9b8e7f6d5c4b3a2e1f0d";
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 30, 0, 250, TimeSpan.Zero);
    private static readonly double StartSeconds = Start.ToUnixTimeMilliseconds() / 1000.0;
    private static readonly double StartWholeSeconds = Start.ToUnixTimeSeconds();

    private readonly ManualClock _clock = new(Start);

    private GuestTokens Tokens(GuestTokenOptions? options = null, TimeProvider? clock = null) =>
        new(options ?? new GuestTokenOptions { Secret = Secret }, clock ?? _clock);

    private static readonly GuestTokenUser Ana = new("ana.cruz", "Ana", "Cruz");
    private static readonly GuestTokenResource[] OneDashboard = [GuestTokenResource.Dashboard("8f2c1d3e-5b6a-4c7d-9e8f-0a1b2c3d4e5f")];

    private string IssueDefault() => Tokens().Issue(Ana, OneDashboard, [new GuestTokenRlsRule("company_id = 7")]);

    private GuestTokenFailureReason Refusal(string? token, GuestTokens? tokens = null) =>
        Assert.Throws<GuestTokenException>(() => (tokens ?? Tokens()).Validate(token)).Reason;

    [Fact]
    public void An_issued_token_validates_to_the_claims_it_was_issued_with()
    {
        var rules = new[] { new GuestTokenRlsRule("company_id = 7"), new GuestTokenRlsRule("region IN ('NCR')", 12) };
        var tokens = Tokens();

        var claims = tokens.Validate(tokens.Issue(Ana, OneDashboard, rules));

        Assert.Equal(Ana, claims.User);
        Assert.Equal(OneDashboard, claims.Resources);
        Assert.Equal(rules, claims.RlsRules);
        Assert.Equal(StartWholeSeconds, claims.IssuedAt);
        Assert.Equal(StartWholeSeconds + 300, claims.ExpiresAt);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.Zero), claims.IssuedAtTime);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 9, 35, 0, TimeSpan.Zero), claims.ExpiresAtTime);
        Assert.Equal(GuestTokenOptions.SupersetDefaultAudience, claims.Audience);
        Assert.Equal("guest", claims.Type);
    }

    [Fact]
    public void A_token_has_PyJWTs_header_and_Supersets_claims_in_Supersets_order()
    {
        var parts = Tokens().Issue(Ana, OneDashboard, [new GuestTokenRlsRule("a = 1"), new GuestTokenRlsRule("b = 2", 12)]).Split('.');

        Assert.Equal(3, parts.Length);
        Assert.Equal("""{"alg":"HS256","typ":"JWT"}""", TestJws.Decode(parts[0]));
        Assert.Equal(
            """{"user":{"username":"ana.cruz","first_name":"Ana","last_name":"Cruz"},"resources":[{"type":"dashboard","id":"8f2c1d3e-5b6a-4c7d-9e8f-0a1b2c3d4e5f"}],"rls_rules":[{"clause":"a = 1"},{"clause":"b = 2","dataset":12}],"iat":1772357400,"exp":1772357700,"aud":"http://0.0.0.0:8080/","type":"guest"}""",
            TestJws.Decode(parts[1]));
    }

    [Fact]
    public void A_user_without_names_is_written_without_them_as_Superset_leaves_out_what_it_was_not_given()
    {
        var payload = TestJws.Decode(Tokens().Issue(new GuestTokenUser("kiosk"), OneDashboard, []).Split('.')[1]);

        Assert.StartsWith("""{"user":{"username":"kiosk"},""", payload, StringComparison.Ordinal);
    }

    [Fact]
    public void The_lifetime_and_audience_come_from_the_options()
    {
        var tokens = Tokens(new GuestTokenOptions { Secret = Secret, ExpSeconds = 60, Audience = "https://bi.example.test/" });

        var claims = tokens.Validate(tokens.Issue(Ana, OneDashboard, []));

        Assert.Equal(StartWholeSeconds + 60, claims.ExpiresAt);
        Assert.Equal("https://bi.example.test/", claims.Audience);
        Assert.Equal(TimeSpan.FromSeconds(60), tokens.Lifetime);
        Assert.Equal("X-GuestToken", tokens.HeaderName);
    }

    [Fact]
    public void A_token_PyJWT_made_as_Superset_makes_it_is_accepted_with_its_fractional_times()
    {
        var fixture = SupersetFixture.Load();
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeMilliseconds((long)(fixture.Now * 1000)));
        var tokens = new GuestTokens(new GuestTokenOptions { Secret = fixture.Secret, Audience = fixture.Audience }, clock);

        var claims = tokens.Validate(fixture.Hs256);

        Assert.Equal(new GuestTokenUser("ana.cruz", "Ana", "Cruz"), claims.User);
        Assert.Equal([GuestTokenResource.Dashboard("8f2c1d3e-5b6a-4c7d-9e8f-0a1b2c3d4e5f")], claims.Resources);
        Assert.Equal([new GuestTokenRlsRule("company_id = 7"), new GuestTokenRlsRule("region IN ('NCR', 'CAR')", 12)], claims.RlsRules);
        Assert.Equal(1767225600.123456, claims.IssuedAt);
        Assert.Equal(1767225900.123456, claims.ExpiresAt);
    }

    [Fact]
    public void PyJWTs_HS512_and_unsigned_tokens_with_the_same_claims_are_refused_for_their_algorithm()
    {
        var fixture = SupersetFixture.Load();
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeMilliseconds((long)(fixture.Now * 1000)));
        var tokens = new GuestTokens(new GuestTokenOptions { Secret = fixture.Secret, Audience = fixture.Audience }, clock);

        Assert.Equal(GuestTokenFailureReason.AlgorithmNotAllowed, Refusal(fixture.Hs512, tokens));
        Assert.Equal(GuestTokenFailureReason.AlgorithmNotAllowed, Refusal(fixture.None, tokens));
    }

    [Theory]
    [InlineData("""{"alg":"none","typ":"JWT"}""")]
    [InlineData("""{"alg":"None"}""")]
    [InlineData("""{"alg":"hs256","typ":"JWT"}""")]
    [InlineData("""{"alg":"HS512","typ":"JWT"}""")]
    [InlineData("""{"alg":"RS256","typ":"JWT"}""")]
    [InlineData("""{"alg":"","typ":"JWT"}""")]
    [InlineData("""{"typ":"JWT"}""")]
    [InlineData("""{"alg":null}""")]
    public void Any_algorithm_but_HS256_is_refused_before_the_signature_is_looked_at(string header)
    {
        // Signed correctly with our key, so only the algorithm check can refuse it.
        var token = TestJws.Sign(header, TestJws.GuestPayload(StartSeconds), Secret);

        Assert.Equal(GuestTokenFailureReason.AlgorithmNotAllowed, Refusal(token));
        Assert.Equal(GuestTokenFailureReason.AlgorithmNotAllowed, Refusal(token[..(token.LastIndexOf('.') + 1)]));
    }

    [Fact]
    public void A_header_that_PyJWT_would_not_write_is_accepted_when_it_says_HS256_and_is_signed()
    {
        var token = TestJws.Sign("""{ "typ": "JWT", "alg": "HS256", "kid": "k1" }""", TestJws.GuestPayload(StartSeconds), Secret);

        Assert.Equal("guest", Tokens().Validate(token).Type);
    }

    [Fact]
    public void A_header_with_critical_extensions_is_refused_as_malformed()
    {
        var token = TestJws.Sign("""{"alg":"HS256","crit":["b64"],"b64":false}""", TestJws.GuestPayload(StartSeconds), Secret);

        Assert.Equal(GuestTokenFailureReason.Malformed, Refusal(token));
    }

    [Fact]
    public void A_changed_payload_fails_the_signature()
    {
        var parts = IssueDefault().Split('.');
        var widened = TestJws.Decode(parts[1]).Replace("company_id = 7", "company_id > 0", StringComparison.Ordinal);

        Assert.Equal(GuestTokenFailureReason.BadSignature, Refusal($"{parts[0]}.{TestJws.Encode(widened)}.{parts[2]}"));
    }

    [Fact]
    public void A_changed_header_fails_the_signature()
    {
        var parts = IssueDefault().Split('.');

        Assert.Equal(GuestTokenFailureReason.BadSignature, Refusal($"{TestJws.Encode("""{"alg":"HS256"}""")}.{parts[1]}.{parts[2]}"));
    }

    [Fact]
    public void A_token_signed_with_another_secret_fails_the_signature()
    {
        var other = Tokens(new GuestTokenOptions { Secret = "another-test-key-9f8e7d6c5b4a3928171605f4e3d2c1b0" });

        Assert.Equal(GuestTokenFailureReason.BadSignature, Refusal(other.Issue(Ana, OneDashboard, [])));
    }

    [Fact]
    public void A_signature_has_one_spelling_padding_or_other_unused_bits_are_refused()
    {
        var token = IssueDefault();
        var last = token[^1];
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        // The last of 43 characters carries 4 bits of the MAC and 2 unused bits: flipping an unused bit keeps the bytes.
        var sameBytes = alphabet[alphabet.IndexOf(last, StringComparison.Ordinal) ^ 1];

        Assert.Equal(GuestTokenFailureReason.BadSignature, Refusal(token + "="));
        Assert.Equal(GuestTokenFailureReason.BadSignature, Refusal(token[..^1] + sameBytes));
        Assert.Equal(GuestTokenFailureReason.BadSignature, Refusal(token[..^1]));
        Assert.Equal(GuestTokenFailureReason.BadSignature, Refusal(token[..^1] + "é"));
    }

    [Fact]
    public void Times_are_written_in_whole_seconds_so_a_validator_comparing_with_a_whole_second_now_accepts_a_fresh_token()
    {
        // PyJWT 2.6 refuses iat > int(now): a fraction would make a fresh token "not yet valid" for up to a second.
        var claims = Tokens().Validate(IssueDefault());

        Assert.Equal(Math.Floor(StartSeconds), claims.IssuedAt);
    }

    [Fact]
    public void A_token_is_valid_until_its_exp_and_expired_from_then_on()
    {
        var tokens = Tokens();
        var token = tokens.Issue(Ana, OneDashboard, []);
        var expiry = tokens.Validate(token).ExpiresAtTime;

        _clock.Now = expiry - TimeSpan.FromMilliseconds(1);
        Assert.Equal("guest", tokens.Validate(token).Type);
        _clock.Now = expiry;
        Assert.Equal(GuestTokenFailureReason.Expired, Refusal(token, tokens));
    }

    [Fact]
    public void An_iat_up_to_the_allowed_skew_ahead_is_accepted_and_beyond_it_not_yet_valid()
    {
        var skew = GuestTokens.AllowedClockSkew.TotalSeconds;
        var atSkew = TestJws.Sign(TestJws.Hs256Header, TestJws.GuestPayload(StartSeconds + skew), Secret);
        var beyond = TestJws.Sign(TestJws.Hs256Header, TestJws.GuestPayload(StartSeconds + skew + 0.001), Secret);

        Assert.Equal("guest", Tokens().Validate(atSkew).Type);
        Assert.Equal(GuestTokenFailureReason.NotYetValid, Refusal(beyond));
    }

    [Fact]
    public void A_token_issued_by_a_clock_slightly_ahead_is_accepted_and_one_far_ahead_is_not_yet_valid()
    {
        var validator = Tokens();
        var slightlyAhead = Tokens(clock: new ManualClock(Start + TimeSpan.FromSeconds(10)));
        var farAhead = Tokens(clock: new ManualClock(Start + GuestTokens.AllowedClockSkew + TimeSpan.FromSeconds(1)));

        Assert.Equal("guest", validator.Validate(slightlyAhead.Issue(Ana, OneDashboard, [])).Type);
        Assert.Equal(GuestTokenFailureReason.NotYetValid, Refusal(farAhead.Issue(Ana, OneDashboard, []), validator));
    }

    [Fact]
    public void A_token_for_another_audience_is_refused()
    {
        var otherAudience = Tokens(new GuestTokenOptions { Secret = Secret, Audience = "https://other.example.test/" });

        Assert.Equal(GuestTokenFailureReason.WrongAudience, Refusal(otherAudience.Issue(Ana, OneDashboard, [])));
    }

    [Theory]
    [InlineData("\"access\"")]
    [InlineData("\"Guest\"")]
    [InlineData("\"\"")]
    public void A_token_signed_with_the_key_but_not_of_type_guest_is_refused(string type)
    {
        var token = TestJws.Sign(TestJws.Hs256Header, TestJws.GuestPayload(StartSeconds, type: type), Secret);

        Assert.Equal(GuestTokenFailureReason.WrongType, Refusal(token));
    }

    [Fact]
    public void A_token_granting_nothing_is_refused_and_cannot_be_issued()
    {
        var token = TestJws.Sign(TestJws.Hs256Header, TestJws.GuestPayload(StartSeconds, resources: "[]"), Secret);

        Assert.Equal(GuestTokenFailureReason.NoResources, Refusal(token));
        Assert.Throws<ArgumentException>(() => Tokens().Issue(Ana, [], []));
        Assert.Throws<ArgumentException>(() => Tokens().Issue(Ana, [new GuestTokenResource("chart", "1")], []));
        Assert.Throws<ArgumentException>(() => Tokens().Issue(Ana, [GuestTokenResource.Dashboard("")], []));
    }

    [Theory]
    [InlineData("""[{"type":"chart","id":"1"}]""")]
    [InlineData("""[{"type":"dashboard","id":""}]""")]
    [InlineData("""[{"type":"dashboard"}]""")]
    [InlineData("""[{"type":"dashboard","id":7}]""")]
    [InlineData("""[null]""")]
    public void A_resource_that_is_not_a_dashboard_with_an_id_makes_the_token_malformed(string resources)
    {
        var token = TestJws.Sign(TestJws.Hs256Header, TestJws.GuestPayload(StartSeconds, resources: resources), Secret);

        Assert.Equal(GuestTokenFailureReason.Malformed, Refusal(token));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData(".b.c")]
    [InlineData("!!!.b.c")]
    [InlineData("bm90IGpzb24.b.c")] // "not json"
    [InlineData("WzFd.b.c")] // "[1]"
    public void Input_that_is_not_a_compact_JWS_is_malformed(string token)
    {
        Assert.Equal(GuestTokenFailureReason.Malformed, Refusal(token));
    }

    [Fact]
    public void No_token_and_a_huge_token_are_malformed()
    {
        Assert.Equal(GuestTokenFailureReason.Malformed, Refusal(null));
        Assert.Equal(GuestTokenFailureReason.Malformed, Refusal(IssueDefault() + new string('A', GuestTokens.MaxTokenLength)));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"user":{},"resources":[{"type":"dashboard","id":"d"}],"rls_rules":[],"iat":1772357400,"aud":"http://0.0.0.0:8080/","type":"guest"}""")] // no exp
    [InlineData("""{"user":{},"resources":[{"type":"dashboard","id":"d"}],"iat":1772357400,"exp":1772357700,"aud":"http://0.0.0.0:8080/","type":"guest"}""")] // no rls_rules
    [InlineData("""{"resources":[{"type":"dashboard","id":"d"}],"rls_rules":[],"iat":1772357400,"exp":1772357700,"aud":"http://0.0.0.0:8080/","type":"guest"}""")] // no user
    [InlineData("""{"user":{},"resources":[{"type":"dashboard","id":"d"}],"rls_rules":[{"dataset":1}],"iat":1772357400,"exp":1772357700,"aud":"http://0.0.0.0:8080/","type":"guest"}""")] // a rule without clause
    [InlineData("""{"user":{},"resources":[{"type":"dashboard","id":"d"}],"rls_rules":[],"iat":1772357400,"exp":"1772357700","aud":"http://0.0.0.0:8080/","type":"guest"}""")] // exp as text
    [InlineData("""{"user":{},"resources":[{"type":"dashboard","id":"d"}],"rls_rules":[],"iat":1772357400,"exp":1772357700,"aud":["http://0.0.0.0:8080/"],"type":"guest"}""")] // aud as list
    [InlineData("""{"user":{},"resources":[{"type":"dashboard","id":"d"}],"rls_rules":[],"iat":1772357400,"exp":1772357700,"aud":"http://0.0.0.0:8080/","type":"guest","type":"access"}""")] // duplicate claim
    public void A_signed_payload_that_is_not_Supersets_claims_is_malformed(string payload)
    {
        Assert.Equal(GuestTokenFailureReason.Malformed, Refusal(TestJws.Sign(TestJws.Hs256Header, payload, Secret)));
    }

    [Fact]
    public void A_dataset_written_as_text_is_read_as_Supersets_type_hints_allow()
    {
        var payload = TestJws.GuestPayload(StartSeconds).Replace("\"rls_rules\":[]", """ "rls_rules":[{"dataset":"12","clause":"a = 1"}]""", StringComparison.Ordinal);

        var claims = Tokens().Validate(TestJws.Sign(TestJws.Hs256Header, payload, Secret));

        Assert.Equal(new GuestTokenRlsRule("a = 1", 12), Assert.Single(claims.RlsRules));
    }

    [Fact]
    public void Every_refusal_has_a_fixed_message_that_reveals_neither_key_nor_token()
    {
        foreach (var reason in Enum.GetValues<GuestTokenFailureReason>())
        {
            var message = new GuestTokenException(reason).Message;
            Assert.Equal(GuestTokenException.MessageFor(reason), message);
            Assert.DoesNotContain(Secret, message, StringComparison.Ordinal);
            Assert.DoesNotContain("eyJ", message, StringComparison.Ordinal);
        }
        Assert.Equal(Enum.GetValues<GuestTokenFailureReason>().Length,
            Enum.GetValues<GuestTokenFailureReason>().Select(GuestTokenException.MessageFor).Distinct().Count());
    }

    [Fact]
    public void Unusable_options_stop_the_service_from_being_created()
    {
        var missing = Assert.Throws<GuestTokenConfigurationException>(() => new GuestTokens(new GuestTokenOptions(), _clock));
        Assert.Contains(GuestTokenOptions.SecretSetting, missing.Message, StringComparison.Ordinal);

        var published = Assert.Throws<GuestTokenConfigurationException>(
            () => new GuestTokens(new GuestTokenOptions { Secret = GuestTokenOptions.SupersetDefaultSecret }, _clock));
        Assert.DoesNotContain(GuestTokenOptions.SupersetDefaultSecret, published.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void In_development_a_missing_secret_signs_with_Supersets_default_so_a_stock_Superset_trusts_the_tokens()
    {
        var development = Tokens(new GuestTokenOptions { IsDevelopment = true });
        var token = development.Issue(Ana, OneDashboard, []);
        var parts = token.Split('.');

        var expected = TestJws.Sign(TestJws.Decode(parts[0]), TestJws.Decode(parts[1]), GuestTokenOptions.SupersetDefaultSecret);

        Assert.Equal(expected, token);
    }

    /// <summary>The tokens in fixtures/superset-guest-tokens.json, made once with PyJWT (Debian's python3-jwt), each stored as its three parts.</summary>
    private sealed record SupersetFixture(string Secret, string Audience, double Now, string Hs256, string Hs512, string None)
    {
        public static SupersetFixture Load()
        {
            using var json = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.File("tests", "InsightPulse.Core.Tests", "Bi", "fixtures", "superset-guest-tokens.json")));
            var root = json.RootElement;
            string Text(string name) => root.GetProperty(name).GetString()!;
            // A token is kept as its header, payload and signature (no whole JWT in a tracked file).
            string Token(string name) => string.Join('.', root.GetProperty(name).EnumerateArray().Select(part => part.GetString()));
            return new SupersetFixture(Text("secret"), Text("audience"), root.GetProperty("now").GetDouble(), Token("hs256"), Token("hs512"), Token("none"));
        }
    }
}
