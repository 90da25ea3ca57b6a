using System.Diagnostics;
using System.Runtime.InteropServices;
using MPI;

// MPI.NET binds Microsoft MPI's "msmpi.dll", whose integer handles are the MPICH ABI: on Linux,
// the MPICH-ABI library (MPICH, Intel MPI, MVAPICH, Cray MPICH) serves it. Open MPI cannot.
NativeLibrary.SetDllImportResolver(typeof(Communicator).Assembly, (name, _, _) =>
    name.StartsWith("msmpi", StringComparison.OrdinalIgnoreCase) ? NativeLibrary.Load("libmpich.so.12") : IntPtr.Zero);

using var mpi = new MPI.Environment(ref args);
Intracommunicator world = Communicator.world;
int rank = world.Rank, size = world.Size;
Console.WriteLine($"hello from rank {rank} of {size} on {MPI.Environment.ProcessorName}");

int sum = world.Allreduce(rank + 1, Operation<int>.Add);
if (rank == 0) Console.WriteLine($"allreduce: sum of 1..{size} = {sum}");

if (size >= 2 && rank < 2)
{
    foreach (int bytes in new[] { 8, 1 << 20 })
    {
        int iterations = bytes == 8 ? 10000 : 200;
        var buffer = new byte[bytes];
        world.Barrier();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++)
        {
            if (rank == 0) { world.Send(buffer, 1, 0); world.Receive(1, 0, ref buffer); }
            else { world.Receive(0, 0, ref buffer); world.Send(buffer, 0, 0); }
        }
        double oneWay = clock.Elapsed.TotalSeconds / (2.0 * iterations);
        if (rank == 0)
            Console.WriteLine($"ping-pong {bytes} B: {oneWay * 1e6:F2} us one way, {bytes / oneWay / 1e9:F3} GB/s");
    }
}
