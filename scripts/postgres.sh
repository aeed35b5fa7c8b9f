#!/usr/bin/env bash
# A throwaway PostgreSQL for tests and the cluster demo (scripts/cluster.sh).
#   scripts/postgres.sh start DIR [PORT]  fresh cluster in DIR (created if missing; must be empty or absent),
#                                         listening only on 127.0.0.1:PORT (default: a free port) and on a
#                                         unix socket in DIR; prints one line on stdout, its URL:
#                                         postgres://postgres@127.0.0.1:PORT/postgres
#   scripts/postgres.sh url DIR           prints the URL of the cluster running in DIR
#   scripts/postgres.sh stop DIR          stops it (fast shutdown) and deletes DIR; fine if already gone
# Installs PostgreSQL from Debian's packages when missing and uses the newest /usr/lib/postgresql/*/bin.
# Run as root, the server runs as the `postgres` system user (or `tandem-pg`, created when there is no
# `postgres` user), so every parent of DIR must be searchable by that user (/tmp is; mktemp -d is not
# until chmod 711). Authentication is `trust` for the unix socket and 127.0.0.1: test use only.
# Settings: max_connections=300, shared_buffers=128MB, and fsync left ON on purpose (benchmarks
# compare against it; only initdb skips its final sync). Log: DIR/log.
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# The newest /usr/lib/postgresql/VERSION/bin (empty when there is none). PATH is not used: Debian
# does not put the server binaries there.
newest_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do if [ -x "$d/initdb" ]; then echo "$d"; fi; done | sort -V | tail -n 1
}

# newest_bin, installing Debian's `postgresql` first when there is none.
pg_bin() {
  local dir
  dir="$(newest_bin)"
  if [ -z "$dir" ]; then
    echo "postgres.sh: installing PostgreSQL from Debian" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    dir="$(newest_bin)"
    if [ -z "$dir" ]; then die "no initdb under /usr/lib/postgresql/*/bin after installing"; fi
  fi
  echo "$dir"
}

# The system user the server runs as (only when we are root; otherwise ourselves).
pg_user() {
  if [ "$(id -u)" -ne 0 ]; then id -un; return; fi
  if id -u postgres >/dev/null 2>&1; then echo postgres; return; fi
  if ! id -u tandem-pg >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin tandem-pg
  fi
  echo tandem-pg
}

# Runs a command as the server's user, from / (the caller's directory may be unreadable to it).
as_user() {
  local user="$1"; shift
  if [ "$(id -u)" -eq 0 ] && [ "$user" != root ]; then
    (cd / && runuser -u "$user" -- env LC_ALL=C LANG=C "$@")
  else
    (cd / && env LC_ALL=C LANG=C "$@")
  fi
}

free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    return
  fi
  local p
  for p in $(seq 55432 56432); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  die "no free port in 55432-56432"
}

abs_dir() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

url_of() { echo "postgres://postgres@127.0.0.1:$1/postgres"; }

# The postmaster's pid from DIR/data/postmaster.pid, if that process is alive.
postmaster_pid() {
  local pid
  pid="$(head -n 1 "$1/data/postmaster.pid" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
}

