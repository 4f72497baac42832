using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Apperate.Actors.Rules.Runtime;

/// <summary>
/// Alert ids: name-based UUIDs (version 5, RFC 9562) of the rule, its version, the output, the dataset and the record's
/// commit sequence. The same alert always has the same id, on every attempt and redelivery, so receivers de-duplicate by it.
/// </summary>
public static class AlertIds
{
    /// <summary>The namespace of Apperate.Actors alert ids.</summary>
    public static readonly Guid Namespace = new("1b0c6f7e-4d57-4c3a-9a0e-5f2d8e7c1a24");

    /// <summary>The id of the alert a rule output raises for the record with <paramref name="sequence"/> in <paramref name="datasetKey"/>.</summary>
    public static string For(string ruleId, int ruleVersion, string outputId, string datasetKey, long sequence) =>
        NameBased(string.Create(CultureInfo.InvariantCulture, $"{ruleId}/{ruleVersion}/{outputId}/{datasetKey}/{sequence}")).ToString();

    /// <summary>A version 5 UUID of <paramref name="name"/> in <see cref="Namespace"/>.</summary>
    public static Guid NameBased(string name)
    {
        Span<byte> input = stackalloc byte[16 + Encoding.UTF8.GetMaxByteCount(name.Length)];
        Namespace.TryWriteBytes(input, bigEndian: true, out _);
        var length = 16 + Encoding.UTF8.GetBytes(name, input[16..]);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(input[..length], hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
