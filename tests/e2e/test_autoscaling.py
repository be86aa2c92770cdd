"""The autoscaling lab end to end: examples/autoscaling/run.sh (the AWS CLI) against the built
binary on the real clock, then each hop checked with boto3: 100 messages sent to `orders` ->
AWS/SQS NumberOfMessagesSent for that minute -> the alarm orders-busy (Sum > 50) goes to
ALARM with AWS's state reason -> its Lambda action invokes scale-out with the alarm event ->
scale-out raises the mapping's MaximumConcurrency from 2 to 5 -> the history records the
state change and the action. Takes about two minutes: a minute's metric is published when the
minute ends."""

import datetime
import json
import os
import subprocess

from conftest import ROOT, VENV_BIN, cli_env

SCRIPT = ROOT / "examples" / "autoscaling" / "run.sh"


def log_messages(logs, group):
    out = []
    kwargs = {"logGroupName": group}
    while True:
        page = logs.filter_log_events(**kwargs)
        out += [e["message"] for e in page["events"]]
        if not page.get("nextToken"):
            return out
        kwargs["nextToken"] = page["nextToken"]


def test_the_autoscaling_script_scales_the_consumer_out(nimbus):
    env = cli_env()
    env.update(
        NIMBUS_ENDPOINT=nimbus.endpoint,
        AWS_CLI=str(VENV_BIN / "aws"),
        WAIT_SECONDS="200",
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    r = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, f"run.sh failed:\n{r.stdout}\n{r.stderr}\n{nimbus.stderr()}"
    assert "== done" in r.stdout, r.stdout

    cw, lam, logs = (nimbus.client(s) for s in ("cloudwatch", "lambda", "logs"))

    # The metric: the burst's minute holds all 100 sends.
    alarm = cw.describe_alarms(AlarmNames=["orders-busy"])["MetricAlarms"][0]
    assert alarm["Namespace"] == "AWS/SQS" and alarm["MetricName"] == "NumberOfMessagesSent"
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": "orders"}]
    history = cw.describe_alarm_history(AlarmName="orders-busy", ScanBy="TimestampAscending")[
        "AlarmHistoryItems"
    ]
    to_alarm = [h for h in history if h["HistorySummary"].endswith(" to ALARM")]
    assert len(to_alarm) == 1, history
    data = json.loads(to_alarm[0]["HistoryData"])
    new_state = data["newState"]
    assert new_state["stateValue"] == "ALARM"
    assert new_state["stateReason"].startswith(
        "Threshold Crossed: 1 out of the last 1 datapoints [100.0 ("
    ), new_state
    # The burst may come before the alarm's first evaluation (from INSUFFICIENT_DATA) or after
    # it (from OK: no messages, missing data treated as not breaching).
    previous = data["oldState"]["stateValue"]
    assert previous in ("OK", "INSUFFICIENT_DATA"), data
    assert new_state["stateReason"].endswith(
        f"was greater than the threshold (50.0) (minimum 1 datapoint for {previous} -> ALARM transition)."
    ), new_state
    reason_data = new_state["stateReasonData"]
    assert reason_data["statistic"] == "Sum" and reason_data["period"] == 60
    assert reason_data["recentDatapoints"] == [100.0]
    minute = datetime.datetime.strptime(
        reason_data["evaluatedDatapoints"][0]["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z"
    )
    stats = cw.get_metric_statistics(
        Namespace="AWS/SQS",
        MetricName="NumberOfMessagesSent",
        Dimensions=[{"Name": "QueueName", "Value": "orders"}],
        StartTime=minute,
        EndTime=minute + datetime.timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    assert [d["Sum"] for d in stats] == [100.0], stats

    # The action: scale-out got AWS's alarm event and raised MaximumConcurrency 2 -> 5.
    scaler = log_messages(logs, "/aws/lambda/scale-out")
    events = [json.loads(m.split("Received alarm event: ", 1)[1]) for m in scaler if "Received alarm event: " in m]
    fired = [e for e in events if e["alarmData"]["state"]["value"] == "ALARM"]
    assert len(fired) == 1, scaler
    event = fired[0]
    assert event["source"] == "aws.cloudwatch"
    assert event["alarmArn"] == alarm["AlarmArn"]
    assert event["alarmArn"].endswith(":alarm:orders-busy")
    assert event["region"] == "us-east-1" and event["accountId"] == "000000000000"
    assert event["alarmData"]["alarmName"] == "orders-busy"
    assert event["alarmData"]["previousState"]["value"] == previous
    stat = event["alarmData"]["configuration"]["metrics"][0]["metricStat"]
    assert stat["metric"] == {
        "namespace": "AWS/SQS",
        "name": "NumberOfMessagesSent",
        "dimensions": {"QueueName": "orders"},
    }
    assert stat["stat"] == "Sum" and stat["period"] == 60
    assert any("MaximumConcurrency 2 -> 5" in m for m in scaler), scaler
    mapping = lam.list_event_source_mappings(FunctionName="orders-worker")["EventSourceMappings"][0]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 5}

    actions = [h for h in history if h["HistoryItemType"] == "Action"]
    assert [h["HistorySummary"] for h in actions] == [
        "Successfully executed action arn:aws:lambda:us-east-1:000000000000:function:scale-out"
    ], history
