using InsightPulse.Core.Finance;
using InsightPulse.Core.ScoutData;

namespace InsightPulse.Core.Demo;

/// <summary>
/// The finance demo (<c>ipai_finance_ppm</c>): four BIR-registered agency entities, twelve client projects and a year of
/// monthly expense reports per project, with VAT and BIR expanded withholding per line. Pure and deterministic: the
/// same month and ATC rates give the same set, from a fixed seed (<see cref="SplitMixRandom"/>, not
/// <see cref="Random"/>, whose sequence .NET does not promise to keep). Agencies, clients, vendors, people and TINs
/// are invented; any likeness to a real one is chance.
/// </summary>
/// <remarks>
/// Shaped for the "Agency finance" dashboard: spend against budget per project (budgets are set from the approved and
/// paid spend so that two projects end over budget and two near it), withholding by ATC code (vendors of every kind
/// an agency pays: media, production houses, professionals and talents, lessors, suppliers), and reports by state and
/// month (old months mostly approved or paid, recent ones submitted or draft, a few rejected).
/// </remarks>
internal static class FinanceDemo
{
    /// <summary>The random seed of the finance demo: changing it changes every amount (raise <see cref="DemoData.GeneratorVersion"/>).</summary>
    public const long Seed = 2026_07;

    /// <summary>
    /// The expanded-withholding codes the demo uses, with the rates of the tbwa databank's <c>bir_atc_code</c> seed
    /// (<c>databanks/tbwa/migrations/0001_bir_withholding.sql</c>): the rates of a tenant without that table.
    /// </summary>
    public static readonly IReadOnlyList<AtcCode> DefaultAtcCodes =
    [
        new("WI010", "Professional fees, individuals, gross income not over P3,000,000", 0.05m),
        new("WC010", "Professional fees, juridical persons, gross income not over P720,000", 0.10m),
        new("WC011", "Professional fees, juridical persons, gross income over P720,000", 0.15m),
        new("WI080", "Talent fees, individuals, gross income not over P3,000,000", 0.05m),
        new("WI081", "Talent fees, individuals, gross income over P3,000,000 or VAT-registered", 0.10m),
        new("WI100", "Rentals, individuals", 0.05m),
        new("WC100", "Rentals, juridical persons", 0.05m),
        new("WI120", "Contractors and subcontractors, individuals", 0.02m),
        new("WC120", "Contractors and subcontractors, juridical persons", 0.02m),
        new("WI158", "Top withholding agents: suppliers of goods, individuals", 0.01m),
        new("WC158", "Top withholding agents: suppliers of goods, juridical persons", 0.01m),
        new("WI160", "Top withholding agents: suppliers of services, individuals", 0.02m),
        new("WC160", "Top withholding agents: suppliers of services, juridical persons", 0.02m),
    ];

    private const decimal VatRate = 0.12m;

    private sealed record Vendor(string Name, string Tin, bool VatRegistered, string? Atc, string[] Descriptions);

    /// <summary>A category's vendors and the range of one expense net of VAT, in pesos (drawn log-uniformly).</summary>
    private sealed record Category(string Code, decimal Low, decimal High, Vendor[] Vendors);

    private sealed record Plan(string Code, string AgencyCode, string Name, string Client, string Mix, double Size, int PeakMonth,
        double BudgetUse, string[] Team, string Theme);

    private static Vendor V(string name, string tin, bool vat, string? atc, params string[] descriptions) => new(name, tin, vat, atc, descriptions);

    public static readonly IReadOnlyList<AgencyInput> Agencies =
    [
        new("DEMO-MNL", "Kalayaan Creative Manila, Inc.", "009-412-337-000", "12F Bayanihan Tower, 32nd Street, Bonifacio Global City, Taguig City 1634"),
        new("DEMO-CEB", "Kalayaan Creative Manila, Inc. (Cebu branch)", "009-412-337-001", "3F Lahug Digital Hub, Salinas Drive, Lahug, Cebu City 6000"),
        new("DEMO-DGT", "Bahaghari Digital Studio Corp.", "010-227-845-000", "8F Salcedo Arcade, L.P. Leviste Street, Salcedo Village, Makati City 1227"),
        new("DEMO-PRD", "Sinag Production House, Inc.", "008-903-116-000", "45 Scout Tobias Street, Laging Handa, Quezon City 1103"),
    ];

