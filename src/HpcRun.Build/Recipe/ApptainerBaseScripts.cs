namespace HpcRun.Build.Recipe;

/// <summary>
/// The two environment scripts of Apptainer's base layout (internal/pkg/build/sources/base_environment.go,
/// makeBaseEnv) that Apptainer's launcher depends on, in hpcrun's words with the same effect. Its action script
/// (internal/pkg/util/fs/files/action_script.sh) applies `--env` and APPTAINERENV_ values right after sourcing
/// env/99-base.sh, and only there when an image has /.singularity.d/env: a definition file's image without it runs
/// under Apptainer with none of the user's values. env/99-runtimevars.sh applies the PATH a user asked for
/// (Apptainer's SING_USER_DEFINED_* variables), last. hpcrun's own launch does both itself and does not source
/// 99-runtimevars.sh (<c>ImageEnvironment</c>). A base image's own scripts of these names stay, as Apptainer's
/// build keeps them.
/// </summary>
internal static class ApptainerBaseScripts
{
    /// <summary>The file names in /.singularity.d/env and their texts.</summary>
    public static readonly (string Name, string Text)[] Scripts =
    [
        ("99-base.sh", """
            #!/bin/sh
            # Written by hpcrun's build where Apptainer's writes its 99-base.sh: Apptainer applies the user's --env
            # and APPTAINERENV_ values right after this file. Libraries bound into /.singularity.d/libs come last.
            if [ -z "${LD_LIBRARY_PATH:-}" ]; then
                LD_LIBRARY_PATH=/.singularity.d/libs
            else
                LD_LIBRARY_PATH="$LD_LIBRARY_PATH:/.singularity.d/libs"
            fi
            [ -n "${PS1:-}" ] || PS1="Apptainer> "
            export LD_LIBRARY_PATH PS1

            """),
        ("99-runtimevars.sh", """
            #!/bin/sh
            # Written by hpcrun's build where Apptainer's writes its 99-runtimevars.sh: the PATH the user asked for at
            # the launch (Apptainer's --env PATH=..., PREPEND_PATH, APPEND_PATH), applied after the image's scripts.
            [ -z "${SING_USER_DEFINED_PREPEND_PATH:-}" ] || PATH="$SING_USER_DEFINED_PREPEND_PATH:$PATH"
            [ -z "${SING_USER_DEFINED_APPEND_PATH:-}" ] || PATH="$PATH:$SING_USER_DEFINED_APPEND_PATH"
            [ -z "${SING_USER_DEFINED_PATH:-}" ] || PATH="$SING_USER_DEFINED_PATH"
            unset SING_USER_DEFINED_PREPEND_PATH SING_USER_DEFINED_APPEND_PATH SING_USER_DEFINED_PATH
            export PATH

            """),
    ];
}
