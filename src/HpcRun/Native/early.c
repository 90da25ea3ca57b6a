/* hpcrun's native code, linked into the NativeAOT binary: what .NET cannot do.
 *
 * glibc runs this constructor before the .NET runtime starts any thread. The kernel lets
 * only a single-threaded process unshare (or setns into) a user namespace, so this is the
 * one place where hpcrun can enter one (../../../README.md, "Architecture").
 *
 * The constructor unshares a new user + mount namespace and remembers the outcome; the C#
 * code writes the id maps once it has parsed the command line (--fakeroot). Started by an
 * MPI or Slurm launcher, a rank may instead join the container another rank of its job set
 * up on this node, which needs the host's user namespace. The election of the node's first
 * rank happens here, before the runtime starts (Group/NodeGroup.cs): the first rank enters its
 * namespace at once, a member stays in the host's. Only when the election cannot finish here
 * (or the first rank gives up before greeting) does the C# code elect, and the rank that must
 * then have a namespace re-executes itself with HPCRUN_EARLY set to get it after all.
 *
 * It also records what the caller gave hpcrun before the runtime changes it: argv and the
 * environment as bytes, the signal dispositions and mask (the job gets those, not the
 * runtime's). hpcrun_spawn starts the job: between fork and execve the child must die with
 * its parent, may join another rank's namespaces, enters the container root and sets
 * no_new_privs, none of which .NET's Process can do; hpcrun_exec re-executes with the caller's
 * signals. hpcrun_isolate_fuse_server gives the FUSE serving thread a descriptor table of its
 * own and a crash guard, so that no kill or crash can leave a process waiting on the mount.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <elf.h>
#include "hpcrun.h"

/* The layout Apply/ChildProcess.cs mirrors, on the LP64 targets hpcrun builds for (x86_64, aarch64). */
_Static_assert(sizeof(void *) == 8 && sizeof(int) == 4, "hpcrun builds for LP64 targets only");
_Static_assert(sizeof(struct hpcrun_spawn) == 64 + 8, "struct hpcrun_spawn: size");
_Static_assert(offsetof(struct hpcrun_spawn, argv) == 0 && offsetof(struct hpcrun_spawn, envp) == 8 &&
                   offsetof(struct hpcrun_spawn, search_path) == 16 && offsetof(struct hpcrun_spawn, root) == 24 &&
                   offsetof(struct hpcrun_spawn, cwd) == 32 && offsetof(struct hpcrun_spawn, join_user) == 40 &&
                   offsetof(struct hpcrun_spawn, join_mnt) == 48 && offsetof(struct hpcrun_spawn, status_fd) == 56 &&
                   offsetof(struct hpcrun_spawn, drop_sys_admin) == 60 &&
                   offsetof(struct hpcrun_spawn, emulate_root) == 64 &&
                   offsetof(struct hpcrun_spawn, wrapped_job) == 68,
               "struct hpcrun_spawn: field offsets");

extern char **environ;

static int unshare_errno = -1; /* -1: not tried (may join), 0: in a new namespace, else errno */
static uid_t outer_uid;
static gid_t outer_gid;
static int saved_argc;
static char **saved_argv;
static struct hpcrun_own_options own_options; /* read at every start, before the runtime */
/* What hpcrun's caller gave it, before the runtime ignores SIGPIPE and changes its mask: the
   job must start with exactly these (a job that ignores SIGPIPE never dies of a closed pipe). */
static sigset_t caller_ignored, caller_mask;

int hpcrun_unshare_errno(void) { return unshare_errno; }
/* Inside the new namespace getuid() reports the overflow id until the maps are written. */
int hpcrun_outer_uid(void) { return (int)outer_uid; }
int hpcrun_outer_gid(void) { return (int)outer_gid; }
/* argv and the environment as bytes: .NET decodes them as UTF-8 and replaces what is not. */
/* HPCRUN_DIE_WITH's pid, or 0 (Apply/ParentWatch.cs). */
static int die_with;
int hpcrun_die_with(void) { return die_with; }

int hpcrun_argc(void) { return saved_argc; }
char **hpcrun_argv(void) { return saved_argv; }
char **hpcrun_environ(void) { return environ; }
/* For the election of a node group's first rank (Group/NodeGroup.cs), before the command line is parsed. */
const char *hpcrun_join_key(void) { return own_options.join_key; }
int hpcrun_no_join(void) { return own_options.no_join; }
int hpcrun_verbosity(void) { return own_options.verbosity; }
int hpcrun_image_at(void) { return own_options.image_at; }
static enum hpcrun_group_role group_role = HPCRUN_GROUP_NONE;
static int group_fd = -1, group_peer_uid = -1;
int hpcrun_group_role(void) { return group_role; }
int hpcrun_group_fd(void) { return group_fd; }
int hpcrun_group_peer_uid(void) { return group_peer_uid; }

_Static_assert(sizeof(struct hpcrun_exec_report) == 256, "struct hpcrun_exec_report: size");

/* Tells the supervisor through the status pipe why the child could not start. */
static void report_and_exit(int status_fd, const struct hpcrun_exec_report *report)
{
    if (write(status_fd, report, sizeof *report) < 0) { /* supervisor gone */ }
    _exit(127);
}

static int join_namespace(const char *path, int type)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = setns(fd, type);
    close(fd);
    return rc;
}

/* Up to SIZE bytes from the start of PATH; the count, or -1. */
static ssize_t read_head(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, size);
    close(fd);
    return n;
}

/* Copies the COUNT bytes at FROM into R's name, cut to fit, NUL-terminated. */
static void report_name(struct hpcrun_exec_report *r, const char *from, size_t count)
{
    if (count >= sizeof r->name) count = sizeof r->name - 1;
    memcpy(r->name, from, count);
    r->name[count] = '\0';
}

