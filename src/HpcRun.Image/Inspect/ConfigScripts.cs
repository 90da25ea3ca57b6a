using System.Text;
using HpcRun.Image.Metadata;
using HpcRun.Image.Text;

namespace HpcRun.Image.Inspect;

/// <summary>
/// What Apptainer's build from a Docker image writes into /.singularity.d, derived from the image config that
/// hpcrun's images carry instead (a SIF object, or /.hpcrun/config.json): env/10-docker2singularity.sh (each ENV as
/// `export NAME="${NAME:-value}"`, Apptainer's pkg/build/sources/conveyorPacker_oci.go) and a runscript that runs
/// what `hpcrun run` runs: ENTRYPOINT, then the arguments or else CMD.
/// </summary>
public static class ConfigScripts
{
    public const string EnvironmentPath = "/.singularity.d/env/10-docker2singularity.sh";

    /// <summary>The environment script, or null when the config sets no variable.</summary>
    public static string? Environment(ImageConfig config)
    {
        if (!config.EnvPairs().Any()) return null;
        var exports = new StringBuilder("#!/bin/sh\n");
        foreach ((string name, string value) in config.EnvPairs())
            exports.Append($"export {name}=\"${{{name}:-{DoubleQuoted(value)}}}\"\n");
        return exports.ToString();
    }

    /// <summary>The runscript, or null when the config has neither ENTRYPOINT nor CMD.</summary>
    public static string? Runscript(ImageConfig config)
    {
        string entrypoint = ShellWords.Join(config.Entrypoint ?? []), cmd = ShellWords.Join(config.Cmd ?? []);
        if (entrypoint.Length == 0 && cmd.Length == 0) return null;
        string prefix = entrypoint.Length == 0 ? "" : entrypoint + " ";
        return cmd.Length == 0 ? $"#!/bin/sh\nexec {prefix}\"$@\"\n"
            : $"#!/bin/sh\nif [ $# -gt 0 ]; then exec {prefix}\"$@\"; fi\nexec {prefix}{cmd}\n";
    }

    /// <summary>A value inside double quotes: ", $, ` and \ escaped.</summary>
    private static string DoubleQuoted(string value) =>
        value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("$", "\\$").Replace("`", "\\`");
}
