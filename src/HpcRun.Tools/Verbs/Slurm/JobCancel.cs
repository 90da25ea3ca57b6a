using System.Globalization;
using HpcRun.Image.Text;
using HpcRun.Slurm;

namespace HpcRun.Tools.Verbs.Slurm;

/// <summary>
/// The JOB of `status` and `cancel`, and what `cancel` says of a job it cannot cancel. slurmrestd 22.05 answers a
/// DELETE of a job that already ended with 200 and no error (scancel is silent too, status 0), so hpcrun asks for
/// the job first: "already ended" is its own status (97), apart from a job Slurm does not know (98).
/// </summary>
internal static class JobCancel
{
    // Slurm's job ids are 32-bit, its two largest values reserved (NO_VAL, INFINITE); 0 is no job.
    private const long MostId = 0xFFFF_FFFD;

    /// <summary>The job id <paramref name="text"/> names, before anything is sent.</summary>
    /// <exception cref="HpcRunException">64: not a job id, or a task of a job array (`5_1`), which the REST API
    /// does not take.</exception>
    public static long Id(string text)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long id)
            && id is >= 1 and <= MostId) return id;
        string shown = Shown.Visible(text);
        string[] parts = text.Split('_');
        if (parts is [var array, var task] && IsNumber(array) && IsNumber(task))
            throw new HpcRunException(ExitCode.Usage, $"JOB: '{shown}' is a task of job array {array}, which " +
                $"slurmrestd does not take: give {array} for the whole array, or use squeue/scancel for the task");
        throw new HpcRunException(ExitCode.Usage, IsNumber(text.TrimStart('-'))
            ? $"JOB: '{shown}' is no job id: Slurm numbers jobs from 1 to {MostId}"
            : $"JOB: '{shown}' is no job id (a whole number, e.g. 42)");
    }

    private static bool IsNumber(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);

    /// <summary>Cancels job <paramref name="id"/> for <paramref name="user"/>, or says in one line why not.</summary>
    /// <exception cref="HpcRunException">97: the job already ended.</exception>
    /// <exception cref="SlurmApiException">98 unknown job (from the GET); 94 refused, with the owner or the array
    /// named where that is why.</exception>
    public static async Task CancelAsync(ISlurmApi slurm, long id, string user)
    {
        JobInfo job;
        string showing = $"could not show job {id}: ";
        try { job = await slurm.GetJobAsync(id); }
        catch (SlurmApiException e) when (e.Message.StartsWith(showing, StringComparison.Ordinal))
        {
            // What the user asked for is a cancel: the line says so, whichever request failed.
            throw new SlurmApiException(e.Fault, $"could not cancel job {id}: {e.Message[showing.Length..]}", e);
        }
        if (job.IsFinished)
            throw new HpcRunException(ExitCode.SlurmJobEnded,
                $"job {id} already ended ({job.State}): nothing to cancel");
        try
        {
            await slurm.CancelAsync(id);
        }
        catch (SlurmApiException e) when (e.Fault == SlurmFault.UnknownJob && job.ArrayTask is { } task)
        {
            // Slurm 22.05's slurmrestd shows an array's task by its own id but refuses to cancel it by that id.
            throw new SlurmApiException(SlurmFault.SlurmError, $"could not cancel job {id}: it is task {task} of a " +
                $"job array, which slurmrestd cannot cancel alone: `scancel {task}`, or `hpcrun cancel " +
                $"{task.Split('_')[0]}` for the whole array", e);
        }
        catch (SlurmApiException e) when (e.Fault == SlurmFault.SlurmError && job.User is { } owner && owner != user)
        {
            throw new SlurmApiException(e.Fault, $"{e.Message} (job {id} is {owner}'s, not {user}'s)", e);
        }
    }
}
