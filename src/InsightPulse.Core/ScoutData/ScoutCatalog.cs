namespace InsightPulse.Core.ScoutData;

/// <summary>
/// The fixed reference data of the Scout generator: Philippine regions with provinces, cities and barangays, and
/// the fast-moving consumer goods a sari-sari store sells, with typical shelf prices in pesos. The brands are real
/// names shoppers ask for; prices are typical, and the <c>is_tbwa_client</c> flags are synthetic (they say
/// nothing about real client relationships).
/// </summary>
internal static class ScoutCatalog
{
    internal sealed record City(string Name, string[] Barangays);

    internal sealed record Province(string Name, City[] Cities);

    internal sealed record Region(string Name, string Code, double Weight, Province[] Provinces);

    internal sealed record Sku(string Code, string Name, decimal Price);

    internal sealed record Brand(string Name, double Weight, bool IsTbwaClient, Sku[] Skus);

    internal sealed record Category(string Name, double Weight, Brand[] Brands);

    private static City C(string name, params string[] barangays) => new(name, barangays);

    private static Province P(string name, params City[] cities) => new(name, cities);

    private static Brand B(string name, double weight, bool client, params Sku[] skus) => new(name, weight, client, skus);

    private static Sku S(string code, string name, decimal price) => new(code, name, price);

    public static readonly Region[] Regions =
    [
        new("NCR", "NCR", 0.28,
        [
            P("Metro Manila",
                C("Quezon City", "Batasan Hills", "Commonwealth", "Bagong Silangan", "Payatas", "Holy Spirit", "Tandang Sora"),
                C("Manila", "Tondo", "Sampaloc", "Santa Cruz", "Malate", "Paco"),
                C("Caloocan", "Bagong Silang", "Camarin", "Grace Park"),
                C("Pasig", "Pinagbuhatan", "Santolan", "Manggahan", "Rosario"),
                C("Taguig", "Western Bicutan", "Lower Bicutan", "Signal Village"),
                C("Makati", "Pembo", "Rizal", "Poblacion"),
                C("Valenzuela", "Marulas", "Gen. T. de Leon"),
                C("Parañaque", "San Dionisio", "Baclaran")),
        ]),
        new("CALABARZON", "R4A", 0.20,
        [
            P("Cavite", C("Bacoor", "Molino III", "Niog", "Talaba"), C("Dasmariñas", "Salitran", "Paliparan"), C("General Trias", "Manggahan", "Pasong Camachile")),
            P("Laguna", C("Calamba", "Parian", "Real", "Halang"), C("Santa Rosa", "Balibago", "Dita"), C("San Pedro", "Landayan", "San Antonio")),
            P("Batangas", C("Batangas City", "Kumintang Ibaba", "Alangilan"), C("Lipa", "Marawoy", "Sabang")),
            P("Rizal", C("Antipolo", "San Roque", "Dela Paz", "Mayamot"), C("Cainta", "San Isidro", "Santo Domingo"), C("Rodriguez", "San Jose", "Burgos")),
            P("Quezon", C("Lucena", "Ibabang Dupay", "Gulang-Gulang")),
        ]),
        new("Central Luzon", "R3", 0.12,
        [
            P("Pampanga", C("San Fernando", "Dolores", "Sindalan"), C("Angeles", "Balibago", "Pampang")),
            P("Bulacan", C("Malolos", "Tikay", "Longos"), C("Meycauayan", "Malhacan", "Saluysoy"), C("San Jose del Monte", "Tungkong Mangga", "Muzon")),
            P("Nueva Ecija", C("Cabanatuan", "Bitas", "Sangitan")),
        ]),
        new("Central Visayas", "R7", 0.11,
        [
            P("Cebu", C("Cebu City", "Lahug", "Guadalupe", "Talamban", "Pardo"), C("Mandaue", "Subangdaku", "Basak"), C("Lapu-Lapu", "Pusok", "Gun-ob")),
            P("Bohol", C("Tagbilaran", "Cogon", "Dampas")),
        ]),
        new("Western Visayas", "R6", 0.07,
        [
            P("Iloilo", C("Iloilo City", "Jaro", "La Paz", "Molo")),
            P("Negros Occidental", C("Bacolod", "Mandalagan", "Villamonte", "Taculing")),
        ]),
        new("Davao Region", "R11", 0.09,
        [
            P("Davao del Sur", C("Davao City", "Buhangin", "Toril", "Matina Crossing", "Talomo")),
            P("Davao del Norte", C("Tagum", "Visayan Village", "Apokon")),
        ]),
        new("Northern Mindanao", "R10", 0.06,
        [
            P("Misamis Oriental", C("Cagayan de Oro", "Carmen", "Lapasan", "Bulua")),
            P("Bukidnon", C("Malaybalay", "Casisang", "Sumpong")),
        ]),
        new("Ilocos Region", "R1", 0.07,
        [
            P("Pangasinan", C("Dagupan", "Pantal", "Bonuan Gueset"), C("San Carlos", "Poblacion", "Bolingit")),
            P("Ilocos Norte", C("Laoag", "San Lorenzo", "Navotas")),
        ]),
    ];

