/*
 * Shared part of memwall's fake GPU drivers (fake_cuda.c -> libcuda.so.1, fake_nvml.c -> libnvidia-ml.so.1):
 * the configuration format, its parser, and the fault engine. Included (with everything static) by both
 * libraries, so each library has its own copy of the state: configure both (FakeDriver.configure does).
 *
 * Configuration text, one item per line, '#' starts a comment (outside double quotes):
 *
 *   context_bytes=314572800          device memory one CUDA context costs (default 300 MiB)
 *   driver_version=12060             cuDriverGetVersion (default 12060)
 *   nvml_driver_version=580.65.06    nvmlSystemGetDriverVersion (default 580.65.06)
 *   device name="NVIDIA H100 PCIe" uuid=GPU-8e3b1c52-0000-4000-8000-000000000001 pci=0000:3b:00.0
 *          total=80GiB free=79GiB reserved=512MiB cc=9.0 sms=114 sm_clock_khz=1755000
 *          mem_clock_khz=1593000 bus_width=5120 l2=50MiB ecc=1 processes=0 nvml_v2=1 broken_identity=0
 *          nvml_memory_drift_bytes=0 pci_device_id=0x233110DE pci_subsystem_id=0x16C110DE
 *          process_list=12345:1GiB:compute,12346:hidden:graphics process_growth=0
 *          nvml_processes_version=3                                                           (all on one line)
 *   fault cuda cuMemAlloc_v2 1 2 [device=N] [sticky]
 *   fault nvml nvmlDeviceGetMemoryInfo_v2 2 15 device=1 sticky
 *
 * Sizes accept a binary suffix (K, KiB, M, MiB, G, GiB, T, TiB; fractions allowed: 1.5GiB); other numbers
 * are decimal or 0x-hex. Every device key is optional (defaults below); free + reserved must not exceed total.
 * nvml_memory_drift_bytes=N (N may be negative, sizes allowed) adds N to the used memory that
 * nvmlDeviceGetMemoryInfo_v2 reports, so that total != reserved + used + free by -N, as some drivers are
 * reported to do; broken_identity=1 adds another 1 MiB the same way.
 *
 * Processes NVML lists for a device, in this order: processes=N compute processes (pids 10000 + i, each
 * using context_bytes); process_list=PID:BYTES:KIND,... (KIND compute or graphics, BYTES a size or "hidden"
 * for NVML_VALUE_NOT_AVAILABLE; at most FC_MAX_PROCS entries, a pid may repeat); and process_growth=N more
 * compute processes (pids 20000 + i, context_bytes each) after every process query on the device, as if
 * processes started between the count and the list. nvml_processes_version=3|2|1 is the newest
 * nvmlDevice*RunningProcesses version the driver has: newer ones return NVML_ERROR_FUNCTION_NOT_FOUND.
 */
#ifndef MEMWALL_FAKE_COMMON_H
#define MEMWALL_FAKE_COMMON_H

#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define FC_EXPORT __attribute__((visibility("default")))
#define FC_MAX_DEVICES 16
#define FC_MAX_FAULTS 64
#define FC_ENV "MEMWALL_FAKE_GPU_CONFIG"

/* Every exported driver function of each fake, by name (X-macro: the position is the function's id). */
#define FC_CUDA_FUNC_LIST(X) \
    X(cuInit) X(cuDriverGetVersion) X(cuDeviceGetCount) X(cuDeviceGet) X(cuDeviceGetName) \
    X(cuDeviceGetUuid) X(cuDeviceGetUuid_v2) X(cuDeviceGetPCIBusId) X(cuDeviceTotalMem_v2) \
    X(cuDeviceGetAttribute) X(cuDevicePrimaryCtxRetain) X(cuDevicePrimaryCtxRelease_v2) \
    X(cuDevicePrimaryCtxGetState) X(cuCtxPushCurrent_v2) X(cuCtxPopCurrent_v2) X(cuCtxSetCurrent) \
    X(cuCtxGetCurrent) X(cuCtxGetDevice) X(cuCtxSynchronize) X(cuMemGetInfo_v2) X(cuMemAlloc_v2) \
    X(cuMemFree_v2) X(cuMemHostAlloc) X(cuMemFreeHost) X(cuMemcpyHtoD_v2) X(cuMemcpyDtoH_v2) \
    X(cuMemcpyDtoD_v2) X(cuMemcpyHtoDAsync_v2) X(cuMemcpyDtoHAsync_v2) X(cuMemcpyDtoDAsync_v2) \
    X(cuStreamCreate) X(cuStreamDestroy_v2) X(cuStreamSynchronize) X(cuEventCreate) X(cuEventDestroy_v2) \
    X(cuEventRecord) X(cuEventSynchronize) X(cuEventElapsedTime) X(cuModuleLoadData) X(cuModuleLoadDataEx) \
    X(cuModuleGetFunction) X(cuModuleUnload) X(cuLaunchKernel) X(cuGetErrorName) X(cuGetErrorString)

