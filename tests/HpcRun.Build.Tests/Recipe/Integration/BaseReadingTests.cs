using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>A recipe's base is read whole or not at all: a SquashFS whose data block cannot be decompressed built
/// an image without /bin/busybox (unsquashfs -ignore-errors), and a directory base's unreadable file gave cp's raw
/// text (71) where `hpcrun build OUT DIR` says 81 and --skip-unreadable leaves it out.</summary>
public sealed class BaseReadingTests : IDisposable
{
    private readonly RecipeWorkspace work = new("base-reading");

    public void Dispose() => work.Dispose();

    /// <summary>The busybox SquashFS with 256 bytes in the middle of its data blocks overwritten: its superblock
    /// and tables read, one file's block does not decompress.</summary>
    private string DamagedBusybox()
    {
        byte[] bytes = File.ReadAllBytes(TestImages.BusyboxSquashFs);
        long inodeTable = BitConverter.ToInt64(bytes, 64); // the data blocks lie between the superblock and it
        Array.Fill(bytes, (byte)0xA5, (int)(96 + inodeTable) / 2, 256);
        string path = Path.Combine(work.Dir, "damaged.sqfs");
        File.WriteAllBytes(path, bytes);
        TestEnvironment.RunChecked("chmod", "a+r", path);
        return path;
    }

    public static TheoryData<string, string> Recipes => new()
    {
        { "Dockerfile", "FROM ./damaged.sqfs\nCOPY x.txt /x.txt\n" },
        { "Dockerfile", "FROM ./damaged.sqfs\nRUN echo ran > /ran\n" },
        { "b.def", "Bootstrap: localimage\nFrom: damaged.sqfs\n%files\n    x.txt /x.txt\n" },
        { "b.def", "Bootstrap: localimage\nFrom: damaged.sqfs\n%post\n    echo ran > /ran\n" },
    };

    [Theory]
    [MemberData(nameof(Recipes))]
    public void A_base_with_a_damaged_data_block_is_refused_in_one_line_naming_it(string recipe, string text)
    {
        DamagedBusybox();
        work.Write("x.txt", "x\n");
        work.Write(recipe, text);
        var build = work.Build("out.sif", recipe);
        Assert.True(build.ExitCode == 65, build.ToString());
        Assert.Matches($@"^hpcrun: {recipe}:\d+: [^ ]*damaged\.sqfs: damaged SquashFS: \S",
            build.Stderr.TrimEnd('\n').Split('\n')[^1]);
        Assert.DoesNotContain("not found", build.Stderr);
        Assert.DoesNotContain("wrote", build.Stderr);
        work.AssertOnly("damaged.sqfs");
    }

