#!/usr/bin/env bash
# The benchmark, in one command: builds Release, starts the real service on free loopback ports with a fresh data
# directory, runs the load generator and baselines against it, stops the service (SIGTERM, by pid) and writes
# bench/report.md and bench/report.json (bench/smoke-report.* with --smoke). Then, when mariadbd is installed, the
# cluster part: deploy/cluster.sh starts MariaDB, 3 silos and the standalone gateway in the run's temp directory, the
# cluster groups (writes through the gateway, failover) run against it, the cluster is stopped (by pid) and the report
# gets its cluster section.
#
#   bench/run.sh                 full run (15 s per timed scenario, 1,000,000-row batch loads; about 10 minutes)
#   bench/run.sh --smoke         tiny sizes, about a minute in total (half of it the cluster part)
#   bench/run.sh --duration N    N seconds per timed scenario (the cluster part's too)
#   bench/run.sh --cluster       the cluster part is required (fails without mariadbd); with --only naming no cluster
#                                group, every cluster group runs after the named ones
#   bench/run.sh --no-cluster    the embedded part only
#   bench/run.sh --only cluster,failover   the cluster part alone (groups: cluster, its parts cluster-single,
#                                cluster-batch, cluster-wait; failover); --only may mix embedded and cluster groups
#   bench/run.sh --silo-arg ARG  one more argument for the embedded service (repeatable), e.g. --Logging:LogLevel:Default=Warning
#   bench/run.sh --trace         also sample the service's thread stacks with dotnet-trace (bench/dotnet-tools.json)
#                                into bench/out/silo.nettrace and its top methods into bench/out/silo-top*.txt
#   bench/run.sh --perf          also sample the service's CPU with Linux perf (apt: linux-perf), JIT frames named,
#                                into bench/out/silo.perf.data and its top functions into bench/out/silo-perf-*.txt
# --trace and --perf sample the embedded service only. Other options are passed to the bench tool (see
# bench/README.md), e.g. --only batch,read or --rows 200000.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
RUN_COMMAND="bench/run.sh${*:+ $*}"

TRACE=0
PERF=0
CLUSTER=auto
ONLY=""
REPORT_NAME=report
BENCH_ARGS=()
EXTRA_SILO_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) BENCH_ARGS+=("--duration" "${2:?--duration needs a number of seconds}"); shift ;;
    --silo-arg) EXTRA_SILO_ARGS+=("${2:?--silo-arg needs a value}"); shift ;;
    --trace) TRACE=1 ;;
    --perf) PERF=1 ;;
    --cluster) CLUSTER=1 ;;
    --no-cluster) CLUSTER=0 ;;
    --only) ONLY="${2:?--only needs a list of groups}"; shift ;;
    --smoke) BENCH_ARGS+=("$1"); [ "$REPORT_NAME" = report ] && REPORT_NAME=smoke-report ;;
    --name) REPORT_NAME="${2:?--name needs a name}"; BENCH_ARGS+=("$1" "$2"); shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) BENCH_ARGS+=("$1") ;;
  esac
  shift
done

# --only: the embedded part's groups and the cluster part's (cluster, cluster-*, failover).
EMBEDDED_ONLY=""
CLUSTER_ONLY=""
IFS=',' read -ra ONLY_GROUPS <<< "$ONLY"
for group in ${ONLY_GROUPS[@]+"${ONLY_GROUPS[@]}"}; do
  group="$(echo "$group" | tr -d ' ' | tr '[:upper:]' '[:lower:]')"
  case "$group" in
    "") ;;
    cluster|cluster-*|failover) CLUSTER_ONLY="${CLUSTER_ONLY:+$CLUSTER_ONLY,}$group" ;;
    *) EMBEDDED_ONLY="${EMBEDDED_ONLY:+$EMBEDDED_ONLY,}$group" ;;
  esac
done
RUN_EMBEDDED=1
if [ -n "$ONLY" ] && [ -z "$EMBEDDED_ONLY" ]; then RUN_EMBEDDED=0; fi
if [ -n "$CLUSTER_ONLY" ] && [ "$CLUSTER" = 0 ]; then
  echo "--no-cluster, but --only names cluster groups ($CLUSTER_ONLY)"
  exit 2
fi
# The cluster part runs when asked for (--cluster, cluster groups in --only) and, in a run without --only, whenever
# mariadbd is installed; otherwise the report says why it did not (a run with --only of embedded groups says nothing).
RUN_CLUSTER=0
CLUSTER_NOTE=""
HAVE_MARIADBD=0
if command -v mariadbd >/dev/null 2>&1 || command -v mysqld >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || [ -x /usr/sbin/mysqld ]; then HAVE_MARIADBD=1; fi
if [ "$CLUSTER" = 1 ] || [ -n "$CLUSTER_ONLY" ]; then
  if [ "$HAVE_MARIADBD" = 0 ]; then
    echo "the cluster part needs mariadbd (apt-get install mariadb-server); without it: leave out --cluster and the cluster groups"
    exit 2
  fi
  RUN_CLUSTER=1
