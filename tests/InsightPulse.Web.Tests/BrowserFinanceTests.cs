using Microsoft.Playwright;

namespace InsightPulse.Web.Tests;

/// <summary>
/// The browser flow: at tbwa.localhost a user creates an expense report and sees it in the list; at
/// scout.localhost (another tenant with the same module) it is not there, not even by its address.
/// </summary>
[Collection(Lanes.Browser)]
public sealed class BrowserFinanceTests(PostgresFixture postgres, BrowserPlatform web) : IAsyncLifetime
{
    public async Task InitializeAsync() => await web.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_expense_report_created_at_tbwa_is_listed_there_and_invisible_at_scout()
    {
        await using var tbwaContext = await web.NewContextAsync();
        var tbwa = await tbwaContext.NewPageAsync();
        var site = web.Site("tbwa.localhost");
        await BrowserPlatform.SignInAsync(tbwa, site, "admin", web.AdminPasswordOf("tbwa"));

        await tbwa.ClickAsync("nav >> text=Agencies");
        await tbwa.Locator("[data-testid=agency-submit]").WaitForAsync();
        await tbwa.FillAsync("#f-code", "TBWA-MNL");
        await tbwa.FillAsync("#f-name", "TBWA\\Santiago Mangada Puno");
        await tbwa.FillAsync("#f-tin", "123-456-789");
        await tbwa.ClickAsync("[data-testid=agency-submit]");
        await Assertions.Expect(tbwa.Locator("[data-testid=agency-row]")).ToHaveCountAsync(1); // waits for the page after the POST
        await BrowserPlatform.ScreenshotAsync(tbwa, "finance-agencies");

        await tbwa.ClickAsync("nav >> text=Projects");
        await tbwa.Locator("[data-testid=project-form]").WaitForAsync(); // the agencies page has #f-code and #f-name too
        await tbwa.FillAsync("#f-code", "JOLLIBEE-2025");
        await tbwa.FillAsync("#f-name", "Jollibee Chickenjoy relaunch");
        await tbwa.FillAsync("#f-budget_amount", "250000");
        await tbwa.ClickAsync("[data-testid=project-form] button[type=submit]");
        Assert.Equal("₱250,000.00", (await tbwa.TextContentAsync("[data-testid=project-row] [data-testid=budget]"))?.Trim());

        await tbwa.ClickAsync("nav >> text=Expense reports");
        await tbwa.FillAsync("#f-employee_name", "Maria Santos");
        await tbwa.FillAsync("#f-period", "2025-06");
        await tbwa.ClickAsync("[data-testid=report-submit]");
        // The report's own page, known by its line form. (Waiting for the URL instead could miss a navigation that
        // committed before the wait began: seen once in CI with the browser already on /finance/expenses/1.)
        await tbwa.Locator("#f-line_date").WaitForAsync();
        Assert.Matches("/finance/expenses/[0-9]+$", tbwa.Url);
        var reportPath = new Uri(tbwa.Url).AbsolutePath;

        // A line with BIR expanded withholding: (11,200 − 1,200) × 2% = 200.00; net 11,000.00.
        await tbwa.FillAsync("#f-line_date", "2025-06-12");
        await tbwa.FillAsync("#f-description", "Shoot catering, Quezon City");
        await tbwa.FillAsync("#f-vendor_name", "Kusina ni Aling Nena");
        await tbwa.FillAsync("#f-vendor_tin", "987-654-321-000");
        await tbwa.SelectOptionAsync("#f-category", "meals");
        await tbwa.FillAsync("#f-gross_amount", "11200");
        await tbwa.FillAsync("#f-vat_amount", "1200");
        await tbwa.FillAsync("#f-withholding_rate", "2");
        var atc = tbwa.Locator("select#f-atc_code");
        if (await atc.CountAsync() == 1)
        {
            await atc.SelectOptionAsync(new SelectOptionValue { Value = "WC158" });
        }
        else
        {
            await tbwa.FillAsync("#f-atc_code", "WC158");
        }
        await tbwa.ClickAsync("[data-testid=line-submit]");
        Assert.Equal("₱200.00", (await tbwa.TextContentAsync("[data-testid=total-withholding]"))?.Trim());
        Assert.Equal("₱11,000.00", (await tbwa.TextContentAsync("[data-testid=total-net]"))?.Trim());
        await BrowserPlatform.ScreenshotAsync(tbwa, "finance-expense-report");

        await tbwa.ClickAsync("nav >> text=Expense reports");
        var rows = tbwa.Locator("[data-testid=report-row]");
        Assert.Equal(1, await rows.CountAsync());
        Assert.Contains("Maria Santos", await rows.First.TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal("₱11,200.00", (await rows.First.Locator("[data-testid=gross]").TextContentAsync())?.Trim());
        await BrowserPlatform.ScreenshotAsync(tbwa, "finance-expense-reports");

        await using var scoutContext = await web.NewContextAsync();
        var scout = await scoutContext.NewPageAsync();
        var scoutSite = web.Site("scout.localhost");
        await BrowserPlatform.SignInAsync(scout, scoutSite, "admin", web.AdminPasswordOf("scout"));
        await scout.ClickAsync("nav >> text=Expense reports");
        Assert.Equal(0, await scout.Locator("[data-testid=report-row]").CountAsync());
        Assert.DoesNotContain("Maria Santos", await scout.ContentAsync(), StringComparison.Ordinal);
        await BrowserPlatform.ScreenshotAsync(scout, "finance-expense-reports-scout");
        var direct = await scout.GotoAsync(scoutSite + reportPath);
        Assert.Equal(404, direct!.Status);
        Assert.DoesNotContain("Maria Santos", await scout.ContentAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/finance/agencies")]
    [InlineData("/finance/projects")]
    [InlineData("/finance/expenses")]
    public async Task Finance_pages_fit_a_phone(string path)
    {
        await using var context = await web.NewContextAsync(390, 844);
        var page = await context.NewPageAsync();
        await BrowserPlatform.SignInAsync(page, web.Site("tbwa.localhost"), "admin", web.AdminPasswordOf("tbwa"));
        await page.GotoAsync(web.Site("tbwa.localhost") + path);
        var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"{path} is {width}px wide on a 390px screen");
        Assert.Equal("tbwa.localhost", await page.TextContentAsync("[data-testid=tenant-domain]"));
        await BrowserPlatform.ScreenshotAsync(page, "phone" + path.Replace('/', '-'));
    }

    [Fact]
    public async Task Invalid_fields_are_shown_next_to_them()
    {
        await using var context = await web.NewContextAsync();
        var page = await context.NewPageAsync();
        await BrowserPlatform.SignInAsync(page, web.Site("tbwa.localhost"), "admin", web.AdminPasswordOf("tbwa"));
        await page.GotoAsync(web.Site("tbwa.localhost") + "/finance/agencies");
        await page.FillAsync("#f-code", "BAD-TIN");
        await page.FillAsync("#f-name", "Bad TIN Agency");
        await page.FillAsync("#f-tin", "12-34");
        await page.ClickAsync("[data-testid=agency-submit]");
        Assert.True(await page.Locator("#f-tin-error").IsVisibleAsync());
        Assert.Equal("true", await page.GetAttributeAsync("#f-tin", "aria-invalid"));
        await BrowserPlatform.ScreenshotAsync(page, "finance-agency-invalid");
    }
}
