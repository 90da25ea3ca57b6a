/* The only native code in hpcrun, linked into the NativeAOT binary.
 *
 * glibc runs this constructor before the .NET runtime starts any thread. The kernel lets
 * only a single-threaded process unshare (or setns into) a user namespace, so this is the
 * one place where hpcrun can enter one (../../../README.md, "How a launch works").
 *
 * Two modes:
 *  - launcher (default): unshare a new user + mount namespace and remember the outcome;
 *    the C# code writes the id maps once it has parsed the command line (--fakeroot).
 *    Started by an MPI or Slurm launcher, a rank may instead join the container another rank
 *    of its job set up on this node, which needs the host's user namespace: then nothing is
 *    done here, the C# code elects the node's first rank (Execution/NodeGroup.cs) and that
 *    rank re-executes itself with HPCRUN_EARLY set to get its namespace after all.
 *  - exec (HPCRUN_EXEC_PARENT set): the supervisor starts its children (the job, the FUSE
 *    daemon) through this binary so that, before execve, the child dies with its parent,
 *    optionally joins another container's namespaces, enters the container root and
 *    sets no_new_privs. The .NET runtime never starts in this mode.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int unshare_errno = -1; /* -1: not tried (may join), 0: in a new namespace, else errno */
static uid_t outer_uid;
static gid_t outer_gid;

int hpcrun_unshare_errno(void) { return unshare_errno; }
/* Inside the new namespace getuid() reports the overflow id until the maps are written. */
int hpcrun_outer_uid(void) { return (int)outer_uid; }
int hpcrun_outer_gid(void) { return (int)outer_gid; }

/* Tells the supervisor through a close-on-exec pipe why the job could not start. */
static void report_and_exit(int status_fd, int stage, int err)
{
    int msg[2] = {stage, err};
    if (status_fd >= 0 && write(status_fd, msg, sizeof msg) < 0) { /* supervisor gone */ }
    _exit(127);
}

/* Exec'ing a non-root uid drops capabilities. The launcher keeps CAP_SYS_ADMIN (in its own
   user namespace only) ambient so that exec mode can still pivot_root or setns; exec mode
   clears it before running anything, so the job gets no capability it would not otherwise have. */
static void keep_sys_admin_across_exec(void)
{
    struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &head, data) != 0) return;
    data[CAP_TO_INDEX(CAP_SYS_ADMIN)].inheritable |= CAP_TO_MASK(CAP_SYS_ADMIN);
    if (syscall(SYS_capset, &head, data) == 0)
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0);
}

enum { STAGE_PARENT = 1, STAGE_JOIN, STAGE_ROOT, STAGE_CWD, STAGE_EXEC };

static int join_namespace(const char *pid, const char *ns, int type)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/ns/%s", pid, ns);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = setns(fd, type);
    close(fd);
    return rc;
}

static void exec_mode(char **argv)
{
    const char *parent = getenv("HPCRUN_EXEC_PARENT");
    const char *root = getenv("HPCRUN_EXEC_ROOT");
    const char *join = getenv("HPCRUN_EXEC_JOIN");
    const char *cwd = getenv("HPCRUN_EXEC_CWD");
    const char *status = getenv("HPCRUN_EXEC_STATUS_FD");
    int status_fd = status ? atoi(status) : -1;
    /* getenv pointers stay valid after unsetenv: glibc does not free the strings. */
    unsetenv("HPCRUN_EXEC_PARENT");
    unsetenv("HPCRUN_EXEC_ROOT");
    unsetenv("HPCRUN_EXEC_JOIN");
    unsetenv("HPCRUN_EXEC_CWD");
    unsetenv("HPCRUN_EXEC_STATUS_FD");
    if (status_fd >= 0) fcntl(status_fd, F_SETFD, FD_CLOEXEC);

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != atoi(parent))
        report_and_exit(status_fd, STAGE_PARENT, errno);
    if (join && (join_namespace(join, "user", CLONE_NEWUSER) != 0 || join_namespace(join, "mnt", CLONE_NEWNS) != 0))
        report_and_exit(status_fd, STAGE_JOIN, errno);
    /* A private mount namespace for the job, so pivot_root leaves the supervisor's view alone. */
    if (root && (unshare(CLONE_NEWNS) != 0 || chdir(root) != 0 || syscall(SYS_pivot_root, ".", ".") != 0 ||
                 umount2(".", MNT_DETACH) != 0))
        report_and_exit(status_fd, STAGE_ROOT, errno);
    if (cwd && chdir(cwd) != 0)
        report_and_exit(status_fd, STAGE_CWD, errno);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        report_and_exit(status_fd, STAGE_EXEC, errno);
    execvp(argv[1], argv + 1);
    report_and_exit(status_fd, STAGE_EXEC, errno);
}

/* Whether this launch may join a node-shared container: a launcher's rank variables or a join
   key are present. Only a hint (Launch/NodeSharing.cs decides): saying yes costs the first rank
   one re-exec, saying no when a rank should join would leave it in a namespace of its own. */
static int may_join(int argc, char **argv)
{
    static const char *const markers[] = {"HPCRUN_JOIN_KEY", "SLURM_STEP_ID", "PMIX_RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK"};
    for (size_t i = 0; i < sizeof markers / sizeof *markers; i++)
        if (getenv(markers[i])) return 1;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--join-key", 10) == 0) return 1;
    return 0;
}

/* NativeAOT rehydrates ~3 MB of runtime data into .bss-like pages at start-up; one fault per
   4 KiB page made that the largest single start-up cost (bench/startup). Populating the range
   in one call is several times cheaper. Best effort: older kernels ignore the advice. */
extern char __bss_start[], _end[];
static void prefault_runtime_data(void)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start = (uintptr_t)__bss_start & ~(page - 1);
    madvise((void *)start, (uintptr_t)_end - start, MADV_POPULATE_WRITE);
}

__attribute__((constructor)) static void hpcrun_early(int argc, char **argv, char **envp)
{
    (void)envp;
    if (getenv("HPCRUN_EXEC_PARENT")) {
        if (argc < 2) _exit(127);
        exec_mode(argv);
    }
    prefault_runtime_data();
    outer_uid = getuid();
    outer_gid = getgid();
    if (getenv("HPCRUN_EARLY")) unsetenv("HPCRUN_EARLY");
    else if (may_join(argc, argv)) return;
    unshare_errno = unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 ? 0 : errno;
    if (unshare_errno == 0) keep_sys_admin_across_exec();
}