elif [ -z "$ONLY" ]; then
  if [ "$CLUSTER" = 0 ]; then CLUSTER_NOTE="--no-cluster"
  elif [ "$HAVE_MARIADBD" = 0 ]; then CLUSTER_NOTE="no mariadbd"
  else RUN_CLUSTER=1
  fi
fi
if { [ "$TRACE" = 1 ] || [ "$PERF" = 1 ]; } && [ "$RUN_EMBEDDED" = 0 ]; then
  echo "--trace and --perf sample the embedded service, which this run does not start (--only names cluster groups only)"
  exit 2
fi

if [ "$PERF" = 1 ] && ! command -v perf >/dev/null; then
  echo "--perf needs Linux perf: apt-get install -y linux-perf"
  exit 2
fi

echo "== building Release"
dotnet build silo/Apperate.Actors.Silo.csproj -c Release -nologo -clp:ErrorsOnly -v:q
if [ "$RUN_CLUSTER" = 1 ]; then dotnet build gateway/Apperate.Actors.Gateway.csproj -c Release -nologo -clp:ErrorsOnly -v:q; fi
dotnet build bench/Apperate.Actors.Bench/Apperate.Actors.Bench.csproj -c Release -nologo -clp:ErrorsOnly -v:q
SILO_DLL="$REPO/silo/bin/Release/net10.0/Apperate.Actors.Silo.dll"
BENCH_DLL="$REPO/bench/Apperate.Actors.Bench/bin/Release/net10.0/Apperate.Actors.Bench.dll"

WORK="$(mktemp -d -t apperate-bench.XXXXXX)"
DATA="$WORK/data"
mkdir -p "$DATA"
TOKEN="sk_bench_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
read -r HTTP_PORT SILO_PORT GATEWAY_PORT < <(dotnet "$BENCH_DLL" --print-free-ports 3)
URL="http://127.0.0.1:$HTTP_PORT"
# The rules group's webhook receiver listens on 127.0.0.1 in the bench process; webhooks to loopback are refused unless
# listed. Always passed: it only widens where rules may send, and no other group creates rules.
SILO_ARGS=(--urls "$URL" "--Apperate:DataDirectory=$DATA" "--Apperate:BootstrapToken=$TOKEN"
  "--Apperate:SiloPort=$SILO_PORT" "--Apperate:GatewayPort=$GATEWAY_PORT" "--Apperate:Rules:AllowedWebhookHosts:0=127.0.0.1"
  ${EXTRA_SILO_ARGS[@]+"${EXTRA_SILO_ARGS[@]}"})
SILO_COMMAND="dotnet silo/bin/Release/net10.0/Apperate.Actors.Silo.dll ${SILO_ARGS[*]}"
SILO_COMMAND="${SILO_COMMAND//$TOKEN/\$TOKEN}"
SILO_LOG="$WORK/silo.log"
SILO_PID=""
TRACE_PID=""
PERF_PID=""
CLUSTER_DIR="$WORK/cluster"
CLUSTER_STARTED=0

stop_trace() {
  if [ -n "$TRACE_PID" ] && kill -0 "$TRACE_PID" 2>/dev/null; then
    # The whole job's process group: 'dotnet tool run' starts the tool as a child process.
    kill -INT -- "-$TRACE_PID" 2>/dev/null || true
    for _ in $(seq 1 600); do
      kill -0 "$TRACE_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$TRACE_PID" 2>/dev/null && kill -KILL -- "-$TRACE_PID" 2>/dev/null
    wait "$TRACE_PID" 2>/dev/null || true
  fi
  TRACE_PID=""
}

