#!/usr/bin/env bash
# Runs the benchmark command (docs/benchmarks.md): Azurite, the fake Send API and the standalone host, all on
# 127.0.0.1, and prints throughput, latency and memory figures. Installs what it needs (npm ci for Azurite).
# Examples: ./bench.sh    ./bench.sh --duration 5 --recipients 2000    ./bench.sh --phases fanout
set -euo pipefail
cd "$(dirname "$0")"
source scripts/npm-install.sh
exec dotnet run -c Release --project OneTimeNotif.Benchmarks -- "$@"
