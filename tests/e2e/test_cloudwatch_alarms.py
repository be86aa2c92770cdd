"""CloudWatch metric alarms through boto3 (awsJson1_0), the AWS CLI and hand-made awsQuery form
posts, against the built binary: every alarm operation, its errors, paging, history, tags."""

import json
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from botocore.exceptions import ClientError

NS = "{http://monitoring.amazonaws.com/doc/2010-08-01/}"


def put(cw, name, **extra):
    args = dict(
        AlarmName=name,
        Namespace="Lab",
        MetricName="Jobs",
        Dimensions=[{"Name": "Queue", "Value": "q"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=3.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    args.update(extra)
    cw.put_metric_alarm(**args)


def code(exc):
    return exc.value.response["Error"]["Code"]


def query(nimbus, **fields):
    """An awsQuery form post (unsigned: auth is off); returns (status, XML root)."""
    body = urllib.parse.urlencode({"Version": "2010-08-01", **fields}).encode()
    req = urllib.request.Request(
        nimbus.endpoint + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, ET.fromstring(r.read())
    except urllib.error.HTTPError as e:
        return e.code, ET.fromstring(e.read())


def test_alarm_operations_with_boto3(nimbus):
    cw = nimbus.client("cloudwatch")
    # ignore: the minute's evaluations keep the state SetAlarmState gives it below.
    put(
        cw,
        "jobs-high",
        AlarmDescription="too many",
        TreatMissingData="ignore",
        Tags=[{"Key": "team", "Value": "ops"}],
    )
    a = cw.describe_alarms(AlarmNames=["jobs-high"])["MetricAlarms"][0]
    assert a["StateValue"] == "INSUFFICIENT_DATA"
    assert a["StateReason"] == "Unchecked: Initial alarm creation"
    assert a["AlarmArn"] == "arn:aws:cloudwatch:us-east-1:000000000000:alarm:jobs-high"
    assert a["Dimensions"] == [{"Name": "Queue", "Value": "q"}]
    assert a["Threshold"] == 3.0 and a["Period"] == 60 and a["Statistic"] == "Sum"
    assert a["ActionsEnabled"] is True and a["AlarmActions"] == []

    # SetAlarmState, and its errors.
    cw.set_alarm_state(AlarmName="jobs-high", StateValue="ALARM", StateReason="drill", StateReasonData='{"a":1}')
    a = cw.describe_alarms(AlarmNames=["jobs-high"])["MetricAlarms"][0]
    assert (a["StateValue"], a["StateReason"], a["StateReasonData"]) == ("ALARM", "drill", '{"a":1}')
    with pytest.raises(ClientError) as e:
        cw.set_alarm_state(AlarmName="nope", StateValue="OK", StateReason="x")
    assert code(e) == "ResourceNotFound"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as e:
        cw.set_alarm_state(AlarmName="jobs-high", StateValue="OK", StateReason="x", StateReasonData="{")
    assert code(e) == "InvalidFormat"

    # Validation.
    with pytest.raises(ClientError) as e:
        put(cw, "bad", EvaluationPeriods=2, DatapointsToAlarm=3)
    assert code(e) == "ValidationError"
    with pytest.raises(ClientError) as e:
        put(cw, "bad", Period=45)
    assert code(e) == "ValidationError"
    with pytest.raises(ClientError) as e:
        put(cw, "bad", AlarmActions=["arn:aws:sns:eu-west-1:000000000000:t"])
    assert code(e) == "ValidationError"
    assert "Invalid region eu-west-1 specified" in e.value.response["Error"]["Message"]

    # Paging, prefix, state and action filters.
    for n in range(5):
        put(cw, f"page-{n}", AlarmActions=["arn:aws:sns:us-east-1:000000000000:ops"])
    names, token = [], None
    while True:
        kw = {"AlarmNamePrefix": "page-", "MaxRecords": 2}
        if token:
            kw["NextToken"] = token
        out = cw.describe_alarms(**kw)
        names += [a["AlarmName"] for a in out["MetricAlarms"]]
        token = out.get("NextToken")
        if not token:
            break
    assert names == [f"page-{n}" for n in range(5)]
    assert len(cw.describe_alarms(ActionPrefix="arn:aws:sns:us-east-1:000000000000:")["MetricAlarms"]) == 5
    assert [a["AlarmName"] for a in cw.describe_alarms(StateValue="ALARM")["MetricAlarms"]] == ["jobs-high"]
    with pytest.raises(ClientError) as e:
        cw.describe_alarms(NextToken="zz")
    assert code(e) == "InvalidNextToken"
    with pytest.raises(ClientError) as e:
        cw.describe_alarms(ChildrenOfAlarmName="x")
    assert code(e) == "InvalidParameterValue"
    for_metric = cw.describe_alarms_for_metric(
        Namespace="Lab", MetricName="Jobs", Dimensions=[{"Name": "Queue", "Value": "q"}]
    )["MetricAlarms"]
    assert len(for_metric) == 6

    # Actions enabled/disabled, tags, delete (unknown names skipped).
    cw.disable_alarm_actions(AlarmNames=["page-0"])
    assert cw.describe_alarms(AlarmNames=["page-0"])["MetricAlarms"][0]["ActionsEnabled"] is False
    cw.enable_alarm_actions(AlarmNames=["page-0"])
    assert cw.describe_alarms(AlarmNames=["page-0"])["MetricAlarms"][0]["ActionsEnabled"] is True
    arn = "arn:aws:cloudwatch:us-east-1:000000000000:alarm:jobs-high"
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "ops"}]
    cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "env", "Value": "lab"}])
    cw.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "env", "Value": "lab"}]
    cw.delete_alarms(AlarmNames=["page-0", "never-was"])
    assert len(cw.describe_alarms(AlarmNamePrefix="page-")["MetricAlarms"]) == 4

    # History: newest first, with AWS's summaries and JSON data.
    items = cw.describe_alarm_history(AlarmName="jobs-high")["AlarmHistoryItems"]
    assert [i["HistoryItemType"] for i in items] == ["StateUpdate", "ConfigurationUpdate"]
    assert items[0]["HistorySummary"] == "Alarm updated from INSUFFICIENT_DATA to ALARM"
    data = json.loads(items[0]["HistoryData"])
    assert data["oldState"]["stateValue"] == "INSUFFICIENT_DATA"
    assert data["newState"] == {"stateValue": "ALARM", "stateReason": "drill", "stateReasonData": {"a": 1}}
    assert items[1]["HistorySummary"] == 'Alarm "jobs-high" created'
    assert json.loads(items[1]["HistoryData"])["type"] == "Create"
    deleted = cw.describe_alarm_history(AlarmName="page-0", HistoryItemType="ConfigurationUpdate")
    assert [i["HistorySummary"] for i in deleted["AlarmHistoryItems"]] == [
        'Alarm "page-0" deleted',
        'Alarm "page-0" created',
    ]


