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
using HpcRun.Image.Text;
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
            Description = "Also check this image (SquashFS, SIF or directory; docker://REF: its cached SIF): a " +
                "SquashFS or SIF by a trial launch of /bin/sh -c true in it, a directory by its programs",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON, for scripts" };
        var verb = new Command("doctor",
            "Check that this node (and IMAGE) can run containers: namespaces, FUSE, kernel, RDMA, GPUs, MPI, Slurm. " +
            "Exits 0 when no check FAILs (a WARN is what a launch does without), else 75, or a launch's own status " +
            "where the image check FAILs with one (82: a SIF for another CPU)");
        verb.Arguments.Add(image);
        verb.Options.Add(json);
        verb.SetAction(result => Run(result.GetValue(image), result.GetValue(json)));
        return verb;
    }

    private static int Run(string? image, bool json)
    {
        if (image is not null) // refused as a launch refuses it: an archive or layout, docker-daemon:, library://...
        {
            UnsupportedVerbs.CheckReference(image);
            LocalTransports.CheckAny(image);
        }
        DoctorHost host = ReadHost();
        (string? cacheDirectory, CheckResult? imageCache) = FindCache(host);
        (string? checkedImage, CheckResult? cachedImage) = image is not null && ImageReference.IsReference(image)
            ? FromCache(image, cacheDirectory, host) : (image, null);
        // Shown as every message is (Shown.Message): a path or value a check quotes is cut short, a URL's password
        // left out, in the table and the JSON alike.
        CheckResult[] checks = [.. DoctorChecks.Run(host, checkedImage, i => RunInside(i, "--gpu=none"),
            i => RunInside(i, "--gpu=auto"), imageCache, cachedImage)
            .Select(c => c with
            {
                Detail = Shown.Message(c.Detail),
                Fix = c.Fix is { } fix ? Shown.Message(fix) : null,
            })];
        bool ok = checks.All(c => c.Status != CheckStatus.FAIL);
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new DoctorReport(ok, checks), DoctorJson.Default.DoctorReport));
        else foreach (CheckResult check in checks) Console.WriteLine(check);
        // A failure that a launch ends with a status of its own ends doctor with it too: a script that checks an
        // image before it launches it reads the same status either way.
        return ok ? 0 : (int)(checks.Select(c => c.Exit).FirstOrDefault(e => e is not null)
            ?? ExitCode.DoctorFoundFailures);
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

    /// <summary>The image cache's directory as a launch finds it, by the launch's function (which makes the user's
    /// folder in a site's cache-dir, as a launch's first use does); null, with the launch's refusal, when a
    /// `hpcrun docker://REF` would stop at it; no check when the site configuration is bad (its own check fails:
    /// every launch stops at it first).</summary>
    private static (string? Directory, CheckResult? Check) FindCache(DoctorHost host)
    {
        if (host.SiteError is not null) return (null, null);
        try
        {
            return RegistryImage.CacheDirectory(host.Environment, host.Site) is { } directory
                ? (directory, CachedImageCheck.Usable(directory))
                : (null, CachedImageCheck.Unusable(ImageCacheDirectory.NoCache));
        }
        catch (HpcRunException e) { return (null, CachedImageCheck.Unusable(e.Message)); }
    }

    /// <summary>The cached SIF of the docker:// <paramref name="image"/> (null when there is none) and what the
    /// cache (<paramref name="directory"/>; null: unusable) holds of it, found without a request.</summary>
    private static (string? Sif, CheckResult Check) FromCache(string image, string? directory, DoctorHost host)
    {
        ImageReference reference;
        bool offline;
        try
        {
            reference = ImageReference.Parse(image);
            offline = SettingWord.SwitchFromEnvironment(host.Environment, "HPCRUN_OFFLINE");
        }
        catch (FormatException e) { return (null, CachedImageCheck.Refused(image, e.Message)); }
        catch (HpcRunException e) { return (null, CachedImageCheck.Refused(image, e.Message)); }
        if (directory is null) return (null, CachedImageCheck.NotChecked(image));
        return new ImageCache(directory).Find(reference, HostPlatform.Name) is { } sif
            ? (sif, CachedImageCheck.Found(image, sif))
            : (null, CachedImageCheck.Missing(image, directory, offline));
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

    /// <summary>Starts <see cref="ImageChecks.TrialShell"/> in the image with this hpcrun and <paramref name="gpu"/>;
    /// null when it ran, else how it failed.</summary>
    private static LaunchFailure? RunInside(string image, string gpu)
    {
        var info = new ProcessStartInfo(System.Environment.ProcessPath!)
        { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[] { "exec", "--rdma=none", gpu, image, ImageChecks.TrialShell, "-c", "true" })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? null : LaunchFailure.Of(process.ExitCode, stderr);
    }
}
