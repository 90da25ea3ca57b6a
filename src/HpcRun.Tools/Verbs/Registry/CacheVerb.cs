using System.CommandLine;
using HpcRun.Build.Recipe;
using HpcRun.CommandLine;
using HpcRun.Image.Posix;
using HpcRun.Image.Registry;
using HpcRun.Image.Text;

namespace HpcRun.Tools.Verbs.Registry;

/// <summary>`hpcrun cache list [--type K]` and `hpcrun cache clean [--older-than D | --days N] [--type K]
/// [--dry-run] [-f]`, as Apptainer's cache verb (its --type names its own kinds; clean asks first unless -f or
/// --dry-run): the images `hpcrun docker://REF` pulled, with their sizes, and the recipe build cache's steps.</summary>
internal static class CacheVerb
{
    public static Command Create()
    {
        var listType = TypeOption("What to list: image (pulled images), recipe (recipe build steps) or all " +
            "(the default)");
        var list = new Command("list", "List the cached images: size, when pulled, references; and the recipe build " +
            "steps")
        {
            listType,
        };
        list.SetAction(result => RegistryVerbs.Run(() =>
        {
            (bool images, bool recipeSteps) = Kinds(result.GetValue(listType)!);
            Using(RegistryVerbs.Cache(), cache => List(cache, images, recipeSteps));
        }));
        var olderThan = new Option<string?>("--older-than")
        {
            Description = "Only what was last used longer ago than D (e.g. 30d, 12h, 45m): images pulled then, " +
                "recipe build steps that no build has made or reused since",
        };
        var days = new Option<string?>("--days", "-D") { Description = "Apptainer's spelling: --older-than Nd" };
        var type = TypeOption("What to remove: image (pulled images), recipe (recipe build steps) or all " +
            "(the default)");
        var dryRun = new Option<bool>("--dry-run", "-n")
        { Description = "Say what would be removed, and how much that frees, and remove nothing" };
        var force = new Option<bool>("--force", "-f")
        { Description = "Clean without asking first (stdin is read for the answer otherwise)" };
        var clean = new Command("clean", "Remove cached images and recipe build steps (all, or those older than " +
            "--older-than)")
        {
            olderThan, days, type, dryRun, force,
        };
        clean.SetAction(result => RegistryVerbs.Run(() =>
        {
            (bool images, bool recipeSteps) = Kinds(result.GetValue(type)!);
            TimeSpan? age = Age(result.GetValue(olderThan), result.GetValue(days));
            bool dry = result.GetValue(dryRun), asked = !dry && !result.GetValue(force);
            // The cache is checked before the question: one that cannot be used is said without asking.
            Using(RegistryVerbs.Cache(), cache =>
            {
                if (!asked || Confirmed(images, recipeSteps, age)) Clean(cache, age, images, recipeSteps, dry);
            });
        }));
        return new Command(ToolVerbs.Cache.Name, ToolVerbs.Cache.Description) { list, clean };
    }

    private static Option<string> TypeOption(string description) => new("--type", "-T")
    {
        Description = description,
        DefaultValueFactory = _ => "all",
    };

    /// <summary>Whether --type <paramref name="kind"/> takes the images and the recipe build steps.</summary>
    /// <exception cref="HpcRunException">64 for another word.</exception>
    private static (bool Images, bool RecipeSteps) Kinds(string kind) => kind switch
    {
        "image" => (true, false),
        "recipe" => (false, true),
        "all" => (true, true),
        _ => throw new HpcRunException(ExitCode.Usage, $"--type {Shown.Excerpt(kind)}: expected image, recipe or all"),
    };

    /// <summary>The age --older-than D or Apptainer's --days N gives; null for neither.</summary>
    /// <exception cref="HpcRunException">64 for both, or a value that is no age.</exception>
    private static TimeSpan? Age(string? olderThan, string? days)
    {
        if (olderThan is not null && days is not null)
            throw new HpcRunException(ExitCode.Usage, "give --older-than or --days, not both");
        if (days is not null) return AmountOptions.Days("--days", days);
        return olderThan is null ? null : AmountOptions.Age("--older-than", olderThan);
    }

