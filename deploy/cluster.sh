#!/usr/bin/env bash
# A local cluster on 127.0.0.1: MariaDB, N silos (default 3) and one standalone gateway, each on its own ports.
#
#   deploy/cluster.sh [start] [--silos N] [--data DIR] [--connection-string CS] [--cluster-id ID] [--detach] [--no-build]
#   deploy/cluster.sh stop [--data DIR]
#
# start  Builds the silo and the gateway (Release; CONFIGURATION=Debug to change), starts a private mariadbd under
#        DIR/mariadb unless --connection-string names a database on an existing server, then the silos and the gateway.
#        Waits until every /readyz answers 200, then prints the URLs and the secret token (also in DIR/cluster.env).
#        In the foreground (the default) Ctrl-C stops everything; with --detach it returns and the processes keep
#        running until `deploy/cluster.sh stop`.
# stop   Stops the gateway (it answers requests in progress), then the silos, then the private mariadbd, each by the process
#        id recorded in DIR/pids.
#
# DIR defaults to ./data/cluster under the repository. Starting again with the same DIR keeps the data and the token.
# Ports: the first free ones from 5080 (gateway HTTP), 5001 (silo HTTP), 11111 (silo-to-silo), 30000 (Orleans
# gateway) and 3307 (MariaDB).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIGURATION="${CONFIGURATION:-Release}"

command="start"
if [ $# -gt 0 ] && [[ "$1" != --* ]]; then command="$1"; shift; fi
silos=3
data="$ROOT/data/cluster"
connection_string=""
cluster_id="local"
detach=0
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --silos) silos="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --connection-string) connection_string="$2"; shift 2 ;;
    --cluster-id) cluster_id="$2"; shift 2 ;;
    --detach) detach=1; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see deploy/cluster.sh --help)" >&2; exit 2 ;;
  esac
done
case "$command" in start|stop) ;; *) echo "unknown command: $command (start or stop)" >&2; exit 2 ;; esac
if ! [[ "$silos" =~ ^[1-9][0-9]*$ ]]; then echo "--silos must be a positive number, not '$silos'" >&2; exit 2; fi
mkdir -p "$data"
data="$(cd "$data" && pwd)"
pids="$data/pids"
logs="$data/logs"

# ---- processes, by pid ------------------------------------------------------------------------------------------

# True when the pid in the pid file $1 runs one of our programs: its command line names the data directory (or, for
# the foreground script, this script), so a pid file left behind never leads to signalling an unrelated process.
ours() {
  local file="$1" pid marker="$data"
  [ -f "$file" ] || return 1
  pid="$(cat "$file")"
  [ -r "/proc/$pid/cmdline" ] || return 1
  if [ "$(basename "$file")" = script.pid ]; then marker="cluster.sh"; fi
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -e "$marker"
}

# True while any program of the cluster runs.
any_running() {
  local file
  for file in "$pids"/gateway.pid "$pids"/silo-*.pid "$pids"/mariadb.pid; do
    if ours "$file"; then return 0; fi
  done
  return 1
}

# Sends SIGTERM to the processes of the given pid files and waits up to $1 seconds for them, then SIGKILL.
stop_files() {
  local timeout="$1"; shift
  local file live=()
  for file in "$@"; do
    if ours "$file"; then
      kill -TERM "$(cat "$file")" 2>/dev/null || true
      live+=("$file")
    else
      rm -f "$file"
    fi
  done
  local deadline=$((SECONDS + timeout))
  for file in "${live[@]}"; do
    local pid; pid="$(cat "$file")"
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$(basename "$file" .pid) (pid $pid) did not stop within ${timeout} s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
  done
}

stop_all() {
  shopt -s nullglob
  # The gateway first, while the silos it writes through still run; the database last.
  stop_files 120 "$pids"/gateway.pid
  stop_files 120 "$pids"/silo-*.pid
  stop_files 60 "$pids"/mariadb.pid
  shopt -u nullglob
}

if [ "$command" = stop ]; then
  if [ ! -d "$pids" ]; then echo "nothing runs from $data"; exit 0; fi
  stop_all
  # A cluster started in the foreground: its script exits once everything is stopped.
  if ours "$pids/script.pid"; then kill -TERM "$(cat "$pids/script.pid")" 2>/dev/null || true; fi
  rm -f "$pids/script.pid"
  echo "stopped the cluster of $data"
  exit 0
fi

