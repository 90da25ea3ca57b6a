using HpcRun.Build.Recipe;
using HpcRun.HostLibraries;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>Whether a RUN or %post may start on a base for another CPU: a RUN on an arm64 base failed with "Exec
/// format error" and 126 naming neither CPU; now it is refused in one line unless the host runs the base's
/// programs, itself or through an enabled binfmt_misc handler whose magic matches them (the entries below are as
/// /proc/sys/fs/binfmt_misc shows qemu-user-static's).</summary>
public sealed class ForeignBaseTests
{
    private const string QemuAarch64 = "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n" +
        "flags: POCF\noffset 0\nmagic 7f454c460201010000000000000000000200b700\n" +
        "mask ffffffffffffff00fffffffffffffffffeffffff\n";

    /// <summary>The start of a little-endian 64-bit ELF executable (e_type 2, or 3 for a PIE) for
    /// <paramref name="machine"/>, and its header.</summary>
    private static (string, ElfHeader, byte[]) Program(ushort machine, byte type = 2, byte elfClass = 2)
    {
        byte[] start = [0x7f, (byte)'E', (byte)'L', (byte)'F', elfClass, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, type, 0,
            (byte)machine, (byte)(machine >> 8), 1, 0, 0, 0];
        return ("/bin/sh", ElfHeader.TryRead(start)!.Value, start);
    }

    private static BinfmtHandler Handler(string text) => BinfmtHandler.Parse("qemu-aarch64", text)!;

    [Fact]
    public void An_arm64_base_without_a_handler_is_refused_naming_both_cpus_and_what_runs_it()
    {
        Assert.Equal("RUN at line 2: the base is for arm64 (its /bin/sh is a program for aarch64), this host is " +
            "amd64: running its programs here needs a binfmt_misc handler for aarch64 (qemu-user-static registers " +
            "one), or a build where the CPU is arm64", ForeignBase.Refusal("RUN", 2, Program(183), "amd64", []));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)] // a PIE: the mask leaves e_type's low bit out
    public void An_enabled_handler_whose_magic_matches_lets_the_step_run(byte type) =>
        Assert.Null(ForeignBase.Refusal("%post", 4, Program(183, type), "amd64", [Handler(QemuAarch64)]));

    [Fact]
    public void A_disabled_handler_or_one_for_another_cpu_does_not()
    {
        BinfmtHandler disabled = Handler(QemuAarch64.Replace("enabled", "disabled"));
        BinfmtHandler arm = Handler(QemuAarch64.Replace("0200b700", "02002800")); // qemu-arm's e_machine 40
        Assert.Equal((false, false), (disabled.Enabled, arm.Runs(Program(183).Item3)));
        Assert.NotNull(ForeignBase.Refusal("RUN", 2, Program(183), "amd64", [disabled, arm]));
        Assert.NotNull(ForeignBase.Refusal("RUN", 2, Program(183, elfClass: 1), "amd64", [Handler(QemuAarch64)]));
    }

    [Fact]
    public void The_hosts_own_cpu_and_386_on_amd64_need_no_handler_nor_a_tree_that_tells_nothing()
    {
        Assert.Null(ForeignBase.Refusal("RUN", 2, Program(62), "amd64", []));
        Assert.Null(ForeignBase.Refusal("RUN", 2, Program(3, elfClass: 1), "amd64", []));
        Assert.Null(ForeignBase.Refusal("RUN", 2, null, "amd64", []));
        Assert.NotNull(ForeignBase.Refusal("RUN", 2, Program(62), "arm64", []));
    }

    [Fact]
    public void An_entry_of_extensions_or_without_magic_is_no_handler_of_programs()
    {
        Assert.Null(BinfmtHandler.Parse("exe", "enabled\ninterpreter /usr/bin/wine\nflags: \nextension .exe\n"));
        Assert.Null(BinfmtHandler.Parse("bad", "enabled\nmagic zz\n"));
        Assert.Equal(0x7f, Handler("enabled\noffset 0\nmagic 7f454c46\n").Magic[0]); // no mask: every bit counts
    }
}
