using Dapper;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Tenants;
using Npgsql;
using static InsightPulse.Core.Finance.FinanceSql;

namespace InsightPulse.Core.Finance;

/// <summary>A tenant's agencies (<c>ppm_agency</c>), always through the tenant's unit of work as the runtime role.</summary>
public sealed class AgencyStore(TenantDataAccess data)
{
    private const string Columns = """
        a.id, a.code, a.name, a.tin, a.registered_address AS RegisteredAddress, a.active,
        (SELECT count(*) FROM ppm_project p WHERE p.tenant_id = a.tenant_id AND p.agency_id = a.id) AS ProjectCount
        """;

    private static readonly Dictionary<string, (string, string)> Uniques = new(StringComparer.Ordinal)
    {
        ["ppm_agency_tenant_id_code_key"] = ("code", "An agency with this code exists already."),
        ["ppm_agency_tenant_id_tin_key"] = ("tin", "An agency with this TIN exists already."),
    };

    public async Task<IReadOnlyList<Agency>> ListAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        return await data.ReadAsync<Agency>(tenant, TenantStore.Schema, $"SELECT {Columns} FROM ppm_agency a ORDER BY a.code", null, cancellationToken);
    }

    public async Task<Agency?> GetAsync(Tenant tenant, long id, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        return await work.Connection.QuerySingleOrDefaultAsync<Agency>(Command(work, $"SELECT {Columns} FROM ppm_agency a WHERE a.id = @id", new { id }, cancellationToken));
    }

    public async Task<Agency> CreateAsync(Tenant tenant, AgencyInput input, CancellationToken cancellationToken)
    {
        FieldValidationException.ThrowIfAny(FinanceValidation.Agency(input, out var agency));
        return await WriteAsync(tenant, """
            INSERT INTO ppm_agency (code, name, tin, registered_address, active)
            VALUES (@Code, @Name, @Tin, @RegisteredAddress, @Active) RETURNING id
            """, agency, cancellationToken);
    }

    public async Task<Agency> UpdateAsync(Tenant tenant, long id, AgencyInput input, CancellationToken cancellationToken)
    {
        FieldValidationException.ThrowIfAny(FinanceValidation.Agency(input, out var agency));
        return await WriteAsync(tenant, """
            UPDATE ppm_agency SET code = @Code, name = @Name, tin = @Tin, registered_address = @RegisteredAddress, active = @Active, write_date = now()
            WHERE id = @Id RETURNING id
            """, new { agency.Code, agency.Name, agency.Tin, agency.RegisteredAddress, agency.Active, Id = id }, cancellationToken);
    }

    /// <summary>Deletes an agency without projects; with projects, says so (<see cref="FinanceConflictException"/>).</summary>
    public Task DeleteAsync(Tenant tenant, long id, CancellationToken cancellationToken) =>
        FinanceSql.DeleteAsync(data, tenant, "DELETE FROM ppm_agency WHERE id = @id", id, $"There is no agency {id}.",
            "This agency still has projects: delete or move its projects first, or mark the agency inactive.", cancellationToken);

    private async Task<Agency> WriteAsync(Tenant tenant, string sql, object parameters, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        try
        {
            var id = await work.Connection.QuerySingleOrDefaultAsync<long?>(Command(work, sql, parameters, cancellationToken))
                ?? throw new FinanceNotFoundException("There is no such agency.");
            var agency = await work.Connection.QuerySingleAsync<Agency>(Command(work, $"SELECT {Columns} FROM ppm_agency a WHERE a.id = @id", new { id }, cancellationToken));
            await work.CommitAsync(cancellationToken);
            return agency;
        }
        catch (PostgresException e) when (Translate(e, Uniques) is { } translated)
        {
            throw translated;
        }
    }
}
