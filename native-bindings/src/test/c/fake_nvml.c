/*
 * memwall's fake NVML: a small libnvidia-ml.so.1 for machines without a GPU, called through JNA.
 * Configuration and faults: fake_common.h (the same text as the fake libcuda; each library keeps its own
 * copy, so configure both). Memory figures are the configured ones: CUDA work in the fake libcuda does not
 * change what this library reports.
 *
 * Build: gcc -shared -fPIC -O2 -Wall -Wl,-soname,libnvidia-ml.so.1 -o libnvidia-ml.so.1 fake_nvml.c -lpthread
 *
 * Everything but nvmlErrorString returns NVML_ERROR_UNINITIALIZED until nvmlInit (and again after
 * fake_nvml_configure); nvmlInit/nvmlShutdown are reference counted like the real library's.
 */
#include "fake_common.h"

typedef int nvmlReturn_t;

enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_NOT_FOUND = 6,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_FUNCTION_NOT_FOUND = 13,
    NVML_ERROR_GPU_IS_LOST = 15,
    NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25,
    NVML_ERROR_UNKNOWN = 999,
};

enum { FC_NVML_FUNC_LIST(FC_ENUM) F_COUNT };
_Static_assert(F_COUNT <= FC_MAX_FUNCS, "too many functions");

typedef struct {
    char busIdLegacy[16];
    unsigned int domain;
    unsigned int bus;
    unsigned int device;
    unsigned int pciDeviceId;
    unsigned int pciSubSystemId;
    char busId[32];
} nvmlPciInfo_t;

typedef struct {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_t;

typedef struct {
    unsigned int version;
    unsigned long long total;
    unsigned long long reserved;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_v2_t;

#define NVML_MEMORY_V2 ((unsigned int) (sizeof(nvmlMemory_v2_t) | (2 << 24)))

/* nvml.h: nvmlProcessInfo_v2_t (also nvmlProcessInfo_t, taken by the _v2 and _v3 process queries) and the
 * legacy nvmlProcessInfo_v1_t of the unversioned names. */
typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId;
    unsigned int computeInstanceId;
} nvmlProcessInfo_v3_t;

typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
} nvmlProcessInfo_v1_t;

_Static_assert(sizeof(nvmlPciInfo_t) == 68, "nvmlPciInfo_t layout");
_Static_assert(sizeof(nvmlMemory_v2_t) == 40, "nvmlMemory_v2_t layout");
_Static_assert(sizeof(nvmlProcessInfo_v3_t) == 24, "nvmlProcessInfo_v3_t layout");
_Static_assert(sizeof(nvmlProcessInfo_v1_t) == 16, "nvmlProcessInfo_v1_t layout");

