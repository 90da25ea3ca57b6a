using HpcRun.Image.Posix;
using HpcRun.Image.Recipe;

namespace HpcRun.Tools;

/// <summary>
/// hpcrun-tools started by a launcher (`hpcrun docker://REF` pulling into the image cache: Host/RegistryImage.cs)
/// dies with it, however the launcher ends: its pid comes in HPCRUN_DIE_WITH. The launcher's death is SIGTERM here
/// (PR_SET_PDEATHSIG), the signal Slurm sends at a time limit, so the pull stops as a signalled pull does
/// (Verbs/Image/BuildSignals.cs): its scratch directory is removed and no SIF lands in the cache after the launcher
/// is gone. The death signal follows the thread that forked this process: the launcher starts the pull from its
/// main thread, which lives as long as it does.
/// </summary>
internal static class ParentDeath
{
    private const int SIGTERM = 15;

    /// <summary>Arms the death signal when HPCRUN_DIE_WITH names this process's parent; ends this process at once
    /// when that parent has ended already (it was reparented before it could arm).</summary>
    public static void Arm()
    {
        string? variable = Environment.GetEnvironmentVariable(RecipeStepCommand.ParentVariable);
        if (variable is null) return;
        Environment.SetEnvironmentVariable(RecipeStepCommand.ParentVariable, null); // not for what this one starts
        if (!int.TryParse(variable, out int parent) || parent <= 0) return;
        Libc.SetParentDeathSignal(SIGTERM);
        if (Libc.ParentPid() != parent) Environment.Exit(128 + SIGTERM);
    }
}
