using HpcRun.Gpu;
using HpcRun.Image.Text;
using HpcRun.Mpi;
using HpcRun.Rdma;

namespace HpcRun.Launch;

/// <summary>One configuration file as read from the host: its path and its text (bytes kept).</summary>
public sealed record SiteConfigFile(string Path, string Text);

/// <summary>A default bind from the site configuration, and the file:line that gave it.</summary>
public sealed record SiteBind(BindSpec Bind, string Origin);

/// <summary>
/// The site's defaults (README, "Site configuration"): /etc/hpcrun/hpcrun.conf, then
/// /etc/hpcrun/hpcrun.conf.d/*.conf in ordinal order of their names, as Apptainer's apptainer.conf
/// (<c>key = value</c> lines, <c>#</c> comments, repeatable list keys) and enroot's numbered
/// mounts.d files. A key is the long option of `hpcrun run` it gives the default for, with the
/// option's own values (cache-dir: the registry's cache, for docker:// images): a command-line option beats
/// its HPCRUN_* variable, which beats this file, which beats the built-in default. A later line or
/// file replaces a single-valued key and adds to a list; a later bind onto the same destination
/// replaces the earlier one; an empty value resets the key to its built-in default (an empty list),
/// as an empty assignment does in systemd's drop-ins. Pure: the launcher reads the files
/// (src/HpcRun/Host/SiteConfigReader.cs), this parses them.
/// </summary>
public sealed record SiteConfig
{
    public const string DefaultPath = "/etc/hpcrun/hpcrun.conf";

    /// <summary>Names a configuration file to read instead of <see cref="DefaultPath"/> (its drop-ins
    /// beside it, <see cref="DropInDirectory"/>): tests, and users who want defaults of their own.</summary>
    public const string PathVariable = "HPCRUN_CONFIG";

    /// <summary>The file <see cref="PathVariable"/> names; null when it is unset or empty (the default file).</summary>
    /// <exception cref="HpcRunException">79 (<see cref="ExitCode.SiteConfigInvalid"/>) for a relative path: each job
    /// would read the file of that name in its own working directory.</exception>
    public static string? NamedFile(IReadOnlyDictionary<string, string> environment) =>
        environment.GetValueOrDefault(PathVariable) is not { Length: > 0 } path ? null
        : path.StartsWith('/') ? path
        : throw new HpcRunException(ExitCode.SiteConfigInvalid,
            $"{PathVariable} must be an absolute path, not '{Shown.Excerpt(path)}': each job would read the file of " +
            "that name in its own working directory");

    public static SiteConfig None { get; } = new();

    /// <summary>The files read, in the order they were applied.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>bind: default binds (absolute sources), before the user's -B.</summary>
    public IReadOnlyList<SiteBind> Binds { get; init; } = [];

    /// <summary>mpi: the default for --mpi.</summary>
    public MpiMode? Mpi { get; init; }

    /// <summary>mpi-compat: the default for --mpi-compat.</summary>
    public MpiCompatibility? MpiCompat { get; init; }

    /// <summary>rdma: the default for --rdma.</summary>
    public RdmaSelection? Rdma { get; init; }

    /// <summary>rdma-libs: the default for --rdma-libs.</summary>
    public RdmaLibraries? RdmaLibs { get; init; }

    /// <summary>gpu: the default for --gpu.</summary>
    public GpuSelection? Gpu { get; init; }

    /// <summary>The file:line that gave each single-valued key its value (not one an empty value reset).</summary>
    public IReadOnlyDictionary<string, string> Origins { get; init; } = new Dictionary<string, string>();

    /// <summary>The site's <paramref name="value"/> of <paramref name="key"/> with the file:line that gave it; null
    /// when no line did.</summary>
    public Setting<T>? Given<T>(string key, T? value) where T : class =>
        value is null ? null : new Setting<T>(value, Origins.GetValueOrDefault(key));

    /// <inheritdoc cref="Given{T}(string, T)"/>
    public Setting<T>? Given<T>(string key, T? value) where T : struct =>
        value is { } given ? new Setting<T>(given, Origins.GetValueOrDefault(key)) : null;

    /// <summary>cache-dir: where images pulled for `hpcrun docker://REF` are kept (absolute, normalized), a folder per
    /// user in it (HpcRun.Image/Registry/SiteCache.cs); HPCRUN_CACHEDIR beats it (ImageCache.cs).</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>mksquashfs-args: the default for --mksquashfs-args of build and pull (as given: checked by
    /// <see cref="Image.Formats.MksquashfsArgs.Parse"/>), handed to them as HPCRUN_MKSQUASHFS_ARGS.</summary>
    public string? MksquashfsArgs { get; init; }

    /// <summary>sessiondir-max-size: the size in MiB of each tmpfs the job writes in (<see
    /// cref="ContainerPlan.TmpfsSizeMiB"/>), Apptainer's `sessiondir max size`; 0: no cap. Null: the built-in
    /// <see cref="DefaultSessionDirMaxSize"/>.</summary>
    public uint? SessionDirMaxSize { get; init; }

    /// <summary>Apptainer's default for `sessiondir max size` (apptainer.conf): 64 MiB.</summary>
    public const uint DefaultSessionDirMaxSize = 64;

    /// <summary>The keys, for messages.</summary>
    public static readonly string[] Keys =
        ["bind", "cache-dir", "gpu", "mksquashfs-args", "mpi", "mpi-compat", "rdma", "rdma-libs",
            "sessiondir-max-size"];

    /// <summary>The largest sessiondir-max-size: 1 PiB, far beyond any node's memory, and within what the kernel takes
    /// as a tmpfs size.</summary>
    private const uint MaxTmpfsMiB = 1 << 30;

