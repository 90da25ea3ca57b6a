using System.IO.Hashing;
using System.Text;
using HpcRun.Image.Posix;

namespace HpcRun.Image.Registry;

/// <summary>
/// Where images pulled for `hpcrun docker://REF` are kept: one SIF per image manifest
/// (<c>sif/HEX.sif</c>, HEX the manifest's sha256), and one small reference file per reference and platform
/// (<c>refs/KEY</c>) naming the manifest it last resolved to, so that a launch can find its image without asking
/// the registry (a digest reference, --offline). Files appear only by rename, whole, so a reader sees either
/// nothing or a complete file; pullers take the image's lock file (flock) so one of them downloads and the others
/// wait.
/// </summary>
public sealed class ImageCache(string root)
{
    public string Root { get; } = root;

    /// <summary>The variable that names the cache's directory, beating the site's cache-dir.</summary>
    public const string DirectoryVariable = "HPCRUN_CACHEDIR";

    /// <summary>The folders of the cache, each checked at every use to be the user's alone
    /// (<see cref="SiteCache.UserProblem"/>), as the cache itself is: the images, the reference files, the TLS sessions
    /// and the recipe build's steps.</summary>
    public static readonly string[] Folders = ["sif", "refs", "tls", RecipeFolder];

    /// <summary>The folder of the recipe build's cache (its steps' trees).</summary>
    public const string RecipeFolder = "recipe";

    public string ImageDirectory => $"{Root}/sif";

    public string ReferenceDirectory => $"{Root}/refs";

    /// <summary>Where the launcher's tag check keeps one TLS session per registry and trust roots
    /// (<see cref="TlsSessionName"/>), to resume it at the next launch.</summary>
    public string TlsSessionDirectory => $"{Root}/tls";

    /// <summary>The file name, in <see cref="TlsSessionDirectory"/>, of the TLS session with
    /// <paramref name="registry"/> ("host[:port]") whose certificate was verified against
    /// <paramref name="rootsFile"/> and <paramref name="rootsDirectory"/> (SSL_CERT_FILE, SSL_CERT_DIR as given):
    /// other roots name another file, so a session is resumed only under the roots that verified it.</summary>
    public static string TlsSessionName(string registry, string? rootsFile, string? rootsDirectory) =>
        Convert.ToHexStringLower(XxHash128.Hash(Encoding.UTF8.GetBytes($"{registry}\0{rootsFile}\0{rootsDirectory}")));

    /// <summary>Apptainer's variables for its cache (APPTAINER_ first, as Apptainer reads them), which users point
    /// at scratch: hpcrun's cache goes in a folder of its own there, apart from Apptainer's layout.</summary>
    public static readonly string[] ApptainerVariables = ["APPTAINER_CACHEDIR", "SINGULARITY_CACHEDIR"];

    /// <summary>The cache's directory: <c>$HPCRUN_CACHEDIR</c>, else the site's <c>cache-dir</c>
    /// (<paramref name="siteDirectory"/>, which holds a folder per user: <see cref="SiteCache"/>), else
    /// <c>$APPTAINER_CACHEDIR/hpcrun</c> (or SINGULARITY_CACHEDIR's), else
    /// <c>$XDG_CACHE_HOME/hpcrun</c>, else <c>$HOME/.cache/hpcrun</c> (XDG Base Directory specification); null when
    /// none is set. The variable that decides must be an absolute path, as the site's cache-dir must: a relative one
    /// would put the cache wherever each job starts (Apptainer reads it so, silently). A relative XDG_CACHE_HOME is
    /// passed over, as the XDG specification says.</summary>
    /// <exception cref="FormatException">The variable that decides is a relative path (the message names
    /// it).</exception>
    public static string? DirectoryFrom(Func<string, string?> environment, string? siteDirectory)
    {
        if (OwnDirectoryGiven(environment)) return Absolute(DirectoryVariable, environment(DirectoryVariable)!);
        if (siteDirectory is not null) return siteDirectory;
        foreach (string name in ApptainerVariables)
            if (environment(name) is { Length: > 0 } apptainer)
                return $"{Absolute(name, apptainer).TrimEnd('/')}/hpcrun";
        if (environment("XDG_CACHE_HOME") is { Length: > 0 } xdg && xdg.StartsWith('/')) return $"{xdg}/hpcrun";
        return environment("HOME") is { Length: > 0 } home ? $"{Absolute("HOME", home)}/.cache/hpcrun" : null;
    }

    /// <summary>Whether HPCRUN_CACHEDIR names the cache, beating the site's cache-dir.</summary>
    public static bool OwnDirectoryGiven(Func<string, string?> environment) =>
        environment(DirectoryVariable) is { Length: > 0 };

    private static string Absolute(string name, string path) => path.StartsWith('/') ? path
        : throw new FormatException($"{name} must be an absolute path, not '{path}': the image cache would be " +
            "wherever each job starts");

