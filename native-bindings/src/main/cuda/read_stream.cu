// memwall's read-only streaming kernel for CUDA devices: what decoding a language model does to memory.
// The jar ships the PTX made from this file (dev/memwall/device/cuda/read_stream.ptx), which the driver
// compiles for the card at load time, so hosts need no CUDA toolkit. To regenerate it:
//   nvcc -ptx -arch=compute_75 -O3 -o read_stream.ptx read_stream.cu
// then set `.version 6.4` and `.target sm_70` in its header (the kernel uses nothing newer), so drivers from
// CUDA 10.1 on and Volta cards can load it.
//
// Thread t of T = gridDim.x * blockDim.x reads 16-byte vectors t, t + T, t + 2T, ... (neighbouring threads read
// neighbouring vectors: coalesced), folds them with xor and writes one word, so nothing can be optimised away
// and the host can check the result.
extern "C" __global__ void read_stream(const uint4 *__restrict__ in, unsigned int *__restrict__ out,
                                       unsigned long long n) {
    unsigned long long t = (unsigned long long) blockIdx.x * blockDim.x + threadIdx.x;
    unsigned long long stride = (unsigned long long) gridDim.x * blockDim.x;
    uint4 acc = make_uint4(0, 0, 0, 0);
    for (unsigned long long i = t; i < n; i += stride) {
        uint4 v = __ldcs(in + i);
        acc.x ^= v.x;
        acc.y ^= v.y;
        acc.z ^= v.z;
        acc.w ^= v.w;
    }
    out[t] = acc.x ^ acc.y ^ acc.z ^ acc.w;
}
