#!/usr/bin/env bash
# The image's file layout, built without a container engine (the Dockerfile runs this same script):
#
#   OUT_DIR/opt/memwall/bin/memwall      launcher (POSIX sh)
#   OUT_DIR/opt/memwall/lib/memwall.jar  the agent jar
#   OUT_DIR/opt/memwall/runtime/         a jlink'd Java runtime
#
#   docker/build-layout.sh OUT_DIR [JAR]
#
# Without JAR, the jar is built with the Maven wrapper first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
out=${1:?usage: docker/build-layout.sh OUT_DIR [JAR]}
jar=${2:-}
if [ -z "$jar" ]; then
    (cd "$root" && ./mvnw -q -B -DskipTests -pl agent -am package)
    jar="$root/agent/target/memwall.jar"
fi
[ -f "$jar" ] || { echo "docker/build-layout.sh: no jar at $jar" >&2; exit 1; }
home="$out/opt/memwall"
rm -rf "$home"
mkdir -p "$home/bin" "$home/lib"
cp "$jar" "$home/lib/memwall.jar"
"$root/docker/build-runtime.sh" "$home/runtime"
cat > "$home/bin/memwall" <<'LAUNCHER'
#!/bin/sh
# memwall with its own Java runtime. JAVA_OPTS adds JVM options.
here=$(cd "$(dirname "$0")/.." && pwd -P)
# The JDK's signal-chaining library keeps in-process OpenCL compilers' signal handlers off the JVM's signals.
LD_PRELOAD="$here/runtime/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"
export LD_PRELOAD
heap=""
for a in "$@"; do
    case "$a" in
        agent) heap="-Xms24m -Xmx96m -XX:MaxMetaspaceSize=64m -Xss512k"; break ;;
        -*) ;;
        *) break ;;
    esac
done
# shellcheck disable=SC2086
exec "$here/runtime/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto $heap ${JAVA_OPTS:-} \
    -jar "$here/lib/memwall.jar" "$@"
LAUNCHER
chmod 755 "$home/bin/memwall"
echo "layout: $home ($(du -sh "$home" | cut -f1))"
