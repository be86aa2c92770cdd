#!/usr/bin/env bash
# The class pipeline, offline: S3 -> class-producer (async) -> OnSuccess -> lambdaQ
# -> event source mapping -> f1, and what f1 keeps failing on -> lambdaDLQ.
#
# Usage: NIMBUS_ENDPOINT=http://localhost:4566 ./run.sh
#   AWS_CLI             the AWS CLI to run (default: aws; with AWS_CLI=awslocal no
#                       --endpoint-url is passed, awslocal adds its own)
#   BUCKET              the bucket (default: class-pipeline)
#   VISIBILITY_TIMEOUT  lambdaQ's visibility timeout in seconds (default: 30, the SQS
#                       default; the failure path takes 3 of them)
#   WAIT_SECONDS        how long to wait for each hop (default: 120)
# Exits non-zero, naming the hop, when something does not arrive.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
FUNCTIONS="$(cd "$HERE/../../functions" && pwd)"
NIMBUS_ENDPOINT="${NIMBUS_ENDPOINT:-http://localhost:4566}"
AWS_CLI="${AWS_CLI:-aws}"
BUCKET="${BUCKET:-class-pipeline}"
VISIBILITY_TIMEOUT="${VISIBILITY_TIMEOUT:-30}"
WAIT_SECONDS="${WAIT_SECONDS:-120}"
ROLE="arn:aws:iam::000000000000:role/lambda-role"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_PAGER=""

awsx() {
  if [ "$(basename "$AWS_CLI")" = "awslocal" ]; then
    "$AWS_CLI" "$@"
  else
    "$AWS_CLI" --endpoint-url "$NIMBUS_ENDPOINT" "$@"
  fi
}

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

package() { # package <function dir> <zip>
  if command -v zip >/dev/null; then
    (cd "$1" && zip -q -j "$2" lambda_function.py)
  else
    (cd "$1" && python3 -m zipfile -c "$2" lambda_function.py)
  fi
}

step "1. the bucket"
awsx s3api create-bucket --bucket "$BUCKET" >/dev/null

step "2. the queues: lambdaDLQ, and lambdaQ redriving to it after 3 receives"
DLQ_URL="$(awsx sqs create-queue --queue-name lambdaDLQ --query QueueUrl --output text)"
DLQ_ARN="$(awsx sqs get-queue-attributes --queue-url "$DLQ_URL" --attribute-names QueueArn --query Attributes.QueueArn --output text)"
cat > "$WORK/lambdaQ.json" <<EOF
{
  "VisibilityTimeout": "$VISIBILITY_TIMEOUT",
  "RedrivePolicy": "{\"deadLetterTargetArn\":\"$DLQ_ARN\",\"maxReceiveCount\":\"3\"}"
}
EOF
Q_URL="$(awsx sqs create-queue --queue-name lambdaQ --attributes "file://$WORK/lambdaQ.json" --query QueueUrl --output text)"
Q_ARN="$(awsx sqs get-queue-attributes --queue-url "$Q_URL" --attribute-names QueueArn --query Attributes.QueueArn --output text)"
echo "lambdaQ:   $Q_URL"
echo "lambdaDLQ: $DLQ_URL"

step "3. the producer: prints the S3 event and returns; OnSuccess goes to lambdaQ"
package "$FUNCTIONS/class-producer" "$WORK/producer.zip"
awsx lambda create-function --function-name class-producer --runtime python3.12 \
  --handler lambda_function.lambda_handler --role "$ROLE" \
  --zip-file "fileb://$WORK/producer.zip" >/dev/null
awsx lambda wait function-active-v2 --function-name class-producer
awsx lambda put-function-event-invoke-config --function-name class-producer \
  --maximum-retry-attempts 2 \
  --destination-config "{\"OnSuccess\":{\"Destination\":\"$Q_ARN\"}}" >/dev/null

step "4. the S3 trigger"
awsx lambda add-permission --function-name class-producer --statement-id s3-invoke \
  --action lambda:InvokeFunction --principal s3.amazonaws.com \
  --source-arn "arn:aws:s3:::$BUCKET" >/dev/null
PRODUCER_ARN="$(awsx lambda get-function --function-name class-producer --query Configuration.FunctionArn --output text)"
cat > "$WORK/notification.json" <<EOF
{"LambdaFunctionConfigurations": [
  {"Id": "class-producer", "LambdaFunctionArn": "$PRODUCER_ARN", "Events": ["s3:ObjectCreated:*"]}
]}
EOF
awsx s3api put-bucket-notification-configuration --bucket "$BUCKET" \
  --notification-configuration "file://$WORK/notification.json"

step "5. the consumer f1, mapped to lambdaQ"
package "$FUNCTIONS/class-consumer" "$WORK/consumer.zip"
awsx lambda create-function --function-name f1 --runtime python3.12 \
  --handler lambda_function.lambda_handler --role "$ROLE" \
  --zip-file "fileb://$WORK/consumer.zip" >/dev/null
awsx lambda wait function-active-v2 --function-name f1
UUID="$(awsx lambda create-event-source-mapping --function-name f1 \
  --event-source-arn "$Q_ARN" --batch-size 10 --query UUID --output text)"
for _ in $(seq 1 100); do
  STATE="$(awsx lambda get-event-source-mapping --uuid "$UUID" --query State --output text)"
  [ "$STATE" = "Enabled" ] && break
  sleep 0.1
done
[ "$STATE" = "Enabled" ] || fail "the event source mapping is $STATE, not Enabled"
echo "mapping $UUID: $STATE"

# wait_for <what> <command...>: runs the command until it prints something.
wait_for() {
  local what="$1"; shift
  local deadline=$((SECONDS + WAIT_SECONDS)) out
  while [ "$SECONDS" -lt "$deadline" ]; do
    out="$("$@" 2>/dev/null || true)"
    if [ -n "$out" ] && [ "$out" != "None" ]; then
      printf '%s\n' "$out"
      return 0
    fi
    sleep 0.2
  done
  fail "$what did not happen within ${WAIT_SECONDS}s"
}

f1_log() { # f1_log <term>
  awsx logs filter-log-events --log-group-name /aws/lambda/f1 \
    --filter-pattern "\"$1\"" --query 'events[].message' --output text
}

step "6. aws s3 cp a file, and watch it flow"
echo "hello from the class" > "$WORK/hello.txt"
awsx s3 cp "$WORK/hello.txt" "s3://$BUCKET/hello.txt"
echo "-- class-producer's log:"
wait_for "the producer's invocation" awsx logs filter-log-events \
  --log-group-name /aws/lambda/class-producer --filter-pattern '"new object"' \
  --query 'events[].message' --output text
echo "-- f1's log:"
wait_for "f1's invocation for hello.txt" f1_log "hello.txt"

step "7. the failure path: f1 raises for poison.txt; after 3 receives it is in lambdaDLQ"
echo "f1 cannot digest this" > "$WORK/poison.txt"
awsx s3 cp "$WORK/poison.txt" "s3://$BUCKET/poison.txt"
echo "-- lambdaDLQ:"
wait_for "the move to lambdaDLQ" awsx sqs receive-message --queue-url "$DLQ_URL" \
  --wait-time-seconds 5 --visibility-timeout 0 --query 'Messages[0].Body' --output text
echo "-- f1's log:"
f1_log "poison.txt"

step "done: S3 -> class-producer -> lambdaQ -> f1, and poison.txt -> lambdaDLQ"
