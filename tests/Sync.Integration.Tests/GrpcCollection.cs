namespace Sync.Integration.Tests;

/// <summary>The gRPC tests run one after another: they move hundreds of MB and time nothing, but share two cores.</summary>
[CollectionDefinition("grpc")]
public sealed class GrpcCollection;
