/* Prints what src/HpcRun/Native/hpcrun.h says, for ContractTests.cs to compare with the C# side.
 *   contract               the spawn request's layout, the stage codes and the names, one per line
 *   contract hpcrun ARG... what hpcrun_read_own_options reads of that command line
 *   contract group UID PARENT_PID CWD hpcrun ARG...
 *                          the node group's name hpcrun_group_name gives that launch in this environment
 *   contract recipe FILE CWD GID hpcrun ARG...
 *                          whether the recipe in FILE fits that launch in this environment, and the job it gives
 *   contract failure STAGE ERRNO DETAIL NAME PROGRAM CWD
 *                          the exit status and line of a job that failed to start */
#include <stdio.h>
#include "hpcrun.h"

#define FIELD(name) printf("offset %s %zu\n", #name, offsetof(struct hpcrun_spawn, name))
#define STAGE(name) printf("stage %s %d\n", #name, HPCRUN_STAGE_##name)
#define ROLE(name) printf("role %s %d\n", #name, HPCRUN_GROUP_##name)
#define DETAIL(name) printf("detail %s %d\n", #name, HPCRUN_DETAIL_##name)
#define LIST(name, ...)                                                                                        \
    do {                                                                                                       \
        static const char *const items[] = {__VA_ARGS__};                                                      \
        printf("list %s", name);                                                                               \
        for (size_t i = 0; i < sizeof items / sizeof *items; i++) printf(" %s", items[i]);                    \
        printf("\n");                                                                                          \
    } while (0)

extern char **environ;

/* Reads the recipe in PATH; prints whether it parsed and fits the launch, then the job it gives. */
static int recipe(const char *path, const char *cwd, unsigned gid, int argc, char **argv)
{
    static unsigned char bytes[1 << 20];
    FILE *file = fopen(path, "rb");
    size_t length = file ? fread(bytes, 1, sizeof bytes, file) : 0;
    if (file) fclose(file);
    struct hpcrun_recipe r;
    int parsed = hpcrun_parse_recipe(&r, bytes, length);
    printf("parsed %d\n", parsed);
    if (!parsed) return 0;
    int fits = hpcrun_recipe_fits(&r, argc, argv, cwd, gid, environ);
    const char *env[4096];
    if (fits) fits = r.job_envc < 4096 && hpcrun_recipe_environment(&r, environ, env);
    printf("fits %d\n", fits);
    if (!fits) return 0;
    printf("root %s\ncwd %s\npath %s\ndrop %u\nwrapped %u\n", r.root, r.job_cwd, r.search_path, r.drop_sys_admin,
           r.wrapped_job);
    const char *s = r.job_argv;
    for (unsigned i = 0; i < r.job_argc; i++, s = hpcrun_next_string(s)) printf("argv %s\n", s);
    for (unsigned i = 0; env[i]; i++) printf("env %s\n", env[i]);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 5 && strcmp(argv[1], "recipe") == 0)
        return recipe(argv[2], argv[3], (unsigned)atoi(argv[4]), argc - 5, argv + 5);
    if (argc == 8 && strcmp(argv[1], "failure") == 0) {
        char line[4096];
        int status = hpcrun_exec_failure(line, sizeof line, atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), argv[5],
                                         argv[6], argv[7]);
        printf("status %d\nline %s\n", status, line);
        return 0;
    }
    if (argc > 5 && strcmp(argv[1], "group") == 0) {
        char name[HPCRUN_GROUP_NAME_SIZE];
        int named = hpcrun_group_name(name, hpcrun_read_own_options(argc - 5, argv + 5), (unsigned)atoi(argv[2]),
                                      atoi(argv[3]), argv[4], argc - 5, argv + 5);
        printf("group %s\n", named ? name : "(none)");
        return 0;
    }
    if (argc > 1) {
        struct hpcrun_own_options own = hpcrun_read_own_options(argc - 1, argv + 1);
        printf("runs_container %d\nno_join %d\nverbosity %d\njoin_key %s\nimage_at %d\n", own.runs_container,
               own.no_join, own.verbosity, own.join_key ? own.join_key : "(none)", own.image_at);
        return 0;
    }
    printf("size %zu\n", sizeof(struct hpcrun_spawn));
    printf("report_size %zu\nreport name %zu\n", sizeof(struct hpcrun_exec_report),
           offsetof(struct hpcrun_exec_report, name));
    printf("greeting_size %zu\ngreeting bytes %zu\ngreeting length %zu\ngreeting fds %zu\n",
           sizeof(struct hpcrun_greeting), offsetof(struct hpcrun_greeting, bytes),
           offsetof(struct hpcrun_greeting, length), offsetof(struct hpcrun_greeting, fds));
    printf("greeting_byte %c\nrecipe_version %d\n", HPCRUN_GREETING, HPCRUN_RECIPE_VERSION);
    printf("exit SETUP_FAILED %d\nexit COMMAND_NOT_EXECUTABLE %d\nexit COMMAND_NOT_FOUND %d\n",
           HPCRUN_EXIT_SETUP_FAILED, HPCRUN_EXIT_COMMAND_NOT_EXECUTABLE, HPCRUN_EXIT_COMMAND_NOT_FOUND);
    FIELD(argv); FIELD(envp); FIELD(search_path); FIELD(root); FIELD(cwd); FIELD(join_user); FIELD(join_mnt);
    FIELD(status_fd); FIELD(drop_sys_admin); FIELD(emulate_root); FIELD(wrapped_job);
    STAGE(PARENT); STAGE(JOIN); STAGE(ROOT); STAGE(CWD); STAGE(EXEC); STAGE(SECCOMP); STAGE(JOB);
    DETAIL(NONE); DETAIL(DIRECTORY); DETAIL(NOEXEC); DETAIL(INTERPRETER); DETAIL(LOADER); DETAIL(REQUIRED);
    DETAIL(BINARY); DETAIL(NO_SHELL); DETAIL(NO_ENV_SHELL);
    ROLE(NONE); ROLE(FIRST); ROLE(MEMBER); ROLE(TAKEN); ROLE(UNDECIDED);
    LIST("launcher_markers", HPCRUN_LAUNCHER_MARKERS);
    LIST("join_key_variable", HPCRUN_JOIN_KEY_VARIABLE);
    LIST("no_join_variable", HPCRUN_NO_JOIN_VARIABLE);
    LIST("join_key_option", HPCRUN_JOIN_KEY_OPTION);
    LIST("no_join_option", HPCRUN_NO_JOIN_OPTION);
    LIST("early_variable", HPCRUN_EARLY_VARIABLE);
    LIST("die_with_variable", HPCRUN_DIE_WITH_VARIABLE);
    LIST("job_variables", HPCRUN_JOB_VARIABLES);
    LIST("value_options", HPCRUN_VALUE_OPTIONS);
    LIST("global_options", HPCRUN_GLOBAL_OPTIONS);
    LIST("root_options", HPCRUN_ROOT_OPTIONS);
    LIST("verbs_without_container", HPCRUN_VERBS_WITHOUT_CONTAINER);
    LIST("switch_off_words", HPCRUN_SWITCH_OFF_WORDS);
    LIST("rank_variables", HPCRUN_RANK_VARIABLES);
    LIST("task_variables", HPCRUN_TASK_VARIABLES);
    LIST("fast_join_variable", HPCRUN_FAST_JOIN_VARIABLE);
    LIST("recipe_magic", HPCRUN_RECIPE_MAGIC);
    return 0;
}
