using HpcRun.Build.Recipe;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>A definition file's header as Apptainer reads it (pkg/build/types/parser/deffile.go, and
/// conveyorPacker_oci.go for docker's Registry and Namespace), and the lines messages and progress name.</summary>
public class DefinitionFileTests
{
    [Theory]
    [InlineData("Bootstrap: docker\nRegistry: 127.0.0.1:5000\nNamespace: test\nFrom: bb:1\n",
        "docker://127.0.0.1:5000/test/bb:1", " Registry: 127.0.0.1:5000 Namespace: test")]
    [InlineData("Bootstrap: docker\nNamespace: test\nFrom: bb:1\n", "docker://test/bb:1", " Namespace: test")]
    [InlineData("bootstrap: docker\nregistry: ghcr.io/\nfrom: org/app:2 # the release\n", "docker://ghcr.io/org/app:2",
        " Registry: ghcr.io/")]
    [InlineData("Bootstrap: docker\nFrom: debian:\\\n  bookworm\n", "docker://debian:bookworm", "")]
    public void Docker_takes_registry_and_namespace_before_from_as_apptainer(string def, string from, string shown)
    {
        Stage stage = Assert.Single(DefinitionFile.Parse(def).Stages);
        Assert.Equal(from, stage.From);
        Assert.EndsWith(shown, stage.Shown);
        Assert.StartsWith("Bootstrap: docker From: ", stage.Shown);
    }

    /// <summary>Apptainer's docker-archive, oci and oci-archive agents: `From:` names the archive or layout (relative
    /// to the current directory, as localimage's), a tag after it as `FILE[:TAG]`; the stage says which agent, so
    /// that the build reads nothing but an archive or layout there. Registry and Namespace are docker's only.</summary>
    [Theory]
    [InlineData("Bootstrap: docker-archive\nFrom: app.tar\n", "docker-archive", "./app.tar")]
    [InlineData("Bootstrap: Docker-Archive\nFrom: /srv/app.tar:app:1\n", "docker-archive", "/srv/app.tar:app:1")]
    [InlineData("Bootstrap: oci\nFrom: layout:2 # the second\n", "oci", "./layout:2")]
    [InlineData("Bootstrap: oci-archive\nFrom: ../layout.tar\n", "oci-archive", "../layout.tar")]
    public void The_archive_agents_name_their_archive_in_from(string def, string agent, string from)
    {
        var parsed = DefinitionFile.Parse(def + "Registry: r.example.org\n%post\n    true\n");
        Stage stage = Assert.Single(parsed.Stages);
        Assert.Equal((from, agent), (stage.From, stage.ArchiveAgent));
        Assert.StartsWith($"Bootstrap: {def.Split('\n')[0][11..]} From: ", stage.Shown);
        Assert.Equal([(3, $"`Registry:` is not used by Bootstrap: {agent}: left out")], parsed.Warnings);
        Assert.Null(DefinitionFile.Parse("Bootstrap: localimage\nFrom: app.tar\n").Stages[0].ArchiveAgent);
    }

    /// <summary>The stage's base is what `From:` names, so the messages about it (not found, not an archive, its
    /// platform) give the `From:` line, wherever the header puts it; a header's own errors give their own lines.
    /// </summary>
    [Theory]
    [InlineData("Bootstrap: localimage\nFrom: base.sif\n", 2)]
    [InlineData("# the base\n\nBootstrap: localimage\nFrom: base.sif\n", 4)]
    [InlineData("From: base.sif\nBootstrap: localimage\n", 1)]
    [InlineData("Bootstrap: docker-archive\nStage: one\n\nFrom: app.tar\n", 4)]
    [InlineData("Bootstrap: docker\nRegistry: r.example.org\nFrom: app:1\n", 3)]
    public void The_stage_s_base_is_on_the_from_line(string def, int line) =>
        Assert.Equal(line, Assert.Single(DefinitionFile.Parse(def).Stages).Line);

