/* What hpcrun's native code (early.c) and its C# side share, stated once: the spawn request's
 * layout, the stages a spawned child reports, the names that tell whether a rank may join its
 * node's container, the node group's name and the roles its election gives, the first rank's
 * greeting and the fast join's recipe in it, and the exported functions.
 * tests/HpcRun.Tests/Native/ContractTests.cs compiles a program against this header and holds the C# side
 * to it, as runc tests its C nsexec from Go: change one side alone and that test fails.
 */
#ifndef HPCRUN_H
#define HPCRUN_H

#include <errno.h>
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
    int wrapped_job; /* > 0: argv[0] is the image's shell, which runs its environment scripts and then execs the job,
                        argv[wrapped_job] on (HpcRun.Launch/Parts/ImageEnvironment.cs); else 0 */
};

/* Where hpcrun_spawn's child failed: it writes a struct hpcrun_exec_report to status_fd and exits 127
   (Apply/ChildProcess.cs: ExecStage). */
enum hpcrun_exec_stage {
    HPCRUN_STAGE_PARENT = 1, /* PR_SET_PDEATHSIG, or the parent already gone */
    HPCRUN_STAGE_JOIN,       /* setns into another rank's user and mount namespaces */
    HPCRUN_STAGE_ROOT,       /* a mount namespace of its own, pivot_root into the container */
    HPCRUN_STAGE_CWD,        /* chdir into the working directory */
    HPCRUN_STAGE_EXEC,       /* CAP_SYS_ADMIN dropped, no_new_privs, execve */
    HPCRUN_STAGE_SECCOMP,    /* the root emulation filter (emulate_root) refused or not in force */
    HPCRUN_STAGE_JOB,        /* a wrapped job (wrapped_job) that the image's shell could not start: said as an exec
                                failure of the job's own program, argv[wrapped_job] */
};

/* What the child found out about a program that execve refused, beyond errno (early.c: explain_exec), so that
   the line says why as a shell would (Apply/ChildProcess.cs: ExecDetail): */
enum hpcrun_exec_detail {
    HPCRUN_DETAIL_NONE = 0,
    HPCRUN_DETAIL_DIRECTORY,   /* EACCES: the path is a directory */
    HPCRUN_DETAIL_NOEXEC,      /* EACCES: an executable file on a file system mounted noexec */
    HPCRUN_DETAIL_INTERPRETER, /* ENOENT: a script whose #! interpreter (the name) is not in the image */
    HPCRUN_DETAIL_LOADER,      /* ENOENT: an ELF program whose loader (PT_INTERP, the name) is not in the image */
    HPCRUN_DETAIL_REQUIRED,    /* ENOENT: the file is there, something it needs is not (bash: "required file") */
    HPCRUN_DETAIL_BINARY,      /* ENOEXEC: a binary of another format or machine */
    HPCRUN_DETAIL_NO_SHELL,    /* ENOEXEC: a script without #!, which execvp runs with /bin/sh: the image has none */
    HPCRUN_DETAIL_NO_ENV_SHELL, /* ENOENT: the shell that runs the image's environment scripts (the name) is not in
                                   the container, which a mount over it hides (HPCRUN_STAGE_JOB) */
};

