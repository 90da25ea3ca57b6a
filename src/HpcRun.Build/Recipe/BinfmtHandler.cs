namespace HpcRun.Build.Recipe;

/// <summary>
/// A binfmt_misc handler as /proc/sys/fs/binfmt_misc/NAME shows it (Linux's fs/binfmt_misc.c, bm_entry_read):
/// "enabled" or "disabled", its interpreter, flags, and for a handler of magic bytes, its offset, magic and mask in
/// hex. The kernel runs a program through the first enabled handler whose magic matches the program's bytes at the
/// offset, under the mask: qemu-user-static registers one per CPU, matching the ELF header's class, byte order and
/// e_machine. A handler of file extensions matches no ELF program.
/// </summary>
public sealed record BinfmtHandler(string Name, bool Enabled, int Offset, byte[] Magic, byte[]? Mask)
{
    /// <summary>Where the host lists its handlers, with `status` (enabled or disabled, for all of them) and
    /// `register`.</summary>
    public const string Directory = "/proc/sys/fs/binfmt_misc";

    /// <summary>The handler that <paramref name="text"/> (the file <paramref name="name"/>'s) shows; null for one of
    /// extensions, or text that is no handler's.</summary>
    public static BinfmtHandler? Parse(string name, string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string? Field(string key) => lines.FirstOrDefault(l => l.StartsWith(key + " ", StringComparison.Ordinal))
            ?[(key.Length + 1)..].Trim();
        if (lines.Length == 0 || Field("magic") is not { } magic || Hex(magic) is not { Length: > 0 } bytes)
            return null;
        byte[]? mask = Field("mask") is { } m ? Hex(m) : null;
        return new BinfmtHandler(name, lines[0] == "enabled",
            int.TryParse(Field("offset"), out int offset) ? offset : 0, bytes, mask);
    }

    private static byte[]? Hex(string text)
    {
        try { return Convert.FromHexString(text); }
        catch (FormatException) { return null; }
    }

    /// <summary>Whether the kernel would run a program that starts with <paramref name="start"/> through this
    /// handler: it is enabled and each byte of its magic matches the program's at the offset, under the mask (the
    /// kernel's check_file).</summary>
    public bool Runs(ReadOnlySpan<byte> start)
    {
        if (!Enabled || Offset < 0 || start.Length < Offset + Magic.Length) return false;
        for (int i = 0; i < Magic.Length; i++)
            if (((start[Offset + i] ^ Magic[i]) & (Mask is { } mask && i < mask.Length ? mask[i] : 0xff)) != 0)
                return false;
        return true;
    }

    /// <summary>The host's handlers (in <paramref name="directory"/>); none when binfmt_misc is not mounted there,
    /// cannot be read, or its status says all are disabled.</summary>
    public static IReadOnlyList<BinfmtHandler> OfHost(string directory = Directory)
    {
        try
        {
            string status = Path.Combine(directory, "status");
            if (!File.Exists(status) || File.ReadAllText(status).Trim() != "enabled") return [];
            return [.. System.IO.Directory.EnumerateFiles(directory)
                .Where(f => Path.GetFileName(f) is not ("status" or "register"))
                .Select(f => Parse(Path.GetFileName(f), File.ReadAllText(f))).OfType<BinfmtHandler>()];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }
}
