using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Hands complete objects over, each on a task of its own so a slow handler never stalls the decode loop: trims the
/// object to its length, checks its SHA-256, calls the receiver's handler, records the session as finished and deletes
/// its spool. A mismatch deletes the spool (the session is received again); a failure leaves it for a later try.
/// Started by the decode loop; the tasks run on the thread pool.
/// </summary>
internal sealed class ObjectCompletion(
    Func<ReceivedObject, CancellationToken, Task<ObjectDisposition>> onComplete, FinishedSessions finished, RetrySchedule retry,
    Action<ulong> forget, UdpReceiverStats stats, ILogger logger, TimeProvider time)
{
    private readonly ConcurrentDictionary<ulong, Task> _completing = new();

    /// <summary>Whether the session's object is being handed over.</summary>
    public bool Contains(ulong id) => _completing.ContainsKey(id);

    /// <summary>
    /// Starts handing over the object of a closed session; <paramref name="hasher"/> (the digest computed while the
    /// object arrived, if any) now belongs to the hand-over.
    /// </summary>
    public void Start(AnnounceInfo info, string directory, string path, ObjectHasher? hasher, CancellationToken cancellationToken)
    {
        // The gate keeps the task from finishing (and removing its entry) before the entry exists.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _completing[info.SessionId] = CompleteAsync(info, directory, path, hasher, gate.Task, cancellationToken);
        gate.SetResult();
    }

    /// <summary>Waits for the hand-overs in flight (they see the cancellation).</summary>
    public Task WhenAll() => Task.WhenAll(_completing.Values);

    private async Task CompleteAsync(AnnounceInfo info, string directory, string path, ObjectHasher? hasher, Task gate, CancellationToken cancellationToken)
    {
        try
        {
            await gate.ConfigureAwait(false);
            if (!await VerifyAsync(path, info, hasher, cancellationToken).ConfigureAwait(false))
            {
                UdpLog.HashMismatch(logger, info.SessionId);
                UdpReceiverStats.Add(ref stats._hashMismatches);
                Directory.Delete(directory, recursive: true);
                return;
            }

            UdpLog.SessionComplete(logger, info.SessionId, info.ObjectLength, path);
            ObjectDisposition disposition = await onComplete(new ReceivedObject(info.SessionId, path, info.Descriptor, info.ObjectLength), cancellationToken).ConfigureAwait(false);
            finished.Add(info.SessionId, disposition, time.GetUtcNow());
            forget(info.SessionId);
            UdpReceiverStats.Add(ref stats._sessionsCompleted);
            UdpLog.SessionFinished(logger, info.SessionId, disposition.ToString());
            Directory.Delete(directory, recursive: true);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The spool stays complete; the next run offers it again when the session is announced.
        }
        catch (Exception e)
        {
            UdpLog.CompletionFailed(logger, e, info.SessionId);
            retry.Defer(info.SessionId);
        }
        finally
        {
            if (hasher is not null)
            {
                await hasher.DisposeAsync().ConfigureAwait(false);
            }

            _completing.TryRemove(info.SessionId, out _);
        }
    }

    /// <summary>
    /// Trims the object to its length and checks its SHA-256: the digest the hasher computed while the object arrived
    /// when it has one, else by reading the file again.
    /// </summary>
    private static async Task<bool> VerifyAsync(string path, AnnounceInfo info, ObjectHasher? hasher, CancellationToken cancellationToken)
    {
        using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        RandomAccess.SetLength(file, info.ObjectLength);
        byte[]? digest = hasher is null ? null : await hasher.DigestAsync(cancellationToken).ConfigureAwait(false);
        if (digest is not null)
        {
            return CryptographicOperations.FixedTimeEquals(digest, info.Sha256);
        }

        return await FileReads.Sha256Async(file, info.ObjectLength, cancellationToken).ConfigureAwait(false) is { } reread
            && CryptographicOperations.FixedTimeEquals(reread, info.Sha256);
    }
}
