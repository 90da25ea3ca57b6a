using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using HpcRun.Apply.SquashFuse;
using HpcRun.CommandLine;
using HpcRun.Doctor;
using HpcRun.Gpu;
using HpcRun.Host;
using HpcRun.Image;
using HpcRun.Image.Registry;
using HpcRun.Launch;
using HpcRun.Mpi;
using HpcRun.Native;
using HpcRun.Rdma;

namespace HpcRun.Cli;

/// <summary>`hpcrun doctor [IMAGE] [--json]`: is this node (and this image) ready for hpcrun?
/// One line per check; exits <see cref="ExitCode.DoctorFoundFailures"/> when any check fails.</summary>
internal static class DoctorVerb
{
    public static Command Create()
    {
        var image = new Argument<string?>("image")
        {
            Description = "Also check this image (SquashFS, SIF or directory; docker://REF: its cached SIF)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON, for scripts" };
        var verb = new Command("doctor",
            "Check that this node (and IMAGE) can run containers: namespaces, FUSE, kernel, RDMA, GPUs, MPI, Slurm");
        verb.Arguments.Add(image);
        verb.Options.Add(json);
        verb.SetAction(result => Run(result.GetValue(image), result.GetValue(json)));
        return verb;
    }

    private static int Run(string? image, bool json)
    {
        if (image is not null) // an archive or layout is refused as a launch refuses it: it is no image to check
        {
            LocalTransports.Existing(image);
            LocalTransports.Check(image, Path.Exists);
        }
        DoctorHost host = ReadHost();
        (string? checkedImage, CheckResult? imageCache) = image is not null && ImageReference.IsReference(image)
            ? FromCache(image, host) : (image, null);
        var checks = DoctorChecks.Run(host, checkedImage, i => RunInside(i, "--gpu=none"),
            i => RunInside(i, "--gpu=auto"), imageCache);
        bool ok = checks.All(c => c.Status != CheckStatus.FAIL);
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new DoctorReport(ok, checks), DoctorJson.Default.DoctorReport));
        else foreach (CheckResult check in checks) Console.WriteLine(check);
        return ok ? 0 : (int)ExitCode.DoctorFoundFailures;
    }

    private static DoctorHost ReadHost()
    {
        int errno = EarlyNamespace.UnshareErrno();
        EarlyNamespace.BeYourselfInside(); // so file checks see the user's access
        IReadOnlyDictionary<string, string> environment = Invocation.Environment;
        var (site, siteError) = ReadSiteConfig(environment);
        return new DoctorHost
        {
            Environment = environment,
            UnshareErrno = errno,
            Rdma = RdmaDiscovery.ReadThisHost(environment),
            Gpu = GpuDiscovery.ReadThisHost(environment),
            Mpi = ReadHostMpi(environment),
            SquashFuseError = SquashFuseLibrary.TryGet(out string? squashFuseError) is null ? squashFuseError : null,
            Site = site,
            SiteError = siteError,
        };
    }

    /// <summary>The cached SIF of the docker:// <paramref name="image"/> (null when there is none) and what the
    /// cache holds of it, found without a request.</summary>
    private static (string? Sif, CheckResult Check) FromCache(string image, DoctorHost host)
    {
        ImageReference reference;
        string? directory;
        try
        {
            reference = ImageReference.Parse(image);
            directory = RegistryImage.CacheDirectory(host.Environment, host.Site);
        }
        catch (FormatException e) { return (null, CachedImageCheck.Refused(image, e.Message)); }
        catch (HpcRunException e) { return (null, CachedImageCheck.Refused(image, e.Message)); }
        if (directory is null) return (null, CachedImageCheck.Refused(image, ImageCacheDirectory.NoCache));
        return new ImageCache(directory).Find(reference, HostPlatform.Name) is { } sif
            ? (sif, CachedImageCheck.Found(image, sif)) : (null, CachedImageCheck.Missing(image, directory));
    }

    private static (SiteConfig? Site, string? Error) ReadSiteConfig(IReadOnlyDictionary<string, string> environment)
    {
        try { return (SiteConfigReader.Read(environment), null); }
        catch (HpcRunException e) when (e.Code == ExitCode.SiteConfigInvalid) { return (null, e.Message); }
    }

    private static HostMpi ReadHostMpi(IReadOnlyDictionary<string, string> environment)
    {
        try { return HostMpiReader.ReadHost(environment); }
        catch (FormatException) { return new HostMpi([], []); } // a damaged ld.so.cache: reported as no MPI
    }

    /// <summary>Starts /bin/sh in the image with this hpcrun and <paramref name="gpu"/>; null when it ran, else why
    /// not.</summary>
    private static string? RunInside(string image, string gpu)
    {
        var info = new ProcessStartInfo(System.Environment.ProcessPath!)
        { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[] { "exec", "--rdma=none", gpu, image, "/bin/sh", "-c", "true" })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? null
            : $"exit {process.ExitCode}" +
                (stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() is { } line
                    ? $": {line}" : "");
    }
}
