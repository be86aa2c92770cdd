import json


def lambda_handler(event, context):
    # The class's first function: S3 invokes it asynchronously for every new object.
    # It prints the event and returns a summary; the OnSuccess destination sends that
    # result (inside AWS's invocation record) to the queue lambdaQ.
    print("Received event: " + json.dumps(event))
    objects = []
    for record in event.get("Records", []):
        s3 = record["s3"]
        objects.append({
            "bucket": s3["bucket"]["name"],
            "key": s3["object"]["key"],
            "size": s3["object"].get("size", 0),
        })
        print(f"new object s3://{s3['bucket']['name']}/{s3['object']['key']}")
    return {"objects": objects, "producer_request_id": context.aws_request_id}
