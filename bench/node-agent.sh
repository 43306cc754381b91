#!/usr/bin/env bash
# Node agent benchmark (issue 4): pod startup latency with the process runtime, create -> Ready as
# seen by a watch, one pod after another. Starts its own api-server (embedded PostgreSQL, fsync off)
# and one node agent; prints one line.
#
#   bench/node-agent.sh            # 100 pods
#   BENCH_PODS=300 BENCH_NO_BUILD=1 bench/node-agent.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench/results/node-agent-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
chmod 755 "$out"
api_port=${BENCH_API_PORT:-16453}
agent_port=${BENCH_AGENT_PORT:-16454}
pods=${BENCH_PODS:-100}

if [ -z "${BENCH_NO_BUILD:-}" ]; then
  ./mvnw -q -B -pl api-server,node-agent,bench -am package -DskipTests >&2
fi
ORDINAL_API_SERVER_HTTP_PORT=$api_port ORDINAL_API_SERVER_EMBEDDED_DB_DIR="$out/pg" ORDINAL_API_SERVER_EMBEDDED_DB_FSYNC=false \
  java -jar api-server/target/quarkus-app/quarkus-run.jar > "$out/api-server.log" 2>&1 &
api=$!
trap 'kill $agent $api 2>/dev/null; wait 2>/dev/null' EXIT
until curl -sf "http://127.0.0.1:$api_port/q/health/ready" > /dev/null; do sleep 0.5; done
ORDINAL_NODE_AGENT_API_SERVER=127.0.0.1:$api_port ORDINAL_NODE_AGENT_HTTP_PORT=$agent_port ORDINAL_NODE_AGENT_NODE_NAME=bench-node \
  ORDINAL_NODE_AGENT_STATE_DIR="$out/node" java -jar node-agent/target/quarkus-app/quarkus-run.jar > "$out/node-agent.log" 2>&1 &
agent=$!
java -cp "bench/target/classes:bench/target/lib/*" dev.ordinal.bench.PodStartupBench 127.0.0.1:$api_port bench-node "$pods" | tee "$out/result.txt"