    /// <summary>Makes <paramref name="directory"/> and the directories it lacks on the way, as `mkdir -p` does, private
    /// to the user (0700); null when it is there, else why it cannot be, in strerror(3)'s words ("permission
    /// denied", "not a directory", "read-only file system"). Every user of the cache makes its directories with it,
    /// so that an unusable cache is said alike by all (status 108).</summary>
    public static string? MakeDirectory(string directory)
    {
        string full = Path.GetFullPath(directory);
        var missing = new Stack<string>();
        for (string? at = full; at is not null && !Directory.Exists(at); at = Path.GetDirectoryName(at))
            missing.Push(at);
        foreach (string at in missing)
            if (Libc.MkdirAt(Libc.Cwd, at, 0b111_000_000) != 0 && Libc.Errno is var errno
                && !(errno == Libc.EEXIST && Directory.Exists(at)))
                return errno == Libc.EEXIST ? Why(Libc.ENOTDIR) : Why(errno);
        return null;
    }

    private static string Why(int errno) => IoError.Describe(new PosixException("", errno));

    /// <summary>The SIF of the image manifest <paramref name="manifestDigest"/> ("sha256:HEX").</summary>
    public string ImagePath(string manifestDigest) => $"{ImageDirectory}/{Hex(manifestDigest)}.sif";

    /// <summary>The lock file (flock) that whoever pulls <paramref name="manifestDigest"/> into the cache
    /// holds.</summary>
    public string LockPath(string manifestDigest) => $"{ImageDirectory}/{Hex(manifestDigest)}.lock";

    /// <summary>The reference file of <paramref name="reference"/> for <paramref name="platform"/> (OS/ARCH): named
    /// by a 128-bit XXH3 hash of both, which needs no cryptography library in the launcher (OpenSSL's load and
    /// initialisation would delay every `hpcrun docker://REF`). The name is only where to look: the file itself
    /// names its reference and platform, and <see cref="ReadReference(ImageReference, string)"/> takes it only when
    /// they match, so two references whose names collide share a place but never an image.</summary>
    public string ReferencePath(ImageReference reference, string platform) =>
        $"{ReferenceDirectory}/{Convert.ToHexStringLower(XxHash128.Hash(Encoding.UTF8.GetBytes(
            $"{reference} {platform}")))}";

    /// <summary>What the cache last saw <paramref name="reference"/> resolve to for <paramref name="platform"/>;
    /// null when its reference file is missing, malformed or another reference's.</summary>
    public CachedReference? ReadReference(ImageReference reference, string platform) =>
        ReadReference(ReferencePath(reference, platform)) is { } entry && entry.Reference == reference.ToString()
        && entry.Platform == platform ? entry : null;

    /// <summary>The cached SIF of <paramref name="reference"/> for <paramref name="platform"/>, or null when the
    /// cache has none (or its reference file is unreadable). A digest reference also finds the image another
    /// reference (a tag, another registry's name) resolved to that digest: a digest names one content, so
    /// `pull` by tag on a login node serves `--offline docker://NAME@sha256:...` on the compute nodes.</summary>
    public string? Find(ImageReference reference, string platform)
    {
        CachedReference? entry = ReadReference(reference, platform);
        if (entry is null && reference.Digest is { } digest) entry = ResolvedTo(digest, platform);
        if (entry is null) return null;
        string image = ImagePath(entry.ManifestDigest);
        return File.Exists(image) ? image : null;
    }

    /// <summary>A reference file for <paramref name="platform"/> whose image manifest, or the index it was chosen
    /// from, is <paramref name="digest"/>; null when none is.</summary>
    private CachedReference? ResolvedTo(string digest, string platform)
    {
        try
        {
            foreach (string file in Directory.EnumerateFiles(ReferenceDirectory))
                if (ReadReference(file) is { } entry && entry.Platform == platform
                    && (entry.ManifestDigest == digest || entry.AnsweredDigest == digest))
                    return entry;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>A reference file's content, or null when it is missing or malformed.</summary>
    public static CachedReference? ReadReference(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        return CachedReference.Parse(text);
    }

    private static string Hex(string digest) =>
        digest.StartsWith("sha256:", StringComparison.Ordinal) && digest.Length == 71 ? digest[7..]
            : throw new ArgumentException($"not a sha256 digest: {digest}");
}

/// <summary>What a reference file says, one field a line: the image manifest's digest, the digest the reference
/// answered with (an index's, for a multi-platform image: a later pull that gets the same one needs no second
/// request), the reference and the platform; then the word "authenticated" when the registry wanted credentials or
/// a token for it (the launcher then leaves the tag's check to hpcrun-tools instead of asking in vain).</summary>
public sealed record CachedReference(string ManifestDigest, string AnsweredDigest, string Reference, string Platform,
    bool Authenticated = false)
{
    private const string AuthenticatedWord = "authenticated";

    /// <summary>The warning of a launch that runs this image without knowing what its tag names now, because the
    /// registry was not reached: <paramref name="why"/> names the registry and the fault.</summary>
    public string Unchecked(string why) =>
        $"{why}: running {Reference} as cached ({ManifestDigest}), unchecked; --offline or HPCRUN_OFFLINE=1 " +
        "skips the check";

    public string Format() => $"{ManifestDigest}\n{AnsweredDigest}\n{Reference}\n{Platform}\n" +
        (Authenticated ? AuthenticatedWord + "\n" : "");

    public static CachedReference? Parse(string text) =>
        text.Split('\n') is [var manifest, var answered, var reference, var platform, .. var rest]
        && manifest.StartsWith("sha256:", StringComparison.Ordinal) && manifest.Length == 71
        && rest is [""] or [AuthenticatedWord, ""]
            ? new CachedReference(manifest, answered, reference, platform, rest.Length == 2) : null;
}
