namespace Apperate.Actors;

/// <summary>The kind of an expected failure; the HTTP gateway maps each to a status code.</summary>
[GenerateSerializer, Alias("apperate.ErrorKind")]
public enum ErrorKind
{
    /// <summary>Bad input (400).</summary>
    Invalid = 0,
    /// <summary>Unknown dataset, token or other resource (404).</summary>
    NotFound = 1,
    /// <summary>Already exists, or an illegal state change (409).</summary>
    Conflict = 2,
    /// <summary>Too large (413).</summary>
    TooLarge = 3,
    /// <summary>Overloaded; try again later (429).</summary>
    Overloaded = 4,
    /// <summary>Not allowed (403).</summary>
    Forbidden = 5,
}

/// <summary>One problem with one record or field.</summary>
/// <param name="Index">Zero-based record index in the request, or null when the problem is not about one record.</param>
/// <param name="Field">The property or parameter at fault, or null.</param>
/// <param name="Reason">What is wrong.</param>
[GenerateSerializer, Alias("apperate.FieldError")]
public sealed record FieldError([property: Id(0)] int? Index, [property: Id(1)] string? Field, [property: Id(2)] string Reason)
{
    /// <inheritdoc />
    public override string ToString() => (Index, Field) switch
    {
        (null, null) => Reason,
        (null, _) => $"{Field}: {Reason}",
        (_, null) => $"record {Index}: {Reason}",
        _ => $"record {Index}, {Field}: {Reason}",
    };
}

/// <summary>An expected failure raised by a grain: bad input, an unknown resource or a conflict. Never a bug.</summary>
[GenerateSerializer, Alias("apperate.ApperateException")]
public sealed class ApperateException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ApperateException(ErrorKind kind, string message, IReadOnlyList<FieldError>? errors = null) : base(message)
    {
        Kind = kind;
        Errors = errors?.ToArray() ?? [];
    }

    /// <summary>What kind of failure this is.</summary>
    [Id(0)] public ErrorKind Kind { get; }

    /// <summary>Per-record or per-field problems, when there are any.</summary>
    [Id(1)] public FieldError[] Errors { get; }

    /// <summary>Shorthand for a 404.</summary>
    public static ApperateException NotFound(string message) => new(ErrorKind.NotFound, message);

    /// <summary>Shorthand for a 409.</summary>
    public static ApperateException Conflict(string message) => new(ErrorKind.Conflict, message);

    /// <summary>Shorthand for a 400 about one field.</summary>
    public static ApperateException Invalid(string field, string reason) => new(ErrorKind.Invalid, $"{field}: {reason}", [new FieldError(null, field, reason)]);
}
