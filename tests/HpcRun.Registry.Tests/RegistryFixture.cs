using System.Security.Cryptography;
using System.Text.Json.Nodes;
using HpcRun.TestSupport;

namespace HpcRun.Registry.Tests;

/// <summary>
/// The registries every test of the collection shares: <see cref="Plain"/> (HTTP, no auth) and <see cref="Secure"/>
/// (TLS with a CA made here, htpasswd basic auth), both real docker-registry instances on 127.0.0.1, with images
/// pushed by skopeo from OCI layouts made by umoci: test/app:1 (busybox, then /data/kept and /data/gone, then a
/// whiteout of /data/gone; Env, Cmd, WorkingDir, a label), test/multi:1 (an index with linux/amd64 and linux/arm64
/// entries), test/armonly:1 (linux/arm64 only), private/app:1 on the secure one and tls/app:1 on <see cref="Tls"/>.
/// </summary>
public sealed class RegistryFixture : IDisposable
{
    public const string User = "physicist", Password = "s3cret-pass";

    public string Dir { get; } = MakeDir();
    public string Layout { get; }
    public string CaFile { get; }
    public RegistryServer Plain { get; }
    public RegistryServer Secure { get; }
    /// <summary>TLS (<see cref="CaFile"/>'s certificate for 127.0.0.1), no auth: what a warm launch asks
    /// itself.</summary>
    public RegistryServer Tls { get; }
    /// <summary>HTTP, bearer tokens from <see cref="Issuer"/> (anonymous): the flow of Docker Hub, GHCR,
    /// Quay.</summary>
    public RegistryServer Tokens { get; }
    public TokenIssuer Issuer { get; }

    public RegistryFixture()
    {
        Layout = Path.Combine(Dir, "layout");
        MakeLayout(Layout);
        CaFile = MakeCertificates(Dir);
        TestEnvironment.RunChecked("htpasswd", "-Bbc", Path.Combine(Dir, "htpasswd"), User, Password);
        Plain = new RegistryServer(Path.Combine(Dir, "plain"));
        string tls = $"""
              tls:
                certificate: {Dir}/server.crt
                key: {Dir}/server.key
            """;
        Tls = new RegistryServer(Path.Combine(Dir, "tls"), tls);
        Secure = new RegistryServer(Path.Combine(Dir, "secure"), tls, $"""
            auth:
              htpasswd:
                realm: hpcrun-test
                path: {Dir}/htpasswd
            """);
        string issuerCertificate = Path.Combine(Dir, "issuer.crt");
        Issuer = new TokenIssuer(issuerCertificate);
        Tokens = new RegistryServer(Path.Combine(Dir, "tokens"), "", Issuer.RegistryAuth(issuerCertificate));
        Push("app", $"{Plain.Host}/test/app:1");
        Push("app", $"{Tokens.Host}/public/app:1");
        Push("arm", $"{Plain.Host}/test/armonly:1");
        Push("multi", $"{Plain.Host}/test/multi:1", all: true);
        Push("app", $"{Secure.Host}/private/app:1", secure: true);
        Push("app", $"{Tls.Host}/tls/app:1");
    }

    /// <summary>docker://HOST/NAME:TAG on the plain registry.</summary>
    public string PlainRef(string name) => $"docker://{Plain.Host}/{name}";

    public void Dispose()
    {
        Plain.Dispose();
        Tls.Dispose();
        Secure.Dispose();
        Tokens.Dispose();
        Issuer.Dispose();
        TestEnvironment.RunChecked("rm", "-rf", Dir);
    }

    private void Push(string tag, string destination, bool all = false, bool secure = false)
    {
        List<string> args = ["copy", "--quiet", "--dest-tls-verify=false"];
        if (secure) args.Add($"--dest-creds={User}:{Password}");
        if (all) args.Add("--all");
        TestEnvironment.RunChecked("skopeo", [.. args, $"oci:{Layout}:{tag}", $"docker://{destination}"]);
    }

    private static void Umoci(params string[] args) => TestEnvironment.RunChecked("umoci", args);

