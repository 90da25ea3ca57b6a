using System.Runtime.InteropServices;

namespace HpcRun.Host;

/// <summary>
/// The user's and group's entries as the C library's name service reports them (files, LDAP,
/// sssd: whatever nsswitch.conf says), through getpwuid_r and getgrgid_r. Mono.Unix did this
/// before; loading its native library and setting up its marshalling weighed on every start-up
/// for two calls (README, "Benchmarks").
/// </summary>
internal static partial class NameService
{
    public sealed record User(string Name, int Gid, string RealName, string Home, string Shell);

    [StructLayout(LayoutKind.Sequential)]
    private struct Passwd
    {
        public nint Name, Password;
        public uint Uid, Gid;
        public nint Gecos, Home, Shell;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Group
    {
        public nint Name, Password;
        public uint Gid;
        public nint Members;
    }

    [LibraryImport("libc", EntryPoint = "getpwuid_r")]
    private static unsafe partial int getpwuid_r(uint uid, Passwd* entry, byte* buffer, nuint size, Passwd** result);

    [LibraryImport("libc", EntryPoint = "getgrgid_r")]
    private static unsafe partial int getgrgid_r(uint gid, Group* entry, byte* buffer, nuint size, Group** result);

    private const int ERANGE = 34;

    /// <summary>The user with <paramref name="uid"/>, or null when the name service has none.</summary>
    /// <summary>The home directory of the account hpcrun runs for (its passwd entry's, as Apptainer takes its cache's
    /// home): where HOME is not set (`srun --export=NONE`), the image cache is found there; null when the entry has
    /// none.</summary>
    public static string? AccountHome() =>
        FindUser(Native.EarlyNamespace.OuterUid())?.Home is { Length: > 1 } home && home.StartsWith('/') ? home : null;

    public static unsafe User? FindUser(int uid) =>
        Lookup((entry, buffer, size, found) => getpwuid_r((uint)uid, (Passwd*)entry, buffer, size, (Passwd**)found),
            found =>
            {
                var user = (Passwd*)found;
                return new User(Text(user->Name), (int)user->Gid, Text(user->Gecos), Text(user->Home),
                    Text(user->Shell));
            });

    /// <summary>The name of the group with <paramref name="gid"/>, or null when the name service has none.</summary>
    public static unsafe string? FindGroupName(int gid) =>
        Lookup((entry, buffer, size, found) => getgrgid_r((uint)gid, (Group*)entry, buffer, size, (Group**)found),
            found => Text(((Group*)found)->Name));

    private unsafe delegate int Call(void* entry, byte* buffer, nuint size, void** found);

    /// <summary>Calls with a buffer that grows while the C library says it is too small (a group
    /// with many members); the entry sits before the buffer its strings point into.</summary>
    private static unsafe T? Lookup<T>(Call call, Func<nint, T> read) where T : class
    {
        const int EntryRoom = 64;
        for (nuint size = 16 << 10; size <= 16 << 20; size *= 4)
        {
            byte* memory = (byte*)NativeMemory.Alloc(EntryRoom + size);
            try
            {
                void* found = null;
                int error = call(memory, memory + EntryRoom, size, &found);
                if (error == ERANGE) continue;
                return error == 0 && found != null ? read((nint)found) : null;
            }
            finally { NativeMemory.Free(memory); }
        }
        return null;
    }

    private static string Text(nint text) => Marshal.PtrToStringUTF8(text) ?? "";
}
