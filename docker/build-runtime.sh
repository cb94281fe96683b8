#!/usr/bin/env bash
# A trimmed Java runtime for the agent (jlink), about 40 MiB: the modules the jar needs (jdeps also names
# java.desktop, for JNA's optional AWT helpers that memwall never calls).
#
#   docker/build-runtime.sh OUT_DIR
#
# Uses the JDK on PATH or JAVA_HOME (17 or newer).
set -euo pipefail
out=${1:?usage: docker/build-runtime.sh OUT_DIR}
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
[ -x "$java_home/bin/jlink" ] || { echo "docker/build-runtime.sh: no jlink in $java_home (need a JDK)" >&2; exit 1; }
# java.management and jdk.management: the JVM and process metrics; jdk.httpserver: the agent's HTTP server;
# java.net.http: asking model runtimes' local APIs (Ollama, llama-server, vLLM) for what they have loaded;
# jdk.unsupported: signal handling and JNA; java.naming and java.xml: logback; jdk.zipfs: test launchers.
modules=java.base,java.logging,java.management,jdk.management,java.naming,java.xml,jdk.unsupported,jdk.httpserver,jdk.zipfs,java.net.http
rm -rf "$out"
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 \
    --output "$out"
echo "runtime: $out ($(du -sh "$out" | cut -f1))"