    /// <summary>Tags app (3 layers, a whiteout, a config), arm (app's layers, config for linux/arm64), moved (app's
    /// layers, another GREETING) and multi (an index of app and arm).</summary>
    private static void MakeLayout(string layout)
    {
        string bundle = layout + ".bundle";
        Umoci("init", "--layout", layout);
        Umoci("new", "--image", $"{layout}:app");
        Umoci("unpack", "--rootless", "--image", $"{layout}:app", bundle);
        string rootfs = Path.Combine(bundle, "rootfs");
        TestEnvironment.RunChecked("cp", "-a", $"{TestImages.BusyboxTree}/.", rootfs);
        Umoci("repack", "--image", $"{layout}:app", bundle);
        Directory.CreateDirectory(Path.Combine(rootfs, "data"));
        File.WriteAllText(Path.Combine(rootfs, "data", "kept"), "kept\n");
        File.WriteAllText(Path.Combine(rootfs, "data", "gone"), "gone\n");
        Umoci("repack", "--image", $"{layout}:app", bundle);
        File.Delete(Path.Combine(rootfs, "data", "gone"));
        Umoci("repack", "--image", $"{layout}:app", bundle);
        Umoci("config", "--image", $"{layout}:app", "--config.env", "GREETING=hello from the registry",
            "--config.workingdir", "/data", "--config.cmd", "/bin/cat", "--config.cmd", "/data/kept",
            "--config.label", "org.example.team=physics");
        Umoci("config", "--image", $"{layout}:app", "--tag", "arm", "--architecture", "arm64");
        Umoci("config", "--image", $"{layout}:app", "--tag", "moved", "--config.env", "GREETING=moved");
        TestEnvironment.RunChecked("rm", "-rf", bundle);
        AddIndex(layout, "multi", ("app", "amd64"), ("arm", "arm64"));
    }

    /// <summary>Adds an image index tagged <paramref name="tag"/> over the manifests of <paramref name="entries"/>
    /// (tag, architecture), as a multi-platform image's.</summary>
    private static void AddIndex(string layout, string tag, params (string Tag, string Architecture)[] entries)
    {
        string indexPath = Path.Combine(layout, "index.json");
        JsonNode index = JsonNode.Parse(File.ReadAllText(indexPath))!;
        JsonArray manifests = index["manifests"]!.AsArray();
        var items = new JsonArray();
        foreach ((string entryTag, string architecture) in entries)
        {
            JsonNode m = manifests.First(m =>
                (string?)m!["annotations"]?["org.opencontainers.image.ref.name"] == entryTag)!;
            items.Add((JsonNode)new JsonObject
            {
                ["mediaType"] = (string?)m["mediaType"],
                ["digest"] = (string?)m["digest"],
                ["size"] = (long)m["size"]!,
                ["platform"] = new JsonObject { ["architecture"] = architecture, ["os"] = "linux" },
            });
        }
        byte[] blob = System.Text.Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = items,
        }.ToJsonString());
        string hex = Convert.ToHexStringLower(SHA256.HashData(blob));
        File.WriteAllBytes(Path.Combine(layout, "blobs", "sha256", hex), blob);
        manifests.Add((JsonNode)new JsonObject
        {
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["digest"] = $"sha256:{hex}",
            ["size"] = blob.Length,
            ["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag },
        });
        File.WriteAllText(indexPath, index.ToJsonString());
    }

    /// <summary>A CA and a server certificate for 127.0.0.1 signed by it (openssl); returns the CA's file.</summary>
    private static string MakeCertificates(string dir)
    {
        string Run(params string[] args) => TestEnvironment.RunChecked("openssl", args);
        Run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=hpcrun test CA",
            "-keyout", $"{dir}/ca.key", "-out", $"{dir}/ca.crt");
        Run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", $"{dir}/server.key",
            "-out", $"{dir}/server.csr");
        File.WriteAllText($"{dir}/san.ext", "subjectAltName=IP:127.0.0.1\n");
        Run("x509", "-req", "-in", $"{dir}/server.csr", "-CA", $"{dir}/ca.crt", "-CAkey", $"{dir}/ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", $"{dir}/san.ext", "-out", $"{dir}/server.crt");
        return $"{dir}/ca.crt";
    }

    private static string MakeDir()
    {
        string dir = Path.Combine(TestImages.Dir, $"registry-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        return dir;
    }
}

[CollectionDefinition(Name)]
public sealed class RegistryCollection : ICollectionFixture<RegistryFixture>
{
    public const string Name = "registry";
}
