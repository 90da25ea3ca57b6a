using System.Diagnostics;
using System.Text;
using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>
/// Job control in an interactive shell on a terminal (script(1) gives bash a pty): Ctrl-Z stops
/// the job and hpcrun with it, so the prompt comes back; bg, fg and kill %1 then work as on
/// any other program. Every step waits for what the shell prints, never for a time; the terminal
/// echoes what is typed, so each awaited text is typed split by quotes ("st""arted").
/// </summary>
[Collection(ContainerCollection.Name)]
public class JobControlTests(ContainerFixture images)
{
    internal const string Prompt = "PROMPT> ";

    /// <summary>An interactive bash on a pty, as the test user, its prompt <see cref="Prompt"/>.</summary>
    internal sealed class Terminal : IDisposable
    {
        private readonly Process shell;
        private readonly StringBuilder screen = new();
        private int seen;

        public Terminal()
        {
            var info = new ProcessStartInfo("setpriv")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = Hpcrun.UserHome,
            };
            foreach (string arg in new[] { "--reuid", TestEnvironment.User, "--regid", TestEnvironment.User,
                         "--init-groups", "--",
                         "script", "-qfec", "bash --norc --noprofile -i", "/dev/null" })
                info.ArgumentList.Add(arg);
            info.Environment["HOME"] = Hpcrun.UserHome;
            info.Environment["TERM"] = "dumb";
            shell = Process.Start(info)!;
            _ = Task.Run(Pump);
            Type($"PS1='{Prompt[..3]}''{Prompt[3..]}'\n");
            Expect(Prompt);
        }

        private async Task Pump()
        {
            var buffer = new char[4096];
            int n;
            while ((n = await shell.StandardOutput.ReadAsync(buffer)) > 0)
                lock (screen) { screen.Append(buffer, 0, n); Monitor.PulseAll(screen); }
        }

        public void Type(string keys)
        {
            shell.StandardInput.Write(keys);
            shell.StandardInput.Flush();
        }

        /// <summary>Waits until <paramref name="text"/> appears after what was matched before; fails after a
        /// minute.</summary>
        public void Expect(string text)
        {
            var deadline = DateTime.UtcNow.AddMinutes(1);
            lock (screen)
            {
                int at;
                while ((at = screen.ToString().IndexOf(text, seen, StringComparison.Ordinal)) < 0)
                    if (!Monitor.Wait(screen, deadline - DateTime.UtcNow) && DateTime.UtcNow >= deadline)
                        Assert.Fail($"the terminal never showed '{text}'; it shows:\n{screen.ToString()[seen..]}\n"
                            + $"the test user's processes:\n{Processes()}");
                seen = at + text.Length;
            }
        }

        /// <summary>The test user's processes with their state, process group, terminal's foreground group and
        /// ignored/blocked/caught signals, and their terminal's modes: what a failure needs to tell who did not
        /// stop.</summary>
        private static string Processes() =>
            TestEnvironment.Run("ps", ["-o", "pid,ppid,pgid,tpgid,sid,stat,wchan:24,ignored,blocked,caught,args",
                "-u", TestEnvironment.User]).Stdout
            + TestEnvironment.Run("sh", ["-c", $"for p in $(ps -o pid= -u {TestEnvironment.User}); do echo $p "
                + "$(grep -E '^(SigPnd|ShdPnd|SigQ|Threads)' /proc/$p/status | tr '\\n' ' '); done"]).Stdout
            + TestEnvironment.Run("sh", ["-c", $"for t in $(ps -o tty= -u {TestEnvironment.User} | sort -u | "
                + "grep pts); do stty -a -F /dev/$t | tail -4; done"]).Stdout;

