#!/usr/bin/env bash
# DNS benchmark (issue 7, spec dns.md §7): Ordinal's dns and knotd serve the same 1,000 pod names
# (200 headless Services x 5 pods, plus 200 ClusterIP Services) and are measured with dnsperf in the
# same run, each pinned to CPU 1 with dnsperf on CPU 0.
#
#   bench/dns.sh                      # BENCH_SECONDS=30 BENCH_WARMUP=30 by default
#   BENCH_NO_BUILD=1 bench/dns.sh     # reuse the packaged jars
#
# Needs the Debian packages dnsperf and knot (installed here when running as root, otherwise the
# script prints the apt-get command). Prints a Markdown block to stdout; raw output stays under
# bench/results/dns-<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench/results/dns-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
api_port=${BENCH_API_PORT:-16444}
pg_port=${BENCH_PG_PORT:-55434}
dns_port=${BENCH_DNS_PORT:-10153}
dns_http=${BENCH_DNS_HTTP_PORT:-10154}
knot_port=${BENCH_KNOT_PORT:-10253}
seconds=${BENCH_SECONDS:-30}
warmup=${BENCH_WARMUP:-30}
clients=${BENCH_CLIENTS:-8}
outstanding=${BENCH_OUTSTANDING:-200}

if ! command -v dnsperf >/dev/null || ! command -v knotd >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing dnsperf and knot ..." >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dnsperf knot >&2
  else
    echo "needs dnsperf and knotd: sudo apt-get update && sudo apt-get install -y dnsperf knot" >&2
    exit 1
  fi
fi

echo "building (skip with BENCH_NO_BUILD=1) ..." >&2
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  ./mvnw -q -B -pl api-server,dns,bench -am package -DskipTests >&2
fi

scratch=$(mktemp -d /tmp/ordinal-dns-bench.XXXXXX)
chmod 755 "$scratch"
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill "$p"; wait "$p" 2>/dev/null || true; fi
  done
  rm -rf "$scratch"
}
trap cleanup EXIT

wait_http() { # url pid log
  for _ in $(seq 1 240); do
    if curl -fs "$1" >/dev/null 2>&1; then return 0; fi
    kill -0 "$2" 2>/dev/null || { cat "$3" >&2; echo "process exited" >&2; exit 1; }
    sleep 0.5
  done
  echo "not ready: $1" >&2; exit 1
}

ORDINAL_API_SERVER_EMBEDDED_DB_DIR="$scratch/pg" ORDINAL_API_SERVER_EMBEDDED_DB_PORT="$pg_port" \
ORDINAL_API_SERVER_HTTP_PORT="$api_port" \
  taskset -c 0 java -Xmx1g -jar api-server/target/quarkus-app/quarkus-run.jar >"$out/api-server.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$api_port/q/health/ready" "${pids[-1]}" "$out/api-server.log"

java -cp "bench/target/classes:bench/target/lib/*" dev.ordinal.bench.DnsBenchFixture \
  --target "127.0.0.1:$api_port" --zone-file "$out/cluster.local.zone" --queries "$out/queries.txt" >&2

ORDINAL_DNS_LISTEN="127.0.0.1:$dns_port" ORDINAL_DNS_API_SERVER="127.0.0.1:$api_port" \
ORDINAL_DNS_HTTP_PORT="$dns_http" ORDINAL_DNS_EVENT_LOOP_THREADS=1 \
  taskset -c 1 java -XX:ActiveProcessorCount=1 -Xmx512m -jar dns/target/quarkus-app/quarkus-run.jar >"$out/dns.log" 2>&1 &
pids+=($!)
dns_pid=${pids[-1]}
wait_http "http://127.0.0.1:$dns_http/q/health/ready" "$dns_pid" "$out/dns.log"

mkdir -p "$scratch/knot"
cat >"$scratch/knot.conf" <<KNOT
server:
    listen: 127.0.0.1@$knot_port
    rundir: $scratch/knot
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: $scratch/knot
log:
  - target: stderr
    any: warning
zone:
  - domain: cluster.local
    file: $out/cluster.local.zone
    journal-content: none
    zonefile-sync: -1
