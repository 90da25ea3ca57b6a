using HpcRun.Build.Recipe;

namespace HpcRun.Build.Tests.Recipe;

public class DockerfileParserTests
{
    [Fact]
    public void Continued_lines_comments_flags_and_forms_are_read_with_their_first_line()
    {
        var instructions = DockerfileParser.Parse("""
            # a comment
            ARG BASE=debian
            FROM ${BASE} AS build
            RUN apt-get update && \
            # a comment inside
                apt-get install -y gcc
            COPY --from=build --chown=1000:1000 /a /b
            CMD ["/bin/app", "--fast"]
            EXPOSE 80
            """);
        Assert.Equal(["ARG", "FROM", "RUN", "COPY", "CMD"], instructions.Select(i => i.Keyword));
        Assert.Equal([2, 3, 4, 7, 8], instructions.Select(i => i.Line));
        Assert.Equal("apt-get update &&  apt-get install -y gcc", instructions[2].Arguments);
        Assert.Null(instructions[2].ExecForm());
        Assert.Equal("build", instructions[3].Flags["from"]);
        Assert.Equal(["/bin/app", "--fast"], instructions[4].ExecForm());
    }

    [Theory]
    [InlineData("FROM a\nFROB x\n", 2, "unknown instruction FROB")]
    [InlineData("FROM a\nRUN <<EOF\necho\nEOF\n", 2, "heredoc")]
    [InlineData("FROM a\nCOPY --parents a /b\n", 2, "COPY --parents is not supported")]
    [InlineData("FROM a\nADD --checksum=sha256:0 a /b\n", 2, "ADD --checksum is not supported")]
    [InlineData("RUN true\n", 1, "must start with FROM")]
    [InlineData("# no FROM\n\nARG A=1\nRUN true\n", 4, "must start with FROM")]
    [InlineData("ARG A=1\n", 0, "must start with FROM")]
    [InlineData("# comment\n\n", 0, "must start with FROM")]
    [InlineData("FROM a\nCOPY a\0b /x\n", 2, "a NUL character")]
    [InlineData("FROM a\nRUN --mount=type=cache,target=/x true\n", 2, "RUN --mount")]
    public void What_a_build_cannot_do_is_refused_with_its_line(string text, int line, string message)
    {
        var e = Assert.Throws<RecipeException>(() => DockerfileParser.Parse(text));
        Assert.Equal(line, e.Line);
        Assert.Contains(message, e.Message);
    }

    /// <summary>ONBUILD keeps its instruction as written, variables unexpanded (Docker records the text and reads it
    /// where it runs); what Docker refuses as a trigger is refused at the ONBUILD's line.</summary>
    [Fact]
    public void Onbuild_keeps_its_trigger_as_written()
    {
        var instructions = DockerfileParser.Parse("FROM a\nonbuild RUN echo $HOME \\\n  > /home\nONBUILD ENV A=1\n");
        Assert.Equal([("ONBUILD", "RUN echo $HOME  > /home", 2), ("ONBUILD", "ENV A=1", 4)],
            instructions.Skip(1).Select(i => (i.Keyword, i.Arguments, i.Line)));
    }

    [Theory]
    [InlineData("ONBUILD ONBUILD RUN true", "ONBUILD ONBUILD: chaining ONBUILD is not allowed (nor in Docker): a " +
        "trigger runs in the build FROM this image and is not passed on")]
    [InlineData("onbuild from scratch", "ONBUILD FROM: FROM is not allowed as an ONBUILD trigger (nor in Docker)")]
    [InlineData("ONBUILD MAINTAINER me", "ONBUILD MAINTAINER: MAINTAINER is not allowed as an ONBUILD trigger " +
        "(nor in Docker)")]
    [InlineData("ONBUILD", "ONBUILD needs an instruction to run")]
    public void What_docker_refuses_as_a_trigger_is_refused_at_its_line(string instruction, string message)
    {
        var e = Assert.Throws<RecipeException>(() => DockerfileParser.Parse($"FROM a\n\n{instruction}\n"));
        Assert.Equal((3, message), (e.Line, e.Message));
    }

    /// <summary>A base image's trigger (its config's OnBuild, from any builder) is read where it runs, at its FROM's
    /// line; one no ONBUILD may write is refused there too, and one the build ignores is nothing.</summary>
    [Fact]
    public void A_trigger_is_read_at_the_line_of_the_from_that_runs_it()
    {
        Instruction copy = DockerfileParser.ReadTrigger("COPY --chmod=755 app /app", 7)!;
        Assert.Equal(("COPY", "755", "app /app", 7), (copy.Keyword, copy.Flags["chmod"], copy.Arguments, copy.Line));
        Assert.Null(DockerfileParser.ReadTrigger("EXPOSE 80", 7));
        Assert.Equal(7, Assert.Throws<RecipeException>(() => DockerfileParser.ReadTrigger("FROM x", 7)).Line);
        Assert.Contains("unknown instruction FROB",
            Assert.Throws<RecipeException>(() => DockerfileParser.ReadTrigger("FROB x", 7)).Message);
    }

