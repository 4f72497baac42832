using System.Net;
using System.Net.Sockets;

namespace Apperate.Actors.Rules.Delivery;

/// <summary>
/// Keeps webhooks away from the service's own network: destinations in loopback, link-local, private and other
/// non-public ranges are refused unless <see cref="RulesOptions.AllowedWebhookHosts"/> lists them.
/// </summary>
/// <remarks>
/// A rule's URL is chosen by whoever holds a token, so without this a rule could reach cloud metadata endpoints
/// (169.254.169.254), admin ports on localhost or hosts behind the firewall. <see cref="CheckUrlAsync"/> gives an early
/// answer when a rule is saved; <see cref="ConnectAsync"/> is what enforces it, on the addresses actually connected to,
/// so a name that resolves to a public address at validation and to a private one at delivery (DNS rebinding) is still
/// refused.
/// </remarks>
public sealed class WebhookAddressGuard
{
    /// <summary>How long <see cref="CheckUrlAsync"/> waits for DNS before accepting the URL.</summary>
    public static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(2);

    private const string AllowKey = RulesOptions.Section + ":" + nameof(RulesOptions.AllowedWebhookHosts);

    private static readonly IPNetwork[] RefusedV4 =
    [
        IPNetwork.Parse("0.0.0.0/8"),
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("100.64.0.0/10"),
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("224.0.0.0/4"),
        IPNetwork.Parse("240.0.0.0/4"), // with 255.255.255.255
    ];

    private static readonly IPNetwork[] RefusedV6 =
    [
        IPNetwork.Parse("::/128"),
        IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("fc00::/7"),
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("fec0::/10"),
        IPNetwork.Parse("ff00::/8"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    private readonly HashSet<string> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<IPNetwork> _networks = [];

    /// <summary>A guard that also allows <paramref name="allowed"/>: host names, IP addresses and CIDR blocks.</summary>
    /// <exception cref="ArgumentException">An entry is none of these (see <see cref="IsValidEntry"/>).</exception>
    public WebhookAddressGuard(IEnumerable<string> allowed)
    {
        foreach (var entry in allowed)
        {
            var text = entry.Trim();
            if (TryParseNetwork(text, out var network)) _networks.Add(network);
            else if (IsHostName(text)) _hosts.Add(text.TrimEnd('.'));
            else throw new ArgumentException($"'{entry}' is not a host name, an IP address or a CIDR block.", nameof(allowed));
        }
    }

    /// <summary>True when <paramref name="entry"/> can be listed: a host name, an IP address or a CIDR block (<c>10.0.0.0/8</c>).</summary>
    public static bool IsValidEntry(string? entry) =>
        !string.IsNullOrWhiteSpace(entry) && (TryParseNetwork(entry.Trim(), out _) || IsHostName(entry.Trim()));

    /// <summary>True when <paramref name="address"/> is in none of the refused ranges. IPv4-mapped and NAT64 IPv6 addresses are judged as their IPv4 address.</summary>
    public static bool IsPublic(IPAddress address)
    {
        address = Unwrap(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return !Array.Exists(RefusedV4, n => n.Contains(address));
        return !Array.Exists(RefusedV6, n => n.Contains(address));
    }

    /// <summary>True when a request to <paramref name="host"/> may go to <paramref name="address"/>: the host or the address is listed, or the address is public.</summary>
    public bool IsAllowed(string host, IPAddress address)
    {
        if (_hosts.Contains(host.TrimEnd('.'))) return true;
        var plain = Unwrap(address);
        foreach (var network in _networks)
            if (network.Contains(plain) || network.Contains(address)) return true;
        return IsPublic(address);
    }

    /// <summary>
    /// Why <paramref name="url"/> cannot be a webhook destination, or null when it can: it must be an absolute
    /// <c>http</c> or <c>https</c> URL whose host is allowed.
    /// </summary>
    /// <remarks>
    /// An IP literal or <c>localhost</c> is judged at once; a name is resolved (for at most <see cref="ResolveTimeout"/>)
    /// and refused only when every address it has is refused. A name that does not resolve is accepted: it may exist by
    /// the time an alert fires, and delivery retries and reports the failure then.
    /// </remarks>
    public async ValueTask<string?> CheckUrlAsync(string? url, CancellationToken cancellationToken = default)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.IsFile || uri.IsUnc)
            return "The webhook URL must be an absolute http or https URL.";
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            return $"The webhook URL must use http or https, not {uri.Scheme}.";
        var host = HostOf(uri);
        if (host.Length == 0) return "The webhook URL must name a host.";
        if (IPAddress.TryParse(host, out var literal))
            return IsAllowed(host, literal) ? null : AddressRefused(host);
        if (IsLocalhost(host))
            return IsAllowed(host, IPAddress.Loopback) || IsAllowed(host, IPAddress.IPv6Loopback) ? null : HostRefused(host);
        if (_hosts.Contains(host.TrimEnd('.'))) return null;
        IPAddress[] addresses;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ResolveTimeout);
        try
        {
            addresses = await Dns.GetHostAddressesAsync(host, timeout.Token);
        }
        catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
        return addresses.Length == 0 || Array.Exists(addresses, a => IsAllowed(host, a)) ? null : HostRefused(host);
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves the host, drops the addresses that are refused and
    /// connects to the first of the others that answers.
    /// </summary>
    /// <exception cref="HttpRequestException">Every address of the host is refused.</exception>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var literal = IPAddress.TryParse(host, out var address);
        var addresses = literal ? [address!] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = Array.FindAll(addresses, a => IsAllowed(host, a));
        if (allowed.Length == 0)
            throw new HttpRequestException(HttpRequestError.ConnectionError, literal ? AddressRefused(host) : HostRefused(host));
        Exception? last = null;
        foreach (var candidate in allowed)
        {
            var socket = new Socket(candidate.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(candidate, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    private static string AddressRefused(string address) =>
        $"webhook address {address} is not public (loopback, link-local, private or reserved); list it in {AllowKey}";

    private static string HostRefused(string host) =>
        $"webhook host {host} resolves only to private addresses; list it in {AllowKey}";

    private static string HostOf(Uri uri) =>
        uri.IdnHost.Trim('[', ']');

    private static bool IsLocalhost(string host)
    {
        var name = host.TrimEnd('.');
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
    }

    private static IPAddress Unwrap(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && Nat64.Contains(address))
        {
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out _);
            return new IPAddress(bytes[12..]);
        }
        return address;
    }

    private static bool TryParseNetwork(string text, out IPNetwork network)
    {
        if (IPAddress.TryParse(text, out var single) && !text.Contains('/'))
        {
            single = Unwrap(single);
            network = new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return IPNetwork.TryParse(text, out network);
    }

    private static bool IsHostName(string text) => Uri.CheckHostName(text.TrimEnd('.')) == UriHostNameType.Dns;
}
