using System.Text.RegularExpressions;
using InsightPulse.Core.ManagedPostgres;

namespace InsightPulse.Core.Events;

/// <summary>
/// A webhook's secrets by name: the environment variable <c>NAME</c> of the process that delivers, else the file
/// <c>.ipai/secrets/webhook.NAME</c> (mode 0600), which <c>webhook add</c> writes from the adding process's environment
/// so that a web host started apart (<c>make up</c>) finds it. The values are never stored in the database, printed
/// or logged.
/// </summary>
public sealed partial class WebhookSecrets(SecretStore store, Func<string, string?> environment)
{
    [GeneratedRegex("^[A-Z_][A-Z0-9_]{0,127}$")]
    private static partial Regex NameFormat();

    public static bool IsValidName(string name) => NameFormat().IsMatch(name);

    /// <summary>The secret's value, or null when neither the environment nor the secrets folder has it.</summary>
    public string? Read(string name)
    {
        if (!IsValidName(name)) throw new WebhookException($"'{name}' is not a valid secret name: upper-case letters, digits and '_'.");
        var value = environment(name);
        return string.IsNullOrEmpty(value) ? store.Read(FileName(name)) : value;
    }

    /// <summary>Copies the environment's value of <paramref name="name"/> into the secrets folder; refuses when it is unset.</summary>
    public void SaveFromEnvironment(string name)
    {
        if (!IsValidName(name)) throw new WebhookException($"'{name}' is not a valid secret name: upper-case letters, digits and '_'.");
        var value = environment(name);
        if (string.IsNullOrEmpty(value))
        {
            throw new WebhookException($"The environment variable {name} is not set, so there is no secret to sign deliveries with.",
                $"`export {name}=…` (a long random value the receiver also knows), then add the webhook again.");
        }
        if (value.Length < 16) throw new WebhookException($"The secret in {name} has {value.Length} characters: use at least 16 (e.g. `openssl rand -hex 32`).");
        store.Write(FileName(name), value);
    }

    private static string FileName(string name) => "webhook." + name;
}