/* What hpcrun_spawn's child writes to status_fd when it cannot start the job: one write, below PIPE_BUF. */
struct hpcrun_exec_report {
    int stage, err, detail;
    char name[244]; /* the interpreter or loader that detail names (NUL-terminated, cut if longer); else empty */
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
/* Set by a recipe build (hpcrun-tools) for the hpcrun it starts: the pid to die with (Apply/ParentWatch.cs).
   early.c takes it out of the environment at once, so that no job ever sees it. */
#define HPCRUN_DIE_WITH_VARIABLE "HPCRUN_DIE_WITH"

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
   that may precede the verb or follow it (HpcRun.CommandLine/CommandLineRoot.cs: GlobalOptions), those that only
   precede it, as Apptainer's -q and -s (RootOptions), the verbs that never run a container (hence never join), the
   launch verbs (also implied: `hpcrun IMAGE CMD`), and the launch options that take a value (the next
   argument, unless joined by '='). The image, the first other argument, ends hpcrun's options. */
#define HPCRUN_GLOBAL_OPTIONS "-v", "--verbose", "--debug"
#define HPCRUN_ROOT_OPTIONS "-q", "--quiet", "-s", "--silent"
#define HPCRUN_VERBS_WITHOUT_CONTAINER "doctor", "version", "help", "build", "inspect", "submit", "status", "cancel", \
    "jobs", "run-help", "pull", "cache", "bench"
#define HPCRUN_LAUNCH_VERBS "run", "exec", "shell", "test"
#define HPCRUN_VALUE_OPTIONS \
    "--bind", "-B", "--mount", "--env", "--env-file", "--home", "-H", "--no-mount", "--pwd", "--cwd", "--rdma", \
    "--rdma-libs", "--gpu", "--mpi", "--mpi-compat", "--join-key"

/* What hpcrun_read_own_options found among hpcrun's own options (not the job's). */
struct hpcrun_own_options {
    int runs_container; /* 0: a verb of HPCRUN_VERBS_WITHOUT_CONTAINER */
    int no_join;        /* --no-join (or --no-join=true) */
    const char *join_key; /* the last --join-key's value, or NULL */
    int image_at;       /* argv's index of the image (after a "--" that ends the options), argc when none */
    int verbosity;      /* 0; 1 with -v or --verbose, 2 with --debug; -1 with -q or --quiet, -2 with -s or
                           --silent, unless a louder one is given too, as Apptainer ranks them
                           (src/HpcRun.CommandLine/Logging.cs) */
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

/* The verbosity after one more of HPCRUN_GLOBAL_OPTIONS or HPCRUN_ROOT_OPTIONS: the loudest given wins (--debug,
   -v, -q, -s), and none given is 0. */
static inline int hpcrun_more_verbose(int verbosity, int given, const char *option)
{
    int level = strcmp(option, "--debug") == 0                                  ? 2
                : strcmp(option, "-v") == 0 || strcmp(option, "--verbose") == 0 ? 1
                : strcmp(option, "-q") == 0 || strcmp(option, "--quiet") == 0   ? -1
                                                                                 : -2;
    return !given || level > verbosity ? level : verbosity;
}

/* Reads hpcrun's argv as Cli/HpcRunCli.cs does, no further than it must: global options, a verb,
   then launch options up to the image. Allocates nothing (it runs before the runtime). */
static inline struct hpcrun_own_options hpcrun_read_own_options(int argc, char *const *argv)
{
    static const char *const global[] = {HPCRUN_GLOBAL_OPTIONS}, *const root[] = {HPCRUN_ROOT_OPTIONS},
                             *const without[] = {HPCRUN_VERBS_WITHOUT_CONTAINER},
                             *const launch[] = {HPCRUN_LAUNCH_VERBS}, *const valued[] = {HPCRUN_VALUE_OPTIONS};
    struct hpcrun_own_options own = {1, 0, NULL, argc, 0};
    int i = 1, given = 0;
    for (; i < argc && (HPCRUN_NAME_IN(argv[i], strlen(argv[i]), global)
                        || HPCRUN_NAME_IN(argv[i], strlen(argv[i]), root)); i++, given = 1)
        own.verbosity = hpcrun_more_verbose(own.verbosity, given, argv[i]);
    if (i < argc && HPCRUN_NAME_IN(argv[i], strlen(argv[i]), without)) {
        own.runs_container = 0;
        return own;
    }
    if (i < argc && HPCRUN_NAME_IN(argv[i], strlen(argv[i]), launch)) i++;
    for (; i < argc; i++) {
        const char *arg = argv[i], *eq = strchr(arg, '=');
        if (arg[0] != '-' || strcmp(arg, "-") == 0) break; /* the image */
        if (strcmp(arg, "--") == 0) {                          /* the word after it is the image */
            i++;
            break;
        }
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        if (!eq && HPCRUN_NAME_IN(arg, len, global)) own.verbosity = hpcrun_more_verbose(own.verbosity, given++, arg);
        if (hpcrun_name_is(arg, len, HPCRUN_NO_JOIN_OPTION)) own.no_join = !eq || strcasecmp(eq + 1, "true") == 0;
        if (hpcrun_name_is(arg, len, HPCRUN_JOIN_KEY_OPTION))
            own.join_key = eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : NULL;
        if (!eq && HPCRUN_NAME_IN(arg, len, valued)) i++;
    }
    own.image_at = i < argc ? i : argc;
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
   key, or of the launcher's facts (parent pid, working directory, job variables, hpcrun's arguments up to and
   including the image: not the job's command, so that the ranks of an MPMD job share), separated by NULs.
   Returns 0 when this launch shares nothing (no key, no rank marker, or opted out). */
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
        for (int i = 1; i < argc && i <= own.image_at; i++) hpcrun_sha256_text(&h, argv[i], 1);
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

/* The exit statuses and lines of a job that could not start (Apply/ChildProcess.cs: ExecFailure, the README's
   table): early.c's fast join says them itself, as the C# side would have. */
enum hpcrun_exit_status {
    HPCRUN_EXIT_SETUP_FAILED = 71,
    HPCRUN_EXIT_COMMAND_NOT_EXECUTABLE = 126,
    HPCRUN_EXIT_COMMAND_NOT_FOUND = 127,
};

/* The length of the valid UTF-8 sequence at S (its code point in *CP), as .NET's Rune.DecodeFromUtf8 takes one:
   0 where none starts there (a stray byte, an overlong form, a surrogate, past U+10FFFF, cut short). */
static inline size_t hpcrun_utf8_sequence(const unsigned char *s, unsigned *cp)
{
    unsigned c = s[0], least;
    size_t n;
    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xc2 && c <= 0xdf) { n = 2; *cp = c & 0x1f; least = 0x80; }
    else if ((c & 0xf0) == 0xe0) { n = 3; *cp = c & 0x0f; least = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 4; *cp = c & 0x07; least = 0x10000; }
    else return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0; /* the terminating NUL stops it too */
        *cp = *cp << 6 | (s[i] & 0x3f);
    }
    return *cp < least || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff) ? 0 : n;
}