/* The program loader (PT_INTERP) of the ELF file at PATH whose first N bytes are HEAD, into R's name; 0 when it has
   none that can be read. Program headers beyond HEAD are not looked for (they follow the ELF header). */
static int elf_loader(const char *path, const char *head, ssize_t n, struct hpcrun_exec_report *r)
{
    uint64_t phoff, offset = 0, length = 0;
    unsigned entry, count;
    int wide = n > EI_CLASS && head[EI_CLASS] == ELFCLASS64;
    if (wide && n >= (ssize_t)sizeof(Elf64_Ehdr)) {
        Elf64_Ehdr e;
        memcpy(&e, head, sizeof e);
        phoff = e.e_phoff, entry = e.e_phentsize, count = e.e_phnum;
    } else if (n > EI_CLASS && head[EI_CLASS] == ELFCLASS32 && n >= (ssize_t)sizeof(Elf32_Ehdr)) {
        Elf32_Ehdr e;
        memcpy(&e, head, sizeof e);
        phoff = e.e_phoff, entry = e.e_phentsize, count = e.e_phnum;
    } else
        return 0;
    if (entry < (wide ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr))) return 0;
    for (unsigned i = 0; i < count && length == 0; i++) {
        uint64_t at = phoff + (uint64_t)i * entry;
        if (at > (uint64_t)n || (uint64_t)n - at < entry) return 0;
        if (wide) {
            Elf64_Phdr p;
            memcpy(&p, head + at, sizeof p);
            if (p.p_type == PT_INTERP) offset = p.p_offset, length = p.p_filesz;
        } else {
            Elf32_Phdr p;
            memcpy(&p, head + at, sizeof p);
            if (p.p_type == PT_INTERP) offset = p.p_offset, length = p.p_filesz;
        }
    }
    if (length == 0) return 0;
    char name[sizeof r->name];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t got = pread(fd, name, length < sizeof name ? (size_t)length : sizeof name, (off_t)offset);
    close(fd);
    if (got <= 0) return 0;
    report_name(r, name, strnlen(name, (size_t)got));
    return 1;
}

/* Why execve refused PATH (R's err), as far as the file tells: stat, statfs, its first bytes. Async-signal-safe,
   allocates nothing. */
static void explain_exec(const char *path, struct hpcrun_exec_report *r)
{
    struct stat st;
    if (stat(path, &st) != 0) return; /* missing, or a component is: not found */
    if (r->err == EACCES) {
        struct statfs fs;
        if (S_ISDIR(st.st_mode)) r->detail = HPCRUN_DETAIL_DIRECTORY;
        else if (S_ISREG(st.st_mode) && (st.st_mode & 0111) && statfs(path, &fs) == 0 && (fs.f_flags & ST_NOEXEC))
            r->detail = HPCRUN_DETAIL_NOEXEC;
        return;
    }
    if (r->err != ENOENT || !S_ISREG(st.st_mode)) return;
    /* The file is there: what it names is not (#! interpreter, ELF loader), or what that one needs. */
    char head[4096];
    ssize_t n = read_head(path, head, sizeof head);
    r->detail = HPCRUN_DETAIL_REQUIRED;
    if (n > 2 && head[0] == '#' && head[1] == '!') {
        ssize_t from = 2, to;
        while (from < n && (head[from] == ' ' || head[from] == '\t')) from++;
        for (to = from; to < n && head[to] != ' ' && head[to] != '\t' && head[to] != '\n' && head[to]; to++) {}
        report_name(r, head + from, (size_t)(to - from));
        if (r->name[0] && access(r->name, F_OK) != 0) r->detail = HPCRUN_DETAIL_INTERPRETER;
    } else if (n >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0 && elf_loader(path, head, n, r)) {
        if (access(r->name, F_OK) != 0) r->detail = HPCRUN_DETAIL_LOADER;
    }
    if (r->detail == HPCRUN_DETAIL_REQUIRED) r->name[0] = '\0';
}

#if defined(__x86_64__)
enum { NATIVE_MACHINE = EM_X86_64, COMPAT_MACHINE = EM_386 };
#elif defined(__aarch64__)
enum { NATIVE_MACHINE = EM_AARCH64, COMPAT_MACHINE = EM_ARM };
#endif

/* Whether a wrapped job's own program (hpcrun_spawn's wrapped_job), named with a '/', is an executable ELF file
   that execve would refuse: its loader is not in the container, or it is no program for this machine (another
   machine's, an object file). The image's shell, which would exec it after the environment scripts, says only
   "not found" of the first and runs the second as a script of garbage, so each is told here as execve's failure
   is (R, HPCRUN_STAGE_JOB). A name without '/' is looked up on the PATH the scripts leave, which only that shell
   knows. */
static int wrapped_job_cannot_start(const struct hpcrun_spawn *s, struct hpcrun_exec_report *r)
{
    const char *path = s->argv[s->wrapped_job];
    Elf64_Ehdr e; /* e_type and e_machine are where they are in Elf32_Ehdr */
    if (!strchr(path, '/') || access(path, X_OK) != 0 || read_head(path, (char *)&e, sizeof e) < 20 ||
        memcmp(e.e_ident, ELFMAG, SELFMAG) != 0)
        return 0;
    struct hpcrun_exec_report probe = {.stage = HPCRUN_STAGE_JOB, .err = ENOENT};
    if ((e.e_type != ET_EXEC && e.e_type != ET_DYN) ||
        (e.e_machine != NATIVE_MACHINE && e.e_machine != COMPAT_MACHINE)) {
        probe.err = ENOEXEC, probe.detail = HPCRUN_DETAIL_BINARY;
    } else {
        explain_exec(path, &probe);
        if (probe.detail != HPCRUN_DETAIL_LOADER) return 0;
    }
    *r = probe;
    return 1;
}

/* Whether the file at PATH is a script execve cannot start (ENOEXEC) that a shell runs, as bash tells (its
   check_binary_file): not ELF, and no NUL byte in its first line. An empty file is a script that does nothing. */
