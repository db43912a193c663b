#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and checks: initdb into a fresh directory, listen on
# a Unix socket there and on 127.0.0.1:PORT, trust authentication, no fsync (nothing here needs
# to survive a power cut).
#
#   eval "$(bash scripts/pg_cluster.sh start [PORT])"   # exports REMAT_TEST_DATABASE_URL, REMAT_PG_DIR (PORT: default a free one)
#   bash scripts/pg_cluster.sh stop "$REMAT_PG_DIR"
#
# Run as root, the cluster belongs to the `postgres` user (PostgreSQL refuses to run as root).
# Needs PostgreSQL's server binaries (Debian: apt-get install postgresql).
set -euo pipefail
cmd=${1:-}
bin=""
for d in /usr/lib/postgresql/*/bin /usr/local/pgsql/bin /usr/bin; do
  if [ -x "$d/initdb" ]; then bin=$d; fi
done
if [ -z "$bin" ]; then
  echo "pg_cluster: no initdb found (install PostgreSQL: apt-get install postgresql)" >&2
  exit 2
fi
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    # a given port, else a free one: the first of a few random ports nothing listens on
    port=${2:-}
    if [ -z "$port" ]; then
      for _ in 1 2 3 4 5 6 7 8; do
        cand=$((40000 + RANDOM % 20000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$cand") 2>/dev/null; then port=$cand; break; fi
      done
      port=${port:-54329}
    fi
    dir=$(mktemp -d /tmp/remat-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U remat -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    echo "export REMAT_PG_DIR=$dir"
    echo "export REMAT_TEST_DATABASE_URL=postgres://remat@127.0.0.1:$port/postgres"
    ;;
  stop)
    dir=${2:?usage: pg_cluster.sh stop DIR}
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: pg_cluster.sh start [PORT] | stop DIR" >&2
    exit 2
    ;;
esac
