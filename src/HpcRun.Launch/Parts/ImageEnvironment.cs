using System.Text;

namespace HpcRun.Launch.Parts;

/// <summary>
/// An image's /.singularity.d/env/*.sh scripts, evaluated by the image's own /bin/sh in the job's process before
/// it becomes the job, in the order and with the precedence of Apptainer's action script
/// (internal/pkg/util/fs/files/action_script.sh): the host's variables are hidden while the scripts up to
/// 99-base.sh run and come back where those did not set them; the scripts are sourced in name order; the user's
/// values (<see cref="Overrides"/>: APPTAINERENV_, --env...) apply right after 99-base.sh and the host's return, so
/// they expand against both (`--env 'Y=$FOO'` sees the host's FOO), before the scripts that sort after it; then
/// the job is exec'd: same pid, argv exactly as given, no process left behind.
/// Apptainer's own 99-runtimevars.sh is not sourced: its PATH handling is in <see cref="Overrides"/>.
/// </summary>
/// <param name="Scripts">The file names in <see cref="Directory"/>, in the order they are sourced.</param>
/// <param name="HostNames">The host's variables (valid shell names), and the ones Apptainer hides there too
/// (APPTAINER_BIND...), to hide while the scripts run.</param>
/// <param name="Overrides">The user's values, applied in order (later wins; PATH prepends refer to $PATH).</param>
public sealed record ImageEnvironment(IReadOnlyList<string> Scripts, IReadOnlyList<string> HostNames,
    IReadOnlyList<(string Name, EnvTemplate Value)> Overrides)
{
    public const string Directory = "/.singularity.d/env";
    public const string Shell = "/bin/sh";
    /// <summary>Where Apptainer injects the user's values: right after this script.</summary>
    public const string InjectAfter = "99-base.sh";
    /// <summary>Apptainer replaces this script with its own; hpcrun's <see cref="Overrides"/> do its job.</summary>
    public const string RuntimeVars = "99-runtimevars.sh";
    /// <summary>Names of the variables that carry the user's literal text into the shell (unset before the exec).
    /// </summary>
    public const string CarrierPrefix = "HPCRUN_ENVSCRIPT_";

    /// <summary>The scripts to source from the names in <see cref="Directory"/>: *.sh, byte order (as Apptainer's
    /// glob sorts), without <see cref="RuntimeVars"/>.</summary>
    public static IReadOnlyList<string> ScriptsAmong(IEnumerable<string> names) =>
        [.. names.Where(n => n.EndsWith(".sh", StringComparison.Ordinal) && n != RuntimeVars)
            .OrderBy(n => n, StringComparer.Ordinal)];

    /// <summary>The argv that evaluates the scripts then execs <paramref name="argv"/> (looked up in the PATH the
    /// scripts leave), and the variables the job's environment must carry for it. <paramref name="shellLevel"/>:
    /// the job's SHLVL, which bash and busybox's sh count up as they start (null: unset).</summary>
    public (IReadOnlyList<string> Argv, IReadOnlyList<KeyValuePair<string, string>> Carried) Wrap(
        IReadOnlyList<string> argv, string? shellLevel)
    {
        var carried = new List<KeyValuePair<string, string>>();
        string Carry(string text)
        {
            string name = CarrierPrefix + carried.Count;
            carried.Add(KeyValuePair.Create(name, text));
            return name;
        }
        var script = new StringBuilder();
        for (int i = 0; i < HostNames.Count; i++)
            script.Append($"__hpcrun_h{i}=\"${HostNames[i]}\"; unset {HostNames[i]}\n");
        foreach (string name in Scripts.Where(n => string.CompareOrdinal(n, InjectAfter) <= 0)) Source(script, name);
        for (int i = 0; i < HostNames.Count; i++)
            script.Append($"[ -n \"${{{HostNames[i]}+x}}\" ] || {{ {HostNames[i]}=\"$__hpcrun_h{i}\"; " +
                          $"export {HostNames[i]}; }}\n");
        foreach (var (name, value) in Overrides) script.Append($"{name}={value.ToShellWord(Carry)}; export {name}\n");
        foreach (string name in Scripts.Where(n => string.CompareOrdinal(n, InjectAfter) > 0)) Source(script, name);
        script.Append(shellLevel is null ? "unset SHLVL\n" : $"SHLVL=\"${{{Carry(shellLevel)}}}\"; export SHLVL\n");
        string[] temporaries =
            [.. Enumerable.Range(0, HostNames.Count).Select(i => $"__hpcrun_h{i}"), .. carried.Select(c => c.Key)];
        if (temporaries.Length > 0) script.Append($"unset {string.Join(' ', temporaries)}\n");
        script.Append(CheckCommand);
        script.Append("exec \"$@\"\n");
        return ([Shell, "-c", script.ToString(), "hpcrun", .. argv], carried);
    }

    /// <summary>A command the shell cannot exec gets hpcrun's own line and status, as without scripts (Apply/
    /// ChildProcess.cs: ExecFailure), not the shell's ("exec: line 9: x: not found"): not found (127), a directory
    /// or a file without execute permission (126), a script whose #! interpreter the image lacks (127); a command
    /// looking like an option is not read as exec's. A script without #! is left to exec, which runs it with the
    /// shell, as execvp does. Names are shown as Image/Text/Shown.cs's Visible shows them (control characters as
    /// \xNN), and a #! line that ends in a carriage return gets <see cref="CrlfHint"/>.</summary>
    private const string CheckCommand = $$"""
        __hpcrun_c=$1
        case $1 in */*) ;; *) __hpcrun_c=$(command -v "$1" 2>/dev/null) || __hpcrun_c= ;; esac
        case $__hpcrun_c in
        '') __hpcrun_e=127 ;;
        */*) if [ -d "$__hpcrun_c" ]; then __hpcrun_e=dir; elif [ ! -e "$__hpcrun_c" ]; then __hpcrun_e=127
          elif [ ! -x "$__hpcrun_c" ]; then __hpcrun_e=126
          else
            __hpcrun_l=; IFS= read -r __hpcrun_l < "$__hpcrun_c" 2>/dev/null
            case $__hpcrun_l in '#!'*)
              __hpcrun_l=${__hpcrun_l#??}; __hpcrun_l=${__hpcrun_l#"${__hpcrun_l%%[![:blank:]]*}"}
              __hpcrun_l=${__hpcrun_l%%[[:blank:]]*}
              [ -z "$__hpcrun_l" ] || [ -e "$__hpcrun_l" ] || __hpcrun_e=interpreter ;;
            esac
          fi ;;
        esac
        case ${__hpcrun_e:-0} in 0) ;; *)
          __hpcrun_shown() {
            __hpcrun_s=$1
            while [ -n "$__hpcrun_s" ]; do
              __hpcrun_r=${__hpcrun_s#?}; __hpcrun_k=${__hpcrun_s%"$__hpcrun_r"}; __hpcrun_s=$__hpcrun_r
              case $__hpcrun_k in [[:cntrl:]]) printf '\\x%02X' "'$__hpcrun_k" ;; *) printf %s "$__hpcrun_k" ;; esac
            done
          }
          __hpcrun_p=$(__hpcrun_shown "$1") ;;
        esac
        case ${__hpcrun_e:-0} in
        127) printf 'hpcrun: %s: command not found in the image\n' "$__hpcrun_p" >&2; exit 127 ;;
        126) printf 'hpcrun: %s: cannot execute: Permission denied\n' "$__hpcrun_p" >&2; exit 126 ;;
        dir) printf 'hpcrun: %s: cannot execute: Is a directory\n' "$__hpcrun_p" >&2; exit 126 ;;
        interpreter)
          __hpcrun_h=; case $__hpcrun_l in *"$(printf '\r')") __hpcrun_h='{{CrlfHint}}' ;; esac
          printf 'hpcrun: %s: bad interpreter: %s is not in the image%s\n' "$__hpcrun_p" \
            "$(__hpcrun_shown "$__hpcrun_l")" "$__hpcrun_h" >&2; exit 127 ;;
        esac
        unset __hpcrun_c __hpcrun_l

        """;

    /// <summary>What a bad interpreter's line adds when the #! line ends in a carriage return, the mark of a script
    /// saved with DOS line endings: "/bin/sh\x0D is not in the image" alone would send the user looking for a
    /// missing shell. Native/hpcrun.h's HPCRUN_CRLF_HINT for early.c, Apply/ChildProcess.cs's ExecFailure.</summary>
    public const string CrlfHint = " (the script has DOS (CRLF) line endings: convert it with dos2unix)";

    private static void Source(StringBuilder script, string name)
    {
        string path = ShellQuote($"{Directory}/{name}");
        script.Append($"if [ -f {path} ]; then . {path}; fi\n");
    }

    private static string ShellQuote(string text) => "'" + text.Replace("'", "'\\''") + "'";
}