# ---- start ------------------------------------------------------------------------------------------------------

mkdir -p "$pids" "$logs"
shopt -s nullglob
for file in "$pids"/*.pid; do
  if ours "$file"; then echo "a cluster already runs from $data; stop it first: deploy/cluster.sh stop --data $data" >&2; exit 1; fi
  rm -f "$file"
done
shopt -u nullglob

find_program() {
  local name dir
  for name in "$@"; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
    for dir in /usr/sbin /usr/local/sbin /usr/bin; do
      if [ -x "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
    done
  done
  return 1
}

# Ports chosen in this run: they are not listening yet, so the probe alone would hand them out twice.
declare -A chosen=()
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local port="$1"
  while [ -n "${chosen[$port]:-}" ] || listening "$port"; do port=$((port + 1)); done
  chosen[$port]=1
  echo "$port"
}

# The HTTP status of GET http://127.0.0.1:$1$2, or nothing when nothing answers.
http_status() {
  local status
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 0
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
  read -r -t 5 _ status _ <&3 || true
  exec 3<&-
  echo "$status"
}

# Starts a program in its own session (Ctrl-C reaches this script only, which then stops everything in order),
# output to logs/$1.log, pid to pids/$1.pid.
launch() {
  local name="$1"; shift
  setsid "$@" </dev/null >>"$logs/$name.log" 2>&1 &
  echo $! > "$pids/$name.pid"
}

fail() {
  echo "$1" >&2
  if [ -n "${2:-}" ] && [ -f "$logs/$2.log" ]; then echo "--- last lines of $logs/$2.log ---" >&2; tail -n 40 "$logs/$2.log" >&2; fi
  stop_all
  exit 1
}

if [ "$build" = 1 ]; then
  echo "building the silo and the gateway ($CONFIGURATION)"
  dotnet build "$ROOT/silo/Apperate.Actors.Silo.csproj" -c "$CONFIGURATION" -nologo -v q -clp:ErrorsOnly
  dotnet build "$ROOT/gateway/Apperate.Actors.Gateway.csproj" -c "$CONFIGURATION" -nologo -v q -clp:ErrorsOnly
fi
silo_dll="$ROOT/silo/bin/$CONFIGURATION/net10.0/Apperate.Actors.Silo.dll"
gateway_dll="$ROOT/gateway/bin/$CONFIGURATION/net10.0/Apperate.Actors.Gateway.dll"
for dll in "$silo_dll" "$gateway_dll"; do
  [ -f "$dll" ] || { echo "$dll does not exist: build it first (or leave out --no-build)" >&2; exit 1; }
done

# The workspace's secret token, the same for every silo (a bootstrap token always exists); kept across restarts.
if [ ! -s "$data/token" ]; then
  (umask 077; echo "sk_$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')" > "$data/token")
fi
token="$(cat "$data/token")"

trap 'echo; echo "stopping"; stop_all; rm -f "$pids/script.pid"; exit 0' INT TERM
echo $$ > "$pids/script.pid"

mariadb_port=""
if [ -z "$connection_string" ]; then
  mariadbd="$(find_program mariadbd mysqld)" || { echo "mariadbd is not installed: apt-get install mariadb-server, or pass --connection-string" >&2; exit 1; }
  install_db="$(find_program mariadb-install-db mysql_install_db)" || { echo "mariadb-install-db is not installed: apt-get install mariadb-server" >&2; exit 1; }
  db="$data/mariadb"
  mkdir -p "$db"
  as_root=()
  if [ "$(id -u)" -eq 0 ]; then as_root=(--user=root); fi
  if [ ! -d "$db/data/mysql" ]; then
    echo "creating a MariaDB data directory in $db/data"
    "$install_db" --no-defaults "${as_root[@]}" --datadir="$db/data" --auth-root-authentication-method=normal --skip-test-db \
      >"$logs/mariadb-install.log" 2>&1 || fail "mariadb-install-db failed" mariadb-install
  fi
  if [ ! -s "$db/password" ]; then
    (umask 077; od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$db/password")
  fi
  password="$(cat "$db/password")"
  # Runs at every start: the service's user, allowed the apperate database only, from 127.0.0.1 only.
  (umask 077; cat > "$db/init.sql" <<SQL
CREATE USER IF NOT EXISTS 'apperate'@'127.0.0.1' IDENTIFIED BY '$password';
ALTER USER 'apperate'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL ON \`apperate\`.* TO 'apperate'@'127.0.0.1';
SQL
  )
  mariadb_port="$(free_port 3307)"
  launch mariadb "$mariadbd" --no-defaults "${as_root[@]}" --datadir="$db/data" --port="$mariadb_port" --bind-address=127.0.0.1 \
    --socket="$db/sock" --pid-file="$db/mariadbd.pid" --init-file="$db/init.sql" --skip-name-resolve --skip-log-bin \
    --innodb-buffer-pool-size=64M --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci
  deadline=$((SECONDS + 60))
  until listening "$mariadb_port"; do
    ours "$pids/mariadb.pid" || fail "mariadbd exited" mariadb
    [ "$SECONDS" -lt "$deadline" ] || fail "mariadbd did not accept connections on 127.0.0.1:$mariadb_port within 60 s" mariadb
    sleep 0.2
  done
  connection_string="Server=127.0.0.1;Port=$mariadb_port;User ID=apperate;Password=$password;Database=apperate"
fi

cluster=(--Apperate:Mode=Cluster "--Apperate:ConnectionString=$connection_string" "--Apperate:ClusterId=$cluster_id")
silo_urls=()
for i in $(seq 1 "$silos"); do
  http="$(free_port $((5000 + i)))"
  silo_port="$(free_port $((11110 + i)))"
  gateway_port="$(free_port $((29999 + i)))"
  mkdir -p "$data/silo-$i"
  launch "silo-$i" dotnet "$silo_dll" --urls "http://127.0.0.1:$http" "${cluster[@]}" --Apperate:AdvertisedAddress=127.0.0.1 \
    "--Apperate:SiloPort=$silo_port" "--Apperate:GatewayPort=$gateway_port" "--Apperate:DataDirectory=$data/silo-$i" \
    "--Apperate:BootstrapToken=$token"
  silo_urls+=("http://127.0.0.1:$http")
done
gateway_http="$(free_port 5080)"
mkdir -p "$data/gateway"
launch gateway dotnet "$gateway_dll" --urls "http://127.0.0.1:$gateway_http" "${cluster[@]}" "--Apperate:DataDirectory=$data/gateway"
gateway_url="http://127.0.0.1:$gateway_http"

echo "waiting for ${silos} silos and the gateway to be ready (logs in $logs)"
wait_ready() {
  local name="$1" url="$2" deadline=$((SECONDS + 180))
  until [ "$(http_status "${url##*:}" /readyz)" = 200 ]; do
    ours "$pids/$name.pid" || fail "$name exited before it was ready" "$name"
    [ "$SECONDS" -lt "$deadline" ] || fail "$name at $url did not answer GET /readyz with 200 within 180 s" "$name"
    sleep 0.5
  done
}
for i in $(seq 1 "$silos"); do wait_ready "silo-$i" "${silo_urls[$((i - 1))]}"; done
wait_ready gateway "$gateway_url"

{
  echo "GATEWAY_URL=$gateway_url"
  echo "SILO_URLS=\"${silo_urls[*]}\""
  echo "WORKSPACE=DEMO"
  echo "TOKEN=$token"
  echo "CONNECTION_STRING=\"$connection_string\""
} > "$data/cluster.env"
chmod 600 "$data/cluster.env"

echo
echo "Apperate.Actors cluster '$cluster_id' is ready:"
echo "  gateway  $gateway_url  (standalone, an Orleans client)"
for i in $(seq 1 "$silos"); do echo "  silo $i   ${silo_urls[$((i - 1))]}  (co-hosted API)"; done
if [ -n "$mariadb_port" ]; then echo "  MariaDB  127.0.0.1:$mariadb_port  (private server, data in $data/mariadb)"; fi
echo "  workspace DEMO, secret token: $token"
echo "  try: curl -s \"$gateway_url/v1/datasets/DEMO?token=$token\""
echo "  logs in $logs; URLs and token in $data/cluster.env"

if [ "$detach" = 1 ]; then
  rm -f "$pids/script.pid"
  echo "  stop with: deploy/cluster.sh stop --data $data"
  exit 0
fi
echo "  Ctrl-C (or deploy/cluster.sh stop --data $data) stops everything"
# Each process was started in the background of this script: wait for them, or for Ctrl-C.
while any_running; do
  wait -n 2>/dev/null || true
  sleep 0.5
done
rm -f "$pids/script.pid"
