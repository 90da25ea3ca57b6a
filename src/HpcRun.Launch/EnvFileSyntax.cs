using System.Text;
using HpcRun.Image.Text;

namespace HpcRun.Launch;

/// <summary>
/// An --env-file read by the POSIX shell's word rules for assignments, as Apptainer evaluates the file as a shell
/// script (README, "Environment"): commands are separated by newlines and `;`, each a list of NAME=VALUE words,
/// optionally after `export` (which may also name variables without a value: they keep theirs). Within a word
/// single quotes keep everything, double quotes keep everything but `\"`, `\\`, `\$`, `` \` `` and
/// backslash-newline, an unquoted backslash keeps the next character, and the parts concatenate (`A="x"'y'z` is
/// xyz); an unquoted `#` that starts a word starts a comment. `$NAME` and `${NAME}`, unquoted or in double
/// quotes, expand as in <see cref="EnvTemplate"/>. What a shell would run (a command, `$(...)`, a pipe or a
/// redirection), an unterminated quote or a stray `;` makes the file malformed: a value is never run.
/// </summary>
public static class EnvFileSyntax
{
    /// <summary>Characters that end an unquoted word and would make the shell do more than assign.</summary>
    private const string Operators = "|&<>()";

    /// <summary>The assignments in <paramref name="text"/>, in order.</summary>
    /// <exception cref="HpcRunException">73 (<see cref="ExitCode.BadEnvironmentFile"/>) naming
    /// <paramref name="path"/> and the line, for a file a shell would not read as assignments alone.</exception>
    public static IReadOnlyList<(string Name, EnvTemplate Value)> Parse(string path, string text) =>
        new Reader(path, text).Assignments();

    private sealed class Reader(string path, string text)
    {
        private readonly List<(string Name, EnvTemplate Value)> assignments = [];
        private int at;
        private int line = 1;

        public List<(string Name, EnvTemplate Value)> Assignments()
        {
            while (at < text.Length) Command();
            return assignments;
        }

        /// <summary>One simple command, up to the newline or `;` that ends it.</summary>
        private void Command()
        {
            int words = 0;
            bool exported = false;
            while (true)
            {
                SkipBlanks();
                if (at >= text.Length) return;
                char c = text[at];
                if (c == '#') { while (at < text.Length && text[at] != '\n') at++; continue; }
                if (c == '\n' || c == ';')
                {
                    if (c == ';' && words == 0 && !exported) throw Malformed(line, "';' with nothing before it");
                    if (c == '\n') line++;
                    at++;
                    return;
                }
                int start = line;
                string? name = AssignedName();
                if (name is null && words == 0 && !exported && WordIs("export"))
                {
                    at += "export".Length;
                    exported = true;
                    continue;
                }
                EnvTemplate value = Word();
                if (name is not null) assignments.Add((name, value));
                else if (!exported || !EnvTemplate.IsShellName(value.Expand(_ => null)) || HasVariable(value))
                    throw Malformed(start, $"expected NAME=VALUE, got '{LineText(start)}'");
                words++;
            }
        }

        /// <summary>The NAME of an unquoted `NAME=` at the word's start, which it consumes; else null (`"A"=1`
        /// and `A\=1` are commands to a shell, not assignments).</summary>
        private string? AssignedName()
        {
            int end = at;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_')) end++;
            if (end == at || end >= text.Length || text[end] != '=' || !EnvTemplate.IsShellName(text[at..end]))
                return null;
            string name = text[at..end];
            at = end + 1;
            return name;
        }

        /// <summary>Whether the word at hand is exactly <paramref name="word"/>, unquoted.</summary>
        private bool WordIs(string word) =>
            string.CompareOrdinal(text, at, word, 0, word.Length) == 0 && EndsWordAt(at + word.Length);

