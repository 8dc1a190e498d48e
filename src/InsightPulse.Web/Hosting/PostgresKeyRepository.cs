using System.Xml.Linq;
using Dapper;
using InsightPulse.Core.Databases;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace InsightPulse.Web.Hosting;

/// <summary>
/// Where the web nodes keep ASP.NET Core's data-protection keys: table <c>ipai_data_protection_key</c> of the platform
/// database, read and written on the owner's pool. Every node, and a node after a restart, sees the same key ring, so
/// session cookies and antiforgery tokens work across nodes. Keys a node kept in its folder before (<c>.ipai/web-keys</c>)
/// are copied in the first time the table is read empty, so that an upgrade signs nobody out.
/// </summary>
public sealed class PostgresKeyRepository(PlatformDatabases databases, DirectoryInfo? formerFolder) : IXmlRepository
{
    // The framework asks synchronously (at start-up and when its key ring expires), hence the synchronous calls.
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = databases.Platform.OpenConnection();
        var stored = connection.Query<string>("SELECT xml FROM ipai_data_protection_key ORDER BY id").ToList();
        if (stored.Count == 0 && formerFolder is { Exists: true })
        {
            foreach (var file in formerFolder.GetFiles("key-*.xml").OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                var element = XElement.Load(file.FullName);
                Store(connection, element, Path.GetFileNameWithoutExtension(file.Name));
                stored.Add(element.ToString(SaveOptions.DisableFormatting));
            }
        }
        return stored.Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        using var connection = databases.Platform.OpenConnection();
        Store(connection, element, friendlyName);
    }

    private static void Store(System.Data.IDbConnection connection, XElement element, string friendlyName) =>
        connection.Execute("""
            INSERT INTO ipai_data_protection_key (friendly_name, xml) VALUES (@friendlyName, @xml)
            ON CONFLICT (friendly_name) DO NOTHING
            """, new { friendlyName, xml = element.ToString(SaveOptions.DisableFormatting) });
}