    private static readonly Category[] Categories =
    [
        new("media", 35_000m, 320_000m,
        [
            V("Himig Broadcasting Network, Inc.", "004-556-781-000", true, "WC160", "TV airtime, 30-second spots", "TV airtime, primetime placements"),
            V("Tanglaw Digital Media Corp.", "008-771-203-000", true, "WC160", "Social media and programmatic buy", "Video pre-roll and search ads"),
            V("Lakbay Outdoor Advertising, Inc.", "006-214-559-000", true, "WC100", "Billboard rental, EDSA–Guadalupe", "LED billboard slots, Ayala–EDSA"),
            V("Radyo Bayan FM Network Corp.", "005-118-402-000", true, "WC160", "Radio spots, Mega Manila and Cebu"),
        ]),
        new("production", 25_000m, 280_000m,
        [
            V("Liwanag Films Production Corp.", "007-332-914-000", true, "WC120", "TVC shoot days and post-production", "Online video shoot, two days"),
            V("Tinta Printing Press, Inc.", "005-448-120-000", true, "WC158", "Printed collaterals and point-of-sale materials", "Tarpaulins and standees"),
            V("Miguel Lacson (Sonido Audio Post)", "231-554-876-000", false, "WI120", "Audio post and jingle mix"),
            V("Entablado Events & Staging Corp.", "009-876-445-000", true, "WC120", "Stage, lights and sound for activation"),
        ]),
        new("professional_fees", 10_000m, 120_000m,
        [
            V("Atty. Ramon B. Dizon", "187-442-093-000", false, "WI010", "Legal review of promo mechanics (DTI permit)", "Contract review, talent agreements"),
            V("Dela Paz Consulting Group, Inc.", "004-902-318-000", true, "WC010", "Consumer research workshop"),
            V("Reyes Tan & Co., CPAs", "003-617-559-000", true, "WC011", "Campaign audit and BIR advisory"),
            V("Carla Mendoza", "301-227-564-000", false, "WI080", "Voice-over talent fee"),
            V("Paolo Santos", "298-114-730-000", false, "WI080", "Talent fee, print and online shoot"),
            V("Jasmine Uy", "176-339-802-000", true, "WI081", "Endorser fee, quarterly tranche"),
        ]),
        new("rent", 12_000m, 110_000m,
        [
            V("Studio Siete Rentals Corp.", "008-115-620-000", true, "WC100", "Studio rental, shoot and fitting days"),
            V("Kamera Gear Rentals, Inc.", "010-443-298-000", true, "WC100", "Camera, lighting and grip package"),
            V("Nena Villanueva", "145-882-317-000", false, "WI100", "Warehouse space for event props"),
        ]),
        new("supplies", 1_200m, 28_000m,
        [
            V("Bodega Office Supplies Trading Corp.", "006-557-129-000", true, "WC158", "Office and pantry supplies", "Presentation boards and printing paper"),
            V("Tindahan ng Sining Art Materials, Inc.", "007-664-231-000", true, "WC158", "Art materials for mock-ups"),
            V("Corazon Dimaculangan (Aling Cora's Props)", "412-903-558-000", false, "WI158", "Props for sari-sari store set"),
        ]),
        new("travel", 2_500m, 48_000m,
        [
            V("Pacific Sky Airways, Inc.", "002-331-778-000", true, null, "Airfare Manila–Cebu, shoot crew", "Airfare Manila–Davao, store visits"),
            V("Hotel Alon Cebu, Inc.", "009-118-646-000", true, null, "Hotel, crew of six, two nights"),
            V("Sakay Ride-Hailing, Inc.", "010-772-305-000", true, null, "Ride-hailing to client meetings"),
            V("Bangka Sea Transport Corp.", "005-909-417-000", true, null, "Ferry tickets Cebu–Tagbilaran"),
        ]),
        new("meals", 900m, 14_000m,
        [
            V("Kainan sa Kanto Catering Services, Inc.", "009-331-228-000", true, "WC160", "Shoot-day catering"),
            V("Kape't Kwentuhan Café", "008-245-901-000", true, null, "Client meeting, coffee"),
            V("Lutong Bahay Restaurant Corp.", "007-508-662-000", true, null, "Team dinner after pitch"),
        ]),
        new("other", 600m, 18_000m,
        [
            V("Bilis Courier Services, Inc.", "006-880-134-000", true, "WC160", "Courier: signed contracts and materials"),
            V("Lorna Cruz (Sinulid Tailoring)", "267-410-885-000", false, "WI160", "Wardrobe alterations for talents"),
            V("Sulat Translation Services, Inc.", "010-158-372-000", true, "WC160", "Translation to Cebuano and Hiligaynon"),
        ]),
    ];

