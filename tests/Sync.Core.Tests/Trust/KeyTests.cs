using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using Sync.Core.Apply;
using Sync.Core.Trust;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.Trust;

/// <summary>Key files in standard encodings, signatures that openssl reads, and a trust store of named keys.</summary>
public sealed class KeyTests : IDisposable
{
    private readonly TempDirectory _dir = new("sync-keys-");

    public void Dispose() => _dir.Dispose();

    private string P(string name) => _dir.Combine(name);

    private string NewKey(string name)
    {
        SigningKey.Generate(P(name));
        return P(name);
    }

    [Fact]
    public void Keygen_writes_pkcs8_and_subject_public_key_info_pem_with_fixed_modes()
    {
        var path = NewKey("outside.key");
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----\n", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----\n", File.ReadAllText(path + ".pub"), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path + ".pub"));
        Assert.Equal([Path.GetFileName(path), Path.GetFileName(path) + ".pub"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Keygen_refuses_to_replace_a_key_unless_forced()
    {
        var path = NewKey("outside.key");
        var before = File.ReadAllText(path);
        var e = Assert.Throws<SyncException>(() => SigningKey.Generate(path));
        Assert.Equal(SyncErrorKind.Usage, e.Kind);
        Assert.Contains("--force", e.Message);
        Assert.Equal(before, File.ReadAllText(path));

        File.Delete(path); // a lone .pub is not overwritten either
        Assert.Throws<SyncException>(() => SigningKey.Generate(path));

        SigningKey.Generate(path, overwrite: true);
        Assert.NotEqual(before, File.ReadAllText(path));
        using var key = SigningKey.Load(path);
        using var trust = TrustStore.Load([path + ".pub"]);
        trust.Verify(key.Sign([1, 2, 3]), "test"); // the .pub was replaced with its private key
    }

    [Fact]
    public void Signatures_are_der_ecdsa_sha256_that_any_verifier_reads()
    {
        using var key = SigningKey.Load(NewKey("outside.key"));
        var payload = Encoding.ASCII.GetBytes("what the outside signs");
        var signed = key.Sign(payload);

        // RFC 3279 Ecdsa-Sig-Value: SEQUENCE { INTEGER r, INTEGER s }, nothing after it.
        var sequence = new AsnReader(signed.Signature, AsnEncodingRules.DER).ReadSequence();
        sequence.ReadInteger();
        sequence.ReadInteger();
        sequence.ThrowIfNotEmpty();

        using var verifier = ECDsa.Create();
        verifier.ImportFromPem(File.ReadAllText(P("outside.key.pub")));
        Assert.True(verifier.VerifyData(payload, signed.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        Assert.Equal(KeyId.Of(verifier.ExportSubjectPublicKeyInfo()), signed.KeyId);
    }

    [Fact]
    public void Signatures_made_before_der_still_verify_and_altered_payloads_never_do()
    {
        var path = NewKey("outside.key");
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(File.ReadAllText(path));
        using var key = SigningKey.Load(path);
        using var trust = TrustStore.Load([path + ".pub"]);
        var payload = new byte[] { 1, 2, 3 };
        var legacy = new SignedPayload(payload, key.KeyId, ecdsa.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.Equal(payload, trust.Verify(legacy, "legacy"));

        foreach (var signed in new[] { legacy, key.Sign(payload) })
        {
            var altered = signed with { Payload = [1, 2, 4] };
            var e = Assert.Throws<SyncException>(() => trust.Verify(altered, "altered"));
            Assert.Equal(SyncErrorKind.Refused, e.Kind);
            Assert.Contains("bad signature", e.Message);
        }
    }

    [Fact]
    public void Trusted_keys_are_named_and_a_signature_by_another_key_names_them()
    {
        var current = NewKey("outside-2026.key");
        var next = NewKey("next");
        var stranger = NewKey("stranger.key");
        using var trust = TrustStore.Load([current + ".pub", $"rotated-in={next}.pub"]);
        Assert.Equal(["outside-2026", "rotated-in"], trust.Keys.Select(k => k.Name));

        using var nextKey = SigningKey.Load(next);
        trust.Verify(nextKey.Sign([1]), "x");
        Assert.Equal("rotated-in", trust.Find(nextKey.KeyId)!.Name);
        Assert.Equal($"'rotated-in' ({KeyId.ToHex(nextKey.KeyId)})", trust.Find(nextKey.KeyId)!.ToString());

        using var strangerKey = SigningKey.Load(stranger);
        var e = Assert.Throws<SyncException>(() => trust.Verify(strangerKey.Sign([1]), "bundle b"));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains($"signed by key {KeyId.ToHex(strangerKey.KeyId)}, which is not trusted here", e.Message);
        Assert.Contains("'outside-2026'", e.Message);
        Assert.Contains("'rotated-in'", e.Message);
    }

    [Fact]
    public void A_path_holding_an_equals_sign_is_still_a_file()
    {
        Directory.CreateDirectory(P("a=b"));
        var path = Path.Combine(P("a=b"), "k");
        SigningKey.Generate(path);
        using var trust = TrustStore.Load([path + ".pub"]);
        Assert.Equal("k", Assert.Single(trust.Keys).Name);
    }

    [Theory]
    [InlineData("same name twice")]
    [InlineData("same key twice")]
    [InlineData("bad name")]
    [InlineData("none")]
    public void Trust_mistakes_are_usage_errors(string mistake)
    {
        var a = NewKey("a.key") + ".pub";
        var b = NewKey("b.key") + ".pub";
        string[] specs = mistake switch
        {
            "same name twice" => [$"k={a}", $"k={b}"],
            "same key twice" => [$"one={a}", $"two={a}"],
            "bad name" => [$"../x={a}"],
            _ => [],
        };
        var e = Assert.Throws<SyncException>(() => TrustStore.Load(specs));
        Assert.Equal(SyncErrorKind.Usage, e.Kind);
    }

    [Theory]
    [InlineData("PRIVATE KEY")]
    [InlineData("EC PRIVATE KEY")]
    [InlineData("ENCRYPTED PRIVATE KEY")]
    [InlineData("OPENSSH PRIVATE KEY")]
    public void A_private_key_given_as_trust_is_refused_without_being_parsed(string label)
    {
        // The body is not a key at all: were it parsed, the error would say so instead.
        File.WriteAllText(P("secret"), $"-----BEGIN {label}-----\nnot base64 at all !!!\n-----END {label}-----\n");
        var e = Assert.Throws<SyncException>(() => TrustStore.Load([P("secret")]));
        Assert.Equal(SyncErrorKind.Usage, e.Kind);
        Assert.Contains("is a private key", e.Message);
        Assert.DoesNotContain("base64", e.Message);
    }

    [Fact]
    public async Task A_private_key_given_as_trust_is_not_read_past_its_begin_line()
    {
        // A FIFO whose writer sends the BEGIN line and then holds the pipe open: a reader that went on would wait forever.
        var fifo = P("fifo.key");
        Assert.Equal(0, Mkfifo(fifo, Convert.ToInt32("600", 8)));
        var release = new TaskCompletionSource();
        var writer = Task.Run(async () =>
        {
            await using var stream = new FileStream(fifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            stream.Write("-----BEGIN PRIVATE KEY-----\n"u8);
            await release.Task.WaitAsync(TimeSpan.FromMinutes(1));
        });

        var load = Task.Run(() => TrustStore.Load([fifo]));
        var finished = await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(30)));
        release.SetResult();
        await writer;
        Assert.True(finished == load, "the trust store read past the BEGIN line of a private key");
        var e = await Assert.ThrowsAsync<SyncException>(() => load);
        Assert.Contains("is a private key", e.Message);
    }

    [Theory]
    [InlineData("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "CERTIFICATE")]
    [InlineData("ssh-ed25519 AAAAC3Nza outside\n", "not a PEM public key")]
    public void Other_files_are_refused_saying_what_they_are(string content, string expected)
    {
        File.WriteAllText(P("other.pub"), content);
        var e = Assert.Throws<SyncException>(() => TrustStore.Load([P("other.pub")]));
        Assert.Equal(SyncErrorKind.Usage, e.Kind);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_public_key_given_as_the_signing_key_is_refused()
    {
        var path = NewKey("outside.key");
        var e = Assert.Throws<SyncException>(() => SigningKey.Load(path + ".pub"));
        Assert.Equal(SyncErrorKind.Usage, e.Kind);
        Assert.Contains("is a public key", e.Message);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true, EntryPoint = "mkfifo")]
    private static extern int Mkfifo(string path, int mode);
}
