using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Sync.Core.Tests.Compression;

/// <summary>Generated Packages text, and the real tools run on it, for the compression tests.</summary>
internal static class IndexFiles
{
    /// <summary>A Packages file of <paramref name="count"/> stanzas, shaped like reprepro's (deterministic).</summary>
    public static byte[] Packages(int count, int seed = 1)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"pkg{i:D5}-{random.Next(1000)}");
            text.Append(CultureInfo.InvariantCulture, $"Package: {name}\nVersion: 1.{random.Next(50)}-{random.Next(9)}\nArchitecture: amd64\n")
                .Append(CultureInfo.InvariantCulture, $"Maintainer: Example Maintainer <m{random.Next(300)}@example.org>\nInstalled-Size: {random.Next(40000)}\n")
                .Append(CultureInfo.InvariantCulture, $"Depends: libc6 (>= 2.{random.Next(40)}), lib{random.Next(900)}\nPriority: optional\nSection: utils\n")
                .Append(CultureInfo.InvariantCulture, $"Filename: pool/main/{name[0]}/{name}/{name}_1.0_amd64.deb\nSize: {random.Next(1 << 20)}\n")
                .Append(CultureInfo.InvariantCulture, $"SHA256: {Convert.ToHexStringLower(BitConverter.GetBytes(random.NextInt64()))}{new string('a', 48)}\n")
                .Append(CultureInfo.InvariantCulture, $"Description: generated package number {i}\n extended line {random.Next()}\n\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Runs a tool with stdin from a file and stdout to a file; throws with its stderr when it fails.</summary>
    public static async Task RunAsync(string tool, string arguments, string? stdinPath = null, string? stdoutPath = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(tool, arguments)
        {
            RedirectStandardInput = stdinPath is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        using var process = Process.Start(info)!;
        var copyIn = stdinPath is null ? Task.CompletedTask : CopyInAsync(process, stdinPath);
        var error = process.StandardError.ReadToEndAsync();
        if (stdoutPath is not null)
        {
            await using var output = File.Create(stdoutPath);
            await process.StandardOutput.BaseStream.CopyToAsync(output);
        }
        else
        {
            await process.StandardOutput.ReadToEndAsync();
        }

        await copyIn;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {arguments} failed ({process.ExitCode}): {await error}");
        }
    }

    private static async Task CopyInAsync(Process process, string path)
    {
        await using (var input = File.OpenRead(path))
        {
            await input.CopyToAsync(process.StandardInput.BaseStream);
        }

        process.StandardInput.Close();
    }
}
