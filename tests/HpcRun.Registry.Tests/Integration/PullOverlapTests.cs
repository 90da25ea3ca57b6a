using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using HpcRun.TestSupport;

namespace HpcRun.Registry.Tests.Integration;

/// <summary>`hpcrun pull` unpacks layers while later ones download: a registry holds the end of one blob until the
/// test has seen, in the pull's own output, what the pull did meanwhile.</summary>
[Collection(RegistryCollection.Name)]
public sealed class PullOverlapTests(RegistryFixture registry) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly string dir = MakeDir();

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    /// <summary>A 3-layer image whose last layer is held but its last byte: layers 1 and 2 are unpacked, and the
    /// last one's unpacking started, before its download is done; the SIF is the one a pull straight from the
    /// registry makes (its file system: the build record names the reference, another host's).</summary>
    [Fact]
    public async Task Earlier_layers_are_unpacked_while_the_last_one_downloads()
    {
        string[] layers = PushThreeLayers("test/layers:1");
        using var server = new FaultServer(FaultServer.Mode.HeldBlob, upstream: registry.Plain.Host,
            hold: layers[^1]);
        (int status, string errors) = await PullUntil(server, "test/layers:1", "hpcrun: unpacking layer 3/3...");
        Assert.True(status == 0, errors);
        string[] lines = errors.Split('\n');
        Assert.True(Array.IndexOf(lines, "hpcrun: unpacking layer 2/3: done")
            < Array.IndexOf(lines, "hpcrun: downloading layer 3/3: done"), errors);
        var straight = Hpcrun.Run(["pull", Path.Combine(dir, "straight.sif"), registry.PlainRef("test/layers:1")],
            new Dictionary<string, string> { ["HPCRUN_INSECURE"] = "1" });
        Assert.True(straight.ExitCode == 0, straight.ToString());
        Assert.Equal(Partition(Path.Combine(dir, "straight.sif")), Partition(Path.Combine(dir, "x.sif")));
    }

    /// <summary>The first layer corrupt (not gzip any more: a tar error at once) and its download held open: the
    /// unpacker fails first, and the pull waits for the download's verdict and reports that, 107, leaving
    /// nothing; --debug names what stopped the unpacker.</summary>
    [Fact]
    public async Task A_corrupt_layer_unpacked_before_its_download_ends_is_the_digest_fault()
    {
        string[] layers = Layers(registry.Layout, "app");
        using var server = new FaultServer(FaultServer.Mode.HeldBlob, upstream: registry.Plain.Host,
            corrupt: layers[0], hold: layers[0]);
        (int status, string errors) = await PullUntil(server, "test/app:1", "waiting for the downloads' verdict",
            "--debug");
        Assert.True(status == 107, errors);
        Assert.Contains($"blob {layers[0]} does not match its digest", errors);
        // --debug's trace says why the unpacker stopped; the verdict is the digest's alone.
        Assert.Contains("the build stopped (layer 1/1 is corrupt or truncated", errors);
        Assert.DoesNotContain(errors.Split('\n'),
            line => line.Contains("corrupt or truncated") && !line.Contains("the build stopped ("));
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    /// <summary>Pulls <paramref name="name"/> through <paramref name="server"/> into x.sif, releasing its held blob
    /// once a line of stderr contains <paramref name="awaited"/> (failing if the pull ends first); the exit status
    /// and stderr.</summary>
    private async Task<(int, string)> PullUntil(FaultServer server, string name, string awaited,
        params string[] more)
    {
        using Process pull = Hpcrun.Start(["pull", .. more, Path.Combine(dir, "x.sif"),
            $"docker://{server.Host}/{name}"], new Dictionary<string, string> { ["HPCRUN_INSECURE"] = "1" });
        Task<string> output = pull.StandardOutput.ReadToEndAsync();
        var errors = new StringBuilder();
        using (var patience = new CancellationTokenSource(Patience))
            while (await pull.StandardError.ReadLineAsync(patience.Token) is { } line)
            {
                errors.Append(line).Append('\n');
                if (line.Contains(awaited, StringComparison.Ordinal)) break;
            }
        Assert.True(errors.ToString().Contains(awaited, StringComparison.Ordinal),
            $"the pull ended before '{awaited}':\n{errors}");
        server.Release.Set();
        errors.Append(await pull.StandardError.ReadToEndAsync());
        Assert.True(pull.WaitForExit(Patience), "the pull did not end");
        await output;
        return (pull.ExitCode, errors.ToString());
    }

    /// <summary>Pushes to the plain registry as <paramref name="name"/> an image of 3 layers made by umoci
    /// (busybox, then a file, then another); their digests.</summary>
    private string[] PushThreeLayers(string name)
    {
        string layout = Path.Combine(dir, "layout"), bundle = Path.Combine(dir, "bundle");
        TestEnvironment.RunChecked("umoci", "init", "--layout", layout);
        TestEnvironment.RunChecked("umoci", "new", "--image", $"{layout}:img");
        foreach (string step in new[] { "busybox", "one", "two" })
        {
            // Unpacked afresh each time: a repack of the same bundle twice makes no second layer.
            TestEnvironment.RunChecked("umoci", "unpack", "--rootless", "--image", $"{layout}:img", bundle);
            string rootfs = Path.Combine(bundle, "rootfs");
            if (step == "busybox") TestEnvironment.RunChecked("cp", "-a", $"{TestImages.BusyboxTree}/.", rootfs);
            else File.WriteAllText(Path.Combine(rootfs, step), $"{step}\n");
            TestEnvironment.RunChecked("umoci", "repack", "--image", $"{layout}:img", bundle);
            TestEnvironment.RunChecked("rm", "-rf", bundle);
        }
        TestEnvironment.RunChecked("skopeo", "copy", "--quiet", "--dest-tls-verify=false", $"oci:{layout}:img",
            $"docker://{registry.Plain.Host}/{name}");
        string[] layers = Layers(layout, "img");
        TestEnvironment.RunChecked("rm", "-rf", layout);
        Assert.Equal(3, layers.Length);
        return layers;
    }

    /// <summary>The layer digests, in order, of <paramref name="tag"/> in the OCI layout <paramref name="layout"/>.
    /// </summary>
    private static string[] Layers(string layout, string tag)
    {
        string Blob(string digest) => File.ReadAllText(Path.Combine(layout, "blobs", "sha256", digest[7..]));
        JsonNode index = JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!;
        JsonNode image = index["manifests"]!.AsArray().First(m =>
            (string?)m!["annotations"]?["org.opencontainers.image.ref.name"] == tag)!;
        JsonNode manifest = JsonNode.Parse(Blob((string)image["digest"]!))!;
        return [.. manifest["layers"]!.AsArray().Select(l => (string)l!["digest"]!)];
    }

    /// <summary>A SIF's file system: the first descriptor's (at 4096) offset (at 17) and size (at 25).</summary>
    private static byte[] Partition(string sif)
    {
        byte[] bytes = File.ReadAllBytes(sif);
        long offset = BitConverter.ToInt64(bytes, 4096 + 17), size = BitConverter.ToInt64(bytes, 4096 + 25);
        return bytes[(int)offset..(int)(offset + size)];
    }

    private static string MakeDir()
    {
        string path = Path.Combine(TestImages.Dir, $"pull-overlap-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        return path;
    }
}