    /// <summary>Category weights of a project's expenses, by the kind of work it is.</summary>
    private static readonly Dictionary<string, double[]> Mixes = new(StringComparer.Ordinal)
    {
        // media, production, professional_fees, rent, supplies, travel, meals, other
        ["campaign"] = [0.26, 0.24, 0.14, 0.08, 0.07, 0.08, 0.08, 0.05],
        ["digital"] = [0.34, 0.10, 0.22, 0.04, 0.07, 0.06, 0.09, 0.08],
        ["activation"] = [0.06, 0.18, 0.10, 0.18, 0.13, 0.15, 0.14, 0.06],
    };

    private static readonly Plan[] Plans =
    [
        new("DEMO-P01", "DEMO-MNL", "Perlas Sparkling Calamansi launch", "Perlas Beverages, Inc.", "campaign", 1.0, 3, 0.88,
            ["Andrea Villanueva", "Miguel Santos"], "launch TVC and media"),
        new("DEMO-P02", "DEMO-DGT", "Mabuhay Savings digital onboarding", "Mabuhay Savings Bank", "digital", 0.6, 7, 0.62,
            ["Bea Dizon", "Carlo Reyes"], "always-on digital"),
        new("DEMO-P03", "DEMO-PRD", "Tala Glow summer TVC", "Tala Skin Care Philippines, Inc.", "campaign", 1.3, 4, 1.12,
            ["Patricia Lim", "Joaquin Ramos"], "summer shoot and airing"),
        new("DEMO-P04", "DEMO-MNL", "Habagat Motors dealer always-on", "Habagat Motors Philippines Corp.", "digital", 0.8, 9, 0.71,
            ["Isabel Cruz", "Rafael Garcia"], "dealer leads and content"),
        new("DEMO-P05", "DEMO-CEB", "Kusina ni Lola Christmas menu", "Kusina ni Lola Restaurant Group", "activation", 0.45, 10, 0.55,
            ["Katrina Bautista", "Paolo Mendoza"], "holiday menu activations"),
        new("DEMO-P06", "DEMO-DGT", "IslaPay cash-in everywhere", "IslaPay Fintech, Inc.", "digital", 1.1, 6, 0.97,
            ["Mika Tan", "Gabriel Navarro"], "merchant cash-in campaign"),
        new("DEMO-P07", "DEMO-MNL", "Alon Energy solar rooftop awareness", "Alon Energy Corp.", "campaign", 0.7, 1, 0.48,
            ["Andrea Villanueva", "Lance Ocampo"], "awareness flight"),
        new("DEMO-P08", "DEMO-CEB", "Sampaguita Residences pre-selling", "Sampaguita Land & Development Corp.", "activation", 0.55, 5, 0.77,
            ["Trisha Gonzales", "Paolo Mendoza"], "showroom events and print"),
        new("DEMO-P09", "DEMO-PRD", "Luzon Harvest chips rebrand", "Luzon Harvest Foods Corp.", "campaign", 0.9, 8, 0.93,
            ["Joaquin Ramos", "Nica Fernandez"], "rebrand shoot and packaging"),
        new("DEMO-P10", "DEMO-CEB", "Bituin Air Visayas routes", "Bituin Air Express, Inc.", "campaign", 0.65, 2, 0.66,
            ["Katrina Bautista", "Enzo Castillo"], "new routes campaign"),
        new("DEMO-P11", "DEMO-MNL", "Maharlika Life \"Para sa Pamilya\"", "Maharlika Mutual Life Assurance", "campaign", 0.95, 11, 0.81,
            ["Miguel Santos", "Leah Soriano"], "brand film and media"),
        new("DEMO-P12", "DEMO-PRD", "Dalisay Water school caravan", "Dalisay Water Co.", "activation", 0.3, 6, 1.05,
            ["Nica Fernandez", "Marco de Leon"], "school caravan"),
    ];

