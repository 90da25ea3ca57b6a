/* Prints what src/HpcRun/Native/hpcrun.h says, for ContractTests.cs to compare with the C# side.
 *   contract               the spawn request's layout, the stage codes and the names, one per line
 *   contract hpcrun ARG... what hpcrun_read_own_options reads of that command line
 *   contract group UID PARENT_PID CWD hpcrun ARG...
 *                          the node group's name hpcrun_group_name gives that launch in this environment */
#include <stdio.h>
#include "hpcrun.h"

#define FIELD(name) printf("offset %s %zu\n", #name, offsetof(struct hpcrun_spawn, name))
#define STAGE(name) printf("stage %s %d\n", #name, HPCRUN_STAGE_##name)
#define ROLE(name) printf("role %s %d\n", #name, HPCRUN_GROUP_##name)
#define LIST(name, ...)                                                                                        \
    do {                                                                                                       \
        static const char *const items[] = {__VA_ARGS__};                                                      \
        printf("list %s", name);                                                                               \
        for (size_t i = 0; i < sizeof items / sizeof *items; i++) printf(" %s", items[i]);                    \
        printf("\n");                                                                                          \
    } while (0)

int main(int argc, char **argv)
{
    if (argc > 5 && strcmp(argv[1], "group") == 0) {
        char name[HPCRUN_GROUP_NAME_SIZE];
        int named = hpcrun_group_name(name, hpcrun_read_own_options(argc - 5, argv + 5), (unsigned)atoi(argv[2]),
                                      atoi(argv[3]), argv[4], argc - 5, argv + 5);
        printf("group %s\n", named ? name : "(none)");
        return 0;
    }
    if (argc > 1) {
        struct hpcrun_own_options own = hpcrun_read_own_options(argc - 1, argv + 1);
        printf("runs_container %d\nno_join %d\nverbosity %d\njoin_key %s\n", own.runs_container, own.no_join,
               own.verbosity, own.join_key ? own.join_key : "(none)");
        return 0;
    }
    printf("size %zu\n", sizeof(struct hpcrun_spawn));
    FIELD(argv); FIELD(envp); FIELD(search_path); FIELD(root); FIELD(cwd); FIELD(join_user); FIELD(join_mnt);
    FIELD(status_fd); FIELD(drop_sys_admin); FIELD(emulate_root);
    STAGE(PARENT); STAGE(JOIN); STAGE(ROOT); STAGE(CWD); STAGE(EXEC); STAGE(SECCOMP);
    ROLE(NONE); ROLE(FIRST); ROLE(MEMBER); ROLE(TAKEN); ROLE(UNDECIDED);
    LIST("launcher_markers", HPCRUN_LAUNCHER_MARKERS);
    LIST("join_key_variable", HPCRUN_JOIN_KEY_VARIABLE);
    LIST("no_join_variable", HPCRUN_NO_JOIN_VARIABLE);
    LIST("join_key_option", HPCRUN_JOIN_KEY_OPTION);
    LIST("no_join_option", HPCRUN_NO_JOIN_OPTION);
    LIST("early_variable", HPCRUN_EARLY_VARIABLE);
    LIST("job_variables", HPCRUN_JOB_VARIABLES);
    LIST("value_options", HPCRUN_VALUE_OPTIONS);
    LIST("verbs_without_container", HPCRUN_VERBS_WITHOUT_CONTAINER);
    LIST("switch_off_words", HPCRUN_SWITCH_OFF_WORDS);
    return 0;
}
