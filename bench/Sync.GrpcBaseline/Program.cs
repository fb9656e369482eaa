// sync-grpc-baseline serve PORT DIR   |   sync-grpc-baseline send URL TREE
// Streams every file of TREE as 1 MiB pieces to a server that writes them under DIR and syncs the file system
// before answering: the ceiling our push is measured against (same loopback, same HTTP/2 windows, same Kestrel
// memory pool and runtime settings as the agents; no planning, hashing or staging, and page-cache writes).
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Sync.GrpcBaseline;
using Sync.Transport.Grpc;

if (args is ["serve", var portText, var dir])
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.ConfigureKestrel(k =>
    {
        k.Limits.Http2.InitialStreamWindowSize = GrpcLimits.StreamWindowBytes;
        k.Limits.Http2.InitialConnectionWindowSize = GrpcLimits.ConnectionWindowBytes;
        k.ListenLocalhost(int.Parse(portText), o => o.Protocols = HttpProtocols.Http2);
    });
    builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = GrpcLimits.MaxMessageBytes);
    builder.Services.AddSingleton<Microsoft.AspNetCore.Connections.IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();
    builder.Services.AddSingleton(new Target(dir));
    var app = builder.Build();
    app.MapGrpcService<BareService>();
    await app.RunAsync();
    return 0;
}

if (args is ["send", var url, var tree])
{
    using var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { InitialHttp2StreamWindowSize = GrpcLimits.StreamWindowBytes },
        MaxSendMessageSize = GrpcLimits.MaxMessageBytes,
    });
    var clock = Stopwatch.StartNew();
    using var call = new Bare.BareClient(channel).Upload();
    var buffer = new byte[1 << 20];
    foreach (var file in Directory.EnumerateFiles(tree, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
    {
        await using var input = File.OpenRead(file);
        var path = Path.GetRelativePath(tree, file);
        int read;
        var first = true;
        while ((read = await input.ReadAsync(buffer)) > 0 || first)
        {
            await call.RequestStream.WriteAsync(new Piece { Path = first ? path : string.Empty, Data = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, read)) });
            first = false;
        }
    }

    await call.RequestStream.CompleteAsync();
    var done = await call;
    Console.WriteLine($"{done.Bytes} bytes in {clock.Elapsed.TotalSeconds:F2} s");
    return 0;
}

Console.Error.WriteLine("usage: sync-grpc-baseline serve PORT DIR | send URL TREE");
return 2;

internal sealed record Target(string Directory);

internal sealed class BareService(Target target) : Bare.BareBase
{
    public override async Task<Done> Upload(IAsyncStreamReader<Piece> requestStream, ServerCallContext context)
    {
        FileStream? output = null;
        ulong bytes = 0;
        try
        {
            await foreach (var piece in requestStream.ReadAllAsync(context.CancellationToken))
            {
                if (piece.Path.Length > 0)
                {
                    if (output is not null)
                    {
                        await output.DisposeAsync();
                    }

                    var path = Path.Combine(target.Directory, piece.Path);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 0);
                }

                await output!.WriteAsync(piece.Data.Memory, context.CancellationToken);
                bytes += (ulong)piece.Data.Length;
            }
        }
        finally
        {
            if (output is not null)
            {
                await output.DisposeAsync();
            }
        }

        using var sync = Process.Start("sync")!;
        await sync.WaitForExitAsync();
        return new Done { Bytes = bytes };
    }
}
