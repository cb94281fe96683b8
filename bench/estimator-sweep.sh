#!/usr/bin/env bash
# JMH: the estimator sweep (every catalog model x every precision x 8 contexts on 8 devices) and a single fit.
#   bench/estimator-sweep.sh [JMH arguments]   (default: both benchmark classes; a 1,000-tensor header parse too)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
./mvnw -q -B -pl estimator -am -DskipTests test-compile
cp=$(./mvnw -q -B -pl estimator dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)
java -cp "estimator/target/test-classes:estimator/target/classes:$cp" org.openjdk.jmh.Main "${@:-FitSweepBenchmark|HeaderParseBenchmark}"
