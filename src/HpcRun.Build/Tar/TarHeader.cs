namespace HpcRun.Build.Tar;

/// <summary>What a tar entry is (POSIX.1-2001 typeflag; '7', contiguous files, count as files).</summary>
internal enum TarKind { File, Directory, Symlink, HardLink, CharacterDevice, BlockDevice, Fifo, Other }

/// <summary>
/// One tar entry's header once GNU long names and pax records are applied. <see cref="Name"/> and
/// <see cref="LinkName"/> carry the archive's bytes exactly (<see cref="Text.RawText"/>); <see cref="Mode"/>
/// holds the permission bits (07777); <see cref="Size"/> is in bytes; the modification time is seconds and
/// nanoseconds since 1970 (pax keeps fractions, ustar whole seconds).
/// </summary>
internal sealed record TarHeader(TarKind Kind, char TypeFlag, string Name, string LinkName, uint Mode, long Size,
    long MtimeSeconds, long MtimeNanoseconds);