#define FC_NVML_FUNC_LIST(X) \
    X(nvmlInit) X(nvmlInit_v2) X(nvmlInitWithFlags) X(nvmlShutdown) X(nvmlErrorString) \
    X(nvmlSystemGetDriverVersion) X(nvmlSystemGetCudaDriverVersion) X(nvmlSystemGetCudaDriverVersion_v2) \
    X(nvmlDeviceGetCount) X(nvmlDeviceGetCount_v2) X(nvmlDeviceGetHandleByIndex) \
    X(nvmlDeviceGetHandleByIndex_v2) X(nvmlDeviceGetHandleByUUID) X(nvmlDeviceGetHandleByPciBusId_v2) \
    X(nvmlDeviceGetIndex) X(nvmlDeviceGetName) X(nvmlDeviceGetUUID) X(nvmlDeviceGetPciInfo_v3) \
    X(nvmlDeviceGetMemoryInfo) X(nvmlDeviceGetMemoryInfo_v2) X(nvmlDeviceGetComputeRunningProcesses_v3) \
    X(nvmlDeviceGetComputeRunningProcesses_v2) X(nvmlDeviceGetComputeRunningProcesses) \
    X(nvmlDeviceGetGraphicsRunningProcesses_v3) X(nvmlDeviceGetGraphicsRunningProcesses_v2) \
    X(nvmlDeviceGetGraphicsRunningProcesses)

#define FC_STR(name) #name,
#define FC_ENUM(name) F_##name,

static const char *const FC_CUDA_FUNCS[] = {FC_CUDA_FUNC_LIST(FC_STR)};
#define FC_CUDA_NFUNCS ((int) (sizeof FC_CUDA_FUNCS / sizeof FC_CUDA_FUNCS[0]))
static const char *const FC_NVML_FUNCS[] = {FC_NVML_FUNC_LIST(FC_STR)};
#define FC_NVML_NFUNCS ((int) (sizeof FC_NVML_FUNCS / sizeof FC_NVML_FUNCS[0]))

#define FC_MAX_FUNCS 64
#define FC_MAX_PROCS 32
#define FC_VALUE_NOT_AVAILABLE 0xFFFFFFFFFFFFFFFFULL

/* One process_list entry. */
struct fc_process {
    unsigned int pid;
    unsigned long long used;       /* FC_VALUE_NOT_AVAILABLE: hidden */
    int graphics;                  /* 0 compute, 1 graphics */
};

struct fc_device {
    char name[256];
    char uuid[96];                 /* "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" */
    unsigned char uuid_bytes[16];
    unsigned pci_domain, pci_bus, pci_dev, pci_func;
    unsigned long long total, free, reserved;
    int cc_major, cc_minor;
    int sms, sm_clock_khz, mem_clock_khz, bus_width, l2, ecc, processes, nvml_v2, broken_identity;
    long long nvml_drift;          /* added to NVML v2's used: the parts no longer add up to the total */
    unsigned pci_device_id, pci_subsystem_id;
    struct fc_process process_list[FC_MAX_PROCS];
    int nprocess_list;
    int process_growth;            /* compute processes added after each process query */
    int nvml_processes_version;    /* newest nvmlDevice*RunningProcesses version present: 1, 2 or 3 */
};

struct fc_fault {
    int fn;        /* function id in this library's table */
    long long nth; /* fires on this matching call, counted from when the fault was set */
    long long seen;
    int code;
    int device;    /* -1: any */
    int sticky;
    int active;
};

struct fc_config {
    unsigned long long context_bytes;
    int kernel_delay_ms;           /* each kernel launch sleeps this long: a slow benchmark for shutdown tests */
    int driver_version;
    char nvml_driver_version[80];
    int ndev;
    struct fc_device dev[FC_MAX_DEVICES];
};

