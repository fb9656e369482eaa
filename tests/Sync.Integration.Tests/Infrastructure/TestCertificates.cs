namespace Sync.Integration.Tests.Infrastructure;

/// <summary>
/// A private CA with a server certificate for 127.0.0.1 and a client certificate, plus a rogue CA with its own
/// client certificate, made with openssl the way an operator would.
/// </summary>
public sealed class TestCertificates
{
    private TestCertificates(string dir) => Dir = dir;

    public string Dir { get; }

    public string Ca => Path.Combine(Dir, "ca.pem");

    public string ServerCert => Path.Combine(Dir, "server.pem");

    public string ServerKey => Path.Combine(Dir, "server.key");

    public string ClientCert => Path.Combine(Dir, "client.pem");

    public string ClientKey => Path.Combine(Dir, "client.key");

    public string RogueCa => Path.Combine(Dir, "rogue-ca.pem");

    public string RogueClientCert => Path.Combine(Dir, "rogue-client.pem");

    public string RogueClientKey => Path.Combine(Dir, "rogue-client.key");

    public static async Task<TestCertificates> CreateAsync(string dir)
    {
        Directory.CreateDirectory(dir);
        var certs = new TestCertificates(dir);
        await Ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=sync test CA", "-keyout", Path.Combine(dir, "ca.key"), "-out", certs.Ca);
        await Ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=rogue CA", "-keyout", Path.Combine(dir, "rogue-ca.key"), "-out", certs.RogueCa);
        await Issue(dir, "ca", "server", "/CN=inside.test", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth");
        await Issue(dir, "ca", "client", "/CN=outside.test", "extendedKeyUsage=clientAuth");
        await Issue(dir, "rogue-ca", "rogue-client", "/CN=intruder.test", "extendedKeyUsage=clientAuth");
        return certs;
    }

    /// <summary>
    /// Another certificate issued by the test CA, with exactly <paramref name="extensions"/> (openssl extfile lines):
    /// for certificates that lack or misuse a key usage, or carry another subject. Returns the PEM and key paths.
    /// </summary>
    public async Task<(string Cert, string Key)> IssueAsync(string name, string subject, string extensions)
    {
        await Issue(Dir, "ca", name, subject, extensions);
        return (Path.Combine(Dir, name + ".pem"), Path.Combine(Dir, name + ".key"));
    }

    /// <summary>SHA-256 of a certificate's DER bytes, the value --tls-pin takes.</summary>
    public static async Task<string> PinOfAsync(string certificate)
    {
        var result = await Run.Ok(Run.Process("openssl", ["x509", "-in", certificate, "-noout", "-fingerprint", "-sha256"]));
        return result.Stdout.Trim().Split('=')[1];
    }

    /// <summary>SHA-256 of the server certificate's DER bytes, the value --tls-pin takes.</summary>
    public Task<string> ServerPinAsync() => PinOfAsync(ServerCert);

    private static async Task Issue(string dir, string ca, string name, string subject, string extensions)
    {
        var key = Path.Combine(dir, name + ".key");
        var csr = Path.Combine(dir, name + ".csr");
        var ext = Path.Combine(dir, name + ".ext");
        await File.WriteAllTextAsync(ext, extensions + "\n");
        await Ssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", subject, "-keyout", key, "-out", csr);
        await Ssl("x509", "-req", "-in", csr, "-CA", Path.Combine(dir, ca + ".pem"), "-CAkey", Path.Combine(dir, ca + ".key"), "-CAcreateserial",
            "-days", "2", "-extfile", ext, "-out", Path.Combine(dir, name + ".pem"));
    }

    private static Task Ssl(params string[] args) => Run.Ok(Run.Process("openssl", args));
}
