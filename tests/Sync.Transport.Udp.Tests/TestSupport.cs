using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Sync.Transport.Udp.Tests;

/// <summary>A fresh directory per test, deleted afterwards.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "udp-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name, int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        string path = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class Ports
{
    /// <summary>A loopback UDP port nobody uses right now.</summary>
    public static IPEndPoint FreeLoopback()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }
}

/// <summary>Routes the carrier's log lines into the test output, so a failing test shows what the receiver saw.</summary>
internal sealed class TestLogger(ITestOutputHelper output, string name) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {name} {logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
        }
        catch (InvalidOperationException)
        {
            // The test already finished.
        }
    }
}

/// <summary>
/// Stand-ins for the agents' keys: an ECDSA P-256 key seals session tickets, as sync-outside's signing key does, and
/// the verifier accepts only its seals. Options built here carry them.
/// </summary>
internal static class TestTickets
{
    private static readonly ECDsa Key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private static readonly ECDsa OtherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public static SessionSigner Signer { get; } = ticket => Key.SignData(ticket, HashAlgorithmName.SHA256);

    /// <summary>A key the verifier does not trust.</summary>
    public static SessionSigner ForeignSigner { get; } = ticket => OtherKey.SignData(ticket, HashAlgorithmName.SHA256);

    public static SessionVerifier Verifier { get; } = (ticket, seal) =>
        Key.VerifyData(ticket, seal, HashAlgorithmName.SHA256) ? null : "not sealed by the trusted test key";

    public static UdpReceiveOptions Receive(IPEndPoint bind, string spool) => new(bind, spool) { Verifier = Verifier };

    public static UdpSendOptions Send(IPEndPoint destination, long rate) => new(destination, rate) { Signer = Signer };
}
