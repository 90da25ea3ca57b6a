/* What hpcrun's native code (early.c) and its C# side share, stated once: the spawn request's
 * layout, the stages a spawned child reports, the names that tell whether a rank may join its
 * node's container, the node group's name and the roles its election gives, and the exported
 * functions. tests/HpcRun.Tests/Native/ContractTests.cs compiles a program against this header
 * and holds the C# side to it, as runc tests its C nsexec from Go: change one side alone and that
 * test fails.
 */
#ifndef HPCRUN_H
#define HPCRUN_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sha256.h"

/* What hpcrun_spawn's child does before execve (Apply/ChildProcess.cs: SpawnRequest). Strings are
   NUL-terminated bytes, arrays NULL-terminated; paths are formatted by the caller. */
struct hpcrun_spawn {
    char *const *argv, *const *envp;
    const char *search_path;          /* PATH for a command without '/' (the job's own) */
    const char *root, *cwd;           /* NULL: stay */
    const char *join_user, *join_mnt; /* namespace files of a container to enter, or NULL */
    int status_fd;                    /* the write end of a close-on-exec pipe */
    int drop_sys_admin;               /* a root job (--fakeroot) loses CAP_SYS_ADMIN: it cannot remount :ro binds */
    int emulate_root;                 /* a recipe's RUN: ownership and identity calls succeed as no-ops (seccomp) */
};

/* Where hpcrun_spawn's child failed: it writes {stage, errno} to status_fd as two ints and exits
   127 (Apply/ChildProcess.cs: ExecStage). */
enum hpcrun_exec_stage {
    HPCRUN_STAGE_PARENT = 1, /* PR_SET_PDEATHSIG, or the parent already gone */
    HPCRUN_STAGE_JOIN,       /* setns into another rank's user and mount namespaces */
    HPCRUN_STAGE_ROOT,       /* a mount namespace of its own, pivot_root into the container */
    HPCRUN_STAGE_CWD,        /* chdir into the working directory */
    HPCRUN_STAGE_EXEC,       /* CAP_SYS_ADMIN dropped, no_new_privs, execve */
    HPCRUN_STAGE_SECCOMP,    /* the root emulation filter (emulate_root) refused or not in force */
};

/* Rank markers: what a launcher (srun, mpirun, mpiexec) sets in every rank it starts, one per
   launcher family, whatever the rank's number (HpcRun.Launch/LauncherRank.cs: Markers). A rank
   with one of them, or a join key, may join its node's container (HpcRun.Launch/NodeSharing.cs). */
#define HPCRUN_LAUNCHER_MARKERS "SLURM_STEP_ID", "PMIX_RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK"
#define HPCRUN_JOIN_KEY_VARIABLE "HPCRUN_JOIN_KEY" /* names the group; --join-key wins over it */
#define HPCRUN_NO_JOIN_VARIABLE "HPCRUN_NO_JOIN"   /* a switch that is on: a container of one's own */
#define HPCRUN_JOIN_KEY_OPTION "--join-key"
#define HPCRUN_NO_JOIN_OPTION "--no-join"
/* Set by Native/Reexec.cs for a rank that must have a namespace of its own after all. */
#define HPCRUN_EARLY_VARIABLE "HPCRUN_EARLY"

/* The words that turn a switch variable (HPCRUN_NO_JOIN, HPCRUN_OFFLINE...) off, in any case; empty is off
   too. Any other word turns it on here; the C# side (HpcRun.Launch/SettingWord.cs) takes only 1, true, yes
   and on, and refuses the rest with a usage error, so a misspelt value stops the launch either way. */
#define HPCRUN_SWITCH_OFF_WORDS "0", "false", "no", "off"

static inline int hpcrun_switch_on(const char *word)
{
    static const char *const off[] = {HPCRUN_SWITCH_OFF_WORDS};
    if (!*word) return 0;
    for (size_t i = 0; i < sizeof off / sizeof *off; i++)
        if (strcasecmp(word, off[i]) == 0) return 0;
    return 1;
}

/* hpcrun's command line as far as early.c reads it (Cli/HpcRunCli.cs parses all of it): options
   that may precede the verb, the verbs that never run a container (hence never join), the launch
   verbs (also implied: `hpcrun IMAGE CMD`), and the launch options that take a value (the next
   argument, unless joined by '='). The image, the first other argument, ends hpcrun's options. */
#define HPCRUN_GLOBAL_OPTIONS "-v", "--verbose", "--debug"
#define HPCRUN_VERBS_WITHOUT_CONTAINER "doctor", "version", "help", "build", "inspect", "submit", "status", "cancel", \
    "jobs", "run-help", "pull", "cache", "bench"
