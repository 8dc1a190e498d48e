using InsightPulse.Core.Events;

namespace InsightPulse.Core.Tests.Events;

public sealed class WebhookBackoffTests
{
    [Theory]
    [InlineData(1, 5, 10)]
    [InlineData(2, 10, 20)]
    [InlineData(3, 20, 40)]
    [InlineData(4, 40, 80)]
    public void Doubles_with_each_failure_half_of_it_random(int failures, double lowest, double highest)
    {
        Assert.Equal(lowest, WebhookBackoff.Delay(failures, 10, 3600, null, 0).TotalSeconds, 6);
        Assert.Equal(highest, WebhookBackoff.Delay(failures, 10, 3600, null, 0.999999999).TotalSeconds, 3);
        Assert.InRange(WebhookBackoff.Delay(failures, 10, 3600, null, 0.5).TotalSeconds, lowest, highest);
    }

    [Fact]
    public void Never_waits_longer_than_the_cap_even_after_many_failures()
    {
        Assert.Equal(60, WebhookBackoff.Delay(50, 10, 60, null, 0.999999999).TotalSeconds, 3);
        Assert.Equal(30, WebhookBackoff.Delay(1000, 10, 60, null, 0).TotalSeconds, 6);
    }

    [Fact]
    public void Honours_a_longer_retry_after_up_to_the_cap()
    {
        Assert.Equal(120, WebhookBackoff.Delay(1, 10, 3600, TimeSpan.FromMinutes(2), 0).TotalSeconds, 6);
        Assert.Equal(600, WebhookBackoff.Delay(1, 10, 600, TimeSpan.FromHours(5), 0).TotalSeconds, 6);
        // A shorter Retry-After does not make the retry come sooner than the backoff.
        Assert.Equal(5, WebhookBackoff.Delay(1, 10, 3600, TimeSpan.FromSeconds(1), 0).TotalSeconds, 6);
    }

    [Fact]
    public void Refuses_nonsense()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WebhookBackoff.Delay(0, 10, 60, null, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => WebhookBackoff.Delay(1, 10, 60, null, 1));
    }
}
