using Apperate.Actors.Rules;
using Apperate.Actors.Rules.Delivery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Tests.Rules;

public sealed class RulesOptionsTests
{
    [Fact]
    public void Defaults_hold_without_configuration()
    {
        var options = Options(new Dictionary<string, string?>());
        Assert.Equal(RetrySchedule.Default, options.RetrySchedule);
        Assert.Empty(options.AllowedWebhookHosts);
        Assert.Equal(TimeSpan.FromSeconds(15), options.Timeout);
        Assert.Equal(32, options.MaxConcurrencyPerHost);
        Assert.Equal(20, options.BreakerThreshold);
        Assert.Equal(TimeSpan.FromMinutes(5), options.BreakerProbeInterval);
        Assert.Equal(TimeSpan.FromDays(7), options.AlertRetention);
    }

    [Fact]
    public void Configuration_binds_from_the_section()
    {
        var options = Options(new Dictionary<string, string?>
        {
            ["Apperate:Rules:RetrySchedule"] = "0,100ms,200ms",
            ["Apperate:Rules:AllowedWebhookHosts:0"] = "127.0.0.1",
            ["Apperate:Rules:AllowedWebhookHosts:1"] = "10.0.0.0/8",
            ["Apperate:Rules:MaxConcurrencyPerHost"] = "2",
        });
        Assert.Equal("0,100ms,200ms", options.RetrySchedule);
        Assert.Equal(["127.0.0.1", "10.0.0.0/8"], options.AllowedWebhookHosts);
        Assert.Equal(2, options.MaxConcurrencyPerHost);
    }

    [Fact]
    public void Every_bad_setting_is_named_by_its_key()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Options(new Dictionary<string, string?>
        {
            ["Apperate:Rules:RetrySchedule"] = "0,5q",
            ["Apperate:Rules:AllowedWebhookHosts:0"] = "http://127.0.0.1/",
            ["Apperate:Rules:Timeout"] = "00:00:00",
            ["Apperate:Rules:MaxConcurrencyPerHost"] = "0",
            ["Apperate:Rules:BreakerThreshold"] = "-1",
            ["Apperate:Rules:BreakerProbeInterval"] = "-00:01:00",
            ["Apperate:Rules:AlertRetention"] = "00:00:00",
        }));
        Assert.Contains("Apperate:Rules:RetrySchedule: Retry schedule entry 2 ('5q')", ex.Message);
        Assert.Contains("Apperate:Rules:AllowedWebhookHosts: 'http://127.0.0.1/' is not a host name, an IP address or a CIDR block", ex.Message);
        Assert.Contains("Apperate:Rules:Timeout must be positive", ex.Message);
        Assert.Contains("Apperate:Rules:MaxConcurrencyPerHost must be positive", ex.Message);
        Assert.Contains("Apperate:Rules:BreakerThreshold must be positive", ex.Message);
        Assert.Contains("Apperate:Rules:BreakerProbeInterval must be positive", ex.Message);
        Assert.Contains("Apperate:Rules:AlertRetention must be positive", ex.Message);
    }

    [Fact]
    public void Without_a_section_the_hosts_configuration_is_read()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Apperate:Rules:BreakerThreshold"] = "3" })
            .Build();
        using var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddWebhookDelivery().BuildServiceProvider();
        Assert.Equal(3, services.GetRequiredService<IOptions<RulesOptions>>().Value.BreakerThreshold);
        Assert.NotNull(services.GetRequiredService<WebhookSender>());
        Assert.Equal(10, services.GetRequiredService<RetrySchedule>().Attempts);
    }

    private static RulesOptions Options(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection().AddLogging().AddWebhookDelivery(configuration.GetSection(RulesOptions.Section)).BuildServiceProvider();
        return services.GetRequiredService<IOptions<RulesOptions>>().Value;
    }
}