    /// <summary>A build argument whose value holds a newline adds lines to the text; messages still name the lines
    /// of the file as written.</summary>
    [Fact]
    public void Lines_are_the_files_even_when_a_value_adds_lines()
    {
        const string def = "Bootstrap: localimage\nFrom: base.sif\n%post\n    echo {{ TWO }}\n%files\n    a.txt /a\n" +
            "%test\n    true\n";
        var recipe = DefinitionFile.Parse(def, new Dictionary<string, string> { ["TWO"] = "one\necho two" });
        Assert.Equal([6, 3], recipe.Stages[0].Instructions.Select(i => i.Line)); // %files before %post
        Assert.Equal(7, recipe.Definition!.TestLine);
        Assert.Contains("echo one\necho two\n", recipe.Definition.Text);
        var e = Assert.Throws<RecipeException>(() => DefinitionFile.Parse(def.Replace("%test", "%bogus"),
            new Dictionary<string, string> { ["TWO"] = "1\n2\n3" }));
        Assert.Equal(7, e.Line);
    }

    [Theory]
    [InlineData("Bootstrap: docker\nFrom: a\nBogusHeader: 1\n", 3, "unknown header `BogusHeader:`")]
    [InlineData("Bootstrap: localimage\nFrom: a.sif\nFingerprints: 12AB\n", 3, "does not verify signatures")]
    [InlineData("Bootstrap: localimage\nFrom: a.sif\n%post\n    true\n\nBootstrap: docker\nFrom: b\n", 6,
        "multi-stage definition files are not supported")]
    [InlineData("Bootstrap: localimage\nFrom: a.sif\nBootstrap: docker\n", 3, "another stage")]
    [InlineData("From: a\n", 0, "no `Bootstrap:` header")]
    [InlineData("# from the laptop\nBootstrap: docker-daemon\nFrom: app:1\n", 2, "Bootstrap: docker-daemon: hpcrun " +
        "reads no Docker daemon: `docker save app:1 -o image.tar`, then Bootstrap: docker-archive with From: " +
        "image.tar")]
    [InlineData("Bootstrap: library\nFrom: a/b/c\n", 1, "Bootstrap: library is not supported: hpcrun builds from " +
        "Bootstrap: docker (a registry image), localimage (a local SIF, SquashFS or directory), docker-archive, oci " +
        "or oci-archive (a docker save archive, an OCI layout or its tar), or scratch (an empty root that %files " +
        "fills)")]
    [InlineData("Bootstrap: oci-archive\n", 1, "no `From:` header")]
    [InlineData("Bootstrap: docker-archive\nFrom: app.tar:@1\n", 2, "From: app.tar:@1: `:@1` picks an image by its " +
        "place in the archive: not supported: choose one with --tag (in a definition file: From: FILE:TAG)")]
    [InlineData("Bootstrap: oci\n\nFrom: layout:@0\n", 3, "`:@0` picks an image by its place")]
    [InlineData("Bootstrap: oci-archive\nFrom: layout.tar:@0 # the first\n", 2, "`:@0` picks an image by its place")]
    [InlineData("Bootstrap: docker\nFrom: a\n%post\n    echo \0\n", 4, "a NUL character")]
    [InlineData("Bootstrap: localimage\nFrom: b.sif\n%post -c\n    true\n", 3,
        "%post -c: `-c` takes the shell to run the script with")]
    [InlineData("Bootstrap: localimage\nFrom: b.sif\n%post -u -c # no shell\n    true\n", 3, "`-c` takes the shell")]
    [InlineData("Bootstrap: localimage\nFrom: b.sif\n%files\n    a /a\n    \"unterminated /x\n", 5,
        "unterminated quote in: \"unterminated /x")]
    [InlineData("Bootstrap: localimage\nFrom: b.sif\n%files\n    'a /x\n", 4, "unterminated quote in: 'a /x")]
    [InlineData("Bootstrap: localimage\nFrom: b.sif\n%enviroment\n    export A=1\n", 3,
        "section %enviroment is not supported: did you mean %environment?")]
    [InlineData("Bootstrap: localimage\nFrom: b.sif\n%runscrpit\n    true\n", 3, "did you mean %runscript?")]
    [InlineData("Bootstrap: localimage\nFrom: b.sif\n%lables\n    A 1\n", 3, "did you mean %labels?")]
    [InlineData("Bootstrap: localimage\nFrom: b.sif\n%Post-install\n    true\n", 3,
        "section %post-install is not supported\0")]
    public void What_apptainer_refuses_or_hpcrun_cannot_do_is_refused_with_its_line(string def, int line,
        string message)
    {
        var e = Assert.Throws<RecipeException>(() => DefinitionFile.Parse(def));
        Assert.Equal(line, e.Line);
        Assert.Contains(message.TrimEnd('\0'), e.Message);
        if (message.EndsWith('\0')) Assert.EndsWith(message.TrimEnd('\0'), e.Message); // no suggestion
    }

