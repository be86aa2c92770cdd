"""SQS from the outside: the common path with boto3 and the AWS CLI, and a crash test that
kills the server with SIGKILL under concurrent load and checks that nothing acknowledged was
lost or resurrected."""

import json
import signal
import threading
import time

import botocore.exceptions
import pytest

from conftest import start_nimbus


def test_common_path_with_boto3(nimbus):
    sqs = nimbus.client("sqs")
    url = sqs.create_queue(QueueName="e2e-common", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    assert url.endswith("/000000000000/e2e-common")
    assert sqs.get_queue_url(QueueName="e2e-common")["QueueUrl"] == url
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody="hello",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}},
    )
    assert sent["MD5OfMessageBody"] == "5d41402abc4b2a76b9719d911017c592"
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"])["Messages"]
    assert len(got) == 1 and got[0]["Body"] == "hello"
    assert got[0]["MessageAttributes"]["kind"]["StringValue"] == "greeting"
    assert got[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "5"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    sqs.send_message(QueueUrl=url, MessageBody="to be purged")
    sqs.purge_queue(QueueUrl=url)
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqs.purge_queue(QueueUrl=url)
    assert e.value.response["Error"]["Code"] in ("AWS.SimpleQueueService.PurgeQueueInProgress", "PurgeQueueInProgress")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="no-such-queue")
    sqs.delete_queue(QueueUrl=url)


def test_common_path_with_the_cli(nimbus):
    url = json.loads(nimbus.aws("sqs", "create-queue", "--queue-name", "e2e-cli").stdout)["QueueUrl"]
    nimbus.aws("sqs", "send-message", "--queue-url", url, "--message-body", "from the cli")
    out = json.loads(nimbus.aws("sqs", "receive-message", "--queue-url", url).stdout)
    assert out["Messages"][0]["Body"] == "from the cli"
    nimbus.aws("sqs", "delete-message", "--queue-url", url, "--receipt-handle", out["Messages"][0]["ReceiptHandle"])
    nimbus.aws("sqs", "set-queue-attributes", "--queue-url", url, "--attributes", "DelaySeconds=3")
    attrs = json.loads(nimbus.aws("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "All").stdout)
    assert attrs["Attributes"]["DelaySeconds"] == "3"
    queues = json.loads(nimbus.aws("sqs", "list-queues", "--queue-name-prefix", "e2e-").stdout)
    assert url in queues["QueueUrls"]
    nimbus.aws("sqs", "purge-queue", "--queue-url", url)
    bad = nimbus.aws("sqs", "get-queue-url", "--queue-name", "missing", check=False)
    assert bad.returncode != 0 and "NonExistentQueue" in bad.stderr, bad.stderr


def test_kill_9_under_load_loses_nothing_acknowledged():
    """Senders and receivers run concurrently; the server is SIGKILLed mid-flight; after a
    restart every acknowledged send that was not acknowledged as deleted is still there,
    and no acknowledged delete comes back."""
    n = start_nimbus()
    sqs = n.client("sqs")
    url = sqs.create_queue(QueueName="crash", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    acked_sent, acked_deleted, attempted_delete = set(), set(), set()
    lock = threading.Lock()
    stop = threading.Event()

    def sender(k):
        c = n.client("sqs")
        i = 0
        while not stop.is_set():
            body = f"s{k}-{i}"
            try:
                if i % 2:
                    entries = [{"Id": f"e{j}", "MessageBody": f"{body}-{j}"} for j in range(10)]
                    r = c.send_message_batch(QueueUrl=url, Entries=entries)
                    ok = {f"{body}-{int(s['Id'][1:])}" for s in r.get("Successful", [])}
                else:
                    c.send_message(QueueUrl=url, MessageBody=body)
                    ok = {body}
            except Exception:
                return
            with lock:
                acked_sent.update(ok)
            i += 1

    def receiver():
        c = n.client("sqs")
        while not stop.is_set():
            try:
                msgs = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                for m in msgs:
                    with lock:
                        attempted_delete.add(m["Body"])
                    c.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                    with lock:
                        acked_deleted.add(m["Body"])
            except Exception:
                return

    threads = [threading.Thread(target=sender, args=(k,)) for k in range(4)] + [
        threading.Thread(target=receiver) for _ in range(2)
    ]
    for t in threads:
        t.start()
    time.sleep(2.0)
    n.proc.send_signal(signal.SIGKILL)
    n.proc.wait()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(acked_sent) > 100, "the load did not run"

    again = start_nimbus(data_dir=n.data_dir)
    try:
        c = again.client("sqs")
        url2 = c.get_queue_url(QueueName="crash")["QueueUrl"]
        # In-flight messages come back after their 1 s visibility timeout: drain until the
        # queue stays empty past that.
        present = []
        quiet_since = time.time()
        while time.time() - quiet_since < 2.5:
            msgs = c.receive_message(QueueUrl=url2, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            if msgs:
                quiet_since = time.time()
            for m in msgs:
                present.append(m["Body"])
                c.delete_message(QueueUrl=url2, ReceiptHandle=m["ReceiptHandle"])
        present_set = set(present)
        # A delete that was sent but not acknowledged before the kill may or may not have
        # committed, so only messages never sent for deletion must be present.
        lost = acked_sent - attempted_delete - present_set
        resurrected = acked_deleted & present_set
        assert not lost, f"{len(lost)} acknowledged messages lost, e.g. {sorted(lost)[:5]}"
        assert not resurrected, f"{len(resurrected)} deleted messages came back, e.g. {sorted(resurrected)[:5]}"
    finally:
        again.stop()
