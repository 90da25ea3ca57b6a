using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HpcRun.Native;

/// <summary>The managed heap's first pages, populated in one call before a start allocates them
/// (Native/early.c, hpcrun_populate_heap): the GC would otherwise fault them in one at a time.</summary>
internal static partial class HeapPrefault
{
    /// <summary>What a launch allocates before it runs the job (about 250 KiB; bench/section.md, "start-up").
    /// </summary>
    private const int Bytes = 256 * 1024;

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_populate_heap")]
    private static partial void hpcrun_populate_heap(nint at, nuint bytes);

    /// <summary>Populates the heap past an object allocated here, at most <see cref="Bytes"/>; best effort (a
    /// failed call leaves the pages to fault as before).</summary>
    public static void Populate()
    {
        object probe = new byte[1];
        hpcrun_populate_heap(Unsafe.As<object, nint>(ref probe), Bytes);
    }
}
