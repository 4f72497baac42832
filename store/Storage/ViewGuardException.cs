namespace Apperate.Actors.Storage;

/// <summary>A record store's guard refused a view's statement: the statement did more than read the view's tables.</summary>
public sealed class ViewGuardException(string message, Exception? inner = null) : Exception(message, inner);
