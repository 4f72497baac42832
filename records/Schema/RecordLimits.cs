namespace Apperate.Actors.Schema;

/// <summary>Size limits applied to each record.</summary>
/// <param name="MaxRecordBytes">The largest record, in UTF-8 bytes of its JSON as written.</param>
/// <param name="MaxIndexBytes">The largest key or subkey value, in UTF-8 bytes.</param>
public sealed record RecordLimits(int MaxRecordBytes = RecordLimits.DefaultMaxRecordBytes, int MaxIndexBytes = RecordLimits.DefaultMaxIndexBytes)
{
    /// <summary>64 KB, the documented record limit.</summary>
    public const int DefaultMaxRecordBytes = 65_536;

    /// <summary>1,500 bytes, the documented limit of an indexed value.</summary>
    public const int DefaultMaxIndexBytes = 1_500;

    /// <summary>The documented limits.</summary>
    public static RecordLimits Default { get; } = new();
}
