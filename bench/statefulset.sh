#!/usr/bin/env bash
# StatefulSet benchmark (issue 3): the StatefulSet controller in-process against the packaged
# api-server, with a stand-in for the node agents that reports every pod Running and Ready as
# soon as it is bound. Measures a 100-replica OrderedReady set to fully Ready (and the per-step
# latency "pod N Ready" -> "pod N+1 created"), and a 1,000-replica Parallel burst.
#
#   bench/statefulset.sh
#   KUBE_DB_URL=postgresql://postgres@127.0.0.1:5432/postgres bench/statefulset.sh
#
# Prints a Markdown block to stdout and keeps raw output under bench/results/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_init statefulset
ordered=${BENCH_ORDERED_REPLICAS:-100}
parallel=${BENCH_PARALLEL_REPLICAS:-1000}

echo "building (skip with BENCH_NO_BUILD=1) ..." >&2
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  ./mvnw -q -B -pl api-server,bench -am package -DskipTests >&2
fi
start_api_server
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

cp="bench/target/classes:bench/target/lib/*"
run_bench() { java "${java_opts[@]}" -cp "$cp" dev.ordinal.bench.StatefulSetBench --target "127.0.0.1:$api_port" "$@" 2>"$out/bench-$1-$2.log"; }
ordered_line=$(run_bench --policy OrderedReady --replicas "$ordered" | tee "$out/ordered.txt" | tail -1)
parallel_line=$(run_bench --policy Parallel --replicas "$parallel" | tee "$out/parallel.txt" | tail -1)

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
stop_api_server

field() { sed -n "s/.*$2=\([^ ]*\).*/\1/p" <<<"$1"; }
cat <<MD
### StatefulSet controller — $(machine_line)
Database: $db_label. Command: \`bench/statefulset.sh\`. Raw output: \`${out#$root/}\`.
Load average (1/5/15 min) before: $load_before, after: $load_after.

| figure | Ordinal | Kubernetes users report | target |
|---|---|---|---|
| $ordered-replica OrderedReady set, create → all Ready | $(field "$ordered_line" total_seconds) s | 30+ minutes for a few hundred OrderedReady replicas | < 5 s |
| per-step latency "pod N Ready" → "pod N+1 created", p50 / p99 | $(field "$ordered_line" step_p50_ms) / $(field "$ordered_line" step_p99_ms) ms | — | p50 < 20 ms |
| $parallel-replica Parallel burst, create → all Ready | $(field "$parallel_line" total_seconds) s | ≈ 20 pods/s at kube-controller-manager's default client QPS 20 (≈ 50 s for 1,000) | < 10 s |
| $parallel-replica Parallel burst, create → every pod created (controller only) | $(field "$parallel_line" all_created_seconds) s | the same ≈ 50 s | — |
| node stand-in, pod created → Ready (bind + status write), p50 / p99, OrderedReady run | $(field "$ordered_line" node_p50_ms) / $(field "$ordered_line" node_p99_ms) ms | — | — |
MD
