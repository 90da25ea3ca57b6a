using HpcRun.Image.Text;

namespace HpcRun.Build;

/// <summary>Which image `hpcrun build OUT` and `hpcrun pull OUT` write: a SIF, or a bare SquashFS (--sqfs). OUT's
/// name says it too, since users name a file by what it holds and the launcher runs both: OUT named `*.sqfs` or
/// `*.squashfs` is a bare SquashFS without --sqfs, as squashfuse, unsquashfs, mount and ch-run, which read no SIF,
/// expect of that name; --sqfs with OUT named `*.sif` contradicts itself and is refused rather than guessed.</summary>
public static class OutputFormat
{
    /// <summary>The names of a bare SquashFS file, in any case.</summary>
    public static readonly string[] SquashFsSuffixes = [".sqfs", ".squashfs"];

    /// <summary>Whether OUT (<paramref name="output"/>) is written as a bare SquashFS: --sqfs
    /// (<paramref name="sqfs"/>) or its name; and why it cannot be (null: it can), for --sqfs with a SIF's
    /// name.</summary>
    public static (bool SquashFs, string? Refusal) Decide(string output, bool sqfs)
    {
        bool named = SquashFsSuffixes.Any(s => output.EndsWith(s, StringComparison.OrdinalIgnoreCase));
        if (sqfs && output.EndsWith(".sif", StringComparison.OrdinalIgnoreCase))
            return (true, $"--sqfs writes a bare SquashFS, but OUT {Shown.Path(output)} is named as a SIF: name it " +
                $"{Shown.Path(output[..^4])}.sqfs, or leave out --sqfs for a SIF");
        return (sqfs || named, null);
    }

    /// <summary>The line that refuses a bare SquashFS (OUT's name, else --sqfs, asked for it) of
    /// <paramref name="source"/>, an image file already, whose file system hpcrun copies into a SIF as it is (a bare
    /// SquashFS would need its metadata put inside it, squashed again), with what to give instead.</summary>
    public static string NotOfAnImage(string output, string source) =>
        (SquashFsSuffixes.Any(s => output.EndsWith(s, StringComparison.OrdinalIgnoreCase))
            ? $"OUT {Shown.Path(output)} names a bare SquashFS, "
            : "--sqfs asks for a bare SquashFS, ") +
        $"but {Shown.Path(source)} is an image already, which hpcrun copies into a SIF: name OUT " +
        $"{Shown.Path(Path.ChangeExtension(output, ".sif"))} without --sqfs";
}
