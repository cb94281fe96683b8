/*
 * memwall's fake CUDA driver: a small libcuda.so.1 for machines without a GPU, so that JCuda's real JNI
 * code (libJCudaDriver, which links against libcuda.so.1) runs against it. Configuration and faults:
 * fake_common.h. Device memory is host memory (malloc), the only kernel is read_stream, run on the host.
 *
 * Build: gcc -shared -fPIC -O2 -Wall -Wl,-soname,libcuda.so.1 -o libcuda.so.1 fake_cuda.c -lpthread
 *
 * Rules the fake enforces (stricter than or equal to the real driver, so code passing here passes there):
 *  - every driver function but cuDriverGetVersion, cuGetErrorName and cuGetErrorString returns
 *    CUDA_ERROR_NOT_INITIALIZED before a successful cuInit (and again after fake_configure);
 *  - memory, stream, event, module and launch calls need a live current context (CUDA_ERROR_INVALID_CONTEXT);
 *  - device pointers given to copies and kernels must lie inside a live cuMemAlloc allocation
 *    (CUDA_ERROR_INVALID_VALUE for copies, CUDA_ERROR_ILLEGAL_ADDRESS for the kernel);
 *  - handles are checked against the live ones (CUDA_ERROR_INVALID_HANDLE / CUDA_ERROR_INVALID_CONTEXT);
 *  - PTX whose ".version" is newer than driver_version supports gives CUDA_ERROR_UNSUPPORTED_PTX_VERSION,
 *    a ".target sm_XY" above the current device's compute capability gives CUDA_ERROR_INVALID_PTX; both write
 *    a ptxas-style line into CU_JIT_ERROR_LOG_BUFFER when cuModuleLoadDataEx is given one, as does a fault
 *    injected into cuModuleLoadDataEx (and the info log gets a line on success);
 *  - releasing a primary context does not free what was allocated in it: leaks stay visible in the counters.
 * Functions that are not here are missing symbols: calling one ends the process with a symbol lookup error.
 */
#include "fake_common.h"

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;

enum {
    CUDA_SUCCESS = 0,
    CUDA_ERROR_INVALID_VALUE = 1,
    CUDA_ERROR_OUT_OF_MEMORY = 2,
    CUDA_ERROR_NOT_INITIALIZED = 3,
    CUDA_ERROR_NO_DEVICE = 100,
    CUDA_ERROR_INVALID_DEVICE = 101,
    CUDA_ERROR_INVALID_IMAGE = 200,
    CUDA_ERROR_INVALID_CONTEXT = 201,
    CUDA_ERROR_INVALID_PTX = 218,
    CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222,
    CUDA_ERROR_INVALID_HANDLE = 400,
    CUDA_ERROR_NOT_FOUND = 500,
    CUDA_ERROR_ILLEGAL_ADDRESS = 700,
    CUDA_ERROR_UNKNOWN = 999,
};

enum { FC_CUDA_FUNC_LIST(FC_ENUM) F_COUNT };
_Static_assert(F_COUNT <= FC_MAX_FUNCS, "too many functions");

#define CU_EVENT_DISABLE_TIMING 0x2
#define CU_JIT_INFO_LOG_BUFFER 3
#define CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES 4
#define CU_JIT_ERROR_LOG_BUFFER 5
#define CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES 6