/* TEXT written into OUT (SIZE bytes, cut short where it does not fit) as Image/Text/Shown.cs's Visible shows it:
   a control character (C0, DEL, C1) and each byte of what is not UTF-8 as \xNN, the rest as it is. A name from an
   image or a command line is printed in a message: raw, a `#!/bin/sh\r` would send the cursor back and let the
   rest of the line overwrite the name. Returns OUT. */
static inline const char *hpcrun_shown(char *out, size_t size, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t at = 0;
    out[0] = '\0';
    while (*s) {
        unsigned cp;
        size_t n = hpcrun_utf8_sequence(s, &cp);
        char piece[5];
        if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
            snprintf(piece, sizeof piece, "\\x%02X", n == 0 ? *s : cp);
            if (n == 0) n = 1;
        } else {
            memcpy(piece, s, n);
            piece[n] = '\0';
        }
        size_t length = strlen(piece);
        if (at + length >= size) break;
        memcpy(out + at, piece, length + 1);
        at += length;
        s += n;
    }
    return out;
}

/* What a bad interpreter's line adds when the name ends in a carriage return: the script was saved with DOS
   line endings, which is what a user must be told, not that /bin/sh is missing. */
#define HPCRUN_CRLF_HINT " (the script has DOS (CRLF) line endings: convert it with dos2unix)"

/* Writes the line (without "hpcrun: " and newline) for a job that failed at STAGE with errno ERR, DETAIL and NAME
   (struct hpcrun_exec_report) into LINE; returns the exit status: 127 where a shell says a file is missing, 126
   where it says the file cannot be executed. NAME, PROGRAM and CWD are shown as hpcrun_shown shows them. */