/* Per-library state: configuration, faults, lost devices, call counts, last error. */
struct fc_state {
    const char *lib;               /* "cuda" or "nvml" */
    const char *soname;            /* for messages */
    const char *const *funcs;
    int nfuncs;
    int loaded;                    /* configuration taken (from fake_configure or the environment) */
    int load_failed;               /* the environment's file could not be read or parsed */
    struct fc_config cfg;
    struct fc_fault faults[FC_MAX_FAULTS];
    int nfaults;
    int lost[FC_MAX_DEVICES];      /* sticky code per device, 0 = fine */
    int lost_all;                  /* sticky code for a fault that concerned no device */
    long long calls[FC_MAX_FUNCS];
    char last_error[512];
};

static void fc_set_error(struct fc_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fc_set_error(struct fc_state *st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->last_error, sizeof st->last_error, fmt, ap);
    va_end(ap);
}

static int fc_func_id(const char *const *funcs, int n, const char *name) {
    if (name == NULL) {
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (strcmp(funcs[i], name) == 0) {
            return i;
        }
    }
    return -1;
}

static void fc_default_config(struct fc_config *c) {
    memset(c, 0, sizeof *c);
    c->context_bytes = 314572800ULL;
    c->driver_version = 12060;
    snprintf(c->nvml_driver_version, sizeof c->nvml_driver_version, "%s", "580.65.06");
}

static void fc_default_device(struct fc_device *d, int index) {
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "Fake GPU %d", index);
    snprintf(d->uuid, sizeof d->uuid, "GPU-00000000-0000-4000-8000-%012x", index + 1);
    d->pci_domain = 0;
    d->pci_bus = (unsigned) (index + 1);
    d->total = 8ULL << 30;
    d->free = 7ULL << 30;
    d->reserved = 256ULL << 20;
    d->cc_major = 8;
    d->cc_minor = 0;
    d->sms = 16;
    d->sm_clock_khz = 1500000;
    d->mem_clock_khz = 1000000;
    d->bus_width = 256;
    d->l2 = 4 << 20;
    d->ecc = 0;
    d->processes = 0;
    d->nvml_v2 = 1;
    d->broken_identity = 0;
    d->pci_device_id = 0x10DE;
    d->pci_subsystem_id = 0x10DE;
    d->nprocess_list = 0;
    d->process_growth = 0;
    d->nvml_processes_version = 3;
}

/* Parses a size or count: decimal with optional fraction and binary suffix, or 0x-hex. */
static int fc_parse_u64(const char *s, unsigned long long *out) {
    if (s == NULL || *s == '\0') {
        return -1;
    }
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s + 2, &end, 16);
        if (errno != 0 || end == s + 2 || *end != '\0') {
            return -1;
        }
        *out = v;
        return 0;
    }
    const char *p = s;
    unsigned long long whole = 0;
    int digits = 0;
    while (isdigit((unsigned char) *p)) {
        if (whole > (~0ULL - 9) / 10) {
            return -1;
        }
        whole = whole * 10 + (unsigned long long) (*p - '0');
        p++;
        digits++;
    }
    unsigned long long frac_num = 0, frac_den = 1;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char) *p)) {
            if (frac_den < 1000000000000ULL) {
                frac_num = frac_num * 10 + (unsigned long long) (*p - '0');
                frac_den *= 10;
            }
            p++;
            digits++;
        }
    }
    if (digits == 0) {
        return -1;
    }
    unsigned long long mult = 1;
    if (*p != '\0') {
        static const struct { const char *suffix; unsigned long long mult; } suffixes[] = {
            {"K", 1ULL << 10}, {"KiB", 1ULL << 10}, {"M", 1ULL << 20}, {"MiB", 1ULL << 20},
            {"G", 1ULL << 30}, {"GiB", 1ULL << 30}, {"T", 1ULL << 40}, {"TiB", 1ULL << 40},
        };
        int found = 0;
        for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
            if (strcmp(p, suffixes[i].suffix) == 0) {
                mult = suffixes[i].mult;
                found = 1;
                break;
            }
        }
        if (!found) {
            return -1;
        }
    }
    if (whole > ~0ULL / mult) {
        return -1;
    }
    unsigned long long v = whole * mult;
    if (frac_num != 0) {
        long double f = (long double) frac_num * (long double) mult / (long double) frac_den;
        unsigned long long fi = (unsigned long long) (f + 0.5L);
        if (frac_den > 1 && mult == 1 && fi * frac_den != frac_num * mult) {
            return -1; /* a fraction of a plain count */
        }
        v += fi;
    }
    *out = v;
    return 0;
}

