using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace HpcRun.Registry.Tests;

/// <summary>Debian's docker-registry (the CNCF distribution registry) on 127.0.0.1, its storage and log in
/// <paramref name="dir"/>; <paramref name="extra"/> is YAML added to the configuration (tls, auth).</summary>
public sealed class RegistryServer : IDisposable
{
    private readonly Process process;

    public int Port { get; }
    public string Dir { get; }
    public string Log => Path.Combine(Dir, "registry.log");
    public string Host => $"127.0.0.1:{Port}";

    public RegistryServer(string dir, string httpExtra = "", string extra = "")
    {
        Dir = dir;
        Directory.CreateDirectory(dir);
        Port = FreePort();
        string config = Path.Combine(dir, "config.yml");
        File.WriteAllText(config, $"""
            version: 0.1
            log:
              level: info
              accesslog:
                disabled: false
            storage:
              filesystem:
                rootdirectory: {dir}/data
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{Port}
            {httpExtra}
            {extra}
            """);
        var info = new ProcessStartInfo("sh", ["-c", $"exec docker-registry serve {config} >{Log} 2>&1"])
        { UseShellExecute = false };
        process = Process.Start(info)!;
        for (int i = 0; i < 300 && !Listening(Port); i++) Thread.Sleep(50);
        if (!Listening(Port))
            throw new InvalidOperationException($"docker-registry did not start: {File.ReadAllText(Log)}");
    }

    /// <summary>The GET and HEAD requests the registry completed whose path contains <paramref name="part"/>.</summary>
    public int Requests(string part) => File.ReadAllLines(Log)
        .Count(l => (l.Contains("\"GET ") || l.Contains("\"HEAD ")) && l.Contains(part) && !l.Contains("level="));

    public void Kill()
    {
        if (!process.HasExited) process.Kill();
        process.WaitForExit();
    }

    public void Dispose() => Kill();

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool Listening(int port)
    {
        try { using var client = new TcpClient("127.0.0.1", port); return true; }
        catch (SocketException) { return false; }
    }
}