static int is_script(const char *path)
{
    char head[128];
    ssize_t n = read_head(path, head, sizeof head);
    if (n < 0) return 0;
    if (n >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0) return 0;
    const char *end = memchr(head, '\n', (size_t)n);
    return memchr(head, '\0', end ? (size_t)(end - head) : (size_t)n) == NULL;
}

/* Runs the script at PATH with /bin/sh, as execvp does for ENOEXEC: /bin/sh PATH ARGV[1]...; returns when it
   cannot. The new argv lives on this stack, or for a long one in pages of its own (in a spawned child those are
   the supervisor's memory, a small leak once per launch). */
static void exec_script(const char *path, const struct hpcrun_spawn *s)
{
    enum { ON_STACK = 1024 };
    size_t argc = 0;
    while (s->argv[argc]) argc++;
    if (argc == 0) return;
    size_t bytes = (argc + 2) * sizeof(char *); /* /bin/sh, PATH, ARGV[1]..., NULL */
    char *local[ON_STACK];
    char **argv = argc + 2 <= ON_STACK ? local
                  : mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (argv == MAP_FAILED) return;
    argv[0] = (char *)"/bin/sh";
    argv[1] = (char *)path;
    for (size_t i = 1; i <= argc; i++) argv[i + 1] = s->argv[i]; /* ends with its NULL */
    execve("/bin/sh", argv, s->envp);
    int err = errno;
    if (argv != local) munmap(argv, bytes);
    errno = err;
}

/* execve of PATH; when the kernel cannot start it but a shell would run it as a script, /bin/sh runs it. Returns
   only when neither worked, R saying why. */
static void exec_file(const char *path, const struct hpcrun_spawn *s, struct hpcrun_exec_report *r)
{
    execve(path, s->argv, s->envp);
    *r = (struct hpcrun_exec_report){.stage = HPCRUN_STAGE_EXEC, .err = errno};
    if (r->err != ENOEXEC) {
        explain_exec(path, r);
        return;
    }
    if (!is_script(path)) {
        r->detail = HPCRUN_DETAIL_BINARY;
        return;
    }
    exec_script(path, s);
    if (errno == ENOENT) r->detail = HPCRUN_DETAIL_NO_SHELL;
    else r->err = errno;
}

/* execvpe, but searching the job's PATH rather than hpcrun's, without allocating, and saying why it failed in R
   (explain_exec). A directory on the way is no command (as bash skips them: `""` is not found, not refused in each
   PATH directory); a file that is there but refused, or lacks what it needs, is remembered and the search goes on,
   as execvp does, and the first such is the answer when no other starts; any other failure ends the search. */
static void exec_searching(const struct hpcrun_spawn *s, struct hpcrun_exec_report *r)
{
    const char *name = s->argv[0];
    if (strchr(name, '/')) {
        exec_file(name, s, r);
        return;
    }
    struct hpcrun_exec_report first = {.stage = HPCRUN_STAGE_EXEC, .err = ENOENT};
    int found = 0;
    size_t len = strlen(name);
    for (const char *dir = s->search_path, *end; *dir; dir = *end ? end + 1 : end) {
        end = strchrnul(dir, ':');
        char path[4096];
        size_t dlen = end > dir ? (size_t)(end - dir) : 1;
        if (dlen + len + 2 > sizeof path) continue;
        memcpy(path, end > dir ? dir : ".", dlen);
        path[dlen] = '/';
        memcpy(path + dlen + 1, name, len + 1);
        exec_file(path, s, r);
        int absent = (r->err == ENOENT || r->err == ENOTDIR) && r->detail == HPCRUN_DETAIL_NONE;
        if (absent || r->detail == HPCRUN_DETAIL_DIRECTORY) continue;
        if (r->err != EACCES && r->err != ENOENT) return;
        if (!found++) first = *r;
    }
    *r = first;
}

/* Gives the calling thread the caller's signal dispositions and mask: handlers the runtime
   installed become SIG_DFL (execve would do that too), and what the caller ignored is ignored
   again, nothing else. Async-signal-safe. Each disposition is set without asking what it is: hpcrun
   handles nearly every signal (forwarding), so asking first would double the system calls of a
   path the job's start waits on (the vfork'd child). glibc refuses its own two (EINVAL): as before. */
static void restore_caller_signals(void)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL}, ign = {.sa_handler = SIG_IGN};
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, sigismember(&caller_ignored, sig) == 1 ? &ign : &dfl, NULL);
    sigprocmask(SIG_SETMASK, &caller_mask, NULL);
}

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "root emulation knows the system call numbers of x86_64 and aarch64 only"
#endif

/* The calls a recipe's RUN makes as root that a single-id user namespace refuses (EPERM, EINVAL):
   package managers change owners (dpkg, rpm), drop privileges (apt's _apt sandbox: setgroups,
   setresuid) and set capabilities. They succeed as no-ops, as Charliecloud's `ch-image
   --force=seccomp` makes them (its man page lists the same calls): files stay owned by the one
   mapped id, and the build stores them as root's. kexec_load is faked only to prove the filter is
   in force (no build calls it).
   The flushes to disk succeed at once too, as Docker's Debian images make dpkg's (force-unsafe-io in
   docker-apt-speedup) and mmdebstrap its chroot's: dpkg alone makes thousands in one `apt-get install`,
   each waiting for a journal commit, for files that only become an image. The build flushes a step's
   tree once, with syncfs(2), before the cache keeps it (RecipeBuild's BuildCache.Store). */
