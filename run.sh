#!/usr/bin/env bash
# Runs OneTimeNotif locally: Azurite (data kept in .azurite/), a fake of Meta's Send API on 127.0.0.1:7072 and
# the standalone host on http://127.0.0.1:7071. Installs what it needs (npm ci for Azurite); stop with Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/npm-install.sh
source scripts/local-settings.sh

for port in 10000 10001 10002 "${FAKE_SEND_API_URL##*:}" "${OTN_URL##*:}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port on 127.0.0.1 is already in use (another Azurite or host?). Stop it and run again." >&2
    exit 1
  fi
done

dotnet build OneTimeNotif.Host --nologo -v quiet
dotnet build OneTimeNotif.FakeSendApi --nologo -v quiet
dotnet build OneTimeNotif.Cli --nologo -v quiet

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
mkdir -p .azurite
node node_modules/azurite/dist/src/azurite.js --location .azurite --skipApiVersionCheck --disableTelemetry --silent \
  --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 &
pids+=($!)
# The fake accepts the sample Page's token and checks appsecret_proof, as Meta does with "Require App Secret".
page_token_var="Messenger__Pages__${OTN_SAMPLE_PAGE}__AccessToken"
env "FakeSendApi__PageTokens__${OTN_SAMPLE_PAGE}=${!page_token_var}" \
  dotnet run --no-build --project OneTimeNotif.FakeSendApi -- --urls "$FAKE_SEND_API_URL" &
pids+=($!)

cat <<MSG
OneTimeNotif is starting on $OTN_URL (Azurite on 127.0.0.1:10000-10002, data in .azurite/;
fake Send API on $FAKE_SEND_API_URL for Page $OTN_SAMPLE_PAGE). Next, in another terminal:
  scripts/otn demo              # the whole story, step by step: request, opt-in, follow-up, second use, purge
  scripts/otn simulate optin --page $OTN_SAMPLE_PAGE --psid 24680 --payload RESTOCK:sku-42 --count 2   # signed, as Meta posts them
  scripts/otn followup send --page $OTN_SAMPLE_PAGE --payload RESTOCK:sku-42 --text "Back in stock!" --wait
  scripts/otn tokens stats      # live tokens per Page and payload
  scripts/otn --help            # every command; docs/cli.md
MSG
ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}" dotnet run --no-build --project OneTimeNotif.Host --urls "$OTN_URL"
