#!/usr/bin/env bash
# The one test command: builds the solution and runs every test, then prints "N passed, N failed".
# Programs the tests need are installed here when missing: MariaDB (Debian package) for the MYSQL connector
# tests, chromium (Debian package) for the browser tests, Node.js and npm for the JavaScript client (its packages
# with npm ci in clients/js) and anvil (npm, into tests/.tools) for the ETHEREUM ones. The tests start and stop their own servers on
# free 127.0.0.1 ports with their own data directories; the variables exported below tell them where the programs are.
set -uo pipefail
cd "$(dirname "$0")/.."

ANVIL_PACKAGE="@foundry-rs/anvil-linux-amd64@1.7.1"
TOOLS="$PWD/tests/.tools"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

find_program() {
  for candidate in "$@"; do
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return 0; fi
    for dir in /usr/sbin /usr/local/sbin /usr/bin; do
      if [ -x "$dir/$candidate" ]; then echo "$dir/$candidate"; return 0; fi
    done
  done
  return 1
}

if ! find_program mariadbd mysqld >/dev/null || ! find_program mariadb-install-db mysql_install_db >/dev/null; then
  echo "installing mariadb-server"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server </dev/null >/dev/null
fi
APPERATE_MARIADBD="$(find_program mariadbd mysqld || true)"
APPERATE_MARIADB_INSTALL_DB="$(find_program mariadb-install-db mysql_install_db || true)"
export APPERATE_MARIADBD APPERATE_MARIADB_INSTALL_DB

# Node.js (>= 20) and npm for the JavaScript client's tests.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "installing nodejs and npm"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm </dev/null >/dev/null
fi

# A real browser for the EventSource tests: Debian's chromium, driven by Playwright (its own browser download is not used).
if ! find_program chromium >/dev/null; then
  echo "installing chromium"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium </dev/null >/dev/null
fi
APPERATE_CHROMIUM="$(find_program chromium || true)"
export APPERATE_CHROMIUM

APPERATE_ANVIL="$TOOLS/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
if [ ! -x "$APPERATE_ANVIL" ]; then
  echo "installing anvil ($ANVIL_PACKAGE)"
  if ! command -v npm >/dev/null 2>&1; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm </dev/null >/dev/null
  fi
  npm install --prefix "$TOOLS" --no-audit --no-fund --silent "$ANVIL_PACKAGE" </dev/null >/dev/null
fi
export APPERATE_ANVIL

CONFIGURATION="${CONFIGURATION:-Release}"
RESULTS="$(mktemp -d)"
trap 'rm -rf "$RESULTS"' EXIT

if ! dotnet build Apperate.Actors.sln -c "$CONFIGURATION" -nologo -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# The C# suites, one after the other: the record store's contract, then everything else.
passed=0
failed=0
for project in tests/Apperate.Actors.Store.Tests tests/Apperate.Actors.Tests; do
  name="$(basename "$project")"
  dotnet test "$project" -c "$CONFIGURATION" --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$RESULTS" --blame-hang-timeout 10m
  status=$?
  trx="$RESULTS/$name.trx"
  if [ ! -f "$trx" ]; then
    echo "$name: no test results were written"
    failed=$(( failed + 1 ))
    continue
  fi
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  count() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  suite_failed=$(( $(count failed) + $(count error) + $(count timeout) + $(count aborted) ))
  not_run=$(( $(count total) - $(count executed) ))
  if [ "$not_run" -gt 0 ]; then
    echo "$name: $not_run tests did not run"
    suite_failed=$(( suite_failed + not_run ))
  fi
  if [ "$status" -ne 0 ] && [ "$suite_failed" -eq 0 ]; then suite_failed=1; fi
  echo "$name: $(count passed) passed, $suite_failed failed"
  passed=$(( passed + $(count passed) ))
  failed=$(( failed + suite_failed ))
done
echo "C# suites: $passed passed, $failed failed"

# The JavaScript client's tests (node --test), against silos they start from the build above, and in the browser.
node_passed=0
node_failed=0
if ! (cd clients/js && npm ci --no-audit --no-fund --silent </dev/null >/dev/null 2>"$RESULTS/npm.log"); then
  cat "$RESULTS/npm.log"
  echo "npm ci in clients/js failed"
  node_failed=1
elif ! node clients/js/scripts/build.mjs; then
  node_failed=1
else
  CONFIGURATION="$CONFIGURATION" node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$RESULTS/node.tap" clients/js/test/*.test.mjs </dev/null
  node_status=$?
  node_passed=$(grep -o '^# pass [0-9]*' "$RESULTS/node.tap" | grep -o '[0-9]*' || echo 0)
  node_failed=$(grep -o '^# fail [0-9]*' "$RESULTS/node.tap" | grep -o '[0-9]*' || echo 0)
  node_cancelled=$(grep -o '^# cancelled [0-9]*' "$RESULTS/node.tap" | grep -o '[0-9]*' || echo 0)
  node_failed=$(( node_failed + node_cancelled ))
  if [ "$node_status" -ne 0 ] && [ "$node_failed" -eq 0 ]; then node_failed=1; fi
fi
echo "JavaScript client: $node_passed passed, $node_failed failed"

echo "$(( passed + node_passed )) passed, $(( failed + node_failed )) failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ] && [ "$node_failed" -eq 0 ]
