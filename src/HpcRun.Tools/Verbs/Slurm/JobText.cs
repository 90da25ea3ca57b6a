using System.Text;
using HpcRun.Slurm;

namespace HpcRun.Tools.Verbs.Slurm;

/// <summary>How status, jobs and submit --wait show jobs to a person.</summary>
internal static class JobText
{
    public static string Describe(JobInfo job)
    {
        var text = new StringBuilder();
        void Line(string key, object? value) { if (value is not null) text.Append($"{key,-11} {value}\n"); }
        Line("job", job.Id);
        Line("name", job.Name);
        Line("state", job.Reason is null ? job.State : $"{job.State} ({job.Reason})");
        Line("exit", job.ExitStatus);
        Line("user", job.User);
        Line("partition", job.Partition);
        Line("nodes", job.Nodes);
        Line("submitted", job.SubmitTime?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss"));
        Line("started", job.StartTime?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss"));
        Line("ended", job.IsFinished ? job.EndTime?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss") : null);
        Line("output", job.StandardOutput);
        return text.ToString();
    }

    /// <summary>One line that says where a job stands, for the live status line of submit --wait.</summary>
    public static string Summary(JobInfo job) =>
        $"job {job.Id} {job.State}" + (job.Reason is null ? "" : $" ({job.Reason})")
        + (job.Nodes is null ? "" : $" on {job.Nodes}")
        + (job.ExitStatus is int exit ? $", exit {exit}" : "");

    public static string Table(IReadOnlyList<JobInfo> jobs)
    {
        string[] header = ["JOBID", "NAME", "USER", "STATE", "EXIT", "NODES"];
        List<string[]> rows = [header, .. jobs.OrderBy(j => j.Id).Select(j => new[]
        {
            j.Id.ToString(), j.Name ?? "", j.User ?? "", j.State, j.ExitStatus?.ToString() ?? "",
            j.Nodes ?? j.Reason ?? "",
        })];
        int[] widths = [.. Enumerable.Range(0, header.Length).Select(c => rows.Max(r => r[c].Length))];
        var text = new StringBuilder();
        foreach (string[] row in rows)
            text.AppendJoin("  ", row.Select((cell, c) => c == 0 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c])))
                .Append('\n');
        return string.Join('\n', text.ToString().Split('\n').Select(l => l.TrimEnd()));
    }
}