static const int faked_calls[] = {
#ifdef __NR_chown
    __NR_chown, __NR_lchown,
#endif
    __NR_fchown, __NR_fchownat, __NR_setuid, __NR_setgid, __NR_setreuid, __NR_setregid, __NR_setresuid,
    __NR_setresgid, __NR_setgroups, __NR_setfsuid, __NR_setfsgid, __NR_capset, __NR_kexec_load,
    __NR_fsync, __NR_fdatasync, __NR_sync_file_range, __NR_syncfs,
#ifdef __NR_sync
    __NR_sync,
#endif
};

/* Installs the root emulation filter on the calling thread: the calls above return 0 without effect,
   and so do mknod and mknodat of a character or block device (regular files, FIFOs and sockets are
   made for real, which the namespace allows). A process of another architecture (an i386 binary on
   x86_64) is not emulated. Allocates nothing. Returns 0, or -1 with errno set. */
static int emulate_root(void)
{
    enum { CALLS = sizeof faked_calls / sizeof *faked_calls, MAX = CALLS + 17 };
    struct sock_filter program[MAX];
    unsigned short n = 0, allow, fake, mode_of_mknod, mode_of_mknodat;
    program[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    unsigned short arch_test = n++;
    program[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    /* Jumps are relative and forward: the targets' indexes are known once the table's length is. */
    unsigned short table = n, jumps = CALLS + 2;
#ifdef __NR_mknod
    jumps++;
#endif
    allow = table + jumps;
    fake = allow + 1;
    mode_of_mknod = fake + 1;
    mode_of_mknodat = mode_of_mknod + 2;
    for (size_t i = 0; i < CALLS; i++, n++)
        program[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)faked_calls[i],
                                                  (unsigned char)(fake - n - 1), 0);
#ifdef __NR_mknod
    program[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mknod,
                                              (unsigned char)(mode_of_mknod - n - 1), 0);
    n++;
#endif
    program[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mknodat,
                                              (unsigned char)(mode_of_mknodat - n - 1), 0);
    n++;
    program[n] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, allow - n - 1u);
    n++;
    program[arch_test] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_AUDIT_ARCH, 0,
                                                      (unsigned char)(allow - arch_test - 1));
    program[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    program[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0); /* success */
    /* mknod(path, mode, dev): the mode is argument 1; mknodat(dirfd, path, mode, dev): argument 2
       (the low 32 bits, on these little-endian targets). */
    program[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1]));
    program[n++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 1);
    program[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2]));
    program[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, S_IFMT);
    program[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, S_IFCHR, 2, 0);
    program[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, S_IFBLK, 1, 0);
    program[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    program[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0); /* a device: success */
    struct sock_fprog fprog = {.len = n, .filter = program};
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0) return -1;
    /* Refused by the kernel unless the filter answers it: proof that emulation is in force. */
    if (syscall(__NR_kexec_load, 0, 0, NULL, 0) != 0) return -1;
    return 0;
}

/* The report of a step that failed at STAGE with errno. */
static struct hpcrun_exec_report failed_at(enum hpcrun_exec_stage stage)
{
    return (struct hpcrun_exec_report){.stage = stage, .err = errno};
}

/* Enters the container as S says (joining another rank's namespaces first), sets no_new_privs and execs
   the job; returns only when a step failed, R saying which and why. Only async-signal-safe calls: it runs in
   hpcrun_spawn's child of a multithreaded .NET process. */
static void enter_and_exec(const struct hpcrun_spawn *s, struct hpcrun_exec_report *r)
{
    if (s->join_user && (join_namespace(s->join_user, CLONE_NEWUSER) != 0 ||
                         join_namespace(s->join_mnt, CLONE_NEWNS) != 0)) {
        *r = failed_at(HPCRUN_STAGE_JOIN);
        return;
    }
    /* A private mount namespace for the job, so pivot_root leaves the supervisor's view alone. */
    if (s->root && (unshare(CLONE_NEWNS) != 0 || chdir(s->root) != 0 || syscall(SYS_pivot_root, ".", ".") != 0 ||
                    umount2(".", MNT_DETACH) != 0))
        *r = failed_at(HPCRUN_STAGE_ROOT);
    else if (s->cwd && chdir(s->cwd) != 0)
        *r = failed_at(HPCRUN_STAGE_CWD);
    else if ((s->drop_sys_admin && prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) != 0) ||
             prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        *r = failed_at(HPCRUN_STAGE_EXEC);
    else if (s->emulate_root && emulate_root() != 0)
        *r = failed_at(HPCRUN_STAGE_SECCOMP);
    else if (!s->wrapped_job || !wrapped_job_cannot_start(s, r)) {
        exec_searching(s, r);
        /* The planner saw the image's shell: a mount over it (a bind onto /bin) hides it now. */
        if (s->wrapped_job && (r->err == ENOENT || r->err == ENOTDIR) && r->detail == HPCRUN_DETAIL_NONE) {
            r->stage = HPCRUN_STAGE_JOB, r->detail = HPCRUN_DETAIL_NO_ENV_SHELL;
            report_name(r, s->argv[0], strlen(s->argv[0]));
        }
    }
}

/* In the child: die with the supervisor, then enter the container and exec. */
static void spawned_child(const struct hpcrun_spawn *s, pid_t parent)
{
    struct hpcrun_exec_report report;
    restore_caller_signals();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) {
        report = failed_at(HPCRUN_STAGE_PARENT);
        report_and_exit(s->status_fd, &report);
    }
    enter_and_exec(s, &report);
    report_and_exit(s->status_fd, &report);
}

struct spawn_context {
    const struct hpcrun_spawn *request;
    pid_t parent;
};

static int spawn_entry(void *arg)
{
    struct spawn_context *c = arg;
    spawned_child(c->request, c->parent);
    return 127;
}

/* Starts a child as Apply/ChildProcess.cs asks; returns its pid, or -errno. Like .NET's
   own Process.Start, a vfork-style clone (no page tables to copy, the parent waits until the
   child has exec'd), with all signals blocked until the child has reset their handlers. */
