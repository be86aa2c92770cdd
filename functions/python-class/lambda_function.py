import json


def lambda_handler(event, context):
    # What the class writes first: print the event, return a greeting.
    print("Received event: " + json.dumps(event))
    name = event.get("name", "world")
    print(f"function {context.function_name} has {context.get_remaining_time_in_millis()} ms left")
    return {
        "statusCode": 200,
        "body": json.dumps({"message": f"hello {name}", "request_id": context.aws_request_id}),
    }
