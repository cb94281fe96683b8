// Bandwidth kernels for memwall, built at run time.
// Compile-time definitions: LANES (4, 8 or 16 words per vector) and FETCH (vectors per work-item).

#if LANES == 16
#define VEC uint16
#elif LANES == 8
#define VEC uint8
#else
#define VEC uint4
#endif

// A 32-bit integer hash (xor-shift-multiply); the host repeats it to check what the read kernel saw.
inline uint mix(uint x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

// Fills the buffer with pseudo-random words: word w holds mix(w ^ seed). Each work-item writes 16 words.
__kernel void fill_random(__global uint *buf, const uint seed) {
    uint first = (uint) get_global_id(0) * 16u;
    for (uint k = 0; k < 16u; k++) {
        buf[first + k] = mix((first + k) ^ seed);
    }
}

inline uint fold(VEC acc) {
#if LANES == 16
    uint8 a8 = acc.lo ^ acc.hi;
    uint4 a4 = a8.lo ^ a8.hi;
#elif LANES == 8
    uint4 a4 = acc.lo ^ acc.hi;
#else
    uint4 a4 = acc;
#endif
    uint2 a2 = a4.lo ^ a4.hi;
    return a2.x ^ a2.y;
}

// Streams the buffer once, reading every byte exactly once with wide loads. Work-group g reads the
// contiguous block [g * LSZ * FETCH, (g + 1) * LSZ * FETCH) of vectors; work-item l of the group reads
// vectors l, l + LSZ, l + 2 LSZ, ... of that block, so neighbouring work-items read neighbouring vectors
// (coalesced on a GPU, one contiguous sweep per group on a CPU). Each work-item folds what it read into
// one word with xor and writes it, so nothing can be optimised away, and the host can check it.
__kernel void read_stream(__global const VEC *in, __global uint *out) {
    size_t lsz = get_local_size(0);
    size_t i = get_group_id(0) * lsz * FETCH + get_local_id(0);
    VEC acc = (VEC) (0u);
    for (int f = 0; f < FETCH; f++) {
        acc ^= in[i];
        i += lsz;
    }
    out[get_global_id(0)] = fold(acc);
}