    public static readonly Category[] Categories =
    [
        new("Instant Noodles", 0.13,
        [
            B("Lucky Me!", 0.60, true, S("LM-PCO-60G", "Lucky Me! Pancit Canton Original 60g", 16m), S("LM-BNB-55G", "Lucky Me! Beef na Beef 55g", 10m), S("LM-CS-40G", "Lucky Me! Chicken Sotanghon 40g", 12m)),
            B("Nissin", 0.25, false, S("NS-CNS-40G", "Nissin Cup Noodles Seafood 40g", 28m), S("NS-RMN-55G", "Nissin Ramen Spicy Seafood 55g", 13m)),
            B("Payless", 0.15, false, S("PL-XBG-130G", "Payless Xtra Big Pancit Canton 130g", 18m)),
        ]),
        new("Milk", 0.09,
        [
            B("Bear Brand", 0.50, true, S("BB-FPM-33G", "Bear Brand Fortified Powdered Milk 33g", 13m), S("BB-SWK-150G", "Bear Brand Swak Pack 150g", 58m)),
            B("Alaska", 0.35, false, S("AK-EVP-370", "Alaska Evaporada 370ml", 40m), S("AK-CND-300", "Alaska Condensada 300ml", 48m)),
            B("Birch Tree", 0.15, false, S("BT-FPM-33G", "Birch Tree Fortified 33g", 12m)),
        ]),
        new("Coffee", 0.11,
        [
            B("Nescafé", 0.45, true, S("NC-3IN1-TW", "Nescafé 3-in-1 Original twin pack", 14m), S("NC-CLS-25G", "Nescafé Classic 25g", 30m)),
            B("Great Taste", 0.30, false, S("GT-WHT-30G", "Great Taste White 30g", 10m), S("GT-GRN-25G", "Great Taste Granules 25g", 26m)),
            B("Kopiko", 0.25, false, S("KP-BRN-25G", "Kopiko Brown Coffee 25g", 10m), S("KP-BLK-30G", "Kopiko Black 3-in-1 30g", 10m)),
        ]),
        new("Soft Drinks", 0.13,
        [
            B("Coca-Cola", 0.50, true, S("CC-MSM-290", "Coke Mismo 290ml", 20m), S("CC-15L", "Coca-Cola 1.5L", 78m)),
            B("Pepsi", 0.20, false, S("PP-15L", "Pepsi 1.5L", 70m), S("PP-330", "Pepsi 330ml can", 38m)),
            B("Royal", 0.15, true, S("RY-TRO-15L", "Royal Tru-Orange 1.5L", 70m)),
            B("RC Cola", 0.15, false, S("RC-1L", "RC Cola 1L", 38m), S("RC-250", "RC Cola 250ml", 15m)),
        ]),
        new("Beer", 0.07,
        [
            B("San Miguel", 0.45, false, S("SM-PP-320", "San Miguel Pale Pilsen 320ml", 52m), S("SM-LT-330", "San Miguel Light 330ml can", 60m)),
            B("Red Horse", 0.40, false, S("RH-500", "Red Horse 500ml", 68m), S("RH-1L", "Red Horse Grande 1L", 120m)),
            B("Colt 45", 0.15, false, S("C45-330", "Colt 45 330ml can", 50m)),
        ]),
        new("Personal Care", 0.10,
        [
            B("Safeguard", 0.35, true, S("SG-PW-60G", "Safeguard Pure White 60g", 32m), S("SG-LMN-60G", "Safeguard Lemon Fresh 60g", 32m)),
            B("Palmolive", 0.25, false, S("PM-SHP-12", "Palmolive Naturals Shampoo 12ml sachet", 7m)),
            B("Sunsilk", 0.20, false, S("SS-SHP-12", "Sunsilk Smooth & Manageable 12ml sachet", 7m)),
            B("Colgate", 0.20, false, S("CG-TP-25", "Colgate Great Regular Flavor 25ml", 26m)),
        ]),
        new("Laundry", 0.09,
        [
            B("Surf", 0.35, false, S("SF-PWD-65G", "Surf Powder Cherry Blossom 65g", 10m), S("SF-FC-20", "Surf Fabcon 20ml", 8m)),
            B("Tide", 0.25, false, S("TD-BAR-130", "Tide Bar 130g", 24m)),
            B("Ariel", 0.25, true, S("AR-PWD-66G", "Ariel Powder Sunrise Fresh 66g", 15m)),
            B("Champion", 0.15, false, S("CH-BAR-140", "Champion Bar 140g", 14m)),
        ]),
        new("Snacks", 0.12,
        [
            B("Oishi", 0.35, true, S("OI-PRC-60G", "Oishi Prawn Crackers 60g", 14m), S("OI-RDS-60G", "Oishi Ridges 60g", 16m)),
            B("Jack 'n Jill", 0.35, false, S("JJ-PIA-85G", "Piattos Cheese 85g", 22m), S("JJ-NOV-78G", "Nova Country Cheddar 78g", 22m)),
            B("Rebisco", 0.15, false, S("RB-CRK-10", "Rebisco Crackers 10s", 10m)),
            B("SkyFlakes", 0.15, false, S("SF-CRK-25G", "SkyFlakes Crackers 25g", 8m)),
        ]),
        new("Canned Goods", 0.09,
        [
            B("Century Tuna", 0.30, true, S("CT-FLO-155", "Century Tuna Flakes in Oil 155g", 40m)),
            B("555", 0.25, false, S("555-SRD-155", "555 Sardines in Tomato Sauce 155g", 23m)),
            B("Ligo", 0.20, false, S("LG-SRD-155", "Ligo Sardines Red 155g", 25m)),
            B("Argentina", 0.25, false, S("AG-CB-150", "Argentina Corned Beef 150g", 42m)),
        ]),
        new("Condiments", 0.07,
        [
            B("Silver Swan", 0.30, false, S("SW-SOY-200", "Silver Swan Soy Sauce 200ml", 18m)),
            B("Datu Puti", 0.30, false, S("DP-VIN-200", "Datu Puti Vinegar 200ml", 16m)),
            B("UFC", 0.20, false, S("UFC-KTC-320", "UFC Banana Catsup 320g", 32m)),
            B("Knorr", 0.20, true, S("KN-SIN-20G", "Knorr Sinigang sa Sampalok Mix 20g", 22m)),
        ]),
    ];

