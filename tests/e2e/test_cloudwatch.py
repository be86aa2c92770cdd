"""CloudWatch metrics from the outside: boto3 (awsJson1_0, as botocore ≥ 1.42.7 speaks it),
the AWS CLI, a hand-made form POST (awsQuery) with its XML answer, a gzip-compressed
PutMetricData as botocore sends large ones, and a bucket named `service` that stays S3's."""

import datetime
import json
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import botocore.exceptions
import pytest

NS = "{http://monitoring.amazonaws.com/doc/2010-08-01/}"


def minute_ago(n=2):
    """A whole minute `n` minutes ago, as an aware datetime."""
    now = int(time.time())
    return datetime.datetime.fromtimestamp(now - now % 60 - 60 * n, datetime.timezone.utc)


def record_requests(client):
    """Records (target header, content-encoding) of each request the client sends."""
    seen = []

    def hook(request, **_):
        h = request.headers
        seen.append((h.get("X-Amz-Target", b""), h.get("Content-Encoding", b""), request.url))

    client.meta.events.register("before-send.cloudwatch", hook)
    return seen


def as_text(v):
    return v.decode() if isinstance(v, bytes) else (v or "")


def test_boto3_speaks_json_and_reads_exact_values(nimbus):
    cw = nimbus.client("cloudwatch")
    seen = record_requests(cw)
    t = minute_ago()
    cw.put_metric_data(
        Namespace="E2E/App",
        MetricData=[
            {"MetricName": "Orders", "Dimensions": [{"Name": "Queue", "Value": "q"}],
             "Value": 5, "Unit": "Count", "Timestamp": t},
            {"MetricName": "Orders", "Dimensions": [{"Name": "Queue", "Value": "q"}],
             "Values": [1, 2, 3], "Counts": [1, 1, 2], "Unit": "Count", "Timestamp": t},
        ],
    )
    got = cw.get_metric_statistics(
        Namespace="E2E/App", MetricName="Orders", Dimensions=[{"Name": "Queue", "Value": "q"}],
        StartTime=t, EndTime=t + datetime.timedelta(minutes=1), Period=60,
        Statistics=["Sum", "SampleCount", "Average", "Minimum", "Maximum"],
    )
    assert got["Label"] == "Orders"
    [dp] = got["Datapoints"]
    assert dp["Timestamp"] == t
    assert (dp["Sum"], dp["SampleCount"], dp["Average"], dp["Minimum"], dp["Maximum"]) == (14, 5, 2.8, 1, 5)
    assert dp["Unit"] == "Count"

    data = cw.get_metric_data(
        MetricDataQueries=[
            {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "E2E/App", "MetricName": "Orders",
                                                   "Dimensions": [{"Name": "Queue", "Value": "q"}]},
                                        "Period": 60, "Stat": "Sum"}},
            {"Id": "e1", "Expression": "m1 / 2", "Label": "half"},
        ],
        StartTime=t, EndTime=t + datetime.timedelta(minutes=1),
    )
    results = {r["Id"]: r for r in data["MetricDataResults"]}
    assert results["m1"]["Values"] == [14] and results["m1"]["Timestamps"] == [t]
    assert results["e1"]["Values"] == [7] and results["e1"]["Label"] == "half"
    assert results["e1"]["StatusCode"] == "Complete"

    metrics = cw.list_metrics(Namespace="E2E/App")["Metrics"]
    assert metrics == [{"Namespace": "E2E/App", "MetricName": "Orders",
                        "Dimensions": [{"Name": "Queue", "Value": "q"}]}]

    with pytest.raises(botocore.exceptions.ClientError) as e:
        cw.put_metric_data(Namespace="AWS/SQS", MetricData=[{"MetricName": "x", "Value": 1}])
    err = e.value.response["Error"]
    assert err["Code"] == "InvalidParameterValue"
    assert err["Message"] == "The value AWS/SQS for parameter Namespace is invalid."
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    # Every request went as awsJson 1.0.
    assert seen and all(as_text(target).startswith("GraniteServiceVersion20100801.") for target, _, _ in seen)


def test_large_put_metric_data_arrives_gzip(nimbus):
    cw = nimbus.client("cloudwatch")
    seen = record_requests(cw)
    t = minute_ago()
    data = [{"MetricName": "Big", "Dimensions": [{"Name": "Shard", "Value": f"s{i:04d}"}],
             "Value": float(i), "Unit": "Bytes", "Timestamp": t} for i in range(400)]
    cw.put_metric_data(Namespace="E2E/Gzip", MetricData=data)
    assert as_text(seen[0][1]) == "gzip", seen[0]
    pages = cw.get_paginator("list_metrics").paginate(Namespace="E2E/Gzip")
    shards = sorted(m["Dimensions"][0]["Value"] for p in pages for m in p["Metrics"])
    assert shards == [f"s{i:04d}" for i in range(400)]
    got = cw.get_metric_statistics(
        Namespace="E2E/Gzip", MetricName="Big", Dimensions=[{"Name": "Shard", "Value": "s0399"}],
        StartTime=t, EndTime=t + datetime.timedelta(minutes=1), Period=60, Statistics=["Maximum"],
    )
    assert got["Datapoints"][0]["Maximum"] == 399


