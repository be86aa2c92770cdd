def lambda_handler(event, context):
    # The consumer of the autoscaling lab: an event source mapping on the queue `orders`
    # invokes it with batches of SQS records; returning deletes them.
    for record in event["Records"]:
        print(f"orders-worker got {record['body']}")
    return {"processed": len(event["Records"])}