KNOT
taskset -c 1 knotd -c "$scratch/knot.conf" >"$out/knotd.log" 2>&1 &
pids+=($!)
sleep 2
kill -0 "${pids[-1]}" || { cat "$out/knotd.log" >&2; exit 1; }

perf() { # label port extra-args...
  local label=$1 port=$2; shift 2
  taskset -c 0 dnsperf -s 127.0.0.1 -p "$port" -d "$out/queries.txt" -c "$clients" -q "$outstanding" "$@" \
    >"$out/$label.txt" 2>&1
}
field() { # file pattern -> first number after it
  grep -m1 "$2" "$1" | sed -E 's/.*'"$2"'[^0-9]*([0-9.]+).*/\1/'
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "warming up Ordinal's JVM for ${warmup}s ..." >&2
perf ordinal-warmup "$dns_port" -l "$warmup"
echo "measuring (${seconds}s each) ..." >&2
perf knotd "$knot_port" -l "$seconds"
perf ordinal "$dns_port" -l "$seconds"

k_qps=$(field "$out/knotd.txt" "Queries per second:")
o_qps=$(field "$out/ordinal.txt" "Queries per second:")
ratio=$(awk -v o="$o_qps" -v k="$k_qps" 'BEGIN { printf "%.2f", o / k }')

# Latency percentiles at 80 % of Ordinal's maximum, per-query latencies from dnsperf -v.
rate=$(awk -v q="$o_qps" 'BEGIN { printf "%d", q * 0.8 }')
lat_seconds=$(( seconds < 15 ? seconds : 15 ))
perf knotd-latency "$knot_port" -l "$lat_seconds" -Q "$rate" -v
perf ordinal-latency "$dns_port" -l "$lat_seconds" -Q "$rate" -v
percentiles() { # file -> "p50 / p99 / p99.9" in ms
  grep '^> ' "$1" | awk '{ print $NF }' | sort -g | awk '
    { v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit }
      printf "%.3f / %.3f / %.3f ms", v[int(NR*0.5)+1]*1000, v[int(NR*0.99)]*1000, v[int(NR*0.999)]*1000 }'
}
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cat <<MD
### DNS — $(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1)

dnsperf $(dnsperf -h 2>&1 | grep -m1 -oE 'Version [0-9.]+' || true) on CPU 0 (\`-c $clients -q $outstanding -l $seconds\`), each server pinned to CPU 1;
$(knotd --version | head -1) with one UDP and one TCP worker; Ordinal's dns with one event loop
(\`-XX:ActiveProcessorCount=1\`) after a ${warmup}s warm-up. Same records (\`DnsBenchFixture\`), query mix of
spec §7 (40 % pod A, 15 % headless A, 10 % SRV, 10 % AAAA NODATA, 25 % NXDOMAIN). Load average
before / after: $load_before / $load_after.

| server | QPS | lost | avg / max latency | p50 / p99 / p99.9 at $rate QPS |
|---|---|---|---|---|
| knotd | $k_qps | $(grep -m1 'Queries lost:' "$out/knotd.txt" | sed -E 's/.*lost: *//') | $(field "$out/knotd.txt" "Average Latency") s / $(grep -m1 'Average Latency' "$out/knotd.txt" | sed -E 's/.*max ([0-9.]+).*/\1/') s | $(percentiles "$out/knotd-latency.txt") |
| Ordinal dns | $o_qps | $(grep -m1 'Queries lost:' "$out/ordinal.txt" | sed -E 's/.*lost: *//') | $(field "$out/ordinal.txt" "Average Latency") s / $(grep -m1 'Average Latency' "$out/ordinal.txt" | sed -E 's/.*max ([0-9.]+).*/\1/') s | $(percentiles "$out/ordinal-latency.txt") |

Ratio Ordinal / knotd: **${ratio}×** (target ≥ 0.5×). Response codes — knotd: $(grep -m1 'Response codes:' "$out/knotd.txt" | sed -E 's/.*codes: *//'); Ordinal: $(grep -m1 'Response codes:' "$out/ordinal.txt" | sed -E 's/.*codes: *//').
Raw output: \`bench/results/$(basename "$out")\`.
MD
