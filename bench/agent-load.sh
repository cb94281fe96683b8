#!/usr/bin/env bash
# Load on the agent: wrk at 200 connections for 30 s on /metrics and on /api/v1/fit, with the agent's idle CPU
# before the load and its peak resident memory after. Needs wrk (apt-get install wrk).
#   bench/agent-load.sh [seconds] [connections]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
seconds=${1:-30}
connections=${2:-200}
command -v wrk >/dev/null || { echo "bench/agent-load.sh: wrk not found (apt-get install wrk)" >&2; exit 1; }
./mvnw -q -B -DskipTests -pl agent -am package
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
./memwall agent --simulate h100-sxm --simulate rtx-4090 --listen "127.0.0.1:$port" >"$log" 2>&1 &
launcher=$!
trap 'kill $launcher 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
pid=$launcher
ready_at=$(date +%s.%N)
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }

# Idle: 30 s with nothing asking (sampling every 5 s goes on).
sleep 5
c0=$(cpu); t0=$(date +%s.%N)
sleep 30
c1=$(cpu); t1=$(date +%s.%N)
idle=$(python3 -c "print(f'{100 * ($c1 - $c0) / $ticks / ($t1 - $t0):.2f}')")
echo "agent idle CPU over 30 s: ${idle}% of one core"
echo "agent RSS idle: $(awk '/VmRSS/ {print $2/1024 " MiB"}' /proc/$pid/status)"

run() {
    local path=$1
    echo "--- wrk -t2 -c$connections -d${seconds}s --latency http://127.0.0.1:$port$path"
    wrk -t2 -c"$connections" -d"${seconds}s" --latency "http://127.0.0.1:$port$path" | grep -E \
        "Latency|50%|90%|99%|requests in|Requests/sec|Socket errors|Non-2xx"
}
# Warm the JIT and the connection pool, then measure.
wrk -t2 -c"$connections" -d5s "http://127.0.0.1:$port/metrics" >/dev/null
run /metrics
run "/api/v1/fit?model=llama-3.1-8b"
echo "agent peak RSS (VmHWM): $(awk '/VmHWM/ {print $2/1024 " MiB"}' /proc/$pid/status)"
# Sampling goes on at its own pace under load: one snapshot per 5 s since the first.
sequence=$(curl -s "http://127.0.0.1:$port/readyz" | tr -dc '0-9')
expected=$(python3 -c "import time; print(1 + int((time.time() - $ready_at) / 5))")
echo "snapshots taken: $sequence (one per 5 s since ready would be $expected)"
