using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Sync.Core;

namespace Sync.Transport.Grpc;

/// <summary>
/// The client certificate subjects a server lets sync (<c>--allow-subject</c>, <c>--allow-subject-file</c>): a
/// certificate the CA issued is not enough when the CA also issues certificates for other purposes. Subjects are
/// compared as distinguished names (RFC 4514 text, most specific first, as <c>openssl x509 -noout -subject -nameopt
/// RFC2253</c> prints them), whatever their spacing, case and string encoding. Empty means any certificate of the CA.
/// </summary>
public sealed class SubjectAllowList
{
    private readonly HashSet<string> _subjects;

    private SubjectAllowList(HashSet<string> subjects) => _subjects = subjects;

    public static SubjectAllowList Anyone { get; } = new(new HashSet<string>(StringComparer.OrdinalIgnoreCase));

    public bool IsEmpty => _subjects.Count == 0;

    public int Count => _subjects.Count;

    /// <summary>Subjects given on the command line plus those in <paramref name="file"/> (one a line, '#' starts a comment).</summary>
    public static SubjectAllowList From(IEnumerable<string> subjects, string? file)
    {
        var all = subjects.Select(s => (Text: s, Where: "--allow-subject")).ToList();
        if (file is not null)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw SyncException.Usage($"cannot read --allow-subject-file '{file}': {e.Message}");
            }

            all.AddRange(lines.Select((line, i) => (Text: line.Split('#', 2)[0].Trim(), Where: $"{file} line {i + 1}")).Where(s => s.Text.Length > 0));
            if (all.Count == 0)
            {
                throw SyncException.Usage($"--allow-subject-file '{file}' names no subject: nobody could sync");
            }
        }

        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (text, where) in all)
        {
            set.Add(Parse(text, where));
        }

        return new SubjectAllowList(set);
    }

    /// <summary>The subject as this list compares it: .NET's RFC 4514-style rendering of the encoded name.</summary>
    public static string Normalize(X500DistinguishedName name) => name.Decode(X500DistinguishedNameFlags.UseCommas | X500DistinguishedNameFlags.Reversed);

    /// <summary>True when the list is empty or names <paramref name="certificate"/>'s subject.</summary>
    public bool Admits(X509Certificate2 certificate) => IsEmpty || _subjects.Contains(Normalize(certificate.SubjectName));

    /// <summary>
    /// Ends a call from a client whose certificate is not listed with PermissionDenied, logging one line that names
    /// its subject. Anonymous calls pass: the server was started to admit them (or serves loopback only).
    /// </summary>
    public void Demand(ServerCallContext context, ILogger logger)
    {
        if (IsEmpty || context.GetHttpContext().Connection.ClientCertificate is not { } certificate || Admits(certificate))
        {
            return;
        }

        var subject = CertificateFiles.SubjectOf(certificate);
        GrpcLog.SubjectNotAllowed(logger, context.Peer, subject);
        throw new RpcException(new Status(StatusCode.PermissionDenied, $"the certificate's subject {subject} is not allowed to sync here"));
    }

    private static string Parse(string text, string where)
    {
        X500DistinguishedName name;
        try
        {
            name = new X500DistinguishedName(text.Trim());
        }
        catch (CryptographicException)
        {
            throw SyncException.Usage($"{where}: '{text}' is not a distinguished name; write it as 'CN=outside-1,O=Example' (openssl x509 -noout -subject -nameopt RFC2253)");
        }

        return name.RawData.Length > 2
            ? Normalize(name)
            : throw SyncException.Usage($"{where}: '{text}' is an empty distinguished name");
    }
}
