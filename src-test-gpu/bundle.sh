#!/usr/bin/env bash
# Packs what memwall's GPU tests need into one folder that runs on a GPU host with no JDK, Maven or network:
# a jlink'd Java runtime, the memwall jar, the compiled GPU tests, the JUnit console launcher, and run.sh.
#
#   src-test-gpu/bundle.sh OUT_DIR
#
# Then copy OUT_DIR to the GPU host and run `OUT_DIR/run.sh LOG_DIR` there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
out=${1:?usage: src-test-gpu/bundle.sh OUT_DIR}
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}

(cd "$root" && ./mvnw -q -B -Pgpu -DskipTests package)

rm -rf "$out"
mkdir -p "$out/lib"
cp "$root/agent/target/memwall.jar" "$out/lib/memwall.jar"
cp "$root/src-test-gpu/target/src-test-gpu-"*-tests.jar "$out/lib/gpu-tests.jar"
cp "$root/src-test-gpu/target/bundle-lib/"*.jar "$out/lib/"

# The same trimmed runtime as the container image (jdk.zipfs lets the JUnit launcher scan the test jar).
"$root/docker/build-runtime.sh" "$out/jre"

cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# Runs memwall's GPU tests and nvidia-smi side by side. Full logs go to LOG_DIR; a short table is printed last.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
logs=${1:?usage: run.sh LOG_DIR}
mkdir -p "$logs"
java="$here/jre/bin/java"
export LD_PRELOAD="$here/jre/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"
export MEMWALL_GPU_REPORT="$logs/report.txt"
: >"$MEMWALL_GPU_REPORT"

nvidia-smi >"$logs/nvidia-smi.txt" 2>&1
nvidia-smi -q >"$logs/nvidia-smi-q.txt" 2>&1
nvidia-smi --query-gpu=name,uuid,driver_version,memory.total,memory.reserved,memory.used,memory.free,clocks.max.memory,clocks.max.sm \
    --format=csv >"$logs/nvidia-smi-query.csv" 2>&1

"$java" -jar "$here/lib/memwall.jar" probe --json >"$logs/probe.json" 2>"$logs/probe.err"
echo "probe exit code: $?" >>"$logs/probe.err"
"$java" -jar "$here/lib/memwall.jar" probe >"$logs/probe.txt" 2>&1
nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv >"$logs/compute-apps-after-probe.csv" 2>&1

"$java" -jar "$here/lib/junit-platform-console-standalone.jar" execute \
    --class-path "$here/lib/memwall.jar:$here/lib/gpu-tests.jar:$here/lib/assertj-core.jar" \
    --select-package dev.memwall.gpu --reports-dir "$logs/junit" --details tree >"$logs/junit.txt" 2>&1
junit=$?

# The PyTorch reference: device-to-device copy of 1 GiB, bytes read + bytes written, median of 5 x 8 copies.
if python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
    python3 - >"$logs/pytorch.txt" 2>&1 <<'PY'
import statistics, torch
n = 1 << 30
src = torch.randint(0, 255, (n,), dtype=torch.uint8, device="cuda")
dst = torch.empty_like(src)
for _ in range(3):
    dst.copy_(src)
start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
rates = []
for _ in range(5):
    start.record()
    for _ in range(8):
        dst.copy_(src)
    end.record()
    end.synchronize()
    rates.append(2 * n * 8 / (start.elapsed_time(end) / 1000))
print("pytorch d2d copy bytes/s (read + write):", statistics.median(rates))
PY
fi

echo "== memwall GPU validation ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
head -2 "$logs/nvidia-smi-query.csv"
cat "$MEMWALL_GPU_REPORT"
grep -h "pytorch" "$logs/pytorch.txt" 2>/dev/null
tail -n 15 "$logs/junit.txt" | grep -E "tests (successful|failed|skipped|aborted)"
echo "compute apps after probe:"; cat "$logs/compute-apps-after-probe.csv"
exit $junit
RUN
chmod +x "$out/run.sh"
du -sh "$out"
