"""Asynchronous Lambda invocation from the outside: boto3 against the built binary.
`InvocationType=Event` answers 202, the OnSuccess destination record lands on an SQS queue,
and an accepted event survives `kill -9`."""

import io
import json
import shutil
import signal
import time
import zipfile

from conftest import start_nimbus

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
HANDLER = (
    "def lambda_handler(event, context):\n"
    "    print('got', event)\n"
    "    return {'echo': event}\n"
)


def package(source):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("lambda_function.py", source)
    return buf.getvalue()


def setup(n, name):
    sqs, lam = n.client("sqs"), n.client("lambda")
    url = sqs.create_queue(QueueName=f"{name}-ok")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": package(HANDLER)},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    cfg = lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}}
    )
    assert cfg["FunctionArn"].endswith(f":function:{name}:$LATEST")
    assert cfg["DestinationConfig"]["OnSuccess"]["Destination"] == arn
    return sqs, lam, url


def receive(sqs, url, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)
        if out.get("Messages"):
            return out["Messages"][0]
    raise AssertionError(f"no message on {url}")


def test_event_invoke_with_on_success_destination(nimbus):
    sqs, lam, url = setup(nimbus, "async-e2e")
    r = lam.invoke(FunctionName="async-e2e", InvocationType="Event", Payload=b'{"hello": "world"}')
    assert r["StatusCode"] == 202
    request_id = r["ResponseMetadata"]["RequestId"]
    assert r["Payload"].read() == b""

    record = json.loads(receive(sqs, url)["Body"])
    assert record["version"] == "1.0"
    assert record["timestamp"].endswith("Z")
    assert record["requestContext"] == {
        "requestId": request_id,
        "functionArn": "arn:aws:lambda:us-east-1:000000000000:function:async-e2e:$LATEST",
        "condition": "Success",
        "approximateInvokeCount": 1,
    }
    assert record["requestPayload"] == {"hello": "world"}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"echo": {"hello": "world"}}

    got = lam.get_function_event_invoke_config(FunctionName="async-e2e")
    assert got["DestinationConfig"]["OnSuccess"]["Destination"].endswith(":async-e2e-ok")
    lam.delete_function_event_invoke_config(FunctionName="async-e2e")
    assert lam.list_function_event_invoke_configs(FunctionName="async-e2e")["FunctionEventInvokeConfigs"] == []


def test_accepted_events_survive_kill_9():
    n = start_nimbus()
    try:
        sqs, lam, url = setup(n, "durable")
        # Concurrency 0 keeps the event queued (throttled) until nimbus is killed.
        lam.put_function_concurrency(FunctionName="durable", ReservedConcurrentExecutions=0)
        r = lam.invoke(FunctionName="durable", InvocationType="Event", Payload=b'{"n": 1}')
        assert r["StatusCode"] == 202
        request_id = r["ResponseMetadata"]["RequestId"]
        n.stop(sig=signal.SIGKILL)

        n2 = start_nimbus(data_dir=n.data_dir)
        try:
            sqs, lam = n2.client("sqs"), n2.client("lambda")
            url = sqs.get_queue_url(QueueName="durable-ok")["QueueUrl"]
            lam.delete_function_concurrency(FunctionName="durable")
            record = json.loads(receive(sqs, url)["Body"])
            assert record["requestContext"]["requestId"] == request_id
            assert record["requestContext"]["condition"] == "Success"
            assert record["requestPayload"] == {"n": 1}
        finally:
            n2.stop()
    finally:
        n.stop()
        shutil.rmtree(n.data_dir, ignore_errors=True)
