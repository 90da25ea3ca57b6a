using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>An image's texts (runscript, %help, the definition file, environment scripts, startscript) whose bytes
/// are not UTF-8 (a Latin-1 "café") go to stdout as they are, as Apptainer (Go) writes them; --json, which cannot
/// hold such a byte, writes U+FFFD for it, as Go's encoding/json does.</summary>
public class ImageBytesOnStdoutTests
{
    private static readonly byte[] Cafe = [.. "caf"u8, 0xE9];

    private static string Tree => MakeTree(TestImages.BusyboxTree); // resolved first: Cached is not re-entrant

    private static string MakeTree(string busybox) => TestImages.Cached("latin1-texts-v1", dir =>
    {
        TestEnvironment.RunChecked("cp", "-a", busybox, dir);
        string meta = Path.Combine(dir, ".singularity.d");
        Directory.CreateDirectory(Path.Combine(meta, "env"));
        void Write(string name, string before) =>
            File.WriteAllBytes(Path.Combine(meta, name), [.. System.Text.Encoding.ASCII.GetBytes(before), .. Cafe,
                (byte)'\n']);
        Write("runscript", "#!/bin/sh\n# run ");
        File.SetUnixFileMode(Path.Combine(meta, "runscript"), (UnixFileMode)0b111_101_101);
        Write("runscript.help", "help ");
        Write("Singularity", "Bootstrap: localimage\nFrom: busybox\n# def ");
        Write("env/90-environment.sh", "#!/bin/sh\n# env ");
        Write("startscript", "#!/bin/sh\n# start ");
    });

    public static TheoryData<string> Kinds => ["dir", "sqfs", "sif"];

    private static string Image(string kind)
    {
        string tree = Tree, hpcrun = Hpcrun.Binary; // resolved first: Cached's lock is not re-entrant
        return kind switch
        {
            "sqfs" => TestImages.Cached("latin1-texts-v1.sqfs", path => TestImages.MakeSquashFs(tree, path)),
            "sif" => TestImages.Cached("latin1-texts-v1.sif", path => TestEnvironment.RunChecked(hpcrun, "build",
                path, tree)),
            _ => tree,
        };
    }

    /// <summary>Each verb's "WORD café" as written, the Latin-1 é (byte 0xE9) shown as E: a U+FFFD would not match.
    /// </summary>
    [Theory, MemberData(nameof(Kinds))]
    public void TheImagesBytesGoToStdoutAsTheyAre(string kind)
    {
        var result = Hpcrun.Script("""
            words() { "$H" "$@" | LC_ALL=C grep -a -o $'[a-z]* caf\xe9' | LC_ALL=C tr '\351' E | tr '\n' ' '; echo; }
            words run-help "$0"; words inspect --runscript "$0"; words inspect --deffile "$0"
            words inspect --environment "$0"; words inspect --startscript "$0"; words inspect "$0"
            """, [Image(kind)]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("help cafE \nrun cafE \ndef cafE \nenv cafE \nstart cafE \nrun cafE def cafE \n", result.Stdout);
        Assert.Empty(result.Stderr);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void JsonWritesTheReplacementCharacterAsGoDoes(string kind)
    {
        string[][] verbs = [["inspect", "--json", "--deffile", "--runscript"], ["inspect", "--json"]];
        foreach (string[] args in verbs)
        {
            var result = Hpcrun.Run([.. args, Image(kind)]);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("# def caf\uFFFD", result.Stdout);
            Assert.Contains("# run caf\uFFFD", result.Stdout);
        }
    }
}
