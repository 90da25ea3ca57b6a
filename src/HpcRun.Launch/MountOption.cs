namespace HpcRun.Launch;

/// <summary>
/// --mount SPEC, Apptainer's (and Docker's) form of a bind: `type=bind,src=PATH,dst=PATH[,ro]`, with
/// `source`/`destination`/`target` and `readonly` as long names, `ro=true|false`, `readonly=true|false`.
/// Only binds: other types (image mounts) are refused.
/// </summary>
public static class MountOption
{
    /// <param name="source">Where the spec came from, as messages name it (--mount, APPTAINER_MOUNT).</param>
    /// <exception cref="HpcRunException">64 (usage): not type=bind, a field missing or unknown.</exception>
    public static BindSpec Parse(string source, string spec)
    {
        string? type = null, src = null, dst = null;
        bool readOnly = false;
        foreach (string field in
            spec.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = field.Split('=', 2);
            string key = kv[0], value = kv.Length == 2 ? kv[1] : "";
            switch (key)
            {
                case "type": type = value; break;
                case "src" or "source": src = value; break;
                case "dst" or "destination" or "target": dst = value; break;
                case "ro" or "readonly":
                    readOnly = value switch
                    {
                        "" or "true" or "1" => true,
                        "false" or "0" => false,
                        _ => throw Bad(source, spec, $"{key} takes true or false, not '{value}'"),
                    };
                    break;
                default: throw Bad(source, spec, $"unknown field '{key}' (type, src, dst, ro)");
            }
        }
        if (type != "bind") throw Bad(source, spec, "hpcrun mounts only type=bind");
        if (string.IsNullOrEmpty(src) || string.IsNullOrEmpty(dst)) throw Bad(source, spec, "it needs src= and dst=");
        if (!dst.StartsWith('/') || PathText.Normalize(dst) == "/")
            throw Bad(source, spec, "dst must be an absolute path other than /");
        return new BindSpec(src, PathText.Normalize(dst), readOnly);
    }

    private static HpcRunException Bad(string source, string spec, string why) =>
        new(ExitCode.Usage, $"{source}: bad mount '{spec}': {why}");
}