    /// <summary>A header Apptainer knows but the agent does not read (Apptainer leaves it out silently) is a
    /// warning with its line; the headers the agent reads are none.</summary>
    [Fact]
    public void A_known_header_the_agent_does_not_read_is_a_warning()
    {
        var docker = DefinitionFile.Parse("Bootstrap: docker\nMirrorURL: http://deb.debian.org/debian\nFrom: a\n" +
            "IncludeCmd: yes\nStage: one\n");
        Assert.Equal([(2, "`MirrorURL:` is not used by Bootstrap: docker: left out"),
            (4, "`IncludeCmd:` is not used by Bootstrap: docker: left out")], docker.Warnings);
        var local = DefinitionFile.Parse("Bootstrap: localimage\nFrom: a.sif\nRegistry: ghcr.io\nOtherURL1: x\n");
        Assert.Equal([(3, "`Registry:` is not used by Bootstrap: localimage: left out"),
            (4, "`OtherURL1:` is not used by Bootstrap: localimage: left out")], local.Warnings);
        Assert.Empty(DefinitionFile.Parse("Bootstrap: docker\nRegistry: r\nNamespace: n\nFrom: a\n").Warnings);
    }

    /// <summary>A section written twice is one, its bodies joined in the order written, as Apptainer's parser joins
    /// them (deffile.go; its testdata_good/multiplescripts): the trial's defdup/dup.def, and every other
    /// kind.</summary>
    [Fact]
    public void Repeated_sections_are_joined_as_apptainer_joins_them()
    {
        var dup = DefinitionFile.Parse("Bootstrap: localimage\nFrom: base.sif\n%labels\n    A 1\n%labels\n    B 2\n" +
            "%environment\n    export E1=1\n%environment\n    export E2=2\n%runscript\n    echo part1\n" +
            "%runscript\n    echo \"part2 E1=$E1 E2=$E2\"\n").Definition!;
        Assert.Equal([KeyValuePair.Create("A", "1"), KeyValuePair.Create("B", "2")], dup.Labels);
        Assert.Equal("    export E1=1\n    export E2=2\n", dup.Environment);
        Assert.Equal("    echo part1\n    echo \"part2 E1=$E1 E2=$E2\"\n", dup.Runscript);

        var recipe = DefinitionFile.Parse("Bootstrap: localimage\nFrom: base.sif\n%help\n    one\n%test\n    t1\n" +
            "%startscript\n    s1\n%post\n    p1=1\n%labels\n    A 1\n%help\n    two\n%test\n    t2\n" +
            "%startscript\n    s2\n%post -c /bin/bash\n    echo $p1\n%labels\n    A 2\n");
        DefinitionSections joined = recipe.Definition!;
        Assert.Equal(("    one\n    two\n", "    t1\n    t2\n", "    s1\n    s2\n"),
            (joined.Help, joined.Test, joined.Startscript));
        Assert.Equal(5, joined.TestLine); // the first %test: where the joined script starts
        Assert.Equal([KeyValuePair.Create("A", "1"), KeyValuePair.Create("A", "2")], joined.Labels); // the last wins
        Instruction post = Assert.Single(recipe.Stages[0].Instructions); // one %post: a variable set carries on
        Assert.Equal(9, post.Line);
        Assert.Equal(["/bin/sh", "-ex", "-c", "/bin/bash /.post.script"], post.ExecForm());
        Assert.Equal("    p1=1\n    echo $p1\n", post.Script);
    }

