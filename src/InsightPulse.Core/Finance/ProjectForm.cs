namespace InsightPulse.Core.Finance;

/// <summary>A project's fields as entered in a form (text); <see cref="FinanceValidation.Project"/> parses them.</summary>
public sealed record ProjectForm(string? AgencyId, string? Code, string? Name, string? ClientName, string? Budget, string? Currency,
    string? StartDate, string? EndDate, string? State);
