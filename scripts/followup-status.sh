#!/usr/bin/env bash
# Prints a follow-up job's outcome counts. Usage: followup-status.sh JOB_ID
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/local-settings.sh
curl -sS -w '\nHTTP %{http_code}\n' -H "x-functions-key: $Api__Key" "$OTN_URL/api/followups/${1:?JOB_ID}"