static int fc_parse_int(const char *s, int *out, long long min, long long max) {
    unsigned long long v;
    int neg = 0;
    if (s != NULL && s[0] == '-') {
        neg = 1;
        s++;
    }
    if (fc_parse_u64(s, &v) != 0 || v > (unsigned long long) 0x7fffffffLL + (unsigned long long) neg) {
        return -1;
    }
    long long sv = neg ? -(long long) v : (long long) v;
    if (sv < min || sv > max) {
        return -1;
    }
    *out = (int) sv;
    return 0;
}

/* A signed size: an optional '-' and what fc_parse_u64 takes, within a long long. */
static int fc_parse_s64(const char *s, long long *out) {
    unsigned long long v;
    int neg = 0;
    if (s != NULL && s[0] == '-') {
        neg = 1;
        s++;
    }
    if (fc_parse_u64(s, &v) != 0 || v > (unsigned long long) 0x7fffffffffffffffLL) {
        return -1;
    }
    *out = neg ? -(long long) v : (long long) v;
    return 0;
}

static int fc_hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* "GPU-8e3b1c52-0000-4000-8000-000000000001" (the "GPU-" prefix optional) -> 16 bytes. */
static int fc_parse_uuid(const char *s, unsigned char bytes[16]) {
    if (strncmp(s, "GPU-", 4) == 0) {
        s += 4;
    }
    int n = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '-') {
            continue;
        }
        int h = fc_hexval((unsigned char) *p);
        if (h < 0 || n >= 32) {
            return -1;
        }
        if (n % 2 == 0) {
            bytes[n / 2] = (unsigned char) (h << 4);
        } else {
            bytes[n / 2] |= (unsigned char) h;
        }
        n++;
    }
    return n == 32 ? 0 : -1;
}

/* "0000:3b:00.0", "00000000:3B:00.0" or "3b:00.0" -> numbers. */
static int fc_parse_pci(const char *s, unsigned *domain, unsigned *bus, unsigned *dev, unsigned *func) {
    unsigned a, b, c, d;
    int consumed = 0;
    if (sscanf(s, "%x:%x:%x.%x%n", &a, &b, &c, &d, &consumed) == 4 && s[consumed] == '\0') {
        *domain = a; *bus = b; *dev = c; *func = d;
    } else if (sscanf(s, "%x:%x.%x%n", &b, &c, &d, &consumed) == 3 && s[consumed] == '\0') {
        *domain = 0; *bus = b; *dev = c; *func = d;
    } else {
        return -1;
    }
    return (*bus <= 0xff && *dev <= 0x1f && *func <= 7) ? 0 : -1;
}

/* Splits a line into tokens; double quotes group (no escapes); '#' outside quotes ends the line. */
static int fc_tokenize(char *line, char **tokens, int max, int *count) {
    int n = 0;
    char *r = line, *w = line;
    for (;;) {
        while (*r == ' ' || *r == '\t' || *r == '\r') {
            r++;
        }
        if (*r == '\0' || *r == '#') {
            break;
        }
        if (n == max) {
            return -1;
        }
        tokens[n++] = w;
        int quoted = 0;
        while (*r != '\0') {
            if (*r == '"') {
                quoted = !quoted;
                r++;
                continue;
            }
            if (!quoted && (*r == ' ' || *r == '\t' || *r == '\r' || *r == '#')) {
                break;
            }
            *w++ = *r++;
        }
        if (quoted) {
            return -2;
        }
        int stop = (*r == '\0' || *r == '#');
        if (!stop) {
            r++;
        }
        *w++ = '\0';
        if (stop) {
            break;
        }
    }
    *count = n;
    return 0;
}

