namespace HpcRun.Build.Recipe;

/// <summary>
/// COPY and ADD `--chmod=PERMS` as BuildKit reads it (Dockerfile reference, "COPY --chmod"): octal, 0 to 7777,
/// which replaces the permissions of every file and directory copied (and is the mode of the directories the copy
/// creates on the way to its destination); or, from Dockerfile 1.14 on, symbolic as chmod(1) writes it, applied to
/// each copied file's own mode (`+x`, `go-w`, `u=rwX,go=rX`, `g=u`: clauses separated by commas, each naming whom it
/// changes, `u`, `g`, `o`, `a` or none for all, then one or more operations `+`, `-` or `=` with permissions `r`, `w`,
/// `x`, `X` (execute only for a directory or a file that was executable by someone), `s`, `t`, or a copy of one
/// class's bits, `u`, `g` or `o`); the directories made on the way then get 0755. Symlinks keep their own mode. No
/// umask applies.
/// </summary>
public sealed class ChmodFlag
{
    private const uint SetUid = 0b100_000_000_000, SetGid = 0b010_000_000_000, Sticky = 0b001_000_000_000;
    private const uint User = 0b111_000_000, Group = 0b000_111_000, Other = 0b000_000_111;
    private const uint AllBits = SetUid | SetGid | User | Group | Other; // what `a` and a bare `=` name
    private const uint Read = 0b100_100_100, Write = 0b010_010_010, Execute = 0b001_001_001;

    /// <summary>One change: clear or set bits, set execute bits when <see cref="Apply"/>'s X rule allows, or copy
    /// the bits of one class (<see cref="From"/>: u, g, o) into the classes of <see cref="Bits"/>.</summary>
    private readonly record struct Change(char Kind, uint Bits, char From = '\0', char Operation = '\0');

    private readonly List<Change> changes;

    /// <summary>The octal value given, or null for a symbolic one.</summary>
    public uint? Octal { get; }

    /// <summary>The text as written (after variable expansion).</summary>
    public string Text { get; }

    private ChmodFlag(string text, uint? octal, List<Change> changes) =>
        (Text, Octal, this.changes) = (text, octal, changes);

    /// <summary>Reads <paramref name="text"/>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static ChmodFlag Parse(string text)
    {
        if (text.Length > 0 && char.IsAsciiDigit(text[0]))
        {
            uint value = 0;
            foreach (char c in text)
                if (c is < '0' or > '7' || (value = value * 8 + (uint)(c - '0')) > 0xFFF)
                    throw new FormatException($"'{text}' is not a mode: octal takes 0 to 7777");
            return new ChmodFlag(text, value, []);
        }
        var changes = new List<Change>();
        int at = 0;
        while (true)
        {
            uint who = 0;
            for (; at < text.Length && text[at] is 'u' or 'g' or 'o' or 'a'; at++)
                who |= text[at] switch { 'u' => SetUid | User, 'g' => SetGid | Group, 'o' => Other, _ => AllBits };
            do
            {
                if (at == text.Length || text[at] is not ('+' or '-' or '='))
                    throw Bad(text);
                char operation = text[at++];
                uint whom = who, bits = 0, executeIfAny = 0;
                bool equalsDone = false;
                for (; ; at++)
                {
                    char c = at < text.Length ? text[at] : '\0';
                    if (c == 'r') bits |= Read;
                    else if (c == 'w') bits |= Write;
                    else if (c == 'x') bits |= Execute;
                    else if (c == 'X') executeIfAny = Execute;
                    else if (c == 's' && (who == 0 || (who & ~Other) != 0)) bits |= SetUid | SetGid;
                    else if (c == 't' && (who == 0 || (who & ~Other) != 0)) { whom |= Sticky; bits |= Sticky; }
                    else if (c is 's' or 't') { } // for `o` alone: no such bits
                    else if (c is 'u' or 'g' or 'o')
                    {
                        if (bits != 0) Add(changes, operation, whom, bits);
                        bits = 0;
                        equalsDone |= operation == '=';
                        if (executeIfAny != 0) AddX(changes, operation, whom, executeIfAny);
                        executeIfAny = 0;
                        changes.Add(new Change('c', whom, c, operation));
                    }
                    else
                    {
                        if (bits != 0 || operation == '=' && !equalsDone) Add(changes, operation, whom, bits);
                        if (executeIfAny != 0) AddX(changes, operation, whom, executeIfAny);
                        break;
                    }
                }
            }
            while (at < text.Length && text[at] != ',');
            if (at == text.Length) return new ChmodFlag(text, null, changes);
            at++; // the comma: another clause follows
        }
    }

    private static FormatException Bad(string text) =>
        new($"'{text}' is not a mode: give octal (755) or symbolic (u=rwX,go=rX) permissions");

    /// <summary>`X`: execute bits set (`+`, `=`) or cleared (`-`) where <see cref="Apply"/> finds the file a directory
    /// or executable by someone: with every operation, as GNU chmod and POSIX.1-2024 have it (BSD's setmode took it
    /// with `+` only, until BuildKit's copy of it followed Linux).</summary>
    private static void AddX(List<Change> changes, char operation, uint who, uint bits) =>
        changes.Add(new Change('X', who != 0 ? who & bits : bits, Operation: operation == '-' ? '-' : '+'));

    /// <summary>An operation on the classes <paramref name="who"/> names (none: all of them).</summary>
    private static void Add(List<Change> changes, char operation, uint who, uint bits)
    {
        if (operation == '=') changes.Add(new Change('-', who != 0 ? who : AllBits));
        changes.Add(new Change(operation == '=' ? '+' : operation, who != 0 ? who & bits : bits));
    }

    /// <summary>The permission bits (with set-id and sticky bits, 12 in all) a copied file or directory whose own are
    /// <paramref name="mode"/> gets.</summary>
    public uint Apply(uint mode, bool directory)
    {
        if (Octal is { } octal) return octal;
        uint original = mode & 0xFFF, result = original;
        foreach (Change change in changes)
            switch (change.Kind)
            {
                case '+': result |= change.Bits; break;
                case '-': result &= ~change.Bits; break;
                case 'X' when directory || (original & Execute) != 0:
                    result = change.Operation == '-' ? result & ~change.Bits : result | change.Bits;
                    break;
                case 'X': break;
                default:
                    uint value = change.From switch { 'u' => result >> 6, 'g' => result >> 3, _ => result } & 7;
                    foreach (int shift in (int[])[6, 3, 0])
                    {
                        uint mask = change.Bits == 0 ? 7u : change.Bits >> shift & 7;
                        if (mask == 0) continue;
                        if (change.Operation is '-' or '=')
                            result &= ~((change.Operation == '=' ? 7u : value) << shift);
                        if (change.Operation is '+' or '=') result |= value << shift;
                    }
                    break;
            }
        return result;
    }

    /// <summary>The mode of a directory the copy makes on the way to its destination.</summary>
    public uint CreatedDirectoryMode => Octal ?? 0b111_101_101;
}
