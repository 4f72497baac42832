using System.Diagnostics.CodeAnalysis;
using Apperate.Actors.Common;

namespace Apperate.Actors.Rules.Engine.Conditions;

/// <summary>
/// The facts of one record during one evaluation, read from the row's values as each condition asks for them.
/// </summary>
/// <remarks>
/// Plain facts are read straight from the row (no copies, no allocation). Date facts are parsed at most once per
/// evaluation whatever the number of conditions on them; nested and <c>any</c> facts are navigated once, into a
/// <see cref="DynamicValue"/>. A position outside the row (<c>-1</c>: the batch does not carry the property) reads as
/// absent, like a null value.
/// </remarks>
internal ref struct FactReader
{
    private const byte Unparsed = 0, Parsed = 1, Invalid = 2;

    private readonly object?[] _values;
    private readonly int[] _positions;
    private readonly FactRef[] _facts;
    private readonly OperandType[] _operands;
    private readonly Span<long> _instants;
    private readonly Span<byte> _instantStates;
    private DynamicValue?[]? _dynamic;

    /// <param name="instants">One slot per fact when the rule has date facts (zeroed), else empty.</param>
    /// <param name="instantStates">One slot per fact when the rule has date facts (zeroed), else empty.</param>
    public FactReader(object?[] values, int[] positions, FactRef[] facts, OperandType[] operands, Span<long> instants, Span<byte> instantStates)
    {
        _values = values;
        _positions = positions;
        _facts = facts;
        _operands = operands;
        _instants = instants;
        _instantStates = instantStates;
        _dynamic = null;
    }

    /// <summary>True when the fact has a non-null value.</summary>
    public bool IsPresent(int fact) =>
        _operands[fact] == OperandType.Dynamic ? Dynamic(fact).Kind != DynamicKind.Absent : Raw(fact) is not null;

    public bool TryNumber(int fact, out Num value)
    {
        if (_operands[fact] == OperandType.Dynamic) return Dynamic(fact).TryNumber(out value);
        switch (Raw(fact))
        {
            case double d:
                value = new Num(d);
                return true;
            case long l:
                value = new Num(l);
                return true;
            default:
                value = default;
                return false;
        }
    }

    public bool TryString(int fact, [NotNullWhen(true)] out string? value)
    {
        if (_operands[fact] == OperandType.Dynamic) return Dynamic(fact).TryString(out value);
        value = _operands[fact] is OperandType.String or OperandType.Date ? Raw(fact) as string : null;
        return value is not null;
    }

    public bool TryBoolean(int fact, out bool value)
    {
        if (_operands[fact] == OperandType.Dynamic) return Dynamic(fact).TryBoolean(out value);
        if (Raw(fact) is bool b)
        {
            value = b;
            return true;
        }
        value = false;
        return false;
    }

    /// <summary>The fact as an instant (epoch ms): a date or date-time value, parsed once per evaluation.</summary>
    public bool TryInstant(int fact, out long epochMs)
    {
        if (_operands[fact] == OperandType.Dynamic) return Dynamic(fact).TryInstant(out epochMs);
        epochMs = 0;
        if (_operands[fact] != OperandType.Date) return false;
        switch (_instantStates[fact])
        {
            case Parsed:
                epochMs = _instants[fact];
                return true;
            case Invalid:
                return false;
        }
        var ok = Raw(fact) is string text && DateValues.TryParseDateOrDateTime(text, out epochMs, out _);
        _instantStates[fact] = ok ? Parsed : Invalid;
        _instants[fact] = epochMs;
        return ok;
    }

    private readonly object? Raw(int fact)
    {
        var p = _positions[fact];
        return (uint)p < (uint)_values.Length ? _values[p] : null;
    }

    private DynamicValue Dynamic(int fact)
    {
        _dynamic ??= new DynamicValue?[_facts.Length];
        return _dynamic[fact] ??= FactJson.ReadDynamic(Raw(fact), _facts[fact].Type, _facts[fact].Path);
    }
}

/// <summary>What a value whose type is only known per record turned out to be.</summary>
internal enum DynamicKind
{
    Absent,
    Number,
    String,
    Boolean,
    /// <summary>An object or array: present, but not comparable.</summary>
    Structured,
}

/// <summary>The value of a nested or <c>any</c> fact in one record.</summary>
internal sealed class DynamicValue
{
    public static readonly DynamicValue Absent = new(DynamicKind.Absent, default, null, false);
    public static readonly DynamicValue Structured = new(DynamicKind.Structured, default, null, false);

    private readonly Num _number;
    private readonly string? _text;
    private readonly bool _boolean;
    private byte _instantState;
    private long _instant;

    public DynamicValue(DynamicKind kind, Num number, string? text, bool boolean)
    {
        Kind = kind;
        _number = number;
        _text = text;
        _boolean = boolean;
    }

    public DynamicKind Kind { get; }

    public bool TryNumber(out Num value)
    {
        value = _number;
        return Kind == DynamicKind.Number;
    }

    public bool TryString([NotNullWhen(true)] out string? value)
    {
        value = _text;
        return Kind == DynamicKind.String;
    }

    public bool TryBoolean(out bool value)
    {
        value = _boolean;
        return Kind == DynamicKind.Boolean;
    }

    /// <summary>A date or date-time string, or a whole number taken as epoch ms.</summary>
    public bool TryInstant(out long epochMs)
    {
        epochMs = 0;
        // Absent and structured values are shared instances: never cache on them.
        if (Kind is not (DynamicKind.String or DynamicKind.Number)) return false;
        if (_instantState == 0)
        {
            var ok = Kind switch
            {
                DynamicKind.String => DateValues.TryParseDateOrDateTime(_text, out _instant, out _),
                DynamicKind.Number => _number.TryGetWhole(out _instant),
                _ => false,
            };
            _instantState = ok ? (byte)1 : (byte)2;
        }
        epochMs = _instant;
        return _instantState == 1;
    }
}