/* "12345:1GiB:compute,12346:hidden:graphics" -> d->process_list. Returns 0, or -1 with err set. */
static int fc_parse_process_list(struct fc_device *d, const char *val, char *err, size_t errlen) {
    char copy[2048];
    if (strlen(val) >= sizeof copy) {
        snprintf(err, errlen, "process_list too long");
        return -1;
    }
    snprintf(copy, sizeof copy, "%s", val);
    d->nprocess_list = 0;
    if (copy[0] == '\0') {
        return 0;
    }
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        char whole[256];
        snprintf(whole, sizeof whole, "%s", item);
        char *pid = item, *used = strchr(item, ':'), *kind = NULL;
        if (used != NULL) {
            *used++ = '\0';
            kind = strchr(used, ':');
            if (kind != NULL) *kind++ = '\0';
        }
        unsigned long long p = 0, u = 0;
        if (kind == NULL || fc_parse_u64(pid, &p) != 0 || p > 0xffffffffULL
            || (strcmp(used, "hidden") != 0 && fc_parse_u64(used, &u) != 0)
            || (strcmp(kind, "compute") != 0 && strcmp(kind, "graphics") != 0)) {
            snprintf(err, errlen, "bad process_list entry '%.100s' (want PID:BYTES|hidden:compute|graphics)", whole);
            return -1;
        }
        if (d->nprocess_list == FC_MAX_PROCS) {
            snprintf(err, errlen, "more than %d process_list entries", FC_MAX_PROCS);
            return -1;
        }
        struct fc_process *e = &d->process_list[d->nprocess_list++];
        e->pid = (unsigned int) p;
        e->used = strcmp(used, "hidden") == 0 ? FC_VALUE_NOT_AVAILABLE : u;
        e->graphics = kind[0] == 'g';
    }
    return 0;
}

static int fc_parse_device_kv(struct fc_device *d, const char *key, const char *val, char *err, size_t errlen) {
    unsigned long long u;
    int *intp = NULL;
    long long lo = 0, hi = 0x7fffffff;
    if (strcmp(key, "name") == 0) {
        if (strlen(val) >= sizeof d->name) { snprintf(err, errlen, "name too long"); return -1; }
        snprintf(d->name, sizeof d->name, "%s", val);
        return 0;
    } else if (strcmp(key, "uuid") == 0) {
        if (strlen(val) >= sizeof d->uuid || fc_parse_uuid(val, d->uuid_bytes) != 0) {
            snprintf(err, errlen, "bad uuid '%s' (want GPU- and 32 hex digits)", val);
            return -1;
        }
        snprintf(d->uuid, sizeof d->uuid, "%s", val);
        return 0;
    } else if (strcmp(key, "pci") == 0) {
        if (fc_parse_pci(val, &d->pci_domain, &d->pci_bus, &d->pci_dev, &d->pci_func) != 0) {
            snprintf(err, errlen, "bad pci '%s' (want 0000:3b:00.0)", val);
            return -1;
        }
        return 0;
    } else if (strcmp(key, "total") == 0 || strcmp(key, "free") == 0 || strcmp(key, "reserved") == 0) {
        if (fc_parse_u64(val, &u) != 0) { snprintf(err, errlen, "bad size %s='%s'", key, val); return -1; }
        if (key[0] == 't') d->total = u; else if (key[0] == 'f') d->free = u; else d->reserved = u;
        return 0;
    } else if (strcmp(key, "cc") == 0) {
        int major, minor, consumed = 0;
        if (sscanf(val, "%d.%d%n", &major, &minor, &consumed) != 2 || val[consumed] != '\0'
            || major < 1 || major > 99 || minor < 0 || minor > 9) {
            snprintf(err, errlen, "bad cc '%s' (want 9.0)", val);
            return -1;
        }
        d->cc_major = major;
        d->cc_minor = minor;
        return 0;
    } else if (strcmp(key, "nvml_memory_drift_bytes") == 0) {
        if (fc_parse_s64(val, &d->nvml_drift) != 0) {
            snprintf(err, errlen, "bad nvml_memory_drift_bytes '%s' (a size, may be negative)", val);
            return -1;
        }
        return 0;
    } else if (strcmp(key, "process_list") == 0) {
        return fc_parse_process_list(d, val, err, errlen);
    } else if (strcmp(key, "pci_device_id") == 0 || strcmp(key, "pci_subsystem_id") == 0) {
        if (fc_parse_u64(val, &u) != 0 || u > 0xffffffffULL) {
            snprintf(err, errlen, "bad %s '%s'", key, val);
            return -1;
        }
        if (key[4] == 'd') d->pci_device_id = (unsigned) u; else d->pci_subsystem_id = (unsigned) u;
        return 0;
    }
    if (strcmp(key, "sms") == 0) { intp = &d->sms; lo = 1; }
    else if (strcmp(key, "sm_clock_khz") == 0) { intp = &d->sm_clock_khz; lo = 1; }
    else if (strcmp(key, "mem_clock_khz") == 0) { intp = &d->mem_clock_khz; lo = 1; }
    else if (strcmp(key, "bus_width") == 0) { intp = &d->bus_width; lo = 1; }
    else if (strcmp(key, "l2") == 0) { intp = &d->l2; lo = 0; }
    else if (strcmp(key, "ecc") == 0) { intp = &d->ecc; hi = 1; }
    else if (strcmp(key, "processes") == 0) { intp = &d->processes; hi = 65536; }
    else if (strcmp(key, "process_growth") == 0) { intp = &d->process_growth; hi = 1024; }
    else if (strcmp(key, "nvml_processes_version") == 0) { intp = &d->nvml_processes_version; lo = 1; hi = 3; }
    else if (strcmp(key, "nvml_v2") == 0) { intp = &d->nvml_v2; hi = 1; }
    else if (strcmp(key, "broken_identity") == 0) { intp = &d->broken_identity; hi = 1; }
    if (intp == NULL) {
        snprintf(err, errlen, "unknown device key '%s'", key);
        return -1;
    }
    if (fc_parse_int(val, intp, lo, hi) != 0) {
        snprintf(err, errlen, "bad value %s='%s' (want an integer in [%lld, %lld])", key, val, lo, hi);
        return -1;
    }
    return 0;
}

