using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Apperate.Actors.Datasets;
using Nethereum.ABI.ABIDeserialisation;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.Model;

namespace Apperate.Actors.Connectors.Ethereum;

/// <summary>One parameter of an event, as a column: its name, ABI type, whether it is indexed (a topic) and its column type.</summary>
public sealed record EventInput(string Name, string AbiType, bool Indexed, PropertyType Type);

/// <summary>
/// A contract event's ABI for reading its logs, parsed and applied with Nethereum.ABI: a JSON ABI (one event object,
/// or an array holding exactly one event) or a signature such as
/// <c>Transfer(address indexed from, address indexed to, uint256 value)</c> (an <c>event </c> prefix is optional).
/// Its parameters become typed columns: integers that fit 64 bits as integers, wider ones (uint256…) as exact decimal
/// text, addresses as lower-case hex, bytes as hex, bools as booleans; an indexed parameter of a dynamic type (string,
/// bytes, arrays) is only its keccak hash in the log, kept as that hex.
/// </summary>
public sealed partial class EventAbi
{
    private static readonly ParameterDecoder Decoder = new();

    private readonly EventABI _event;

    private EventAbi(EventABI abi, EventInput[] inputs)
    {
        _event = abi;
        Inputs = inputs;
        Topic0 = "0x" + abi.Sha3Signature;
    }

    /// <summary>The event's name.</summary>
    public string Name => _event.Name;

    /// <summary>The event's canonical signature hash, the log's first topic (<c>0x…</c>, 64 hex digits).</summary>
    public string Topic0 { get; }

    /// <summary>The parameters in declaration order.</summary>
    public IReadOnlyList<EventInput> Inputs { get; }

    /// <summary>Parses an ABI given in JSON: a string holding a signature, an object, or an array.</summary>
    /// <param name="reserved">Column names the parameters must not take (the log's own columns).</param>
    /// <exception cref="FormatException">Why the ABI is not one usable event.</exception>
    public static EventAbi Parse(JsonElement abi, IReadOnlyCollection<string> reserved)
    {
        EventABI[] events;
        try
        {
            events = abi.ValueKind switch
            {
                JsonValueKind.String => new ABIStringSignatureDeserialiser().ExtractContractABI([Signature(abi.GetString()!)]).Events ?? [],
                JsonValueKind.Object or JsonValueKind.Array => new ABIJsonDeserialiser().DeserialiseContract(EventsOnly(abi)).Events ?? [],
                _ => throw new FormatException("must be an event signature (a string) or a JSON ABI event (an object, or an array holding one)"),
            };
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or Newtonsoft.Json.JsonException or NullReferenceException or IndexOutOfRangeException or KeyNotFoundException or InvalidCastException)
        {
            throw new FormatException($"is not an event ABI: {ex.Message}", ex);
        }
        if (events.Length != 1) throw new FormatException(events.Length == 0 ? "holds no event" : $"holds {events.Length} events; give the one this stream reads");
        var abiEvent = events[0];
        if (abiEvent.IsAnonymous) throw new FormatException($"'{abiEvent.Name}' is anonymous: its logs carry no signature topic to find them by");
        var inputs = new EventInput[abiEvent.InputParameters?.Length ?? 0];
        var names = new HashSet<string>(reserved, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < inputs.Length; i++)
        {
            var p = abiEvent.InputParameters![i];
            var name = string.IsNullOrEmpty(p.Name) ? $"arg{i}" : p.Name;
            if (Names.Check(name) is { } bad) throw new FormatException($"parameter '{name}' cannot be a column: {bad}");
            if (!names.Add(name)) throw new FormatException($"parameter '{name}' clashes with another column of the logs stream");
            inputs[i] = new EventInput(name, p.Type, p.Indexed, ColumnType(p));
        }
        return new EventAbi(abiEvent, inputs);
    }

    /// <summary>The columns of the parameters.</summary>
    public PropertyDefinition[] Columns => [.. Inputs.Select(i => new PropertyDefinition(i.Name, i.Type))];

