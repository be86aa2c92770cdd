"""The class pipeline end to end: examples/class-pipeline/run.sh (the AWS CLI) against the
built binary, then each hop checked with boto3: S3 -> class-producer (asynchronous, from the
bucket notification) -> OnSuccess destination -> lambdaQ -> event source mapping -> f1, and
the failure path: f1 raises for poison.txt, which reaches lambdaDLQ after 3 receives."""

import json
import os
import subprocess
from pathlib import Path

from conftest import ROOT, VENV_BIN, cli_env

SCRIPT = ROOT / "examples" / "class-pipeline" / "run.sh"


def log_messages(logs, group):
    out = []
    kwargs = {"logGroupName": group}
    while True:
        page = logs.filter_log_events(**kwargs)
        out += [e["message"] for e in page["events"]]
        if not page.get("nextToken"):
            return out
        kwargs["nextToken"] = page["nextToken"]


def test_the_class_pipeline_script_runs_every_hop(nimbus):
    env = cli_env()
    env.update(
        NIMBUS_ENDPOINT=nimbus.endpoint,
        AWS_CLI=str(VENV_BIN / "aws"),
        VISIBILITY_TIMEOUT="1",
        WAIT_SECONDS="60",
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    r = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, f"run.sh failed:\n{r.stdout}\n{r.stderr}\n{nimbus.stderr()}"
    assert "== done" in r.stdout, r.stdout

    s3, sqs, lam, logs = (nimbus.client(s) for s in ("s3", "sqs", "lambda", "logs"))

    # Hop 1: the object is in the bucket and the notification targets the producer.
    assert s3.get_object(Bucket="class-pipeline", Key="hello.txt")["Body"].read() == b"hello from the class\n"
    conf = s3.get_bucket_notification_configuration(Bucket="class-pipeline")
    assert conf["LambdaFunctionConfigurations"][0]["LambdaFunctionArn"].endswith(":function:class-producer")

    # Hop 2: S3 invoked the producer asynchronously with the S3 event, once per object.
    producer = log_messages(logs, "/aws/lambda/class-producer")
    events = [json.loads(m.split("Received event: ", 1)[1]) for m in producer if "Received event: " in m]
    keys = sorted(e["Records"][0]["s3"]["object"]["key"] for e in events)
    assert keys == ["hello.txt", "poison.txt"], producer
    rec = events[0]["Records"][0]
    assert rec["eventSource"] == "aws:s3" and rec["eventName"] == "ObjectCreated:Put"

    # Hop 3: the OnSuccess destination is lambdaQ, and the mapping from lambdaQ to f1 runs.
    cfg = lam.get_function_event_invoke_config(FunctionName="class-producer")
    assert cfg["DestinationConfig"]["OnSuccess"]["Destination"].endswith(":lambdaQ")
    mappings = lam.list_event_source_mappings(FunctionName="f1")["EventSourceMappings"]
    assert len(mappings) == 1
    assert mappings[0]["State"] == "Enabled"
    assert mappings[0]["EventSourceArn"].endswith(":lambdaQ")
    assert mappings[0]["BatchSize"] == 10

    # Hop 4: f1 got hello.txt once, through the destination record, and deleted it.
    f1 = log_messages(logs, "/aws/lambda/f1")
    assert [m for m in f1 if "hello.txt" in m] == ["f1 got s3://class-pipeline/hello.txt (receive 1)\n"], f1

    # The failure path: poison.txt was received 3 times, then moved to lambdaDLQ.
    poison = [m.strip() for m in f1 if m.startswith("f1 got s3://class-pipeline/poison.txt")]
    assert poison == [f"f1 got s3://class-pipeline/poison.txt (receive {n})" for n in (1, 2, 3)], f1
    assert sum("RuntimeError: cannot process poison.txt" in m for m in f1) == 3, f1
    q_url = sqs.get_queue_url(QueueName="lambdaQ")["QueueUrl"]
    dlq_url = sqs.get_queue_url(QueueName="lambdaDLQ")["QueueUrl"]
    q = sqs.get_queue_attributes(QueueUrl=q_url, AttributeNames=["All"])["Attributes"]
    assert q["ApproximateNumberOfMessages"] == "0" and q["ApproximateNumberOfMessagesNotVisible"] == "0", q
    assert json.loads(q["RedrivePolicy"])["maxReceiveCount"] in (3, "3")
    msgs = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1, AttributeNames=["All"])["Messages"]
    assert len(msgs) == 1
    record = json.loads(msgs[0]["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["functionArn"].endswith(":function:class-producer:$LATEST")
    assert record["responsePayload"]["objects"][0]["key"] == "poison.txt"
    assert record["requestPayload"]["Records"][0]["s3"]["object"]["key"] == "poison.txt"

    # The scaling of f1's pollers is visible in nimbus's log.
    assert "concurrent batches" in nimbus.stderr()
