#!/usr/bin/env bash
# Soak: the agent at a 1 s sample interval with a benchmark every 5 minutes, under 50 requests per second
# (/metrics, /api/v1/status, /api/v1/fit, /api/v1/probe in turn) for MINUTES (default 30). Every 30 s it forces
# a GC (jcmd) and records heap used after it, resident memory, threads and open file descriptors; at the end it
# prints the least-squares slope of each over the run.
#   bench/agent-soak.sh [minutes] [simulate spec]...
# With no spec the agent probes this machine's devices (on a machine with PoCL: a real OpenCL device, whose
# benchmark allocates and frees hundreds of MiB every 5 minutes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
minutes=${1:-30}
shift || true
specs=("$@")
./mvnw -q -B -DskipTests -pl agent -am package
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
args=()
for s in "${specs[@]+"${specs[@]}"}"; do args+=(--simulate "$s"); done
log=$(mktemp)
./memwall agent "${args[@]+"${args[@]}"}" --listen "127.0.0.1:$port" --sample-interval 1s --bench-interval 5m >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
python3 - "$pid" "$port" "$minutes" <<'PY'
import subprocess, sys, threading, time, urllib.request, os, re
pid, port, minutes = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
base = f"http://127.0.0.1:{port}"
paths = ["/metrics", "/api/v1/status", "/api/v1/fit?model=llama-3.1-8b", "/api/v1/probe"]
stop = time.time() + minutes * 60
counts = {"ok": 0, "failed": 0}

def load():
    i = 0
    nxt = time.time()
    while time.time() < stop:
        try:
            with urllib.request.urlopen(base + paths[i % len(paths)], timeout=5) as r:
                r.read()
                counts["ok" if r.status == 200 else "failed"] += 1
        except Exception:
            counts["failed"] += 1
        i += 1
        nxt += 1 / 50
        time.sleep(max(0, nxt - time.time()))

def heap_after_gc():
    subprocess.run(["jcmd", str(pid), "GC.run"], capture_output=True, check=True)
    with urllib.request.urlopen(base + "/metrics", timeout=5) as r:
        text = r.read().decode()
    m = re.search(r'^jvm_memory_used_bytes\{area="heap"\} (\S+)$', text, re.M)
    return float(m.group(1))

def status(key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])

t = threading.Thread(target=load, daemon=True)
t.start()
start = time.time()
rows = []
print("minute  heap_after_gc_MiB  rss_MiB  threads  fds  requests_ok  failed", flush=True)
while time.time() < stop:
    minute = (time.time() - start) / 60
    row = (minute, heap_after_gc() / 2**20, status("VmRSS") / 1024, status("Threads"),
           len(os.listdir(f"/proc/{pid}/fd")))
    rows.append(row)
    print(f"{row[0]:6.1f}  {row[1]:17.1f}  {row[2]:7.1f}  {row[3]:7d}  {row[4]:3d}  {counts['ok']:11d}  {counts['failed']:6d}",
          flush=True)
    time.sleep(max(0, min(30, stop - time.time())))
t.join()

# Readings taken while a benchmark holds its buffers (resident memory over twice the median) say nothing about
# growth; they are listed above and left out of the slopes.
rss_sorted = sorted(r[2] for r in rows)
median_rss = rss_sorted[len(rss_sorted) // 2]
steady = [r for r in rows if r[2] <= 2 * median_rss]
print(f"{len(rows) - len(steady)} of {len(rows)} readings taken during a benchmark (left out of the slopes)")

def slope(i):
    xs = [r[0] for r in steady]
    ys = [r[i] for r in steady]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0

half = len(steady) // 2
print(f"requests: {counts['ok']} ok, {counts['failed']} failed in {minutes:g} min "
      f"({counts['ok'] / (minutes * 60):.1f}/s)")
for name, i, unit in [("heap after GC", 1, "MiB"), ("RSS", 2, "MiB")]:
    late = steady[half:]
    print(f"{name}: first {steady[0][i]:.1f} {unit}, last {steady[-1][i]:.1f} {unit}, "
          f"min..max {min(r[i] for r in steady):.1f}..{max(r[i] for r in steady):.1f} {unit}, "
          f"slope {slope(i):+.3f} {unit}/min (second half {min(r[i] for r in late):.1f}..{max(r[i] for r in late):.1f})")
for name, i in [("threads", 3), ("file descriptors", 4)]:
    print(f"{name}: first {rows[0][i]}, last {rows[-1][i]}, min..max {min(r[i] for r in rows)}..{max(r[i] for r in rows)}")
PY
echo "snapshots: $(curl -s "http://127.0.0.1:$port/readyz" | tr -dc '0-9') (one per second)"
echo "benchmark runs logged: $(grep -c 'read .* took' "$log")"
