using System.Text;
using System.Text.Json;
using HpcRun.Build.SquashFs;
using HpcRun.Image;
using HpcRun.Image.Formats;
using HpcRun.Image.Metadata;
using HpcRun.Image.Posix;
using HpcRun.Image.Sif;
using HpcRun.Image.Text;
using Microsoft.Win32.SafeHandles;
using static HpcRun.Image.Posix.Libc;

namespace HpcRun.Build;

/// <summary>What `hpcrun build` was asked for: OUT and SOURCE as given (relative to the current directory or
/// absolute; bytes carried as <see cref="Text.RawText"/>), --sqfs, --platform, --tag, --force (overwrite OUT),
/// --skip-unreadable (leave out, with a warning each, the files of a directory source this process cannot
/// read) and SOURCE_DATE_EPOCH (seconds since 1970: the file system's time, and a bound on every file's).
/// <see cref="Reference"/>: the registry reference (docker://...) a pull downloaded SOURCE from, which the build
/// record then names as its source (kind "registry"). A recipe build (<see cref="Recipe.RecipeBuilder"/>) gives its
/// tree as SOURCE with the <see cref="Config"/> its instructions made, the <see cref="Deffile"/> a definition file
/// had (stored as the SIF's definition file object, as Apptainer stores it), its <see cref="SourceKind"/> and an
/// <see cref="Overlay"/>: a directory whose files are added to the image at the same paths, over the source's, with
/// the file system's time (the tree itself, kept in the build cache, stays as it is). MksquashfsArgs:
/// --mksquashfs-args, checked (<see cref="Image.Formats.MksquashfsArgs.Parse"/>); the build record keeps the
/// compression arguments they make (<see cref="SquashFsMaker.Compression"/>), even where mksquashfs does not run
/// (arguments that ask for nothing but gzip at some level: <see cref="WrittenSquashFs"/>).
/// </summary>
public sealed record BuildRequest(string Output, string Source, bool SquashFsOnly = false, string? Platform = null,
    string? Tag = null, bool Force = false, bool SkipUnreadable = false, long? SourceDateEpoch = null,
    string? Reference = null, ImageConfig? Config = null, string? Deffile = null, string? SourceKind = null,
    string? Overlay = null, IReadOnlyList<string>? MksquashfsArgs = null)
{
    /// <summary>Called with the finished image's path before it is moved onto OUT (a recipe's %test); what it throws
    /// fails the build, and OUT is left as it was.</summary>
    public Action<string>? BeforeCommit { get; init; }

    /// <summary>Paths in a directory SOURCE (relative to it) the image leaves out: a recipe's build-time files
    /// (Apptainer's /.build.labels).</summary>
    public IReadOnlyList<string> LeaveOut { get; init; } = [];

    /// <summary>A directory of the recipe build cache where hpcrun's writer finds an earlier image of a tree that
    /// shares SOURCE's files, to copy their compressed blocks from, and keeps this one when it finds none there
    /// (<see cref="ImageReuse"/>); null: none.</summary>
    public string? ReuseDirectory { get; init; }

    /// <summary>Opens a layer of an OCI layout SOURCE by its digest, instead of the layout's blobs/ file (which need
    /// not be there yet; the manifest's sizes stand): a pull's layers, unpacked while they download. The stream reads
    /// from the blob's start and ends where the verified blob does; what it throws fails the build.</summary>
    public Func<string, Stream>? ArrivingLayer { get; init; }
}

