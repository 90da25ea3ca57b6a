using System.Diagnostics;

namespace HpcRun.Image.Inspect;

/// <summary>Small reads from inside a SquashFS image (at an offset in a SIF) by unsquashfs, without mounting.</summary>
internal static class Unsquashfs
{
    /// <summary>What `unsquashfs -o OFFSET ACTION IMAGE PATH` prints (ACTION -cat: a file; -l: a listing), as
    /// UTF-8 (a byte that is not: U+FFFD); null if it fails (no such file) or there is no unsquashfs.</summary>
    public static string? Output(string image, long offset, string action, string inImage) =>
        Bytes(image, offset, action, inImage) is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;

    /// <summary><see cref="Output"/>'s bytes as they are.</summary>
    public static byte[]? Bytes(string image, long offset, string action, string inImage)
    {
        var info = new ProcessStartInfo("unsquashfs")
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "-o", offset.ToString(), action, image, inImage }) info.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync(); // drained so unsquashfs never blocks on it
            var bytes = new MemoryStream();
            process.StandardOutput.BaseStream.CopyTo(bytes);
            process.WaitForExit();
            stderr.Wait();
            return process.ExitCode == 0 ? bytes.ToArray() : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