    /// <summary>Apptainer copies %files before %post runs wherever they are written (build.go, Full): the trial's
    /// deforder/order.def, %post first, copies data.txt first; %files written twice are copied in the order
    /// written.</summary>
    [Fact]
    public void Files_come_before_post_wherever_they_are_written()
    {
        var order = DefinitionFile.Parse("Bootstrap: localimage\nFrom: base.sif\n%post\n    cat /opt/data.txt\n" +
            "%files\n    data.txt /opt/data.txt\n");
        Assert.Equal([("%files", 6), ("%post", 3)], order.Stages[0].Instructions.Select(i => (i.Keyword, i.Line)));
        var split = DefinitionFile.Parse("Bootstrap: localimage\nFrom: base.sif\n%files\n    a /a\n%post\n    true\n" +
            "%files\n    b /b\n");
        Assert.Equal([("%files", 4), ("%files", 8), ("%post", 5)],
            split.Stages[0].Instructions.Select(i => (i.Keyword, i.Line)));
    }

    /// <summary>A blank section is none, as Apptainer writes no empty script (metadata.go) and runs no empty %post
    /// or %test: the base image's file of it stays.</summary>
    [Fact]
    public void A_blank_section_is_none()
    {
        var recipe = DefinitionFile.Parse("Bootstrap: localimage\nFrom: base.sif\n%runscript\n\n%environment\n   \n" +
            "%post\n\n%test\n%help\n");
        DefinitionSections none = recipe.Definition!;
        Assert.Equal((null, null, null, null, 0), (none.Runscript, none.Environment, none.Test, none.Help,
            none.TestLine));
        Assert.Empty(recipe.Stages[0].Instructions);
    }

    /// <summary>%post runs as Apptainer's getSectionScriptArgs (util.go) runs it: `/bin/sh -ex` and the section's
    /// arguments before the script's path; with `-c`, the words after it and the path are one command for that
    /// shell; a `#` comment among the arguments is dropped.</summary>
    [Theory]
    [InlineData("", new[] { "/bin/sh", "-ex", "/.post.script" })]
    [InlineData(" -c /bin/bash", new[] { "/bin/sh", "-ex", "-c", "/bin/bash /.post.script" })]
    [InlineData(" -c /bin/bash # bash, no -e", new[] { "/bin/sh", "-ex", "-c", "/bin/bash /.post.script" })]
    [InlineData(" -c /bin/bash -eu", new[] { "/bin/sh", "-ex", "-c", "/bin/bash -eu /.post.script" })]
    [InlineData(" -u", new[] { "/bin/sh", "-ex", "-u", "/.post.script" })]
    [InlineData(" -u -c   bash\t-l", new[] { "/bin/sh", "-ex", "-u", "-c", "bash -l /.post.script" })]
    [InlineData(" # only a comment", new[] { "/bin/sh", "-ex", "/.post.script" })]
    public void Post_runs_its_script_file_as_apptainer_does(string arguments, string[] argv)
    {
        Instruction post = Assert.Single(DefinitionFile.Parse(
            $"Bootstrap: localimage\nFrom: base.sif\n%post{arguments}\n    echo hi\n").Stages[0].Instructions);
        Assert.Equal(argv, post.ExecForm());
        Assert.Equal("    echo hi\n", post.Script);
    }