/* A device handle points at one of these; they never move, so stale handles stay recognisable. */
struct handle {
    int index;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct fc_state st = {
    .soname = "libnvidia-ml.so.1", .lib = "nvml", .funcs = FC_NVML_FUNCS, .nfuncs = FC_NVML_NFUNCS};
static struct handle handles[FC_MAX_DEVICES] = {
    {0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {10}, {11}, {12}, {13}, {14}, {15},
};
static int inits;
/* Process queries per device since the configuration: process_growth adds processes per query. */
static int process_queries[FC_MAX_DEVICES];

static const struct { int code; const char *text; } ERRORS[] = {
    {0, "Success"},
    {1, "Uninitialized"},
    {2, "Invalid Argument"},
    {3, "Not Supported"},
    {4, "Insufficient Permissions"},
    {5, "Already Initialized"},
    {6, "Not Found"},
    {7, "Insufficient Size"},
    {8, "Insufficient External Power"},
    {9, "Driver Not Loaded"},
    {10, "Timeout"},
    {11, "Interrupted request or IRQ Issue"},
    {12, "NVML Shared Library Not Found"},
    {13, "Function Not Found"},
    {14, "Corrupted infoROM"},
    {15, "GPU is lost"},
    {16, "GPU requires restart"},
    {17, "Operating System Call Failed"},
    {18, "Reset Required"},
    {19, "Operation In Use"},
    {20, "Memory Error"},
    {21, "No Data"},
    {22, "vGPU ECC Not Enabled"},
    {23, "Insufficient Resources"},
    {24, "Frequency Not Supported"},
    {25, "Argument Version Mismatch"},
    {26, "Deprecated"},
    {27, "Not Ready"},
    {28, "GPU Not Found"},
    {29, "Invalid State"},
    {999, "Unknown Error"},
};

/* Device index of a handle, or -1. */
static int handle_index(const void *h) {
    for (int i = 0; i < st.cfg.ndev; i++) {
        if (h == &handles[i]) {
            return i;
        }
    }
    return -1;
}

#define BEGIN_ANY(fn)              \
    nvmlReturn_t r = NVML_SUCCESS; \
    int lost_ = 0;                 \
    const int fn_ = (fn);          \
    pthread_mutex_lock(&mu);       \
    fc_ensure_loaded(&st);         \
    st.calls[fn_]++;
#define BEGIN(fn)                       \
    BEGIN_ANY(fn)                       \
    if (inits == 0) {                   \
        r = NVML_ERROR_UNINITIALIZED;   \
        goto done;                      \
    }
#define GATE(dev)                                      \
    do {                                               \
        r = fc_fault_check(&st, fn_, (dev), &lost_);   \
        if (r != NVML_SUCCESS) goto done;              \
        if (lost_ != 0) { r = lost_; goto done; }      \
    } while (0)
#define FAIL(code)  \
    do {            \
        r = (code); \
        goto done;  \
    } while (0)
#define END                    \
    done:                      \
    pthread_mutex_unlock(&mu); \
    return r;

/* For device functions: resolves the handle, applies faults, rejects bad handles. */
#define DEVICE_BEGIN(fn, h)                                  \
    BEGIN(fn);                                               \
    int di = handle_index(h);                                \
    GATE(di);                                                \
    if (di < 0) FAIL(NVML_ERROR_INVALID_ARGUMENT);           \
    const struct fc_device *d = &st.cfg.dev[di];             \
    (void) d;

static nvmlReturn_t copy_string(char *dst, unsigned int len, const char *src) {
    if (dst == NULL) return NVML_ERROR_INVALID_ARGUMENT;
    if (strlen(src) + 1 > len) return NVML_ERROR_INSUFFICIENT_SIZE;
    memcpy(dst, src, strlen(src) + 1);
    return NVML_SUCCESS;
}

/* ---- initialisation ---- */

static nvmlReturn_t init(int fn, unsigned int flags) {
    BEGIN_ANY(fn);
    GATE(-1);
    (void) flags;
    if (st.load_failed) FAIL(NVML_ERROR_UNKNOWN);
    inits++;
    END
}

FC_EXPORT nvmlReturn_t nvmlInit(void) {
    return init(F_nvmlInit, 0);
}

FC_EXPORT nvmlReturn_t nvmlInit_v2(void) {
    return init(F_nvmlInit_v2, 0);
}

FC_EXPORT nvmlReturn_t nvmlInitWithFlags(unsigned int flags) {
    return init(F_nvmlInitWithFlags, flags);
}

FC_EXPORT nvmlReturn_t nvmlShutdown(void) {
    BEGIN(F_nvmlShutdown);
    GATE(-1);
    inits--;
    END
}

FC_EXPORT const char *nvmlErrorString(nvmlReturn_t result) {
    pthread_mutex_lock(&mu);
    fc_ensure_loaded(&st);
    st.calls[F_nvmlErrorString]++;
    pthread_mutex_unlock(&mu);
    for (size_t i = 0; i < sizeof ERRORS / sizeof ERRORS[0]; i++) {
        if (ERRORS[i].code == result) {
            return ERRORS[i].text;
        }
    }
    return "Unknown Error";
}

/* ---- system ---- */

FC_EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    BEGIN(F_nvmlSystemGetDriverVersion);
    GATE(-1);
    r = copy_string(version, length, st.cfg.nvml_driver_version);
    END
}

static nvmlReturn_t cuda_version(int fn, int *version) {
    BEGIN(fn);
    GATE(-1);
    if (version == NULL) FAIL(NVML_ERROR_INVALID_ARGUMENT);
    *version = st.cfg.driver_version;
    END
}

FC_EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *version) {
    return cuda_version(F_nvmlSystemGetCudaDriverVersion, version);
}

FC_EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *version) {
    return cuda_version(F_nvmlSystemGetCudaDriverVersion_v2, version);
}

/* ---- devices ---- */