cmd_start() {
  local dir port="${2:-}" bin user
  dir="$(abs_dir "$1")"
  [ -z "$port" ] || [[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number: $port"
  if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
    die "$dir is not empty (stop the cluster there first: scripts/postgres.sh stop $dir)"
  fi
  [ "${#dir}" -le 90 ] || die "$dir is too long for a unix socket path (keep it under 90 characters)"
  bin="$(pg_bin)"
  user="$(pg_user)"
  mkdir -p "$dir"
  touch "$dir/.tandem-postgres"   # marks the directory as ours: `stop` deletes only such directories
  chown -R "$user:" "$dir"
  chmod 700 "$dir"
  as_user "$user" test -w "$dir" ||
    die "user $user cannot write $dir: a parent directory is not searchable (chmod o+x it, or use /tmp)"

  as_user "$user" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C \
    --no-sync >>"$dir/log" 2>&1 || { cat "$dir/log" >&2; die "initdb failed"; }
  # Trust only the unix socket and 127.0.0.1 (initdb would also trust ::1).
  cat >"$dir/data/pg_hba.conf" <<'EOF'
local all         all                trust
host  all         all  127.0.0.1/32  trust
local replication all                trust
host  replication all  127.0.0.1/32  trust
EOF
  cat >>"$dir/data/postgresql.conf" <<EOF

# scripts/postgres.sh: throwaway test cluster (the port is given on the command line, see DIR/port)
listen_addresses = '127.0.0.1'
unix_socket_directories = '${dir//\'/\'\'}'
max_connections = 300
shared_buffers = 128MB
fsync = on
EOF
  chown "$user:" "$dir/data/pg_hba.conf" "$dir/data/postgresql.conf" "$dir/log"

  for _ in 1 2 3 4 5; do
    local chosen="${port:-$(free_port)}"
    # setsid: the server gets its own session, so a Ctrl-C meant for the caller does not stop it
    # behind the caller's back (the caller's `stop` does, in order). pg_ctl's own messages and the
    # server's log both go to DIR/log, both appending.
    # shellcheck disable=SC2094
    as_user "$user" setsid "$bin/pg_ctl" start -W -D "$dir/data" -l "$dir/log" -o "-p $chosen" \
      </dev/null >>"$dir/log" 2>&1 || { cat "$dir/log" >&2; die "pg_ctl start failed"; }
    # Asked on the unix socket in DIR, which only this cluster has (on 127.0.0.1:PORT another server
    # could answer if the port was taken; this one then exits, unable to bind).
    local waited=0
    while ! "$bin/pg_isready" -q -h "$dir" -p "$chosen" -d postgres -U postgres; do
      if [ "$waited" -ge 300 ] || { [ "$waited" -ge 10 ] && [ ! -e "$dir/data/postmaster.pid" ]; }; then
        break
      fi
      sleep 0.1
      waited=$((waited + 1))
    done
    if "$bin/pg_isready" -q -h "$dir" -p "$chosen" -d postgres -U postgres; then
      echo "$chosen" >"$dir/port"
      url_of "$chosen"
      return 0
    fi
    # The port went to someone else between choosing and binding: choose again (only if we chose).
    if [ -z "$port" ] && [ -z "$(postmaster_pid "$dir")" ] && grep -q 'could not bind\|Address already in use' "$dir/log"; then
      echo "postgres.sh: port $chosen was taken, trying another" >&2
      continue
    fi
    break
  done
  cat "$dir/log" >&2
  as_user "$user" "$bin/pg_ctl" stop -D "$dir/data" -m immediate >/dev/null 2>&1 || true
  die "PostgreSQL in $dir did not become ready (log above; waited up to 30 s)"
}

cmd_url() {
  local dir port bin
  dir="$(abs_dir "$1")"
  port="$(cat "$dir/port" 2>/dev/null)" || die "no cluster in $dir (no $dir/port)"
  bin="$(newest_bin)"
  "$bin/pg_isready" -q -h "$dir" -p "$port" -d postgres -U postgres || die "the cluster in $dir is not running"
  url_of "$port"
}

cmd_stop() {
  local dir bin pid
  dir="$(abs_dir "$1")"
  [ -e "$dir" ] || return 0
  if [ ! -e "$dir/.tandem-postgres" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
    die "$dir was not made by scripts/postgres.sh start; not deleting it"
  fi
  pid="$(postmaster_pid "$dir")"
  if [ -n "$pid" ]; then
    bin="$(newest_bin)"
    as_user "$(stat -c %U "$dir/data")" "$bin/pg_ctl" stop -D "$dir/data" -m fast >/dev/null 2>&1 || true
    # pg_ctl waits up to 60 s; if the server is still there, end it without waiting for clients.
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -QUIT "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  rm -rf "$dir"
}

[ $# -ge 2 ] || usage
case "$1" in
  start) [ $# -le 3 ] || usage; cmd_start "$2" "${3:-}" ;;
  url)   [ $# -eq 2 ] || usage; cmd_url "$2" ;;
  stop)  [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
  *) usage ;;
esac
