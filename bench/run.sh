#!/usr/bin/env bash
# The benchmark, in one command: builds Release, starts the real service on free loopback ports with a fresh data
# directory, runs the load generator and baselines against it, stops the service (SIGTERM, by pid) and writes
# bench/report.md and bench/report.json (bench/smoke-report.* with --smoke).
#
#   bench/run.sh                 full run (15 s per timed scenario, 1,000,000-row batch loads; a few minutes)
#   bench/run.sh --smoke         a few seconds in total, tiny sizes
#   bench/run.sh --duration N    N seconds per timed scenario
#   bench/run.sh --silo-arg ARG  one more argument for the service (repeatable), e.g. --Logging:LogLevel:Default=Warning
#   bench/run.sh --trace         also sample the service's thread stacks with dotnet-trace (bench/dotnet-tools.json)
#                                into bench/out/silo.nettrace and its top methods into bench/out/silo-top*.txt
#   bench/run.sh --perf          also sample the service's CPU with Linux perf (apt: linux-perf), JIT frames named,
#                                into bench/out/silo.perf.data and its top functions into bench/out/silo-perf-*.txt
# Other options are passed to the bench tool (see bench/README.md), e.g. --only batch,read or --rows 200000.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
RUN_COMMAND="bench/run.sh${*:+ $*}"

TRACE=0
PERF=0
BENCH_ARGS=()
EXTRA_SILO_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) BENCH_ARGS+=("--duration" "${2:?--duration needs a number of seconds}"); shift ;;
    --silo-arg) EXTRA_SILO_ARGS+=("${2:?--silo-arg needs a value}"); shift ;;
    --trace) TRACE=1 ;;
    --perf) PERF=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) BENCH_ARGS+=("$1") ;;
  esac
  shift
done

if [ "$PERF" = 1 ] && ! command -v perf >/dev/null; then
  echo "--perf needs Linux perf: apt-get install -y linux-perf"
  exit 2
fi

echo "== building Release"
dotnet build silo/Apperate.Actors.Silo.csproj -c Release -nologo -clp:ErrorsOnly -v:q
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
cleanup() {
  stop_trace
  if [ -n "$PERF_PID" ] && kill -0 "$PERF_PID" 2>/dev/null; then kill -INT "$PERF_PID" 2>/dev/null || true; fi
  stop_silo
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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
    exit 1
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
  exit 1
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
  --silo-command "$SILO_COMMAND" --run-command "$RUN_COMMAND" --work-dir "$WORK/bench" "${BENCH_ARGS[@]}"
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
echo "== done (the bench tool's last line names the report files)"
exit "$BENCH_STATUS"