static nvmlReturn_t count(int fn, unsigned int *n) {
    BEGIN(fn);
    GATE(-1);
    if (n == NULL) FAIL(NVML_ERROR_INVALID_ARGUMENT);
    *n = (unsigned int) st.cfg.ndev;
    END
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetCount(unsigned int *n) {
    return count(F_nvmlDeviceGetCount, n);
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *n) {
    return count(F_nvmlDeviceGetCount_v2, n);
}

static nvmlReturn_t by_index(int fn, unsigned int index, void **device) {
    BEGIN(fn);
    GATE(index < FC_MAX_DEVICES ? (int) index : -1);
    if (device == NULL || index >= (unsigned int) st.cfg.ndev) FAIL(NVML_ERROR_INVALID_ARGUMENT);
    *device = &handles[index];
    END
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int index, void **device) {
    return by_index(F_nvmlDeviceGetHandleByIndex, index, device);
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, void **device) {
    return by_index(F_nvmlDeviceGetHandleByIndex_v2, index, device);
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetHandleByUUID(const char *uuid, void **device) {
    BEGIN(F_nvmlDeviceGetHandleByUUID);
    int found = -1;
    for (int i = 0; uuid != NULL && i < st.cfg.ndev; i++) {
        if (strcasecmp(uuid, st.cfg.dev[i].uuid) == 0) found = i;
    }
    GATE(found);
    if (uuid == NULL || device == NULL) FAIL(NVML_ERROR_INVALID_ARGUMENT);
    if (found < 0) FAIL(NVML_ERROR_NOT_FOUND);
    *device = &handles[found];
    END
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetHandleByPciBusId_v2(const char *pciBusId, void **device) {
    BEGIN(F_nvmlDeviceGetHandleByPciBusId_v2);
    unsigned dom, bus, dv, fn;
    int parsed = pciBusId != NULL && fc_parse_pci(pciBusId, &dom, &bus, &dv, &fn) == 0;
    int found = -1;
    for (int i = 0; parsed && i < st.cfg.ndev; i++) {
        const struct fc_device *d = &st.cfg.dev[i];
        if (d->pci_domain == dom && d->pci_bus == bus && d->pci_dev == dv && d->pci_func == fn) found = i;
    }
    GATE(found);
    if (!parsed || device == NULL) FAIL(NVML_ERROR_INVALID_ARGUMENT);
    if (found < 0) FAIL(NVML_ERROR_NOT_FOUND);
    *device = &handles[found];
    END
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetIndex(void *device, unsigned int *index) {
    DEVICE_BEGIN(F_nvmlDeviceGetIndex, device);
    if (index == NULL) FAIL(NVML_ERROR_INVALID_ARGUMENT);
    *index = (unsigned int) di;
    END
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetName(void *device, char *name, unsigned int length) {
    DEVICE_BEGIN(F_nvmlDeviceGetName, device);
    r = copy_string(name, length, d->name);
    END
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetUUID(void *device, char *uuid, unsigned int length) {
    DEVICE_BEGIN(F_nvmlDeviceGetUUID, device);
    r = copy_string(uuid, length, d->uuid);
    END
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v3(void *device, nvmlPciInfo_t *pci) {
    DEVICE_BEGIN(F_nvmlDeviceGetPciInfo_v3, device);
    if (pci == NULL) FAIL(NVML_ERROR_INVALID_ARGUMENT);
    memset(pci, 0, sizeof *pci);
    snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "%04X:%02X:%02X.%X", d->pci_domain & 0xffff, d->pci_bus,
             d->pci_dev, d->pci_func);
    snprintf(pci->busId, sizeof pci->busId, "%08X:%02X:%02X.%X", d->pci_domain, d->pci_bus, d->pci_dev,
             d->pci_func);
    pci->domain = d->pci_domain;
    pci->bus = d->pci_bus;
    pci->device = d->pci_dev;
    pci->pciDeviceId = d->pci_device_id;
    pci->pciSubSystemId = d->pci_subsystem_id;
    END
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(void *device, nvmlMemory_t *memory) {
    DEVICE_BEGIN(F_nvmlDeviceGetMemoryInfo, device);
    if (memory == NULL) FAIL(NVML_ERROR_INVALID_ARGUMENT);
    memory->total = d->total;
    memory->free = d->free;
    memory->used = d->total - d->free;
    END
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(void *device, nvmlMemory_v2_t *memory) {
    DEVICE_BEGIN(F_nvmlDeviceGetMemoryInfo_v2, device);
    if (!d->nvml_v2) FAIL(NVML_ERROR_FUNCTION_NOT_FOUND);
    if (memory == NULL) FAIL(NVML_ERROR_INVALID_ARGUMENT);
    if (memory->version != NVML_MEMORY_V2) FAIL(NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
    memory->total = d->total;
    memory->reserved = d->reserved;
    memory->free = d->free;
    /* Unsigned arithmetic, as a driver's would be: a drift below -used wraps to a huge used. */
    memory->used = d->total - d->reserved - d->free + (unsigned long long) d->nvml_drift
                   + (d->broken_identity ? (1ULL << 20) : 0);
    END
}

/* Entry i of a device's process list of one kind (see fake_common.h for the order), i < process_count. */
static struct fc_process process_at(const struct fc_device *d, int graphics, unsigned int i) {
    struct fc_process p = {0, st.cfg.context_bytes, graphics};
    if (!graphics) {
        if (i < (unsigned int) d->processes) {
            p.pid = 10000 + i;
            return p;
        }
        i -= (unsigned int) d->processes;
    }
    for (int k = 0; k < d->nprocess_list; k++) {
        if (d->process_list[k].graphics == graphics && i-- == 0) {
            return d->process_list[k];
        }
    }
    p.pid = 20000 + i;
    return p;
}

static unsigned int process_count(const struct fc_device *d, int di, int graphics) {
    unsigned int n = 0;
    for (int k = 0; k < d->nprocess_list; k++) {
        n += d->process_list[k].graphics == graphics;
    }
    if (!graphics) {
        n += (unsigned int) d->processes + (unsigned int) (d->process_growth * process_queries[di]);
    }
    return n;
}

/* nvmlDevice{Compute,Graphics}RunningProcesses{,_v2,_v3}: version 1 fills nvmlProcessInfo_v1_t, else _v2/_v3's. */
static nvmlReturn_t running_processes(int fn, int graphics, int version, void *device, unsigned int *infoCount,
                                      void *infos) {
    DEVICE_BEGIN(fn, device);
    if (version > d->nvml_processes_version) FAIL(NVML_ERROR_FUNCTION_NOT_FOUND);
    if (infoCount == NULL) FAIL(NVML_ERROR_INVALID_ARGUMENT);
    unsigned int want = process_count(d, di, graphics);
    process_queries[di]++;
    if (want > 0 && (infos == NULL || *infoCount < want)) {
        *infoCount = want;
        FAIL(NVML_ERROR_INSUFFICIENT_SIZE);
    }
    for (unsigned int i = 0; i < want; i++) {
        struct fc_process p = process_at(d, graphics, i);
        if (version == 1) {
            nvmlProcessInfo_v1_t *e = (nvmlProcessInfo_v1_t *) infos + i;
            memset(e, 0, sizeof *e);
            e->pid = p.pid;
            e->usedGpuMemory = p.used;
        } else {
            nvmlProcessInfo_v3_t *e = (nvmlProcessInfo_v3_t *) infos + i;
            memset(e, 0, sizeof *e);
            e->pid = p.pid;
            e->usedGpuMemory = p.used;
            e->gpuInstanceId = 0xFFFFFFFFu;
            e->computeInstanceId = 0xFFFFFFFFu;
        }
    }
    *infoCount = want;
    END
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(void *device, unsigned int *infoCount,
                                                               nvmlProcessInfo_v3_t *infos) {
    return running_processes(F_nvmlDeviceGetComputeRunningProcesses_v3, 0, 3, device, infoCount, infos);
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(void *device, unsigned int *infoCount,
                                                               nvmlProcessInfo_v3_t *infos) {
    return running_processes(F_nvmlDeviceGetComputeRunningProcesses_v2, 0, 2, device, infoCount, infos);
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(void *device, unsigned int *infoCount,
                                                            nvmlProcessInfo_v1_t *infos) {
    return running_processes(F_nvmlDeviceGetComputeRunningProcesses, 0, 1, device, infoCount, infos);
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(void *device, unsigned int *infoCount,
                                                                nvmlProcessInfo_v3_t *infos) {
    return running_processes(F_nvmlDeviceGetGraphicsRunningProcesses_v3, 1, 3, device, infoCount, infos);
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v2(void *device, unsigned int *infoCount,
                                                                nvmlProcessInfo_v3_t *infos) {
    return running_processes(F_nvmlDeviceGetGraphicsRunningProcesses_v2, 1, 2, device, infoCount, infos);
}

FC_EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses(void *device, unsigned int *infoCount,
                                                             nvmlProcessInfo_v1_t *infos) {
    return running_processes(F_nvmlDeviceGetGraphicsRunningProcesses, 1, 1, device, infoCount, infos);
}

/* ---- control, for tests (through JNA) ---- */

FC_EXPORT int fake_nvml_configure(const char *text) {
    pthread_mutex_lock(&mu);
    inits = 0;
    memset(process_queries, 0, sizeof process_queries);
    int rc = fc_configure(&st, text);
    pthread_mutex_unlock(&mu);
    return rc;
}

FC_EXPORT const char *fake_nvml_last_error(void) {
    return st.last_error;
}

FC_EXPORT int fake_nvml_inject(const char *function, int nth, int code, int device, int sticky) {
    pthread_mutex_lock(&mu);
    fc_ensure_loaded(&st);
    int rc = fc_inject(&st, "nvml", function, nth, code, device, sticky);
    pthread_mutex_unlock(&mu);
    return rc;
}

FC_EXPORT long long fake_nvml_calls(const char *function) {
    pthread_mutex_lock(&mu);
    fc_ensure_loaded(&st);
    long long n = fc_calls(&st, "nvml", function);
    pthread_mutex_unlock(&mu);
    return n;
}

FC_EXPORT int fake_nvml_live_inits(void) {
    pthread_mutex_lock(&mu);
    int n = inits;
    pthread_mutex_unlock(&mu);
    return n;
}