    /// <summary>Store types with their share of stores and a price mark-up.</summary>
    public static readonly (string Type, double Weight, double Markup)[] StoreTypes =
    [
        ("sari_sari", 0.68, 1.05), ("mini_mart", 0.12, 1.00), ("grocery", 0.08, 0.97), ("convenience", 0.07, 1.08), ("market_stall", 0.05, 0.98),
    ];

    public static readonly (string Value, double Weight)[] EconomicClasses = [("A", 0.02), ("B", 0.08), ("C", 0.30), ("D", 0.42), ("E", 0.18)];
    public static readonly (string Value, double Weight)[] Genders = [("female", 0.56), ("male", 0.40), ("unknown", 0.04)];
    public static readonly (string Value, double Weight)[] AgeBrackets = [("18-24", 0.18), ("25-34", 0.27), ("35-44", 0.23), ("45-54", 0.16), ("55-64", 0.10), ("65+", 0.06)];
    public static readonly (string Value, double Weight)[] CustomerTypes = [("regular", 0.62), ("occasional", 0.30), ("new", 0.08)];
    public static readonly (string Value, double Weight)[] RequestModes = [("verbal", 0.70), ("pointing", 0.22), ("indirect", 0.08)];
    public static readonly (string Value, double Weight)[] RequestTypes = [("branded", 0.58), ("generic", 0.32), ("unsure", 0.10)];
    public static readonly (string Value, double Weight)[] PaymentMethods = [("cash", 0.78), ("gcash", 0.13), ("maya", 0.03), ("utang", 0.06)];
    public static readonly (string Value, double Weight)[] SubstitutionReasons = [("out_of_stock", 0.55), ("price", 0.20), ("store_suggestion", 0.15), ("preference", 0.10)];

    /// <summary>Relative traffic by local hour (0–23): the morning and after-work peaks of a neighbourhood store.</summary>
    public static readonly double[] HourWeights =
    [
        0.3, 0.15, 0.1, 0.1, 0.3, 1.2, 3.0, 4.5, 4.2, 3.2, 2.8, 3.4, 3.8, 2.9, 2.6, 2.9, 3.6, 4.6, 4.9, 4.2, 3.0, 1.8, 0.9, 0.5,
    ];

    public static string TimeOfDay(int hour) => hour switch
    {
        >= 5 and < 12 => "morning",
        >= 12 and < 18 => "afternoon",
        >= 18 and < 22 => "evening",
        _ => "night",
    };
}
