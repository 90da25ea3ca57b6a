using System.Text;
using HpcRun.Image.Text;

namespace HpcRun.Image.Inspect;

/// <summary>`hpcrun inspect` for people: aligned "Field: value" lines, sections for lists; what the JSON says, in its
/// order (labels by key, as <see cref="ImageInspector"/> reads them).</summary>
public static class ImageInfoText
{
    public static string Render(ImageInfo info)
    {
        var text = new StringBuilder();
        void Line(string name, object? value)
        {
            if (value is not null && $"{value}".Length > 0) text.AppendLine($"{name + ":",-14}{value}");
        }
        Line("Image", info.Path);
        Line("Format", info.Format);
        Line("Architecture", info.Architecture);
        Line("ID", info.Id);
        Line("Created", info.Created?.ToString("u"));
        Line("Modified", info.Modified?.ToString("u"));
        Line("Size", info.Size);
        if (info.FileSystem is { } fs)
            Line("File system", $"SquashFS at offset {fs.Offset}, {fs.BytesUsed} bytes, {fs.Inodes} inodes, "
                + $"{fs.Compression}, {fs.BlockSize}-byte blocks");
        if (info.Objects.Count > 0)
        {
            text.AppendLine("Objects:");
            foreach (ObjectInfo o in info.Objects)
            {
                string partition = o.FsType is null ? "" : $" {o.FsType} {o.PartType} {o.Architecture}";
                string link = o.Link is null ? ""
                    : $" signs {o.Link}" + (o.Signature is null ? "" : $" ({o.Signature})");
                text.AppendLine($"  {o.Id,3} {o.Type}{partition}{(o.Name is null ? "" : $" \"{o.Name}\"")}"
                    + $" group {o.Group}{link}, {o.Size} bytes at {o.Offset}");
            }
        }
        Section(text, "Environment", info.Config.Env);
        Line("Entrypoint", Join(info.Config.Entrypoint));
        Line("Cmd", Join(info.Config.Cmd));
        Line("WorkingDir", info.Config.WorkingDir);
        Line("User", info.Config.User);
        Section(text, "Labels", info.Config.Labels.Select(l => $"{l.Key}={l.Value}"));
        Section(text, "OnBuild", info.Config.OnBuild);
        Section(text, "Runscript", info.Runscript?.TrimEnd().Split('\n'));
        Section(text, "Definition file", info.DefinitionFile?.TrimEnd().Split('\n'));
        if (info.Build is { } b)
            Line("Built from", string.Join(' ',
                new[] { b.SourceKind, b.SourceTag, b.SourceDigest, "for", b.Platform, "by hpcrun", b.HpcrunVersion }
                    .Where(w => w is not null)));
        Line("Squashed by", info.Build?.FileSystemMaker);
        Line("Compression", Join(info.Build?.MksquashfsArgs));
        return text.ToString();
    }

    /// <summary>A command's words as a shell would read them back: `/bin/bash -c 'echo "$X"'`.</summary>
    private static string? Join(IReadOnlyList<string>? words) => words is null ? null : ShellWords.Join(words);

    private static void Section(StringBuilder text, string title, IEnumerable<string>? lines)
    {
        var list = lines?.ToList();
        if (list is not { Count: > 0 }) return;
        text.AppendLine(title + ":");
        foreach (string line in list) text.AppendLine("  " + line);
    }
}
