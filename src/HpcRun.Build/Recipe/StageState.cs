using System.Text;
using HpcRun.Image.Metadata;

namespace HpcRun.Build.Recipe;

/// <summary>What a stage's instructions have set so far besides its tree: the image config (ENV, WORKDIR, LABEL,
/// CMD, ENTRYPOINT, USER), the SHELL of shell-form RUNs, and the ARGs in scope with their values. Kept in the build
/// cache beside each step's tree.</summary>
public sealed record StageState
{
    public ImageConfig Config { get; init; } = ImageConfig.Empty;

    public IReadOnlyList<string> Shell { get; init; } = ["/bin/sh", "-c"];

    public IReadOnlyDictionary<string, string> Args { get; init; } = new Dictionary<string, string>();

    /// <summary>The platform the stage's base image says it is (a SIF's, the image an archive or layout gave), which
    /// the image built records; null when it says none (a directory, SquashFS, `scratch`): then the build's own.
    /// </summary>
    public string? BasePlatform { get; init; }

    /// <summary>The PATH a RUN gets when the image sets none (Docker's default).</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>The config a Dockerfile stage starts from, given its base image's: one without PATH (a local directory,
    /// SquashFS or SIF, `scratch`, an image whose ENV lacks it) gets <see cref="DefaultPath"/> appended to its ENV,
    /// as BuildKit does for every stage (dockerfile2llb: "make sure that PATH is always set"; an empty image's
    /// config has it too). So `ENV PATH=/opt/tool/bin:$PATH` expands against it, RUN finds /bin/ls, and the image
    /// records the PATH its steps saw.</summary>
    public static ImageConfig WithDefaultPath(ImageConfig config) =>
        config.EnvPairs().Any(p => p.Key == "PATH") ? config
            : config with { Env = [.. config.Env, $"PATH={DefaultPath}"] };

    /// <summary>A RUN's environment: the ARGs, then the image's ENV over them, PATH and HOME when unset.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> RunEnvironment()
    {
        var environment = new Dictionary<string, string>(Args);
        foreach ((string name, string value) in Config.EnvPairs()) environment[name] = value;
        environment.TryAdd("PATH", DefaultPath);
        environment.TryAdd("HOME", "/root");
        return [.. environment];
    }

    public string? Variable(string name) =>
        Config.EnvPairs().LastOrDefault(p => p.Key == name).Value ?? Args.GetValueOrDefault(name);

    public StageState WithEnv(string name, string value) => this with
    {
        Config = Config with
        {
            Env = [.. Config.Env.Where(e => !e.StartsWith(name + "=", StringComparison.Ordinal)), $"{name}={value}"],
        },
    };

    /// <summary>The NAME=VALUE pairs of one ENV, LABEL or ARG instruction (<see cref="Words.Pairs"/>), names and
    /// values expanded against this state: the state before the instruction, for every pair (Dockerfile reference,
    /// "Environment replacement": `ENV A=1 B=$A` gives B the A from before; quotes and escapes as
    /// <see cref="Words.Split"/> says, with the Dockerfile's <paramref name="escape"/> character). A null value:
    /// `ARG NAME` alone.</summary>
    public List<KeyValuePair<string, string?>> ExpandPairs(string arguments, bool legacyForm, char escape = '\\',
        int line = 0) => Words.Pairs(arguments, legacyForm, this, escape, line);

    /// <summary>Substitutes $NAME, ${NAME}, ${NAME:-default} and ${NAME:+alternative} with <see cref="Variable"/>
    /// (Dockerfile reference, "Environment replacement"); \$ (`$ with `# escape=``) stays a literal $.</summary>
    public string Expand(string text, char escape = '\\')
    {
        var result = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == escape && i + 1 < text.Length && text[i + 1] == '$') { result.Append('$'); i++; continue; }
            if (c != '$' || i + 1 == text.Length) { result.Append(c); continue; }
            if (text[i + 1] == '{')
            {
                int end = text.IndexOf('}', i + 2);
                if (end < 0) { result.Append(text[i..]); break; }
                string inner = text[(i + 2)..end];
                int colon = inner.IndexOf(':');
                string name = colon < 0 ? inner : inner[..colon];
                string? value = Variable(name);
                if (colon >= 0 && colon + 1 < inner.Length)
                {
                    string word = inner[(colon + 2)..];
                    value = inner[colon + 1] switch
                    {
                        '-' => string.IsNullOrEmpty(value) ? Expand(word, escape) : value,
                        '+' => string.IsNullOrEmpty(value) ? "" : Expand(word, escape),
                        _ => value,
                    };
                }
                result.Append(value);
                i = end;
                continue;
            }
            int length = 0;
            while (i + 1 + length < text.Length && (char.IsAsciiLetterOrDigit(text[i + 1 + length])
                       || text[i + 1 + length] == '_')) length++;
            if (length == 0) { result.Append(c); continue; }
            result.Append(Variable(text.Substring(i + 1, length)));
            i += length;
        }
        return result.ToString();
    }
}
