import json
import os

import boto3


def lambda_handler(event, context):
    # Invoked by a CloudWatch alarm action (AlarmActions) with the alarm event: on ALARM,
    # raise the consumer mapping's ScalingConfig.MaximumConcurrency by STEP, up to MAXIMUM.
    print("Received alarm event: " + json.dumps(event))
    alarm = event["alarmData"]
    state = alarm["state"]["value"]
    if state != "ALARM":
        print(f"{alarm['alarmName']} is {state}: nothing to do")
        return {"scaled": False, "state": state}
    uuid = os.environ["MAPPING_UUID"]
    step = int(os.environ.get("STEP", "3"))
    maximum = int(os.environ.get("MAXIMUM", "20"))
    # Inside nimbus, AWS_ENDPOINT_URL points the SDK back at the sandbox; on AWS it is unset.
    lam = boto3.client("lambda")
    mapping = lam.get_event_source_mapping(UUID=uuid)
    current = (mapping.get("ScalingConfig") or {}).get("MaximumConcurrency", 2)
    wanted = min(current + step, maximum)
    if wanted != current:
        lam.update_event_source_mapping(UUID=uuid, ScalingConfig={"MaximumConcurrency": wanted})
    print(f"scale-out: {alarm['alarmName']} is ALARM ({alarm['state']['reason']}); "
          f"mapping {uuid} MaximumConcurrency {current} -> {wanted}")
    return {"scaled": wanted != current, "from": current, "to": wanted}
