/* A job that counts the deliveries of SIGINT, SIGQUIT, SIGUSR1 and SIGTERM (TestImages.SignalCounter): prints
   "up PPID", then "got NAME" for each delivery, and once the file argv[1] exists
   "counted INT=n QUIT=n USR1=n TERM=n", then exits 0. A C handler runs at each delivery, where a shell's trap runs
   once for two that arrive while it waits for a command. Statically linked: the test images have no libc. */
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static const int counted[] = {SIGINT, SIGQUIT, SIGUSR1, SIGTERM};
static const char *const names[] = {"INT", "QUIT", "USR1", "TERM"};
enum { COUNTED = sizeof counted / sizeof *counted };
static volatile sig_atomic_t deliveries[NSIG];

static void count(int sig) { deliveries[sig]++; }

int main(int argc, char **argv)
{
    struct sigaction handler = {.sa_handler = count};
    sigemptyset(&handler.sa_mask);
    for (int i = 0; i < COUNTED; i++) sigaction(counted[i], &handler, NULL);
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("up %d\n", (int)getppid());
    int shown[COUNTED] = {0};
    struct timespec tick = {0, 5000000};
    while (argc < 2 || access(argv[1], F_OK) != 0) {
        nanosleep(&tick, NULL);
        for (int i = 0; i < COUNTED; i++)
            for (; shown[i] < deliveries[counted[i]]; shown[i]++) printf("got %s\n", names[i]);
    }
    printf("counted INT=%d QUIT=%d USR1=%d TERM=%d\n", (int)deliveries[SIGINT], (int)deliveries[SIGQUIT],
           (int)deliveries[SIGUSR1], (int)deliveries[SIGTERM]);
    return 0;
}