/*
 * Parses the whole text. Faults for this library (own_lib) land in faults/nfaults; those for the other
 * library are checked for a known function name and otherwise ignored. Returns 0, or -1 with err set.
 */
static int fc_parse(const char *text, const char *own_lib, struct fc_config *cfg, struct fc_fault *faults,
                    int *nfaults, char *err, size_t errlen) {
    fc_default_config(cfg);
    *nfaults = 0;
    if (text == NULL) {
        return 0;
    }
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(copy, text, len + 1);
    int lineno = 0;
    int rc = 0;
    char *line = copy;
    while (line != NULL && rc == 0) {
        char *nl = strchr(line, '\n');
        if (nl != NULL) {
            *nl = '\0';
        }
        lineno++;
        char *tokens[64];
        int n = 0;
        char msg[300] = "";
        int t = fc_tokenize(line, tokens, 64, &n);
        if (t == -1) {
            snprintf(msg, sizeof msg, "too many items");
        } else if (t == -2) {
            snprintf(msg, sizeof msg, "unterminated quote");
        } else if (n == 0) {
            /* blank or comment */
        } else if (strcmp(tokens[0], "device") == 0) {
            if (cfg->ndev == FC_MAX_DEVICES) {
                snprintf(msg, sizeof msg, "more than %d devices", FC_MAX_DEVICES);
            } else {
                struct fc_device *d = &cfg->dev[cfg->ndev];
                fc_default_device(d, cfg->ndev);
                fc_parse_uuid(d->uuid, d->uuid_bytes);
                for (int i = 1; i < n && msg[0] == '\0'; i++) {
                    char *eq = strchr(tokens[i], '=');
                    if (eq == NULL || eq == tokens[i]) {
                        snprintf(msg, sizeof msg, "expected key=value, got '%s'", tokens[i]);
                        break;
                    }
                    *eq = '\0';
                    fc_parse_device_kv(d, tokens[i], eq + 1, msg, sizeof msg);
                }
                if (msg[0] == '\0' && (d->reserved > d->total || d->free > d->total - d->reserved)) {
                    snprintf(msg, sizeof msg, "free (%llu) + reserved (%llu) exceed total (%llu)",
                             d->free, d->reserved, d->total);
                }
                if (msg[0] == '\0') {
                    cfg->ndev++;
                }
            }
        } else if (strcmp(tokens[0], "fault") == 0) {
            /* fault LIB FUNCTION NTH CODE [device=N] [sticky] */
            int nth, code, device = -1, sticky = 0;
            if (n < 5) {
                snprintf(msg, sizeof msg, "want: fault cuda|nvml FUNCTION NTH ERRORCODE [device=N] [sticky]");
            } else if (strcmp(tokens[1], "cuda") != 0 && strcmp(tokens[1], "nvml") != 0) {
                snprintf(msg, sizeof msg, "unknown library '%s' (cuda or nvml)", tokens[1]);
            } else if (fc_parse_int(tokens[3], &nth, 1, 0x7fffffff) != 0) {
                snprintf(msg, sizeof msg, "bad NTH '%s' (1-based)", tokens[3]);
            } else if (fc_parse_int(tokens[4], &code, 1, 0x7fffffff) != 0) {
                snprintf(msg, sizeof msg, "bad ERRORCODE '%s'", tokens[4]);
            } else {
                int is_cuda = strcmp(tokens[1], "cuda") == 0;
                const char *const *funcs = is_cuda ? FC_CUDA_FUNCS : FC_NVML_FUNCS;
                int fn = fc_func_id(funcs, is_cuda ? FC_CUDA_NFUNCS : FC_NVML_NFUNCS, tokens[2]);
                if (fn < 0) {
                    snprintf(msg, sizeof msg, "unknown %s function '%s'", tokens[1], tokens[2]);
                }
                for (int i = 5; i < n && msg[0] == '\0'; i++) {
                    if (strcmp(tokens[i], "sticky") == 0) {
                        sticky = 1;
                    } else if (strncmp(tokens[i], "device=", 7) == 0) {
                        if (fc_parse_int(tokens[i] + 7, &device, 0, FC_MAX_DEVICES - 1) != 0) {
                            snprintf(msg, sizeof msg, "bad device '%s'", tokens[i] + 7);
                        }
                    } else {
                        snprintf(msg, sizeof msg, "unexpected '%s' (device=N or sticky)", tokens[i]);
                    }
                }
                if (msg[0] == '\0' && strcmp(tokens[1], own_lib) == 0) {
                    if (*nfaults == FC_MAX_FAULTS) {
                        snprintf(msg, sizeof msg, "more than %d faults", FC_MAX_FAULTS);
                    } else {
                        struct fc_fault *f = &faults[(*nfaults)++];
                        memset(f, 0, sizeof *f);
                        f->fn = fn;
                        f->nth = nth;
                        f->code = code;
                        f->device = device;
                        f->sticky = sticky;
                        f->active = 1;
                    }
                }
            }
        } else if (n == 1 && strchr(tokens[0], '=') != NULL) {
            char *eq = strchr(tokens[0], '=');
            *eq = '\0';
            const char *key = tokens[0], *val = eq + 1;
            unsigned long long u;
            if (strcmp(key, "context_bytes") == 0) {
                if (fc_parse_u64(val, &u) != 0) snprintf(msg, sizeof msg, "bad context_bytes '%s'", val);
                else cfg->context_bytes = u;
            } else if (strcmp(key, "kernel_delay_ms") == 0) {
                if (fc_parse_int(val, &cfg->kernel_delay_ms, 0, 60000) != 0)
                    snprintf(msg, sizeof msg, "bad kernel_delay_ms '%s' (0 to 60000)", val);
            } else if (strcmp(key, "driver_version") == 0) {
                if (fc_parse_int(val, &cfg->driver_version, 1000, 999999) != 0)
                    snprintf(msg, sizeof msg, "bad driver_version '%s' (want 12060)", val);
            } else if (strcmp(key, "nvml_driver_version") == 0) {
                if (*val == '\0' || strlen(val) >= sizeof cfg->nvml_driver_version)
                    snprintf(msg, sizeof msg, "bad nvml_driver_version '%s'", val);
                else snprintf(cfg->nvml_driver_version, sizeof cfg->nvml_driver_version, "%s", val);
            } else {
                snprintf(msg, sizeof msg, "unknown setting '%s'", key);
            }
        } else {
            snprintf(msg, sizeof msg, "expected 'key=value', 'device ...' or 'fault ...', got '%s'", tokens[0]);
        }
        if (msg[0] != '\0') {
            snprintf(err, errlen, "config line %d: %s", lineno, msg);
            rc = -1;
        }
        line = nl != NULL ? nl + 1 : NULL;
    }
    free(copy);
    return rc;
}

