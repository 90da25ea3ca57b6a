using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Web;

namespace HpcRun.Registry.Tests;

/// <summary>
/// A bearer-token issuer as Docker's "Token Authentication Specification" describes it (what Docker Hub's
/// auth.docker.io does): GET /token?service=S&amp;scope=repository:NAME:ACTIONS answers {"token": JWT}, an RS256 JWT
/// whose x5c header carries the certificate the registry trusts (its rootcertbundle), granting what was asked.
/// Anonymous; it counts the requests that came with basic credentials.
/// </summary>
public sealed class TokenIssuer : IDisposable
{
    public const string Service = "hpcrun-test-registry", Issuer = "hpcrun-test-issuer";

    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly RSA key = RSA.Create(2048);
    private readonly X509Certificate2 certificate;
    private int requests;

    public int Requests => Volatile.Read(ref requests);
    public string Realm => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/token";

    public TokenIssuer(string certificateFile)
    {
        var request = new CertificateRequest("CN=hpcrun test token issuer", key, HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1);
        certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        listener.Start();
        _ = Task.Run(Serve);
    }

    /// <summary>The registry's `auth:` section for this issuer.</summary>
    public string RegistryAuth(string certificateFile) => $"""
        auth:
          token:
            realm: {Realm}
            service: {Service}
            issuer: {Issuer}
            rootcertbundle: {certificateFile}
        """;

    private async Task Serve()
    {
        while (true)
        {
            Socket client;
            try { client = await listener.AcceptSocketAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(() => Answer(client));
        }
    }

    private void Answer(Socket client)
    {
        using (client)
        {
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n") && client.Receive(one) == 1) head.Append((char)one[0]);
            Interlocked.Increment(ref requests);
            string target = head.ToString().Split(' ')[1];
            var query = HttpUtility.ParseQueryString(target.Contains('?') ? target[(target.IndexOf('?') + 1)..] : "");
            string body = new JsonObject { ["token"] = Token(query.GetValues("scope") ?? []) }.ToJsonString();
            client.Send(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" +
                $"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"));
        }
    }

    private string Token(string[] scopes)
    {
        var access = new JsonArray();
        foreach (string scope in scopes)
            if (scope.Split(':') is ["repository", var name, var actions])
                access.Add((JsonNode)new JsonObject
                {
                    ["type"] = "repository",
                    ["name"] = name,
                    ["actions"] = new JsonArray([.. actions.Split(',').Select(a => (JsonNode)a)]),
                });
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string header = Base64Url(new JsonObject
        {
            ["typ"] = "JWT",
            ["alg"] = "RS256",
            ["x5c"] = new JsonArray(Convert.ToBase64String(certificate.RawData)),
        }.ToJsonString());
        string claims = Base64Url(new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = "",
            ["aud"] = Service,
            ["exp"] = now + 600,
            ["nbf"] = now - 60,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        }.ToJsonString());
        byte[] signature = key.SignData(Encoding.ASCII.GetBytes($"{header}.{claims}"), HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1);
        return $"{header}.{claims}.{Base64Url(signature)}";
    }

    private static string Base64Url(string text) => Base64Url(Encoding.UTF8.GetBytes(text));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose()
    {
        listener.Stop();
        key.Dispose();
        certificate.Dispose();
    }
}