int hpcrun_spawn(const struct hpcrun_spawn *s)
{
    enum { STACK = 256 << 10 };
    char *stack = mmap(NULL, STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return -errno;
    struct spawn_context c = {.request = s, .parent = getpid()};
    sigset_t all, mask;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &mask);
    int pid = clone(spawn_entry, stack + STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
    int err = errno;
    pthread_sigmask(SIG_SETMASK, &mask, NULL);
    munmap(stack, STACK);
    return pid < 0 ? -err : pid;
}

/* Replaces this process (hpcrun again, Native/Reexec.cs, or hpcrun-tools) with the signal
   dispositions and mask hpcrun's caller gave it, not the runtime's. Returns -errno. */
int hpcrun_exec(const char *path, char *const *argv, char *const *envp)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, NULL); /* no runtime handler may run once they are reset */
    restore_caller_signals();
    execve(path, argv, envp);
    return -errno;
}

/* The FUSE serving thread (Apply/SquashFuse/SquashFuseServer.cs) and its device. */
static pid_t server_tid;
static volatile int server_guarded;
static struct sigaction before_guard[NSIG];
static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};

/* A crash on the serving thread (libsquashfuse reading a corrupt image): a thread blocked on
   the image's mount waits for an answer it will never get, and a core dump waits for every
   thread, so the process would hang in state D where SIGKILL cannot end it. Exiting instead
   (no dump) ends the serving thread, whose descriptor table alone holds the device: the kernel
   aborts the connection, the waits end, and hpcrun's status is 65, as for any corrupt image
   (ExitCode.cs), set before any other thread can exit. A crash elsewhere goes on to the
   handler that was there before (the runtime's, else the default action). */
static void on_crash(int sig, siginfo_t *info, void *context)
{
    if (server_guarded && (pid_t)syscall(SYS_gettid) == server_tid) {
        char message[] = "hpcrun: corrupt SquashFS image: its file system server crashed reading it (signal 00)\n";
        message[sizeof message - 5] = (char)('0' + sig / 10 % 10);
        message[sizeof message - 4] = (char)('0' + sig % 10);
        if (write(STDERR_FILENO, message, sizeof message - 1) < 0) { /* nothing left to tell */ }
        _exit(65);
    }
    struct sigaction *old = &before_guard[sig];
    if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) old->sa_sigaction(sig, info, context);
    else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) old->sa_handler(sig);
    else {
        signal(sig, SIG_DFL);
        raise(sig);
    }
}

/* Called on the serving thread once its FUSE session exists: the thread takes a descriptor
   table of its own (unshare(CLONE_FILES), allowed in a threaded process) holding only stdio,
   the FUSE device and the image, and closes the rest there (a node group's listener, PMI_FD:
   they must close when the launcher closes them), and blocks the signals sent to the process
   (not the faults of its own code). No other thread or child of hpcrun then
   holds the device, so when the serving thread dies (SIGKILL of hpcrun, at any instant) its
   table goes with it and the kernel aborts the connection: nothing that waits on the mount
   can keep it alive. The caller closes its own copy of the device. Returns 0 or -errno. */
int hpcrun_isolate_fuse_server(int fuse_fd, int image_fd)
{
    if (unshare(CLONE_FILES) != 0) return -errno;
    unsigned lo = (unsigned)(fuse_fd < image_fd ? fuse_fd : image_fd);
    unsigned hi = (unsigned)(fuse_fd < image_fd ? image_fd : fuse_fd);
    if (lo > 3) syscall(SYS_close_range, 3u, lo - 1, 0u);
    if (hi > lo + 1) syscall(SYS_close_range, lo + 1, hi - 1, 0u);
    syscall(SYS_close_range, hi + 1, ~0u, 0u);
    /* The runtime's handlers for signals sent to the process (SIGCONT, SIGCHLD...) write to a pipe
       that is not in this table, and on_forwarded sends to the job's pidfd, not in it either: they
       must run on another thread. */
    sigset_t others;
    sigemptyset(&others);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGRTMIN) sigaddset(&others, sig); /* SIGRTMIN: the runtime's own, to each thread */
    for (size_t i = 0; i < sizeof crash_signals / sizeof *crash_signals; i++) sigdelset(&others, crash_signals[i]);
    pthread_sigmask(SIG_BLOCK, &others, NULL);
    server_tid = (pid_t)syscall(SYS_gettid);
    /* A second server (the image of a docker:// tag that moved, after the cached one's ended) keeps the guard: its
       handlers saved once, or a crash elsewhere would call the guard as the handler before it, forever. */
    if (server_guarded) return 0;
    server_guarded = 1;
    struct sigaction guard = {.sa_sigaction = on_crash, .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER};
    sigemptyset(&guard.sa_mask);
    for (size_t i = 0; i < sizeof crash_signals / sizeof *crash_signals; i++)
        if (sigaction(crash_signals[i], &guard, &before_guard[crash_signals[i]]) != 0) return -errno;
    return 0;
}

/* Supervision (Apply/Supervisor.cs): the job's pidfd while it runs, JOB_STARTING while it starts, JOB_NONE before
   and after. A pidfd, not a pid: once the job is reaped its number may name another process, and a signal to a pidfd
   of a reaped process fails. The signals to forward that came while the job started are held (bit N-1 for signal N)
   and sent once it runs: until the handlers are in place, the runtime's would end hpcrun at a SIGINT, and the job
   with it, though the job had its own handler already. */
enum { JOB_NONE = -1, JOB_STARTING = -2 };
static volatile int job_pidfd = JOB_NONE;
static uint64_t held_signals;
/* Whether a SIGTSTP came to hpcrun since it last stopped with its job (hpcrun_stop_with_job). */
static volatile int stop_sent;