static inline int hpcrun_exec_failure(char *line, size_t size, int stage, int err, int detail, const char *raw_name,
                                      const char *raw_program, const char *raw_cwd)
{
    const char *reason = strerror(err);
    /* 4 bytes out for each byte in at the most; NAME is at most 244 bytes (struct hpcrun_exec_report) */
    char name[1024], program[4096], cwd[4096];
    hpcrun_shown(name, sizeof name, raw_name);
    hpcrun_shown(program, sizeof program, raw_program);
    hpcrun_shown(cwd, sizeof cwd, raw_cwd ? raw_cwd : "");
    size_t name_length = strlen(raw_name);
    const char *hint = name_length > 0 && raw_name[name_length - 1] == '\r' ? HPCRUN_CRLF_HINT : "";
    switch (stage == HPCRUN_STAGE_JOB ? HPCRUN_STAGE_EXEC : stage) {
    case HPCRUN_STAGE_CWD:
        snprintf(line, size, "cannot enter working directory %s: %s", cwd, reason);
        return HPCRUN_EXIT_SETUP_FAILED;
    case HPCRUN_STAGE_EXEC:
        switch (detail) {
        case HPCRUN_DETAIL_DIRECTORY:
            snprintf(line, size, "%s: cannot execute: Is a directory", program);
            return HPCRUN_EXIT_COMMAND_NOT_EXECUTABLE;
        case HPCRUN_DETAIL_NOEXEC:
            snprintf(line, size, "%s: cannot execute: Permission denied (its file system is mounted noexec)",
                     program);
            return HPCRUN_EXIT_COMMAND_NOT_EXECUTABLE;
        case HPCRUN_DETAIL_INTERPRETER:
            snprintf(line, size, "%s: bad interpreter: %s is not in the image%s", program, name, hint);
            return HPCRUN_EXIT_COMMAND_NOT_FOUND;
        case HPCRUN_DETAIL_LOADER:
            snprintf(line, size, "%s: cannot execute: its loader %s is not in the image (a program for another "
                     "system?)", program, name);
            return HPCRUN_EXIT_COMMAND_NOT_FOUND;
        case HPCRUN_DETAIL_REQUIRED:
            snprintf(line, size, "%s: cannot execute: required file not found", program);
            return HPCRUN_EXIT_COMMAND_NOT_FOUND;
        case HPCRUN_DETAIL_BINARY:
            snprintf(line, size, "%s: cannot execute binary file: Exec format error (built for another machine?)",
                     program);
            return HPCRUN_EXIT_COMMAND_NOT_EXECUTABLE;
        case HPCRUN_DETAIL_NO_SHELL:
            snprintf(line, size, "%s: cannot execute: it has no #! line, and the image has no /bin/sh to run it as "
                     "a script", program);
            return HPCRUN_EXIT_COMMAND_NOT_EXECUTABLE;
        case HPCRUN_DETAIL_NO_ENV_SHELL:
            snprintf(line, size, "%s: cannot start: %s, the image's shell that runs its environment scripts first, "
                     "is not in the container (a bind over it?)", program, name);
            return HPCRUN_EXIT_COMMAND_NOT_FOUND;
        }
        if (err == ENOENT || err == ENOTDIR) {
            snprintf(line, size, "%s: command not found in the image", program);
            return HPCRUN_EXIT_COMMAND_NOT_FOUND;
        }
        snprintf(line, size, "%s: cannot execute: %s", program, reason);
        return HPCRUN_EXIT_COMMAND_NOT_EXECUTABLE;
    default:
        snprintf(line, size, "cannot start %s (%s): %s", program,
                 stage == HPCRUN_STAGE_PARENT ? "parent gone"
                 : stage == HPCRUN_STAGE_JOIN ? "joining the node's shared container"
                 : stage == HPCRUN_STAGE_ROOT ? "entering the container root"
                 : stage == HPCRUN_STAGE_SECCOMP ? "root emulation (seccomp)" : "exec",
                 reason);
        return HPCRUN_EXIT_SETUP_FAILED;
    }
}

