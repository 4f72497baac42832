using System.Security.Cryptography;
using System.Text;

namespace Apperate.Actors.Workspaces;

/// <summary>Generates token texts and ids and hashes token texts for lookup.</summary>
public static class TokenText
{
    /// <summary>A new random token text: <c>sk_</c> or <c>pk_</c> and 40 hex digits (160 random bits).</summary>
    public static string New(TokenType type) => (type == TokenType.Secret ? "sk_" : "pk_") + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    /// <summary>A new random token id (16 hex digits).</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>SHA-256 of the token text, lower-case hex: how tokens are stored and looked up.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
