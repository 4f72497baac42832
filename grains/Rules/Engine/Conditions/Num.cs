using System.Text.Json;

namespace Apperate.Actors.Rules.Engine.Conditions;

/// <summary>A number as a row holds it: a <see cref="long"/> (integer properties) or a <see cref="double"/>.</summary>
/// <remarks>
/// Two whole numbers compare exactly as 64-bit integers; anything else compares as doubles, so an integer fact and a
/// fractional literal (or a number fact) still compare, at double precision.
/// </remarks>
internal readonly struct Num
{
    public readonly double Double;
    public readonly long Long;
    public readonly bool IsLong;

    public Num(long value)
    {
        Long = value;
        Double = value;
        IsLong = true;
    }

    public Num(double value) => Double = value;

    public static int Compare(in Num a, in Num b) => a.IsLong && b.IsLong ? a.Long.CompareTo(b.Long) : a.Double.CompareTo(b.Double);

    /// <summary>The value as a whole number, when it is one within the 64-bit range.</summary>
    public bool TryGetWhole(out long value)
    {
        if (IsLong)
        {
            value = Long;
            return true;
        }
        value = 0;
        if (Double != Math.Floor(Double) || Double < long.MinValue || Double >= 9.2233720368547758E18) return false;
        value = (long)Double;
        return true;
    }

    /// <summary>Reads a finite JSON number.</summary>
    public static bool TryRead(JsonElement element, out Num value)
    {
        value = default;
        if (element.ValueKind != JsonValueKind.Number) return false;
        if (element.TryGetInt64(out var l))
        {
            value = new Num(l);
            return true;
        }
        if (!element.TryGetDouble(out var d) || !double.IsFinite(d)) return false;
        value = new Num(d);
        return true;
    }

    public override string ToString() => IsLong ? Long.ToString(System.Globalization.CultureInfo.InvariantCulture) : Double.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
