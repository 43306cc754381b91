#!/usr/bin/env bash
# Scheduler benchmark (issue 5): pods scheduled per second and scheduling latency with 1,000 Node
# objects and 10,000 pending pods created through the API of a real api-server, the scheduler
# running in the load generator's process. Prints a Markdown block; raw output under bench/results/.
#
#   bench/scheduler.sh                         # 1,000 nodes, 10,000 pods, embedded PostgreSQL
#   BENCH_NODES=5000 BENCH_PODS=10000 bench/scheduler.sh
#   KUBE_DB_URL=postgresql://postgres@127.0.0.1:5432/postgres bench/scheduler.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench/results/scheduler-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
# Free ports chosen now: the machine may be shared, so fixed ports can be taken.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
api_port=${BENCH_API_PORT:-$(free_port)}
pg_port=${BENCH_PG_PORT:-$(free_port)}
nodes=${BENCH_NODES:-1000}
pods=${BENCH_PODS:-10000}
bind=${BENCH_BIND_PARALLELISM:-32}

echo "building (skip with BENCH_NO_BUILD=1) ..." >&2
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  ./mvnw -q -B -pl api-server,scheduler,bench -am package -DskipTests >&2
fi

scratch=$(mktemp -d /tmp/ordinal-bench.XXXXXX)
chmod 755 "$scratch"   # PostgreSQL, run as 'ordinal' by a root api-server, must reach its data directory
api_pid=""
cleanup() {
  if [ -n "$api_pid" ] && kill -0 "$api_pid" 2>/dev/null; then
    kill "$api_pid"; wait "$api_pid" 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

if [ -n "${KUBE_DB_URL:-}" ]; then
  hostport=${KUBE_DB_URL#*@}; hostport=${hostport%%/*}
  pg_host=${hostport%%:*}; pg_port=${hostport##*:}
  pg_user=${KUBE_DB_URL#postgresql://}; pg_user=${pg_user%%@*}; pg_user=${pg_user%%:*}
  apidb="ordinal_sched_bench_$$"
  psql -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -c "CREATE DATABASE $apidb" >&2
  api_env=(KUBE_DB_URL="postgresql://$pg_user@$pg_host:$pg_port/$apidb")
  db_label="PostgreSQL at $pg_host:$pg_port (KUBE_DB_URL)"
else
  apidb=""
  api_env=(ORDINAL_API_SERVER_EMBEDDED_DB_DIR="$scratch/pg" ORDINAL_API_SERVER_EMBEDDED_DB_PORT="$pg_port")
  db_label="embedded PostgreSQL (data in a scratch directory, fsync on)"
fi

env "${api_env[@]}" ORDINAL_API_SERVER_HTTP_PORT="$api_port" \
  java -Xmx2g -jar api-server/target/quarkus-app/quarkus-run.jar >"$out/api-server.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 240); do
  if curl -fs "http://127.0.0.1:$api_port/q/health/ready" >/dev/null 2>&1; then break; fi
  kill -0 "$api_pid" 2>/dev/null || { cat "$out/api-server.log" >&2; echo "api-server exited" >&2; exit 1; }
  sleep 0.5
done
curl -fs "http://127.0.0.1:$api_port/q/health/ready" >/dev/null || { echo "api-server not ready" >&2; exit 1; }
# Make sure the server answering is ours (another process may hold the port on a shared machine).
kill -0 "$api_pid" 2>/dev/null && grep -q "Listening on: http://127.0.0.1:$api_port" "$out/api-server.log" \
  || { echo "the api-server on port $api_port is not the one this script started" >&2; exit 1; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
cp="bench/target/classes:bench/target/lib/*"
java -Xmx3g -cp "$cp" dev.ordinal.bench.SchedulerBench --target "127.0.0.1:$api_port" \
  --nodes "$nodes" --pods "$pods" --bind-parallelism "$bind" | tee "$out/scheduler.txt" >&2
java -Xmx3g -cp "$cp" dev.ordinal.bench.SchedulerBench --mode decide --nodes "$nodes" --pods "$pods" \
  | tee "$out/decide-only.txt" >&2
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $line"; }
line=$(grep '^decide_only' "$out/decide-only.txt")
decide_pps=$(field pods_per_second); decide_p50=$(field p50_ms); decide_p99=$(field p99_ms)
line=$(grep '^scheduled=' "$out/scheduler.txt")

if [ -n "$apidb" ]; then
  kill "$api_pid"; wait "$api_pid" 2>/dev/null || true; api_pid=""
  psql -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -c "DROP DATABASE IF EXISTS $apidb WITH (FORCE)" >&2
fi

cat <<MD
### Scheduler — $(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1)
Database: $db_label. Command: \`bench/scheduler.sh\` ($nodes nodes, $pods pods, bind parallelism $bind).
Load average (1/5/15 min) before: $load_before, after: $load_after. Raw output: \`${out#$root/}\`.

| figure | Ordinal | kube-scheduler (published) | target |
|---|---|---|---|
| pods scheduled per second | $(field pods_per_second) | scheduler_perf gate, 5,000 nodes: 270 pods/s; 130,000-node GKE run: 1,000 pods/s | ≥ 1,000 |
| scheduling attempt latency p50 / p90 / p99 (ms) | $(field p50_ms) / $(field p90_ms) / $(field p99_ms) | — | p99 < 100 ms |
| decision alone (filters + scores) p50 / p99 (ms) | $(field decision_p50_ms) / $(field decision_p99_ms) | — | — |
| decisions per second of scheduling-loop time (binding excluded) | $(field decisions_per_loop_second) | — | — |
| api-server creates/s in the same run (pods, 256 in flight) — each scheduled pod costs 2 writes | $(field creates_per_second) | — | — |
| scheduler alone, no api-server: pods decided and assumed per second (p50 / p99 ms per decision) | $decide_pps ($decide_p50 / $decide_p99) | — | ≥ 1,000 |
| failed attempts | $(field failed_attempts) | — | 0 |
MD