    /// <summary>Apptainer's question before a clean (cache_clean_linux.go, cleanCachePrompt), on stderr: a line is read
    /// from stdin whether or not it is a terminal (`echo y | hpcrun cache clean` cleans), and read as Apptainer's
    /// AskYNQuestion reads it (internal/pkg/util/interactive): y or yes in any case cleans; n, no or an empty line
    /// cancels, status 0, as Apptainer's "Handle cleanup canceled".</summary>
    /// <exception cref="HpcRunException">64 when stdin is closed before an answer (a batch job, `&lt; /dev/null`),
    /// where Apptainer fails reading it, and for another answer, which Apptainer refuses as invalid.</exception>
    private static bool Confirmed(bool images, bool recipeSteps, TimeSpan? age)
    {
        string what = images && recipeSteps ? "the pulled images and the recipe build steps"
            : images ? "the pulled images" : "the recipe build steps";
        Console.Error.Write($"This will delete {what} in your cache" +
            (age is { } a ? $" last used more than {a.TotalDays:0.##} day(s) ago" : "") + ".\n" +
            "Hint: --dry-run says what would be deleted; -f deletes without asking.\nDo you want to continue? [y/N] ");
        string? answer = Console.In.ReadLine();
        if (answer is null)
        {
            Console.Error.WriteLine();
            throw new HpcRunException(ExitCode.Usage, "cache clean asks before it deletes and stdin closed without " +
                "an answer: give -f to clean without asking (--dry-run says what it would delete)");
        }
        switch (answer.Trim().ToLowerInvariant())
        {
            case "y" or "yes":
                return true;
            case "n" or "no" or "":
                Console.Error.WriteLine("hpcrun: cache clean canceled: nothing deleted");
                return false;
            default:
                throw new HpcRunException(ExitCode.Usage,
                    $"cache clean: '{Shown.Excerpt(answer.Trim())}' is no answer: give y or n; nothing deleted");
        }
    }

    /// <summary>Runs <paramref name="action"/> on <paramref name="cache"/>; a directory of it that cannot be read
    /// or changed is status 108, as for a pull into it.</summary>
    private static void Using(ImageCache cache, Action<ImageCache> action)
    {
        try { action(cache); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HpcRunException(ExitCode.DiskFullOrCacheUnusable,
                $"cannot use the image cache {Shown.Path(cache.Root)}: {IoError.Describe(e)}");
        }
    }

    private sealed record Entry(string Image, long Size, DateTime Pulled, List<CachedReference> References);

    private static List<Entry> Entries(ImageCache cache)
    {
        var references = Directory.Exists(cache.ReferenceDirectory)
            ? Directory.EnumerateFiles(cache.ReferenceDirectory).Select(ImageCache.ReadReference)
                .OfType<CachedReference>()
                .ToLookup(r => cache.ImagePath(r.ManifestDigest))
            : Enumerable.Empty<CachedReference>().ToLookup(r => "");
        return !Directory.Exists(cache.ImageDirectory) ? []
            : [.. Directory.EnumerateFiles(cache.ImageDirectory, "*.sif").Select(path => new FileInfo(path))
                .Select(f => new Entry(f.FullName, f.Length, f.LastWriteTimeUtc, [.. references[f.FullName]]))
                .OrderBy(e => e.Pulled)];
    }

    private static void List(ImageCache cache, bool images, bool recipeSteps)
    {
        if (images) ListImages(cache);
        if (!recipeSteps) return;
        var (root, steps, bytes) = RecipeBuilder.CacheUsage(cache.Root);
        Console.WriteLine($"{steps} recipe build step(s), {ByteSize.Text(bytes)}, in {root}");
        (int count, long leftBytes) = RecipeBuilder.CacheLeftovers(cache.Root, DateTime.MaxValue, dryRun: true);
        if (count > 0)
            Console.WriteLine($"{ByteSize.Text(leftBytes)} of interrupted recipe builds ({count} leftover(s)), " +
                "which cache clean removes");
    }