#define HPCRUN_LAUNCH_VERBS "run", "exec", "shell"
#define HPCRUN_VALUE_OPTIONS \
    "--bind", "-B", "--mount", "--env", "--env-file", "--home", "-H", "--no-mount", "--pwd", "--cwd", "--rdma", \
    "--rdma-libs", "--gpu", "--mpi", "--mpi-compat", "--join-key"

/* What hpcrun_read_own_options found among hpcrun's own options (not the job's). */
struct hpcrun_own_options {
    int runs_container; /* 0: a verb of HPCRUN_VERBS_WITHOUT_CONTAINER */
    int no_join;        /* --no-join (or --no-join=true) */
    const char *join_key; /* the last --join-key's value, or NULL */
    int verbosity;      /* 0, 1 with -v or --verbose, 2 with --debug (src/HpcRun.CommandLine/Logging.cs) */
};

static inline int hpcrun_name_is(const char *arg, size_t len, const char *name)
{
    return strlen(name) == len && strncmp(arg, name, len) == 0;
}

static inline int hpcrun_name_in(const char *arg, size_t len, const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (hpcrun_name_is(arg, len, names[i])) return 1;
    return 0;
}

#define HPCRUN_NAME_IN(arg, len, names) hpcrun_name_in(arg, len, names, sizeof names / sizeof *names)

/* The verbosity after one more of HPCRUN_GLOBAL_OPTIONS: --debug says more than -v. */
static inline int hpcrun_more_verbose(int verbosity, const char *option)
{
    return verbosity == 2 || strcmp(option, "--debug") == 0 ? 2 : 1;
}

/* Reads hpcrun's argv as Cli/HpcRunCli.cs does, no further than it must: global options, a verb,
   then launch options up to the image. Allocates nothing (it runs before the runtime). */
static inline struct hpcrun_own_options hpcrun_read_own_options(int argc, char *const *argv)
{
    static const char *const global[] = {HPCRUN_GLOBAL_OPTIONS}, *const without[] = {HPCRUN_VERBS_WITHOUT_CONTAINER},
                             *const launch[] = {HPCRUN_LAUNCH_VERBS}, *const valued[] = {HPCRUN_VALUE_OPTIONS};
    struct hpcrun_own_options own = {1, 0, NULL, 0};
    int i = 1;
    for (; i < argc && HPCRUN_NAME_IN(argv[i], strlen(argv[i]), global); i++)
        own.verbosity = hpcrun_more_verbose(own.verbosity, argv[i]);
    if (i < argc && HPCRUN_NAME_IN(argv[i], strlen(argv[i]), without)) {
        own.runs_container = 0;
        return own;
    }
    if (i < argc && HPCRUN_NAME_IN(argv[i], strlen(argv[i]), launch)) i++;
    for (; i < argc; i++) {
        const char *arg = argv[i], *eq = strchr(arg, '=');
        if (arg[0] != '-' || strcmp(arg, "-") == 0 || strcmp(arg, "--") == 0) break; /* the image, or no image */
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        if (!eq && HPCRUN_NAME_IN(arg, len, global)) own.verbosity = hpcrun_more_verbose(own.verbosity, arg);
        if (hpcrun_name_is(arg, len, HPCRUN_NO_JOIN_OPTION)) own.no_join = !eq || strcasecmp(eq + 1, "true") == 0;
        if (hpcrun_name_is(arg, len, HPCRUN_JOIN_KEY_OPTION))
            own.join_key = eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : NULL;
        if (!eq && HPCRUN_NAME_IN(arg, len, valued)) i++;
    }
    return own;
}

/* Variables that tell one job (step) from another (HpcRun.Launch/NodeSharing.cs: JobVariables). */
#define HPCRUN_JOB_VARIABLES "SLURM_JOB_ID", "SLURM_STEP_ID", "PMIX_NAMESPACE", "OMPI_MCA_ess_base_jobid"

/* "hpcrun-UID-" and 32 hex digits: an abstract socket name, without the leading NUL. */
enum { HPCRUN_GROUP_NAME_SIZE = 64 };

static inline void hpcrun_sha256_text(struct hpcrun_sha256 *h, const char *text, int separator)
{
    if (separator) hpcrun_sha256_update(h, "", 1);
    hpcrun_sha256_update(h, text, strlen(text));
}

/* The node group's name, as HpcRun.Launch/NodeSharing.cs's GroupName makes it from the same facts
   (its strings' UTF-8 bytes: the same bytes for every argument that is UTF-8): the SHA-256 of a join
   key, or of the launcher's facts (parent pid, working directory, job variables, hpcrun's arguments),
   separated by NULs. Returns 0 when this launch shares nothing (no key, no rank marker, or opted out). */
