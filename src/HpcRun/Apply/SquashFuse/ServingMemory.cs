using System.Runtime.InteropServices;

namespace HpcRun.Apply.SquashFuse;

/// <summary>
/// Gives the serving thread's malloc arena its megabytes already backed by memory. Every block squashfuse
/// decompresses lands in a fresh 128 KiB allocation that its cache keeps, and touching fresh memory page by page
/// costs a fault per 4 KiB, while the job waits for those blocks. One MADV_POPULATE_WRITE call backs the same
/// memory at a fraction of that cost: the first megabytes before the first request arrives, the rest of what the
/// caches can hold only once a job has read that much (<see cref="Grow"/>), so that a job that reads little does
/// not pay for it at its start. glibc is told to keep such blocks on the heap (not in mmaps of their own) and not
/// to hand the freed megabytes back to the kernel.
/// </summary>
internal static partial class ServingMemory
{
    private const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3, MADV_POPULATE_WRITE = 23;
    /// <summary>Populated at first, then each time the caches have taken about as much again.</summary>
    public const int Step = 4 << 20;

    [LibraryImport("libc")]
    private static partial int mallopt(int parameter, int value);

    [LibraryImport("libc")]
    private static unsafe partial int madvise(void* address, nuint length, int advice);

    /// <summary>Call on the serving thread, first thing. Best effort: a
    /// kernel without MADV_POPULATE_WRITE (before 5.14) faults the pages in as they are used.</summary>
    public static void Prepare()
    {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
        Grow();
    }

    /// <summary>Backs <see cref="Step"/> more bytes of the arena's heap: allocated (above what the caches hold now,
    /// since their blocks stay allocated), populated, and freed for the next blocks to take. On the serving
    /// thread only, whose arena it is.</summary>
    public static unsafe void Grow()
    {
        byte* chunk = (byte*)NativeMemory.Alloc(Step);
        nuint page = (nuint)Environment.SystemPageSize, start = ((nuint)chunk + page - 1) & ~(page - 1);
        madvise((void*)start, Step - page, MADV_POPULATE_WRITE);
        NativeMemory.Free(chunk);
    }
}
