"""The class scenario with the AWS CLI: a message that is received three times and never
deleted lands in the dead-letter queue after maxReceiveCount=3, is listed there, and a
message move task brings it back to its source queue. Also FIFO order and deduplication
through the CLI, and the dead-letter state surviving a SIGKILL."""

import json
import shutil
import signal
import time

from conftest import start_nimbus


def cli_json(nimbus, *args):
    out = nimbus.aws(*args).stdout
    return json.loads(out) if out.strip() else {}


def receive(nimbus, url, *extra):
    return cli_json(
        nimbus, "sqs", "receive-message", "--queue-url", url,
        "--attribute-names", "All", "--message-attribute-names", "All", *extra,
    ).get("Messages", [])


def make_queues(nimbus):
    dlq = cli_json(nimbus, "sqs", "create-queue", "--queue-name", "class-dlq")["QueueUrl"]
    dlq_arn = cli_json(
        nimbus, "sqs", "get-queue-attributes", "--queue-url", dlq, "--attribute-names", "QueueArn"
    )["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})
    src = cli_json(
        nimbus, "sqs", "create-queue", "--queue-name", "class-work",
        "--attributes", json.dumps({"RedrivePolicy": policy}),
    )["QueueUrl"]
    return src, dlq, dlq_arn


def poison(nimbus, src):
    sent = cli_json(
        nimbus, "sqs", "send-message", "--queue-url", src, "--message-body", "poison pill",
        "--message-attributes", json.dumps({"kind": {"DataType": "String", "StringValue": "bad"}}),
    )
    # Received three times, never deleted (a zero visibility timeout makes it visible again
    # at once, as if each consumer crashed).
    for n in (1, 2, 3):
        got = receive(nimbus, src, "--visibility-timeout", "0")
        assert len(got) == 1 and got[0]["Attributes"]["ApproximateReceiveCount"] == str(n)
        assert got[0]["MessageId"] == sent["MessageId"]
    return sent["MessageId"]


def test_poison_message_lands_in_the_dlq_and_is_moved_back(nimbus):
    src, dlq, dlq_arn = make_queues(nimbus)
    message_id = poison(nimbus, src)
    # The fourth receive moves it instead of delivering it.
    assert receive(nimbus, src) == []
    sources = cli_json(nimbus, "sqs", "list-dead-letter-source-queues", "--queue-url", dlq)
    assert sources["queueUrls"] == [src]
    attrs = cli_json(
        nimbus, "sqs", "get-queue-attributes", "--queue-url", dlq,
        "--attribute-names", "ApproximateNumberOfMessages",
    )["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "1"
    # It is there, unchanged, and says where it came from.
    dead = receive(nimbus, dlq, "--visibility-timeout", "0")
    assert len(dead) == 1
    assert dead[0]["MessageId"] == message_id
    assert dead[0]["Body"] == "poison pill"
    assert dead[0]["MessageAttributes"]["kind"]["StringValue"] == "bad"
    assert dead[0]["Attributes"]["DeadLetterQueueSourceArn"].endswith(":class-work")

    # A move task brings it back to its source.
    handle = cli_json(nimbus, "sqs", "start-message-move-task", "--source-arn", dlq_arn)["TaskHandle"]
    assert handle
    deadline = time.time() + 10
    while True:
        tasks = cli_json(nimbus, "sqs", "list-message-move-tasks", "--source-arn", dlq_arn)["Results"]
        if tasks and tasks[0]["Status"] == "COMPLETED":
            break
        assert time.time() < deadline, tasks
        time.sleep(0.1)
    assert tasks[0]["ApproximateNumberOfMessagesMoved"] == 1
    assert tasks[0]["ApproximateNumberOfMessagesToMove"] == 1
    assert "TaskHandle" not in tasks[0]
    back = receive(nimbus, src)
    assert len(back) == 1 and back[0]["MessageId"] == message_id
    assert back[0]["Body"] == "poison pill"
    assert back[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    nimbus.aws("sqs", "delete-message", "--queue-url", src, "--receipt-handle", back[0]["ReceiptHandle"])
    assert receive(nimbus, dlq) == []

    # Errors as AWS words them: the work queue is not a dead-letter queue.
    bad = nimbus.aws("sqs", "start-message-move-task", "--source-arn", dlq_arn.replace("class-dlq", "class-work"), check=False)
    assert bad.returncode != 0 and "InvalidParameterValue" in bad.stderr, bad.stderr


def test_fifo_order_and_deduplication_with_the_cli(nimbus):
    url = cli_json(
        nimbus, "sqs", "create-queue", "--queue-name", "cli.fifo",
        "--attributes", json.dumps({"FifoQueue": "true", "ContentBasedDeduplication": "true"}),
    )["QueueUrl"]
    first = cli_json(nimbus, "sqs", "send-message", "--queue-url", url, "--message-body", "one", "--message-group-id", "g")
    assert len(first["SequenceNumber"]) == 20
    dup = cli_json(nimbus, "sqs", "send-message", "--queue-url", url, "--message-body", "one", "--message-group-id", "g")
    assert dup["MessageId"] == first["MessageId"]
    cli_json(nimbus, "sqs", "send-message", "--queue-url", url, "--message-body", "two", "--message-group-id", "g")
    got = receive(nimbus, url, "--max-number-of-messages", "10")
    assert [m["Body"] for m in got] == ["one", "two"]
    assert got[0]["Attributes"]["SequenceNumber"] == first["SequenceNumber"]
    assert got[0]["Attributes"]["MessageGroupId"] == "g"
    missing = nimbus.aws("sqs", "send-message", "--queue-url", url, "--message-body", "x", check=False)
    assert missing.returncode != 0 and "MissingParameter" in missing.stderr, missing.stderr


def test_dead_letter_state_survives_sigkill():
    n = start_nimbus()
    try:
        src, dlq, dlq_arn = make_queues(n)
        poison(n, src)
        sqs = n.client("sqs")
        fifo = sqs.create_queue(QueueName="kill.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        first = sqs.send_message(QueueUrl=fifo, MessageBody="a", MessageGroupId="g", MessageDeduplicationId="d1")
        sqs.send_message(QueueUrl=fifo, MessageBody="b", MessageGroupId="g", MessageDeduplicationId="d2")
        head = sqs.receive_message(QueueUrl=fifo, VisibilityTimeout=600)["Messages"]
        assert [m["Body"] for m in head] == ["a"]
        sqs.delete_message(QueueUrl=fifo, ReceiptHandle=head[0]["ReceiptHandle"])
        held = sqs.receive_message(QueueUrl=fifo, VisibilityTimeout=600)["Messages"]
        assert [m["Body"] for m in held] == ["b"]
        n.stop(signal.SIGKILL)
        n2 = start_nimbus(data_dir=n.data_dir)
        try:
            # The receive count survived: the next receive moves it.
            assert receive(n2, src) == []
            # The deduplication window survived (the first copy was deleted before the kill),
            # and the group is still blocked by the message in flight.
            sqs2 = n2.client("sqs")
            fifo2 = fifo.replace(n.endpoint, n2.endpoint)
            again = sqs2.send_message(QueueUrl=fifo2, MessageBody="a", MessageGroupId="g", MessageDeduplicationId="d1")
            assert again["MessageId"] == first["MessageId"]
            assert sqs2.receive_message(QueueUrl=fifo2).get("Messages", []) == []
            n2.stop(signal.SIGKILL)
            n3 = start_nimbus(data_dir=n.data_dir)
            try:
                dead = receive(n3, dlq)
                assert len(dead) == 1 and dead[0]["Body"] == "poison pill"
            finally:
                n3.stop()
        finally:
            n2.stop()
    finally:
        n.stop()
        shutil.rmtree(n.data_dir, ignore_errors=True)
