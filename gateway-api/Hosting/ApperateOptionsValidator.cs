using System.Net;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Gateway.Hosting;

/// <summary>
/// Checks the <c>Apperate</c> section before anything starts, naming every setting at fault in one go: the silo and the
/// standalone gateway print the failures and exit with code 2 (and the host validates the bound options again at start).
/// </summary>
/// <param name="standaloneGateway">True for the standalone gateway, which always joins a cluster and ignores the silo's settings.</param>
public sealed class ApperateOptionsValidator(bool standaloneGateway) : IValidateOptions<ApperateOptions>
{
    /// <summary>The longest graceful-stop grace accepted.</summary>
    public static readonly TimeSpan MaxDrainTimeout = TimeSpan.FromHours(1);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ApperateOptions options)
    {
        var failures = new List<string>();
        var cluster = standaloneGateway || string.Equals(options.Mode, "Cluster", StringComparison.OrdinalIgnoreCase);
        if (!standaloneGateway && !cluster && !string.Equals(options.Mode, "Embedded", StringComparison.OrdinalIgnoreCase))
            failures.Add($"Apperate:Mode '{options.Mode}' is not supported; use 'Embedded' or 'Cluster'.");
        if (options.IdentityProblem(cluster) is { } identity) failures.Add(identity);
        if (cluster && ClusterDatabase.Problem(options.ConnectionString) is { } database) failures.Add(database);
        if (string.IsNullOrWhiteSpace(options.DataDirectory)) failures.Add("Apperate:DataDirectory must not be empty.");
        if (options.DrainTimeout < TimeSpan.Zero || options.DrainTimeout > MaxDrainTimeout)
            failures.Add($"Apperate:DrainTimeout '{options.DrainTimeout}' must be between 00:00:00 and {MaxDrainTimeout}.");
        if (options.Writes.Concurrency is < 1) failures.Add($"Apperate:Writes:Concurrency {options.Writes.Concurrency} must be at least 1.");
        if (options.Writes.Queue < 0) failures.Add($"Apperate:Writes:Queue {options.Writes.Queue} must be 0 or more.");
        if (options.Writes.Nice is < 0 or > 19) failures.Add($"Apperate:Writes:Nice {options.Writes.Nice} must be between 0 and 19.");
        if (options.Telemetry.OtlpEndpoint is { } otlp && !(Uri.TryCreate(otlp, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            failures.Add($"Apperate:Telemetry:OtlpEndpoint '{otlp}' must be an absolute http:// or https:// address.");
        if (options.Telemetry.OtlpProtocol is { } protocol && protocol is not ("grpc" or "http/protobuf"))
            failures.Add($"Apperate:Telemetry:OtlpProtocol '{protocol}' is not supported; use 'grpc' or 'http/protobuf'.");
        if (standaloneGateway && options.Telemetry.Dashboard)
            failures.Add("Apperate:Telemetry:Dashboard is a silo setting: the silos serve the Orleans dashboard, the standalone gateway does not.");
        if (!standaloneGateway)
        {
            if (cluster && !IPAddress.TryParse(options.AdvertisedAddress, out _))
                failures.Add($"Apperate:AdvertisedAddress '{options.AdvertisedAddress}' is not an IP address.");
            if (Names.Check(options.Workspace) is { } workspace) failures.Add($"Apperate:Workspace '{options.Workspace}': {workspace}.");
            foreach (var (key, port) in new[] { ("SiloPort", options.SiloPort), ("GatewayPort", options.GatewayPort) })
                if (port is < 1 or > 65535) failures.Add($"Apperate:{key} {port} is not a TCP port (1–65535).");
            if (options.SiloPort == options.GatewayPort) failures.Add($"Apperate:SiloPort and Apperate:GatewayPort must differ (both {options.SiloPort}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