        /// <summary>Types <paramref name="keys"/> again until <paramref name="text"/> shows (a shell reports
        /// a job's end at its next prompt, once it has reaped it); fails after a minute.</summary>
        public void ExpectRetyping(string keys, string text)
        {
            var deadline = DateTime.UtcNow.AddMinutes(1);
            while (true)
            {
                Type(keys);
                lock (screen)
                {
                    Monitor.Wait(screen, TimeSpan.FromMilliseconds(200));
                    int at = screen.ToString().IndexOf(text, seen, StringComparison.Ordinal);
                    if (at >= 0) { seen = at + text.Length; return; }
                    if (DateTime.UtcNow >= deadline)
                        Assert.Fail($"the terminal never showed '{text}'; it shows:\n{screen.ToString()[seen..]}\n"
                            + $"the test user's processes:\n{Processes()}");
                }
            }
        }

        public void Dispose()
        {
            Type("exit\n");
            if (!shell.WaitForExit(30_000)) shell.Kill(entireProcessTree: true);
            shell.Dispose();
        }
    }

    [Fact]
    public void CtrlZStopsTheJobAndGivesThePromptBackThenBgFgAndKillWork()
    {
        using var terminal = new Terminal();
        terminal.Type($"{Hpcrun.Binary} {images.Image} sh -c 'echo st\"\"arted; " +
            "while :; do read line && echo \"got $line\"; done'\n");
        terminal.Expect("started");
        terminal.Type("\x1a"); // Ctrl-Z
        terminal.Expect("Stopped");
        terminal.Expect(Prompt);
        terminal.Type("jobs -l\n");
        terminal.Expect("Stopped");
        terminal.Type("fg\n");
        terminal.Type("hello\n");
        terminal.Expect("got hello"); // back in the foreground, reading the terminal
        terminal.Type("\x1a");
        terminal.Expect("Stopped");
        terminal.Type("kill %1\n");
        terminal.ExpectRetyping("jobs\n", "Terminated"); // hpcrun ends by the SIGTERM that ended its job
        terminal.Expect(Prompt);
        LeakCheck.AssertNothingLeft();
    }

    /// <summary>Ctrl-C reaches the job once: the terminal sends it to the whole foreground group, the job with
    /// hpcrun, so hpcrun does not forward it; a SIGINT sent to hpcrun alone while it is in the foreground is forwarded
    /// (it was not, taken for the terminal's).</summary>
    [Fact]
    public void CtrlCReachesTheJobOnceAndAKillOfHpcrunInTheForegroundIsForwarded()
    {
        string stop = $"/tmp/hpcrun-it-stop-{Guid.NewGuid():N}"; // where the test user can see it
        using var terminal = new Terminal();
        terminal.Type($"{Hpcrun.Binary} {images.Image} {TestImages.SignalCounter} {stop}; echo st\"\"atus=$?\n");
        terminal.Expect("up ");
        terminal.Expect("\n");
        terminal.Type("\x03"); // Ctrl-C
        terminal.Expect("got INT");
        string hpcrun = TestEnvironment.RunChecked("pgrep", "-u", TestEnvironment.User, "-f",
            $"^{Hpcrun.Binary} .*{stop}");
        TestEnvironment.RunChecked("kill", "-INT", hpcrun.Trim());
        terminal.Expect("got INT");
        File.WriteAllText(stop, "");
        try
        {
            terminal.Expect("counted INT=2 QUIT=0 USR1=0 TERM=0");
            terminal.Expect("status=0");
        }
        finally { File.Delete(stop); }
        LeakCheck.AssertNothingLeft();
    }

    [Fact]
    public void AStoppedJobContinuesInTheBackground()
    {
        string gate = $"/tmp/hpcrun-it-gate-{Guid.NewGuid():N}"; // where the test user can see it
        using var terminal = new Terminal();
        terminal.Type($"{Hpcrun.Binary} {images.Image} sh -c 'echo st\"\"arted; " +
            $"while [ ! -e {gate} ]; do sleep 0.1; done; echo fin\"\"ished'\n");
        terminal.Expect("started");
        terminal.Type("\x1a");
        terminal.Expect("Stopped");
        terminal.Type("bg\n");
        terminal.Expect(Prompt);
        File.WriteAllText(gate, "");
        try
        {
            terminal.Expect("finished"); // written from the background
            terminal.ExpectRetyping("jobs\n", "Done");
        }
        finally { File.Delete(gate); }
        LeakCheck.AssertNothingLeft();
    }
}
