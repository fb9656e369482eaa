using Sync.Core.Export;

namespace Sync.Engine.Outside;

/// <summary>
/// Handed to a carrier for one emission: the carrier calls the method of its commit policy at the one instant its
/// copy is durable but not yet visible, then <see cref="Visible"/>. The outside's state then records enough to
/// resolve an interruption at any point, and the engine knows whether a failure must abandon the generation.
/// </summary>
public sealed class EmissionRecord(PreparedExport prepared, OutsideState state, CommitPolicy policy)
{
    /// <summary>The carrier's copy is recorded in the state.</summary>
    public bool IsRecorded { get; private set; }

    /// <summary>An inside may hold the generation from here on, whatever happens next.</summary>
    public bool IsVisible { get; private set; }

    /// <summary>File drop: every part and the signed index are durable; the index is about to be renamed into place.</summary>
    public void BundleSealed(string indexName, byte[] indexBytes)
    {
        Expect(CommitPolicy.OnIndexWritten);
        prepared.RecordBundle(state, indexName, indexBytes);
        IsRecorded = true;
    }

    /// <summary>UDP: the stream is complete in the state's spool under a temporary name; it is about to get its final one.</summary>
    public void Spooled(string streamPath)
    {
        Expect(CommitPolicy.OnSent);
        prepared.MarkPending(state, streamPath);
        IsRecorded = true;
    }

    /// <summary>gRPC: the first frame is about to leave for an inside that answers; from here it may hold the generation.</summary>
    public void Sending()
    {
        Expect(CommitPolicy.OnAcknowledged);
        prepared.RecordSent(state);
        IsRecorded = true;
        IsVisible = true;
    }

    /// <summary>The carrier made its recorded copy visible (the index or the spool stream is under its final name).</summary>
    public void Visible()
    {
        if (!IsRecorded)
        {
            throw new InvalidOperationException("an emission becomes visible only after it was recorded");
        }

        IsVisible = true;
    }

    private void Expect(CommitPolicy expected)
    {
        if (expected != policy)
        {
            throw new InvalidOperationException($"a carrier that commits {policy} cannot record a {expected} emission");
        }

        if (IsRecorded)
        {
            throw new InvalidOperationException("the emission is recorded already");
        }
    }
}
