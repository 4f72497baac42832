#!/usr/bin/env bash
# The one test command: builds the solution and runs every test, then prints "N passed, N failed".
# Services the tests need are installed and started here when missing; today every test runs on what the
# .NET SDK brings (SQLite is embedded; HTTP tests start the real silo on free 127.0.0.1 ports).
set -uo pipefail
cd "$(dirname "$0")/.."

CONFIGURATION="${CONFIGURATION:-Release}"
RESULTS="$(mktemp -d)"
trap 'rm -rf "$RESULTS"' EXIT

if ! dotnet build Apperate.Actors.sln -c "$CONFIGURATION" -nologo -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test tests/Apperate.Actors.Tests -c "$CONFIGURATION" --no-build -nologo \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
  --results-directory "$RESULTS" --blame-hang-timeout 10m
status=$?

trx="$RESULTS/results.trx"
if [ ! -f "$trx" ]; then
  echo "no test results were written"
  echo "0 passed, 1 failed"
  exit 1
fi
counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
count() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
passed=$(count passed)
failed=$(( $(count failed) + $(count error) + $(count timeout) + $(count aborted) ))
executed=$(count executed)
total=$(count total)
not_run=$(( total - executed ))
if [ "$not_run" -gt 0 ]; then
  echo "$not_run tests did not run"
  failed=$(( failed + not_run ))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
