# Sourced by test.sh and run.sh: installs the npm tools (Azurite) exactly as package-lock.json pins them,
# again whenever the lock file is newer than the installed tree.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