static void fc_reset_counters(struct fc_state *st) {
    memset(st->lost, 0, sizeof st->lost);
    st->lost_all = 0;
    memset(st->calls, 0, sizeof st->calls);
}

/* Replaces the configuration; on a parse error keeps nothing of the text and returns -1. */
static int fc_configure(struct fc_state *st, const char *text) {
    struct fc_config cfg;
    struct fc_fault faults[FC_MAX_FAULTS];
    int nfaults = 0;
    char err[512];
    fc_reset_counters(st);
    st->loaded = 1;
    st->load_failed = 0;
    if (fc_parse(text, st->lib, &cfg, faults, &nfaults, err, sizeof err) != 0) {
        fc_default_config(&st->cfg);
        st->nfaults = 0;
        fc_set_error(st, "%s", err);
        return -1;
    }
    st->cfg = cfg;
    memcpy(st->faults, faults, sizeof faults);
    st->nfaults = nfaults;
    st->last_error[0] = '\0';
    return 0;
}

/* Takes the configuration from the environment on the first call, unless fake_configure came first. */
static void fc_ensure_loaded(struct fc_state *st) {
    if (st->loaded) {
        return;
    }
    st->loaded = 1;
    fc_default_config(&st->cfg);
    const char *path = getenv(FC_ENV);
    if (path == NULL || *path == '\0') {
        return;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fc_set_error(st, "cannot read %s=%s: %s", FC_ENV, path, strerror(errno));
        fprintf(stderr, "fake %s: %s\n", st->soname, st->last_error);
        st->load_failed = 1;
        return;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf == NULL) {
        fc_set_error(st, "out of memory reading %s", path);
        st->load_failed = 1;
        return;
    }
    buf[len] = '\0';
    char err[512];
    struct fc_config cfg;
    int nfaults = 0;
    if (fc_parse(buf, st->lib, &cfg, st->faults, &nfaults, err, sizeof err) != 0) {
        fc_set_error(st, "%s: %s", path, err);
        fprintf(stderr, "fake %s: %s\n", st->soname, st->last_error);
        st->load_failed = 1;
        st->nfaults = 0;
    } else {
        st->cfg = cfg;
        st->nfaults = nfaults;
    }
    free(buf);
}

