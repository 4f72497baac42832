using System.Diagnostics.CodeAnalysis;
using System.Text;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Schema;

/// <summary>
/// The result of validating a write body: either a batch ready for the dataset grain, or every problem found.
/// </summary>
/// <param name="Batch">
/// The records in store form when every record is valid, else null. <see cref="RecordBatch.Duplicates"/> is a
/// placeholder (<see cref="DuplicateKeyHandling.Ignore"/>); the caller sets it with <c>with</c>.
/// </param>
/// <param name="Errors">Every problem, in record order; empty when valid.</param>
/// <param name="HasSizeError">True when any problem is a size limit (the gateway answers 413 rather than 400).</param>
/// <param name="HasUnknownProperty">
/// True when any problem is an undeclared property: a caller validating against a cached schema may refresh it
/// (the schema may have grown) and validate again.
/// </param>
public sealed record ValidationOutcome(RecordBatch? Batch, IReadOnlyList<FieldError> Errors, bool HasSizeError, bool HasUnknownProperty = false)
{
    /// <summary>Errors listed in an exception message; the rest are counted (all stay in <see cref="ApperateException.Errors"/>).</summary>
    private const int MessageErrorLimit = 20;

    /// <summary>True when every record is valid and <see cref="Batch"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Batch))]
    public bool IsValid => Batch is not null;

    /// <summary>The exception that rejects the whole request: <see cref="ErrorKind.TooLarge"/> when a size limit was hit, else <see cref="ErrorKind.Invalid"/>.</summary>
    public ApperateException ToException()
    {
        var sb = new StringBuilder();
        var bad = 0;
        int? last = -1;
        foreach (var e in Errors)
            if (e.Index != last) { bad++; last = e.Index; }
        sb.Append(bad == 1 ? "the request was rejected: " : $"the request was rejected ({bad} invalid records): ");
        for (var i = 0; i < Errors.Count && i < MessageErrorLimit; i++)
        {
            if (i > 0) sb.Append("; ");
            sb.Append(Errors[i]);
        }
        if (Errors.Count > MessageErrorLimit) sb.Append($"; and {Errors.Count - MessageErrorLimit} more");
        return new ApperateException(HasSizeError ? ErrorKind.TooLarge : ErrorKind.Invalid, sb.ToString(), Errors);
    }
}
