using System.CommandLine;
using HpcRun.Build;
using HpcRun.CommandLine;
using HpcRun.Image.Registry;
using HpcRun.Image.Text;
using HpcRun.Launch;
using HpcRun.Registry;
using HpcRun.Tools.Verbs.Image;
using Serilog;

namespace HpcRun.Tools.Verbs.Registry;

/// <summary>`hpcrun pull [OUT.sif] [docker://]REF` (Apptainer's pull: OUT defaults to NAME_TAG.sif), and
/// `hpcrun pull --cache REF`, which fills the cache that `hpcrun docker://REF` runs from and prints the cached
/// SIF's path.</summary>
internal static class PullVerb
{
    public static Command Create()
    {
        // Both optional to the parser, as the reference may come first: what is missing is said here.
        var first = new Argument<string?>("out")
        {
            Description = "SIF to write (default: NAME_TAG.sif; a bare SquashFS when named *.sqfs); or REF alone",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var second = new Argument<string?>("reference")
        {
            Description = "docker://HOST/NAME:TAG, NAME:TAG or NAME@sha256:DIGEST (Docker Hub when no host)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var platform = new Option<string?>("--platform")
        { Description = "OS/ARCH[/VARIANT] to pull from a multi-platform image (default: the host's)" };
        var force = new Option<bool>("--force", "-F") { Description = "Overwrite OUT if it exists (as Apptainer)" };
        // Apptainer's: neither read nor write the image cache. pull OUT never does (it writes OUT only), so the option
        // is what it already does; with --cache it is a contradiction.
        var disableCache = new Option<bool>("--disable-cache")
        { Description = "Use no image cache: pull OUT never reads or writes it (Apptainer's option)" };
        var dir = new Option<string?>("--dir")
        { Description = "Write OUT (or NAME_TAG.sif) in DIR (Apptainer's --dir)" };
        var cache = new Option<bool>("--cache")
        { Description = "Pull into the cache `hpcrun docker://REF` uses ($HPCRUN_CACHEDIR) and print the SIF's path" };
        var moved = new Option<bool>("--tag-moved")
        {
            Description = "With --cache: the caller saw the tag name another image; get its manifest at once",
            Hidden = true, // hpcrun's launcher says so after its own check of the tag
        };
        RegistryOptions options = new();
        Option<string?> mksquashfs = MksquashfsOption.Create();
        var command = new Command(ToolVerbs.Pull.Name, ToolVerbs.Pull.Description)
        {
            first, second, platform, force, dir, cache, disableCache, moved, options.Creds, options.Insecure,
            mksquashfs,
        }.With(Usage, "hpcrun pull docker://rockylinux:9          # writes rockylinux_9.sif",
            "hpcrun pull solver.sif ghcr.io/org/solver:2.1");
        command.SetAction(result => RegistryVerbs.Run(() =>
        {
            SettingWord.CheckSwitches(Environment.GetEnvironmentVariable);
            RegistryVerbs.CheckPlatform(result.GetValue(platform));
            (string? output, string text) = result.GetValue(second) is { } r ? (result.GetValue(first), r)
                : ((string?)null, result.GetValue(first) ?? throw new HpcRunException(ExitCode.Usage,
                    $"pull needs a REFERENCE: hpcrun {Usage}"));
            if (output is not null && output.Contains("://", StringComparison.Ordinal))
                throw new HpcRunException(ExitCode.Usage, $"pull takes OUT before the reference: hpcrun pull " +
                    $"[OPTIONS] {(text.Contains("://", StringComparison.Ordinal) ? "OUT.sif" : text)} {output}");
            // The build given for an archive writes where this pull would have (OUT, --dir), as --force lets it;
            // the variables that stand in for the options are read only then (pull --cache reads none of them).
            ImageReference reference = Reference(text, output, () => new ArchiveBuild.Asked(output,
                ApptainerSettings.Value(result, dir, ApptainerSettings.PullDirectory),
                ApptainerSettings.Flag(result, force, ApptainerSettings.Force)));
            RegistrySettings settings = options.Settings(result, reference);
            if (result.GetValue(cache)) // Apptainer's variables of the options it contradicts are not read
            {
                if (result.GetValue(disableCache))
                    throw new HpcRunException(ExitCode.Usage,
                        "pull: --cache and --disable-cache contradict each other");
                if (output is not null || result.GetValue(dir) is not null)
                    throw new HpcRunException(ExitCode.Usage, "pull --cache takes a reference only, no OUT or --dir");
                // Its images are shared by every caller, keyed by the manifest alone: hpcrun's default makes them.
                if (result.GetValue(mksquashfs) is not null)
                    throw new HpcRunException(ExitCode.Usage,
                        "pull --cache: --mksquashfs-args applies to pull OUT only");
                ImageCache store = RegistryVerbs.Cache();
                string image = "";
                ImageVerbs.WithProgress((reporter, cancel) => image = CachePuller.Pull(store, reference,
                    result.GetValue(platform), settings, CommandLineRoot.Version, reporter, cancel,
                    result.GetValue(moved)), "pull");
                Console.WriteLine(image);
                return;
            }
            // Apptainer's --disable-cache, or its variable, is what pull OUT does anyway: the word is only checked.
            _ = ApptainerSettings.Flag(result, disableCache, ApptainerSettings.DisableCache);
            output ??= DefaultName(reference);
            if (ApptainerSettings.Value(result, dir, ApptainerSettings.PullDirectory) is { } directory)
                output = Path.Combine(directory, output);
            PullInto(output, reference, result.GetValue(platform),
                ApptainerSettings.Flag(result, force, ApptainerSettings.Force), settings,
                MksquashfsOption.Arguments(result, mksquashfs), OutputFormat.Decide(output, sqfs: false).SquashFs);
            ImageVerbs.Wrote(output);
        }));
        return command;
    }

    private const string Usage = "pull [OPTIONS] [OUT.sif] REFERENCE";

    /// <summary>The registry's image <paramref name="text"/> names. An archive or layout named through a transport,
    /// or by a path that is no reference (./app.tar), is refused with the build that makes a SIF of it where the
    /// pull was <paramref name="asked"/> to write (<see cref="ArchiveBuild"/>). A bare name is the registry's, as
    /// `docker pull` and Apptainer read it, also where a file or directory of that name is an archive or layout: a
    /// warning says which was taken, and how to build the other, into another file than the one this pull writes
    /// (<paramref name="output"/>, or NAME_TAG.sif).</summary>
    /// <exception cref="HpcRunException">83 for an archive or layout; what <see cref="RegistryVerbs.Parse"/>
    /// throws.</exception>
    private static ImageReference Reference(string text, string? output, Func<ArchiveBuild.Asked> asked)
    {
        HpcRunException Local(string path) => new(ExitCode.ImageNeedsBuild, $"{Shown.Path(text)}: pull fetches " +
            "from registries; an archive or OCI layout is built: " +
            ArchiveBuild.Command(text, path, Path.Exists, asked()).Command);
        if (LocalTransports.Existing(text) is { } named) throw Local(named.Path);
        bool here = LocalTransports.IsBare(text);
        ImageReference reference;
        try { reference = RegistryVerbs.Parse(text); }
        catch (HpcRunException) when (here) { throw Local(text); }
        if (here)
        {
            ArchiveBuild.Asked other = asked() with { Output = null, Force = false };
            string pulled = output ?? DefaultName(reference);
            string written = other.Directory is { } directory ? Path.Combine(directory, pulled) : pulled;
            Log.Warning("{Text}", $"{Shown.Path(text)}: pulling {reference}, as docker pull reads a name; the image " +
                $"archive or OCI layout {Shown.Path(text)} here is built with: " +
                ArchiveBuild.Command(text, text, p => p == written || Path.Exists(p), other).Command);
        }
        return reference;
    }

    /// <summary>Pulls <paramref name="reference"/> into the SIF <paramref name="output"/> (pull, and build from a
    /// docker:// source), or a bare SquashFS (<paramref name="squashFs"/>: OUT named so, build's --sqfs), made with
    /// <paramref name="mksquashfs"/> (checked: <see cref="MksquashfsOption"/>).</summary>
    public static void PullInto(string output, ImageReference reference, string? platform, bool force,
        RegistrySettings settings, IReadOnlyList<string> mksquashfs, bool squashFs)
    {
        var request = new PullRequest(output, reference, platform, force, settings, mksquashfs, squashFs);
        string digest = "";
        ImageVerbs.WithProgress((reporter, cancel) =>
            digest = ImagePuller.Pull(request, CommandLineRoot.Version, reporter, cancel), "pull");
        Log.Information("manifest {Digest}", digest);
    }

    /// <summary>Apptainer's default name: the repository's last component and the tag, NAME_TAG.sif (the digest's
    /// first 12 hex digits for a digest reference).</summary>
    private static string DefaultName(ImageReference reference) =>
        $"{reference.Repository.Split('/')[^1]}_{reference.Tag ?? reference.Digest![7..19]}.sif";
}