/// <summary>
/// Builds a flattened, reproducible image: picks the image in the source, makes its SquashFS file system and wraps
/// it in a SIF with the config and a build record beside it. hpcrun's own writer (<see cref="WrittenSquashFs"/>)
/// writes a layered image (an archive, a layout, a pull's layers) straight from its layers
/// (<see cref="LayeredSquashFs"/>) and a directory from its tree (<see cref="DirectorySquashFs"/>) unless the
/// mksquashfs arguments ask for more than gzip's level, or the directory has extended attributes; then mksquashfs
/// makes it from the tree on disk (the layers applied there first: <see cref="LayerFlattener"/>); both give the same
/// entries. Files keep their
/// modification times; the same inputs give the same bytes. Everything is written in a private scratch directory
/// beside OUT (<see cref="BuildOutput"/>) and renamed onto OUT at the end, so a failed
/// or cancelled build (<paramref name="cancel"/> in <see cref="Build"/>: SIGINT, SIGTERM) leaves nothing behind.
/// Throws <see cref="ImageFormatException"/> for a malformed source, <see cref="FileNotFoundException"/> for a
/// missing one, <see cref="ImageBuildException"/> otherwise, <see cref="OperationCanceledException"/> when cancelled.
/// </summary>
public static class ImageBuilder
{
    public static void Build(BuildRequest request, string hpcrunVersion, IBuildReporter reporter,
        CancellationToken cancel = default)
    {
        ImageSelector selector = ImageSelector.Parse(request.Platform, request.Tag);
        using BuildOutput output = BuildOutput.Prepare(request.Output, request.Force, reporter);
        try
        {
            var build = new Run(request, output, reporter, cancel);
            if (build.ImageFile() is { } imageFile) // a SIF or SquashFS: its file system copied as it is
                using (imageFile)
                    ImageCopy.Copy(imageFile, Shown.Path(request.Source), request, output, hpcrunVersion, reporter,
                        cancel);
            else
            {
                (ResolvedImage image, SourceTree? tree) = build.Resolve(selector);
                using (tree) build.Make(image, hpcrunVersion);
            }
            cancel.ThrowIfCancellationRequested();
            request.BeforeCommit?.Invoke(output.ImagePath);
            cancel.ThrowIfCancellationRequested();
            output.Commit(request.Force, executable: !request.SquashFsOnly);
        }
        // .NET's own writes carry errno in HResult.
        catch (IOException e) when (IoError.IsFull(e)) { throw OutputRefusal.Unwritable(request.Output, e); }
        catch (PosixException e) when (e.Errno is EROFS or EIO)
        {
            throw OutputRefusal.Unwritable(request.Output, IoError.Describe(e.Errno));
        }
        catch (PosixException e) { throw new ImageBuildException(e.Message); }
    }

