using System.Text;

namespace Sync.Core.Trust;

/// <summary>
/// Key files on disk, in the encodings every tool reads: the private key as PKCS#8 PEM ("PRIVATE KEY", mode 0600),
/// the public key as SubjectPublicKeyInfo PEM ("PUBLIC KEY", mode 0644). Modes are set explicitly, so the umask
/// of whoever ran keygen never decides who can read the private key or whether the inside's operator can copy the
/// public one.
/// </summary>
internal static class KeyFile
{
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode PublicMode = PrivateMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>A PEM key is a few hundred bytes; anything much larger is not a key file.</summary>
    private const int MaxBytes = 64 << 10;

    private const string Begin = "-----BEGIN ";

    /// <summary>
    /// The label of the first PEM block ("PUBLIC KEY", "PRIVATE KEY", ...), read line by line and no further than its
    /// BEGIN line, so a caller can refuse a private key before any of its secret lines is read. Null when the file
    /// has no PEM block within its first 64 KiB.
    /// </summary>
    public static string? FirstLabel(string path, string what)
    {
        try
        {
            // Unbuffered, one byte at a time: the read stops at the end of the BEGIN line, not at a buffer's end.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            var line = new StringBuilder();
            for (var read = 0; read < MaxBytes; read++)
            {
                var b = stream.ReadByte();
                if (b is < 0 or '\n')
                {
                    var text = line.ToString().TrimEnd('\r');
                    if (text.StartsWith(Begin, StringComparison.Ordinal) && text.EndsWith("-----", StringComparison.Ordinal) && text.Length > Begin.Length + 5)
                    {
                        return text[Begin.Length..^5];
                    }

                    if (b < 0)
                    {
                        return null;
                    }

                    line.Clear();
                }
                else if (line.Length < 256)
                {
                    line.Append((char)b);
                }
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SyncException.Usage($"cannot read {what} '{path}': {e.Message}");
        }
    }

    /// <summary>Reads the whole (small) key file once its label was found acceptable.</summary>
    public static string ReadAll(string path, string what)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            if (stream.Length > MaxBytes)
            {
                throw SyncException.Usage($"{what} '{path}' is {stream.Length} bytes, too large to be a key");
            }

            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return Encoding.ASCII.GetString(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SyncException.Usage($"cannot read {what} '{path}': {e.Message}");
        }
    }

    public static bool IsPrivateLabel(string label) => label.EndsWith("PRIVATE KEY", StringComparison.Ordinal);

    /// <summary>
    /// Writes a new key file under a temporary name with exactly <paramref name="mode"/>, makes it durable, then moves
    /// it into place: a crash never leaves half a key, and without <paramref name="overwrite"/> an existing file stays.
    /// </summary>
    public static void Write(string path, string pem, UnixFileMode mode, bool overwrite)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = PrivateMode & mode };
            using (var stream = new FileStream(temp, options))
            {
                // chmod is not filtered by the umask, unlike the mode given to open().
                File.SetUnixFileMode(stream.SafeFileHandle, mode);
                stream.Write(Encoding.ASCII.GetBytes(pem.EndsWith('\n') ? pem : pem + "\n"));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite);
            Posix.Posix.FsyncDirectory(directory);
        }
        catch (IOException) when (!overwrite && File.Exists(full))
        {
            TryDelete(temp);
            throw SyncException.Usage($"'{path}' already exists; refusing to overwrite a key (--force replaces it)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw SyncException.Usage($"cannot write key file '{path}': {e.Message}");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temporary file is never read as a key.
        }
    }
}