    private static void ListImages(ImageCache cache)
    {
        List<Entry> entries = Entries(cache);
        Console.WriteLine($"{"SIZE",10}  {"PULLED (UTC)",-16}  REFERENCES");
        foreach (Entry e in entries)
        {
            // An image no reference names any more: its tag moved on to another image since it was pulled.
            string hex = Path.GetFileNameWithoutExtension(e.Image);
            string names = e.References.Count == 0 ? $"(tag moved) sha256:{hex[..Math.Min(12, hex.Length)]}"
                : string.Join(", ", e.References.Select(r => $"{r.Reference} ({r.Platform})"));
            Console.WriteLine($"{ByteSize.Text(e.Size),10}  {e.Pulled:yyyy-MM-dd HH:mm}  {names}");
        }
        Console.WriteLine($"{entries.Count} image(s), {ByteSize.Text(entries.Sum(e => e.Size))}, in {cache.Root}");
        (int count, long bytes) = PullLeftovers.Sweep(cache, dryRun: true);
        if (count > 0)
            Console.WriteLine($"{ByteSize.Text(bytes)} of interrupted pulls ({count} leftover(s)), which cache clean " +
                "removes");
    }

    /// <summary>Removes the images pulled longer ago than <paramref name="age"/> (all when null) with their reference
    /// files and lock files, what interrupted pulls left (<see cref="PullLeftovers"/>, said only when there is
    /// some), the launcher's TLS sessions kept before then, and the recipe build steps no build has
    /// made or reused since then with what interrupted recipe builds left (said only when there is some; --type:
    /// either or both), saying for each kind what it removed, none included; with
    /// <paramref name="dryRun"/>, what it would remove, and nothing is removed. A job running an image keeps its open
    /// file (unlinking does not disturb a reader).</summary>
    private static void Clean(ImageCache cache, TimeSpan? age, bool images, bool recipeSteps, bool dryRun)
    {
        DateTime now = DateTime.UtcNow;
        // An age beyond the calendar's start (--older-than 3000000d) takes nothing.
        DateTime before = age is not { } a ? DateTime.MaxValue
            : a < now - DateTime.MinValue ? now - a : DateTime.MinValue;
        string removed = dryRun ? "would remove" : "removed";
        if (images)
        {
            List<Entry> gone = [.. Entries(cache).Where(e => e.Pulled < before)];
            if (!dryRun) RemoveImages(cache, gone, before);
            Console.WriteLine(
                $"{removed} {gone.Count} image(s), {ByteSize.Text(gone.Sum(e => e.Size))}, from {cache.Root}");
            // Whatever their age: no process holds them, so nothing will finish them.
            (int count, long bytes) = PullLeftovers.Sweep(cache, dryRun);
            if (count > 0)
                Console.WriteLine($"{removed} {count} leftover(s) of interrupted pulls, {ByteSize.Text(bytes)}");
        }
        if (!recipeSteps) return;
        var (root, _, bytesBefore) = RecipeBuilder.CacheUsage(cache.Root);
        (int left, long leftBytes) = RecipeBuilder.CacheLeftovers(cache.Root, before, dryRun);
        if (dryRun)
            Console.WriteLine(RecipeBuilder.WouldCleanCache(cache.Root, before) is (int count, long bytes)
                ? $"{removed} {count} recipe build step(s), {ByteSize.Text(bytes)}, from {root}"
                : "would keep the recipe build cache: a build is using it");
        else if (RecipeBuilder.CleanCache(cache.Root, before) is not { } steps)
            Console.WriteLine("kept the recipe build cache: a build is using it");
        else
            Console.WriteLine($"{removed} {steps} recipe build step(s), " +
                $"{ByteSize.Text(bytesBefore - RecipeBuilder.CacheUsage(cache.Root).Bytes)}, from {root}");
        // Killed builds' scratch directories go whatever their age, as interrupted pulls' do.
        if (left > 0)
            Console.WriteLine($"{removed} {left} leftover(s) of interrupted recipe builds, {ByteSize.Text(leftBytes)}");
    }

    private static void RemoveImages(ImageCache cache, List<Entry> gone, DateTime before)
    {
        foreach (Entry e in gone)
        {
            File.Delete(e.Image);
            // An older hpcrun's, kept beside its image; a pull of it that runs now keeps its own.
            if (File.Exists(Path.ChangeExtension(e.Image, ".lock")))
                PullLeftovers.RemoveIdle(Path.ChangeExtension(e.Image, ".lock"));
            foreach (CachedReference r in e.References)
                File.Delete(cache.ReferencePath(ImageReference.Parse(r.Reference), r.Platform));
        }
        if (Directory.Exists(cache.TlsSessionDirectory)) // the launcher's TLS sessions go with the images
            foreach (FileInfo session in new DirectoryInfo(cache.TlsSessionDirectory).EnumerateFiles())
                if (session.LastWriteTimeUtc < before) session.Delete();
    }
}