/*
 * Called at the top of every driver function (after the library's initialisation check) with the device
 * the call concerns (-1 for none). Returns an error code when an injected fault fires now (the call must
 * not do its work), else 0; *lost is set to the sticky code when the device (or the whole library) was lost
 * earlier (the call fails with it; releasing calls still release).
 */
static int fc_fault_check(struct fc_state *st, int fn, int device, int *lost) {
    *lost = 0;
    if (st->lost_all != 0) {
        *lost = st->lost_all;
    } else if (device >= 0 && device < FC_MAX_DEVICES && st->lost[device] != 0) {
        *lost = st->lost[device];
    }
    for (int i = 0; i < st->nfaults; i++) {
        struct fc_fault *f = &st->faults[i];
        if (!f->active || f->fn != fn || (f->device >= 0 && f->device != device)) {
            continue;
        }
        if (++f->seen < f->nth) {
            continue;
        }
        f->active = 0;
        if (f->sticky) {
            int d = f->device >= 0 ? f->device : device;
            if (d >= 0 && d < FC_MAX_DEVICES) {
                st->lost[d] = f->code;
            } else {
                st->lost_all = f->code;
            }
        }
        return f->code;
    }
    return 0;
}

/* fake_inject: adds a fault counted from now. Returns 0, or -1 with the reason in last_error. */
static int fc_inject(struct fc_state *st, const char *lib, const char *function, int nth, int code, int device,
                     int sticky) {
    if (lib == NULL || strcmp(lib, st->lib) != 0) {
        fc_set_error(st, "this is the fake %s; cannot inject into '%s'", st->soname, lib ? lib : "(null)");
        return -1;
    }
    int fn = fc_func_id(st->funcs, st->nfuncs, function);
    if (fn < 0) {
        fc_set_error(st, "unknown %s function '%s'", st->lib, function ? function : "(null)");
        return -1;
    }
    if (nth < 1 || code == 0 || device < -1 || device >= FC_MAX_DEVICES) {
        fc_set_error(st, "bad fault: nth=%d (>= 1) code=%d (!= 0) device=%d (-1 or a device)", nth, code, device);
        return -1;
    }
    if (st->nfaults == FC_MAX_FAULTS) {
        /* drop spent faults to make room */
        int w = 0;
        for (int i = 0; i < st->nfaults; i++) {
            if (st->faults[i].active) {
                st->faults[w++] = st->faults[i];
            }
        }
        st->nfaults = w;
        if (st->nfaults == FC_MAX_FAULTS) {
            fc_set_error(st, "more than %d pending faults", FC_MAX_FAULTS);
            return -1;
        }
    }
    struct fc_fault *f = &st->faults[st->nfaults++];
    memset(f, 0, sizeof *f);
    f->fn = fn;
    f->nth = nth;
    f->code = code;
    f->device = device;
    f->sticky = sticky != 0;
    f->active = 1;
    return 0;
}

static long long fc_calls(struct fc_state *st, const char *lib, const char *function) {
    if (lib != NULL && strcmp(lib, st->lib) != 0) {
        fc_set_error(st, "this is the fake %s, not '%s'", st->soname, lib);
        return -1;
    }
    int fn = fc_func_id(st->funcs, st->nfuncs, function);
    if (fn < 0) {
        fc_set_error(st, "unknown %s function '%s'", st->lib, function ? function : "(null)");
        return -1;
    }
    return st->calls[fn];
}

#endif
