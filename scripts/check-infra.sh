#!/usr/bin/env bash
# Compiles and lints infra/main.bicep with the Bicep CLI that infra/bicep-tools.proj brings from NuGet, so it runs
# offline and at one pinned version. Any warning fails, as it does in the .NET build.
# Usage: scripts/check-infra.sh [OUTDIR]   (OUTDIR receives the compiled ARM template; default: a temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet restore infra/bicep-tools.proj --nologo --verbosity quiet
packages=$(dotnet msbuild infra/bicep-tools.proj -getProperty:NuGetPackageRoot)
version=$(dotnet msbuild infra/bicep-tools.proj -getProperty:BicepVersion)
bicep="${packages%/}/azure.bicep.commandline.linux-x64/${version}/tools/bicep"
chmod +x "$bicep"

outdir="${1:-}"
if [ -z "$outdir" ]; then
  outdir=$(mktemp -d)
  trap 'rm -rf "$outdir"' EXIT
fi
mkdir -p "$outdir"

log=$(mktemp)
status=0
"$bicep" build infra/main.bicep --outfile "$outdir/main.json" >"$log" 2>&1 || status=$?
"$bicep" lint infra/main.bicep >>"$log" 2>&1 || status=$?
sed -e '$a\' "$log"
# Bicep exits 0 on warnings; they are findings too.
if grep -Eq ': (Warning|Error) ' "$log"; then
  status=1
fi
rm -f "$log"
if [ "$status" -ne 0 ]; then
  echo "infra: Bicep build or lint reported problems" >&2
  exit "$status"
fi
echo "infra: main.bicep builds and lints clean (Bicep $version)"