    /// <summary>One build's steps, sharing what it was asked for and where it writes.</summary>
    private sealed class Run(BuildRequest request, BuildOutput output, IBuildReporter reporter,
        CancellationToken cancel)
    {
        public void Make(ResolvedImage image, string version)
        {
            long time = request.SourceDateEpoch ?? image.Created?.ToUnixTimeSeconds() ?? 0;
            time = Math.Clamp(time, 0, uint.MaxValue);
            byte[] config = JsonSerializer.SerializeToUtf8Bytes(image.Config, ImageConfigJson.Default.ImageConfig);
            long offset = request.SquashFsOnly ? 0 : SifWriter.PartitionOffset;
            IReadOnlyList<string> args = request.MksquashfsArgs ?? [];
            IReadOnlyList<string> compression = SquashFsMaker.Compression(args);
            // The record says what made the file system, which the writer learns only as it reads a directory
            // (one with extended attributes goes to mksquashfs).
            byte[] Recorded(string maker) => JsonSerializer.SerializeToUtf8Bytes(
                Record(image, time, version, compression, maker), BuildRecordJson.Default.BuildRecord);
            List<SquashFsMaker.ExtraFile> Extras(string maker)
            {
                List<SquashFsMaker.ExtraFile> extras = request.Overlay is { } overlay ? OverlayFiles(overlay) : [];
                // A bare SquashFS has no place outside its file system: the config and the build record go inside.
                if (request.SquashFsOnly)
                    extras.AddRange([Inside(ImageConfig.InTreePath, config, maker),
                        Inside(BuildRecord.InTreePath, Recorded(maker), maker)]);
                return extras;
            }
            IReadOnlyList<string> exclude = image.Tree is { } source
                ? [.. DirectoryScan.Check(source, request.SkipUnreadable, reporter, cancel),
                    .. request.LeaveOut.Where(path => Path.Exists(Path.Combine(source, path))),
                    .. output.Within(source)]
                : [];
            int? level = WrittenSquashFs.GzipLevel(args);
            using BlockReuse? reuse = image.Tree is not null && request.ReuseDirectory is { } kept && level is { } l
                ? ImageReuse.Open(kept, ReuseIndex.WriterOf(version, l), reporter) : null;
            bool written = level is not null
                && Write(image, level.Value, time, offset, Extras(BuildRecord.Hpcrun), exclude, reuse);
            if (!written) Squash(image, time, offset, compression, Extras(BuildRecord.Mksquashfs), exclude);
            if (!request.SquashFsOnly)
                WrapInSif(image, config, Recorded(written ? BuildRecord.Hpcrun : BuildRecord.Mksquashfs), time);
            if (written && reuse is not null) ImageReuse.Keep(request.ReuseDirectory!, reuse, output.ImagePath, offset);
        }

        /// <summary>Writes the file system with hpcrun's own writer (<see cref="WrittenSquashFs"/>), from the layers
        /// or the directory source less <paramref name="exclude"/>; false, nothing written, where the directory has
        /// extended attributes, which only mksquashfs keeps. <paramref name="reuse"/>: the writer's
        /// (<see cref="WrittenSquashFs.Job.Reuse"/>).</summary>
        private bool Write(ResolvedImage image, int level, long time, long offset,
            IReadOnlyList<SquashFsMaker.ExtraFile> extras, IReadOnlyList<string> exclude, BlockReuse? reuse)
        {
            using FileStream file = output.CreateImage();
            var job = new WrittenSquashFs.Job(file, offset, level, time, request.SourceDateEpoch is not null, extras,
                reuse);
            if (image.Tree is not { } tree)
            {
                LayeredSquashFs.Write(image.Layers, job, reporter, cancel);
                return true;
            }
            bool written = WrittenSquashFs.Write(job, writer =>
            {
                // Said, so that a user (and a test) sees when an earlier image's blocks are copied.
                string from = reuse?.From is null ? "" : ", copying unchanged files from an earlier image";
                using IBuildStep step = reporter.Step($"reading the source into the SquashFS file system{from}", null);
                FsDirectory? root = new DirectorySquashFs(writer, tree, exclude, cancel).Read();
                step.Done();
                return root;
            }, reporter, cancel);
            if (!written) file.SetLength(0); // mksquashfs makes it anew
            return written;
        }

        /// <summary>Makes the file system with mksquashfs, from the directory source less <paramref name="exclude"/>
        /// or the layers applied on disk (<see cref="Flatten"/>), <paramref name="extras"/> added at their paths.
        /// </summary>
        private void Squash(ResolvedImage image, long time, long offset, IReadOnlyList<string> compression,
            List<SquashFsMaker.ExtraFile> extras, IReadOnlyList<string> exclude)
        {
            List<string> pseudo = [];
            string tree = image.Tree ?? Flatten(image, time, pseudo);
            string? treeName = image.Tree is null ? "" : null; // the rootfs's paths shown as the image's
            SquashFsMaker.Make(new SquashFsMaker.Job(tree, treeName, output.ImagePath, request.Output, offset, time,
                request.SourceDateEpoch, compression, extras, exclude, pseudo), reporter, cancel);
        }

        /// <summary>A file of hpcrun's put in the image at <paramref name="path"/> by <paramref name="maker"/>,
        /// written to the scratch directory for it to read.</summary>
        private SquashFsMaker.ExtraFile Inside(string path, byte[] content, string maker) =>
            new(path, WriteScratchFile($"{maker}-{Path.GetFileName(path)}", content));

        private static List<SquashFsMaker.ExtraFile> OverlayFiles(string overlay) =>
        [
            .. Directory.EnumerateFiles(overlay, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                .Select(file => new SquashFsMaker.ExtraFile("/" + Path.GetRelativePath(overlay, file), file,
                    (int)File.GetUnixFileMode(file))),
        ];

        /// <summary>The image in the source: a directory as it is, or the one chosen from an archive or layout,
        /// with the <see cref="SourceTree"/> its layers are read from (the caller disposes it).</summary>
        public (ResolvedImage, SourceTree?) Resolve(ImageSelector selector)
        {
            string source = request.Source, shown = Shown.Path(source);
            using SafeFileHandle pinned = Pin();
            bool directory = Stat(pinned, "") is { Type: S_IFDIR };
            if (directory && !PosixFile.CanEnter($"/proc/self/fd/{pinned.DangerousGetHandle()}"))
                throw ImageBuildException.Unreadable(shown);
            var tree = new SourceTree(directory ? new RootDir(Open(pinned, ".", O_PATH | O_DIRECTORY))
                : MakeDirectory("source"));
            try
            {
                if (!directory)
                    using (FileStream archive = SourceTree.ReadRegular(pinned, shown))
                        SourceArchive.Unpack(archive, Path.GetFileName(shown), tree.Root, reporter, cancel);
                if (DockerArchive.IsArchive(tree)) return (DockerArchive.Resolve(tree, selector), tree);
                if (OciLayout.IsLayout(tree)) return (OciLayout.Resolve(tree, selector, request.ArrivingLayer), tree);
                // Not a root file system either: built as one, its layers would be files of the image.
                if (ArchiveContent.IsOldDockerSave($"/proc/self/fd/{tree.Root.Handle.DangerousGetHandle()}"))
                    throw new ImageFormatException(ArchiveContent.OldDockerSave(shown));
                if (!directory)
                    throw new ImageFormatException($"{shown} is neither a docker save archive nor an OCI layout");
                string architecture = selector.PlatformGiven ? selector.Architecture : HostPlatform.Architecture;
                var image = new ResolvedImage(request.SourceKind ?? "directory", null, null, selector.Os, architecture,
                    request.Config ?? InTreeConfig(tree),
                    null, [], source);
                tree.Dispose();
                return (image, null);
            }
            catch
            {
                tree.Dispose();
                throw;
            }
        }

        /// <summary>The source, opened with O_PATH (no device opened, no FIFO waited on).</summary>
        private SafeFileHandle Pin()
        {
            string source = request.Source, shown = Shown.Path(source);
            SafeFileHandle pinned = Open(Cwd, source, O_PATH);
            if (pinned.IsInvalid)
                throw Errno switch
                {
                    ENOENT or ENOTDIR => new MissingFileException($"build source not found: {shown}", source),
                    EACCES => ImageBuildException.Unreadable(shown),
                    _ => PosixException.Last($"cannot open {shown}"),
                };
            return pinned;
        }

        /// <summary>The source file open for reading when it is a SIF or SquashFS image (<see cref="ImageCopy"/>),
        /// else null (a directory, an archive, a layout: <see cref="Resolve"/>).</summary>
        public FileStream? ImageFile()
        {
            using SafeFileHandle pinned = Pin();
            if (Stat(pinned, "") is not { Type: S_IFREG }) return null;
            FileStream file = SourceTree.ReadRegular(pinned, Shown.Path(request.Source));
            Span<byte> head = stackalloc byte[SifHeader.Size];
            if (ImageCopy.IsImage(head[..file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)])) return file;
            file.Dispose();
            return null;
        }

        /// <summary>Applies the layers into the scratch directory's rootfs; <paramref name="pseudo"/> gets what
        /// mksquashfs must be told of the paths too long for it to open (<see cref="DeepPaths"/>).</summary>
        private string Flatten(ResolvedImage image, long time, List<string> pseudo)
        {
            using RootDir rootfs = MakeDirectory("rootfs");
            new LayerFlattener(rootfs, reporter, time).Apply(image.Layers, cancel);
            string path = $"{output.ScratchPath}/rootfs";
            pseudo.AddRange(DeepPaths.Relocate(rootfs, path, output));
            return path;
        }

        private RootDir MakeDirectory(string name)
        {
            if (MkdirAt(output.Scratch.Handle, name, 0b111_101_101) != 0)
                throw PosixException.Last($"cannot create the build's {name} directory");
            return RootDir.Open(output.Scratch.Handle, name)
                ?? throw PosixException.Last($"cannot open the build's {name} directory");
        }

        private string WriteScratchFile(string name, byte[] content)
        {
            const int create = O_WRONLY | O_CREAT | O_EXCL;
            SafeFileHandle fd = Open(output.Scratch.Handle, name, create | O_NOFOLLOW, 0b110_000_000);
            if (fd.IsInvalid) throw PosixException.Last($"cannot write the build's {name}");
            using (var file = new FileStream(fd, FileAccess.Write)) file.Write(content);
            return $"{output.ScratchPath}/{name}";
        }

        /// <summary>What the image records of its build (<see cref="BuildRecord"/>).</summary>
        private BuildRecord Record(ResolvedImage image, long time, string hpcrunVersion,
            IReadOnlyList<string> compression, string maker) => new()
            {
                SourceKind = request.Reference is null ? image.Kind : "registry",
                SourceDigest = image.Digest,
                SourceTag = request.Reference ?? image.Tag,
                Platform = image.Platform,
                Created = time > 0 ? DateTimeOffset.FromUnixTimeSeconds(time) : null,
                HpcrunVersion = hpcrunVersion,
                MksquashfsArgs = [.. compression],
                FileSystemMaker = maker,
            };

        private void WrapInSif(ResolvedImage image, byte[] config, byte[] record, long time)
        {
            using FileStream file = output.OpenImage();
            long partitionSize = file.Length - SifWriter.PartitionOffset;
            SquashFsSuperblock.Read(file, SifWriter.PartitionOffset, partitionSize);
            SifObject[] objects =
            [
                .. request.Deffile is { } deffile
                    ? [new SifObject(SifDataType.Deffile, "", RawText.Encode(deffile))]
                    : Array.Empty<SifObject>(),
                new(SifDataType.GenericJson, SifMetadata.ConfigName, config),
                new(SifDataType.GenericJson, SifMetadata.BuildName, record),
                new(SifDataType.Labels, "labels.json", JsonSerializer.SerializeToUtf8Bytes(image.Config.Labels,
                    ImageConfigJson.Default.IReadOnlyDictionaryStringString)),
            ];
            long created = time > 0 ? time : SifText.Unset;
            SifWriter.Complete(file, partitionSize, ArchCode(image.Architecture), created, objects);
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>The config an image's tree carries at <see cref="ImageConfig.InTreePath"/> (a bare SquashFS's, a
    /// directory image's), read inside <paramref name="tree"/>; empty when it has none. Throws
    /// <see cref="ImageFormatException"/> when it is malformed or larger than <see cref="SourceTree.MaxJson"/>.
    /// </summary>
    internal static ImageConfig InTreeConfig(SourceTree tree)
    {
        string path = ImageConfig.InTreePath.TrimStart('/');
        if (!tree.HasFile(path)) return ImageConfig.Empty;
        try { return ImageConfig.Parse(Encoding.UTF8.GetString(tree.ReadSmall(path))); }
        catch (JsonException e) { throw OciLayout.BadJson(ImageConfig.InTreePath, e); }
    }

    private static string ArchCode(string architecture)
    {
        try { return SifArch.Code(architecture); }
        catch (ArgumentException) { return "00"; }
    }
}
