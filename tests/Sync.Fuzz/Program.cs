using SharpFuzz;

namespace Sync.Fuzz;

/// <summary>
/// sync-fuzz: the fuzz targets of every decoder that reads outside bytes.
///   list                        the targets, one a line
///   run TARGET                  one target under afl-fuzz (scripts/fuzz.sh): input on stdin, forkserver via SharpFuzz
///   replay TARGET PATH...       runs files (or every file of folders) through a target; exit 1 on a finding
///   seed CORPUS                 writes the seed corpus (real bundles, frames and state files) into CORPUS/TARGET/
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        try
        {
            return args switch
            {
                ["list"] => List(),
                ["run", var name] => Run(Target(name)),
                ["replay", var name, .. var paths] when paths.Length > 0 => await ReplayAsync(Target(name), paths).ConfigureAwait(false),
                ["seed", var corpus] => await SeedAsync(corpus).ConfigureAwait(false),
                _ => Usage(),
            };
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"sync-fuzz: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        finally
        {
            Scratch.Remove();
        }
    }

    private static FuzzTarget Target(string name) =>
        FuzzTargets.Find(name) ?? throw new ArgumentException($"no target '{name}' (sync-fuzz list names them)");

    private static int List()
    {
        foreach (var target in FuzzTargets.All)
        {
            Console.WriteLine($"{target.Name}\t{target.Decodes}");
        }

        return 0;
    }

    private static int Run(FuzzTarget target)
    {
        // SharpFuzz's forkserver loop takes a synchronous callback, so this is the one place that blocks on a task:
        // each input runs to completion on this thread before afl-fuzz gets its status.
        Fuzzer.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target.RunAsync(buffer.ToArray(), CancellationToken.None).GetAwaiter().GetResult();
        });
        return 0;
    }

    private static async Task<int> ReplayAsync(FuzzTarget target, string[] paths)
    {
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]).ToList();
        var findings = 0;
        foreach (var file in files)
        {
            try
            {
                var refusal = await target.RunAsync(await File.ReadAllBytesAsync(file).ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false);
                Console.WriteLine($"{file}: {refusal ?? "accepted"}");
            }
            catch (Exception e)
            {
                findings++;
                Console.WriteLine($"{file}: {e.GetType().Name}: {e.Message}");
                Console.WriteLine(e.StackTrace);
            }
        }

        Console.WriteLine($"{target.Name}: {files.Count} input(s), {findings} finding(s)");
        return findings == 0 ? 0 : 1;
    }

    private static async Task<int> SeedAsync(string corpus)
    {
        var written = await SeedCorpus.WriteAsync(corpus, CancellationToken.None).ConfigureAwait(false);
        Console.WriteLine($"wrote {written} seed file(s) into {corpus}");
        return 0;
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: sync-fuzz list | run TARGET | replay TARGET PATH... | seed CORPUS");
        return 2;
    }
}
