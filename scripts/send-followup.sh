#!/usr/bin/env bash
# Submits a follow-up job: everyone waiting on PAYLOAD on PAGE_ID (or only PSID) gets TEXT once.
# Usage: send-followup.sh PAGE_ID PAYLOAD TEXT [PSID]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/local-settings.sh
page=${1:?PAGE_ID}; payload=${2:?PAYLOAD}; text=${3:?TEXT}; psid=${4:-}
job_id="local-$(date +%s)-$RANDOM"
body=$(JOB_ID="$job_id" PAGE="$page" PAYLOAD="$payload" TEXT="$text" PSID="$psid" node -e '
  const job = { jobId: process.env.JOB_ID, pageId: process.env.PAGE, payload: process.env.PAYLOAD };
  if (process.env.PSID) job.psid = process.env.PSID;
  job.message = { text: process.env.TEXT };
  process.stdout.write(JSON.stringify(job));')
echo "jobId: $job_id"
curl -sS -w '\nHTTP %{http_code}\n' -H 'Content-Type: application/json' -H "x-functions-key: $Api__Key" \
  --data-binary "$body" "$OTN_URL/api/followups"
