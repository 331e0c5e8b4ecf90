#!/usr/bin/env bash
# Posts one OTN opt-in to the webhook exactly as Meta would: Meta's JSON shape, signed with the App Secret
# (X-Hub-Signature-256 over the raw bytes). Usage: send-optin.sh PAGE_ID PSID PAYLOAD [TOKEN]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/local-settings.sh
page=${1:?PAGE_ID}; psid=${2:?PSID}; payload=${3:?PAYLOAD}; token=${4:-sample-token-$RANDOM$RANDOM}
now=$(($(date +%s) * 1000))
body=$(printf '{"object":"page","entry":[{"id":"%s","time":%s,"messaging":[{"sender":{"id":"%s"},"recipient":{"id":"%s"},"timestamp":%s,"optin":{"type":"one_time_notif_req","payload":"%s","one_time_notif_token":"%s"}}]}]}' \
  "$page" "$now" "$psid" "$page" "$now" "$payload" "$token")
signature=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$Messenger__AppSecret" | sed 's/^.*= //')
curl -sS -w '\nHTTP %{http_code}\n' -H 'Content-Type: application/json' -H "X-Hub-Signature-256: sha256=$signature" \
  --data-binary "$body" "$OTN_URL/api/webhook"
