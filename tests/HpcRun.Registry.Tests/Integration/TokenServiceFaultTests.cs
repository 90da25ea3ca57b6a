using System.Net;
using System.Net.Sockets;
using HpcRun.TestSupport;

namespace HpcRun.Registry.Tests.Integration;

/// <summary>A registry whose Bearer challenge sends hpcrun to a token service (the realm) that is down, silent,
/// failing or refusing: the one line names that service (its host:port) as the registry's token service, not the
/// registry, which answered; the status is the fault's, and nothing is left.</summary>
public sealed class TokenServiceFaultTests : IDisposable
{
    private readonly string dir = Path.Combine(TestImages.Dir, $"token-faults-{Guid.NewGuid():N}");

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    private CommandResult PullBehind(string realm, Dictionary<string, string>? env = null)
    {
        using var registry = new FaultServer(FaultServer.Mode.Challenge, upstream: realm);
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
        CommandResult pull = Hpcrun.Run(["pull", Path.Combine(dir, "x.sif"), $"docker://{registry.Host}/test/app:1"],
            new Dictionary<string, string>(env ?? []) { ["HPCRUN_INSECURE"] = "1" });
        Assert.Single(pull.Stderr.Trim().Split('\n'));
        Assert.Empty(Directory.GetFileSystemEntries(dir));
        Assert.DoesNotContain($"cannot reach {registry.Host}", pull.Stderr);
        Assert.Contains($"the token service of registry {registry.Host}", pull.Stderr);
        return pull;
    }

    [Fact]
    public void A_token_service_that_is_down_is_named_with_its_port()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        int port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there any more: connections are refused
        CommandResult pull = PullBehind($"http://127.0.0.1:{port}/token");
        Assert.Equal(101, pull.ExitCode);
        Assert.StartsWith($"hpcrun: cannot reach 127.0.0.1:{port}, the token service of registry ", pull.Stderr);
        Assert.Contains("the connection was refused (after 3 retries)", pull.Stderr);
    }

    /// <summary>A realm without a port names the scheme's: the port is what a firewall rule or a proxy needs.</summary>
    [Fact]
    public void A_token_service_without_a_port_in_its_realm_is_named_with_the_schemes_port()
    {
        if (TestEnvironment.Run("ss", ["-Hltn", "sport = :80"]).Stdout.Trim().Length > 0) return; // port 80 taken
        CommandResult pull = PullBehind("http://127.0.0.1/token");
        Assert.Equal(101, pull.ExitCode);
        Assert.StartsWith("hpcrun: cannot reach 127.0.0.1:80, the token service of registry ", pull.Stderr);
    }

    [Fact]
    public void A_silent_token_service_is_a_timeout_that_names_it()
    {
        using var service = new FaultServer(FaultServer.Mode.Silent);
        CommandResult pull = PullBehind($"http://{service.Host}/token", new() { ["HPCRUN_REGISTRY_TIMEOUT"] = "1" });
        Assert.Equal(102, pull.ExitCode);
        Assert.StartsWith($"hpcrun: {service.Host}, the token service of registry ", pull.Stderr);
        Assert.Contains("no answer for the token within 1 s", pull.Stderr);
    }

    [Theory]
    [InlineData(500, 105, "it failed (500), still after 3 retries")]
    [InlineData(401, 103, "it wants credentials (401)")]
    [InlineData(403, 103, "it wants credentials (403)")]
    [InlineData(404, 105, "unexpected answer 404 for the token")]
    public void A_token_service_that_answers_an_error_is_named(int answer, int status, string words)
    {
        using var service = new FaultServer(FaultServer.Mode.Status, answer);
        CommandResult pull = PullBehind($"http://{service.Host}/token");
        Assert.Equal(status, pull.ExitCode);
        Assert.StartsWith($"hpcrun: {service.Host}, the token service of registry ", pull.Stderr);
        Assert.Contains(words, pull.Stderr);
    }
}