def test_alarm_operations_with_the_cli_and_query_forms(nimbus):
    nimbus.aws(
        "cloudwatch", "put-metric-alarm", "--alarm-name", "cli", "--namespace", "Lab",
        "--metric-name", "Jobs", "--statistic", "Average", "--period", "300",
        "--evaluation-periods", "3", "--datapoints-to-alarm", "2", "--threshold", "10",
        "--comparison-operator", "LessThanThreshold", "--treat-missing-data", "ignore",
    )
    out = json.loads(nimbus.aws("cloudwatch", "describe-alarms", "--alarm-names", "cli").stdout)
    a = out["MetricAlarms"][0]
    assert (a["EvaluationPeriods"], a["DatapointsToAlarm"], a["TreatMissingData"]) == (3, 2, "ignore")

    status, root = query(nimbus, Action="DescribeAlarms", **{"AlarmNames.member.1": "cli"})
    assert status == 200
    alarms = root.findall(f"{NS}DescribeAlarmsResult/{NS}MetricAlarms/{NS}member")
    assert [m.findtext(f"{NS}AlarmName") for m in alarms] == ["cli"]
    assert alarms[0].findtext(f"{NS}ComparisonOperator") == "LessThanThreshold"
    status, root = query(
        nimbus, Action="SetAlarmState", AlarmName="cli", StateValue="ALARM", StateReason="form"
    )
    assert status == 200
    status, root = query(nimbus, Action="DescribeAlarmHistory", AlarmName="cli", HistoryItemType="StateUpdate")
    items = root.findall(f"{NS}DescribeAlarmHistoryResult/{NS}AlarmHistoryItems/{NS}member")
    assert [i.findtext(f"{NS}HistorySummary") for i in items] == ["Alarm updated from INSUFFICIENT_DATA to ALARM"]
    status, root = query(nimbus, Action="SetAlarmState", AlarmName="none", StateValue="OK", StateReason="x")
    assert status == 404
    assert [el.text for el in root.iter() if el.tag.endswith("Code")] == ["ResourceNotFound"]
    status, _ = query(nimbus, Action="DeleteAlarms", **{"AlarmNames.member.1": "cli"})
    assert status == 200
