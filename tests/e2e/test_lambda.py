"""Lambda and CloudWatch Logs from the outside: the AWS CLI and boto3 against the built
binary, with the class's Python handler from functions/."""

import base64
import json
from pathlib import Path

import botocore.exceptions
import pytest

from conftest import package

ROOT = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def class_zip():
    return package({"lambda_function.py": (ROOT / "functions/python-class/lambda_function.py").read_text()})


def test_create_wait_invoke_with_the_cli(nimbus, tmp_path):
    zip_path = tmp_path / "fn.zip"
    zip_path.write_bytes(class_zip())
    out = json.loads(
        nimbus.aws(
            "lambda", "create-function", "--function-name", "hello", "--runtime", "python3.12",
            "--handler", "lambda_function.lambda_handler", "--role", ROLE,
            "--zip-file", f"fileb://{zip_path}",
        ).stdout
    )
    assert out["State"] == "Pending"
    assert out["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:hello"
    nimbus.aws("lambda", "wait", "function-active-v2", "--function-name", "hello")

    result = tmp_path / "out.json"
    meta = json.loads(
        nimbus.aws(
            "lambda", "invoke", "--function-name", "hello",
            "--payload", '{"name": "cli"}', "--log-type", "Tail", str(result),
        ).stdout
    )
    assert meta["StatusCode"] == 200
    assert meta["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in meta
    tail = base64.b64decode(meta["LogResult"]).decode()
    assert "START RequestId:" in tail and "REPORT RequestId:" in tail, tail
    body = json.loads(json.loads(result.read_text())["body"])
    assert body["message"] == "hello cli"

    # The printed line is found by filter-log-events.
    found = json.loads(
        nimbus.aws(
            "logs", "filter-log-events", "--log-group-name", "/aws/lambda/hello",
            "--filter-pattern", '"Received event"',
        ).stdout
    )
    messages = [e["message"] for e in found["events"]]
    assert any('Received event: {"name": "cli"}' in m for m in messages), messages
    streams = json.loads(nimbus.aws("logs", "describe-log-streams", "--log-group-name", "/aws/lambda/hello").stdout)
    assert len(streams["logStreams"]) == 1
    events = json.loads(
        nimbus.aws(
            "logs", "get-log-events", "--log-group-name", "/aws/lambda/hello",
            "--log-stream-name", streams["logStreams"][0]["logStreamName"], "--start-from-head",
        ).stdout
    )
    assert events["events"][0]["message"].startswith("START RequestId:")


def test_boto3_errors_and_limits(nimbus):
    lam = nimbus.client("lambda")
    lam.create_function(
        FunctionName="boom", Runtime="python3.12", Role=ROLE, Handler="lambda_function.lambda_handler",
        Code={"ZipFile": package({"lambda_function.py": "def lambda_handler(e, c):\n    raise RuntimeError('nope')\n"})},
    )
    r = lam.invoke(FunctionName="boom", Payload=b"{}")
    assert r["FunctionError"] == "Unhandled"
    err = json.loads(r["Payload"].read())
    assert err["errorType"] == "RuntimeError" and err["errorMessage"] == "nope"

    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.get_function(FunctionName="missing")
    assert e.value.response["Error"]["Message"].startswith("Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing")
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_function(FunctionName="boom", Runtime="python3.12", Role=ROLE, Handler="a.b", Code={"ZipFile": package({"a.py": ""})})
    with pytest.raises(lam.exceptions.RequestTooLargeException):
        lam.invoke(FunctionName="boom", Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.publish_version(FunctionName="boom")
    assert e.value.response["Error"]["Code"] == "UnsupportedOperation"

    lam.put_function_concurrency(FunctionName="boom", ReservedConcurrentExecutions=0)
    with pytest.raises(lam.exceptions.TooManyRequestsException) as e:
        lam.invoke(FunctionName="boom", Payload=b"{}")
    assert e.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"

    funcs = lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 1})
    assert [f["FunctionName"] for page in funcs for f in page["Functions"]] == ["boom"]