stop_silo() {
  if [ -n "$SILO_PID" ] && kill -0 "$SILO_PID" 2>/dev/null; then
    echo "== stopping the service (SIGTERM to pid $SILO_PID)"
    kill -TERM "$SILO_PID" 2>/dev/null || true
    for _ in $(seq 1 900); do
      kill -0 "$SILO_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$SILO_PID" 2>/dev/null; then
      echo "the service did not stop within 90 s; SIGKILL to pid $SILO_PID"
      kill -KILL "$SILO_PID" 2>/dev/null || true
    fi
    local status=0
    wait "$SILO_PID" 2>/dev/null || status=$?
    echo "the service exited with status $status"
  fi
  SILO_PID=""
}
# deploy/cluster.sh stops the gateway, the silos and mariadbd, each by the pid it recorded in the cluster's directory.
stop_cluster() {
  if [ "$CLUSTER_STARTED" = 1 ]; then
    echo "== stopping the cluster (deploy/cluster.sh stop --data $CLUSTER_DIR)"
    "$REPO/deploy/cluster.sh" stop --data "$CLUSTER_DIR" || echo "deploy/cluster.sh stop exited with status $?"
  fi
  CLUSTER_STARTED=0
}
cleanup() {
  stop_trace
  if [ -n "$PERF_PID" ] && kill -0 "$PERF_PID" 2>/dev/null; then kill -INT "$PERF_PID" 2>/dev/null || true; fi
  stop_silo
  stop_cluster
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The embedded part: one silo on SQLite, every group named (or all), the report written by the bench tool.
run_embedded() {
  echo "== starting the service: $SILO_COMMAND"
  if [ "$PERF" = 1 ]; then
    # perf names JIT-compiled frames from /tmp/perf-<pid>.map; W^X double mapping would hide them behind memfd:doublemapper.
    export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
  fi
  (cd "$WORK" && exec dotnet "$SILO_DLL" "${SILO_ARGS[@]}") >"$SILO_LOG" 2>&1 &
  SILO_PID=$!

  ready=0
  for _ in $(seq 1 600); do
    if ! kill -0 "$SILO_PID" 2>/dev/null; then
      echo "the service exited before it was ready; its output:"
      tail -n 80 "$SILO_LOG"
      return 1
    fi
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz" || true)" = "200" ]; then
      ready=1
      break
    fi
    sleep 0.1
  done
  if [ "$ready" != 1 ]; then
    echo "the service did not answer GET /readyz with 200 within 60 s; its output:"
    tail -n 80 "$SILO_LOG"
    return 1
  fi
  echo "== the service is ready at $URL (pid $SILO_PID)"

  if [ "$TRACE" = 1 ]; then
    mkdir -p "$REPO/bench/out"
    (cd "$REPO/bench" && dotnet tool restore >/dev/null)
    echo "== tracing the service with dotnet-trace (dotnet-sampled-thread-time) into bench/out/silo.nettrace"
    # Job control on: a background job of a non-interactive shell ignores SIGINT, and SIGINT is how dotnet-trace stops cleanly.
    set -m
    (cd "$REPO/bench" && exec dotnet tool run dotnet-trace -- collect -p "$SILO_PID" --profile dotnet-sampled-thread-time \
      -o "$REPO/bench/out/silo.nettrace" </dev/null >"$WORK/trace.log" 2>&1) &
    TRACE_PID=$!
    set +m
    sleep 2
  fi

  if [ "$PERF" = 1 ]; then
    mkdir -p "$REPO/bench/out"
    echo "== sampling the service with perf (999 Hz, call graphs) into bench/out/silo.perf.data"
    perf record -F 999 -g -p "$SILO_PID" -o "$REPO/bench/out/silo.perf.data" >"$WORK/perf.log" 2>&1 &
    PERF_PID=$!
  fi

  set +e
  dotnet "$BENCH_DLL" --url "$URL" --token "$TOKEN" --out "$REPO/bench" --silo-pid "$SILO_PID" \
    --silo-command "$SILO_COMMAND" --run-command "$RUN_COMMAND" --work-dir "$WORK/bench" \
    ${EMBEDDED_ONLY:+--only "$EMBEDDED_ONLY"} ${CLUSTER_NOTE:+--cluster-note "$CLUSTER_NOTE"} ${BENCH_ARGS[@]+"${BENCH_ARGS[@]}"}
  BENCH_STATUS=$?
  set -e

  if [ -n "$TRACE_PID" ]; then
    stop_trace
    (cd "$REPO/bench" && dotnet tool run dotnet-trace -- report out/silo.nettrace topN -n 40 >out/silo-top-exclusive.txt 2>&1 || true)
    (cd "$REPO/bench" && dotnet tool run dotnet-trace -- report out/silo.nettrace topN -n 60 --inclusive >out/silo-top-inclusive.txt 2>&1 || true)
    echo "== trace: bench/out/silo.nettrace, bench/out/silo-top-exclusive.txt, bench/out/silo-top-inclusive.txt"
  fi
  if [ -n "$PERF_PID" ]; then
    kill -INT "$PERF_PID" 2>/dev/null || true
    wait "$PERF_PID" 2>/dev/null || true
    perf report -i "$REPO/bench/out/silo.perf.data" --no-children --sort dso,symbol --stdio -g none >"$REPO/bench/out/silo-perf-self.txt" 2>/dev/null || true
    perf report -i "$REPO/bench/out/silo.perf.data" --children --sort symbol --stdio -g none >"$REPO/bench/out/silo-perf-inclusive.txt" 2>/dev/null || true
    echo "== perf: bench/out/silo.perf.data, bench/out/silo-perf-self.txt, bench/out/silo-perf-inclusive.txt (perf report -i … for call graphs)"
  fi
  stop_silo
  if [ "$BENCH_STATUS" -ne 0 ]; then
    echo "the bench tool exited with status $BENCH_STATUS; the service's last output lines:"
    grep -E '^(fail|crit|warn)' -A3 "$SILO_LOG" | tail -n 40 || true
  fi
  return "$BENCH_STATUS"
}

