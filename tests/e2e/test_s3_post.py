"""S3 PostObject from the outside: boto3's `generate_presigned_post` (fields and conditions)
posted as a browser would, with urllib3's multipart encoder, in the default mode and under
`--auth strict` with a real credential."""

import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from urllib3 import encode_multipart_formdata

from conftest import start_nimbus


def post_form(url, fields, filename, content, extra=()):
    """POSTs `fields` then the file (last, as S3 requires); returns (status, headers, body)."""
    parts = list(fields.items()) + list(extra) + [("file", (filename, content, "application/octet-stream"))]
    body, content_type = encode_multipart_formdata(parts)
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def presigned_post_round_trip(s3, bucket):
    s3.create_bucket(Bucket=bucket)
    post = s3.generate_presigned_post(
        bucket,
        "uploads/${filename}",
        Fields={"Content-Type": "text/plain", "x-amz-meta-origin": "browser", "success_action_status": "201"},
        Conditions=[
            {"Content-Type": "text/plain"},
            {"x-amz-meta-origin": "browser"},
            {"success_action_status": "201"},
            ["content-length-range", 1, 1024],
        ],
        ExpiresIn=600,
    )
    status, headers, body = post_form(post["url"], post["fields"], "note.txt", b"posted by boto3\n")
    assert status == 201, body
    assert "<Key>uploads/note.txt</Key>" in body, body
    got = s3.get_object(Bucket=bucket, Key="uploads/note.txt")
    assert got["Body"].read() == b"posted by boto3\n"
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"origin": "browser"}
    assert got["ETag"] in body.replace("&quot;", '"')

    # A field outside the policy is refused with S3's AccessDenied, and nothing is written.
    status, _, body = post_form(
        post["url"], post["fields"], "evil.txt", b"x", extra=[("x-amz-meta-evil", "1")]
    )
    assert status == 403, body
    assert "<Code>AccessDenied</Code>" in body, body
    assert "Extra input fields: x-amz-meta-evil" in body, body

    # A field that breaks a condition, too.
    fields = dict(post["fields"], **{"Content-Type": "text/html"})
    status, _, body = post_form(post["url"], fields, "page.html", b"<html>")
    assert status == 403, body
    assert "Invalid according to Policy: Policy Condition failed" in body, body

    # A file outside content-length-range.
    status, _, body = post_form(post["url"], post["fields"], "big.txt", b"x" * 2048)
    assert status == 400 and "<Code>EntityTooLarge</Code>" in body, body
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert listed == ["uploads/note.txt"], listed


def test_presigned_post_with_auth_off(nimbus):
    presigned_post_round_trip(nimbus.client("s3"), "e2e-post")

    # Without a policy the form is taken as it is (anonymous upload, auth off).
    status, headers, body = post_form(f"{nimbus.endpoint}/e2e-post", {"key": "plain.txt"}, "p", b"plain")
    assert status == 204, body
    assert nimbus.client("s3").get_object(Bucket="e2e-post", Key="plain.txt")["Body"].read() == b"plain"


def test_presigned_post_with_strict_auth():
    key, secret = "AKIDPOSTE2E", "post-e2e/secret+KEY"
    n = start_nimbus("--auth", "strict", "--credential", f"{key}:{secret}:123456789012")
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=n.endpoint,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            region_name="us-east-1",
            config=Config(signature_version="s3v4", retries={"max_attempts": 1}),
        )
        presigned_post_round_trip(s3, "e2e-post-strict")

        # Signed with the wrong secret: SignatureDoesNotMatch.
        wrong = boto3.client(
            "s3",
            endpoint_url=n.endpoint,
            aws_access_key_id=key,
            aws_secret_access_key="wrong",
            region_name="us-east-1",
            config=Config(signature_version="s3v4"),
        )
        post = wrong.generate_presigned_post("e2e-post-strict", "forged.txt")
        status, _, body = post_form(post["url"], post["fields"], "f", b"forged")
        assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in body, body

        # No policy, no signature: anonymous uploads are refused.
        status, _, body = post_form(f"{n.endpoint}/e2e-post-strict", {"key": "anon.txt"}, "a", b"anon")
        assert status == 403 and "<Code>AccessDenied</Code>" in body, body
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="e2e-post-strict").get("Contents", [])]
        assert keys == ["uploads/note.txt"], keys
    finally:
        assert n.stop() == 0
