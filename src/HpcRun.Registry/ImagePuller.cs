using System.Security.Cryptography;
using System.Text.Json;
using HpcRun.Build;
using HpcRun.Image;
using HpcRun.Image.Metadata;
using HpcRun.Image.Posix;
using HpcRun.Image.Registry;
using HpcRun.Image.Text;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Registry;

/// <summary>What `hpcrun pull` was asked for: OUT (relative or absolute), the reference, --platform
/// (OS/ARCH[/VARIANT], default the host's), --force, how to talk to the registry, --mksquashfs-args (checked:
/// <see cref="BuildRequest.MksquashfsArgs"/>), and whether OUT is a bare SquashFS (<see cref="OutputFormat"/>) rather
/// than a SIF.</summary>
public sealed record PullRequest(string Output, ImageReference Reference, string? Platform, bool Force,
    RegistrySettings Settings, IReadOnlyList<string>? MksquashfsArgs = null, bool SquashFsOnly = false);

/// <summary>
/// Pulls an image into a SIF: resolves the manifest (<see cref="ManifestResolver"/>), downloads its config, then
/// its layers in parallel into an OCI layout in a private scratch directory beside OUT (mode 0700, a fresh random
/// name), while <see cref="ImageBuilder"/> builds OUT from that layout, unpacking each layer as it arrives
/// (<see cref="LayerDownloads"/>), exactly as `hpcrun build OUT LAYOUT` would once all were there (same layers,
/// same config: same file system bytes), the build record naming the reference and the manifest's digest. Nothing
/// is left behind on failure: OUT appears only by the build's final rename.
/// </summary>
public static class ImagePuller
{
    /// <summary>Layers fetched at once.</summary>
    public const int Parallel = 4;

    private const string ScratchPrefix = ".hpcrun-pull.";

    /// <summary>Pulls <paramref name="request"/>'s image into its OUT; returns the manifest it pulled.</summary>
    public static string Pull(PullRequest request, string hpcrunVersion, IBuildReporter reporter,
        CancellationToken cancel)
    {
        (ImageSelector selector, string? variant) = Selector(request.Platform);
        OutputRefusal.Check(request.Output, request.Force); // before the registry is asked: as a build refuses it
        using var client = new RegistryClient(request.Reference, request.Settings);
        ResolvedManifest manifest = ManifestResolver.Resolve(client, request.Reference, selector, variant, null, cancel)
            .GetAwaiter().GetResult()!;
        Build(client, manifest, request, hpcrunVersion, reporter, cancel);
        return manifest.Digest;
    }

    /// <summary>--platform (normalized as containerd does: <see cref="PlatformName"/>) as the build's selector and
    /// the variant (arm's v7...), if any.</summary>
    public static (ImageSelector, string?) Selector(string? platform)
    {
        try
        {
            ImageSelector selector = ImageSelector.Parse(platform ?? HostPlatform.Name, null);
            return (selector, selector.Variant is { Length: > 0 } variant ? variant : null);
        }
        catch (ArgumentException e) { throw new RegistryException(RegistryFault.BadReference, e.Message); }
    }