/* The first rank's greeting to each member (Group/NodeGroup.cs: SharedContainer), on their socket: the byte
   HPCRUN_GREETING, the length (int32) of what follows, then its record (SharedContainer.Encode), its recipe
   (below; none: empty) and the recipe's length (uint32), with three descriptors on the first byte: its user
   namespace, its mount namespace and its image (O_PATH). early.c reads it whole for a member it elected. */
#define HPCRUN_GREETING 'R'
struct hpcrun_greeting {
    unsigned char *bytes; /* what follows the length (malloc'd: the receiver frees it) */
    int length;
    int fds[3]; /* close-on-exec */
};

/* The variables whose values differ from rank to rank of one launch on a node (srun, Open MPI's mpirun, MPICH's
   hydra): a member whose environment differs from the first rank's only in their values may take the fast
   join, with its own values where the first rank's plan passed them through unchanged (Group/JoinRecipe.cs
   checks that the plan reads them nowhere else). */
#define HPCRUN_RANK_VARIABLES "SLURM_PROCID", "SLURM_LOCALID", "SLURM_TASK_PID", "PMIX_RANK", "PMIX_ID", \
    "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_NODE_RANK", "OMPI_MCA_ess_base_vpid", \
    "OMPI_MCA_orte_ess_node_rank", "PMI_RANK", "PMI_FD", "MPI_LOCALRANKID"
/* The variables that one task of a launch on a node may have and another lack, or have with another value, for
   reasons other than its rank: Slurm 22.05's slurmstepd gives TMPDIR=/tmp to the first task it starts alone. A
   member may take the fast join in any state of theirs (absent, or a value) that the first rank proved gives the
   same job but for that variable passed through (Group/JoinRecipe.cs: TaskVariables). */
#define HPCRUN_TASK_VARIABLES "TMPDIR"
/* A switch (on unless one of HPCRUN_SWITCH_OFF_WORDS): off, every member decides its job in C#. */
#define HPCRUN_FAST_JOIN_VARIABLE "HPCRUN_FAST_JOIN"

/* The fast join's recipe (Group/JoinRecipe.cs writes it): the first rank's launch and the job it decided, so that
   a member whose launch is the same (but for its HPCRUN_RANK_VARIABLES' values and its HPCRUN_TASK_VARIABLES'
   states) starts that job from early.c, without the .NET runtime, exactly as the C# side would have. In host byte
   order (both ends are on one node): HPCRUN_RECIPE_MAGIC (4 bytes), then uint32s: HPCRUN_RECIPE_VERSION, the
   caller's gid, whether the job loses CAP_SYS_ADMIN (0, 1), the job's wrapped_job (struct hpcrun_spawn), and the
   counts of hpcrun's arguments (after argv[0]), of the caller's environment entries, of the job's argv, of the
   job's environment entries and of the task variables' states; then NUL-terminated strings: the caller's working
   directory (getcwd), the arguments, the caller's environment entries (in order), the container's root (a path in
   the first rank's mount namespace), the job's working directory and its search path (PATH), the job's argv, the
   job's environment entries (NAME=VALUE, or a bare NAME: of HPCRUN_RANK_VARIABLES, the member's own NAME=VALUE
   entry goes there; of HPCRUN_TASK_VARIABLES, the member's own entry if it has one, else nothing), and the states
   of HPCRUN_TASK_VARIABLES a member may be in: a bare NAME (without it) or NAME=VALUE (with that value). */
#define HPCRUN_RECIPE_MAGIC "HPCJ"
enum { HPCRUN_RECIPE_VERSION = 3, HPCRUN_RECIPE_HEAD = 4 + 9 * 4 };

struct hpcrun_recipe {
    unsigned gid, drop_sys_admin, wrapped_job, argc, envc, job_argc, job_envc, statec;
    const char *cwd, *args, *env, *root, *job_cwd, *search_path, *job_argv, *job_env, *states; /* each run's first */
};