# The cluster part: deploy/cluster.sh starts MariaDB, 3 silos and the gateway in the run's temp directory; the bench tool
# runs the cluster groups against the gateway (and the silos: failover kills two of them) and adds its section to the
# report the embedded part wrote (or starts one); then the cluster is stopped by pid.
run_cluster() {
  local silos=3 append=()
  if [ "$EMBEDDED_REPORTED" = 1 ]; then append=(--append); fi
  local command="deploy/cluster.sh start --detach --silos $silos --data $CLUSTER_DIR --no-build"
  echo "== starting the cluster: $command"
  CLUSTER_STARTED=1
  if ! "$REPO/deploy/cluster.sh" start --detach --silos "$silos" --data "$CLUSTER_DIR" --no-build >"$WORK/cluster-start.log" 2>&1; then
    echo "the cluster did not start; deploy/cluster.sh said:"
    tail -n 60 "$WORK/cluster-start.log"
    dotnet "$BENCH_DLL" --out "$REPO/bench" --name "$REPORT_NAME" ${append[@]+"${append[@]}"} \
      --cluster-note "the cluster did not start: $(grep -v '^\s*$' "$WORK/cluster-start.log" | grep -v -- '^---' | tail -n 1)" || true
    return 1
  fi
  cluster_value() { sed -n "s/^$1=//p" "$CLUSTER_DIR/cluster.env" | head -n 1 | sed 's/^"\(.*\)"$/\1/'; }
  local gateway_url silo_urls token silo_pids="" i
  gateway_url="$(cluster_value GATEWAY_URL)"
  silo_urls="$(cluster_value SILO_URLS)"
  token="$(cluster_value TOKEN)"
  for i in $(seq 1 "$silos"); do silo_pids="${silo_pids:+$silo_pids,}$(cat "$CLUSTER_DIR/pids/silo-$i.pid")"; done
  echo "== the cluster is ready: gateway $gateway_url, silos $silo_urls (pids $silo_pids)"
  local status=0
  set +e
  dotnet "$BENCH_DLL" --cluster --url "$gateway_url" --token "$token" --silo-urls "${silo_urls// /,}" --silo-pids "$silo_pids" \
    --gateway-pid "$(cat "$CLUSTER_DIR/pids/gateway.pid")" --database-pid "$(cat "$CLUSTER_DIR/pids/mariadb.pid")" \
    --cluster-command "$command" --out "$REPO/bench" --run-command "$RUN_COMMAND" --work-dir "$WORK/bench-cluster" ${append[@]+"${append[@]}"} \
    ${CLUSTER_ONLY:+--only "$CLUSTER_ONLY"} ${BENCH_ARGS[@]+"${BENCH_ARGS[@]}"}
  status=$?
  set -e
  if [ "$status" -ne 0 ]; then
    echo "the bench tool's cluster part exited with status $status; the cluster's last warnings and errors:"
    grep -E '^(fail|crit)' -A3 "$CLUSTER_DIR"/logs/gateway.log "$CLUSTER_DIR"/logs/silo-*.log 2>/dev/null | tail -n 40 || true
  fi
  stop_cluster
  return "$status"
}

# The report's modification time, to tell whether the embedded part wrote it in this run (the cluster part adds to it then).
report_stamp() { date -r "$REPO/bench/$REPORT_NAME.json" +%s%N 2>/dev/null || echo none; }
STATUS=0
EMBEDDED_REPORTED=0
if [ "$RUN_EMBEDDED" = 1 ]; then
  stamp="$(report_stamp)"
  run_embedded || STATUS=$?
  if [ "$(report_stamp)" != "$stamp" ]; then EMBEDDED_REPORTED=1; fi
fi
if [ "$RUN_CLUSTER" = 1 ]; then
  cluster_status=0
  run_cluster || cluster_status=$?
  if [ "$STATUS" -eq 0 ]; then STATUS=$cluster_status; fi
fi
echo "== done (the bench tool's last line names the report files)"
exit "$STATUS"
