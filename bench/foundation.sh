#!/usr/bin/env bash
# Foundation benchmark (issue 2): api-server create throughput and watch delivery latency, beside
# pgbench's simple-update tps on the same PostgreSQL, measured in the same run.
#
#   bench/foundation.sh            # embedded PostgreSQL in a scratch directory
#   KUBE_DB_URL=postgresql://postgres@127.0.0.1:5432/postgres bench/foundation.sh
#
# Prints a Markdown block to stdout and keeps raw output under bench/results/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_init foundation
seconds=${BENCH_SECONDS:-15}

echo "building (skip with BENCH_NO_BUILD=1) ..." >&2
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  ./mvnw -q -B -pl api-server,bench -am package -DskipTests >&2
fi
# pgbench runs on the same PostgreSQL as the api-server, in a database of its own.
start_api_server

psql -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -c "DROP DATABASE IF EXISTS ordinal_pgbench" -c "CREATE DATABASE ordinal_pgbench" >&2
pgbench -q -i -s 10 -h "$pg_host" -p "$pg_port" -U "$pg_user" ordinal_pgbench >"$out/pgbench-init.log" 2>&1
pgbench -n -b simple-update -c 8 -j 2 -T "$seconds" -h "$pg_host" -p "$pg_port" -U "$pg_user" ordinal_pgbench >"$out/pgbench.log" 2>&1
pg_tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out/pgbench.log" | head -1)

cp="bench/target/classes:bench/target/lib/*"
run_bench() { java "${java_opts[@]}" -cp "$cp" dev.ordinal.bench.FoundationBench --target "127.0.0.1:$api_port" "$@"; }
create_line=$(run_bench --mode create --seconds "$seconds" --inflight 64 | tee "$out/create.txt" | tail -1)
create256_line=$(run_bench --mode create --seconds "$seconds" --inflight 256 | tee "$out/create256.txt" | tail -1)
watch1_line=$(run_bench --mode watch --watchers 1 --events 3000 --rate 300 | tee "$out/watch1.txt" | tail -1)
watch100_line=$(run_bench --mode watch --watchers 100 --events 1000 --rate 100 | tee "$out/watch100.txt" | tail -1)

heap_used() {
  jcmd "$api_pid" GC.run >/dev/null
  jcmd "$api_pid" GC.heap_info | awk '/used/ { for (i=1;i<=NF;i++) if ($i=="used") { v=$(i+1); sub("K,?","",v); print v; exit } }'
}
heap_before_kb=$(heap_used)
run_bench --mode idle --watchers 1000 --hold-seconds 25 >"$out/idle.txt" &
idle_pid=$!
for _ in $(seq 1 200); do grep -q idle_watches_open "$out/idle.txt" 2>/dev/null && break; sleep 0.5; done
heap_idle_kb=$(heap_used)
wait "$idle_pid" || true

field() { sed -n "s/.*$2=\([^ ]*\).*/\1/p" <<<"$1"; }
creates=$(field "$create_line" creates_per_second)
creates256=$(field "$create256_line" creates_per_second)
ratio=$(python3 -c "print(f'{float($creates)/float($pg_tps):.2f}')")
ratio256=$(python3 -c "print(f'{float($creates256)/float($pg_tps):.2f}')")
idle_mib=$(python3 -c "print(f'{($heap_idle_kb-$heap_before_kb)/1024:.1f}')")

psql -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -c "DROP DATABASE IF EXISTS ordinal_pgbench WITH (FORCE)" >&2
stop_api_server

cat <<MD
### Foundation — $(machine_line)
Database: $db_label. Command: \`bench/foundation.sh\`. Raw output: \`${out#$root/}\`.

| figure | Ordinal | reference (same run) | ratio / target |
|---|---|---|---|
| creates/s (64 requests in flight, ${seconds} s) | $creates | pgbench simple-update, 8 clients: $pg_tps tps | $ratio× (target ≥ 1.0×) |
| creates/s (256 requests in flight, ${seconds} s) | $creates256 | the same pgbench figure | $ratio256× (target ≥ 1.0×) |
| watch delivery, 1 watcher (p50 / p99 ms) | $(field "$watch1_line" p50_ms) / $(field "$watch1_line" p99_ms) | — | p99 target < 50 ms |
| watch delivery, 100 watchers (p50 / p99 ms) | $(field "$watch100_line" p50_ms) / $(field "$watch100_line" p99_ms) | — | p99 target < 50 ms |
| heap for 1,000 idle watches (MiB) | $idle_mib | — | target ≤ 100 MiB |
MD
