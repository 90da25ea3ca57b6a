// The GPU probe bench/gpu/run times natively and inside hpcrun: time to the first CUDA call,
// device-to-device copy, pinned host-to-device copy, and an FMA-bound kernel. One line out:
//   ready_ns=<CLOCK_REALTIME after the first call> init_ms=... d2d_gbs=... h2d_gbs=... fma_tflops=...
// Built on the GPU machine with nvcc and a static CUDA runtime (-cudart static), so the image
// needs only glibc and the driver's libraries that hpcrun binds.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <cuda_runtime.h>

#define CHECK(call) do { cudaError_t e = (call); if (e != cudaSuccess) { \
    fprintf(stderr, "probe: %s: %s\n", #call, cudaGetErrorString(e)); exit(1); } } while (0)

static double seconds_of(cudaEvent_t start, cudaEvent_t stop) {
    float ms = 0;
    CHECK(cudaEventElapsedTime(&ms, start, stop));
    return ms / 1e3;
}

// Four independent FMA chains a thread keep the pipelines full; the result is stored so that
// the compiler keeps the work.
__global__ void fma_kernel(float *out, int iterations) {
    float a = threadIdx.x * 1e-7f, b = a + 1e-7f, c = b + 1e-7f, d = c + 1e-7f;
    const float x = 0.999999f, y = 1e-7f;
    for (int i = 0; i < iterations; i++) {
        a = fmaf(a, x, y); b = fmaf(b, x, y); c = fmaf(c, x, y); d = fmaf(d, x, y);
    }
    out[blockIdx.x * blockDim.x + threadIdx.x] = a + b + c + d;
}

int main() {
    timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(cudaFree(0));  // the first call: loads the driver, creates the context
    clock_gettime(CLOCK_MONOTONIC, &t1);
    timespec ready;
    clock_gettime(CLOCK_REALTIME, &ready);
    double init_ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;

    cudaEvent_t start, stop;
    CHECK(cudaEventCreate(&start));
    CHECK(cudaEventCreate(&stop));

    const size_t bytes = 1ull << 30;
    void *src, *dst, *host;
    CHECK(cudaMalloc(&src, bytes));
    CHECK(cudaMalloc(&dst, bytes));
    CHECK(cudaMemset(src, 1, bytes));
    CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice));  // warm-up
    const int copies = 20;
    CHECK(cudaEventRecord(start));
    for (int i = 0; i < copies; i++) CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice));
    CHECK(cudaEventRecord(stop));
    CHECK(cudaEventSynchronize(stop));
    // A device-to-device copy reads and writes every byte: counted twice, as bandwidthTest does.
    double d2d = 2.0 * bytes * copies / seconds_of(start, stop) / 1e9;

    CHECK(cudaMallocHost(&host, bytes));
    CHECK(cudaMemcpy(dst, host, bytes, cudaMemcpyHostToDevice));  // warm-up
    const int uploads = 10;
    CHECK(cudaEventRecord(start));
    for (int i = 0; i < uploads; i++) CHECK(cudaMemcpy(dst, host, bytes, cudaMemcpyHostToDevice));
    CHECK(cudaEventRecord(stop));
    CHECK(cudaEventSynchronize(stop));
    double h2d = (double)bytes * uploads / seconds_of(start, stop) / 1e9;

    cudaDeviceProp prop;
    CHECK(cudaGetDeviceProperties(&prop, 0));
    const int threads = 256, blocks = prop.multiProcessorCount * 64, iterations = 1 << 12;
    float *out;
    CHECK(cudaMalloc(&out, sizeof(float) * threads * blocks));
    fma_kernel<<<blocks, threads>>>(out, 1024);  // warm-up
    CHECK(cudaEventRecord(start));
    fma_kernel<<<blocks, threads>>>(out, iterations);
    CHECK(cudaEventRecord(stop));
    CHECK(cudaEventSynchronize(stop));
    CHECK(cudaGetLastError());
    double flops = 2.0 * 4 * (double)iterations * threads * blocks;  // an FMA is two floating-point operations
    double tflops = flops / seconds_of(start, stop) / 1e12;

    printf("ready_ns=%lld init_ms=%.2f d2d_gbs=%.1f h2d_gbs=%.2f fma_tflops=%.2f\n",
           (long long)ready.tv_sec * 1000000000LL + ready.tv_nsec, init_ms, d2d, h2d, tflops);
    return 0;
}
