/* Passes a token around all ranks and prints, per rank, the MPI library it runs on
   (resolved by the loader, so injection is visible), the token it received, its user
   namespace (ranks sharing a node's container have the same) and whether a 4 MiB message
   (Open MPI's vader sends those by CMA single copy unless told not to) arrived intact. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

enum { BIG = 1 << 20 };

static const char *big_message(int rank, int size)
{
    if (size < 2 || rank > 1) return "skipped";
    int *buffer = malloc(BIG * sizeof(int)), ok = 1;
    if (rank == 0) {
        for (int i = 0; i < BIG; i++) buffer[i] = i * 7;
        MPI_Send(buffer, BIG, MPI_INT, 1, 1, MPI_COMM_WORLD);
    } else {
        MPI_Recv(buffer, BIG, MPI_INT, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (int i = 0; i < BIG; i++) ok &= buffer[i] == i * 7;
    }
    free(buffer);
    return ok ? "ok" : "corrupt";
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size, token = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank == 0) {
        token = 1;
        MPI_Send(&token, 1, MPI_INT, 1 % size, 0, MPI_COMM_WORLD);
        MPI_Recv(&token, 1, MPI_INT, size - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
        MPI_Recv(&token, 1, MPI_INT, rank - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        token++;
        MPI_Send(&token, 1, MPI_INT, (rank + 1) % size, 0, MPI_COMM_WORLD);
    }
    const char *big = big_message(rank, size);
    Dl_info info;
    dladdr((void *)MPI_Init, &info);
    char userns[64] = "";
    if (readlink("/proc/self/ns/user", userns, sizeof userns - 1) < 0) perror("readlink");
    printf("rank %d of %d token %d lib %s big %s ns %s\n", rank, size, token, info.dli_fname, big, userns);
    MPI_Finalize();
    return 0;
}
