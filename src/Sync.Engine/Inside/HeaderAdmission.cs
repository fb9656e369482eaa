using Microsoft.Extensions.Logging.Abstractions;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Streams;
using Sync.Core.Trust;

namespace Sync.Engine.Inside;

/// <summary>
/// Decides on a signed header before anything of its stream is read: applied before, trusted key and intact
/// signature, format, replay and order, base. The rules themselves are the domain's
/// (<see cref="GenerationReceiver.CheckHeader"/>, which every stream's first frame passes again); this turns them into
/// a verdict a carrier can act on without catching exceptions. Not thread-safe (its trust store is not): a carrier
/// that admits on another thread than it applies (the UDP decode loop) keeps an admission of its own.
/// </summary>
public sealed class HeaderAdmission(IWireCodec codec, TrustStore trust)
{
    private readonly GenerationReceiver _receiver = new(codec, trust, NullLogger.Instance);

    /// <param name="signed">The header as the carrier announced it (a bundle index, a UDP descriptor).</param>
    /// <param name="published">What the inside publishes now.</param>
    /// <param name="what">Names it in the reason, e.g. "bundle sync-g00000002-...".</param>
    /// <param name="wasApplied">The streams applied before, by id; checked first, on the header as claimed.</param>
    public Admission Admit(SignedPayload signed, PublishedRecord published, string what, Func<string, bool>? wasApplied = null)
    {
        var claimed = TryParse(signed);
        if (claimed is not null && wasApplied?.Invoke(claimed.StreamIdHex) == true)
        {
            return new Admission(AdmissionVerdict.AlreadyApplied, claimed, $"{what} was applied before");
        }

        try
        {
            return new Admission(AdmissionVerdict.Accept, _receiver.CheckHeader(signed, published, what), null);
        }
        catch (SyncException e) when (e.Kind == SyncErrorKind.MissingBase)
        {
            // Its signature checked out before the base did: the claimed header is the verified one.
            return new Admission(AdmissionVerdict.WaitForBase, claimed, e.Message);
        }
        catch (SyncException e) when (e.Kind == SyncErrorKind.Refused)
        {
            return new Admission(AdmissionVerdict.Refused, claimed, e.Message) { Refusal = e.Refusal };
        }
    }

    private DeltaHeader? TryParse(SignedPayload signed)
    {
        try
        {
            return codec.ParseHeader(signed.Payload);
        }
        catch (SyncException)
        {
            return null;
        }
    }
}
