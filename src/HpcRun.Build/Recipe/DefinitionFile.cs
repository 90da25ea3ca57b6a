using System.Text.Json;
using HpcRun.Image;
using HpcRun.Image.Text;

namespace HpcRun.Build.Recipe;

/// <summary>The sections of an Apptainer definition file that become the image's metadata (Apptainer's
/// /.singularity.d: runscript, runscript.help, test, labels.json, env/90-environment.sh, startscript), each the
/// sections of its name joined (null: none, or blank), and its whole text, which the SIF stores as its definition
/// file.</summary>
public sealed record DefinitionSections(string Text, string? Runscript, string? Help, string? Environment,
    string? Test, IReadOnlyList<KeyValuePair<string, string>> Labels)
{
    /// <summary>The line of the first %test header (1-based; 0 without one), for the build's messages.</summary>
    public int TestLine { get; init; }

    /// <summary>%startscript: what `apptainer instance start` runs. hpcrun has no instances; the image keeps it for
    /// Apptainer.</summary>
    public string? Startscript { get; init; }

    /// <summary>The header's keys (lower case, as Apptainer keeps them) and values, in the order written: the image's
    /// `org.label-schema.usage.singularity.deffile.KEY` labels (<see cref="BuildLabels"/>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Header { get; init; } = [];

    /// <summary>The arguments on the header line of %runscript, %test and %startscript (by section name; the last
    /// header that has any), which Apptainer adds to the script's `#!` line.</summary>
    public IReadOnlyDictionary<string, string> ScriptArguments { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Reads an Apptainer definition file (Apptainer's "Definition Files" documentation): the header's `Bootstrap:`
/// (docker, localimage, docker-archive, oci, oci-archive; docker-daemon, oras and the others refused) and `From:`,
/// then %files, %post, %environment, %runscript, %labels, %help, %test and %startscript. A section written more than
/// once is one, its bodies joined in order, as Apptainer joins them. Each %files line becomes a COPY from the current
/// directory (an absolute host path from its own directory), then %post a RUN (as Apptainer runs it:
/// <see cref="PostCommand"/>): Apptainer copies the files before %post runs, wherever the sections are written. %test
/// is no step: as `apptainer build` does, the build runs it in the finished image (<see cref="RecipeBuilder"/>), so
/// what it writes never lands in the image. %setup (run on the host as root) and app sections are refused.
/// </summary>
public static class DefinitionFile
{
    private static readonly string[] MetadataSections =
        ["environment", "runscript", "labels", "help", "test", "arguments", "startscript"];

    /// <summary>Whether <paramref name="path"/> and its <paramref name="text"/> are a definition file's: named like
    /// one (<see cref="IsNamed"/>), or starting as one (<see cref="Starts"/>).</summary>
    public static bool Is(string path, string text) => IsNamed(path) || Starts(Recipe.WithoutBom(text).Split('\n'));

    /// <summary>Whether the file at <paramref name="path"/> is a definition file, as <see cref="Is"/> says from its
    /// name or its first lines (read only when it is small).</summary>
    public static bool IsFile(string path) => IsNamed(path) || Starts(Recipe.SmallFileLines(path));

    /// <summary>Whether <paramref name="path"/> is named like a definition file: ending in .def, or `Singularity`,
    /// the name Apptainer's (and Singularity's) documentation and registries give one.</summary>
    public static bool IsNamed(string path) =>
        path.EndsWith(".def", StringComparison.OrdinalIgnoreCase) || Path.GetFileName(path) == "Singularity";

    /// <summary>Whether <paramref name="lines"/> start as a definition file: its header (the lines before the first
    /// section), blank lines and comments aside, starts with a header Apptainer knows (`Bootstrap:`, `From:`..., in
    /// any case) and has a `Bootstrap:`, which Apptainer reads in any order.</summary>
    internal static bool Starts(IEnumerable<string> lines)
    {
        static string? Key(string line) => line.IndexOf(':') is > 0 and int colon ? line[..colon].Trim() : null;
        List<string> header = [.. lines.Select(l => l.Trim()).TakeWhile(l => !l.StartsWith('%'))
            .Where(l => l.Length > 0 && l[0] != '#')];
        return header.Count > 0 && Key(header[0]) is { } first && IsKnownHeader(first)
            && header.Any(l => Key(l) is { } key && key.Equals("Bootstrap", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The headers Apptainer knows (pkg/build/types/parser/deffile.go, validHeaders; `OtherURL` takes a
    /// number, as `OtherURL0`); any other key is refused, as Apptainer refuses it.</summary>
    private static readonly string[] KnownHeaders =
    [
        "bootstrap", "from", "includecmd", "mirrorurl", "updateurl", "osversion", "include", "library", "registry",
        "namespace", "stage", "product", "user", "regcode", "productpgp", "registerurl", "modules", "otherurl",
        "fingerprints", "confurl", "setopt", "target", "frontend", "filename", "buildargs",
    ];

    /// <summary>The headers each agent hpcrun supports reads (Apptainer's conveyorPacker_oci.go reads Registry and
    /// Namespace for docker; `Stage:` only names the stage); the others of <see cref="KnownHeaders"/> are left out with
    /// a warning, as Apptainer leaves them out without one.</summary>
    private static readonly Dictionary<string, string[]> UsedHeaders = new()
    {
        ["docker"] = ["bootstrap", "from", "registry", "namespace", "stage"],
        ["localimage"] = ["bootstrap", "from", "stage"],
        ["docker-archive"] = ["bootstrap", "from", "stage"],
        ["oci"] = ["bootstrap", "from", "stage"],
        ["oci-archive"] = ["bootstrap", "from", "stage"],
        // Apptainer's ScratchConveyor reads no From: the root starts empty, and %files fills it.
        ["scratch"] = ["bootstrap", "stage"],
    };

    /// <summary>The agents whose `From:` names a `docker save` archive or an OCI layout (a directory or its tar),
    /// `FILE[:TAG]` (<see cref="ArchiveReference"/>): read as `Bootstrap: localimage` reads one.</summary>
    private static readonly string[] ArchiveAgents = ["docker-archive", "oci", "oci-archive"];

    /// <summary>The recipe of <paramref name="text"/>, its `{{ NAME }}` placeholders replaced first with
    /// <paramref name="buildArgs"/> and the %arguments defaults (<see cref="DefinitionArguments"/>). Throws
    /// <see cref="RecipeException"/> with the line of what it cannot read. The header is read as Apptainer reads it:
    /// keys in any case, a `#` and what follows it dropped from a value, a value ending in a backslash continued on
    /// the next line; an unknown key is refused, a known one the agent does not read is a warning
    /// (<see cref="Recipe.Warnings"/>).</summary>
    public static Recipe Parse(string text, IReadOnlyDictionary<string, string>? buildArgs = null)
    {
        Recipe.RefuseNul(text);
        var used = new HashSet<string>();
        List<(string Text, int Line)> numbered = DefinitionArguments.SubstituteLines(text,
            buildArgs ?? new Dictionary<string, string>(), used);
        // The image stores the text as given, its placeholders replaced (Apptainer stores the substituted bytes: a
        // byte-order mark and CRLF line ends included); it is read as Apptainer's scanner reads it (bufio.ScanLines
        // drops a line's last CR), the mark left out, which Apptainer's header parser would refuse.
        text = string.Join('\n', numbered.Select(l => l.Text));
        string[] lines = [.. numbered.Select((l, n) => n == 0 ? Recipe.WithoutBom(l.Text) : l.Text)
            .Select(l => l.EndsWith('\r') ? l[..^1] : l)];
        int Written(int index) => numbered[index].Line; // a value with a newline adds lines; messages name the file's
        var header = new Dictionary<string, (string Value, int Line)>(StringComparer.OrdinalIgnoreCase);
        int i = 0;
        for (; i < lines.Length && !lines[i].TrimStart().StartsWith('%'); i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int first = i, colon = line.IndexOf(':');
            if (colon <= 0) throw new RecipeException($"header line is not `Key: value`: {line}", Written(i));
            string key = line[..colon].Trim(), value = Uncommented(line[(colon + 1)..]);
            while (value.EndsWith('\\') && i + 1 < lines.Length && lines[i + 1].Trim() is { Length: > 0 } next
                   && !next.StartsWith('#') && !next.StartsWith('%'))
            {
                value = value[..^1] + Uncommented(next);
                i++;
            }
            if (header.ContainsKey(key) && key.Equals("Bootstrap", StringComparison.OrdinalIgnoreCase))
                throw SecondStage(Written(first));
            if (!IsKnownHeader(key))
                throw new RecipeException(
                    $"unknown header `{key}:` (Apptainer refuses it too; a section starts with %)", Written(first));
            header.Remove(key); // the key as written last, for messages
            header[key] = (value, Written(first));
        }
        for (int j = i; j < lines.Length; j++)
            if (lines[j].StartsWith("bootstrap:", StringComparison.OrdinalIgnoreCase)) throw SecondStage(Written(j));
        var sections = new List<Part>();
        for (; i < lines.Length; i++)
        {
            string trimmed = lines[i].TrimStart();
            if (trimmed.StartsWith('%') && trimmed.Length > 1 && char.IsAsciiLetter(trimmed[1]))
            {
                int space = trimmed.IndexOfAny([' ', '\t']);
                string name = (space < 0 ? trimmed[1..] : trimmed[1..space]).ToLowerInvariant();
                sections.Add(new Part(name, space < 0 ? "" : trimmed[space..].Trim(), Written(i), []));
            }
            else if (sections.Count > 0) sections[^1].Body.Add((lines[i], Written(i)));
        }
        string from = From(header);
        string agent = header["Bootstrap"].Value.ToLowerInvariant();
        List<(int, string)> warnings = [.. header.Where(h => !UsedHeaders[agent].Contains(h.Key.ToLowerInvariant()))
            .OrderBy(h => h.Value.Line)
            .Select(h => (h.Value.Line, $"`{h.Key}:` is not used by Bootstrap: {agent}: left out"))];
        foreach (var section in sections)
            switch (section.Name)
            {
                case "files" when section.Arguments.Length > 0:
                    throw new RecipeException("%files from a stage is not supported", section.Line);
                case "setup":
                    throw new RecipeException("%setup runs on the host as root: not supported (use %files)",
                        section.Line);
                case "files" or "post":
                    break;
                default:
                    if (!MetadataSections.Contains(section.Name))
                        throw new RecipeException($"section %{section.Name} is not supported" +
                            (Typos.Suggestion(section.Name, [.. MetadataSections, "files", "post"]) is { } meant
                                ? $": did you mean %{meant}?" : ""), section.Line);
                    break;
            }
        // A section written more than once is one section, its bodies joined in the order written, as Apptainer's
        // parser joins them (deffile.go, parseTokenSection); a blank one is none, as Apptainer skips an empty
        // script, and leaves the base image's file of it in place.
        List<Part> Named(string name) => [.. sections.Where(s => s.Name == name)];
        Part? Arguments(string name) => Named(name).LastOrDefault(s => s.Arguments.Length > 0); // the last given
        string? Section(string name) => Named(name).SelectMany(s => s.Body).ToList() is var body
            && body.Any(l => l.Text.Trim().Length > 0) ? Body(body) : null;
        // Apptainer copies every %files before %post runs, wherever either is written (build.go, Full): the
        // %files lines in the order written, then %post once, with the arguments of the last one that has any.
        var instructions = new List<Instruction>();
        // The source is expanded as Apptainer's shell expands it (FilesSource), into patterns (GlobPattern), each a
        // copy of its own in turn, as CopyFromHost copies each path; the destination is a path as written. With
        // none, each match goes to its own path (CopyFromHost's empty dstRel): the source alone.
        foreach ((string entry, int line) in Named("files").SelectMany(s => s.Body))
            if (Words.Split(entry.Trim(), line: line) is { Count: > 0 } pair && !pair[0].StartsWith('#'))
                foreach (string source in FilesSource.Expand(FilesSource.First(entry).Word,
                             System.Environment.GetEnvironmentVariable, line))
                    instructions.Add(Exec("%files", line, [source, .. pair.Skip(1).Take(1)], $"%files {entry.Trim()}"));
        if (Section("post") is { } post)
        {
            Part shell = Arguments("post") ?? Named("post")[0];
            Instruction run = Exec("%post", Named("post")[0].Line, PostCommand(shell.Arguments, shell.Line),
                $"%post {shell.Arguments} {post}");
            instructions.Add(run with { Script = post });
        }
        string? test = Section("test");
        var labels = ApptainerLayout.Labels(Section("labels") ?? "").ToList();
        var definition = new DefinitionSections(text, Section("runscript"), Section("help"), Section("environment"),
            test, labels)
        {
            TestLine = test is null ? 0 : Named("test")[0].Line,
            Header = [.. header.OrderBy(h => h.Value.Line)
                .Select(h => KeyValuePair.Create(h.Key.ToLowerInvariant(), h.Value.Value))],
            Startscript = Section("startscript"),
            ScriptArguments = ((string[])["runscript", "test", "startscript"])
                .Select(name => (name, Arguments(name)?.Arguments)).Where(a => a.Arguments is not null)
                .ToDictionary(a => a.name, a => a.Arguments!),
        };
        string location = string.Concat(((string[])["Registry", "Namespace"])
            .Where(k => agent == "docker" && header.GetValueOrDefault(k).Value is { Length: > 0 })
            .Select(k => $" {k}: {header[k].Value}"));
        // The base is what `From:` names: messages about it (not found, not an archive, its platform) name its line.
        var (fromLine, shownFrom) = agent == "scratch" ? (header["Bootstrap"], "")
            : (header["From"], $" From: {header["From"].Value}");
        var stage = new Stage(from, null, null, instructions, fromLine.Line)
        {
            Shown = $"Bootstrap: {header["Bootstrap"].Value}{shownFrom}{location}",
            Term = agent == "scratch" ? "Bootstrap: scratch" : $"From: {header["From"].Value}",
            Variables = ApptainerLayout.PostVariables,
            ArchiveAgent = ArchiveAgents.Contains(agent) ? agent : null,
        };
        return new Recipe([stage], new Dictionary<string, string?>(), definition)
        {
            ArgsUsed = used,
            Warnings = warnings,
        };
    }

    /// <summary>A section as written: its name (lower case), the arguments on its header line, that line, and its
    /// lines with theirs.</summary>
    private sealed record Part(string Name, string Arguments, int Line, List<(string Text, int Line)> Body);

    /// <summary>A `Bootstrap:` after the first, which starts another stage in Apptainer's multi-stage files.</summary>
    private static RecipeException SecondStage(int line) =>
        new("a second `Bootstrap:` starts another stage: multi-stage definition files are not supported (build the " +
            "first stage into a SIF, then use Bootstrap: localimage)", line);

    private static bool IsKnownHeader(string key)
    {
        string lower = key.ToLowerInvariant();
        return KnownHeaders.Contains(lower) || lower.StartsWith("otherurl", StringComparison.Ordinal)
            && lower.Length > "otherurl".Length && lower["otherurl".Length..].All(char.IsAsciiDigit);
    }

    /// <summary>A header value without the comment Apptainer drops from it (everything from a `#`), trimmed.</summary>
    private static string Uncommented(string value) => value.Split('#')[0].Trim();

    /// <summary>The stage's FROM, from the header's `Bootstrap:` agent (checked first: an agent hpcrun does not
    /// support gets its own line whatever else the header lacks) and `From:`; for docker, `Namespace:` and
    /// `Registry:` go before it as Apptainer puts them (REGISTRY/NAMESPACE/FROM). `Fingerprints:` of a localimage asks
    /// for a signature check, which hpcrun cannot make: refused rather than left out.</summary>
    private static string From(Dictionary<string, (string Value, int Line)> header)
    {
        if (!header.TryGetValue("Bootstrap", out var bootstrap))
            throw new RecipeException("the definition file has no `Bootstrap:` header"); // no line to name
        string agent = bootstrap.Value.ToLowerInvariant();
        if (agent == "oras")
            throw new RecipeException(
                "Bootstrap: oras is not supported: pull the image with oras and use Bootstrap: localimage",
                bootstrap.Line);
        bool hasFrom = header.TryGetValue("From", out var from) && from.Value.Length > 0;
        if (agent == "docker-daemon") // Apptainer's agent reads the daemon's socket, which a compute node lacks
            throw new RecipeException($"Bootstrap: docker-daemon: hpcrun reads no Docker daemon: `docker save " +
                $"{(hasFrom ? from.Value : "IMAGE")} -o image.tar`, then Bootstrap: docker-archive with From: " +
                "image.tar", bootstrap.Line);
        if (agent == "scratch") return BaseImage.Scratch.Identity; // FROM scratch: an empty root
        if (agent is not ("docker" or "localimage") && !ArchiveAgents.Contains(agent))
            throw new RecipeException($"Bootstrap: {bootstrap.Value} is not supported: hpcrun builds from " +
                "Bootstrap: docker (a registry image), localimage (a local SIF, SquashFS or directory), " +
                "docker-archive, oci or oci-archive (a docker save archive, an OCI layout or its tar), or scratch " +
                "(an empty root that %files fills)", bootstrap.Line);
        if (!hasFrom)
            throw new RecipeException("the definition file has no `From:` header", bootstrap.Line);
        if (agent == "localimage" && header.TryGetValue("Fingerprints", out var fingerprints)
            && fingerprints.Value.Length > 0)
            throw new RecipeException("Fingerprints: hpcrun does not verify signatures: check the image with " +
                "`apptainer verify`, then build without the header", fingerprints.Line);
        if (ArchiveAgents.Contains(agent)
            && ArchiveReference.IndexRefusal(ArchiveReference.Split(from.Value, _ => false).Image) is { } index)
            throw new RecipeException($"From: {from.Value}: {index}", from.Line);
        if (agent == "docker")
        {
            string reference = from.Value;
            foreach (string prefix in (string[])["Namespace", "Registry"])
                if (header.GetValueOrDefault(prefix).Value is { Length: > 0 } part)
                    reference = $"{part.TrimEnd('/')}/{reference}";
            return HpcRun.Image.Registry.ImageReference.Scheme + reference;
        }
        return from.Value.StartsWith('/') || from.Value.StartsWith('.') ? from.Value : "./" + from.Value;
    }

    /// <summary>Where %post's script is written in the tree, as Apptainer writes it (stage.go, runPostScript), and
    /// removed once it ran.</summary>
    public const string PostScript = "/.post.script";

    /// <summary>The command that runs %post's script (<see cref="PostScript"/>), as Apptainer's getSectionScriptArgs
    /// (internal/pkg/build/util.go) makes it from the section's <paramref name="arguments"/> (a `#` and what follows
    /// dropped, split at blanks): `/bin/sh -ex ARGS SCRIPT`, so that the shell stops at the first failing command and
    /// traces each on stderr (`+ cmd`); with `-c`, the words after it are one shell command run with the script's
    /// path, `/bin/sh -ex ARGS -c "SHELL... SCRIPT"` (`%post -c /bin/bash`: bash runs the script, without -e or -x).
    /// Throws <see cref="RecipeException"/> at <paramref name="line"/> for a `-c` with nothing after it.</summary>
    internal static List<string> PostCommand(string arguments, int line)
    {
        List<string> words = [.. arguments.Split('#')[0].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)];
        int c = words.IndexOf("-c");
        if (c < 0) return ["/bin/sh", "-ex", .. words, PostScript];
        if (c == words.Count - 1)
            throw new RecipeException($"%post {arguments}: `-c` takes the shell to run the script with", line);
        return ["/bin/sh", "-ex", .. words[..(c + 1)], $"{string.Join(' ', words[(c + 1)..])} {PostScript}"];
    }

    private static string Body(IEnumerable<(string Text, int Line)> body) =>
        string.Join('\n', body.Select(l => l.Text)).Trim('\n') + "\n";

    /// <summary>An instruction in exec form, shown in progress as <paramref name="shown"/> (the definition file's
    /// own terms).</summary>
    private static Instruction Exec(string keyword, int line, IReadOnlyList<string> argv, string shown)
    {
        string arguments = JsonSerializer.Serialize(argv.ToArray(), RecipeJson.Default.StringArray);
        return new Instruction(keyword, new Dictionary<string, string>(), arguments, line) { Shown = shown };
    }
}
