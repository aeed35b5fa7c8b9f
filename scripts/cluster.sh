#!/usr/bin/env bash
# A Tandem cluster on one machine: a throwaway PostgreSQL (scripts/postgres.sh), two tandem-server
# instances (a, b) on free ports, and nginx in front on 127.0.0.1:PORT (and [::1]:PORT when IPv6
# loopback works), serving the demo at http://127.0.0.1:PORT/demo/ with the widget from
# http://localhost:PORT, as scripts/demo.sh does for a single instance.
#   scripts/cluster.sh [--port 8080] [--no-build] [-- SERVER_ARGS...]
#       Runs in the foreground; Ctrl-C or SIGTERM stops nginx, both instances and PostgreSQL.
#       --no-build uses the existing target/release/tandem-server and dist/; SERVER_ARGS go to both.
#       TANDEM_SERVER_BIN=PATH runs that server binary (the end-to-end tests use the debug build).
#       TANDEM_CLUSTER_DIR=DIR keeps the logs, nginx config and PostgreSQL there (default: a fresh
#       mktemp -d, deleted on a clean stop; kept for inspection when start-up fails).
#   scripts/cluster.sh --print-nginx-config A_PORT B_PORT PORT
#       Prints the nginx config only (every path in it is relative to nginx's -p prefix).
# Installs nginx from Debian's packages when missing; runs it with its own prefix, touching neither
# /etc/nginx nor /var.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

die() { echo "cluster.sh: $*" >&2; exit 1; }
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# True when ::1 is configured on this machine (then nginx also listens there: `localhost` may
# resolve to ::1 first).
ipv6_loopback() { grep -qi '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; }

# nginx config for two instances on 127.0.0.1:A_PORT and 127.0.0.1:B_PORT behind PORT.
nginx_config() {
  local a="$1" b="$2" port="$3" listen6="# no IPv6 loopback on this machine: IPv4 only"
  if ipv6_loopback; then listen6="listen [::1]:$port;"; fi
  cat <<EOF
# nginx in front of two Tandem instances (scripts/cluster.sh --print-nginx-config $a $b $port).
# Every path is relative to the prefix, so this runs from any directory D holding it:
#   nginx -p D/ -c D/nginx.conf -e D/error.log -g 'daemon off;'
# Started as root, the workers run as nobody: D and its parents must be searchable (chmod 711).
worker_processes auto;
worker_rlimit_nofile 20000;
pid nginx.pid;
error_log error.log notice;

events {
    worker_connections 8192;
}

http {
    log_format upstream '\$remote_addr [\$time_local] "\$request" \$status \$body_bytes_sent '
                        'upstream=\$upstream_addr (\$upstream_status) \$request_time s';
    access_log access.log upstream;
    client_body_temp_path temp-body;
    proxy_temp_path temp-proxy;
    fastcgi_temp_path temp-fastcgi;
    uwsgi_temp_path temp-uwsgi;
    scgi_temp_path temp-scgi;
    # Request bodies (at most client_max_body_size, 1m) stay in memory, never in temp-body.
    client_body_buffer_size 1m;

    upstream tandem {
        zone tandem 64k;  # failure counts shared by all workers
        server 127.0.0.1:$a max_fails=1 fail_timeout=5s;
        server 127.0.0.1:$b max_fails=1 fail_timeout=5s;
        # No upstream keepalive on purpose: a request on a fresh connection to a stopped instance
        # fails before it is sent, so nginx retries even a POST on the other instance.
    }

    server {
        listen 127.0.0.1:$port;
        $listen6
        server_name 127.0.0.1 localhost;

        location / {
            proxy_pass http://tandem;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            # Server-Sent Events: every event is passed on at once; streams stay open for an hour
            # without traffic (the server's keep-alives come much more often). Request headers,
            # Last-Event-ID included, are passed on unchanged.
            proxy_buffering off;
            proxy_cache off;
            proxy_read_timeout 1h;
            proxy_connect_timeout 5s;
            # The other instance gets the request when one is down. nginx retries only idempotent
            # requests once sent (a POST only when the connection itself failed).
            proxy_next_upstream error timeout http_502 http_503;
        }
    }
}
EOF
}

if [ "${1:-}" = --print-nginx-config ]; then
  [ $# -eq 4 ] || usage
  for p in "$2" "$3" "$4"; do [[ "$p" =~ ^[0-9]+$ ]] || die "not a port: $p"; done
  nginx_config "$2" "$3" "$4"
  exit 0
fi

port=8080
build=1
server_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || usage; port="$2"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    --no-build) build=0; shift ;;
    --) shift; server_args=("$@"); break ;;
    -h|--help) usage ;;
    *) echo "cluster.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[[ "$port" =~ ^[0-9]+$ ]] || die "--port needs a number: $port"