        /// <summary>Whether a word ends before <paramref name="i"/>: blanks, a line's end (a CR before it too, as
        /// a file written on Windows has), `;` or an operator.</summary>
        private bool EndsWordAt(int i) =>
            i >= text.Length || text[i] is ' ' or '\t' or '\n' or ';' || Operators.Contains(text[i])
            || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] == '\n'));

        private static bool HasVariable(EnvTemplate value) => value.Segments.Any(s => s.IsVariable);

        /// <summary>The rest of a word: its quoted and unquoted parts, concatenated.</summary>
        private EnvTemplate Word()
        {
            var parts = new List<EnvTemplate>();
            var literal = new StringBuilder();
            void Flush()
            {
                if (literal.Length > 0) parts.Add(EnvTemplate.Literal(literal.ToString()));
                literal.Clear();
            }
            while (!EndsWordAt(at))
            {
                char c = text[at];
                if (c == '\'')
                {
                    int opened = line, close = text.IndexOf('\'', at + 1);
                    if (close < 0) throw Malformed(opened, "unterminated single quote");
                    literal.Append(Counted(text[(at + 1)..close]));
                    at = close + 1;
                }
                else if (c == '"') DoubleQuoted(literal, parts, Flush);
                else if (c == '\\') Escaped(literal, quoted: false);
                else if (c == '$' || c == '`') Dollar(literal, parts, Flush);
                else { literal.Append(c); at++; }
            }
            if (at < text.Length && Operators.Contains(text[at]))
                throw Malformed(line, $"unquoted '{text[at]}' would be a shell operator; quote it to keep it " +
                                      "in the value");
            Flush();
            return EnvTemplate.Concat([.. parts]);
        }

        private void DoubleQuoted(StringBuilder literal, List<EnvTemplate> parts, Action flush)
        {
            int opened = line;
            at++;
            while (true)
            {
                if (at >= text.Length) throw Malformed(opened, "unterminated double quote");
                char c = text[at];
                if (c == '"') { at++; return; }
                if (c == '\\') Escaped(literal, quoted: true);
                else if (c == '$' || c == '`') Dollar(literal, parts, flush);
                else { literal.Append(Counted(c.ToString())); at++; }
            }
        }

        /// <summary>A backslash: outside quotes it keeps any next character; inside double quotes only `"`, `\`,
        /// `$` and `` ` `` (before anything else it stays a backslash); before a newline both go (a continued
        /// line).</summary>
        private void Escaped(StringBuilder literal, bool quoted)
        {
            at++;
            if (at >= text.Length) { literal.Append('\\'); return; }
            char next = text[at++];
            if (next == '\n') line++;
            else if (!quoted || next is '"' or '\\' or '$' or '`') literal.Append(next);
            else literal.Append('\\').Append(Counted(next.ToString()));
        }

        /// <summary>`$NAME` and `${NAME}` expand; `$(...)` and `` `...` `` would run a command and are refused;
        /// any other `$` is itself.</summary>
        private void Dollar(StringBuilder literal, List<EnvTemplate> parts, Action flush)
        {
            if (text[at] == '`' || (at + 1 < text.Length && text[at + 1] == '('))
                throw Malformed(line, "command substitution ($(...) or `...`) is not run in an env file");
            string name = NameAt(at + 1);
            int length = name.Length + 1;
            if (name.Length == 0 && at + 1 < text.Length && text[at + 1] == '{'
                && NameAt(at + 2) is { Length: > 0 } braced && at + 2 + braced.Length < text.Length
                && text[at + 2 + braced.Length] == '}')
                (name, length) = (braced, braced.Length + 3);
            if (name.Length == 0) { literal.Append('$'); at++; return; }
            flush();
            parts.Add(EnvTemplate.Variable(name));
            at += length;
        }

        private string NameAt(int start)
        {
            if (start >= text.Length || !(char.IsAsciiLetter(text[start]) || text[start] == '_')) return "";
            int end = start + 1;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_')) end++;
            return text[start..end];
        }

        private void SkipBlanks()
        {
            while (at < text.Length)
            {
                if (text[at] is ' ' or '\t') at++;
                else if (text[at] == '\\' && at + 1 < text.Length && text[at + 1] == '\n') { at += 2; line++; }
                else if (text[at] == '\r' && (at + 1 == text.Length || text[at + 1] == '\n')) at++;
                else return;
            }
        }

        /// <summary><paramref name="part"/>, with the newlines in it counted, for the lines errors name.</summary>
        private string Counted(string part)
        {
            line += part.Count(c => c == '\n');
            return part;
        }

        private string LineText(int number) => Shown.Excerpt(text.Split('\n')[number - 1].Trim());

        private HpcRunException Malformed(int number, string why) =>
            new(ExitCode.BadEnvironmentFile, $"{path}:{number}: {why}");
    }
}