    /// <summary>Every heredoc form BuildKit reads, wherever it stands on the line, is one clear refusal at the
    /// instruction's line, not "unknown instruction" at the lines of its body.</summary>
    [Theory]
    [InlineData("RUN <<EOF\necho hi\nEOF", "RUN with a heredoc (<<EOF)")]
    [InlineData("RUN cat <<EOF > /etc/conf\nKEY=VALUE\nEOF", "RUN with a heredoc (<<EOF)")]
    [InlineData("RUN cat <<EOF>/etc/conf\nKEY=VALUE\nEOF", "RUN with a heredoc (<<EOF>/etc/conf)")]
    [InlineData("RUN python3 <<'PY'\nprint(1)\nPY", "RUN with a heredoc (<<'PY')")]
    [InlineData("RUN <<-\"EOT\" bash\n\techo\n\tEOT", "RUN with a heredoc (<<-\"EOT\")")]
    [InlineData("RUN cat 3<<EOF\nx\nEOF", "RUN with a heredoc (3<<EOF)")]
    [InlineData("RUN cat << EOF\nx\nEOF", "RUN with a heredoc (<< EOF)")]
    [InlineData("RUN --network=none <<EOF\nx\nEOF", "RUN with a heredoc (<<EOF)")]
    [InlineData("RUN set -e && \\\n    cat <<EOF > /x\nKEY=VALUE\nEOF", "RUN with a heredoc (<<EOF)")]
    [InlineData("COPY <<EOF /etc/conf\nKEY=VALUE\nEOF", "COPY with a heredoc (<<EOF)")]
    [InlineData("COPY --chmod=755 <<EOF /usr/local/bin/tool\n#!/bin/sh\nEOF", "COPY with a heredoc (<<EOF)")]
    [InlineData("add <<EOF <<EOT /dir/\na\nEOF\nb\nEOT", "ADD with a heredoc (<<EOF)")]
    [InlineData("ONBUILD RUN <<EOF\nx\nEOF", "ONBUILD RUN with a heredoc (<<EOF)")]
    public void A_heredoc_anywhere_on_the_line_is_refused_at_its_instruction(string instruction, string message)
    {
        var e = Assert.Throws<RecipeException>(() => DockerfileParser.Parse($"FROM a\n{instruction}\nRUN true\n"));
        Assert.Equal(2, e.Line);
        Assert.StartsWith(message + " is not supported", e.Message);
    }

    [Theory]
    [InlineData("RUN echo '<<EOF' \"<<EOT\" \\<<EOX")]
    [InlineData("RUN cat <<<\"here string\"")]
    [InlineData("RUN echo $((1 << 2)) $((1<<2))")]
    [InlineData("RUN [\"sh\", \"-c\", \"cat <<EOF\"]")]
    [InlineData("CMD cat <<EOF")]
    public void What_only_looks_like_a_heredoc_is_no_heredoc(string instruction) =>
        Assert.Equal(2, DockerfileParser.Parse($"FROM a\n{instruction}\n").Count);

    [Fact]
    public void Variables_expand_as_the_Dockerfile_reference_says()
    {
        var state = new StageState().WithEnv("A", "1") with { Args = new Dictionary<string, string> { ["B"] = "x" } };
        Assert.Equal("1-x-d-alt-$A-", state.Expand("$A-${B}-${C:-d}-${A:+alt}-\\$A-${C:+no}"));
    }

    /// <summary>A RUN (or %post) runs as root, whose HOME is /root unless the image's ENV sets one (as Docker's):
    /// as Apptainer's %post has it, and as `hpcrun --fakeroot` gives a job.</summary>
    [Fact]
    public void A_run_has_roots_home_unless_the_image_sets_one()
    {
        Assert.Contains(KeyValuePair.Create("HOME", "/root"), new StageState().RunEnvironment());
        Assert.Contains(KeyValuePair.Create("HOME", "/home/app"),
            new StageState().WithEnv("HOME", "/home/app").RunEnvironment());
    }

    [Fact]
    public void Env_and_label_pairs_take_quotes_and_the_legacy_form()
    {
        Assert.Equal([KeyValuePair.Create("A", (string?)"two words"), KeyValuePair.Create("B", (string?)"c")],
            Words.Pairs("A=\"two words\" B=c", legacyForm: true));
        Assert.Equal([KeyValuePair.Create("PATH", (string?)"/x /y")], Words.Pairs("PATH /x /y", legacyForm: true));
        Assert.Equal([KeyValuePair.Create("A", (string?)null), KeyValuePair.Create("B", (string?)"")],
            Words.Pairs("A B=", legacyForm: false));
    }

    [Fact]
    public void A_definition_file_becomes_a_stage_with_post_and_files_its_test_no_step_and_refuses_oras()
    {
        HpcRun.Build.Recipe.Recipe recipe = DefinitionFile.Parse("""
            Bootstrap: docker
            From: debian:bookworm

            %files
                data.txt /opt/data.txt
            %post -c /bin/bash
                echo hi
            %labels
                Author someone
            %test
                true
            """);
        Stage stage = Assert.Single(recipe.Stages);
        Assert.Equal("docker://debian:bookworm", stage.From);
        Assert.Equal(["%files", "%post"], stage.Instructions.Select(i => i.Keyword));
        Assert.Equal(("    true\n", 10), (recipe.Definition!.Test, recipe.Definition.TestLine));
        Assert.Equal(["/bin/bash", "-e", "-c", "    echo hi\n"], stage.Instructions[1].ExecForm());
        Assert.Equal([KeyValuePair.Create("Author", "someone")], recipe.Definition!.Labels);
        var e = Assert.Throws<RecipeException>(() => DefinitionFile.Parse("Bootstrap: oras\nFrom: x/y:1\n"));
        Assert.Contains("oras is not supported", e.Message);
    }
}
