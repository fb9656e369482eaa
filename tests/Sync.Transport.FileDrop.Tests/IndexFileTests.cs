using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Sync.Core;
using Sync.Core.Trust;
using Sync.Testing.FileSystem;
using Sync.Transport.FileDrop.Internal;
using V1 = Sync.Protocol.V1;

namespace Sync.Transport.FileDrop.Tests;

/// <summary>The index file's layout: a signed first line and payload, then a base64 DER signature as the last line.</summary>
public sealed class IndexFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _keyPath;
    private readonly SigningKey _key;

    public IndexFileTests()
    {
        _keyPath = _temp.Combine("outside.key");
        SigningKey.Generate(_keyPath);
        _key = SigningKey.Load(_keyPath);
    }

    public void Dispose()
    {
        _key.Dispose();
        _temp.Dispose();
    }

    /// <summary>Payload bytes with newlines in them, as protobuf often has.</summary>
    private static byte[] Payload => [.. "payload\nwith\nnewlines\n"u8, 0, 10, 10, 255];

    [Fact]
    public void Everything_before_the_last_line_is_signed_and_the_last_line_is_a_base64_der_signature()
    {
        var file = IndexFile.Encode(Payload, _key);
        var text = Encoding.Latin1.GetString(file);
        var firstLine = $"SYNCIDX2 key-id={KeyId.ToHex(_key.KeyId)} payload-bytes={Payload.Length}\n";
        Assert.StartsWith(firstLine, text, StringComparison.Ordinal);
        Assert.Equal('\n', text[^1]);

        // What `head -n -1` and `tail -n 1 | base64 -d` give, checked by a verifier that knows nothing of ours.
        var lastLineStart = text[..^1].LastIndexOf('\n') + 1;
        var signed = file[..lastLineStart];
        var signature = Convert.FromBase64String(text[lastLineStart..^1]);
        Assert.Equal([.. Encoding.ASCII.GetBytes(firstLine), .. Payload, (byte)'\n'], signed);
        using var verifier = ECDsa.Create();
        verifier.ImportFromPem(File.ReadAllText(_keyPath + ".pub"));
        Assert.True(verifier.VerifyData(signed, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

        var (envelope, payload, format) = IndexFile.Decode(file);
        Assert.Equal(IndexFile.FormatVersion, format);
        Assert.Equal(Payload, payload.ToArray());
        Assert.Equal(signed, envelope.Payload);
        Assert.Equal(_key.KeyId, envelope.KeyId);
        using var trust = TrustStore.Load([_keyPath + ".pub"]);
        trust.Verify(envelope, "index");
    }

    [Fact]
    public void An_index_of_format_1_with_a_fixed_field_signature_still_reads_and_verifies()
    {
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(File.ReadAllText(_keyPath));
        var payload = new V1.BundleIndex { FormatVersion = IndexFile.LegacyFormatVersion, TotalBytes = 7 }.ToByteArray();
        var envelope = new V1.Signed
        {
            Payload = ByteString.CopyFrom(payload),
            KeyId = ByteString.CopyFrom(_key.KeyId),
            Signature = ByteString.CopyFrom(ecdsa.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)),
        };

        var (signed, decoded, format) = IndexFile.Decode([.. "SYNCIDX1"u8, .. envelope.ToByteArray()]);
        Assert.Equal(IndexFile.LegacyFormatVersion, format);
        Assert.Equal(payload, decoded.ToArray());
        using var trust = TrustStore.Load([_keyPath + ".pub"]);
        Assert.Equal(payload, trust.Verify(signed, "legacy index"));
    }

    [Fact]
    public void The_key_id_on_the_first_line_is_signed_too()
    {
        var other = _temp.Combine("other.key");
        SigningKey.Generate(other);
        using var otherKey = SigningKey.Load(other);
        var file = IndexFile.Encode(Payload, _key);
        var swapped = Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(file).Replace(KeyId.ToHex(_key.KeyId), KeyId.ToHex(otherKey.KeyId), StringComparison.Ordinal));

        using var trust = TrustStore.Load([_keyPath + ".pub", other + ".pub"]);
        var e = Assert.Throws<SyncException>(() => trust.Verify(IndexFile.Decode(swapped).Envelope, "index"));
        Assert.Contains("bad signature", e.Message);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "truncated", "does not end with one signature line" },
        { "payload longer than the file", "does not fit" },
        { "line after the signature", "does not end with one signature line" },
        { "signature not base64", "not base64" },
        { "upper-case key id", "first line" },
        { "leading zero in the length", "first line" },
        { "no first line", "first line" },
        { "negative length", "first line" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_file_that_does_not_follow_the_layout_is_refused_with_one_line(string damage, string expected)
    {
        var text = Encoding.Latin1.GetString(IndexFile.Encode(Payload, _key));
        var id = KeyId.ToHex(_key.KeyId);
        var damaged = damage switch
        {
            "truncated" => text[..^3],
            "payload longer than the file" => text.Replace($"payload-bytes={Payload.Length}", "payload-bytes=9999", StringComparison.Ordinal),
            "line after the signature" => text + "more\n",
            "signature not base64" => text[..(text[..^1].LastIndexOf('\n') + 1)] + "!!!!\n",
            "upper-case key id" => text.Replace(id, id.ToUpperInvariant(), StringComparison.Ordinal),
            "leading zero in the length" => text.Replace($"payload-bytes={Payload.Length}", $"payload-bytes=0{Payload.Length}", StringComparison.Ordinal),
            "no first line" => "SYNCIDX2 " + new string('x', 200),
            _ => text.Replace($"payload-bytes={Payload.Length}", "payload-bytes=-1", StringComparison.Ordinal),
        };

        var e = Assert.Throws<SyncException>(() => IndexFile.Decode(Encoding.Latin1.GetBytes(damaged)));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
