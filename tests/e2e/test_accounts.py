"""Accounts are boundaries: the issue's scenario with the AWS CLI and boto3, under
`--auth strict` with two accounts (and the same boundary under `--auth off`, where a
12-digit access key picks the account). Another account gets AWS's AccessDenied unless the
resource's policy grants it; an unsigned request is anonymous; role sessions act with the
role's policies under `--enforce-iam`."""

import json
import time
import urllib.error
import urllib.request

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from conftest import package, start_nimbus

ONE, TWO = "111111111111", "222222222222"
K1, S1 = "AKIAONE", "secret-one"
K2, S2 = "AKIATWO", "secret-two"
STRICT = ("--auth", "strict", "--credential", f"{K1}:{S1}:{ONE}", "--credential", f"{K2}:{S2}:{TWO}")


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def session_client(n, service, creds):
    return boto3.client(
        service,
        endpoint_url=n.endpoint,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture
def strict():
    n = start_nimbus(*STRICT)
    yield n
    assert n.stop() == 0


def test_the_issue_scenario_another_account_is_refused(strict, tmp_path):
    n = strict
    # Account 1 creates a bucket and puts s.txt.
    n.aws("s3", "mb", "s3://owned-bucket", access_key=K1, secret_key=S1)
    src = tmp_path / "s.txt"
    src.write_text("secret\n")
    n.aws("s3", "cp", str(src), "s3://owned-bucket/s.txt", access_key=K1, secret_key=S1)
    assert n.aws("s3", "cp", "s3://owned-bucket/s.txt", "-", access_key=K1, secret_key=S1).stdout == "secret\n"

    # Account 2 can neither read nor delete it, with the CLI or boto3.
    r = n.aws("s3", "cp", "s3://owned-bucket/s.txt", "-", access_key=K2, secret_key=S2, check=False)
    assert r.returncode != 0 and "403" in r.stderr and "secret" not in r.stdout, r.stderr
    s3two = n.client("s3", K2, S2)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3two.get_object(Bucket="owned-bucket", Key="s.txt")
    assert error_code(e) == "AccessDenied"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3two.delete_object(Bucket="owned-bucket", Key="s.txt")
    assert error_code(e) == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3two.list_objects_v2(Bucket="owned-bucket")
    assert error_code(e) == "AccessDenied"
    # The object is still there for its owner.
    assert n.client("s3", K1, S1).get_object(Bucket="owned-bucket", Key="s.txt")["Body"].read() == b"secret\n"
    # The name is taken: account 2 cannot create it either.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3two.create_bucket(Bucket="owned-bucket")
    assert error_code(e) == "BucketAlreadyExists"
    assert "owned-bucket" not in [b["Name"] for b in s3two.list_buckets()["Buckets"]]

    # Account 2 cannot send to account 1's queue by its URL.
    url = n.client("sqs", K1, S1).create_queue(QueueName="owned-queue")["QueueUrl"]
    assert f"/{ONE}/owned-queue" in url
    sqstwo = n.client("sqs", K2, S2)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqstwo.send_message(QueueUrl=url, MessageBody="intruder")
    assert error_code(e) in ("AccessDenied", "AccessDeniedException")
    r = n.aws("sqs", "send-message", "--queue-url", url, "--message-body", "intruder",
              access_key=K2, secret_key=S2, check=False)
    assert r.returncode != 0 and "AccessDenied" in r.stderr, r.stderr
    assert n.client("sqs", K1, S1).get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_grants_open_exactly_what_they_name(strict):
    n = strict
    s3one, s3two = n.client("s3", K1, S1), n.client("s3", K2, S2)
    s3one.create_bucket(Bucket="shared-bucket")
    s3one.put_object(Bucket="shared-bucket", Key="pub/a.txt", Body=b"a")
    s3one.put_object(Bucket="shared-bucket", Key="priv/b.txt", Body=b"b")
    s3one.put_bucket_policy(Bucket="shared-bucket", Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "ReadPub", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{TWO}:root"},
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-bucket/pub/*",
        }],
    }))
    assert s3two.get_object(Bucket="shared-bucket", Key="pub/a.txt")["Body"].read() == b"a"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3two.get_object(Bucket="shared-bucket", Key="priv/b.txt")
    assert error_code(e) == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3two.delete_object(Bucket="shared-bucket", Key="pub/a.txt")
    assert error_code(e) == "AccessDenied"

    sqsone, sqstwo = n.client("sqs", K1, S1), n.client("sqs", K2, S2)
    url = sqsone.create_queue(QueueName="shared-queue")["QueueUrl"]
    sqsone.add_permission(QueueUrl=url, Label="two-sends", AWSAccountIds=[TWO], Actions=["SendMessage"])
    sqstwo.send_message(QueueUrl=url, MessageBody="granted")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sqstwo.receive_message(QueueUrl=url)
    assert error_code(e) in ("AccessDenied", "AccessDeniedException")
    got = sqsone.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in got] == ["granted"]
    sqsone.remove_permission(QueueUrl=url, Label="two-sends")
    with pytest.raises(botocore.exceptions.ClientError):
        sqstwo.send_message(QueueUrl=url, MessageBody="revoked")


def test_cross_account_invoke_needs_a_function_policy(strict):
    n = strict
    lone, ltwo = n.client("lambda", K1, S1), n.client("lambda", K2, S2)
    arn = lone.create_function(
        FunctionName="owned-fn", Runtime="python3.12", Role=f"arn:aws:iam::{ONE}:role/r",
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": package({"lambda_function.py": "def lambda_handler(e, c):\n    return {'ok': e}\n"})},
    )["FunctionArn"]
    assert f":{ONE}:function:owned-fn" in arn
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ltwo.invoke(FunctionName=arn, Payload=b"1")
    assert error_code(e) == "AccessDeniedException"
    assert "lambda:InvokeFunction" in e.value.response["Error"]["Message"]
    lone.add_permission(FunctionName="owned-fn", StatementId="two", Action="lambda:InvokeFunction", Principal=TWO)
    r = ltwo.invoke(FunctionName=arn, Payload=b"1")
    assert json.loads(r["Payload"].read()) == {"ok": 1}


def test_cross_account_notifications_need_the_queue_policy(strict):
    n = strict
    s3two, sqsone = n.client("s3", K2, S2), n.client("sqs", K1, S1)
    url = sqsone.create_queue(QueueName="events")["QueueUrl"]
    qarn = sqsone.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3two.create_bucket(Bucket="uploads-two")
    conf = {"QueueConfigurations": [{"QueueArn": qarn, "Events": ["s3:ObjectCreated:*"]}]}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3two.put_bucket_notification_configuration(Bucket="uploads-two", NotificationConfiguration=conf)
    assert error_code(e) == "InvalidArgument"
    sqsone.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": qarn,
            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads-two"},
                          "StringEquals": {"aws:SourceAccount": TWO}},
        }],
    })})
    s3two.put_bucket_notification_configuration(Bucket="uploads-two", NotificationConfiguration=conf)
    s3two.put_object(Bucket="uploads-two", Key="k.txt", Body=b"k")
    # The s3:TestEvent S3 sends when the configuration is stored comes first (no Records).
    deadline, records = time.time() + 10, []
    while time.time() < deadline and not records:
        bodies = [json.loads(m["Body"]) for m in sqsone.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])]
        records = [r for b in bodies for r in b.get("Records", [])]
    assert records and records[0]["s3"]["object"]["key"] == "k.txt"


def test_anonymous_requests_need_a_public_grant(strict):
    n = strict
    s3one = n.client("s3", K1, S1)
    s3one.create_bucket(Bucket="site")
    s3one.put_object(Bucket="site", Key="index.html", Body=b"<h1>hi</h1>")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"{n.endpoint}/site/index.html", timeout=10)
    assert e.value.code == 403 and b"AccessDenied" in e.value.read()
    # AWS blocks public policies on new buckets; the owner lifts the block first.
    s3one.delete_public_access_block(Bucket="site")
    s3one.put_bucket_policy(Bucket="site", Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*"}],
    }))
    assert s3one.get_bucket_policy_status(Bucket="site")["PolicyStatus"]["IsPublic"] is True
    with urllib.request.urlopen(f"{n.endpoint}/site/index.html", timeout=10) as r:
        assert r.status == 200 and r.read() == b"<h1>hi</h1>"
    # Reading is public; writing is not.
    req = urllib.request.Request(f"{n.endpoint}/site/evil.html", data=b"x", method="PUT")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 403


def test_off_mode_keeps_accounts_apart():
    n = start_nimbus()
    try:
        one, two = n.client("s3", access_key=ONE), n.client("s3", access_key=TWO)
        one.create_bucket(Bucket="mine")
        one.put_object(Bucket="mine", Key="k", Body=b"v")
        with pytest.raises(botocore.exceptions.ClientError) as e:
            two.get_object(Bucket="mine", Key="k")
        assert error_code(e) == "AccessDenied"
        # The default credentials act in the default account, a third one.
        with pytest.raises(botocore.exceptions.ClientError) as e:
            n.client("s3").get_object(Bucket="mine", Key="k")
        assert error_code(e) == "AccessDenied"
        assert one.get_object(Bucket="mine", Key="k")["Body"].read() == b"v"
    finally:
        assert n.stop() == 0


def test_role_sessions_act_with_the_role_policies():
    n = start_nimbus(*STRICT, "--enforce-iam")
    try:
        iam = n.client("iam", K1, S1)
        iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{TWO}:root"}, "Action": "sts:AssumeRole"}],
        }))
        iam.put_role_policy(RoleName="reader", PolicyName="read", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:GetQueueUrl"], "Resource": "*"}],
        }))
        sqsone = n.client("sqs", K1, S1)
        url = sqsone.create_queue(QueueName="work")["QueueUrl"]
        sqsone.send_message(QueueUrl=url, MessageBody="job")

        # Account 2 assumes account 1's role (the trust policy names account 2).
        creds = n.client("sts", K2, S2).assume_role(
            RoleArn=f"arn:aws:iam::{ONE}:role/reader", RoleSessionName="s1"
        )["Credentials"]
        me = session_client(n, "sts", creds).get_caller_identity()
        assert me["Account"] == ONE and me["Arn"] == f"arn:aws:sts::{ONE}:assumed-role/reader/s1"
        sqs = session_client(n, "sqs", creds)
        assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["job"]
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sqs.send_message(QueueUrl=url, MessageBody="not allowed")
        assert error_code(e) in ("AccessDenied", "AccessDeniedException")
        # A role that does not exist cannot be assumed.
        with pytest.raises(botocore.exceptions.ClientError) as e:
            n.client("sts", K1, S1).assume_role(RoleArn=f"arn:aws:iam::{ONE}:role/missing", RoleSessionName="xx")
        assert error_code(e) in ("AccessDenied", "NoSuchEntity")
    finally:
        assert n.stop() == 0


def s3control(n, key, secret):
    """An S3 Control client. botocore's endpoint rules put the account id in front of the
    endpoint's host (`111111111111.127.0.0.1`, which does not resolve): the prefix is taken
    off again before signing, as a user of a local endpoint does (or uses a name whose
    subdomains resolve)."""
    c = boto3.client(
        "s3control",
        endpoint_url=n.endpoint,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}),
    )

    def strip_account(request, **_):
        for account in (ONE, TWO):
            request.url = request.url.replace(f"//{account}.", "//", 1)

    c.meta.events.register("before-sign.s3-control", strip_account)
    return c


def test_account_level_block_public_access_with_boto3_s3control(strict):
    n = strict
    control = s3control(n, K1, S1)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        control.get_public_access_block(AccountId=ONE)
    assert error_code(e) == "NoSuchPublicAccessBlockConfiguration"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    control.put_public_access_block(
        AccountId=ONE,
        PublicAccessBlockConfiguration={"BlockPublicPolicy": True, "RestrictPublicBuckets": True},
    )
    got = control.get_public_access_block(AccountId=ONE)["PublicAccessBlockConfiguration"]
    assert got == {
        "BlockPublicAcls": False,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    # A bucket whose own settings are off still refuses a public policy.
    s3 = n.client("s3", K1, S1)
    s3.create_bucket(Bucket="acct-blocked")
    s3.delete_public_access_block(Bucket="acct-blocked")
    policy = json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": "arn:aws:s3:::acct-blocked/*"}],
    })
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.put_bucket_policy(Bucket="acct-blocked", Policy=policy)
    assert error_code(e) == "AccessDenied"
    # Account two may not touch account one's settings.
    other = s3control(n, K2, S2)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        other.delete_public_access_block(AccountId=ONE)
    assert error_code(e) == "AccessDenied"
    control.delete_public_access_block(AccountId=ONE)
    s3.put_bucket_policy(Bucket="acct-blocked", Policy=policy)