static inline const char *hpcrun_next_string(const char *s) { return s + strlen(s) + 1; }

/* Walks COUNT NUL-terminated strings from *AT, no further than END; 0 when one is cut off. */
static inline int hpcrun_skip_strings(const char **at, const char *end, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        const char *nul = memchr(*at, 0, (size_t)(end - *at));
        if (!nul) return 0;
        *at = nul + 1;
    }
    return 1;
}

/* Reads a recipe of LENGTH bytes; 0 for any other version or a malformed one. */
static inline int hpcrun_parse_recipe(struct hpcrun_recipe *r, const unsigned char *bytes, size_t length)
{
    unsigned head[9];
    if (length < HPCRUN_RECIPE_HEAD || memcmp(bytes, HPCRUN_RECIPE_MAGIC, 4) != 0) return 0;
    memcpy(head, bytes + 4, sizeof head);
    if (head[0] != HPCRUN_RECIPE_VERSION) return 0;
    r->gid = head[1], r->drop_sys_admin = head[2], r->wrapped_job = head[3], r->argc = head[4], r->envc = head[5];
    r->job_argc = head[6], r->job_envc = head[7], r->statec = head[8];
    const char *at = (const char *)bytes + HPCRUN_RECIPE_HEAD, *end = (const char *)bytes + length;
    const char **runs[] = {&r->cwd, &r->args, &r->env, &r->root, &r->job_cwd, &r->search_path, &r->job_argv,
                           &r->job_env, &r->states};
    unsigned counts[] = {1, r->argc, r->envc, 1, 1, 1, r->job_argc, r->job_envc, r->statec};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        *runs[i] = at;
        if (counts[i] > length || !hpcrun_skip_strings(&at, end, counts[i])) return 0;
    }
    return at == end && r->job_argc > 0 && r->wrapped_job < r->job_argc;
}

static inline size_t hpcrun_entry_name(const char *entry)
{
    const char *eq = strchr(entry, '=');
    return eq ? (size_t)(eq - entry) : strlen(entry);
}

/* The length of ENTRY's name (NAME=VALUE, or NAME) when it is one of HPCRUN_RANK_VARIABLES, else 0. */
static inline size_t hpcrun_rank_variable(const char *entry)
{
    static const char *const names[] = {HPCRUN_RANK_VARIABLES};
    size_t len = hpcrun_entry_name(entry);
    return HPCRUN_NAME_IN(entry, len, names) ? len : 0;
}

/* The same for HPCRUN_TASK_VARIABLES. */
static inline size_t hpcrun_task_variable(const char *entry)
{
    static const char *const names[] = {HPCRUN_TASK_VARIABLES};
    size_t len = hpcrun_entry_name(entry);
    return HPCRUN_NAME_IN(entry, len, names) ? len : 0;
}

/* ENVP's entry for the variable named by ENTRY's first NAME bytes, or NULL; REPEATED is set when it has two. */
static inline char *hpcrun_own_entry(char *const *envp, const char *entry, size_t name, int *repeated)
{
    char *found = NULL;
    for (char *const *e = envp; *e; e++)
        if (strncmp(*e, entry, name) == 0 && (*e)[name] == '=') {
            if (found) *repeated = 1;
            found = *e;
        }
    return found;
}

/* Whether STATE (NAME, or NAME=VALUE) is among the recipe's task variables' states. */
static inline int hpcrun_task_state_allowed(const struct hpcrun_recipe *r, const char *state)
{
    const char *s = r->states;
    for (unsigned i = 0; i < r->statec; i++, s = hpcrun_next_string(s))
        if (strcmp(s, state) == 0) return 1;
    return 0;
}

/* The next of the *LEFT strings at *AT that is not an entry of HPCRUN_TASK_VARIABLES, or NULL; advances past it. */
static inline const char *hpcrun_next_shared_string(const char **at, unsigned *left)
{
    while (*left > 0) {
        const char *s = *at;
        *at = hpcrun_next_string(s), (*left)--;
        if (!hpcrun_task_variable(s)) return s;
    }
    return NULL;
}

