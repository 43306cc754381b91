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
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench/results/statefulset-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
api_port=${BENCH_API_PORT:-16444}
ordered=${BENCH_ORDERED_REPLICAS:-100}
parallel=${BENCH_PARALLEL_REPLICAS:-1000}

echo "building (skip with BENCH_NO_BUILD=1) ..." >&2
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  ./mvnw -q -B -pl api-server,bench -am package -DskipTests >&2
fi

scratch=$(mktemp -d /tmp/ordinal-bench.XXXXXX)
chmod 755 "$scratch"
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
  apidb="ordinal_bench_sts_$$"
  psql -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -c "CREATE DATABASE $apidb" >&2
  api_env=(KUBE_DB_URL="postgresql://$pg_user@$pg_host:$pg_port/$apidb")
  db_label="PostgreSQL at $pg_host:$pg_port (KUBE_DB_URL)"
else
  apidb=""
  api_env=(ORDINAL_API_SERVER_EMBEDDED_DB_DIR="$scratch/pg")
  db_label="embedded PostgreSQL (data in a scratch directory)"
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

cp="bench/target/classes:bench/target/lib/*"
run_bench() { java -cp "$cp" dev.ordinal.bench.StatefulSetBench --target "127.0.0.1:$api_port" "$@" 2>"$out/bench-$1-$2.log"; }
ordered_line=$(run_bench --policy OrderedReady --replicas "$ordered" | tee "$out/ordered.txt" | tail -1)
parallel_line=$(run_bench --policy Parallel --replicas "$parallel" | tee "$out/parallel.txt" | tail -1)

if [ -n "$apidb" ]; then
  kill "$api_pid"; wait "$api_pid" 2>/dev/null || true; api_pid=""
  psql -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -c "DROP DATABASE IF EXISTS $apidb WITH (FORCE)" >&2
fi

field() { sed -n "s/.*$2=\([^ ]*\).*/\1/p" <<<"$1"; }
cat <<MD
### StatefulSet controller — $(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1)
Database: $db_label. Command: \`bench/statefulset.sh\`. Raw output: \`${out#$root/}\`.

| figure | Ordinal | Kubernetes users report | target |
|---|---|---|---|
| $ordered-replica OrderedReady set, create → all Ready | $(field "$ordered_line" total_seconds) s | 30+ minutes for a few hundred OrderedReady replicas | < 5 s |
| per-step latency "pod N Ready" → "pod N+1 created", p50 / p99 | $(field "$ordered_line" step_p50_ms) / $(field "$ordered_line" step_p99_ms) ms | — | p50 < 20 ms |
| $parallel-replica Parallel burst, create → all Ready | $(field "$parallel_line" total_seconds) s | ≈ 20 pods/s at kube-controller-manager's default client QPS 20 (≈ 50 s for 1,000) | < 10 s |
| $parallel-replica Parallel burst, create → every pod created (controller only) | $(field "$parallel_line" all_created_seconds) s | the same ≈ 50 s | — |
| node stand-in, pod created → Ready (bind + status write), p50 / p99, OrderedReady run | $(field "$ordered_line" node_p50_ms) / $(field "$ordered_line" node_p99_ms) ms | — | — |
MD
