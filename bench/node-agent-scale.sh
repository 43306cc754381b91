#!/usr/bin/env bash
# Node agent at scale (issue 4), KWOK's measure through the API: simulated node-agent processes
# hosting 5,000 nodes register them (time until all are Ready, and until each also has its pod range
# from the controller-manager's nodeipam allocator), then 10,000 pods already bound to those nodes
# are created (time until all are Running and Ready, as seen by an informer). The pods' own create
# rate is the same-run reference for what the api-server writes. Prints a Markdown block; raw output
# under bench/results/.
#
# Every JVM gets the options bench/lib.sh chooses (deploy/local/cluster's rule, ORDINAL_JAVA_OPTS).
#
#   bench/node-agent-scale.sh                                  # 5,000 nodes in 1 agent, 10,000 pods, renew every 10 s (the kubelet's interval)
#   BENCH_AGENTS=5 BENCH_LEASE_RENEW=2s BENCH_FENCE_AFTER=15s bench/node-agent-scale.sh     # the agents' own default interval
#   BENCH_NODES=1000 BENCH_PODS=2000 BENCH_NO_BUILD=1 bench/node-agent-scale.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_init node-agent-scale
nodes=${BENCH_NODES:-5000}
pods=${BENCH_PODS:-10000}
agents=${BENCH_AGENTS:-1}
renew=${BENCH_LEASE_RENEW:-10s}
fence=${BENCH_FENCE_AFTER:-30s}
# Pod workers per agent: one per 20 of its 5,000 nodes (the kubelet has one per pod). Each holds one
# status write in flight; with 64, the status writes trailed the 256 creates in flight by 6-10 s.
workers=${BENCH_WORKERS:-256}
warmup=${BENCH_WARMUP:-2000}

echo "building (skip with BENCH_NO_BUILD=1) ..." >&2
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  ./mvnw -q -B -pl api-server,controller-manager,node-agent,bench -am package -DskipTests >&2
fi
start_api_server

# Only the pod-range allocator: no node lifecycle (nothing here is ever lost), no other controller.
cm_port=$(free_port)
ORDINAL_CONTROLLER_MANAGER_API_SERVER=127.0.0.1:$api_port ORDINAL_CONTROLLER_MANAGER_HTTP_PORT=$cm_port \
  ORDINAL_CONTROLLER_MANAGER_CONTROLLERS=nodeipam ORDINAL_CONTROLLER_MANAGER_LEADER_ELECTION_ENABLED=false \
  java "${java_opts[@]}" -Xmx1g -jar controller-manager/target/quarkus-app/quarkus-run.jar >"$out/controller-manager.log" 2>&1 &
cm_pid=$!
trap 'kill $cm_pid 2>/dev/null || true; wait $cm_pid 2>/dev/null || true; bench_cleanup' EXIT
until curl -fs "http://127.0.0.1:$cm_port/q/health/live" >/dev/null 2>&1; do
  kill -0 "$cm_pid" 2>/dev/null || { cat "$out/controller-manager.log" >&2; exit 1; }
  sleep 0.5
done

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
java "${java_opts[@]}" -Xmx2g -cp "bench/target/classes:bench/target/lib/*" dev.ordinal.bench.SimulatedScaleBench \
  --target "127.0.0.1:$api_port" --jar node-agent/target/quarkus-app/quarkus-run.jar --nodes "$nodes" \
  --agents "$agents" --pods "$pods" --lease-renew-interval "$renew" --fence-after "$fence" --workers "$workers" --warmup "$warmup" --out "$out" \
  | tee "$out/result.txt" >&2
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $(cat "$out/result.txt" | tr '\n' ' ')"; }

cat <<MD
### Simulated nodes at scale — $(machine_line)
Database: $db_label. Command: \`bench/node-agent-scale.sh\` ($nodes nodes in $agents agent process(es), $pods pods,
Lease renewed every $renew, fence-after $fence, $workers pod workers per agent; the control plane warmed up first with $warmup
throw-away Nodes, Leases and pods, $(field warmup_s) s). Load average (1/5/15 min) before: $load_before,
after: $load_after. Raw output: \`${out#$root/}\`.

| figure | Ordinal | reference | target |
|---|---|---|---|
| $nodes nodes: agent start → all Ready (informer) | $(field nodes_ready_s) s | KWOK, writing straight to etcd: 20 s | ≤ 20 s |
| $nodes nodes: agent start → all Ready with a pod range | $(field nodes_ready_with_range_s) s | — | — |
| Lease renewals per second while idle | $(field lease_renewals_per_second) | $nodes nodes / $renew | — |
| $pods pre-bound pods: first create → all Running | $(field pods_running_s) s | KWOK: 20 s | ≤ 20 s |
| $pods pre-bound pods: first create → all Ready | $(field pods_ready_s) s | — | — |
| same run: the $pods pod creates alone (256 in flight) | $(field pod_creates_s) s ($(field pod_creates_per_second)/s) | what the api-server writes on this machine | — |
MD
