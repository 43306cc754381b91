#!/usr/bin/env bash
# Scheduler benchmark (issue 5): pods scheduled per second and scheduling latency with 1,000 Node
# objects and 10,000 pending pods created through the API of a real api-server, the scheduler
# running in the load generator's process. Prints a Markdown block; raw output under bench/results/.
#
#   bench/scheduler.sh                         # 1,000 nodes, 10,000 pods, embedded PostgreSQL
#   BENCH_NODES=5000 BENCH_PODS=10000 bench/scheduler.sh
#   KUBE_DB_URL=postgresql://postgres@127.0.0.1:5432/postgres bench/scheduler.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_init scheduler
nodes=${BENCH_NODES:-1000}
pods=${BENCH_PODS:-10000}
bind=${BENCH_BIND_PARALLELISM:-32}

echo "building (skip with BENCH_NO_BUILD=1) ..." >&2
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  ./mvnw -q -B -pl api-server,scheduler,bench -am package -DskipTests >&2
fi
start_api_server

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
cp="bench/target/classes:bench/target/lib/*"
java "${java_opts[@]}" -Xmx3g -cp "$cp" dev.ordinal.bench.SchedulerBench --target "127.0.0.1:$api_port" \
  --nodes "$nodes" --pods "$pods" --bind-parallelism "$bind" | tee "$out/scheduler.txt" >&2
java "${java_opts[@]}" -Xmx3g -cp "$cp" dev.ordinal.bench.SchedulerBench --mode decide --nodes "$nodes" --pods "$pods" \
  | tee "$out/decide-only.txt" >&2
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $line"; }
line=$(grep '^decide_only' "$out/decide-only.txt")
decide_pps=$(field pods_per_second); decide_p50=$(field p50_ms); decide_p99=$(field p99_ms)
line=$(grep '^scheduled=' "$out/scheduler.txt")

stop_api_server

cat <<MD
### Scheduler — $(machine_line)
Database: $db_label. Command: \`bench/scheduler.sh\` ($nodes nodes, $pods pods, bind parallelism $bind).
Load average (1/5/15 min) before: $load_before, after: $load_after. Raw output: \`${out#$root/}\`.

| figure | Ordinal | kube-scheduler (published) | target |
|---|---|---|---|
| pods scheduled per second | $(field pods_per_second) | scheduler_perf gate, 5,000 nodes: 270 pods/s; 130,000-node GKE run: 1,000 pods/s | ≥ 1,000 |
| scheduling attempt latency p50 / p90 / p99 (ms) | $(field p50_ms) / $(field p90_ms) / $(field p99_ms) | — | p99 < 100 ms |
| decision alone (filters + scores) p50 / p99 (ms) | $(field decision_p50_ms) / $(field decision_p99_ms) | — | — |
| decisions per second of scheduling-loop time (binding excluded) | $(field decisions_per_loop_second) | — | — |
| api-server creates/s in the same run (pods, 256 in flight) — each scheduled pod costs 1 write (the binding) | $(field creates_per_second) | — | — |
| scheduler alone, no api-server: pods decided and assumed per second (p50 / p99 ms per decision) | $decide_pps ($decide_p50 / $decide_p99) | — | ≥ 1,000 |
| failed attempts | $(field failed_attempts) | — | 0 |
MD
