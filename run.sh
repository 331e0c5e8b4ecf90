#!/usr/bin/env bash
# Runs OneTimeNotif locally: Azurite (data kept in .azurite/) and the standalone host on http://127.0.0.1:7071.
# Installs what it needs (npm ci for Azurite); stop with Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/npm-install.sh
source scripts/local-settings.sh

for port in 10000 10001 10002 "${OTN_URL##*:}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port on 127.0.0.1 is already in use (another Azurite or host?). Stop it and run again." >&2
    exit 1
  fi
done

mkdir -p .azurite
node node_modules/azurite/dist/src/azurite.js --location .azurite --skipApiVersionCheck --disableTelemetry --silent \
  --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 &
azurite=$!
trap 'kill "$azurite" 2>/dev/null || true' EXIT

cat <<MSG
OneTimeNotif is starting on $OTN_URL (Azurite on 127.0.0.1:10000-10002, data in .azurite/).
Next, in another terminal:
  ./scripts/send-optin.sh 1234567890 24680 RESTOCK:sku-42     # a signed opt-in, as Meta sends it
  curl "$OTN_URL/api/webhook?hub.mode=subscribe&hub.verify_token=$Messenger__VerifyToken&hub.challenge=42"
MSG
ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}" dotnet run --project OneTimeNotif.Host --urls "$OTN_URL"
