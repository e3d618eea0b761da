#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, the scale demo, benchmarks and CI: no system service,
# nothing outside its folder. Runs the server as the `postgres` user when started by root
# (PostgreSQL refuses to run as root), as the caller otherwise.
#
#   scripts/postgres.sh start [DIR]      # initdb + start on a free 127.0.0.1 port; prints the
#                                        # connection URI of database "sc" (also in DIR/conninfo)
#   scripts/postgres.sh createdb DIR NAME  # a fresh database in that cluster; prints its URI
#   scripts/postgres.sh stop DIR         # stops the server and removes DIR
#   scripts/postgres.sh pause|resume DIR # stop / start the server, keeping its data (tests of
#                                        # the daemons' behaviour while the database is away)
#
# Authentication is scram-sha-256 with a random password kept in DIR/pgpass (mode 0600, owned by
# the caller); the URI names that file with passfile=, so no password is ever on a command line.
set -euo pipefail

usage() {
  sed -n '2,13p' "$0" >&2
  exit 2
}

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [[ -n $dir && -x $dir/initdb ]] || {
    echo "postgres.sh: PostgreSQL server binaries not found; run scripts/setup.sh (postgresql-15)" >&2
    exit 1
  }
  echo "$dir"
}

# Runs a server binary as the cluster's owner.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

uri_for() {  # DIR DATABASE
  local dir=$1 database=$2
  echo "postgresql://sc@127.0.0.1:$(cat "$dir/port")/$database?passfile=$dir/pgpass"
}

start_server() {  # DIR
  local dir=$1 bin
  bin=$(pg_bin)
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 \
    -o "-p $(cat "$dir/port") -k $dir/socket -c listen_addresses=127.0.0.1" start >/dev/null
}

cmd_start() {
  local dir=${1:-}
  local bin
  bin=$(pg_bin)
  if [[ -z $dir ]]; then
    dir=$(mktemp -d /tmp/sc-postgres.XXXXXX)
  else
    mkdir -p "$dir"
  fi
  dir=$(cd "$dir" && pwd)
  chmod 0755 "$dir"
  mkdir -p "$dir/socket" "$dir/data"
  local password
  password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  (umask 077 && printf '%s\n' "$password" >"$dir/password.tmp")
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- test -x "$dir" 2>/dev/null || {
      echo "postgres.sh: the postgres user cannot reach $dir (a parent folder is private);" \
        "choose a folder under /tmp" >&2
      exit 1
    }
    id postgres >/dev/null 2>&1 || {
      echo "postgres.sh: no postgres user; run scripts/setup.sh (postgresql-15)" >&2
      exit 1
    }
    chown postgres: "$dir/socket" "$dir/data" "$dir/password.tmp"
  fi
  as_owner "$bin/initdb" -D "$dir/data" -U sc --auth=scram-sha-256 --pwfile="$dir/password.tmp" \
    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }
  rm -f "$dir/password.tmp"
  free_port >"$dir/port"
  (umask 077 && printf '127.0.0.1:%s:*:sc:%s\n' "$(cat "$dir/port")" "$password" >"$dir/pgpass")
  start_server "$dir" || {
    cat "$dir/data/server.log" >&2
    exit 1
  }
  PGPASSFILE="$dir/pgpass" "$bin/psql" -X -q -h 127.0.0.1 -p "$(cat "$dir/port")" -U sc \
    -d postgres -c "CREATE DATABASE sc" >/dev/null
  uri_for "$dir" sc | tee "$dir/conninfo"
}

cmd_createdb() {
  local dir=${1:?DIR} name=${2:?NAME}
  [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || {
    echo "postgres.sh: a database name is lower-case letters, digits and _" >&2
    exit 2
  }
  PGPASSFILE="$dir/pgpass" "$(pg_bin)/psql" -X -q -h 127.0.0.1 -p "$(cat "$dir/port")" -U sc \
    -d postgres -c "CREATE DATABASE $name" >/dev/null
  uri_for "$dir" "$name"
}

cmd_pause() {
  local dir=${1:?DIR}
  as_owner "$(pg_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
}

cmd_stop() {
  local dir=${1:?DIR}
  [[ -f $dir/port ]] || {
    echo "postgres.sh: $dir is not a cluster made by this script" >&2
    exit 1
  }
  if [[ -f $dir/data/postmaster.pid ]]; then
    as_owner "$(pg_bin)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case ${1:-} in
  start) cmd_start "${2:-}" ;;
  createdb) cmd_createdb "${2:-}" "${3:-}" ;;
  pause) cmd_pause "${2:-}" ;;
  resume) start_server "${2:?DIR}" ;;
  stop) cmd_stop "${2:-}" ;;
  *) usage ;;
esac