    /// <summary>Downloads <paramref name="manifest"/>'s blobs and builds OUT from them as they arrive.</summary>
    internal static void Build(RegistryClient client, ResolvedManifest manifest, PullRequest request,
        string hpcrunVersion, IBuildReporter reporter, CancellationToken cancel)
    {
        string layout = MakeScratch(request.Output);
        FileLock held;
        try { held = ScratchDirectories.Hold(layout); }
        catch (IOException e)
        {
            Directory.Delete(layout, recursive: true);
            throw OutputRefusal.Unwritable(request.Output, e);
        }
        try
        {
            (ImageSelector selector, _) = Selector(request.Platform);
            List<(Descriptor Blob, string Name)> layers = Download(client, manifest, selector, layout, reporter,
                cancel);
            var build = new BuildRequest(request.Output, layout, request.SquashFsOnly,
                Platform: manifest.Platform ?? selector.Platform,
                Force: request.Force, Reference: request.Reference.ToString(), MksquashfsArgs: request.MksquashfsArgs);
            BuildWhileDownloading(client, layers, $"{layout}/blobs/sha256", build, hpcrunVersion, reporter, cancel);
        }
        catch (IOException e) when (IoError.IsFull(e)) // a blob of the layout beside OUT
        {
            throw new RegistryException(RegistryFault.Unwritable,
                $"cannot write {Shown.Path(request.Output)}: {IoError.Describe(e)}", e);
        }
        finally
        {
            try { Directory.Delete(layout, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                reporter.Warning($"could not remove {Shown.Path(layout)}: {IoError.Describe(e)}");
            }
            held.Dispose();
        }
    }

    /// <summary>Runs <paramref name="build"/> while <paramref name="layers"/> download into
    /// <paramref name="blobs"/>. A failed download stops the build; a build that fails otherwise, unless cancelled,
    /// waits for the downloads' verdict and fails with a download's fault if there is one: the unpacker may reach a
    /// layer's corrupt or missing bytes before the digest check, and the pull's status and message stay those of
    /// that fault, as when every layer was downloaded before the build.</summary>
    private static void BuildWhileDownloading(RegistryClient client, List<(Descriptor Blob, string Name)> layers,
        string blobs, BuildRequest build, string hpcrunVersion, IBuildReporter reporter, CancellationToken cancel)
    {
        using var building = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var downloads = new LayerDownloads(client, Distinct(layers, blobs), layers.Select(l => l.Blob.Digest!),
            blobs, reporter, building.Cancel, cancel);
        try
        {
            ImageBuilder.Build(build with { ArrivingLayer = downloads.Open }, hpcrunVersion, reporter, building.Token);
        }
        catch (Exception e) when (!cancel.IsCancellationRequested)
        {
            client.Trace($"the build stopped ({Why(e)}); waiting for the downloads' verdict");
            downloads.WaitForVerdict();
            throw;
        }
    }

    /// <summary>Why the build stopped, for --debug: hpcrun's own message, a file operation's strerror(3) words, never
    /// .NET's text or type names (a bug's detail is logged where it is reported).</summary>
    private static string Why(Exception e) => e switch
    {
        RegistryException or ImageBuildException or ImageFormatException or PosixException => e.Message,
        OperationCanceledException => "a download failed", // the downloads cancel the build (LayerDownloads)
        IOException or UnauthorizedAccessException => IoError.Describe(e),
        _ => "an unexpected error",
    };

    /// <summary>Each layer blob once, but for one already in <paramref name="blobs"/> (the config's, the manifest's:
    /// the same bytes, by their digest).</summary>
    private static List<(Descriptor Blob, string Name)> Distinct(List<(Descriptor Blob, string Name)> layers,
        string blobs) =>
        [.. layers.DistinctBy(l => l.Blob.Digest).Where(l => !File.Exists($"{blobs}/{l.Blob.Digest![7..]}"))];

    /// <summary>Downloads the config (a single manifest for another platform is refused before its layers are
    /// fetched) and writes the layout's index.json; the layers, named, to download next.</summary>
    private static List<(Descriptor Blob, string Name)> Download(RegistryClient client, ResolvedManifest manifest,
        ImageSelector selector, string layout, IBuildReporter reporter, CancellationToken cancel)
    {
        ManifestDocument document = manifest.Document;
        Descriptor config = document.Config ?? throw new RegistryException(RegistryFault.BadContent,
            $"manifest {manifest.Digest} has no config");
        List<Descriptor> layers = document.Layers ?? throw new RegistryException(RegistryFault.BadContent,
            $"manifest {manifest.Digest} has no layers");
        string blobs = $"{layout}/blobs/sha256";
        Directory.CreateDirectory(blobs);
        WriteBlob(blobs, manifest.Digest, manifest.Bytes);
        var wanted = new List<(Descriptor Blob, string Name)> { (config, "config") };
        wanted.AddRange(layers.Select((l, i) => (l, $"layer {i + 1}/{layers.Count}")));
        foreach ((Descriptor blob, string name) in wanted)
            if (blob.Digest is null || !IsSha256(blob.Digest))
                throw new RegistryException(RegistryFault.BadContent,
                    $"manifest {manifest.Digest}: the {name} has no sha256 digest");
        // Before any is fetched (the build would refuse it too, once all were).
        foreach ((Descriptor blob, string name) in wanted.Skip(1))
            if (OciMediaTypes.LayerRefusal(blob.MediaType, manifest.Digest, name) is { } refusal)
                throw new RegistryException(RegistryFault.BadContent, refusal);
        using (IBuildStep step = reporter.Step("downloading config", config.Size))
        {
            client.DownloadBlob(config.Digest!, config.Size, $"{blobs}/{config.Digest![7..]}", step.Advance, cancel)
                .GetAwaiter().GetResult();
            step.Done();
        }
        if (manifest.Platform is null) CheckPlatform($"{blobs}/{config.Digest![7..]}", selector, client.Where);
        var index = new LayoutIndex
        {
            Manifests = [new Descriptor
            {
                MediaType = manifest.MediaType,
                Digest = manifest.Digest,
                Size = manifest.Bytes.Length,
                Platform = manifest.Platform is { } platform ? PlatformOf(platform) : null,
            }],
        };
        File.WriteAllBytes($"{layout}/index.json",
            JsonSerializer.SerializeToUtf8Bytes(index, RegistryJson.Default.LayoutIndex));
        File.WriteAllText($"{layout}/oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
        return wanted[1..];
    }

    /// <summary>A reference that named a single image manifest: its config must be for the platform asked
    /// for.</summary>
    private static void CheckPlatform(string configPath, ImageSelector selector, string where)
    {
        OciImageConfig config;
        try { config = OciImageConfig.Parse(File.ReadAllText(configPath)); }
        catch (JsonException) { throw new RegistryException(RegistryFault.BadContent, $"{where}: bad image config"); }
        if (!selector.MatchesPlatform(config.Os, config.Architecture))
            throw new RegistryException(RegistryFault.NoPlatform, $"{where} has no image for {selector.Platform} " +
                $"(it has: {config.Os}/{config.Architecture}); choose one with --platform");
    }

    private static PlatformField PlatformOf(string platform) =>
        platform.Split('/') is [var os, var architecture, ..] ? new() { Os = os, Architecture = architecture } : new();

    private static void WriteBlob(string blobs, string digest, byte[] bytes) =>
        File.WriteAllBytes($"{blobs}/{digest[7..]}", bytes);

    private static bool IsSha256(string digest) => digest.Length == 71 && digest.StartsWith("sha256:",
        StringComparison.Ordinal) && digest[7..].All(char.IsAsciiHexDigitLower);

    /// <summary>A fresh directory beside <paramref name="output"/>, made as mkdtemp(3) makes one (random name,
    /// 0700, failing on anything already there).</summary>
    private static string MakeScratch(string output)
    {
        string directory = Path.GetDirectoryName(output) is { Length: > 0 } d ? d : ".";
        for (int attempt = 0; ; attempt++)
        {
            string path = $"{directory}/{ScratchPrefix}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
            if (MkdirAt(Cwd, path, 0b111_000_000) == 0) return path;
            if (Errno != EEXIST || attempt == 100) throw OutputRefusal.InDirectory(output, Errno);
        }
    }
}