    /// <summary>
    /// The parameters' values of a log, aligned with <see cref="Inputs"/>; null when the log is not this event (its
    /// first topic differs, or its topics or data do not fit the parameters).
    /// </summary>
    public object?[]? Decode(IReadOnlyList<string> topics, string? data)
    {
        var indexed = _event.InputParameters.Count(p => p.Indexed);
        if (topics.Count != indexed + 1 || !string.Equals(topics[0], Topic0, StringComparison.OrdinalIgnoreCase)) return null;
        var values = new object?[Inputs.Count];
        try
        {
            var topic = 1;
            var inData = _event.InputParameters.Where(p => !p.Indexed).ToArray();
            var decoded = inData.Length == 0 ? [] : Decoder.DecodeDefaultData(data ?? "0x", inData);
            var next = 0;
            for (var i = 0; i < values.Length; i++)
            {
                var p = _event.InputParameters[i];
                if (p.Indexed)
                {
                    values[i] = IsDynamic(p.Type)
                        ? topics[topic].ToLowerInvariant()
                        : Value(Decoder.DecodeDefaultData(topics[topic], new Parameter(p.Type, p.Name, 1, null, null))[0].Result, Inputs[i]);
                    topic++;
                }
                else
                {
                    values[i] = Value(decoded[next++].Result, Inputs[i]);
                }
            }
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IndexOutOfRangeException or FormatException or OverflowException)
        {
            return null;
        }
        return values;
    }

    [GeneratedRegex(@"^(event\s+)?[A-Za-z_$][A-Za-z0-9_$]*\s*\(.*\)$", RegexOptions.Singleline)]
    private static partial Regex SignatureShape();

    private static string Signature(string text)
    {
        var trimmed = text.Trim().TrimEnd(';').Trim();
        if (!SignatureShape().IsMatch(trimmed))
            throw new FormatException("is not an event signature: write Name(type [indexed] name, …), e.g. Transfer(address indexed from, address indexed to, uint256 value)");
        return trimmed.StartsWith("event ", StringComparison.Ordinal) ? trimmed : "event " + trimmed;
    }

    /// <summary>
    /// The events of a JSON ABI (one object or an array) as an array Nethereum reads: other entries dropped, and the
    /// members it needs but the ABI specification lets a fragment leave out (<c>anonymous</c>, <c>indexed</c>) false.
    /// </summary>
    private static string EventsOnly(JsonElement abi)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(abi.GetRawText());
        var entries = node is System.Text.Json.Nodes.JsonArray array ? array.ToList() : [node];
        var events = new System.Text.Json.Nodes.JsonArray();
        foreach (var entry in entries)
        {
            if (entry is not System.Text.Json.Nodes.JsonObject o || o["type"]?.GetValueKind() != JsonValueKind.String || (string?)o["type"] != "event") continue;
            var copy = o.DeepClone().AsObject();
            copy["anonymous"] ??= false;
            if (copy["inputs"] is System.Text.Json.Nodes.JsonArray inputs)
                foreach (var input in inputs.OfType<System.Text.Json.Nodes.JsonObject>()) input["indexed"] ??= false;
            else copy["inputs"] = new System.Text.Json.Nodes.JsonArray();
            events.Add(copy);
        }
        return events.ToJsonString();
    }

    [GeneratedRegex(@"^(u?)int(\d*)$")]
    private static partial Regex IntegerType();

    private static PropertyType ColumnType(Parameter p)
    {
        if (p.Indexed && IsDynamic(p.Type)) return PropertyType.String;
        if (p.Type == "bool") return PropertyType.Boolean;
        if (IntegerType().Match(p.Type) is { Success: true } m)
        {
            var bits = m.Groups[2].Value.Length == 0 ? 256 : int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            // A signed 64-bit column holds int8…int64 and uint8…uint32 (uint64 can exceed it).
            return bits <= 32 || m.Groups[1].Value.Length == 0 && bits <= 64 ? PropertyType.Integer : PropertyType.String;
        }
        return PropertyType.String;
    }

    private static bool IsDynamic(string type) => type is "string" or "bytes" || type.EndsWith(']') || type.StartsWith('(') || type.StartsWith("tuple", StringComparison.Ordinal);

    private static object? Value(object? result, EventInput input) => result switch
    {
        null => null,
        BigInteger big when input.Type == PropertyType.Integer => (long)big,
        BigInteger big => big.ToString(CultureInfo.InvariantCulture),
        bool b => b,
        byte[] bytes => "0x" + Convert.ToHexStringLower(bytes),
        string s when input.AbiType == "address" => s.ToLowerInvariant(),
        string s => s,
        _ => JsonSerializer.Serialize(result),
    };
}
