namespace HpcRun.Gpu;

/// <summary>The GPU vendors hpcrun sets up.</summary>
public enum GpuKind
{
    /// <summary>Every vendor whose device nodes this host has (none on a host without GPUs).</summary>
    Auto,
    Nvidia,
    Amd,
    None,
}

/// <summary>
/// Which GPUs a job gets: --gpu=auto (the default), nvidia, amd or none, optionally with indices
/// (nvidia:0,2; amd:1), also settable as HPCRUN_GPU. An NVIDIA index is the GPU's device minor
/// number (/dev/nvidiaN, "Minor Number" in nvidia-smi -q, and the order of Slurm's gres.conf);
/// an AMD index is the GPU's place among the render nodes (/dev/dri/renderD128 is 0), the order
/// ROCm enumerates them in. --nv and --rocm, as Apptainer users type them, are nvidia and amd
/// <see cref="Optional"/>: as Apptainer does, a host without that vendor's GPUs gets a warning and
/// the job runs without them (job scripts that always pass --nv run on CPU partitions), where a
/// vendor named with --gpu must be there.
/// </summary>
/// <param name="Optional">The vendor's absence (no device nodes, no libcuda, an image without glibc) is a
/// warning rather than an error, as under auto.</param>
public sealed record GpuSelection(GpuKind Kind, IReadOnlyList<int>? Indices = null, bool Optional = false)
{
    public const string EnvironmentVariable = "HPCRUN_GPU";

    public static GpuSelection Auto { get; } = new(GpuKind.Auto);
    public static GpuSelection None { get; } = new(GpuKind.None);
    public static GpuSelection Nvidia { get; } = new(GpuKind.Nvidia);
    public static GpuSelection Amd { get; } = new(GpuKind.Amd);

    /// <summary>A vendor asked for by name with --gpu: its absence is an error.</summary>
    public bool Strict => Kind is GpuKind.Nvidia or GpuKind.Amd && !Optional;

    /// <exception cref="FormatException">An unknown kind, indices after auto or none, or an index that is not a
    /// number.</exception>
    public static GpuSelection Parse(string value)
    {
        string text = value.Trim();
        int colon = text.IndexOf(':');
        string kindText = colon < 0 ? text : text[..colon];
        GpuKind kind = kindText switch
        {
            "auto" => GpuKind.Auto,
            "nvidia" => GpuKind.Nvidia,
            "amd" => GpuKind.Amd,
            "none" => GpuKind.None,
            _ => throw Bad(value),
        };
        if (colon < 0) return new GpuSelection(kind);
        if (kind is GpuKind.Auto or GpuKind.None) throw Bad(value);
        string[] items = text[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries);
        var indices = new List<int>();
        foreach (string item in items)
        {
            if (!int.TryParse(item, System.Globalization.NumberStyles.None, null, out int index) || index > 4095)
                throw Bad(value);
            if (!indices.Contains(index)) indices.Add(index);
        }
        return new GpuSelection(kind, indices);
    }

    private static FormatException Bad(string value) =>
        new($"bad GPU selection '{value}': expected auto, nvidia, amd or none, with indices as in nvidia:0,2");

    public override string ToString()
    {
        string kind = Kind.ToString().ToLowerInvariant();
        return Indices is null ? kind : $"{kind}:{string.Join(',', Indices)}";
    }
}