# N free TCP ports on 127.0.0.1, one a line, all different.
free_ports() {
  if command -v python3 >/dev/null; then
    python3 - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
for s in socks:
    print(s.getsockname()[1])
EOF
    return
  fi
  local p n=0
  for p in $(seq 55500 56500); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; n=$((n + 1)); fi
    [ "$n" -lt "$1" ] || return 0
  done
  die "not enough free ports in 55500-56500"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cd "$root"
port_in_use "$port" && die "port $port is in use (choose another with --port)"
command -v curl >/dev/null || die "curl is needed"

nginx_bin="$(command -v nginx || true)"
[ -n "$nginx_bin" ] || [ ! -x /usr/sbin/nginx ] || nginx_bin=/usr/sbin/nginx
if [ -z "$nginx_bin" ]; then
  echo "[cluster] installing nginx from Debian" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null 2>&1 ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
  nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
  [ -x "$nginx_bin" ] || die "nginx is not installed"
fi

if [ "$build" = 1 ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
  if [ ! -f dist/embed/index.html ] || [ ! -f dist/console/index.html ]; then scripts/build.sh; fi
  echo "[cluster] cargo build --release -p tandem-server" >&2
  cargo build --release -p tandem-server
fi
server="${TANDEM_SERVER_BIN:-$root/target/release/tandem-server}"
[ -x "$server" ] || die "$server is missing (run without --no-build)"

created=0
if [ -n "${TANDEM_CLUSTER_DIR:-}" ]; then
  dir="$TANDEM_CLUSTER_DIR"
  case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
  mkdir -p "$dir"
else
  dir="$(mktemp -d -t tandem-cluster.XXXXXX)"
  created=1
fi
# PostgreSQL's user and nginx's workers must reach their directories inside.
chmod 711 "$dir"

nginx_pid=""
pids=()      # instance pids, in the order of names
names=()
sleep_pid=""
started=0
pg_started=0
cleanup() {
  local rc=$? i pid
  trap - EXIT INT TERM HUP
  set +e
  if [ "$started" = 0 ] && [ "$rc" -ne 0 ]; then echo "[cluster] start-up failed (status $rc)" >&2; fi
  [ -z "$sleep_pid" ] || kill "$sleep_pid" 2>/dev/null
  if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
    echo "[cluster] stopping nginx" >&2
    kill -TERM "$nginx_pid" 2>/dev/null
    wait "$nginx_pid" 2>/dev/null
  fi
  # Instances shut down gracefully (streams told to reconnect, replies finished) within ~10 s.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for i in "${!pids[@]}"; do
    pid="${pids[$i]}"
    kill -0 "$pid" 2>/dev/null || continue
    echo "[cluster] stopping instance ${names[$i]}" >&2
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [ "$pg_started" = 1 ]; then
    echo "[cluster] stopping PostgreSQL" >&2
    "$root/scripts/postgres.sh" stop "$dir/pg"
  fi
  if [ "$created" = 1 ] && [ "$started" = 1 ]; then
    rm -rf "$dir"
  else
    echo "[cluster] logs kept in $dir" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

fail_with_log() { echo "---- $1 (last lines) ----" >&2; tail -n 40 "$1" >&2 || true; die "$2"; }

[ ! -e "$dir/pg" ] || die "$dir/pg exists: is another cluster using $dir? (else: scripts/postgres.sh stop $dir/pg)"
echo "[cluster] PostgreSQL in $dir/pg" >&2
pg_started=1
url="$("$root/scripts/postgres.sh" start "$dir/pg")"

ports="$(free_ports 2)"
port_a="${ports%%$'\n'*}"
port_b="${ports##*$'\n'}"

# Waits until an instance answers the demo merchant's config (60 s at most).
wait_ready() {
  local name="$1" pid="$2" p="$3" log="$4" i
  for i in $(seq 1 600); do
    if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$p/v1/merchants/nordic-outdoor/config" 2>/dev/null; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || fail_with_log "$log" "instance $name exited during start-up"
    sleep 0.1
  done
  fail_with_log "$log" "instance $name did not answer within 60 s"
}

# One after the other: the first runs the migrations and seeds the demo on the fresh database.
for name in a b; do
  if [ "$name" = a ]; then p="$port_a"; else p="$port_b"; fi
  log="$dir/$name.log"
  echo "[cluster] instance $name on 127.0.0.1:$p (log $log)" >&2
  # setsid: a Ctrl-C reaches this script only, which stops everything in order. One writer each:
  # the database on this machine sees both instances' writers (see --database-writers).
  TANDEM_PUBLIC_ORIGIN="http://localhost:$port" TANDEM_INSTANCE="$name" TANDEM_DATABASE_WRITERS="${TANDEM_DATABASE_WRITERS:-1}" \
    setsid "$server" --demo --support-hours always --database-url "$url" --bind "127.0.0.1:$p" --trusted-proxy 127.0.0.1 \
    ${server_args[@]+"${server_args[@]}"} </dev/null >"$log" 2>&1 &
  pids+=("$!")
  names+=("$name")
  wait_ready "$name" "$!" "$p" "$log"
done

mkdir -p "$dir/nginx"
nginx_config "$port_a" "$port_b" "$port" >"$dir/nginx/nginx.conf"
nginx_args=(-p "$dir/nginx/" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log")
"$nginx_bin" -t -q "${nginx_args[@]}" || die "nginx rejects $dir/nginx/nginx.conf"
echo "[cluster] nginx on 127.0.0.1:$port (config $dir/nginx/nginx.conf)" >&2
setsid "$nginx_bin" "${nginx_args[@]}" -g 'daemon off;' </dev/null >>"$dir/nginx/error.log" 2>&1 &
nginx_pid=$!
for i in $(seq 1 100); do
  if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/v1/merchants/nordic-outdoor/config" 2>/dev/null; then
    break
  fi
  kill -0 "$nginx_pid" 2>/dev/null || fail_with_log "$dir/nginx/error.log" "nginx exited during start-up"
  [ "$i" -lt 100 ] || fail_with_log "$dir/nginx/error.log" "nothing answers through nginx on port $port"
  sleep 0.1
done
started=1

echo
echo "Tandem cluster: PostgreSQL + instances a (127.0.0.1:$port_a) and b (127.0.0.1:$port_b) behind nginx"
echo "  Demo:          http://127.0.0.1:$port/demo/  (widget served from http://localhost:$port)"
echo "  Agent console: http://127.0.0.1:$port/console/"
grep 'demo agent' "$dir/a.log" | sed 's/^ */  /' || true
echo "  PostgreSQL:    $url"
echo "  Logs:          $dir/{a,b}.log, $dir/nginx/{access,error}.log, $dir/pg/log"
echo "Stop one instance (kill ${pids[0]} or kill ${pids[1]}) to see the other take over; Ctrl-C stops all."

# Runs until a signal; reports instances that stop on their own (nginx sends their traffic to the other).
reported=()
while :; do
  sleep 1 &
  sleep_pid=$!
  wait "$sleep_pid" || true
  sleep_pid=""
  kill -0 "$nginx_pid" 2>/dev/null || fail_with_log "$dir/nginx/error.log" "nginx exited"
  alive=0
  for i in "${!pids[@]}"; do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      alive=$((alive + 1))
    elif [[ " ${reported[*]-} " != *" $i "* ]]; then
      reported+=("$i")
      echo "[cluster] instance ${names[$i]} (pid ${pids[$i]}) exited; nginx sends its traffic to the other" >&2
    fi
  done
  [ "$alive" -gt 0 ] || die "both instances exited"
done
