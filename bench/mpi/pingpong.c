/* 2-rank ping-pong: one-way latency of 8-byte messages (us) and bandwidth of 1 MiB messages (GB/s).
   Prints one line: "latency_us <x> bandwidth_GBps <y>". */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static double pingpong(int rank, char *buffer, int bytes, int iterations)
{
    int peer = 1 - rank;
    for (int warmup = 0; warmup < 2; warmup++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        for (int i = 0; i < iterations; i++) {
            if (rank == 0) {
                MPI_Send(buffer, bytes, MPI_BYTE, peer, 0, MPI_COMM_WORLD);
                MPI_Recv(buffer, bytes, MPI_BYTE, peer, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else {
                MPI_Recv(buffer, bytes, MPI_BYTE, peer, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Send(buffer, bytes, MPI_BYTE, peer, 0, MPI_COMM_WORLD);
            }
        }
        double oneWay = (MPI_Wtime() - start) / (2.0 * iterations);
        if (warmup == 1) return oneWay;
    }
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size != 2) MPI_Abort(MPI_COMM_WORLD, 2);
    const int big = 1 << 20;
    char *buffer = calloc(big, 1);
    double latency = pingpong(rank, buffer, 8, 20000);
    double bandwidth = big / pingpong(rank, buffer, big, 500);
    if (rank == 0) printf("latency_us %.3f bandwidth_GBps %.3f\n", latency * 1e6, bandwidth / 1e9);
    free(buffer);
    MPI_Finalize();
    return 0;
}
