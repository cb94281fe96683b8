#!/usr/bin/env bash
# Sweeps the OpenCL read kernel's shape (words per vector, vectors per work-item, work-group size) on device
# opencl:0.0 and prints memwall's read figure for each, RUNS times (default 2). Used to choose the defaults in
# OpenClBandwidth.shapeFor; see docs/BENCHMARKS.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
runs=${1:-2}
"$root/memwall" --version >/dev/null
printf '%-10s %s\n' "shape" "read GB/s per run"
for shape in 4,16,256 4,16,64 8,16,128 16,16,64 16,16,256 16,32,64 16,64,16 16,8,64; do
    figures=""
    for _ in $(seq 1 "$runs"); do
        gbps=$(MEMWALL_JAVA_OPTS="-Dmemwall.opencl.readShape=$shape" "$root/memwall" probe --backend opencl --json \
            | python3 -c 'import json,sys; d=json.load(sys.stdin)["devices"][0]; print("%.2f" % (d["bandwidth"]["read_bytes_per_second"]/1e9))')
        figures="$figures $gbps"
    done
    printf '%-10s%s\n' "$shape" "$figures"
done
