using Sync.Attacks;

// sync-attacks: the attacker's side of scripts/attack.sh. Each command forges or sends what one attack needs and
// prints one line saying what it did; the script runs the real agents against it and judges the outcome.
const string Usage = """
    usage: sync-attacks COMMAND [options]
      forge-bundle --attack escape-chain --key KEY --drop DIR --generation N
      forge-bundle --attack patch-ops --key KEY --drop DIR --base-manifest FILE --generation N
      udp-capture --port-file FILE --out FILE [--quiet-seconds S]
      udp-forge --captured FILE --to HOST:PORT --attack huge|sessions|junk|replay [--count N] [--attacker-key KEY]
      grpc-holdings --url URL [--messages N]
      peak-rss --out FILE -- COMMAND [ARGS...]
      free-port udp|tcp
    """;

try
{
    if (args.Length == 0)
    {
        throw new UsageException("no command");
    }

    var options = new Arguments(args.Length > 1 && args[0] == "free-port" ? [] : args[1..]);
    return args[0] switch
    {
        "forge-bundle" => await BundleForger.RunAsync(options),
        "udp-capture" => await AnnounceCapture.RunAsync(options),
        "udp-forge" => AnnounceForger.Run(options),
        "grpc-holdings" => await HoldingsFlood.RunAsync(options),
        "peak-rss" => await PeakRss.RunAsync(options),
        "free-port" => FreePort.Run(args.Length > 1 ? args[1] : ""),
        _ => throw new UsageException($"unknown command '{args[0]}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"sync-attacks: usage: {e.Message}");
    Console.Error.Write(Usage);
    return 2;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or Sync.Core.SyncException or System.Net.Sockets.SocketException)
{
    Console.Error.WriteLine($"sync-attacks: error: {e.Message}");
    return 1;
}
