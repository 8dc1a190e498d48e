#!/usr/bin/env bash
# Runs every test project; the integration tests start their own throwaway PostgreSQL (or use
# IPAI_TEST_POSTGRES_URL). Ends with one summary line "N passed, N failed, N skipped".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results="$root/TestResults"
rm -rf "$results"

scripts/secret-scan.sh || exit 1

# One compiler server for every project of the solution (an environment may turn it off with UseSharedCompilation=false:
# then each project starts and warms up its own compiler, about a third more CPU); shut down when the build is done.
dotnet build InsightPulse.slnx -c Release -nologo -v quiet -p:UseSharedCompilation=true || { echo "build failed"; exit 1; }
dotnet build-server shutdown >/dev/null 2>&1 || true
dotnet test InsightPulse.slnx -c Release --no-build -nologo \
  --logger "console;verbosity=normal" --logger "trx" --results-directory "$results" "$@"
status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed)))
  skipped=$((skipped + $(get notExecuted)))
done
echo
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
