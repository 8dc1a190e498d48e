using System.Text.RegularExpressions;
using InsightPulse.Core.Errors;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Events;

/// <summary>
/// A webhook's secrets by name: the environment variable <c>NAME</c> of the process that delivers, else the file
/// <c>.ipai/secrets/webhook.NAME</c> (mode 0600), which <c>webhook add</c> writes from the adding process's environment
/// so that a web host started apart (<c>make up</c>) finds it. The values are never stored in the database, printed
/// or logged.
/// </summary>
public sealed partial class WebhookSecrets(SecretStore store, Func<string, string?> environment)
{
    [GeneratedRegex(@"\A[A-Z_][A-Z0-9_]{0,127}\z")]
    private static partial Regex NameFormat();

    public static bool IsValidName(string name) => NameFormat().IsMatch(name);

    /// <summary>The secret's value, or null when neither the environment nor the secrets folder has it.</summary>
    public string? Read(string name)
    {
        if (!IsValidName(name)) throw new WebhookException($"'{Sql.Printable(name)}' is not a valid secret name: upper-case letters, digits and '_'.");
        var value = environment(name);
        return string.IsNullOrEmpty(value) ? store.Read(FileName(name)) : value;
    }

    /// <summary>
    /// The environment's value of <paramref name="name"/>, given as <paramref name="argument"/> (<c>--secret-env</c>):
    /// refused (<see cref="InvalidInputException"/>, naming the argument) when the name is not a variable name or the
    /// variable is unset or too short to be a secret. Nothing is written: <see cref="Save"/> keeps it once the webhook exists.
    /// </summary>
    public string FromEnvironment(string argument, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValidName(name)) throw new InvalidInputException($"{argument}: '{Sql.Printable(name)}' is not a variable name: upper-case letters, digits and '_', at most 128.");
        var value = environment(name);
        if (string.IsNullOrEmpty(value))
        {
            throw new InvalidInputException($"{argument}: the environment variable {name} is not set, so there is no secret to sign deliveries with. " +
                $"Fix: `export {name}=…` (a long random value the receiver also knows), then add the webhook again.");
        }
        if (value.Length < 16) throw new InvalidInputException($"{argument}: the secret in {name} has {value.Length} characters: use at least 16 (e.g. `openssl rand -hex 32`).");
        return value;
    }

    /// <summary>Keeps <paramref name="value"/> as secret <paramref name="name"/> in the secrets folder, for a web host started apart.</summary>
    public void Save(string name, string value) => store.Write(FileName(name), value);

    private static string FileName(string name) => "webhook." + name;
}