    /// <summary>%labels split each line at its first space only, as Apptainer's GetLabels (deffile.go): a tab
    /// belongs to the name, the value is trimmed.</summary>
    [Fact]
    public void Labels_split_at_the_first_space_only()
    {
        DefinitionSections labels = DefinitionFile.Parse("Bootstrap: localimage\nFrom: base.sif\n%labels\n" +
            "    A\tB value\n    C   spaced  value \n    D\n    # not one\n").Definition!;
        Assert.Equal([KeyValuePair.Create("A\tB", "value"), KeyValuePair.Create("C", "spaced  value"),
            KeyValuePair.Create("D", "")], labels.Labels);
    }

    /// <summary>The runscript, test and startscript files as Apptainer's handleShebangScript writes them
    /// (metadata.go): a `#!` first line is the file's, else `#!/bin/sh`; a blank line, the script, a blank line;
    /// the section's arguments, comment dropped, added to the `#!` line.</summary>
    [Theory]
    [InlineData("    echo hi\n", "", "#!/bin/sh\n\n    echo hi\n\n")]
    [InlineData("#!/bin/bash\n    [[ -n $BASH_VERSION ]]\n", "", "#!/bin/bash\n\n    [[ -n $BASH_VERSION ]]\n\n")]
    [InlineData("    #!/usr/bin/env python3  \nprint(1)\n", "", "#!/usr/bin/env python3\n\nprint(1)\n\n")]
    [InlineData("#!/bin/bash\n", "", "#!/bin/bash\n\n\n")]
    [InlineData("    echo hi\n", "-x # trace", "#!/bin/sh -x\n\n    echo hi\n\n")]
    [InlineData("#!/bin/bash\necho hi\n", "-eu", "#!/bin/bash -eu\n\necho hi\n\n")]
    [InlineData("echo #!/bin/bash\n", "", "#!/bin/sh\n\necho #!/bin/bash\n\n")]
    public void A_script_s_first_line_may_be_its_shebang(string body, string arguments, string file) =>
        Assert.Equal(file, ApptainerLayout.ShebangScript(body, arguments));

    /// <summary>The arguments of %runscript, %test and %startscript are kept for their `#!` line (the last header
    /// that has any, as Apptainer's parser keeps them).</summary>
    [Fact]
    public void Script_sections_keep_their_arguments()
    {
        DefinitionSections sections = DefinitionFile.Parse("Bootstrap: localimage\nFrom: base.sif\n" +
            "%runscript -x\n    a\n%test\n    b\n%runscript -eu # strict\n    c\n%startscript\n    d\n").Definition!;
        Assert.Equal(new Dictionary<string, string> { ["runscript"] = "-eu # strict" }, sections.ScriptArguments);
    }

    /// <summary>A definition file saved on Windows (a UTF-8 byte-order mark, CRLF line ends) is read as Apptainer's
    /// scanner reads it (each line's last CR dropped; the mark left out, which Apptainer's header parser would take
    /// for part of `Bootstrap`), and kept as given, placeholders replaced, for the image's definition file.</summary>
    [Theory]
    [InlineData("\uFEFFBootstrap: localimage\r\nFrom: base.sif\r\n%post\r\n    echo {{ A }}\r\n%labels\r\n  k v\r\n")]
    [InlineData("\uFEFFBootstrap: localimage\nFrom: base.sif\n%post\n    echo {{ A }}\n%labels\n  k v\n")]
    [InlineData("Bootstrap: localimage\r\nFrom: base.sif\r\n%post\r\n    echo {{ A }}\r\n%labels\r\n  k v\r\n")]
    public void A_byte_order_mark_and_crlf_are_read_past_and_kept(string def)
    {
        Assert.True(DefinitionFile.Is("recipe", def));
        var parsed = DefinitionFile.Parse(def, new Dictionary<string, string> { ["A"] = "a" });
        Stage stage = Assert.Single(parsed.Stages);
        Assert.Equal("./base.sif", stage.From);
        Assert.Equal("    echo a\n", stage.Instructions[0].Script);
        Assert.Equal([KeyValuePair.Create("k", "v")], parsed.Definition!.Labels);
        Assert.Equal(def.Replace("{{ A }}", "a"), parsed.Definition.Text);
    }
}
