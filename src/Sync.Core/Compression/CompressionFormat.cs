namespace Sync.Core.Compression;

/// <summary>The containers the inside can rebuild an index in. The numbers travel on the wire: never renumber.</summary>
public enum CompressionFormat
{
    /// <summary>A gzip member (RFC 1952) around a raw deflate stream made by the system zlib.</summary>
    Gzip = 1,

    /// <summary>A zlib stream (RFC 1950) made by the system zlib.</summary>
    Zlib = 2,

    /// <summary>An .xz stream made by the system liblzma's single-threaded encoder.</summary>
    Xz = 3,
}
