using Sync.Core.Streams;

namespace Sync.Protocol.Tests;

/// <summary>Frame streams as bytes, written by the production writer: what a bundle's parts or a spool file hold.</summary>
internal static class FrameStreams
{
    public static async Task<byte[]> EncodeAsync(IEnumerable<DeltaFrame> frames)
    {
        var stream = new MemoryStream();
        await using (var writer = PipeFrameWriter.Create(stream, leaveOpen: true))
        {
            foreach (var frame in frames)
            {
                await writer.WriteAsync(frame, CancellationToken.None);
            }

            await writer.FlushAsync(CancellationToken.None);
        }

        return stream.ToArray();
    }
}