    /// <summary>A SquashFS, SIF or directory base's device nodes, which a plain user cannot make, are left out with
    /// one warning that counts and names them, as a layer's are: they were left out unsaid.</summary>
    [Theory]
    [InlineData("withdev.sqfs")]
    [InlineData("withdev.sif")]
    [InlineData("withdev")]
    public void A_bases_device_nodes_are_left_out_with_a_warning_as_a_layers_are(string name)
    {
        string tree = Path.Combine(work.Dir, "withdev");
        TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, tree);
        TestEnvironment.RunChecked("mknod", Path.Combine(tree, "dev", "null"), "c", "1", "3");
        TestEnvironment.RunChecked("mknod", Path.Combine(tree, "dev", "sda"), "b", "8", "0");
        TestEnvironment.RunChecked("mksquashfs", tree, Path.Combine(work.Dir, "withdev.sqfs"), "-quiet", "-noappend");
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", work.Dir);
        if (name.EndsWith(".sif"))
            Assert.Equal(0, Hpcrun.Run(["build", Path.Combine(work.Dir, name), Path.Combine(work.Dir, "withdev.sqfs")],
                cwd: work.Dir).ExitCode);
        work.Write("Dockerfile", $"FROM ./{name}\nRUN true\n");
        var build = work.Build("out.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Single(build.Stderr.Split('\n'), line => line == $"hpcrun: warning: {Path.Combine(work.Dir, name)}: " +
            "skipped 2 device nodes or FIFOs (an image keeps none): dev/null, dev/sda");
    }

    /// <summary>The busybox tree with a file (/etc/secret) and a directory (/private) the test user cannot read.
    /// </summary>
    private string UnreadableTree()
    {
        string tree = Path.Combine(work.Dir, "btree");
        TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, tree);
        File.WriteAllText(Path.Combine(tree, "etc", "secret"), "s\n");
        Directory.CreateDirectory(Path.Combine(tree, "private"));
        File.WriteAllText(Path.Combine(tree, "private", "key"), "k\n");
        TestEnvironment.RunChecked("chmod", "000", Path.Combine(tree, "etc", "secret"), Path.Combine(tree, "private"));
        return tree;
    }

    public static TheoryData<string, string> DirectoryRecipes => new()
    {
        { "Dockerfile", "FROM ./btree\nCOPY x.txt /x.txt\n" },
        { "b.def", "Bootstrap: localimage\nFrom: btree\n%files\n    x.txt /x.txt\n" },
    };

    [Theory]
    [MemberData(nameof(DirectoryRecipes))]
    public void An_unreadable_file_of_a_directory_base_is_81_as_for_a_directory_source(string recipe, string text)
    {
        work.Write("x.txt", "x\n");
        work.Write(recipe, text);
        string tree = UnreadableTree(); // after Write, which makes the whole directory readable
        var build = work.Build("out.sif", recipe);
        Assert.True(build.ExitCode == 81, build.ToString());
        Assert.EndsWith($"hpcrun: cannot read {tree}/etc/secret: Permission denied (and 1 more); --skip-unreadable " +
            "leaves such files out of the image\n", build.Stderr);
        Assert.DoesNotContain("cp:", build.Stderr);
        var plain = work.Build("plain.sif", "btree");
        Assert.Equal(81, plain.ExitCode);
        work.AssertOnly();
    }

    [Theory]
    [MemberData(nameof(DirectoryRecipes))]
    public void Skip_unreadable_leaves_a_directory_base_s_unreadable_files_out_with_a_warning(string recipe,
        string text)
    {
        work.Write("x.txt", "x\n");
        work.Write(recipe, text);
        string tree = UnreadableTree(); // after Write, which makes the whole directory readable
        var build = work.Build("--skip-unreadable", "out.sif", recipe);
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains($"skipped {tree}/etc/secret: Permission denied", build.Stderr);
        Assert.Contains($"skipped {tree}/private: Permission denied", build.Stderr);
        var listed = work.Exec("out.sif", "ls", "/etc/secret", "/private", "/x.txt", "/bin/busybox");
        Assert.Equal("/bin/busybox\n/x.txt\n", listed.Stdout);
        Assert.NotEqual(0, listed.ExitCode);
    }

    /// <summary>A directory base with device nodes and a file that cannot be read warned twice, in other words, of
    /// the same device nodes: once as a layer's are, once as a directory source's.</summary>
    [Fact]
    public void A_directory_base_s_device_nodes_are_said_once_when_a_file_of_it_cannot_be_read()
    {
        work.Write("x.txt", "x\n");
        work.Write("Dockerfile", "FROM ./btree\nCOPY x.txt /x.txt\n");
        string tree = UnreadableTree();
        TestEnvironment.RunChecked("mknod", Path.Combine(tree, "dev", "null"), "c", "1", "3");
        var build = work.Build("--skip-unreadable", "out.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal([$"hpcrun: warning: {tree}: skipped character device dev/null (an image keeps no device nodes " +
            "or FIFOs)"], build.Stderr.Split('\n').Where(line => line.Contains("dev/null")));
    }
}
