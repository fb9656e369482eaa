using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Sync.Transport.Grpc;

/// <summary>The "sync" health check behind grpc.health.v1: the agent's <see cref="IServingState"/>, if it registered one.</summary>
internal sealed class ServingHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(services.GetService<IServingState>()?.Problem() is { } problem ? HealthCheckResult.Unhealthy(problem) : HealthCheckResult.Healthy());
}
