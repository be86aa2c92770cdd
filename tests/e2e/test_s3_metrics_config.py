"""S3 request-metrics configurations from the outside: boto3 and the AWS CLI put, get, list
and delete them (`?metrics&id=…`) against the built binary, and they survive a restart."""

import json

import botocore.exceptions
import pytest

from conftest import start_nimbus


def test_boto3_metrics_configuration_round_trip(nimbus):
    s3 = nimbus.client("s3")
    s3.create_bucket(Bucket="e2e-metrics")
    s3.put_bucket_metrics_configuration(
        Bucket="e2e-metrics",
        Id="Docs",
        MetricsConfiguration={"Id": "Docs", "Filter": {"Prefix": "documents/"}},
    )
    s3.put_bucket_metrics_configuration(
        Bucket="e2e-metrics",
        Id="Tagged",
        MetricsConfiguration={
            "Id": "Tagged",
            "Filter": {"And": {"Prefix": "img/", "Tags": [{"Key": "team", "Value": "web"}]}},
        },
    )
    got = s3.get_bucket_metrics_configuration(Bucket="e2e-metrics", Id="Tagged")
    assert got["MetricsConfiguration"] == {
        "Id": "Tagged",
        "Filter": {"And": {"Prefix": "img/", "Tags": [{"Key": "team", "Value": "web"}]}},
    }
    listed = s3.list_bucket_metrics_configurations(Bucket="e2e-metrics")
    assert [c["Id"] for c in listed["MetricsConfigurationList"]] == ["Docs", "Tagged"]
    assert listed["IsTruncated"] is False
    s3.delete_bucket_metrics_configuration(Bucket="e2e-metrics", Id="Docs")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_bucket_metrics_configuration(Bucket="e2e-metrics", Id="Docs")
    assert e.value.response["Error"]["Code"] == "NoSuchConfiguration"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_cli_metrics_configuration_survives_restart(binary, tmp_path):
    data = tmp_path / "data"
    n = start_nimbus(data_dir=data)
    try:
        n.aws("s3api", "create-bucket", "--bucket", "kept-metrics")
        n.aws(
            "s3api", "put-bucket-metrics-configuration", "--bucket", "kept-metrics",
            "--id", "EntireBucket", "--metrics-configuration", '{"Id": "EntireBucket"}',
        )
    finally:
        n.stop()
    n = start_nimbus(data_dir=data)
    try:
        out = n.aws("s3api", "list-bucket-metrics-configurations", "--bucket", "kept-metrics")
        assert [c["Id"] for c in json.loads(out.stdout)["MetricsConfigurationList"]] == ["EntireBucket"]
    finally:
        n.stop()
