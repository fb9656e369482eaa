namespace Sync.Core.Storage;

/// <summary>
/// Opens a file the outside reads from start to end (a source file to hash or diff, a compressed file to prove):
/// asynchronous, read ahead, and shared, so a repository tool writing or replacing the file meanwhile is not blocked.
/// </summary>
internal static class SequentialFile
{
    /// <param name="bufferSize">0 where the caller reads in large blocks of its own; a buffer where it reads small pieces or seeks.</param>
    public static FileStream OpenRead(string path, int bufferSize = 0) =>
        new(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
            BufferSize = bufferSize,
        });
}