/* Whether the sender of INFO is a Slurm step daemon: slurmstepd signals every process of its step (proctrack's
   linuxproc and cgroup) or the task's process group (pgid), the job along with hpcrun, for `scancel -s`, srun's
   Ctrl-C and the time limit. Reads /proc/PID/comm with calls that are safe in a signal handler (signal-safety(7)). */
static int sent_by_step_daemon(const siginfo_t *info)
{
    if (info->si_code != SI_USER || info->si_pid <= 0) return 0;
    char path[32] = "/proc/", digits[12];
    int n = 0;
    for (unsigned pid = (unsigned)info->si_pid; pid; pid /= 10) digits[n++] = (char)('0' + pid % 10);
    size_t at = strlen(path);
    while (n) path[at++] = digits[--n];
    memcpy(path + at, "/comm", sizeof "/comm");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char comm[16];
    ssize_t length = read(fd, comm, sizeof comm);
    close(fd);
    return length == (ssize_t)sizeof "slurmstepd" && memcmp(comm, "slurmstepd\n", sizeof "slurmstepd") == 0;
}

/* A forwarded signal reaches the job once: not when its sender reached the job too, nor when hpcrun sent it to
   itself. The kernel signals a whole process group or session (si_code SI_KERNEL): the terminal's Ctrl-C, Ctrl-\
   and Ctrl-Z to its foreground group, a hangup to the session, each of which holds the job whenever it holds
   hpcrun; a Slurm step daemon signals the job itself. What hpcrun sends itself is its own (the kernel's SIGXFSZ for
   a write of its own past the file size limit comes as SI_USER from hpcrun). Any other sender (kill(1), timeout(1),
   a parent program, `scancel -s` of a batch script) reached hpcrun alone. Runs at once on whichever thread the
   kernel picks, unlike the runtime's handlers. */
static void on_forwarded(int sig, siginfo_t *info, void *context)
{
    (void)context;
    int saved = errno, fd = job_pidfd;
    if (sig == SIGTSTP) stop_sent = 1;
    int own = info->si_code <= 0 && info->si_code != SI_KERNEL && info->si_pid == getpid();
    if (fd == JOB_NONE || info->si_code == SI_KERNEL || own || sent_by_step_daemon(info)) {
        /* reached the job already, or there is none */
    } else if (fd == JOB_STARTING) {
        __atomic_or_fetch(&held_signals, 1ull << (sig - 1), __ATOMIC_SEQ_CST);
    } else {
        syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
    }
    errno = saved;
}

int hpcrun_forward_signals(int pid, const int *signals, int count)
{
    int fd = pid == 0 ? JOB_NONE : JOB_STARTING;
    if (pid > 0 && (fd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) return -errno;
    int old = __atomic_exchange_n(&job_pidfd, fd, __ATOMIC_SEQ_CST);
    if (old >= 0) close(old);
    if (fd == JOB_STARTING) { /* the handlers stay for the rest of hpcrun's life: installed once, as the job starts */
        struct sigaction forward = {.sa_sigaction = on_forwarded, .sa_flags = SA_SIGINFO | SA_RESTART};
        sigemptyset(&forward.sa_mask);
        for (int i = 0; i < count; i++)
            if (sigaction(signals[i], &forward, NULL) != 0) return -errno;
        return 0;
    }
    uint64_t held = __atomic_exchange_n(&held_signals, 0, __ATOMIC_SEQ_CST);
    for (int sig = 1; fd >= 0 && sig <= 64; sig++)
        if (held & (1ull << (sig - 1))) syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
    return 0;
}

/* Stops hpcrun as its job stopped for job control, when a SIGTSTP came to hpcrun too (Ctrl-Z, sent to the whole
   foreground group; a kill of hpcrun, passed on): by SIGTSTP itself, so that its parent sees what it would of the job
   (WSTOPSIG: a shell's "Stopped" and 148). Returns 0 once continued. Returns 1 when none came within a moment (the
   terminal's may be queued to hpcrun after the job stopped): the job was stopped by its own pid, and hpcrun goes on
   serving its image, whose file system would stop with it. */
int hpcrun_stop_with_job(void)
{
    struct timespec tick = {0, 2000000};
    for (int i = 0; i < 50 && !stop_sent; i++) nanosleep(&tick, NULL);
    if (!__atomic_exchange_n(&stop_sent, 0, __ATOMIC_SEQ_CST)) return 1;
    struct sigaction dfl = {.sa_handler = SIG_DFL}, forwarding;
    sigemptyset(&dfl.sa_mask);
    if (sigaction(SIGTSTP, &dfl, &forwarding) != 0) return -errno;
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, SIGTSTP);
    pthread_sigmask(SIG_UNBLOCK, &only, NULL);
    raise(SIGTSTP);
    sigaction(SIGTSTP, &forwarding, NULL);
    return 0;
}

/* Elects this rank's role in the group named NAME, at the group's abstract Unix socket (Group/NodeGroup.cs
   says why a socket): connect to the first rank, which greets once its container is ready, or else bind
   the name and become the first. A rank that loses the race between the two tries again. */
static enum hpcrun_group_role elect(const char *name)
{
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    size_t length = strlen(name);
    memcpy(address.sun_path + 1, name, length); /* abstract: a leading NUL, no trailing one */
    socklen_t size = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + length);
    for (int attempt = 0; attempt < 1000; attempt++) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) return HPCRUN_GROUP_UNDECIDED;
        if (connect(fd, (struct sockaddr *)&address, size) == 0) {
            struct ucred peer;
            socklen_t peer_size = sizeof peer;
            if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &peer_size) != 0 || peer.uid != getuid()) {
                group_peer_uid = peer_size == sizeof peer ? (int)peer.uid : -1;
                close(fd);
                return HPCRUN_GROUP_TAKEN;
            }
            fcntl(fd, F_SETFL, 0);
            group_fd = fd;
            return HPCRUN_GROUP_MEMBER;
        }
        int err = errno;
        close(fd);
        /* A full backlog: a first rank has 4096 places, so the name is held by a socket that never accepts
           (its owner cannot be asked before a connection exists). */
        if (err == EAGAIN) return HPCRUN_GROUP_TAKEN;
        if (err != ECONNREFUSED) return HPCRUN_GROUP_UNDECIDED;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return HPCRUN_GROUP_UNDECIDED;
        if (bind(fd, (struct sockaddr *)&address, size) == 0 && listen(fd, 4096) == 0) {
            group_fd = fd;
            return HPCRUN_GROUP_FIRST;
        }
        err = errno;
        close(fd);
        if (err != EADDRINUSE) return HPCRUN_GROUP_UNDECIDED;
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL); /* another rank won in between: join it */
    }
    return HPCRUN_GROUP_UNDECIDED;
}

