# Shared by the benchmark scripts (sourced, not run): a results directory, free ports, and the
# packaged api-server started on its own database — an embedded PostgreSQL in a scratch directory,
# or a fresh database on the server KUBE_DB_URL names — and stopped again on exit.
#
#   . bench/lib.sh
#   bench_init statefulset            # sets root, out
#   start_api_server                  # sets api_port, api_pid, db_label, pg_host, pg_port, pg_user, apidb
#   ...
#   stop_api_server                   # also drops the database it created (on exit at the latest)

# JVM options of every service and benchmark JVM started here, by deploy/local/cluster's rule:
# ORDINAL_JAVA_OPTS when set (even empty), otherwise C1-only JIT on machines with fewer than 4 CPUs.
if [ -n "${ORDINAL_JAVA_OPTS+set}" ]; then
  read -r -a java_opts <<<"$ORDINAL_JAVA_OPTS"
elif [ "$(nproc)" -lt 4 ]; then
  java_opts=(-XX:TieredStopAtLevel=1)
else
  java_opts=()
fi

bench_init() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  root=$(pwd)
  out="$root/bench/results/$1-$(date -u +%Y%m%dT%H%M%SZ)"
  mkdir -p "$out"
  scratch=$(mktemp -d /tmp/ordinal-bench.XXXXXX)
  # PostgreSQL, run as 'ordinal' by a root api-server, must reach its data directory.
  chmod 755 "$scratch"
  api_pid=""
  apidb=""
  trap bench_cleanup EXIT
}

# A port nobody listens on now: the machine may be shared, so fixed ports can be taken.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

bench_cleanup() {
  stop_api_server
  rm -rf "$scratch"
}

# Environment of the api-server: BENCH_API_PORT and BENCH_PG_PORT pin its ports, extra
# NAME=value arguments are added to its environment.
start_api_server() {
  api_port=${BENCH_API_PORT:-$(free_port)}
  local api_env
  if [ -n "${KUBE_DB_URL:-}" ]; then
    # postgresql://user@host:port/db — the api-server gets a database of its own on that server.
    local hostport=${KUBE_DB_URL#*@}; hostport=${hostport%%/*}
    pg_host=${hostport%%:*}; pg_port=${hostport##*:}
    pg_user=${KUBE_DB_URL#postgresql://}; pg_user=${pg_user%%@*}; pg_user=${pg_user%%:*}
    apidb="ordinal_bench_$$"
    psql -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -c "CREATE DATABASE $apidb" >&2
    api_env=(KUBE_DB_URL="postgresql://$pg_user@$pg_host:$pg_port/$apidb")
    db_label="PostgreSQL at $pg_host:$pg_port (KUBE_DB_URL)"
  else
    pg_host=127.0.0.1; pg_port=${BENCH_PG_PORT:-$(free_port)}; pg_user=ordinal
    api_env=(ORDINAL_API_SERVER_EMBEDDED_DB_DIR="$scratch/pg" ORDINAL_API_SERVER_EMBEDDED_DB_PORT="$pg_port")
    db_label="embedded PostgreSQL (port $pg_port, data in a scratch directory, fsync on)"
  fi
  env -u KUBE_DB_URL "${api_env[@]}" "$@" ORDINAL_API_SERVER_HTTP_PORT="$api_port" \
    java "${java_opts[@]}" -Xmx2g -jar api-server/target/quarkus-app/quarkus-run.jar >"$out/api-server.log" 2>&1 &
  api_pid=$!
  for _ in $(seq 1 240); do
    if curl -fs "http://127.0.0.1:$api_port/q/health/ready" >/dev/null 2>&1; then break; fi
    kill -0 "$api_pid" 2>/dev/null || { cat "$out/api-server.log" >&2; echo "api-server exited" >&2; exit 1; }
    sleep 0.5
  done
  curl -fs "http://127.0.0.1:$api_port/q/health/ready" >/dev/null || { echo "api-server not ready" >&2; exit 1; }
  # The server answering must be ours (another process may hold the port on a shared machine). Quarkus
  # logs "Listening on" just after the HTTP server starts answering, so give the line a moment.
  for _ in $(seq 1 20); do
    grep -q "Listening on: http://127.0.0.1:$api_port" "$out/api-server.log" && return 0
    kill -0 "$api_pid" 2>/dev/null || break
    sleep 0.25
  done
  echo "the api-server on port $api_port is not the one this script started" >&2; exit 1
}

stop_api_server() {
  if [ -n "$api_pid" ] && kill -0 "$api_pid" 2>/dev/null; then
    kill "$api_pid"; wait "$api_pid" 2>/dev/null || true
  fi
  api_pid=""
  if [ -n "$apidb" ]; then
    psql -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -c "DROP DATABASE IF EXISTS $apidb WITH (FORCE)" >&2
    apidb=""
  fi
}

# Markdown heading line describing the machine and the JVM options.
machine_line() {
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1), JVM options: ${java_opts[*]:-none}"
}
