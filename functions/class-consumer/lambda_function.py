import json


def lambda_handler(event, context):
    # The consumer f1: an event source mapping on lambdaQ invokes it with batches of SQS
    # records. Each body is the producer's OnSuccess invocation record.
    for record in event["Records"]:
        destination = json.loads(record["body"])
        result = destination.get("responsePayload") or {}
        receives = record["attributes"]["ApproximateReceiveCount"]
        for obj in result.get("objects", []):
            print(f"f1 got s3://{obj['bucket']}/{obj['key']} (receive {receives})")
            if "poison" in obj["key"]:
                # A consumer that raises: the message comes back after the visibility
                # timeout, and after maxReceiveCount (3) receives SQS moves it to lambdaDLQ.
                raise RuntimeError(f"cannot process {obj['key']}")
    return {"processed": len(event["Records"])}
