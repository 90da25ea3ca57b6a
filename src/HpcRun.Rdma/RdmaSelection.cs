namespace HpcRun.Rdma;

/// <summary>
/// Which RDMA devices a job sees: --rdma=auto (all the host has; the default), none, or a
/// comma-separated list of device names (mlx5_0,mlx5_1), also settable as HPCRUN_RDMA.
/// </summary>
public sealed record RdmaSelection
{
    public const string EnvironmentVariable = "HPCRUN_RDMA";

    public static RdmaSelection Auto { get; } = new();
    public static RdmaSelection None { get; } = new() { Names = [] };

    /// <summary>The chosen device names; null means all of them.</summary>
    public IReadOnlyList<string>? Names { get; private init; }

    /// <exception cref="FormatException">An empty list or a malformed name.</exception>
    public static RdmaSelection Parse(string value)
    {
        string text = value.Trim();
        if (text == "auto") return Auto;
        if (text == "none") return None;
        string[] names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0 || names.Any(n => n.Contains('/') || n is "." or ".." or "auto" or "none"))
            throw new FormatException(
                $"bad RDMA selection '{value}': expected auto, none or device names such as mlx5_0,mlx5_1");
        return new RdmaSelection { Names = [.. names.Distinct()] };
    }

    public bool Includes(string device) => Names?.Contains(device) ?? true;

    public override string ToString() => Names is null ? "auto" : Names.Count == 0 ? "none" : string.Join(',', Names);
}

/// <summary>Whose verbs provider configuration and libraries the job uses (--rdma-libs, HPCRUN_RDMA_LIBS).</summary>
public enum RdmaLibraries
{
    /// <summary>The host's when the image has no /etc/libibverbs.d, else the image's own.</summary>
    Auto,
    /// <summary>Always the host's (they match the host's kernel drivers and firmware).</summary>
    Host,
    /// <summary>Never inject: the image brings its own rdma-core.</summary>
    Image,
}

public static class RdmaLibrariesText
{
    public const string EnvironmentVariable = "HPCRUN_RDMA_LIBS";

    /// <exception cref="FormatException">Not auto, host or image.</exception>
    public static RdmaLibraries Parse(string value) => value.Trim() switch
    {
        "auto" => RdmaLibraries.Auto,
        "host" => RdmaLibraries.Host,
        "image" => RdmaLibraries.Image,
        _ => throw new FormatException($"bad RDMA library choice '{value}': expected auto, host or image"),
    };
}
