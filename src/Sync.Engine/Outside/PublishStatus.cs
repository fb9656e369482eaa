namespace Sync.Engine.Outside;

/// <summary>How one run of the <see cref="GenerationPublisher"/> ended.</summary>
public enum PublishStatus
{
    /// <summary>Nothing changed since the base (or the answering inside said it is current): nothing was emitted.</summary>
    UpToDate,

    /// <summary>File drop: the bundle's index is in the drop folder; committed.</summary>
    Delivered,

    /// <summary>UDP: the last pass has left; committed.</summary>
    Sent,

    /// <summary>gRPC: the inside said it published the generation.</summary>
    Published,

    /// <summary>gRPC: the inside answered something else (refused, busy, waiting, failed); not committed.</summary>
    NotPublished,
}
