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
        Assert.Equal("apt-get update &&     apt-get install -y gcc", instructions[2].Arguments);
        Assert.Null(instructions[2].ExecForm());
        Assert.Equal("build", instructions[3].Flags["from"]);
        Assert.Equal(["/bin/app", "--fast"], instructions[4].ExecForm());
    }

    [Theory]
    [InlineData("FROM a\nFROB x\n", 2, "unknown instruction FROB")]
    [InlineData("FROM a\nRUNN echo hi\n", 2, "unknown instruction RUNN: did you mean RUN?")]
    [InlineData("FROM a\nworkdri /app\n", 2, "unknown instruction WORKDRI: did you mean WORKDIR?")]
    [InlineData("FROM a\nRUN <<EOF\necho\nEOF\n", 2, "heredoc")]
    [InlineData("FROM a\nCOPY --parents a /b\n", 2, "COPY --parents is not supported")]
    [InlineData("FROM a\nADD --checksum=sha256:0 a /b\n", 2, "ADD --checksum is not supported")]
    [InlineData("RUN true\n", 1, "must start with FROM")]
    [InlineData("# no FROM\n\nARG A=1\nRUN true\n", 4, "must start with FROM")]
    [InlineData("ARG A=1\n", 0, "must start with FROM")]
    [InlineData("# comment\n\n", 0, "must start with FROM")]
    [InlineData("FROM a\nCOPY a\0b /x\n", 2, "a NUL character")]
    [InlineData("FROM a\nRUN --mount=type=cache,target=/x true\n", 2, "RUN --mount")]
    [InlineData("# escape=`\n# Escape=\\\nFROM a\n", 2, "only one escape parser directive can be used")]
    [InlineData("# syntax=docker/dockerfile:1\n# escape=x\nFROM a\n", 2, "parser directive escape=x: the escape " +
        "character must be ` or \\")]
    [InlineData("# check=skip=all\n# CHECK=error=true\nFROM a\n", 2, "only one check parser directive can be used")]
    [InlineData("FROM a\nENV A=1 stray B=2\n", 2, "ENV: syntax error: can't find = in \"stray\": each word must be " +
        "of the form NAME=VALUE")]
    [InlineData("FROM a\nENV C\n", 2, "ENV C: ENV must have two arguments (NAME VALUE), or be of the form NAME=VALUE")]
    [InlineData("FROM a\nLABEL x=1 junk\n", 2, "LABEL: syntax error: can't find = in \"junk\"")]
    [InlineData("FROM a\nlabel x\n", 2, "LABEL x: LABEL must have two arguments")]
    [InlineData("FROM a\nENV A=1 \\\n    stray\n", 2, "can't find = in \"stray\"")]
    [InlineData("FROM a\nONBUILD ENV C\n", 2, "ENV C: ENV must have two arguments")]
    [InlineData("FROM a\nENV A=1 =x\n", 2, "ENV =x: ENV names can not be blank")]
    public void What_a_build_cannot_do_is_refused_with_its_line(string text, int line, string message)
    {
        var e = Assert.Throws<RecipeException>(() => DockerfileParser.Parse(text));
        Assert.Equal(line, e.Line);
        Assert.Contains(message, e.Message);
    }

    /// <summary>BuildKit joins a continued line to the next by removing the backslash (and blanks after it) and the
    /// line break only, the next line's leading blanks kept; it skips comment lines and empty lines inside the
    /// continuation; a continuation at the end of the file ends the instruction; an escaped backslash
    /// continues nothing.</summary>
    [Theory]
    [InlineData("ENV P=/opt/a/bin:\\\n/opt/b/bin", "P=/opt/a/bin:/opt/b/bin")]
    [InlineData("RUN echo abc\\\ndef", "echo abcdef")]
    [InlineData("RUN x \\\n   y", "x    y")]
    [InlineData("RUN a \\ \t\r\nb\r", "a b")]
    [InlineData("RUN a \\\n# a comment\n   # an indented one\n\n  \t\n b", "a  b")]
    [InlineData("RUN a \\\n  b \\\n  c", "a   b   c")]
    [InlineData("RUN echo end \\", "echo end")]
    [InlineData("RUN echo end \\\n# and a comment", "echo end")]
    public void A_continuation_removes_the_backslash_and_the_line_break_only(string instruction, string arguments)
    {
        var instructions = DockerfileParser.Parse($"FROM a\n{instruction}");
        Assert.Equal((2, arguments), (instructions[1].Line, instructions[1].Arguments));
    }

    /// <summary>A Dockerfile saved on Windows: BuildKit drops a UTF-8 byte-order mark from the first line (before it
    /// reads a parser directive there) and each line's CR.</summary>
    [Theory]
    [InlineData("\uFEFFFROM a\r\nRUN b \\\r\n  c\r\n")]
    [InlineData("\uFEFF# escape=`\r\nFROM a\r\nRUN b `\r\n  c\r\n")]
    [InlineData("FROM a\r\nRUN b \\\r\n  c\r\n")]
    public void A_byte_order_mark_and_crlf_are_read_past(string text)
    {
        Assert.True(DockerfileParser.Starts(HpcRun.Build.Recipe.Recipe.WithoutBom(text).Split('\n')));
        var instructions = DockerfileParser.Parse(text);
        Assert.Equal([("FROM", "a"), ("RUN", "b   c")], instructions.Select(i => (i.Keyword, i.Arguments)));
    }

    [Fact]
    public void An_escaped_backslash_at_the_end_continues_nothing_and_lines_count_on()
    {
        var instructions = DockerfileParser.Parse("FROM a\nRUN echo a\\\\\nRUN x \\\n\n y\nRUN z\n");
        Assert.Equal([(1, "a"), (2, "echo a\\\\"), (3, "x  y"), (6, "z")],
            instructions.Select(i => (i.Line, i.Arguments)));
    }

    /// <summary>Parser directives at the very top: syntax (Docker's frontend, any tag: nothing said), check and
    /// escape=\ are accepted, in any case, blanks around '='.</summary>
    [Theory]
    [InlineData("# syntax=docker/dockerfile:1\n")]
    [InlineData("# syntax = docker.io/docker/dockerfile:1.7-labs\n# check=skip=all\n")]
    [InlineData("#check=error=true\n# escape=\\\n# syntax=docker/dockerfile-upstream:master\n")]
    [InlineData("  # SYNTAX=docker/dockerfile@sha256:0123\n")]
    public void Parser_directives_at_the_top_are_accepted(string directives)
    {
        var warnings = new List<(int, string)>();
        Assert.Equal(["FROM", "RUN"],
            DockerfileParser.Parse(directives + "FROM a\nRUN true\n", warnings).Select(i => i.Keyword));
        Assert.Empty(warnings);
    }

    /// <summary>`# escape=`` (BuildKit's other escape character, as Windows Dockerfiles use it): a backtick at a
    /// line's end continues it (blanks may follow; two backticks do not), a backslash there is a plain character
    /// (`C:\`), and every instruction carries the backtick for its words.</summary>
    [Fact]
    public void The_backtick_escape_continues_lines_and_leaves_backslashes_plain()
    {
        var instructions = DockerfileParser.Parse(
            "# escape=`\nFROM a\nRUN dir `  \n    c:\\ `\n# a comment\n  /s\nCOPY C:\\src\\ /app\\\n" +
            "RUN echo ``\nRUN x\n");
        Assert.Equal([("FROM", 2, "a"), ("RUN", 3, "dir     c:\\   /s"), ("COPY", 7, "C:\\src\\ /app\\"),
                ("RUN", 8, "echo ``"), ("RUN", 9, "x")],
            instructions.Select(i => (i.Keyword, i.Line, i.Arguments)));
        Assert.All(instructions, i => Assert.Equal('`', i.Escape));
        Assert.All(DockerfileParser.Parse("# escape=\\\nFROM a\n"), i => Assert.Equal('\\', i.Escape));
    }

    /// <summary>With the backtick, words read as BuildKit's shell lexer reads them: it escapes a blank, a quote or a
    /// `$` (which then stays literal), and a backslash is an ordinary character; ENV's pairs are checked with it.
    /// </summary>
    [Fact]
    public void The_backtick_escapes_in_words_and_expansion()
    {
        var state = new StageState().WithEnv("DIR", "C:\\app");
        Assert.Equal([KeyValuePair.Create("A", (string?)"a b"), KeyValuePair.Create("B", (string?)"$DIR"),
                KeyValuePair.Create("C", (string?)"C:\\app\\bin"), KeyValuePair.Create("D", (string?)"\"q\"")],
            state.ExpandPairs("A=a` b B=`$DIR C=$DIR\\bin D=`\"q`\"", legacyForm: false, escape: '`'));
        Assert.Equal(["C:\\src\\a b.txt", "C:\\app/"], Words.Split("C:\\src\\a` b.txt ${DIR}/", state, '`'));
        Assert.Equal("$DIR \\C:\\app", state.Expand("`$DIR \\$DIR", '`'));
        var e = Assert.Throws<RecipeException>(() => DockerfileParser.Parse("# escape=`\nFROM a\nENV A=1 b` c\n"));
        Assert.Equal((3, "ENV: syntax error: can't find = in \"b` c\": each word must be of the form NAME=VALUE"),
            (e.Line, e.Message));
    }

    /// <summary>The escape character changes what the same arguments mean: the build cache keys it.</summary>
    [Fact]
    public void The_escape_character_is_part_of_the_cache_key()
    {
        string[] keys = [.. new[] { "", "# escape=\\\n", "# escape=`\n" }
            .Select(d => DockerfileParser.Parse($"{d}FROM a\nENV A=`$B\n")[1].CacheText)];
        Assert.Equal(keys[0], keys[1]);
        Assert.NotEqual(keys[0], keys[2]);
    }

    /// <summary>After a comment, a blank line or an instruction, `# name=value` is a comment (Dockerfile reference,
    /// "Parser directives"), as it is after an unknown directive.</summary>
    [Theory]
    [InlineData("# a comment\n# escape=`\nFROM a\n")]
    [InlineData("\n# escape=`\nFROM a\n")]
    [InlineData("# unknown=1\n# escape=`\nFROM a\n")]
    [InlineData("# syntax=docker/dockerfile:1\n# a comment\n# syntax=again\n# escape=`\nFROM a\n")]
    [InlineData("FROM a\n# escape=`\n")]
    public void A_directive_after_anything_else_is_a_comment(string text) =>
        Assert.Equal(["FROM", "RUN"], DockerfileParser.Parse(text + "RUN true\n").Select(i => i.Keyword));

    [Fact]
    public void A_syntax_naming_another_frontend_is_a_warning_at_its_line()
    {
        var warnings = new List<(int, string)>();
        DockerfileParser.Parse("# check=skip=all\n# syntax=example.com/frontend:2\nFROM a\n", warnings);
        Assert.Equal([(2, "# syntax=example.com/frontend:2: not used: hpcrun reads the Dockerfile itself, with the " +
            "syntax of Docker's standard frontend (docker/dockerfile)")], warnings);
    }

    /// <summary>ONBUILD keeps its instruction as written, variables unexpanded (Docker records the text and reads it
    /// where it runs); what Docker refuses as a trigger is refused at the ONBUILD's line.</summary>
    [Fact]
    public void Onbuild_keeps_its_trigger_as_written()
    {
        var instructions = DockerfileParser.Parse("FROM a\nonbuild RUN echo $HOME \\\n  > /home\nONBUILD ENV A=1\n");
        Assert.Equal([("ONBUILD", "RUN echo $HOME   > /home", 2), ("ONBUILD", "ENV A=1", 4)],
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
        Assert.Equal(["/bin/sh", "-ex", "-c", "/bin/bash /.post.script"], stage.Instructions[1].ExecForm());
        Assert.Equal("    echo hi\n", stage.Instructions[1].Script);
        Assert.Equal([KeyValuePair.Create("Author", "someone")], recipe.Definition!.Labels);
        var e = Assert.Throws<RecipeException>(() => DefinitionFile.Parse("Bootstrap: oras\nFrom: x/y:1\n"));
        Assert.Contains("oras is not supported", e.Message);
    }
}
