using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp;

/// <summary>
/// What is this? The outside end of the diode: sends one object (a spool file) as FEC-protected, interleaved,
/// paced UDP datagrams, with the descriptor repeated in announces so receivers can join late. Nothing ever comes
/// back. Each call to <see cref="SendAsync"/> is a session of its own, but one sender's sessions share window buffers
/// and the pacer's credit (what a late send thread still owes the link carries into the next session); the work runs
/// on two dedicated threads (encode, send) that have both ended when the returned task completes, cancelled or not.
/// </summary>
public sealed class UdpSender
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly BlockCodecFactory _codecs;
    private readonly SendWindowPool _windows = new();
    private readonly PacerCredit _credit = new();

    public UdpSender(ILogger logger, TimeProvider time)
        : this(logger, time, BlockCodecs.Production)
    {
    }

    internal UdpSender(ILogger logger, TimeProvider time, BlockCodecFactory codecs)
    {
        _logger = logger;
        _time = time;
        _codecs = codecs;
    }

    internal TimeProvider Time => _time;

    /// <summary>Transmits the object in <see cref="UdpSendOptions.Passes"/> passes, then returns.</summary>
    public async Task<UdpSendReport> SendAsync(string objectPath, ReadOnlyMemory<byte> descriptor, UdpSendOptions options, IProgress<UdpSendProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(objectPath);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using SafeFileHandle file = File.OpenHandle(objectPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = RandomAccess.GetLength(file);
        if (length > TicketCodec.MaxObjectBytes)
        {
            throw new ArgumentException($"object is {length} bytes; receivers accept at most {TicketCodec.MaxObjectBytes} (1 TiB)", nameof(objectPath));
        }

        byte[] sha256 = await FileReads.Sha256Async(file, length, cancellationToken).ConfigureAwait(false)
            ?? throw new IOException("the object file shrank while it was being hashed");
        await using var send = Prepare(file, 0, length, sha256, descriptor, options, progress);
        return await send.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets up the send of the <paramref name="length"/> bytes at <paramref name="offset"/> of <paramref name="file"/>,
    /// whose SHA-256 the caller computed: the ticket sealed, the socket open, the windows allocated, nothing sent yet.
    /// Fails here, before any packet, when the object or its ticket does not fit what receivers accept.
    /// </summary>
    internal PreparedSend Prepare(SafeFileHandle file, long offset, long length, byte[] sha256, ReadOnlyMemory<byte> descriptor, UdpSendOptions options, IProgress<UdpSendProgress>? progress)
    {
        options.Validate();
        if (descriptor.Length > TicketCodec.MaxDescriptorBytes)
        {
            throw new ArgumentException($"descriptor is {descriptor.Length} bytes; at most {TicketCodec.MaxDescriptorBytes}", nameof(descriptor));
        }

        if (length > TicketCodec.MaxObjectBytes)
        {
            throw new ArgumentException($"object is {length} bytes; receivers accept at most {TicketCodec.MaxObjectBytes} (1 TiB)", nameof(length));
        }

        options = options.ForObject(length);
        options.Validate();

        var layout = new ObjectLayout(length, options.SymbolSize, options.DataSymbolsPerBlock, options.Code);
        var schedule = new SymbolSchedule(layout, options.RepairPerPass, options.Interleave);
        ulong sessionId = options.SessionId ?? BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        long maxBlocks = FecCodes.MaxBlocks(options.Code);
        if (layout.BlockCount > maxBlocks)
        {
            throw new ArgumentException($"the object is cut into {layout.BlockCount} blocks; receivers accept at most {maxBlocks}: raise the MTU or k");
        }

        var announce = new AnnounceInfo(sessionId, length, sha256, layout.K, layout.SymbolSize, layout.BlockCount, options.Passes, schedule.RepairPerPass, descriptor.ToArray(), options.Code,
            options.Code == FecCode.ReedSolomon8 ? 0 : options.Interleave);
        byte[] sealedTicket = TicketCodec.Seal(announce, options.Signer, out int sealLength);

        // Fails here, before any packet, when the ticket cannot fit the announces.
        _ = AnnounceCodec.BuildDatagrams(sessionId, sealedTicket, sealLength, options.FirstPass, layout.SymbolSize, options.MacKey);

        UdpLog.SendStarting(_logger, sessionId, options.Destination.ToString(), length, layout.BlockCount, layout.K, schedule.RepairPerPass, FecCodes.Name(options.Code), options.Interleave, options.Passes, options.RateBitsPerSecond, options.DatagramSize);
        var socket = UdpSockets.CreateSender(options);
        try
        {
            var session = new SendSession(options, schedule, sessionId, sealedTicket, sealLength, file, offset, socket, _codecs, _logger, _time, progress, _windows, _credit);
            return new PreparedSend(session, socket, sessionId, _logger);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
