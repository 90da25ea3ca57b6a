using System.Runtime.InteropServices;
using HpcRun.Image.Text;

namespace HpcRun.Native;

/// <summary>NUL-terminated byte strings and NULL-terminated arrays of them (argv, envp) in native
/// memory, as <see cref="RawText"/> encodes them; all freed together.</summary>
internal sealed unsafe class NativeStrings : IDisposable
{
    private readonly List<nint> allocations = [];

    /// <summary>The string's bytes, NUL-terminated; null for null.</summary>
    public byte* Add(string? text)
    {
        if (text is null) return null;
        byte* native = RawText.ToNative(text);
        allocations.Add((nint)native);
        return native;
    }

    /// <summary>A NULL-terminated array of <paramref name="texts"/>.</summary>
    public byte** Array(IEnumerable<string> texts)
    {
        var items = texts.ToList();
        byte** array = (byte**)NativeMemory.Alloc((nuint)(items.Count + 1), (nuint)sizeof(nint));
        allocations.Add((nint)array);
        for (int i = 0; i < items.Count; i++) array[i] = Add(items[i]);
        array[items.Count] = null;
        return array;
    }

    public void Dispose()
    {
        foreach (nint p in allocations) NativeMemory.Free((void*)p);
        allocations.Clear();
    }
}
