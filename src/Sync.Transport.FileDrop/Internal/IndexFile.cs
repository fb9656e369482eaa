using System.Globalization;
using System.Text;
using Sync.Core;
using Sync.Core.Trust;

namespace Sync.Transport.FileDrop.Internal;

/// <summary>
/// The index file layout, chosen so an operator can check a signature with standard tools (docs/bundle-format.md):
/// <code>
/// SYNCIDX2 key-id=0123456789abcdef payload-bytes=1234\n     one ASCII line
/// (1234 bytes: a serialized BundleIndex)\n
/// (the DER ECDSA signature, in base64)\n                  the last line
/// </code>
/// Everything before the last line is what is signed. Files of format 1 ("SYNCIDX1" then a protobuf Signed
/// envelope with an IEEE P1363 signature) are still read, so bundles written before the change still import.
/// </summary>
internal static class IndexFile
{
    public const int FormatVersion = 2;

    public const int LegacyFormatVersion = 1;

    /// <summary>An index lists parts of ~80 bytes each; this allows millions of them and stops a runaway file.</summary>
    public const long MaxBytes = 64L << 20;

    /// <summary>A DER P-256 signature is at most 72 bytes (96 in base64); a little room, then refuse.</summary>
    private const int MaxSignatureLine = 128;

    private const int MaxFirstLine = 128;

    public static ReadOnlySpan<byte> Magic => "SYNCIDX2 "u8;

    public static ReadOnlySpan<byte> LegacyMagic => "SYNCIDX1"u8;

    private static ReadOnlySpan<byte> KeyIdField => "key-id="u8;

    private static ReadOnlySpan<byte> PayloadBytesField => " payload-bytes="u8;

    /// <summary>The whole index file: first line, payload and newline (all signed), then the signature line.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> payload, SigningKey key)
    {
        var firstLine = string.Create(CultureInfo.InvariantCulture, $"SYNCIDX2 key-id={KeyId.ToHex(key.KeyId)} payload-bytes={payload.Length}\n");
        var signedBytes = new byte[firstLine.Length + payload.Length + 1];
        Encoding.ASCII.GetBytes(firstLine, signedBytes);
        payload.CopyTo(signedBytes.AsSpan(firstLine.Length));
        signedBytes[^1] = (byte)'\n';
        var signature = Encoding.ASCII.GetBytes(Convert.ToBase64String(key.Sign(signedBytes).Signature) + "\n");
        return [.. signedBytes, .. signature];
    }

    /// <summary>
    /// Splits an index file of either format into the signed envelope (for the trust store) and the serialized
    /// BundleIndex it carries, and the format it was written in. Refuses a file that does not follow the layout.
    /// </summary>
    public static (SignedPayload Envelope, ReadOnlyMemory<byte> Payload, int Format) Decode(byte[] file)
    {
        if (file.AsSpan().StartsWith(LegacyMagic))
        {
            var legacy = Protocol.V1.Signed.Parser.ParseFrom(file.AsSpan(LegacyMagic.Length));
            var envelope = new SignedPayload(legacy.Payload.ToByteArray(), legacy.KeyId.ToByteArray(), legacy.Signature.ToByteArray());
            return (envelope, envelope.Payload, LegacyFormatVersion);
        }

        if (!file.AsSpan().StartsWith(Magic))
        {
            throw SyncException.Refused("not a bundle index (wrong magic bytes)");
        }

        var end = file.AsSpan(0, Math.Min(file.Length, MaxFirstLine)).IndexOf((byte)'\n');
        if (end < 0)
        {
            throw SyncException.Refused("the index's first line is missing or too long");
        }

        var (keyId, payloadBytes) = ParseFirstLine(file.AsSpan(Magic.Length, end - Magic.Length));
        var payloadStart = end + 1;
        var signedLength = payloadStart + payloadBytes + 1;
        if (payloadBytes > file.Length - payloadStart - 1 || file[signedLength - 1] != '\n')
        {
            throw SyncException.Refused($"the index says its payload is {payloadBytes} bytes, which does not fit the file of {file.Length} bytes (truncated?)");
        }

        var signatureLine = file.AsSpan(signedLength);
        if (signatureLine.Length is < 2 or > MaxSignatureLine || signatureLine[^1] != '\n' || signatureLine[..^1].IndexOf((byte)'\n') >= 0)
        {
            throw SyncException.Refused("the index does not end with one signature line");
        }

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(Encoding.ASCII.GetString(signatureLine[..^1]));
        }
        catch (FormatException)
        {
            throw SyncException.Refused("the index's signature line is not base64");
        }

        var signed = file.AsSpan(0, signedLength).ToArray();
        return (new SignedPayload(signed, keyId, signature), signed.AsMemory(payloadStart, payloadBytes), FormatVersion);
    }

    /// <summary>"key-id=(16 hex) payload-bytes=(decimal)", exactly as <see cref="Encode"/> writes it.</summary>
    private static (byte[] KeyId, int PayloadBytes) ParseFirstLine(ReadOnlySpan<byte> line)
    {
        const int hexLength = 16;
        var digits = line.Length - KeyIdField.Length - hexLength - PayloadBytesField.Length;
        if (digits is < 1 or > 10 || !line.StartsWith(KeyIdField) || !line[(KeyIdField.Length + hexLength)..].StartsWith(PayloadBytesField))
        {
            throw SyncException.Refused("the index's first line is not 'SYNCIDX2 key-id=HEX payload-bytes=N'");
        }

        var hex = Encoding.ASCII.GetString(line.Slice(KeyIdField.Length, hexLength));
        var number = Encoding.ASCII.GetString(line[^digits..]);
        if (!hex.All(char.IsAsciiHexDigitLower) ||
            !number.All(char.IsAsciiDigit) ||
            (number.Length > 1 && number[0] == '0') ||
            !long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var payloadBytes) ||
            payloadBytes > MaxBytes)
        {
            throw SyncException.Refused("the index's first line is not 'SYNCIDX2 key-id=HEX payload-bytes=N'");
        }

        return (Convert.FromHexString(hex), (int)payloadBytes);
    }
}