static inline int hpcrun_group_name(char name[HPCRUN_GROUP_NAME_SIZE], struct hpcrun_own_options own, unsigned uid,
                                    int parent_pid, const char *cwd, int argc, char *const *argv)
{
    static const char *const markers[] = {HPCRUN_LAUNCHER_MARKERS}, *const jobs[] = {HPCRUN_JOB_VARIABLES};
    const char *key = own.join_key, *variable = getenv(HPCRUN_JOIN_KEY_VARIABLE),
               *no_join = getenv(HPCRUN_NO_JOIN_VARIABLE);
    if (!key && variable && *variable) key = variable;
    if (own.no_join || (!own.join_key && no_join && hpcrun_switch_on(no_join))) return 0;
    int launched = 0;
    for (size_t i = 0; i < sizeof markers / sizeof *markers; i++) launched |= getenv(markers[i]) != NULL;
    if (!key && !launched) return 0;
    struct hpcrun_sha256 h;
    hpcrun_sha256_init(&h);
    if (key) {
        hpcrun_sha256_text(&h, "key", 0);
        hpcrun_sha256_text(&h, key, 1);
    } else {
        char number[16];
        snprintf(number, sizeof number, "%d", parent_pid);
        hpcrun_sha256_text(&h, "launcher", 0);
        hpcrun_sha256_text(&h, number, 1);
        hpcrun_sha256_text(&h, cwd, 1);
        for (size_t i = 0; i < sizeof jobs / sizeof *jobs; i++) {
            const char *value = getenv(jobs[i]);
            hpcrun_sha256_text(&h, jobs[i], 1);
            hpcrun_sha256_update(&h, "=", 1);
            hpcrun_sha256_update(&h, value ? value : "", value ? strlen(value) : 0);
        }
        for (int i = 1; i < argc; i++) hpcrun_sha256_text(&h, argv[i], 1);
    }
    unsigned char digest[32];
    hpcrun_sha256_final(&h, digest);
    int at = snprintf(name, HPCRUN_GROUP_NAME_SIZE, "hpcrun-%u-", uid);
    for (int i = 0; i < 16; i++) at += snprintf(name + at, (size_t)(HPCRUN_GROUP_NAME_SIZE - at), "%02x", digest[i]);
    return 1;
}

/* What early.c's election made of this rank (Native/EarlyNamespace.cs: GroupRole; Group/NodeGroup.cs). */
enum hpcrun_group_role {
    HPCRUN_GROUP_NONE = 0, /* no group (or HPCRUN_EARLY): a namespace of its own was entered */
    HPCRUN_GROUP_FIRST,    /* bound the group's name (hpcrun_group_fd, listening) and entered its namespace */
    HPCRUN_GROUP_MEMBER,   /* connected to the first rank (hpcrun_group_fd), in the host's namespaces */
    HPCRUN_GROUP_TAKEN,    /* another user's socket holds the name, or one that accepts no one: a namespace
                              of its own was entered (hpcrun_group_peer_uid says whose, -1: unknown) */
    HPCRUN_GROUP_UNDECIDED, /* the election was left to the C# side, in the host's namespaces */
};

/* Exported to the C# side, which imports them from "hpcrun_early". */
int hpcrun_unshare_errno(void);   /* -1: left to the C# side (the rank joins or is undecided), 0: entered, else errno */
int hpcrun_outer_uid(void);       /* the caller's ids: inside the new namespace getuid() reports the overflow id */
int hpcrun_outer_gid(void);
int hpcrun_argc(void);            /* argv and the environment as bytes, before the runtime decodes them */
char **hpcrun_argv(void);
char **hpcrun_environ(void);
const char *hpcrun_join_key(void); /* hpcrun_read_own_options' join_key, when the election was left to the C# side */
int hpcrun_no_join(void);          /* its no_join, likewise */
int hpcrun_verbosity(void);        /* its verbosity (the election may log) */
int hpcrun_group_role(void);       /* enum hpcrun_group_role */
int hpcrun_group_fd(void);         /* FIRST: the listening socket; MEMBER: the connection; else -1 */
int hpcrun_group_peer_uid(void);   /* TAKEN: the name's holder, or -1 */
int hpcrun_spawn(const struct hpcrun_spawn *s);                          /* pid, or -errno */
int hpcrun_exec(const char *path, char *const *argv, char *const *envp); /* -errno */
int hpcrun_isolate_fuse_server(int fuse_fd, int image_fd);               /* 0, or -errno */

#endif