def test_aws_cli_put_get_and_list(nimbus):
    t = minute_ago()
    start = t.strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (t + datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    nimbus.aws("cloudwatch", "put-metric-data", "--namespace", "E2E/Cli", "--metric-name", "Hits",
               "--value", "3", "--unit", "Count", "--timestamp", start,
               "--dimensions", "Page=home")
    nimbus.aws("cloudwatch", "put-metric-data", "--namespace", "E2E/Cli", "--metric-name", "Hits",
               "--value", "4", "--unit", "Count", "--timestamp", start,
               "--dimensions", "Page=home")
    r = nimbus.aws("cloudwatch", "get-metric-statistics", "--namespace", "E2E/Cli", "--metric-name", "Hits",
                   "--dimensions", "Name=Page,Value=home", "--start-time", start, "--end-time", end,
                   "--period", "60", "--statistics", "Sum", "Maximum", "--output", "json")
    out = json.loads(r.stdout)
    assert out["Label"] == "Hits"
    [dp] = out["Datapoints"]
    assert (dp["Sum"], dp["Maximum"], dp["Unit"]) == (7.0, 4.0, "Count")
    queries = json.dumps([
        {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "E2E/Cli", "MetricName": "Hits",
                                               "Dimensions": [{"Name": "Page", "Value": "home"}]},
                                    "Period": 60, "Stat": "Sum"}},
        {"Id": "e1", "Expression": "m1 * 10"},
    ])
    r = nimbus.aws("cloudwatch", "get-metric-data", "--metric-data-queries", queries,
                   "--start-time", start, "--end-time", end, "--output", "json")
    results = {x["Id"]: x["Values"] for x in json.loads(r.stdout)["MetricDataResults"]}
    assert results == {"m1": [7.0], "e1": [70.0]}
    r = nimbus.aws("cloudwatch", "list-metrics", "--namespace", "E2E/Cli", "--output", "json")
    assert json.loads(r.stdout)["Metrics"] == [
        {"Namespace": "E2E/Cli", "MetricName": "Hits", "Dimensions": [{"Name": "Page", "Value": "home"}]}
    ]
    r = nimbus.aws("cloudwatch", "list-dashboards", check=False)
    assert r.returncode != 0 and "NotImplemented" in r.stderr, r.stderr


def form_post(nimbus, fields):
    body = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(nimbus.endpoint + "/", data=body, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def test_form_post_query_protocol_answers_xml(nimbus):
    t = minute_ago()
    stamp = t.strftime("%Y-%m-%dT%H:%M:%SZ")
    status, _, body = form_post(nimbus, {
        "Action": "PutMetricData", "Version": "2010-08-01", "Namespace": "E2E/Form",
        "MetricData.member.1.MetricName": "Temp", "MetricData.member.1.Value": "21.5",
        "MetricData.member.1.Unit": "None", "MetricData.member.1.Timestamp": stamp,
    })
    assert status == 200, body
    assert ET.fromstring(body).tag == NS + "PutMetricDataResponse"
    status, _, body = form_post(nimbus, {
        "Action": "ListMetrics", "Version": "2010-08-01", "Namespace": "E2E/Form",
    })
    assert status == 200, body
    root = ET.fromstring(body)
    assert root.tag == NS + "ListMetricsResponse"
    members = root.findall(f"{NS}ListMetricsResult/{NS}Metrics/{NS}member")
    assert [(m.findtext(NS + "Namespace"), m.findtext(NS + "MetricName")) for m in members] == [("E2E/Form", "Temp")]
    assert root.findtext(f"{NS}ResponseMetadata/{NS}RequestId")
    status, _, body = form_post(nimbus, {
        "Action": "GetMetricStatistics", "Version": "2010-08-01", "Namespace": "E2E/Form",
        "MetricName": "Temp", "StartTime": stamp,
        "EndTime": (t + datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Period": "60", "Statistics.member.1": "Average",
    })
    assert status == 200, body
    dp = ET.fromstring(body).find(f"{NS}GetMetricStatisticsResult/{NS}Datapoints/{NS}member")
    assert float(dp.findtext(NS + "Average")) == 21.5
    assert dp.findtext(NS + "Timestamp") == stamp
    status, headers, body = form_post(nimbus, {
        "Action": "GetMetricStatistics", "Version": "2010-08-01", "Namespace": "E2E/Form",
    })
    assert status == 400
    err = ET.fromstring(body).find(f"{NS}Error")
    assert err.findtext(NS + "Code") == "MissingParameter"
    assert err.findtext(NS + "Message") == "The parameter MetricName is required."
    assert headers.get("x-amzn-query-error") == "MissingParameter;Sender"


def test_bucket_named_service_is_still_s3(nimbus):
    s3 = nimbus.client("s3")
    s3.create_bucket(Bucket="service")
    key = "GraniteServiceVersion20100801/operation/ListMetrics"
    s3.put_object(Bucket="service", Key=key, Body=b"still s3")
    assert s3.get_object(Bucket="service", Key=key)["Body"].read() == b"still s3"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="service")["Contents"]] == [key]


def test_prometheus_endpoint(nimbus):
    cw = nimbus.client("cloudwatch")
    cw.put_metric_data(Namespace="E2E/Prom", MetricData=[{"MetricName": "Depth", "Value": 2}])
    with urllib.request.urlopen(nimbus.endpoint + "/_nimbus/metrics") as resp:
        assert resp.headers["Content-Type"] == "text/plain; version=0.0.4"
        text = resp.read().decode()
    assert "e2e_prom_depth_sum{" in text, text