/* Reads exactly LENGTH bytes: 0, or -1 (errno; 0 at the end of the stream). */
static int read_fully(int fd, unsigned char *into, size_t length)
{
    while (length > 0) {
        ssize_t n = read(fd, into, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = 0;
            return -1;
        }
        into += n, length -= (size_t)n;
    }
    return 0;
}

static int greeting_result = -1; /* what receive_greeting returned for a member */
static int greeting_errno;
static struct hpcrun_greeting early_greeting;

static int receive_greeting(int fd, struct hpcrun_greeting *g)
{
    enum { HEAD = 5, MOST = 64 << 20 };
    unsigned char head[HEAD];
    union {
        char room[CMSG_SPACE(3 * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec vector = {.iov_base = head, .iov_len = HEAD};
    struct msghdr message = {.msg_iov = &vector, .msg_iovlen = 1, .msg_control = control.room,
                             .msg_controllen = sizeof control.room};
    ssize_t n;
    while ((n = recvmsg(fd, &message, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {}
    if (n < 0) return errno == ECONNRESET ? 0 : -1;
    int count = 0;
    struct cmsghdr *c = CMSG_FIRSTHDR(&message);
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        memcpy(g->fds, CMSG_DATA(c), (size_t)(count < 3 ? count : 3) * sizeof(int));
    }
    if (n == 0 || head[0] != HPCRUN_GREETING || count != 3) {
        for (int i = 0; i < count && i < 3; i++) close(g->fds[i]);
        return 0;
    }
    int32_t length;
    if (read_fully(fd, head + n, HEAD - (size_t)n) != 0) goto left;
    memcpy(&length, head + 1, sizeof length);
    if (length < 0 || length > MOST || !(g->bytes = malloc(length ? (size_t)length : 1))) {
        errno = EPROTO;
        goto left;
    }
    g->length = length;
    if (read_fully(fd, g->bytes, (size_t)length) == 0) return 1;
    free(g->bytes);
left:
    for (int i = 0; i < 3; i++) close(g->fds[i]);
    return errno == ECONNRESET ? 0 : -1; /* reset: as a first rank that closed before greeting */
}

int hpcrun_early_greeting(struct hpcrun_greeting *g)
{
    *g = early_greeting;
    errno = greeting_errno;
    return greeting_result;
}

/* Says why the fast-joined job could not start, as the C# side would have (Apply/ChildProcess.cs), and exits. */
static void fail_fast_join(const struct hpcrun_exec_report *r, const struct hpcrun_spawn *s)
{
    char line[8192];
    const char *program = s->argv[r->stage == HPCRUN_STAGE_JOB ? s->wrapped_job : 0];
    int status = hpcrun_exec_failure(line, sizeof line, r->stage, r->err, r->detail, r->name, program, s->cwd);
    dprintf(STDERR_FILENO, "hpcrun: %s\n", line);
    _exit(status);
}

/* A member reads the first rank's greeting here (the C# side takes it from hpcrun_early_greeting), then tries the
   fast join (hpcrun.h: the recipe): when its launch is the recipe's, it enters the first rank's namespaces and
   becomes the job at once, keeping its connection (the job's membership) open, and never starts the runtime.
   Otherwise, or when anything is amiss before it entered the first rank's user namespace, it returns, and the
   C# side decides the job from the same greeting. */
static void fast_join(int argc, char **argv)
{
    greeting_result = receive_greeting(group_fd, &early_greeting);
    greeting_errno = errno;
    const char *knob = getenv(HPCRUN_FAST_JOIN_VARIABLE);
    if (knob && !hpcrun_switch_on(knob)) return;
    uint32_t size;
    struct hpcrun_recipe recipe;
    char cwd[4096 * 4];
    struct hpcrun_greeting *g = &early_greeting;
    if (greeting_result != 1 || g->length < 4) return;
    memcpy(&size, g->bytes + g->length - 4, 4);
    if (size == 0 || size > (uint32_t)g->length - 4 ||
        !hpcrun_parse_recipe(&recipe, g->bytes + g->length - 4 - size, size) || !getcwd(cwd, sizeof cwd) ||
        !hpcrun_recipe_fits(&recipe, argc, argv, cwd, (unsigned)getgid(), environ))
        return;
    const char **env = malloc((recipe.job_envc + 1) * sizeof *env);
    const char **args = malloc((recipe.job_argc + 1) * sizeof *args);
    if (!env || !args || !hpcrun_recipe_environment(&recipe, environ, env)) {
        free(env);
        free(args);
        return;
    }
    const char *arg = recipe.job_argv;
    for (unsigned i = 0; i < recipe.job_argc; i++, arg = hpcrun_next_string(arg)) args[i] = arg;
    args[recipe.job_argc] = NULL;
    struct hpcrun_spawn s = {.argv = (char *const *)args, .envp = (char *const *)env,
                             .search_path = recipe.search_path, .root = recipe.root, .cwd = recipe.job_cwd,
                             .drop_sys_admin = (int)recipe.drop_sys_admin, .wrapped_job = (int)recipe.wrapped_job};
    if (setns(g->fds[0], CLONE_NEWUSER) != 0) return; /* nothing changed yet: the C# side tries in its turn */
    restore_caller_signals();
    struct hpcrun_exec_report report;
    if (setns(g->fds[1], CLONE_NEWNS) != 0) {
        report = failed_at(HPCRUN_STAGE_JOIN);
        fail_fast_join(&report, &s);
    }
    for (int i = 0; i < 3; i++) close(g->fds[i]);
    fcntl(group_fd, F_SETFD, 0); /* the job is this rank's member now: it keeps the connection */
    enter_and_exec(&s, &report);
    fail_fast_join(&report, &s);
}

/* This launch's role in its node's group (HpcRun.Launch/NodeSharing.cs's rules): none for a verb that runs
   no container, nor without a join key or a launcher's rank marker, nor with --no-join among hpcrun's own
   options (a job's own --no-join argument does not count) or HPCRUN_NO_JOIN set unless --join-key is given. */
static enum hpcrun_group_role elect_role(int argc, char **argv)
{
    if (!own_options.runs_container) return HPCRUN_GROUP_NONE;
    char name[HPCRUN_GROUP_NAME_SIZE], cwd[4096 * 4];
    if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
    if (!hpcrun_group_name(name, own_options, (unsigned)getuid(), (int)getppid(), cwd, argc, argv))
        return HPCRUN_GROUP_NONE;
    return elect(name);
}

/* The runtime's zero-initialised data (.bss) is written at start-up: one fault per 4 KiB
   page, where populating the range in one call costs far less. The code, the read-only data and
   .data (MethodTables, frozen strings) are mapped readable in one call as well: a start reads
   some eighty scattered parts of them, a fault each, where mapping them all from the page cache
   costs a fraction of that. .data is not populated writable as a whole (that would copy every
   page), only the part a start writes throughout (the dispatch cells below). Best effort: older
   kernels ignore the advice. */
extern char __executable_start[], __bss_start[], _end[];
/* NativeAOT's interface dispatch cells: 16 bytes each, {the initial dispatch stub, the interface
   and slot}, in runs each ended by a cell whose first word is 0, from this symbol of the compiler's object
   (hidden: visible to this link only; weak: a compiler that names it otherwise only costs the
   faults). The first call through a cell rewrites it, and a start's first calls touch every page
   of the section: a copy-on-write fault each, where populating the section writable copies the
   same pages in one call. */
extern char __InterfaceDispatchCellSection_Start[] __attribute__((weak));
static void prefault_dispatch_cells(uintptr_t page, uintptr_t limit)
{
    const uintptr_t *cell = (const uintptr_t *)__InterfaceDispatchCellSection_Start;
    if (!cell) return;
    uintptr_t stub = cell[0];
    while ((uintptr_t)(cell + 2) <= limit && (cell[0] == stub || cell[0] == 0)) cell += 2;
    uintptr_t start = (uintptr_t)__InterfaceDispatchCellSection_Start & ~(page - 1);
    madvise((void *)start, (uintptr_t)cell - start, MADV_POPULATE_WRITE);
}

/* glibc's main malloc arena, which the runtime's first allocation (its type and GC tables) grows by sbrk and then
   touches page by page: grown here instead, and populated in one call. */
static void prefault_malloc_arena(uintptr_t page)
{
    uintptr_t start = (uintptr_t)sbrk(0) & ~(page - 1);
    void *volatile first = malloc(1); /* volatile: the compiler may drop a malloc whose block is only freed */
    free(first);
    uintptr_t end = (uintptr_t)sbrk(0);
    if (end != (uintptr_t)-1 && end > start) madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

static void prefault_runtime_data(void)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start = (uintptr_t)__bss_start & ~(page - 1);
    madvise((void *)start, (uintptr_t)_end - start, MADV_POPULATE_WRITE);
    uintptr_t text = (uintptr_t)__executable_start;
    madvise((void *)text, start - text, MADV_POPULATE_READ);
    prefault_dispatch_cells(page, start);
    prefault_malloc_arena(page);
}

__attribute__((constructor)) static void hpcrun_early(int argc, char **argv, char **envp)
{
    (void)envp;
    const char *parent = getenv(HPCRUN_DIE_WITH_VARIABLE);
    if (parent) {
        die_with = atoi(parent);
        unsetenv(HPCRUN_DIE_WITH_VARIABLE);
    }
    saved_argc = argc;
    saved_argv = argv;
    sigemptyset(&caller_ignored);
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction old;
        if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN) sigaddset(&caller_ignored, sig);
    }
    sigprocmask(SIG_SETMASK, NULL, &caller_mask);
    /* hpcrun itself never stops for the terminal: in the background (bg), the runtime's own
       terminal handling on SIGCONT would raise SIGTTOU, which stops hpcrun's whole process group,
       the job included. Ignored, the kernel sends nothing. (The job gets the caller's dispositions.)
       The runtime's terminal handling itself resets SIGTTOU to SIG_DFL: Apply/Supervisor.cs keeps it
       from running once a job has started. */
    signal(SIGTTOU, SIG_IGN);
    signal(SIGTTIN, SIG_IGN);
    outer_uid = getuid();
    outer_gid = getgid();
    own_options = hpcrun_read_own_options(argc, argv); /* a re-executed rank's too: the C# side finds the image */
    if (getenv(HPCRUN_EARLY_VARIABLE)) unsetenv(HPCRUN_EARLY_VARIABLE);
    else group_role = elect_role(argc, argv);
    if (group_role == HPCRUN_GROUP_MEMBER) fast_join(argc, argv);
    prefault_runtime_data(); /* only for a process that starts the runtime: a fast-joined member became its job */
    if (group_role == HPCRUN_GROUP_MEMBER || group_role == HPCRUN_GROUP_UNDECIDED) return;
    unshare_errno = unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 ? 0 : errno;
}
