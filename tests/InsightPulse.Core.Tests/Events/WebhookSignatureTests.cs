using InsightPulse.Core.Events;

namespace InsightPulse.Core.Tests.Events;

public sealed class WebhookSignatureTests
{
    [Fact]
    public void Signs_like_GitHub_documents_it()
    {
        // GitHub's published test vector for X-Hub-Signature-256 ("Validating webhook deliveries").
        Assert.Equal("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            WebhookSignature.Sign("It's a Secret to Everybody", "Hello, World!"));
    }

    [Fact]
    public void Verifies_its_own_signature_and_refuses_any_change()
    {
        const string body = """{"event_type":"schema_changed","client_payload":{"tenant":"tbwa"}}""";
        var signature = WebhookSignature.Sign("a-long-enough-secret", body);
        Assert.True(WebhookSignature.Verify("a-long-enough-secret", body, signature));
        Assert.False(WebhookSignature.Verify("another-secret-value", body, signature));
        Assert.False(WebhookSignature.Verify("a-long-enough-secret", body.Replace("tbwa", "scout", StringComparison.Ordinal), signature));
        Assert.False(WebhookSignature.Verify("a-long-enough-secret", body, signature.ToUpperInvariant()));
        Assert.False(WebhookSignature.Verify("a-long-enough-secret", body, null));
        Assert.False(WebhookSignature.Verify("a-long-enough-secret", body, "sha256="));
    }
}