/* The same for a NULL-terminated array of environment entries. */
static inline const char *hpcrun_next_shared_entry(char *const **at)
{
    while (**at) {
        const char *s = *(*at)++;
        if (!hpcrun_task_variable(s)) return s;
    }
    return NULL;
}

/* Whether this launch (hpcrun's ARGC and ARGV, its working directory CWD, its GID and environment ENVP) is the
   recipe's, but for the values of HPCRUN_RANK_VARIABLES (same names, same order) and the entries of
   HPCRUN_TASK_VARIABLES, wherever they are, each in one of the recipe's states. */
static inline int hpcrun_recipe_fits(const struct hpcrun_recipe *r, int argc, char *const *argv, const char *cwd,
                                     unsigned gid, char *const *envp)
{
    static const char *const tasks[] = {HPCRUN_TASK_VARIABLES};
    if (r->gid != gid || strcmp(r->cwd, cwd) != 0 || argc < 1 || (unsigned)argc - 1 != r->argc) return 0;
    const char *s = r->args;
    for (int i = 1; i < argc; i++, s = hpcrun_next_string(s))
        if (strcmp(argv[i], s) != 0) return 0;
    for (size_t i = 0; i < sizeof tasks / sizeof *tasks; i++) {
        int repeated = 0;
        const char *own = hpcrun_own_entry(envp, tasks[i], strlen(tasks[i]), &repeated);
        if (repeated || !hpcrun_task_state_allowed(r, own ? own : tasks[i])) return 0;
    }
    const char *theirs = r->env, *entry;
    unsigned left = r->envc;
    while ((entry = hpcrun_next_shared_entry(&envp))) {
        const char *other = hpcrun_next_shared_string(&theirs, &left);
        if (!other) return 0;
        if (strcmp(entry, other) == 0) continue;
        size_t name = hpcrun_rank_variable(other);
        if (!name || strncmp(entry, other, name + 1) != 0) return 0;
    }
    return !hpcrun_next_shared_string(&theirs, &left);
}

/* The job's environment: the recipe's entries, a bare NAME replaced by ENVP's NAME=VALUE (left out, for a task
   variable ENVP lacks). OUT has room for job_envc + 1 pointers (into the recipe or ENVP); 0 when ENVP lacks a
   rank variable's NAME. */
static inline int hpcrun_recipe_environment(const struct hpcrun_recipe *r, char *const *envp, const char **out)
{
    const char *s = r->job_env;
    unsigned n = 0;
    for (unsigned i = 0; i < r->job_envc; i++, s = hpcrun_next_string(s)) {
        if (strchr(s, '=')) {
            out[n++] = s;
            continue;
        }
        int repeated = 0;
        size_t rank = hpcrun_rank_variable(s), task = hpcrun_task_variable(s);
        const char *own = rank || task ? hpcrun_own_entry(envp, s, rank + task, &repeated) : NULL;
        if (own) out[n++] = own;
        else if (!task) return 0;
    }
    out[n] = NULL;
    return 1;
}

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
/* Forwards SIGNALS (COUNT of them) to the job PID from now on, each once (early.c's on_forwarded says when not);
   PID -1: the job is starting, the handlers are installed and the signals held until its PID comes; PID 0: the job
   ended, nothing is forwarded any more, the signals stay handled. 0, or -errno. */
int hpcrun_forward_signals(int pid, const int *signals, int count);
/* Stops hpcrun by SIGTSTP as its job stopped for job control, when a SIGTSTP came to hpcrun too: 0 once continued;
   1 when none came (hpcrun goes on); -errno. */
int hpcrun_stop_with_job(void);
/* MEMBER: the first rank's greeting, which early.c read on hpcrun_group_fd: 1 when read whole; 0 when the first
   rank closed (or reset) the connection before greeting, or sent something else; -1 when it left halfway
   (errno: 0) or the read failed (errno). */
int hpcrun_early_greeting(struct hpcrun_greeting *greeting);

#endif