    /// <summary>The drop-in directory of a configuration file: FILE.d, holding *.conf files.</summary>
    public static string DropInDirectory(string file) => file + ".d";

    /// <summary>Whether a name in the drop-in directory is a drop-in: *.conf, not hidden (editors' and
    /// package managers' leftovers are not).</summary>
    public static bool IsDropIn(string name) =>
        name.EndsWith(".conf", StringComparison.Ordinal) && !name.StartsWith('.');

    /// <summary>Applies <paramref name="files"/> in order to the built-in defaults.</summary>
    /// <exception cref="HpcRunException"><see cref="ExitCode.SiteConfigInvalid"/>, one line "FILE:LINE: what is
    /// wrong": a line that is not <c>key = value</c>, an unknown key, a bad value.</exception>
    public static SiteConfig Parse(IEnumerable<SiteConfigFile> files)
    {
        SiteConfig config = None;
        foreach (SiteConfigFile file in files)
        {
            string[] lines = file.Text.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                string origin = $"{file.Path}:{i + 1}";
                int eq = line.IndexOf('=');
                if (eq < 0) throw Invalid($"{origin}: expected 'key = value', not '{Shown.Excerpt(line)}'");
                // A '#' after a blank reads like a trailing comment, which this format has not: it would
                // silently become part of a path.
                if (System.Text.RegularExpressions.Regex.IsMatch(line[eq..], @"\s#"))
                    throw Invalid($"{origin}: a comment must be on a line of its own ('#' first)");
                config = config.Apply(line[..eq].TrimEnd(), line[(eq + 1)..].TrimStart(), origin);
            }
            config = config with { Files = [.. config.Files, file.Path] };
        }
        return config;
    }

    /// <summary>The configuration with <paramref name="key"/> set from the line <paramref name="origin"/>, which a
    /// single-valued key remembers (<see cref="Origins"/>).</summary>
    private SiteConfig Apply(string key, string value, string origin)
    {
        SiteConfig applied = Assign(key, value, origin);
        if (key == "bind") return applied;
        var origins = new Dictionary<string, string>(Origins);
        if (value.Length == 0) origins.Remove(key);
        else origins[key] = origin;
        return applied with { Origins = origins };
    }

    private SiteConfig Assign(string key, string value, string origin)
    {
        bool reset = value.Length == 0;
        T Parsed<T>(Func<T> parse) => Checked(origin, key, parse);
        return key switch
        {
            "bind" => this with
            {
                Binds = reset ? [] : AddBinds(value, origin),
            },
            "mpi" => this with
            {
                Mpi = reset ? null : Parsed(() =>
                    MpiSettings.ParseMode(value)),
            },
            "mpi-compat" => this with
            {
                MpiCompat = reset ? null : Parsed(() =>
                    MpiSettings.ParseCompatibility(value)),
            },
            "rdma" => this with { Rdma = reset ? null : Parsed(() => RdmaSelection.Parse(value)) },
            "gpu" => this with { Gpu = reset ? null : Parsed(() => GpuSelection.Parse(value)) },
            "rdma-libs" => this with { RdmaLibs = reset ? null : Parsed(() => RdmaLibrariesText.Parse(value)) },
            "cache-dir" => this with
            {
                CacheDirectory = reset ? null : PathText.Normalize(Absolute(value, origin, key)),
            },
            "mksquashfs-args" => this with
            {
                MksquashfsArgs = reset ? null : Parsed(() => Image.Formats.MksquashfsArgs.Parse(value)) is [] ? null
                    : value,
            },
            "sessiondir-max-size" => this with
            {
                SessionDirMaxSize = reset ? null
                    : value.All(char.IsAsciiDigit) && uint.TryParse(value, out uint mib) && mib <= MaxTmpfsMiB ? mib
                    : throw Invalid($"{origin}: sessiondir-max-size: '{Shown.Excerpt(value)}' is not a size in MiB " +
                        $"(a whole number up to {MaxTmpfsMiB}; 0: no cap)"),
            },
            _ => throw Invalid($"{origin}: unknown key '{Shown.Excerpt(key)}' (known: {string.Join(", ", Keys)})"),
        };
    }

    /// <summary>The binds so far and those <paramref name="value"/> lists; a destination bound again takes the later
    /// source.</summary>
    private IReadOnlyList<SiteBind> AddBinds(string value, string origin)
    {
        // The source first: without a destination it is also the destination, and BindSpec would name that.
        foreach (string item in BindSpec.Specs(value)) Absolute(BindSpec.SourceOf(item), origin, "bind");
        List<BindSpec> added = Checked(origin, "bind", () => BindSpec.ParseList(value).ToList());
        return [.. Binds.Where(b => !added.Any(a => a.Target == b.Bind.Target)),
            .. added.Select(b => new SiteBind(b, origin))];
    }

    /// <summary>A host path in this file must be absolute: there is no directory it could be relative to.</summary>
    private static string Absolute(string path, string origin, string key) =>
        path.StartsWith('/') ? path
            : throw Invalid($"{origin}: {key}: '{Shown.Excerpt(path)}' is not an absolute path");

    /// <summary>A value parsed by its option's own parser, whose complaint becomes this line's.</summary>
    private static T Checked<T>(string origin, string key, Func<T> parse)
    {
        try { return parse(); }
        catch (HpcRunException e) { throw Invalid($"{origin}: {e.Message}"); }
        catch (FormatException e) { throw Invalid($"{origin}: {key}: {e.Message}"); }
    }

    private static HpcRunException Invalid(string message) => new(ExitCode.SiteConfigInvalid, message);
}
