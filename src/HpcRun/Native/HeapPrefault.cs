using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HpcRun.Native;

/// <summary>The managed heap's first pages, populated in one call before a start allocates them: the GC would
/// otherwise fault them in one at a time, as it clears each fresh page before use.</summary>
internal static partial class HeapPrefault
{
    /// <summary>What a launch allocates before it runs the job (about 250 KiB; bench/section.md, "start-up").
    /// </summary>
    private const int Bytes = 256 * 1024;

    /// <summary>GC regions are at least this large and aligned to their size, in the GC's own reservation.</summary>
    private const nuint RegionFloor = 1 << 20;

    private const int PROT_READ = 1, PROT_WRITE = 2, MADV_POPULATE_WRITE = 23;

    [LibraryImport("libc")]
    private static unsafe partial int mprotect(void* address, nuint length, int protection);

    [LibraryImport("libc")]
    private static unsafe partial int madvise(void* address, nuint length, int advice);

    /// <summary>Populates the heap from the page after an object allocated here (so in the region being filled) to
    /// at most <see cref="Bytes"/> further, within the <see cref="RegionFloor"/>-aligned block around it: made
    /// writable ahead of the GC, which commits the same pages later and finds them zeroed, as fresh pages are.
    /// Best effort: a failed call leaves the pages to fault as before.</summary>
    public static unsafe void Populate()
    {
        object probe = new byte[1];
        nuint at = (nuint)Unsafe.As<object, nint>(ref probe), page = (nuint)Environment.SystemPageSize;
        nuint start = (at + page) & ~(page - 1), end = Math.Min((at | (RegionFloor - 1)) + 1, start + Bytes);
        if (start < end && mprotect((void*)start, end - start, PROT_READ | PROT_WRITE) == 0)
            madvise((void*)start, end - start, MADV_POPULATE_WRITE);
    }
}