static const struct { int code; const char *name; const char *text; } ERRORS[] = {
    {0, "CUDA_SUCCESS", "no error"},
    {1, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {3, "CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
    {4, "CUDA_ERROR_DEINITIALIZED", "driver shutting down"},
    {34, "CUDA_ERROR_STUB_LIBRARY", "CUDA driver is a stub library"},
    {35, "CUDA_ERROR_INSUFFICIENT_DRIVER", "CUDA driver version is insufficient for CUDA runtime version"},
    {46, "CUDA_ERROR_DEVICE_UNAVAILABLE", "CUDA-capable device(s) is/are busy or unavailable"},
    {100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {101, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
    {200, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"},
    {201, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
    {209, "CUDA_ERROR_NO_BINARY_FOR_GPU", "no kernel image is available for execution on the device"},
    {214, "CUDA_ERROR_ECC_UNCORRECTABLE", "uncorrectable ECC error encountered"},
    {218, "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
    {222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION", "the provided PTX was compiled with an unsupported toolchain."},
    {400, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
    {500, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {600, "CUDA_ERROR_NOT_READY", "device not ready"},
    {700, "CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered"},
    {701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", "too many resources requested for launch"},
    {702, "CUDA_ERROR_LAUNCH_TIMEOUT", "the launch timed out and was terminated"},
    {709, "CUDA_ERROR_CONTEXT_IS_DESTROYED", "context is destroyed"},
    {719, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"},
    {800, "CUDA_ERROR_NOT_PERMITTED", "operation not permitted"},
    {801, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported"},
    {999, "CUDA_ERROR_UNKNOWN", "unknown error"},
};

/* ---- state (all guarded by mu, except the thread-local context stack) ---- */

struct ctx {
    int device;
    int alive;
    struct ctx *next_all;  /* every context ever made; never freed, so stale handles are recognised */
};

struct alloc {
    unsigned long long base;
    size_t size;
    int device;
    struct alloc *next;
};

struct stream {
    int device;
    struct stream *next;
};

struct event {
    int device;
    unsigned flags;
    int recorded;
    struct timespec when;
    struct event *next;
};

struct module;
struct function {
    struct module *owner;
};

struct module {
    int device;
    struct ctx *ctx;
    struct function fn;    /* read_stream */
    struct module *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct fc_state st = {
    .soname = "libcuda.so.1", .lib = "cuda", .funcs = FC_CUDA_FUNCS, .nfuncs = FC_CUDA_NFUNCS};
static int initialized;
static unsigned generation = 1;
static struct ctx *all_ctx;
static struct ctx *primary[FC_MAX_DEVICES];
static int primary_refs[FC_MAX_DEVICES];
static struct alloc *device_allocs;
static struct alloc *pinned_allocs;
static unsigned long long allocated_bytes[FC_MAX_DEVICES];
static struct stream *streams;
static struct event *events;
static struct module *modules;

#define STACK_MAX 128
static __thread struct {
    unsigned gen;
    int depth;
    struct ctx *stack[STACK_MAX];
} tls;

static void tls_sync(void) {
    if (tls.gen != generation) {
        tls.gen = generation;
        tls.depth = 0;
    }
}

static struct ctx *tls_top(void) {
    tls_sync();
    return tls.depth > 0 ? tls.stack[tls.depth - 1] : NULL;
}

static struct ctx *current_ctx(void) {
    struct ctx *c = tls_top();
    return c != NULL && c->alive ? c : NULL;
}

static int current_device(void) {
    struct ctx *c = current_ctx();
    return c != NULL ? c->device : -1;
}

static struct ctx *find_ctx(const void *handle) {
    for (struct ctx *c = all_ctx; c != NULL; c = c->next_all) {
        if (c == handle) {
            return c;
        }
    }
    return NULL;
}

static int valid_device(CUdevice d) {
    return d >= 0 && d < st.cfg.ndev;
}

/* The device allocation holding [p, p + n), or NULL. */
static struct alloc *find_range(unsigned long long p, size_t n) {
    for (struct alloc *a = device_allocs; a != NULL; a = a->next) {
        if (p >= a->base && p - a->base <= a->size && n <= a->size - (p - a->base)) {
            return a;
        }
    }
    return NULL;
}

static int device_of_ptr(unsigned long long p) {
    for (struct alloc *a = device_allocs; a != NULL; a = a->next) {
        if (p >= a->base && p - a->base < a->size) {
            return a->device;
        }
    }
    return current_device();
}

static struct stream *find_stream(const void *h) {
    for (struct stream *s = streams; s != NULL; s = s->next) {
        if (s == h) return s;
    }
    return NULL;
}

static struct event *find_event(const void *h) {
    for (struct event *e = events; e != NULL; e = e->next) {
        if (e == h) return e;
    }
    return NULL;
}

static struct module *find_module(const void *h) {
    for (struct module *m = modules; m != NULL; m = m->next) {
        if (m == h) return m;
    }
    return NULL;
}

static struct module *find_function_owner(const void *h) {
    for (struct module *m = modules; m != NULL; m = m->next) {
        if (&m->fn == h) return m;
    }
    return NULL;
}

/* NULL (default), CU_STREAM_LEGACY (1) and CU_STREAM_PER_THREAD (2) are always valid. */
static int stream_ok(const void *h) {
    return (uintptr_t) h <= 2 || find_stream(h) != NULL;
}

static int stream_device(const void *h) {
    struct stream *s = (uintptr_t) h <= 2 ? NULL : find_stream(h);
    return s != NULL ? s->device : current_device();
}

static unsigned long long device_free(int d) {
    const struct fc_device *dev = &st.cfg.dev[d];
    unsigned long long used = st.cfg.context_bytes + allocated_bytes[d];
    return dev->free > used ? dev->free - used : 0;
}

/* Forgets every object (configure): device memory, streams, events and modules are freed; pinned host
 * memory is left allocated (Java may still hold a ByteBuffer over it) but no longer counted. */
static void reset_objects(void) {
    for (struct ctx *c = all_ctx; c != NULL; c = c->next_all) {
        c->alive = 0;
    }
    memset(primary, 0, sizeof primary);
    memset(primary_refs, 0, sizeof primary_refs);
    while (device_allocs != NULL) {
        struct alloc *a = device_allocs;
        device_allocs = a->next;
        free((void *) (uintptr_t) a->base);
        free(a);
    }
    while (pinned_allocs != NULL) {
        struct alloc *a = pinned_allocs;
        pinned_allocs = a->next;
        free(a);
    }
    memset(allocated_bytes, 0, sizeof allocated_bytes);
    while (streams != NULL) { struct stream *s = streams; streams = s->next; free(s); }
    while (events != NULL) { struct event *e = events; events = e->next; free(e); }
    while (modules != NULL) { struct module *m = modules; modules = m->next; free(m); }
    generation++;
    initialized = 0;
}

/* ---- entry/exit ----
 * BEGIN: lock, take the configuration, count the call, check cuInit.
 * GATE(dev, releasing): injected faults (no work) and lost devices (no work unless releasing).
 * END: unlock; a lost device's code replaces success. */
#define BEGIN_ANY(fn)                    \
    CUresult r = CUDA_SUCCESS;           \
    int lost_ = 0;                       \
    const int fn_ = (fn);                \
    pthread_mutex_lock(&mu);             \
    fc_ensure_loaded(&st);               \
    st.calls[fn_]++;
#define BEGIN(fn)                            \
    BEGIN_ANY(fn)                            \
    if (!initialized) {                      \
        r = CUDA_ERROR_NOT_INITIALIZED;      \
        goto done;                           \
    }
#define GATE(dev, releasing)                                   \
    do {                                                       \
        r = fc_fault_check(&st, fn_, (dev), &lost_);           \
        if (r != CUDA_SUCCESS) goto done;                      \
        if (lost_ != 0 && !(releasing)) { r = lost_; goto done; } \
    } while (0)
#define FAIL(code)    \
    do {              \
        r = (code);   \
        goto done;    \
    } while (0)
#define END                                              \
    done:                                                \
    if (r == CUDA_SUCCESS && lost_ != 0) r = lost_;      \
    pthread_mutex_unlock(&mu);                           \
    return r;

#define NEED_CONTEXT()                                          \
    do {                                                        \
        if (current_ctx() == NULL) FAIL(CUDA_ERROR_INVALID_CONTEXT); \
    } while (0)

/* ---- initialisation and devices ---- */

FC_EXPORT CUresult cuInit(unsigned int flags) {
    BEGIN_ANY(F_cuInit);
    GATE(-1, 0);
    if (flags != 0) FAIL(CUDA_ERROR_INVALID_VALUE);
    if (st.load_failed) FAIL(CUDA_ERROR_UNKNOWN);
    if (st.cfg.ndev == 0) FAIL(CUDA_ERROR_NO_DEVICE);
    initialized = 1;
    END
}

FC_EXPORT CUresult cuDriverGetVersion(int *version) {
    BEGIN_ANY(F_cuDriverGetVersion);
    GATE(-1, 0);
    if (version == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    *version = st.cfg.driver_version;
    END
}

FC_EXPORT CUresult cuDeviceGetCount(int *count) {
    BEGIN(F_cuDeviceGetCount);
    GATE(-1, 0);
    if (count == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    *count = st.cfg.ndev;
    END
}

FC_EXPORT CUresult cuDeviceGet(CUdevice *device, int ordinal) {
    BEGIN(F_cuDeviceGet);
    GATE(ordinal, 0);
    if (device == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    if (!valid_device(ordinal)) FAIL(CUDA_ERROR_INVALID_DEVICE);
    *device = ordinal;
    END
}

FC_EXPORT CUresult cuDeviceGetName(char *name, int len, CUdevice dev) {
    BEGIN(F_cuDeviceGetName);
    GATE(dev, 0);
    if (!valid_device(dev)) FAIL(CUDA_ERROR_INVALID_DEVICE);
    if (name == NULL || len <= 0) FAIL(CUDA_ERROR_INVALID_VALUE);
    snprintf(name, (size_t) len, "%s", st.cfg.dev[dev].name);
    END
}

static CUresult get_uuid(int fn, void *uuid, CUdevice dev) {
    BEGIN(fn);
    GATE(dev, 0);
    if (!valid_device(dev)) FAIL(CUDA_ERROR_INVALID_DEVICE);
    if (uuid == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    memcpy(uuid, st.cfg.dev[dev].uuid_bytes, 16);
    END
}

FC_EXPORT CUresult cuDeviceGetUuid(void *uuid, CUdevice dev) {
    return get_uuid(F_cuDeviceGetUuid, uuid, dev);
}

FC_EXPORT CUresult cuDeviceGetUuid_v2(void *uuid, CUdevice dev) {
    return get_uuid(F_cuDeviceGetUuid_v2, uuid, dev);
}

FC_EXPORT CUresult cuDeviceGetPCIBusId(char *pciBusId, int len, CUdevice dev) {
    BEGIN(F_cuDeviceGetPCIBusId);
    GATE(dev, 0);
    if (!valid_device(dev)) FAIL(CUDA_ERROR_INVALID_DEVICE);
    if (pciBusId == NULL || len <= 0) FAIL(CUDA_ERROR_INVALID_VALUE);
    const struct fc_device *d = &st.cfg.dev[dev];
    snprintf(pciBusId, (size_t) len, "%04X:%02X:%02X.%X", d->pci_domain, d->pci_bus, d->pci_dev, d->pci_func);
    END
}

FC_EXPORT CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev) {
    BEGIN(F_cuDeviceTotalMem_v2);
    GATE(dev, 0);
    if (!valid_device(dev)) FAIL(CUDA_ERROR_INVALID_DEVICE);
    if (bytes == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    *bytes = (size_t) st.cfg.dev[dev].total;
    END
}

FC_EXPORT CUresult cuDeviceGetAttribute(int *pi, int attrib, CUdevice dev) {
    BEGIN(F_cuDeviceGetAttribute);
    GATE(dev, 0);
    if (!valid_device(dev)) FAIL(CUDA_ERROR_INVALID_DEVICE);
    if (pi == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    const struct fc_device *d = &st.cfg.dev[dev];
    switch (attrib) {
        case 1: *pi = 1024; break;                       /* MAX_THREADS_PER_BLOCK */
        case 13: *pi = d->sm_clock_khz; break;           /* CLOCK_RATE (kHz) */
        case 16: *pi = d->sms; break;                    /* MULTIPROCESSOR_COUNT */
        case 32: *pi = d->ecc; break;                    /* ECC_ENABLED */
        case 33: *pi = (int) d->pci_bus; break;          /* PCI_BUS_ID */
        case 34: *pi = (int) d->pci_dev; break;          /* PCI_DEVICE_ID */
        case 36: *pi = d->mem_clock_khz; break;          /* MEMORY_CLOCK_RATE (kHz) */
        case 37: *pi = d->bus_width; break;              /* GLOBAL_MEMORY_BUS_WIDTH (bits) */
        case 38: *pi = d->l2; break;                     /* L2_CACHE_SIZE (bytes) */
        case 39: *pi = 2048; break;                      /* MAX_THREADS_PER_MULTIPROCESSOR */
        case 50: *pi = (int) d->pci_domain; break;       /* PCI_DOMAIN_ID */
        case 75: *pi = d->cc_major; break;               /* COMPUTE_CAPABILITY_MAJOR */
        case 76: *pi = d->cc_minor; break;               /* COMPUTE_CAPABILITY_MINOR */
        default: FAIL(CUDA_ERROR_INVALID_VALUE);
    }
    END
}

/* ---- contexts ---- */

FC_EXPORT CUresult cuDevicePrimaryCtxRetain(void **pctx, CUdevice dev) {
    BEGIN(F_cuDevicePrimaryCtxRetain);
    GATE(dev, 0);
    if (!valid_device(dev)) FAIL(CUDA_ERROR_INVALID_DEVICE);
    if (pctx == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    if (primary_refs[dev] == 0) {
        unsigned long long need = st.cfg.context_bytes;
        if (st.cfg.dev[dev].free < need) FAIL(CUDA_ERROR_OUT_OF_MEMORY);
        struct ctx *c = calloc(1, sizeof *c);
        if (c == NULL) FAIL(CUDA_ERROR_OUT_OF_MEMORY);
        c->device = dev;
        c->alive = 1;
        c->next_all = all_ctx;
        all_ctx = c;
        primary[dev] = c;
    }
    primary_refs[dev]++;
    *pctx = primary[dev];
    END
}

FC_EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev) {
    BEGIN(F_cuDevicePrimaryCtxRelease_v2);
    GATE(dev, 1);
    if (!valid_device(dev)) FAIL(CUDA_ERROR_INVALID_DEVICE);
    if (primary_refs[dev] == 0) FAIL(CUDA_ERROR_INVALID_CONTEXT);
    if (--primary_refs[dev] == 0) {
        primary[dev]->alive = 0;
        primary[dev] = NULL;
    }
    END
}

FC_EXPORT CUresult cuDevicePrimaryCtxGetState(CUdevice dev, unsigned int *flags, int *active) {
    BEGIN(F_cuDevicePrimaryCtxGetState);
    GATE(dev, 0);
    if (!valid_device(dev)) FAIL(CUDA_ERROR_INVALID_DEVICE);
    if (flags == NULL || active == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    *flags = 0;
    *active = primary_refs[dev] > 0;
    END
}

FC_EXPORT CUresult cuCtxPushCurrent_v2(void *ctx) {
    BEGIN(F_cuCtxPushCurrent_v2);
    struct ctx *c = find_ctx(ctx);
    GATE(c != NULL ? c->device : -1, 0);
    if (c == NULL || !c->alive) FAIL(CUDA_ERROR_INVALID_CONTEXT);
    tls_sync();
    if (tls.depth == STACK_MAX) FAIL(CUDA_ERROR_OUT_OF_MEMORY);
    tls.stack[tls.depth++] = c;
    END
}

FC_EXPORT CUresult cuCtxPopCurrent_v2(void **pctx) {
    BEGIN(F_cuCtxPopCurrent_v2);
    struct ctx *top = tls_top();
    GATE(top != NULL ? top->device : -1, 1);
    if (top == NULL) FAIL(CUDA_ERROR_INVALID_CONTEXT);
    tls.depth--;
    if (pctx != NULL) {
        *pctx = top;
    }
    END
}

FC_EXPORT CUresult cuCtxSetCurrent(void *ctx) {
    BEGIN(F_cuCtxSetCurrent);
    struct ctx *c = ctx != NULL ? find_ctx(ctx) : NULL;
    struct ctx *top = tls_top();
    GATE(c != NULL ? c->device : (top != NULL ? top->device : -1), ctx == NULL);
    if (ctx == NULL) {
        if (tls.depth > 0) tls.depth--;
    } else {
        if (c == NULL || !c->alive) FAIL(CUDA_ERROR_INVALID_CONTEXT);
        if (tls.depth == 0) {
            tls.stack[tls.depth++] = c;
        } else {
            tls.stack[tls.depth - 1] = c;
        }
    }
    END
}

FC_EXPORT CUresult cuCtxGetCurrent(void **pctx) {
    BEGIN(F_cuCtxGetCurrent);
    struct ctx *top = tls_top();
    GATE(top != NULL ? top->device : -1, 0);
    if (pctx == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    *pctx = top;
    END
}

FC_EXPORT CUresult cuCtxGetDevice(CUdevice *device) {
    BEGIN(F_cuCtxGetDevice);
    GATE(current_device(), 0);
    NEED_CONTEXT();
    if (device == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    *device = current_device();
    END
}

FC_EXPORT CUresult cuCtxSynchronize(void) {
    BEGIN(F_cuCtxSynchronize);
    GATE(current_device(), 0);
    NEED_CONTEXT();
    END
}

/* ---- memory ---- */

FC_EXPORT CUresult cuMemGetInfo_v2(size_t *free_bytes, size_t *total_bytes) {
    BEGIN(F_cuMemGetInfo_v2);
    int d = current_device();
    GATE(d, 0);
    NEED_CONTEXT();
    if (free_bytes == NULL || total_bytes == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    *free_bytes = (size_t) device_free(d);
    *total_bytes = (size_t) st.cfg.dev[d].total;
    END
}

FC_EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize) {
    BEGIN(F_cuMemAlloc_v2);
    int d = current_device();
    GATE(d, 0);
    NEED_CONTEXT();
    if (dptr == NULL || bytesize == 0) FAIL(CUDA_ERROR_INVALID_VALUE);
    if (bytesize > device_free(d)) FAIL(CUDA_ERROR_OUT_OF_MEMORY);
    void *p = NULL;
    struct alloc *a = malloc(sizeof *a);
    if (a == NULL || posix_memalign(&p, 256, bytesize) != 0) {
        free(a);
        FAIL(CUDA_ERROR_OUT_OF_MEMORY);
    }
    a->base = (unsigned long long) (uintptr_t) p;
    a->size = bytesize;
    a->device = d;
    a->next = device_allocs;
    device_allocs = a;
    allocated_bytes[d] += bytesize;
    *dptr = a->base;
    END
}

FC_EXPORT CUresult cuMemFree_v2(CUdeviceptr dptr) {
    BEGIN(F_cuMemFree_v2);
    struct alloc **pp = &device_allocs;
    while (*pp != NULL && (*pp)->base != dptr) {
        pp = &(*pp)->next;
    }
    GATE(*pp != NULL ? (*pp)->device : current_device(), 1);
    NEED_CONTEXT();
    if (*pp == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    struct alloc *a = *pp;
    *pp = a->next;
    allocated_bytes[a->device] -= a->size;
    free((void *) (uintptr_t) a->base);
    free(a);
    END
}

FC_EXPORT CUresult cuMemHostAlloc(void **pp, size_t bytesize, unsigned int flags) {
    BEGIN(F_cuMemHostAlloc);
    int d = current_device();
    GATE(d, 0);
    (void) flags;
    NEED_CONTEXT();
    if (pp == NULL || bytesize == 0) FAIL(CUDA_ERROR_INVALID_VALUE);
    void *p = NULL;
    struct alloc *a = malloc(sizeof *a);
    if (a == NULL || posix_memalign(&p, 4096, bytesize) != 0) {
        free(a);
        FAIL(CUDA_ERROR_OUT_OF_MEMORY);
    }
    a->base = (unsigned long long) (uintptr_t) p;
    a->size = bytesize;
    a->device = d;
    a->next = pinned_allocs;
    pinned_allocs = a;
    *pp = p;
    END
}

FC_EXPORT CUresult cuMemFreeHost(void *p) {
    BEGIN(F_cuMemFreeHost);
    struct alloc **pp = &pinned_allocs;
    while (*pp != NULL && (*pp)->base != (unsigned long long) (uintptr_t) p) {
        pp = &(*pp)->next;
    }
    GATE(*pp != NULL ? (*pp)->device : current_device(), 1);
    NEED_CONTEXT();
    if (*pp == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    struct alloc *a = *pp;
    *pp = a->next;
    free(p);
    free(a);
    END
}

/* kind: 0 HtoD, 1 DtoH, 2 DtoD. Checks and copies; the caller holds the lock. */
static CUresult do_copy(int kind, void *dst, const void *src, size_t n) {
    if (current_ctx() == NULL) return CUDA_ERROR_INVALID_CONTEXT;
    if (n == 0) return CUDA_SUCCESS;
    if (dst == NULL || src == NULL) return CUDA_ERROR_INVALID_VALUE;
    if ((kind == 0 || kind == 2) && find_range((unsigned long long) (uintptr_t) dst, n) == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if ((kind == 1 || kind == 2) && find_range((unsigned long long) (uintptr_t) src, n) == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    memmove(dst, src, n);
    return CUDA_SUCCESS;
}

#define DPTR(x) ((void *) (uintptr_t) (x))

FC_EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t n) {
    BEGIN(F_cuMemcpyHtoD_v2);
    GATE(device_of_ptr(dst), 0);
    r = do_copy(0, DPTR(dst), src, n);
    END
}

FC_EXPORT CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t n) {
    BEGIN(F_cuMemcpyDtoH_v2);
    GATE(device_of_ptr(src), 0);
    r = do_copy(1, dst, DPTR(src), n);
    END
}

FC_EXPORT CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t n) {
    BEGIN(F_cuMemcpyDtoD_v2);
    GATE(device_of_ptr(dst), 0);
    r = do_copy(2, DPTR(dst), DPTR(src), n);
    END
}

FC_EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t n, void *stream) {
    BEGIN(F_cuMemcpyHtoDAsync_v2);
    GATE(device_of_ptr(dst), 0);
    if (!stream_ok(stream)) FAIL(CUDA_ERROR_INVALID_HANDLE);
    r = do_copy(0, DPTR(dst), src, n);
    END
}

FC_EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t n, void *stream) {
    BEGIN(F_cuMemcpyDtoHAsync_v2);
    GATE(device_of_ptr(src), 0);
    if (!stream_ok(stream)) FAIL(CUDA_ERROR_INVALID_HANDLE);
    r = do_copy(1, dst, DPTR(src), n);
    END
}

FC_EXPORT CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t n, void *stream) {
    BEGIN(F_cuMemcpyDtoDAsync_v2);
    GATE(device_of_ptr(dst), 0);
    if (!stream_ok(stream)) FAIL(CUDA_ERROR_INVALID_HANDLE);
    r = do_copy(2, DPTR(dst), DPTR(src), n);
    END
}

/* ---- streams and events ---- */

FC_EXPORT CUresult cuStreamCreate(void **phStream, unsigned int flags) {
    BEGIN(F_cuStreamCreate);
    int d = current_device();
    GATE(d, 0);
    (void) flags;
    NEED_CONTEXT();
    if (phStream == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    struct stream *s = calloc(1, sizeof *s);
    if (s == NULL) FAIL(CUDA_ERROR_OUT_OF_MEMORY);
    s->device = d;
    s->next = streams;
    streams = s;
    *phStream = s;
    END
}

FC_EXPORT CUresult cuStreamDestroy_v2(void *hStream) {
    BEGIN(F_cuStreamDestroy_v2);
    struct stream **pp = &streams;
    while (*pp != NULL && *pp != hStream) {
        pp = &(*pp)->next;
    }
    GATE(*pp != NULL ? (*pp)->device : current_device(), 1);
    NEED_CONTEXT();
    if (*pp == NULL) FAIL(CUDA_ERROR_INVALID_HANDLE);
    struct stream *s = *pp;
    *pp = s->next;
    free(s);
    END
}

FC_EXPORT CUresult cuStreamSynchronize(void *hStream) {
    BEGIN(F_cuStreamSynchronize);
    GATE(stream_device(hStream), 0);
    NEED_CONTEXT();
    if (!stream_ok(hStream)) FAIL(CUDA_ERROR_INVALID_HANDLE);
    END
}

FC_EXPORT CUresult cuEventCreate(void **phEvent, unsigned int flags) {
    BEGIN(F_cuEventCreate);
    int d = current_device();
    GATE(d, 0);
    NEED_CONTEXT();
    if (phEvent == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    struct event *e = calloc(1, sizeof *e);
    if (e == NULL) FAIL(CUDA_ERROR_OUT_OF_MEMORY);
    e->device = d;
    e->flags = flags;
    e->next = events;
    events = e;
    *phEvent = e;
    END
}

FC_EXPORT CUresult cuEventDestroy_v2(void *hEvent) {
    BEGIN(F_cuEventDestroy_v2);
    struct event **pp = &events;
    while (*pp != NULL && *pp != hEvent) {
        pp = &(*pp)->next;
    }
    GATE(*pp != NULL ? (*pp)->device : current_device(), 1);
    NEED_CONTEXT();
    if (*pp == NULL) FAIL(CUDA_ERROR_INVALID_HANDLE);
    struct event *e = *pp;
    *pp = e->next;
    free(e);
    END
}

FC_EXPORT CUresult cuEventRecord(void *hEvent, void *hStream) {
    BEGIN(F_cuEventRecord);
    struct event *e = find_event(hEvent);
    GATE(e != NULL ? e->device : current_device(), 0);
    NEED_CONTEXT();
    if (e == NULL || !stream_ok(hStream)) FAIL(CUDA_ERROR_INVALID_HANDLE);
    clock_gettime(CLOCK_MONOTONIC, &e->when);
    e->recorded = 1;
    END
}

FC_EXPORT CUresult cuEventSynchronize(void *hEvent) {
    BEGIN(F_cuEventSynchronize);
    struct event *e = find_event(hEvent);
    GATE(e != NULL ? e->device : current_device(), 0);
    NEED_CONTEXT();
    if (e == NULL) FAIL(CUDA_ERROR_INVALID_HANDLE);
    END
}

FC_EXPORT CUresult cuEventElapsedTime(float *pMilliseconds, void *hStart, void *hEnd) {
    BEGIN(F_cuEventElapsedTime);
    struct event *a = find_event(hStart), *b = find_event(hEnd);
    GATE(a != NULL ? a->device : current_device(), 0);
    NEED_CONTEXT();
    if (pMilliseconds == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    if (a == NULL || b == NULL || !a->recorded || !b->recorded
        || ((a->flags | b->flags) & CU_EVENT_DISABLE_TIMING) != 0) {
        FAIL(CUDA_ERROR_INVALID_HANDLE);
    }
    double ms = (double) (b->when.tv_sec - a->when.tv_sec) * 1e3 + (double) (b->when.tv_nsec - a->when.tv_nsec) / 1e6;
    *pMilliseconds = (float) ms;
    END
}

/* ---- modules and the kernel ---- */

/* Highest PTX ISA (major * 10 + minor) a driver version can JIT; 999 = no limit known. */
static int max_ptx_isa(int driver_version) {
    int major = driver_version / 1000, minor = (driver_version % 1000) / 10;
    if (major >= 14) return 999;
    if (major == 13) return minor == 0 ? 90 : 999;
    if (major == 12) {
        static const int isa[] = {80, 81, 82, 83, 84, 85, 85, 86, 87, 88};
        return minor <= 9 ? isa[minor] : 999;
    }
    if (major == 11) return 70 + (minor <= 8 ? minor : 8);
    if (major == 10) return minor >= 2 ? 65 : (minor == 1 ? 64 : 63);
    return 60;
}

/* Finds ".directive" followed by blanks; returns what follows, or NULL. */
static const char *ptx_directive(const char *text, const char *directive) {
    size_t n = strlen(directive);
    for (const char *p = strstr(text, directive); p != NULL; p = strstr(p + 1, directive)) {
        if (p[n] == ' ' || p[n] == '\t') {
            p += n;
            while (*p == ' ' || *p == '\t') p++;
            return p;
        }
    }
    return NULL;
}

static int has_entry(const char *text, const char *name) {
    size_t n = strlen(name);
    for (const char *p = ptx_directive(text, ".entry"); p != NULL;) {
        if (strncmp(p, name, n) == 0 && !(isalnum((unsigned char) p[n]) || p[n] == '_' || p[n] == '$')) {
            return 1;
        }
        const char *next = strstr(p, ".entry");
        if (next == NULL) break;
        p = ptx_directive(next, ".entry");
    }
    return 0;
}

static void jit_log(unsigned numOptions, const int *options, void **values, int want_buffer, int want_size,
                    const char *msg) {
    if (options == NULL || values == NULL) return;
    char *buf = NULL;
    size_t cap = 0;
    int size_index = -1;
    for (unsigned i = 0; i < numOptions; i++) {
        if (options[i] == want_buffer) buf = values[i];
        if (options[i] == want_size) {
            cap = (size_t) (uintptr_t) values[i];
            size_index = (int) i;
        }
    }
    if (buf == NULL || cap == 0) return;
    snprintf(buf, cap, "%s", msg);
    size_t used = strlen(buf) + 1;
    values[size_index] = (void *) (uintptr_t) used;
}

static CUresult load_module(void **module, const void *image, unsigned numOptions, int *options, void **values) {
    if (current_ctx() == NULL) return CUDA_ERROR_INVALID_CONTEXT;
    if (module == NULL || image == NULL || (numOptions > 0 && (options == NULL || values == NULL))) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    const char *text = image;
    char msg[256] = "";
    CUresult result = CUDA_SUCCESS;
    const struct fc_device *d = &st.cfg.dev[current_device()];
    const char *version = ptx_directive(text, ".version");
    const char *target = ptx_directive(text, ".target");
    int vmaj = 0, vmin = 0, sm = 0;
    if (!has_entry(text, "read_stream")) {
        snprintf(msg, sizeof msg, "fake libcuda: the image is not PTX with '.entry read_stream'");
        result = CUDA_ERROR_INVALID_IMAGE;
    } else if (version != NULL && sscanf(version, "%d.%d", &vmaj, &vmin) == 2
               && vmaj * 10 + vmin > max_ptx_isa(st.cfg.driver_version)) {
        snprintf(msg, sizeof msg, "ptxas application ptx input: Unsupported .version %d.%d; current version is "
                 "'%d.%d' (fake libcuda, driver %d)", vmaj, vmin, max_ptx_isa(st.cfg.driver_version) / 10,
                 max_ptx_isa(st.cfg.driver_version) % 10, st.cfg.driver_version);
        result = CUDA_ERROR_UNSUPPORTED_PTX_VERSION;
    } else if (target != NULL && sscanf(target, "sm_%d", &sm) == 1 && sm > d->cc_major * 10 + d->cc_minor) {
        snprintf(msg, sizeof msg, "ptxas fatal: SM version specified by .target (sm_%d) is higher than the "
                 "device's (sm_%d%d) (fake libcuda)", sm, d->cc_major, d->cc_minor);
        result = CUDA_ERROR_INVALID_PTX;
    }
    if (result != CUDA_SUCCESS) {
        jit_log(numOptions, options, values, CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, msg);
        return result;
    }
    jit_log(numOptions, options, values, CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, "");
    jit_log(numOptions, options, values, CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
            "fake libcuda: compiled read_stream");
    struct module *m = calloc(1, sizeof *m);
    if (m == NULL) return CUDA_ERROR_OUT_OF_MEMORY;
    m->device = current_device();
    m->ctx = current_ctx();
    m->fn.owner = m;
    m->next = modules;
    modules = m;
    *module = m;
    return CUDA_SUCCESS;
}

static const char *error_name(CUresult code) {
    for (size_t i = 0; i < sizeof ERRORS / sizeof ERRORS[0]; i++) {
        if (ERRORS[i].code == code) return ERRORS[i].name;
    }
    return "CUDA_ERROR_UNKNOWN";
}

FC_EXPORT CUresult cuModuleLoadData(void **module, const void *image) {
    BEGIN(F_cuModuleLoadData);
    GATE(current_device(), 0);
    r = load_module(module, image, 0, NULL, NULL);
    END
}

/* An injected fault here also writes a two-line ptxas-style error log, as a JIT that refuses a module does. */
FC_EXPORT CUresult cuModuleLoadDataEx(void **module, const void *image, unsigned int numOptions, int *options,
                                      void **optionValues) {
    BEGIN(F_cuModuleLoadDataEx);
    r = fc_fault_check(&st, fn_, current_device(), &lost_);
    if (r != CUDA_SUCCESS) {
        char msg[256];
        snprintf(msg, sizeof msg, "ptxas application ptx input, line 1; error   : injected fault (fake libcuda): %s\n"
                 "ptxas fatal   : Ptx assembly aborted due to errors\n", error_name(r));
        jit_log(numOptions, options, optionValues, CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, msg);
        goto done;
    }
    if (lost_ != 0) FAIL(lost_);
    r = load_module(module, image, numOptions, options, optionValues);
    END
}

FC_EXPORT CUresult cuModuleGetFunction(void **hfunc, void *hmod, const char *name) {
    BEGIN(F_cuModuleGetFunction);
    struct module *m = find_module(hmod);
    GATE(m != NULL ? m->device : current_device(), 0);
    NEED_CONTEXT();
    if (m == NULL) FAIL(CUDA_ERROR_INVALID_HANDLE);
    if (hfunc == NULL || name == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    if (strcmp(name, "read_stream") != 0) FAIL(CUDA_ERROR_NOT_FOUND);
    *hfunc = &m->fn;
    END
}

FC_EXPORT CUresult cuModuleUnload(void *hmod) {
    BEGIN(F_cuModuleUnload);
    struct module **pp = &modules;
    while (*pp != NULL && *pp != hmod) {
        pp = &(*pp)->next;
    }
    GATE(*pp != NULL ? (*pp)->device : current_device(), 1);
    NEED_CONTEXT();
    if (*pp == NULL) FAIL(CUDA_ERROR_INVALID_HANDLE);
    struct module *m = *pp;
    *pp = m->next;
    free(m);
    END
}

/*
 * read_stream(const uint4 *in, uint *out, unsigned long long n): T = gridX * blockX threads; thread t
 * XORs (lane-wise) in[t], in[t + T], ... below n, then folds its four lanes into out[t]. Computed with one
 * sequential pass over in (the grid-stride order would thrash the host's caches).
 */
static CUresult run_read_stream(unsigned long long in, unsigned long long out, unsigned long long n,
                                unsigned long long threads) {
    if (n > (~0ULL) / 16 || threads > (~0ULL) / 4) return CUDA_ERROR_ILLEGAL_ADDRESS;
    if (n > 0 && find_range(in, (size_t) (n * 16)) == NULL) return CUDA_ERROR_ILLEGAL_ADDRESS;
    if (find_range(out, (size_t) (threads * 4)) == NULL) return CUDA_ERROR_ILLEGAL_ADDRESS;
    unsigned long long active = n < threads ? n : threads;
    uint64_t *acc = calloc(active > 0 ? active : 1, 2 * sizeof(uint64_t));
    if (acc == NULL) return CUDA_ERROR_OUT_OF_MEMORY;
    const unsigned char *src = DPTR(in);
    unsigned long long t = 0;
    for (unsigned long long i = 0; i < n; i++) {
        uint64_t lo, hi;
        memcpy(&lo, src + i * 16, 8);
        memcpy(&hi, src + i * 16 + 8, 8);
        acc[2 * t] ^= lo;
        acc[2 * t + 1] ^= hi;
        if (++t == active) t = 0;
    }
    uint32_t *dst = DPTR(out);
    for (unsigned long long k = 0; k < threads; k++) {
        uint32_t v = 0;
        if (k < active) {
            uint64_t x = acc[2 * k] ^ acc[2 * k + 1];
            v = (uint32_t) x ^ (uint32_t) (x >> 32);
        }
        dst[k] = v;
    }
    free(acc);
    return CUDA_SUCCESS;
}

FC_EXPORT CUresult cuLaunchKernel(void *f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
                                  unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
                                  unsigned int sharedMemBytes, void *hStream, void **kernelParams, void **extra) {
    BEGIN(F_cuLaunchKernel);
    struct module *m = find_function_owner(f);
    GATE(m != NULL ? m->device : current_device(), 0);
    (void) extra;
    NEED_CONTEXT();
    if (m == NULL || m->ctx != current_ctx() || !stream_ok(hStream)) FAIL(CUDA_ERROR_INVALID_HANDLE);
    if (gridDimX == 0 || gridDimY == 0 || gridDimZ == 0 || blockDimX == 0 || blockDimY == 0 || blockDimZ == 0
        || (unsigned long long) blockDimX * blockDimY * blockDimZ > 1024 || sharedMemBytes > 48 * 1024) {
        FAIL(CUDA_ERROR_INVALID_VALUE);
    }
    if (kernelParams == NULL || kernelParams[0] == NULL || kernelParams[1] == NULL || kernelParams[2] == NULL) {
        FAIL(CUDA_ERROR_INVALID_VALUE);
    }
    unsigned long long in, out, n;
    memcpy(&in, kernelParams[0], sizeof in);
    memcpy(&out, kernelParams[1], sizeof out);
    memcpy(&n, kernelParams[2], sizeof n);
    r = run_read_stream(in, out, n, (unsigned long long) gridDimX * blockDimX);
    if (st.cfg.kernel_delay_ms > 0) {
        struct timespec ts = {st.cfg.kernel_delay_ms / 1000, (long) (st.cfg.kernel_delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    END
}

/* ---- error names ---- */

FC_EXPORT CUresult cuGetErrorName(CUresult error, const char **pStr) {
    BEGIN_ANY(F_cuGetErrorName);
    GATE(-1, 1);
    lost_ = 0;
    if (pStr == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    *pStr = NULL;
    r = CUDA_ERROR_INVALID_VALUE;
    for (size_t i = 0; i < sizeof ERRORS / sizeof ERRORS[0]; i++) {
        if (ERRORS[i].code == error) {
            *pStr = ERRORS[i].name;
            r = CUDA_SUCCESS;
        }
    }
    END
}

FC_EXPORT CUresult cuGetErrorString(CUresult error, const char **pStr) {
    BEGIN_ANY(F_cuGetErrorString);
    GATE(-1, 1);
    lost_ = 0;
    if (pStr == NULL) FAIL(CUDA_ERROR_INVALID_VALUE);
    *pStr = NULL;
    r = CUDA_ERROR_INVALID_VALUE;
    for (size_t i = 0; i < sizeof ERRORS / sizeof ERRORS[0]; i++) {
        if (ERRORS[i].code == error) {
            *pStr = ERRORS[i].text;
            r = CUDA_SUCCESS;
        }
    }
    END
}

/* ---- control, for tests (through JNA) ---- */

FC_EXPORT int fake_configure(const char *text) {
    pthread_mutex_lock(&mu);
    reset_objects();
    int rc = fc_configure(&st, text);
    pthread_mutex_unlock(&mu);
    return rc;
}

FC_EXPORT const char *fake_last_error(void) {
    return st.last_error;
}

FC_EXPORT int fake_inject(const char *lib, const char *function, int nth, int code, int device, int sticky) {
    pthread_mutex_lock(&mu);
    fc_ensure_loaded(&st);
    int rc = fc_inject(&st, lib, function, nth, code, device, sticky);
    pthread_mutex_unlock(&mu);
    return rc;
}

FC_EXPORT long long fake_calls(const char *lib, const char *function) {
    pthread_mutex_lock(&mu);
    fc_ensure_loaded(&st);
    long long n = fc_calls(&st, lib, function);
    pthread_mutex_unlock(&mu);
    return n;
}

FC_EXPORT int fake_cuda_live_contexts(void) {
    pthread_mutex_lock(&mu);
    int n = 0;
    for (int d = 0; d < FC_MAX_DEVICES; d++) {
        n += primary_refs[d] > 0;
    }
    pthread_mutex_unlock(&mu);
    return n;
}

/* Retains not yet released, summed over devices (1 per retain). */
FC_EXPORT int fake_cuda_live_context_refs(void) {
    pthread_mutex_lock(&mu);
    int n = 0;
    for (int d = 0; d < FC_MAX_DEVICES; d++) {
        n += primary_refs[d];
    }
    pthread_mutex_unlock(&mu);
    return n;
}

/* Depth of the calling thread's context stack (pushes not popped). */
FC_EXPORT int fake_cuda_context_stack_depth(void) {
    pthread_mutex_lock(&mu);
    tls_sync();
    int n = tls.depth;
    pthread_mutex_unlock(&mu);
    return n;
}

FC_EXPORT long long fake_cuda_live_allocations(void) {
    pthread_mutex_lock(&mu);
    long long n = 0;
    for (struct alloc *a = device_allocs; a != NULL; a = a->next) n++;
    pthread_mutex_unlock(&mu);
    return n;
}

FC_EXPORT long long fake_cuda_live_allocated_bytes(void) {
    pthread_mutex_lock(&mu);
    long long n = 0;
    for (struct alloc *a = device_allocs; a != NULL; a = a->next) n += (long long) a->size;
    pthread_mutex_unlock(&mu);
    return n;
}

FC_EXPORT long long fake_cuda_live_pinned(void) {
    pthread_mutex_lock(&mu);
    long long n = 0;
    for (struct alloc *a = pinned_allocs; a != NULL; a = a->next) n++;
    pthread_mutex_unlock(&mu);
    return n;
}

FC_EXPORT int fake_cuda_live_streams(void) {
    pthread_mutex_lock(&mu);
    int n = 0;
    for (struct stream *s = streams; s != NULL; s = s->next) n++;
    pthread_mutex_unlock(&mu);
    return n;
}

FC_EXPORT int fake_cuda_live_events(void) {
    pthread_mutex_lock(&mu);
    int n = 0;
    for (struct event *e = events; e != NULL; e = e->next) n++;
    pthread_mutex_unlock(&mu);
    return n;
}

FC_EXPORT int fake_cuda_live_modules(void) {
    pthread_mutex_lock(&mu);
    int n = 0;
    for (struct module *m = modules; m != NULL; m = m->next) n++;
    pthread_mutex_unlock(&mu);
    return n;
}

/* When MEMWALL_FAKE_GPU_COUNTERS names a file, the live-object counters are written there as key=value lines
 * when the process exits, so a test that ran memwall as a child process can check nothing was left behind. */
__attribute__((destructor)) static void write_counters_at_exit(void) {
    const char *path = getenv("MEMWALL_FAKE_GPU_COUNTERS");
    if (path == NULL || *path == '\0') {
        return;
    }
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return;
    }
    fprintf(f, "contexts=%d\ncontext_refs=%d\nallocations=%lld\npinned=%lld\nstreams=%d\nevents=%d\nmodules=%d\n",
            fake_cuda_live_contexts(), fake_cuda_live_context_refs(), fake_cuda_live_allocations(),
            fake_cuda_live_pinned(), fake_cuda_live_streams(), fake_cuda_live_events(), fake_cuda_live_modules());
    fclose(f);
}
