#!/usr/bin/env bash
# memwall's probe (with its benchmark) against clpeak's global-memory bandwidth on the same OpenCL device, in
# one go, alternating: read figure, wall time and peak resident memory of each run.
#
#   bench/clpeak-compare.sh [RUNS]        (default 5 runs of each, after one untimed warm-up each)
#
# Prints each run, then: memwall's median read figure over the median of clpeak's best (its fastest vector
# width, run by run), memwall's median wall time over
# clpeak's, memwall's peak resident memory, and how far apart memwall's read figures were over consecutive runs.
# Needs clpeak, python3, GNU time and an OpenCL device (PoCL: apt-get install pocl-opencl-icd clpeak time).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
runs=${1:-5}
platform=0
device=0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

command -v clpeak >/dev/null || { echo "clpeak not found (apt-get install clpeak)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time not found (apt-get install time)" >&2; exit 2; }
"$root/memwall" --version >/dev/null   # builds the jar if needed, outside the timed runs

now() { date +%s.%N; }

# Untimed warm-ups: both tools build their kernels once (PoCL caches compiled kernels).
"$root/memwall" probe --backend opencl --json >/dev/null
clpeak -p "$platform" -d "$device" --global-bandwidth >/dev/null

for i in $(seq 1 "$runs"); do
    t0=$(now)
    /usr/bin/time -f "%M" -o "$out/memwall.$i.rss" "$root/memwall" probe --backend opencl --json >"$out/memwall.$i.json"
    t1=$(now)
    /usr/bin/time -f "%M" -o "$out/clpeak.$i.rss" clpeak -p "$platform" -d "$device" --global-bandwidth >"$out/clpeak.$i.txt"
    t2=$(now)
    echo "$t0 $t1 $t2" >"$out/times.$i"
done

python3 - "$out" "$runs" "opencl:$platform.$device" <<'PY'
import json, re, statistics, sys
out, runs, dev = sys.argv[1], int(sys.argv[2]), sys.argv[3]
mw_read, mw_copy, mw_wall, mw_rss, cp_best, cp_wall, cp_rss = [], [], [], [], [], [], []
for i in range(1, runs + 1):
    doc = json.load(open(f"{out}/memwall.{i}.json"))
    d = next(x for x in doc["devices"] if x["id"] == dev)
    bw = d["bandwidth"]
    mw_read.append(bw["read_bytes_per_second"] / 1e9)
    mw_copy.append(bw["copy_bytes_per_second"] / 1e9)
    mw_rss.append(int(open(f"{out}/memwall.{i}.rss").read().split()[-1]) / 1024)
    cp_rss.append(int(open(f"{out}/clpeak.{i}.rss").read().split()[-1]) / 1024)
    text = open(f"{out}/clpeak.{i}.txt").read()
    figures = [float(x) for x in re.findall(r"float\d*\s*:\s*([0-9.]+)", text)]
    cp_best.append(max(figures))
    t0, t1, t2 = map(float, open(f"{out}/times.{i}").read().split())
    mw_wall.append(t1 - t0)
    cp_wall.append(t2 - t1)
    r = bw["read"]
    print(f"run {i}: memwall read {mw_read[-1]:.2f} GB/s ({r['samples']} samples, "
          f"{r['min_bytes_per_second'] / 1e9:.1f}-{r['max_bytes_per_second'] / 1e9:.1f}), copy {mw_copy[-1]:.2f} GB/s, "
          f"{mw_wall[-1]:.2f} s, {mw_rss[-1]:.0f} MiB | clpeak best {cp_best[-1]:.2f} GB/s "
          f"(of {', '.join(f'{f:.2f}' for f in figures)}), {cp_wall[-1]:.2f} s, {cp_rss[-1]:.0f} MiB")
print(f"device: {d['name']} ({dev}), buffer {bw['read']['buffer_bytes'] / 2**20:.0f} MiB")
r, c = statistics.median(mw_read), statistics.median(cp_best)
w, cw = statistics.median(mw_wall), statistics.median(cp_wall)
print(f"memwall read / clpeak's best figure (medians of runs): {r:.2f} / {c:.2f} GB/s = {r / c:.3f}x "
      f"(against clpeak's best run: {r / max(cp_best):.3f}x)")
print(f"wall time, memwall probe / clpeak --global-bandwidth (medians): {w:.2f} / {cw:.2f} s = {w / cw:.3f}x")
print(f"peak resident memory, memwall probe: max {max(mw_rss):.0f} MiB (clpeak: max {max(cp_rss):.0f} MiB)")
print(f"memwall read over {runs} consecutive runs: {min(mw_read):.2f} to {max(mw_read):.2f} GB/s, "
      f"{(max(mw_read) / min(mw_read) - 1) * 100:.1f}% apart")
PY
