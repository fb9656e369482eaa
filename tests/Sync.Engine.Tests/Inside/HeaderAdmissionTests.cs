using Sync.Core.Apply;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Engine.Inside;
using Sync.Testing.Streams;

namespace Sync.Engine.Tests.Inside;

/// <summary>Every verdict on a signed header, with the one-line reasons the agents print.</summary>
public sealed class HeaderAdmissionTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static SignedPayload Signed(MemoryDeltaStream stream) => ((HeaderFrame)stream.Frames[0]).Header;

    private static PublishedRecord PublishedAt(long generation, string digest = "") =>
        new(generation, digest, "stream", DateTimeOffset.UnixEpoch, PublishMode.Snapshot, "target", null);

    private Admission Admit(MemoryDeltaStream stream, PublishedRecord published, TrustStore? trust = null, Func<string, bool>? applied = null)
    {
        using var owned = trust is null ? _scratch.Trust() : null;
        return new HeaderAdmission(_scratch.Codec, trust ?? owned!).Admit(Signed(stream), published, "bundle b", applied);
    }

    [Fact]
    public async Task A_full_generation_newer_than_what_is_published_is_accepted()
    {
        var full = await _scratch.EmitAsync();

        var admission = Admit(full, PublishedRecord.None);

        Assert.Equal(AdmissionVerdict.Accept, admission.Verdict);
        Assert.Equal(1, admission.Header!.TargetGeneration);
        Assert.Null(admission.Reason);
    }

    [Fact]
    public async Task A_delta_from_the_published_generation_is_accepted_and_one_from_a_missing_base_waits_for_it()
    {
        var first = await _scratch.EmitAsync();
        _scratch.Write("pool/main/b.deb", "package b");
        var delta = await _scratch.EmitAsync();
        var base1 = _scratch.HeaderOf(first).TargetManifestDigest.ToHex();

        Assert.Equal(AdmissionVerdict.Accept, Admit(delta, PublishedAt(1, base1)).Verdict);
        var waiting = Admit(delta, PublishedRecord.None);
        Assert.Equal(AdmissionVerdict.WaitForBase, waiting.Verdict);
        Assert.Equal(1, waiting.WaitsFor);
        Assert.Equal(
            "bundle b is a delta from generation 1; this inside holds generation 0: apply generation 1 first (or import a full bundle)", waiting.Reason);
    }

    [Fact]
    public async Task A_delta_from_another_generation_of_the_same_number_is_refused()
    {
        await _scratch.EmitAsync();
        _scratch.Write("pool/main/b.deb", "package b");
        var delta = await _scratch.EmitAsync();

        var admission = Admit(delta, PublishedAt(1, new string('0', 64)));

        Assert.Equal(AdmissionVerdict.Refused, admission.Verdict);
        Assert.Contains("is a delta from a different generation 1", admission.Reason);
    }

    [Fact]
    public async Task A_generation_not_newer_than_the_published_one_is_refused_as_a_replay()
    {
        var full = await _scratch.EmitAsync();

        var admission = Admit(full, PublishedAt(1));

        Assert.Equal(AdmissionVerdict.Refused, admission.Verdict);
        Assert.Equal("bundle b carries generation 1 but generation 1 is already published (replayed or out of order)", admission.Reason);
        Assert.Equal(1, admission.Header!.TargetGeneration); // as claimed: a service tells a repeat from a replay by it
    }

    [Fact]
    public async Task A_header_signed_by_a_key_not_trusted_here_is_refused()
    {
        var full = await _scratch.EmitAsync();
        using var stranger = _scratch.StrangerTrust();

        var admission = Admit(full, PublishedRecord.None, stranger);

        Assert.Equal(AdmissionVerdict.Refused, admission.Verdict);
        Assert.StartsWith("bundle b is signed by key ", admission.Reason, StringComparison.Ordinal);
        Assert.Contains("which is not trusted here", admission.Reason);
    }

    [Fact]
    public async Task A_stream_applied_before_is_skipped_before_its_signature_is_looked_at()
    {
        var full = await _scratch.EmitAsync();
        var id = _scratch.HeaderOf(full).StreamIdHex;
        using var stranger = _scratch.StrangerTrust(); // its key was retired since

        var admission = Admit(full, PublishedAt(1), stranger, applied: s => s == id);

        Assert.Equal(AdmissionVerdict.AlreadyApplied, admission.Verdict);
    }

    [Fact]
    public void A_header_that_cannot_be_read_is_refused_with_no_header()
    {
        using var trust = _scratch.Trust();
        var garbage = new SignedPayload([1, 2, 3], [4], [5]);

        var admission = new HeaderAdmission(_scratch.Codec, trust).Admit(garbage, PublishedRecord.None, "UDP session");

        Assert.Equal(AdmissionVerdict.Refused, admission.Verdict);
        Assert.Null(admission.Header);
        Assert.StartsWith("UDP session ", admission.Reason, StringComparison.Ordinal);
    }
}
