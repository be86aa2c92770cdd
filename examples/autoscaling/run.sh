#!/usr/bin/env bash
# Scaling on a metric, offline: a CloudWatch alarm on AWS/SQS NumberOfMessagesSent for the
# queue `orders` invokes the function scale-out, which raises the consumer mapping's
# ScalingConfig.MaximumConcurrency.
#
# Usage: NIMBUS_ENDPOINT=http://localhost:4566 ./run.sh
#   AWS_CLI       the AWS CLI to run (default: aws; with AWS_CLI=awslocal no --endpoint-url
#                 is passed, awslocal adds its own)
#   THRESHOLD     messages sent per minute above which the alarm fires (default: 50)
#   MESSAGES      how many messages to send (default: 100)
#   STEP          how much scale-out raises MaximumConcurrency (default: 3)
#   WAIT_SECONDS  how long to wait for each step (default: 180: SQS publishes a minute's
#                 metrics when the minute ends, and alarms are evaluated just after)
# Exits non-zero, naming the step, when something does not happen.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
FUNCTIONS="$(cd "$HERE/../../functions" && pwd)"
NIMBUS_ENDPOINT="${NIMBUS_ENDPOINT:-http://localhost:4566}"
AWS_CLI="${AWS_CLI:-aws}"
THRESHOLD="${THRESHOLD:-50}"
MESSAGES="${MESSAGES:-100}"
STEP="${STEP:-3}"
WAIT_SECONDS="${WAIT_SECONDS:-180}"
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

# wait_for <what> <expected> <command...>: runs the command until it prints <expected>.
wait_for() {
  local what="$1" expected="$2"; shift 2
  local deadline=$((SECONDS + WAIT_SECONDS)) out=""
  while [ "$SECONDS" -lt "$deadline" ]; do
    out="$("$@" 2>/dev/null || true)"
    if [ "$out" = "$expected" ]; then
      printf '%s\n' "$out"
      return 0
    fi
    sleep 1
  done
  fail "$what: still '$out' after ${WAIT_SECONDS}s (expected '$expected')"
}

step "1. the queue orders, and its consumer orders-worker (at most 2 concurrent batches)"
Q_URL="$(awsx sqs create-queue --queue-name orders --query QueueUrl --output text)"
Q_ARN="$(awsx sqs get-queue-attributes --queue-url "$Q_URL" --attribute-names QueueArn --query Attributes.QueueArn --output text)"
package "$FUNCTIONS/orders-worker" "$WORK/worker.zip"
awsx lambda create-function --function-name orders-worker --runtime python3.12 \
  --handler lambda_function.lambda_handler --role "$ROLE" \
  --zip-file "fileb://$WORK/worker.zip" >/dev/null
awsx lambda wait function-active-v2 --function-name orders-worker
UUID="$(awsx lambda create-event-source-mapping --function-name orders-worker \
  --event-source-arn "$Q_ARN" --batch-size 10 --scaling-config MaximumConcurrency=2 \
  --query UUID --output text)"
echo "mapping $UUID: MaximumConcurrency $(awsx lambda get-event-source-mapping --uuid "$UUID" \
  --query ScalingConfig.MaximumConcurrency --output text)"

step "2. the function the alarm invokes: scale-out raises MaximumConcurrency by $STEP"
package "$FUNCTIONS/scale-out" "$WORK/scale-out.zip"
awsx lambda create-function --function-name scale-out --runtime python3.12 \
  --handler lambda_function.lambda_handler --role "$ROLE" \
  --environment "Variables={MAPPING_UUID=$UUID,STEP=$STEP}" \
  --zip-file "fileb://$WORK/scale-out.zip" >/dev/null
awsx lambda wait function-active-v2 --function-name scale-out
SCALER_ARN="$(awsx lambda get-function --function-name scale-out --query Configuration.FunctionArn --output text)"
ACCOUNT="$(echo "$SCALER_ARN" | cut -d: -f5)"
ALARM_ARN="arn:aws:cloudwatch:$AWS_DEFAULT_REGION:$ACCOUNT:alarm:orders-busy"
# CloudWatch invokes the function as the service principal below, for this alarm only.
awsx lambda add-permission --function-name scale-out --statement-id cloudwatch-alarm \
  --action lambda:InvokeFunction --principal lambda.alarms.cloudwatch.amazonaws.com \
  --source-arn "$ALARM_ARN" >/dev/null

step "3. the alarm: more than $THRESHOLD messages sent to orders in a minute"
awsx cloudwatch put-metric-alarm --alarm-name orders-busy \
  --alarm-description "orders is busy: scale its consumer out" \
  --namespace AWS/SQS --metric-name NumberOfMessagesSent \
  --dimensions Name=QueueName,Value=orders --statistic Sum --period 60 \
  --evaluation-periods 1 --threshold "$THRESHOLD" \
  --comparison-operator GreaterThanThreshold --treat-missing-data notBreaching \
  --alarm-actions "$SCALER_ARN"
awsx cloudwatch describe-alarms --alarm-names orders-busy \
  --query 'MetricAlarms[0].[AlarmName,StateValue,StateReason]' --output text

step "4. a burst: $MESSAGES messages"
# Keep the burst inside one clock minute, so one minute's Sum holds all of it.
while [ "$((10#$(date -u +%S)))" -gt 45 ]; do sleep 1; done
sent=0
while [ "$sent" -lt "$MESSAGES" ]; do
  entries=""
  for i in $(seq 1 10); do
    [ "$sent" -lt "$MESSAGES" ] || break
    sent=$((sent + 1))
    entries="$entries Id=m$i,MessageBody=order-$sent"
  done
  # shellcheck disable=SC2086 # one shorthand argument per entry
  awsx sqs send-message-batch --queue-url "$Q_URL" --entries $entries >/dev/null
done
echo "sent $sent messages"

step "5. the alarm fires when the minute's NumberOfMessagesSent is published"
wait_for "the alarm orders-busy" ALARM awsx cloudwatch describe-alarms --alarm-names orders-busy \
  --query 'MetricAlarms[0].StateValue' --output text
awsx cloudwatch describe-alarms --alarm-names orders-busy \
  --query 'MetricAlarms[0].StateReason' --output text

step "6. scale-out ran: MaximumConcurrency is now $((2 + STEP))"
wait_for "the mapping's MaximumConcurrency" "$((2 + STEP))" awsx lambda get-event-source-mapping \
  --uuid "$UUID" --query ScalingConfig.MaximumConcurrency --output text
awsx logs filter-log-events --log-group-name /aws/lambda/scale-out \
  --filter-pattern '"scale-out:"' --query 'events[].message' --output text
awsx cloudwatch describe-alarm-history --alarm-name orders-busy \
  --query 'AlarmHistoryItems[].[Timestamp,HistoryItemType,HistorySummary]' --output text

step "done: NumberOfMessagesSent > $THRESHOLD -> orders-busy ALARM -> scale-out -> MaximumConcurrency $((2 + STEP))"
