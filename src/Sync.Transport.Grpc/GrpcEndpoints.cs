using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Protocol;

namespace Sync.Transport.Grpc;

/// <summary>
/// What a serving agent registers and maps for its end of the sync, so the generated service types stay inside the
/// transport: `sync-inside serve` answers Push calls, `sync-outside serve` answers Pull calls, one sync at a time
/// (a caller waits up to the gate's wait, then hears the other end is busy).
/// </summary>
public static class GrpcEndpoints
{
    public static IServiceCollection AddInsideEndpoint(this IServiceCollection services, InsideTarget target, TrustStore trust, TimeSpan busyWait)
    {
        services.AddSingleton<IWireCodec, ProtobufWireCodec>();
        services.AddSingleton(target);
        services.AddSingleton(sp => new InsideSession(
            sp.GetRequiredService<IWireCodec>(), trust, sp.GetRequiredService<ILogger<InsideSession>>(), sp.GetRequiredService<TimeProvider>(),
            new SyncGate(busyWait, sp.GetRequiredService<TimeProvider>())));
        return services;
    }

    public static IServiceCollection AddOutsideEndpoint(this IServiceCollection services, OutsideSource source, TimeSpan busyWait)
    {
        services.AddSingleton<IWireCodec, ProtobufWireCodec>();
        services.AddSingleton(source);
        services.AddSingleton(sp => new OutsideSession(
            sp.GetRequiredService<IWireCodec>(), sp.GetRequiredService<ILogger<OutsideSession>>(), sp.GetRequiredService<TimeProvider>(),
            new SyncGate(busyWait, sp.GetRequiredService<TimeProvider>())));
        return services;
    }

    public static WebApplication MapInsideEndpoint(this WebApplication app)
    {
        app.MapGrpcService<InsideEndpointService>();
        return app;
    }

    public static WebApplication MapOutsideEndpoint(this WebApplication app)
    {
        app.MapGrpcService<OutsideEndpointService>();
        return app;
    }
}
