namespace Sync.Transport.Udp.Internal;

/// <summary>One GF(2^16) block shape the planner tried: domain, first-pass window, k, repairs, interleave depth, its risk and memory.</summary>
internal sealed record LargeBlockShape(
    int Domain, int Window, int K, int Repair, int Depth, int Symbol, double BlockFailure, double GigabyteFailure, long SenderMemory, long ReceiverMemory)
{
    public double Overhead => (double)Repair / K;
}
