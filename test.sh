#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs Azurite from package-lock.json when needed,
# checks the Bicep in infra/, builds every project of the solution (the Functions app included), then runs
# OneTimeNotif.Tests (the tests start their own Azurite on free loopback ports).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/npm-install.sh
scripts/check-infra.sh
# The whole solution, not only what the tests reference: a project that stops compiling (or warns) fails the run.
dotnet build OneTimeNotif.slnx --nologo

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test OneTimeNotif.Tests --nologo "$@" 2>&1 | tee "$log" || status=$?

# One closing line CI can read, summed over every test assembly.
awk -F'[:,]' '/^(Passed|Failed)!/ { failed += $2; passed += $4 } END { printf "tests: %d passed, %d failed\n", passed, failed }' "$log"
exit "$status"
