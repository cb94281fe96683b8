#!/usr/bin/env bash
# memwall's read bandwidth against clpeak's global-memory bandwidth on the same OpenCL device, in one go.
#
#   bench/clpeak-compare.sh [RUNS]        (default 3 runs of each, alternating, after one untimed warm-up each)
#
# Prints each run's figures and wall time, then the ratio of memwall's median read figure to clpeak's best
# figure, and of memwall's median wall time to clpeak's. Needs clpeak, python3 and an OpenCL device
# (PoCL: apt-get install pocl-opencl-icd clpeak).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
runs=${1:-3}
platform=0
device=0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

command -v clpeak >/dev/null || { echo "clpeak not found (apt-get install clpeak)" >&2; exit 2; }
"$root/memwall" --version >/dev/null   # builds the jar if needed, outside the timed runs

now() { date +%s.%N; }

# Untimed warm-ups: both tools build their kernels once (PoCL caches compiled kernels).
"$root/memwall" probe --backend opencl --json >/dev/null
clpeak -p "$platform" -d "$device" --global-bandwidth >/dev/null

for i in $(seq 1 "$runs"); do
    t0=$(now)
    "$root/memwall" probe --backend opencl --json >"$out/memwall.$i.json"
    t1=$(now)
    clpeak -p "$platform" -d "$device" --global-bandwidth >"$out/clpeak.$i.txt"
    t2=$(now)
    echo "$t0 $t1 $t2" >"$out/times.$i"
done

python3 - "$out" "$runs" "opencl:$platform.$device" <<'PY'
import json, re, statistics, sys
out, runs, dev = sys.argv[1], int(sys.argv[2]), sys.argv[3]
mw_read, mw_copy, mw_wall, cp_best, cp_wall = [], [], [], [], []
for i in range(1, runs + 1):
    doc = json.load(open(f"{out}/memwall.{i}.json"))
    d = next(x for x in doc["devices"] if x["id"] == dev)
    mw_read.append(d["bandwidth"]["read_bytes_per_second"] / 1e9)
    mw_copy.append(d["bandwidth"]["copy_bytes_per_second"] / 1e9)
    text = open(f"{out}/clpeak.{i}.txt").read()
    figures = [float(x) for x in re.findall(r"float\d*\s*:\s*([0-9.]+)", text)]
    cp_best.append(max(figures))
    t0, t1, t2 = map(float, open(f"{out}/times.{i}").read().split())
    mw_wall.append(t1 - t0)
    cp_wall.append(t2 - t1)
    print(f"run {i}: memwall read {mw_read[-1]:.2f} GB/s, copy {mw_copy[-1]:.2f} GB/s, {mw_wall[-1]:.2f} s | "
          f"clpeak best {cp_best[-1]:.2f} GB/s (of {', '.join(f'{f:.2f}' for f in figures)}), {cp_wall[-1]:.2f} s")
print(f"device: {d['name']} ({dev}), buffer {d['bandwidth']['read']['buffer_bytes'] / 2**20:.0f} MiB")
r, c = statistics.median(mw_read), max(cp_best)
w, cw = statistics.median(mw_wall), statistics.median(cp_wall)
print(f"memwall read (median of runs) / clpeak best (of runs): {r:.2f} / {c:.2f} GB/s = {r / c:.3f}x")
print(f"wall time, memwall probe / clpeak --global-bandwidth (medians): {w:.2f} / {cw:.2f} s = {w / cw:.3f}x")
PY
