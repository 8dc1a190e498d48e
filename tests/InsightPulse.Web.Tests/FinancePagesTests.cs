using System.Net;
using System.Text.RegularExpressions;

namespace InsightPulse.Web.Tests;

/// <summary>The ipai_finance_ppm pages: agencies → projects → reports → lines with BIR withholding, totals against budget, inline validation, isolation.</summary>
[Collection(Lanes.Http)]
public sealed partial class FinancePagesTests(PostgresFixture postgres, WebPlatform web) : IClassFixture<WebPlatform>, IAsyncLifetime
{
    public async Task InitializeAsync() => await web.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_report_line_at_tbwa_shows_its_withholding_totals_and_counts_against_the_project_budget()
    {
        var tbwa = await web.AdminClientAsync("tbwa.localhost", "tbwa");
        var agency = await CreateAgencyAsync(tbwa, "FLOW-AG");
        var project = await CreateProjectAsync(tbwa, agency, "FLOW-P1", "100000");
        var report = await CreateReportAsync(tbwa, project, "Ana Flow", "2025-06");

        // WC158 with the rate left empty: tbwa's ATC table gives 1 %; withholding on 11,200 − 1,200 VAT = 100.00.
        var added = await AddLineAsync(tbwa, report, gross: "11200", vat: "1200", atc: "WC158", rate: "");
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        var page = await tbwa.GetStringAsync($"/finance/expenses/{report}");
        Assert.Equal("₱11,200.00", TestId(page, "total-gross"));
        Assert.Equal("₱1,200.00", TestId(page, "total-vat"));
        Assert.Equal("₱100.00", TestId(page, "total-withholding"));
        Assert.Equal("₱11,100.00", TestId(page, "total-net"));
        Assert.Contains("<select id=\"f-atc_code\"", page, StringComparison.Ordinal); // tbwa's BIR ATC list

        var list = await tbwa.GetStringAsync("/finance/expenses");
        Assert.Contains("Ana Flow", list, StringComparison.Ordinal);
        Assert.Contains("₱11,200.00", list, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.PostFormAsync(tbwa, $"/finance/expenses/{report}", $"/finance/expenses/{report}/state", new Dictionary<string, string> { ["state"] = "submitted" })).StatusCode);
        var pending = ProjectRow(await tbwa.GetStringAsync("/finance/projects"), "FLOW-P1");
        Assert.Equal("₱11,200.00", TestId(pending, "pending"));
        Assert.Equal("₱0.00", TestId(pending, "spent"));

        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.PostFormAsync(tbwa, $"/finance/expenses/{report}", $"/finance/expenses/{report}/state", new Dictionary<string, string> { ["state"] = "approved" })).StatusCode);
        var approved = ProjectRow(await tbwa.GetStringAsync("/finance/projects"), "FLOW-P1");
        Assert.Equal("₱100,000.00", TestId(approved, "budget"));
        Assert.Equal("₱11,200.00", TestId(approved, "spent"));
        Assert.Equal("₱0.00", TestId(approved, "pending"));
        Assert.Equal("₱88,800.00", TestId(approved, "remaining"));
        Assert.Contains("11.2%", approved, StringComparison.Ordinal);

        // Approved: lines are frozen, and a line posted anyway is refused with the reason.
        var late = await AddLineAsync(tbwa, report, gross: "50", vat: "0", atc: "", rate: "");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Contains("lines change only while it is a draft", await late.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_fields_are_shown_next_to_them_with_422_and_nothing_is_saved()
    {
        var tbwa = await web.AdminClientAsync("tbwa.localhost", "tbwa");
        var badTin = await WebPlatform.PostFormAsync(tbwa, "/finance/agencies", "/finance/agencies", new Dictionary<string, string>
        {
            ["code"] = "BADTIN",
            ["name"] = "Bad TIN Agency",
            ["tin"] = "123-45-6789",
        });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badTin.StatusCode);
        var badTinPage = await badTin.Content.ReadAsStringAsync();
        Assert.Contains("id=\"f-tin-error\"", badTinPage, StringComparison.Ordinal);
        Assert.Contains("value=\"123-45-6789\"", badTinPage, StringComparison.Ordinal); // kept as entered
        Assert.DoesNotContain(">BADTIN<", await tbwa.GetStringAsync("/finance/agencies"), StringComparison.Ordinal);

        var agency = await CreateAgencyAsync(tbwa, "VAL-AG");
        var project = await CreateProjectAsync(tbwa, agency, "VAL-P1", "5000");
        var report = await CreateReportAsync(tbwa, project, "Val Idation", "2025-05");

        var vatOverGross = await AddLineAsync(tbwa, report, gross: "100", vat: "150", atc: "", rate: "");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, vatOverGross.StatusCode);
        Assert.Contains("id=\"f-vat_amount-error\"", await vatOverGross.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var noAtc = await AddLineAsync(tbwa, report, gross: "100", vat: "0", atc: "", rate: "2");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noAtc.StatusCode);
        var noAtcPage = await noAtc.Content.ReadAsStringAsync();
        Assert.Contains("id=\"f-atc_code-error\"", noAtcPage, StringComparison.Ordinal);
        Assert.Contains("Withholding needs its ATC code", noAtcPage, StringComparison.Ordinal);

        Assert.Contains("data-testid=\"lines-empty\"", await tbwa.GetStringAsync($"/finance/expenses/{report}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scout_admin_never_sees_a_tbwa_report()
    {
        var tbwa = await web.AdminClientAsync("tbwa.localhost", "tbwa");
        var agency = await CreateAgencyAsync(tbwa, "ISO-AG");
        var project = await CreateProjectAsync(tbwa, agency, "ISO-P1", "1000");
        var report = await CreateReportAsync(tbwa, project, "Tbwa Only Employee", "2025-04");
        Assert.Equal(HttpStatusCode.Redirect, (await AddLineAsync(tbwa, report, gross: "10", vat: "0", atc: "", rate: "")).StatusCode);

        var scout = await web.AdminClientAsync("scout.localhost", "scout");
        var list = await scout.GetAsync("/finance/expenses");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode); // scout has the module …
        Assert.DoesNotContain("Tbwa Only Employee", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("ISO-P1", await scout.GetStringAsync("/finance/projects"), StringComparison.Ordinal);
        // … but tbwa's rows are not there for it: the report, its lines and changes to it are 404.
        Assert.Equal(HttpStatusCode.NotFound, (await scout.GetAsync($"/finance/expenses/{report}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scout.GetAsync($"/finance/projects/{project}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scout.GetAsync($"/finance/agencies/{agency}")).StatusCode);
        var delete = await WebPlatform.PostFormAsync(scout, "/finance/expenses", $"/finance/expenses/{report}/delete", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        Assert.Contains("Tbwa Only Employee", await tbwa.GetStringAsync($"/finance/expenses/{report}"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/finance/agencies")]
    [InlineData("/finance/projects")]
    [InlineData("/finance/expenses")]
    [InlineData("/finance/expenses/1")]
    public async Task The_platform_tenant_without_the_module_gets_404(string path)
    {
        var platform = await web.AdminClientAsync("localhost", "platform");
        Assert.Equal(HttpStatusCode.NotFound, (await platform.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task Deleting_an_agency_with_projects_says_why_and_keeps_it()
    {
        var tbwa = await web.AdminClientAsync("tbwa.localhost", "tbwa");
        var agency = await CreateAgencyAsync(tbwa, "DEL-AG");
        var project = await CreateProjectAsync(tbwa, agency, "DEL-P1", "0");

        var refused = await WebPlatform.PostFormAsync(tbwa, $"/finance/agencies/{agency}", $"/finance/agencies/{agency}/delete", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("This agency still has projects", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await tbwa.GetAsync($"/finance/agencies/{agency}")).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.PostFormAsync(tbwa, $"/finance/projects/{project}", $"/finance/projects/{project}/delete", new Dictionary<string, string>())).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.PostFormAsync(tbwa, $"/finance/agencies/{agency}", $"/finance/agencies/{agency}/delete", new Dictionary<string, string>())).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await tbwa.GetAsync($"/finance/agencies/{agency}")).StatusCode);
    }

    private static int _tin;

    internal static async Task<long> CreateAgencyAsync(HttpClient client, string code)
    {
        var tin = $"900-000-{Interlocked.Increment(ref _tin):000}";
        var response = await WebPlatform.PostFormAsync(client, "/finance/agencies", "/finance/agencies", new Dictionary<string, string>
        {
            ["code"] = code,
            ["name"] = $"{code} agency",
            ["tin"] = tin,
            ["registered_address"] = "Makati City",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return IdOf(await client.GetStringAsync("/finance/agencies"), "agencies", code);
    }

    internal static async Task<long> CreateProjectAsync(HttpClient client, long agency, string code, string budget)
    {
        var response = await WebPlatform.PostFormAsync(client, "/finance/projects", "/finance/projects", new Dictionary<string, string>
        {
            ["agency_id"] = agency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["code"] = code,
            ["name"] = $"{code} project",
            ["budget_amount"] = budget,
            ["currency"] = "PHP",
            ["state"] = "active",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return IdOf(await client.GetStringAsync("/finance/projects"), "projects", code);
    }

    private static async Task<long> CreateReportAsync(HttpClient client, long project, string employee, string period)
    {
        var response = await WebPlatform.PostFormAsync(client, "/finance/expenses", "/finance/expenses", new Dictionary<string, string>
        {
            ["project_id"] = project.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["employee_name"] = employee,
            ["period"] = period,
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return long.Parse(response.Headers.Location!.OriginalString.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Task<HttpResponseMessage> AddLineAsync(HttpClient client, long report, string gross, string vat, string atc, string rate) =>
        WebPlatform.PostFormAsync(client, $"/finance/expenses/{report}", $"/finance/expenses/{report}/lines", new Dictionary<string, string>
        {
            ["line_date"] = "2025-06-12",
            ["description"] = "Catering for the shoot",
            ["vendor_name"] = "Kusina Corp.",
            ["vendor_tin"] = "111-222-333-000",
            ["category"] = "production",
            ["gross_amount"] = gross,
            ["vat_amount"] = vat,
            ["atc_code"] = atc,
            ["withholding_rate"] = rate,
        });

    private static long IdOf(string page, string kind, string code)
    {
        var match = Regex.Match(page, $"href=\"/finance/{kind}/(\\d+)\">{Regex.Escape(code)}<");
        Assert.True(match.Success, $"{code} is not in the {kind} list");
        return long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string ProjectRow(string page, string code)
    {
        var rows = Regex.Matches(page, "<tr data-testid=\"project-row\">.*?</tr>", RegexOptions.Singleline);
        return Assert.Single(rows, r => r.Value.Contains($">{code}<", StringComparison.Ordinal)).Value;
    }

    private static string TestId(string html, string testId)
    {
        var match = Regex.Match(html, $"data-testid=\"{Regex.Escape(testId)}\">([^<]*)<");
        Assert.True(match.Success, $"no data-testid={testId}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }
}
