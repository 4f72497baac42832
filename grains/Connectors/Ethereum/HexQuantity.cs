using System.Globalization;
using System.Numerics;

namespace Apperate.Actors.Connectors.Ethereum;

/// <summary>
/// JSON-RPC quantities: <c>0x</c>-prefixed hex (<c>0x0</c> for zero). Decoded exactly: integers that fit 64 bits as
/// <see cref="long"/>, amounts (wei) as <see cref="BigInteger"/> or its decimal text, never through a double.
/// </summary>
public static class HexQuantity
{
    /// <summary>Decodes <paramref name="hex"/>; false when it is not a <c>0x</c>-prefixed hex number.</summary>
    public static bool TryParse(string? hex, out BigInteger value)
    {
        value = BigInteger.Zero;
        if (hex is null || hex.Length < 3 || hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X')) return false;
        var digits = hex.AsSpan(2);
        foreach (var c in digits)
            if (!char.IsAsciiHexDigit(c)) return false;
        // A leading 0 keeps the top bit from being read as a sign.
        return BigInteger.TryParse(string.Concat("0", digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Decodes a quantity that must fit a signed 64-bit integer (block numbers, gas, nonces, indexes).</summary>
    /// <exception cref="FormatException">Not a quantity, or out of range.</exception>
    public static long ToInt64(string? hex)
    {
        if (!TryParse(hex, out var value)) throw new FormatException($"'{hex}' is not a hex quantity");
        if (value > long.MaxValue) throw new FormatException($"'{hex}' does not fit 64 bits");
        return (long)value;
    }

    /// <summary>Decodes a quantity of any size to its exact decimal text (<c>0x de0b6b3a7640000</c> → <c>1000000000000000000</c>).</summary>
    /// <exception cref="FormatException">Not a quantity.</exception>
    public static string ToDecimalString(string? hex) =>
        TryParse(hex, out var value) ? value.ToString(CultureInfo.InvariantCulture) : throw new FormatException($"'{hex}' is not a hex quantity");

    /// <summary>Encodes a block number or other non-negative integer as a compact quantity.</summary>
    public static string From(long value) =>
        value >= 0 ? "0x" + value.ToString("x", CultureInfo.InvariantCulture) : throw new ArgumentOutOfRangeException(nameof(value), value, "quantities are not negative");
}
