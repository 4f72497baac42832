using System.Text.Json;
using Apperate.Actors.Rules.Engine.Conditions;

namespace Apperate.Actors.Rules.Engine;

/// <summary>
/// A rule ready to evaluate records of its dataset: facts bound to columns, conditions compiled to evaluators, literals
/// parsed. Made by <see cref="RuleCompiler.Compile"/>.
/// </summary>
/// <remarks>
/// <para>Immutable and thread-safe: every per-record value lives on the caller's stack or in the
/// <see cref="IConditionState"/> the caller passes. A simple condition such as <c>price &gt; 150</c> costs one virtual
/// call and a type test of the row value; nothing is allocated per evaluation unless the rule has nested or <c>any</c>
/// facts (their JSON is parsed once per evaluation).</para>
/// <para>Absent values: a fact the batch does not carry (position -1) or whose value is null is absent. Every operator
/// is false on an absent value except <c>notExists</c>: in particular <c>!=</c> and <c>notIn</c> are false too, because a
/// missing value is not a different value, so a rule on <c>status != "open"</c> does not fire for records that never
/// said their status. A date value that does not parse is absent likewise.</para>
/// </remarks>
public sealed class CompiledRule
{
    private const int StackFacts = 128;

    private readonly ConditionEvaluator[] _conditions;
    private readonly OperandType[] _operands;
    private readonly bool[] _additionalLocal;
    private readonly bool _all;
    private readonly bool _hasDates;

    internal CompiledRule(RuleDefinition definition, FactRef[] facts, FactRef[] additional, bool[] additionalLocal, ConditionEvaluator[] conditions, string[]? keys, RuleFilter? filter)
    {
        Definition = definition;
        Facts = facts;
        Additional = additional;
        _additionalLocal = additionalLocal;
        _conditions = conditions;
        _operands = Array.ConvertAll(facts, f => f.Operand);
        _all = definition.Type == RuleMatch.All;
        _hasDates = Array.Exists(_operands, o => o == OperandType.Date);
        Keys = keys;
        Filter = filter;
        IsStateful = Array.Exists(conditions, c => c.IsStateful);
    }

    /// <summary>The rule as validated.</summary>
    public RuleDefinition Definition { get; }

    /// <summary>The facts its conditions refer to (<c>$index[i]</c> is <c>Facts[i]</c>).</summary>
    public FactRef[] Facts { get; }

    /// <summary>The facts reported with each alert (<c>additionalIndex</c>).</summary>
    public FactRef[] Additional { get; }

    /// <summary>The number of conditions: the length <see cref="Evaluate"/>'s results need.</summary>
    public int ConditionCount => _conditions.Length;

    /// <summary>
    /// When the rule can only pass for records whose key (<see cref="Apperate.Actors.Datasets.RecordRow.Key"/>) is one of
    /// these values, those values, ordinal, sorted; else null. An empty array means no record can pass.
    /// </summary>
    /// <remarks>
    /// Set for an <c>all</c> rule with a key condition (<c>key = literal</c>, <c>key in [literals]</c>; several intersect),
    /// or an <c>any</c> rule whose every condition is one (they unite). Only for string and integer keys: an integer
    /// literal becomes the invariant decimal text records are keyed by. Callers use it to skip the rule for other keys.
    /// </remarks>
    public string[]? Keys { get; }

    /// <summary>A condition on one property that every record the rule passes for meets, for an index to look up; null when none fits.</summary>
    public RuleFilter? Filter { get; }

    /// <summary>True when a condition keeps per-key state (<c>changedBy%</c>, <c>crossesAbove</c>, <c>crossesBelow</c>).</summary>
    public bool IsStateful { get; }

    /// <summary>
    /// Where each fact's property is in the rows of a batch with these <paramref name="columns"/> (names as declared,
    /// matched ignoring case): <see cref="Facts"/> first, then <see cref="Additional"/>; -1 when the batch does not carry
    /// the property, and for additional facts of other datasets (read them from that dataset).
    /// </summary>
    public int[] Bind(string[] columns)
    {
        var positions = new int[Facts.Length + Additional.Length];
        for (var i = 0; i < Facts.Length; i++) positions[i] = IndexOf(columns, Facts[i].Property);
        for (var i = 0; i < Additional.Length; i++) positions[Facts.Length + i] = _additionalLocal[i] ? IndexOf(columns, Additional[i].Property) : -1;
        return positions;
    }

    /// <summary>
    /// Evaluates every condition against one record and says whether the rule passes (<c>any</c>: some condition
    /// holds; <c>all</c>: every one does).
    /// </summary>
    /// <remarks>
    /// Every condition is evaluated, without short-circuit, so <paramref name="results"/> is complete for the report and
    /// stateful conditions advance their per-key state at every event whatever the others say.
    /// </remarks>
    /// <param name="values">The record's values (<see cref="Apperate.Actors.Datasets.RecordRow.Values"/>).</param>
    /// <param name="positions">From <see cref="Bind"/> for the batch's columns.</param>
    /// <param name="state">The per-key state of the record's key; not touched unless <see cref="IsStateful"/>.</param>
    /// <param name="results">Receives each condition's outcome; at least <see cref="ConditionCount"/> long.</param>
    public bool Evaluate(object?[] values, int[] positions, IConditionState state, Span<bool> results)
    {
        if (results.Length < _conditions.Length) throw new ArgumentException($"needs room for {_conditions.Length} results", nameof(results));
        if (positions.Length < Facts.Length) throw new ArgumentException($"needs {Facts.Length} fact positions (from Bind)", nameof(positions));

        var dateSlots = _hasDates ? Facts.Length : 0;
        Span<long> instants = dateSlots <= StackFacts ? stackalloc long[dateSlots] : new long[dateSlots];
        Span<byte> parsed = dateSlots <= StackFacts ? stackalloc byte[dateSlots] : new byte[dateSlots];
        var facts = new FactReader(values, positions, Facts, _operands, instants, parsed);

        var any = false;
        var all = true;
        for (var i = 0; i < _conditions.Length; i++)
        {
            var r = _conditions[i].Evaluate(ref facts, state, i);
            results[i] = r;
            any |= r;
            all &= r;
        }
        return _all ? all : any;
    }

    /// <summary>
    /// Writes one fact's value in the record as JSON, for alerts and reports: <paramref name="positionIndex"/> counts as
    /// <see cref="Bind"/>'s result does (facts, then additional facts). Object, array and any values are written as the
    /// JSON they hold; nested facts as the field they name; absent values as <c>null</c>.
    /// </summary>
    public void WriteFactValue(Utf8JsonWriter writer, int positionIndex, object?[] values, int[] positions)
    {
        var fact = positionIndex < Facts.Length ? Facts[positionIndex] : Additional[positionIndex - Facts.Length];
        var p = positions[positionIndex];
        FactJson.Write(writer, (uint)p < (uint)values.Length ? values[p] : null, fact.Type, fact.Path);
    }

    /// <summary>The right side of condition <paramref name="condition"/> as JSON text, for reports (<c>null</c> for <c>exists</c>/<c>notExists</c>).</summary>
    public string ConditionRight(int condition) => Definition.Conditions[condition].RightJson ?? "null";

    private static int IndexOf(string[] columns, string property)
    {
        for (var i = 0; i < columns.Length; i++)
            if (string.Equals(columns[i], property, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }
}