    /// <summary>
    /// The set for the twelve months ending with <paramref name="currentMonth"/>'s month. <paramref name="atcRates"/>
    /// are the tenant's active ATC codes and rates: a vendor whose code is not among them is paid without withholding,
    /// as the expense form would require.
    /// </summary>
    public static FinanceDemoSet Generate(DateOnly currentMonth, IReadOnlyDictionary<string, decimal> atcRates)
    {
        ArgumentNullException.ThrowIfNull(atcRates);
        var last = new DateOnly(currentMonth.Year, currentMonth.Month, 1);
        var first = last.AddMonths(-11);
        var projects = new List<DemoProject>();
        var reports = new List<DemoExpenseReport>();
        for (var index = 0; index < Plans.Length; index++)
        {
            var plan = Plans[index];
            var random = SplitMixRandom.For(Seed, index + 1);
            var mix = SplitMixRandom.Cumulative(Mixes[plan.Mix]);
            var own = new List<DemoExpenseReport>();
            for (var month = 0; month < 12; month++)
            {
                var period = first.AddMonths(month);
                var age = 11 - month;
                var distance = Math.Abs(month - plan.PeakMonth);
                var season = 0.6 + 0.9 * Math.Exp(-distance * distance / 4.5);
                var count = random.Chance(0.3) ? 2 : 1;
                for (var r = 0; r < count; r++)
                {
                    var state = State(age, random);
                    var lines = Enumerable.Range(0, random.Next(3, 8))
                        .Select(_ => Line(period, plan.Size * season, Categories[random.Pick(mix)], atcRates, random))
                        .OrderBy(l => l.LineDate).ThenBy(l => l.Description, StringComparer.Ordinal).ToList();
                    var reportDate = DateOnly.FromDateTime(lines[^1].LineDate);
                    own.Add(new DemoExpenseReport(plan.Code, plan.Team[r], reportDate, period, state,
                        $"{period:MMMM yyyy}: {plan.Theme}", lines));
                }
            }
            // The budget follows from the spend (approved and paid reports count), so the project ends near its planned use.
            var spent = own.Where(r => r.State is ExpenseReportStates.Approved or ExpenseReportStates.Paid).SelectMany(r => r.Lines).Sum(l => l.GrossAmount);
            var budget = Math.Max(100_000m, Math.Round(spent / (decimal)plan.BudgetUse / 10_000m, MidpointRounding.AwayFromZero) * 10_000m);
            projects.Add(new DemoProject(plan.AgencyCode, plan.Code, plan.Name, plan.Client, budget,
                first.AddDays(-7 * (1 + index % 4)), last.AddMonths(3 + index % 4).AddDays(-1), "active"));
            reports.AddRange(own);
        }
        return new FinanceDemoSet(first, last, Agencies, projects, reports);
    }

    /// <summary>A report's state by the age of its month (0 = the current month): old ones settled, recent ones in flight.</summary>
    private static string State(int age, SplitMixRandom random)
    {
        var x = random.NextDouble();
        return age switch
        {
            0 => x < 0.55 ? ExpenseReportStates.Draft : ExpenseReportStates.Submitted,
            1 => x < 0.10 ? ExpenseReportStates.Draft : x < 0.55 ? ExpenseReportStates.Submitted : x < 0.85 ? ExpenseReportStates.Approved
                : x < 0.95 ? ExpenseReportStates.Paid : ExpenseReportStates.Rejected,
            2 => x < 0.15 ? ExpenseReportStates.Submitted : x < 0.60 ? ExpenseReportStates.Approved : x < 0.95 ? ExpenseReportStates.Paid
                : ExpenseReportStates.Rejected,
            _ => x < 0.15 ? ExpenseReportStates.Approved : x < 0.93 ? ExpenseReportStates.Paid : ExpenseReportStates.Rejected,
        };
    }

    /// <summary>
    /// One expense: an amount net of VAT drawn log-uniformly in the category's range (rounded as invoices are), VAT of
    /// 12 % on top for a VAT-registered vendor, and the withholding of the vendor's ATC on the amount net of VAT.
    /// </summary>
    private static ExpenseLineInput Line(DateOnly period, double scale, Category category, IReadOnlyDictionary<string, decimal> atcRates, SplitMixRandom random)
    {
        var vendor = category.Vendors[random.Next(category.Vendors.Length)];
        var description = vendor.Descriptions[random.Next(vendor.Descriptions.Length)];
        var day = random.Next(1, 29);
        var raw = (double)category.Low * Math.Pow((double)(category.High / category.Low), random.NextDouble()) * scale;
        var step = raw >= 100_000 ? 1_000m : raw >= 10_000 ? 10m : 0.25m;
        var net = Math.Max(step, Math.Round((decimal)raw / step, MidpointRounding.AwayFromZero) * step);
        var vat = vendor.VatRegistered ? Math.Round(net * VatRate, 2, MidpointRounding.AwayFromZero) : 0m;
        var atc = vendor.Atc is not null && atcRates.ContainsKey(vendor.Atc) ? vendor.Atc : null;
        var rate = atc is null ? 0m : atcRates[atc];
        return new ExpenseLineInput(period.AddDays(day - 1).ToDateTime(TimeOnly.MinValue), description, vendor.Name, vendor.Tin, category.Code,
            net + vat, vat, atc, rate);
    }
}
