using Sync.Core;

namespace Sync.Fuzz;

/// <summary>
/// What is this? One decoder that reads bytes from outside the process, driven the way the product drives it: parse,
/// and where parsing succeeds, do what the product does next (validate, apply limits, use the values). Only the
/// refusals the product catches and reports (<see cref="SyncException"/> by default) are fine; any other exception,
/// and an allocation far out of proportion to the input, is a finding. Called by afl-fuzz through
/// <see cref="Program"/>, and by the in-process replay test; one input at a time.
/// </summary>
internal abstract class FuzzTarget
{
    /// <summary>Bytes a run may allocate regardless of its input (pooled buffers, a fixed base, a scratch state).</summary>
    private const long AllocationAllowance = 32L << 20;

    /// <summary>Bytes a run may allocate per input byte on top of the allowance: decoders copy what they keep, a few times.</summary>
    private const long AllocationPerInputByte = 64;

    /// <summary>The name scripts/fuzz.sh and the corpus folder use.</summary>
    public abstract string Name { get; }

    /// <summary>What is decoded, for the target list and docs/fuzzing.md.</summary>
    public abstract string Decodes { get; }

    /// <summary>
    /// Runs one input; throws <see cref="FuzzFinding"/> or the unexpected exception itself for a finding. Returns the
    /// refusal's message, or null when the product accepted the input (the seeds must be accepted: that is how the
    /// replay test knows a target reaches past its first check).
    /// </summary>
    public async Task<string?> RunAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        long before = GC.GetTotalAllocatedBytes(precise: false);
        string? refusal = null;
        try
        {
            await ExerciseAsync(input, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRefusal(e))
        {
            // The product reports this as one line and a non-zero exit (or a counted, dropped datagram).
            refusal = e.Message;
        }

        long allocated = GC.GetTotalAllocatedBytes(precise: false) - before;
        long budget = AllocationAllowance + (AllocationPerInputByte * input.Length);
        if (allocated > budget)
        {
            throw new FuzzFinding($"{Name}: {input.Length} input bytes made the decoder allocate {allocated} bytes (budget {budget}): a limit comes after an allocation");
        }

        return refusal;
    }

    protected abstract Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken);

    /// <summary>The exceptions the product catches for this decoder and turns into a refusal.</summary>
    protected virtual bool IsRefusal(Exception exception) => exception is SyncException;
}
