namespace HpcRun.Image.Formats;

/// <summary>
/// The mksquashfs arguments a user (`--mksquashfs-args "ARGS"`, as Apptainer's build and pull take it:
/// "additional arguments to pass to mksquashfs", split on white space) or a site (hpcrun.conf's mksquashfs-args)
/// may add to an image's build: how it is compressed and laid out, and what mksquashfs may use (mksquashfs(1),
/// squashfs-tools 4.5: -comp, -b, the compressor's -X options, -noI/-noD/-noF/-noX/-noId, -no-fragments,
/// -always-use-fragments, -no-duplicates, -tailends/-no-tailends, -xattrs/-no-xattrs, -no-sparse,
/// -exports/-no-exports, -processors, -mem). Nothing else: hpcrun sets the output, offset, files, owners,
/// permissions and times itself (its images stay reproducible, owned by root, without setuid bits) and reads
/// mksquashfs's progress. -comp takes what libsquashfuse reads, so the launch can serve the image: not lzma.
/// </summary>
public static class MksquashfsArgs
{
    /// <summary>The compressors libsquashfuse 0.1 reads, each with its -X options and whether they take a value
    /// (mksquashfs -help, "Compressors available and compressor specific options").</summary>
    private static readonly Dictionary<string, Dictionary<string, bool>> compressors = new()
    {
        ["gzip"] = new() { ["-Xcompression-level"] = true, ["-Xwindow-size"] = true, ["-Xstrategy"] = true },
        ["lzo"] = new() { ["-Xalgorithm"] = true, ["-Xcompression-level"] = true },
        ["lz4"] = new() { ["-Xhc"] = false },
        ["xz"] = new() { ["-Xbcj"] = true, ["-Xdict-size"] = true },
        ["zstd"] = new() { ["-Xcompression-level"] = true },
    };

    /// <summary>The other options passed on, and whether they take a value.</summary>
    private static readonly Dictionary<string, bool> options = new()
    {
        ["-comp"] = true,
        ["-b"] = true,
        ["-processors"] = true,
        ["-mem"] = true,
        ["-noI"] = false,
        ["-noInodeCompression"] = false,
        ["-noId"] = false,
        ["-noIdTableCompression"] = false,
        ["-noD"] = false,
        ["-noDataCompression"] = false,
        ["-noF"] = false,
        ["-noFragmentCompression"] = false,
        ["-noX"] = false,
        ["-noXattrCompression"] = false,
        ["-no-fragments"] = false,
        ["-always-use-fragments"] = false,
        ["-no-duplicates"] = false,
        ["-tailends"] = false,
        ["-no-tailends"] = false,
        ["-xattrs"] = false,
        ["-no-xattrs"] = false,
        ["-no-sparse"] = false,
        ["-exports"] = false,
        ["-no-exports"] = false,
    };

    /// <summary>The variable that gives them when --mksquashfs-args is not given (the launcher sets it from the
    /// site's mksquashfs-args for build and pull, unless the user has).</summary>
    public const string Variable = "HPCRUN_MKSQUASHFS_ARGS";

    /// <summary>Apptainer's name of the setting (APPTAINER_MKSQUASHFS_ARGS, SINGULARITY_MKSQUASHFS_ARGS), read after
    /// <see cref="Variable"/>.</summary>
    public const string ApptainerKey = "MKSQUASHFS_ARGS";

    /// <summary>The compressor mksquashfs uses when no -comp is given.</summary>
    public const string DefaultCompressor = "gzip";

    /// <summary>Splits <paramref name="text"/> on white space and checks each argument.</summary>
    /// <returns>The arguments, in order; none for blank text.</returns>
    /// <exception cref="FormatException">One line: an option hpcrun does not pass on, one without its value, a
    /// compressor libsquashfuse cannot read, or a -X option that is not the compressor's.</exception>
    public static IReadOnlyList<string> Parse(string text)
    {
        string[] args = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        string compressor = Compressor(args);
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            bool takesValue;
            if (arg.StartsWith("-X", StringComparison.Ordinal))
            {
                if (!compressors[compressor].TryGetValue(arg, out takesValue))
                    throw new FormatException($"{arg} is not an option of {compressor} (mksquashfs -comp " +
                        $"{compressor} takes {string.Join(", ", compressors[compressor].Keys)})");
            }
            else if (!options.TryGetValue(arg, out takesValue))
                throw new FormatException($"hpcrun does not pass {arg} on: it sets the image's output, files, " +
                    "owners and times itself (allowed: -comp, -b, -X..., -noI, -noD, -noF, -noX, -no-fragments, " +
                    "-no-duplicates, -no-xattrs, -processors, -mem and the like: see the README)");
            if (takesValue && ++i == args.Length) throw new FormatException($"{arg} needs a value");
        }
        return args;
    }

    /// <summary>The compressor <paramref name="args"/> choose: the last -comp's, or <see cref="DefaultCompressor"/>.
    /// </summary>
    /// <exception cref="FormatException">A compressor libsquashfuse cannot read.</exception>
    public static string Compressor(IReadOnlyList<string> args)
    {
        string compressor = DefaultCompressor;
        for (int i = 0; i + 1 < args.Count; i++)
            if (args[i] == "-comp") compressor = args[++i];
        return compressors.ContainsKey(compressor) ? compressor : throw new FormatException(
            $"-comp {compressor}: hpcrun cannot serve images compressed with it (libsquashfuse reads " +
            $"{string.Join(", ", compressors.Keys)})");
    }
}
