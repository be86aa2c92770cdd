"""S3 from the outside: boto3 and the AWS CLI's high-level commands (cp small and 100 MB,
sync, ls, rm --recursive, presign) against the built binary, and a kill -9 in the middle of
an upload."""

import hashlib
import os
import signal
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import botocore.exceptions
from botocore.config import Config
import pytest

from conftest import start_nimbus


def test_boto3_object_round_trip_and_errors(nimbus):
    s3 = nimbus.client("s3")
    s3.create_bucket(Bucket="e2e-boto3")
    put = s3.put_object(Bucket="e2e-boto3", Key="dir/hello.txt", Body=b"hello", ContentType="text/plain", Metadata={"a": "1"})
    assert put["ETag"] == '"5d41402abc4b2a76b9719d911017c592"'
    got = s3.get_object(Bucket="e2e-boto3", Key="dir/hello.txt", ChecksumMode="ENABLED")
    assert got["Body"].read() == b"hello"
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"a": "1"}
    listed = s3.list_objects_v2(Bucket="e2e-boto3", Prefix="dir/")
    assert [o["Key"] for o in listed["Contents"]] == ["dir/hello.txt"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket="e2e-boto3", Key="missing")
    assert e.value.response["Error"]["Code"] == "NoSuchKey"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.delete_bucket(Bucket="e2e-boto3")
    assert e.value.response["Error"]["Code"] == "BucketNotEmpty"
    r = s3.get_object(Bucket="e2e-boto3", Key="dir/hello.txt", Range="bytes=1-3")
    assert r["Body"].read() == b"ell"
    s3.delete_objects(Bucket="e2e-boto3", Delete={"Objects": [{"Key": "dir/hello.txt"}]})
    s3.delete_bucket(Bucket="e2e-boto3")


def test_boto3_version_ids_on_a_bucket_without_versioning(nimbus):
    """nimbus buckets never had versioning: `null` names the object, any other version id is
    refused as AWS refuses it (a delete with one deletes nothing)."""
    s3 = nimbus.client("s3")
    s3.create_bucket(Bucket="e2e-version-ids")
    body = bytes(i * 31 % 251 for i in range(100 * 1024))
    etag = s3.put_object(Bucket="e2e-version-ids", Key="k", Body=body)["ETag"]
    well_formed = "HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD"
    for version in (well_formed, "abc"):
        for call in (s3.delete_object, s3.get_object, s3.get_object_tagging):
            with pytest.raises(botocore.exceptions.ClientError) as e:
                call(Bucket="e2e-version-ids", Key="k", VersionId=version)
            err = e.value.response["Error"]
            assert err["Code"] == "InvalidArgument", err
            assert err["Message"] == "Invalid version id specified", err
            assert err["ArgumentName"] == "versionId", err
            assert err["ArgumentValue"] == version, err
            assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        with pytest.raises(botocore.exceptions.ClientError) as e:
            s3.head_object(Bucket="e2e-version-ids", Key="k", VersionId=version)
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    out = s3.delete_objects(
        Bucket="e2e-version-ids",
        Delete={"Objects": [{"Key": "k", "VersionId": well_formed}]},
    )
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert out.get("Deleted", []) == []
    assert out["Errors"] == [
        {
            "Key": "k",
            "VersionId": well_formed,
            "Code": "NoSuchVersion",
            "Message": "The specified version does not exist.",
        }
    ]
    # Every refusal left the object as it was, byte for byte.
    got = s3.get_object(Bucket="e2e-version-ids", Key="k", VersionId="null")
    assert "VersionId" not in got
    assert got["ETag"] == etag
    assert got["Body"].read() == body
    versions = s3.list_object_versions(Bucket="e2e-version-ids")["Versions"]
    assert [(v["Key"], v["VersionId"]) for v in versions] == [("k", "null")]
    # `null` deletes it, as the listing's own version id.
    out = s3.delete_objects(Bucket="e2e-version-ids", Delete={"Objects": [{"Key": "k", "VersionId": "null"}]})
    assert out["Deleted"] == [{"Key": "k", "VersionId": "null"}]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        s3.get_object(Bucket="e2e-version-ids", Key="k")
    assert e.value.response["Error"]["Code"] == "NoSuchKey"
    s3.delete_bucket(Bucket="e2e-version-ids")


def test_boto3_upload_file_multipart_and_presign(nimbus, tmp_path):
    s3 = nimbus.client("s3")
    s3.create_bucket(Bucket="e2e-transfer")
    data = os.urandom(20 * 1024 * 1024)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    s3.upload_file(str(src), "e2e-transfer", "big.bin")  # multipart at 8 MiB chunks
    head = s3.head_object(Bucket="e2e-transfer", Key="big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"'), head["ETag"]
    dst = tmp_path / "dst.bin"
    s3.download_file("e2e-transfer", "big.bin", str(dst))
    assert hashlib.sha256(dst.read_bytes()).digest() == hashlib.sha256(data).digest()
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "e2e-transfer", "Key": "big.bin"}, ExpiresIn=60)
    with urllib.request.urlopen(url) as resp:
        assert resp.read(16) == data[:16]
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": "e2e-transfer", "Key": "pre.txt"}, ExpiresIn=60)
    req = urllib.request.Request(put_url, data=b"via presigned put", method="PUT")
    with urllib.request.urlopen(req) as resp:
        assert resp.status == 200
    assert s3.get_object(Bucket="e2e-transfer", Key="pre.txt")["Body"].read() == b"via presigned put"


def test_cli_high_level_commands(nimbus, tmp_path):
    nimbus.aws("s3", "mb", "s3://e2e-cli")
    small = tmp_path / "small.txt"
    small.write_text("small file\n")
    nimbus.aws("s3", "cp", str(small), "s3://e2e-cli/small.txt")
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        for _ in range(100):
            f.write(os.urandom(1024 * 1024))
    nimbus.aws("s3", "cp", str(big), "s3://e2e-cli/big.bin")
    back = tmp_path / "back.bin"
    nimbus.aws("s3", "cp", "s3://e2e-cli/big.bin", str(back))
    assert hashlib.md5(back.read_bytes()).digest() == hashlib.md5(big.read_bytes()).digest()

    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    for name in ["a.txt", "b with space.txt", "sub/c.txt"]:
        (tree / name).write_text(name)
    nimbus.aws("s3", "sync", str(tree), "s3://e2e-cli/tree")
    out = nimbus.aws("s3", "ls", "s3://e2e-cli/tree/", "--recursive").stdout
    for name in ["tree/a.txt", "tree/b with space.txt", "tree/sub/c.txt"]:
        assert name in out, out
    # A second sync has nothing to do.
    again = nimbus.aws("s3", "sync", str(tree), "s3://e2e-cli/tree").stdout
    assert "upload:" not in again, again
    top = nimbus.aws("s3", "ls", "s3://e2e-cli/").stdout
    assert "PRE tree/" in top and "small.txt" in top, top
    buckets = nimbus.aws("s3", "ls").stdout
    assert "e2e-cli" in buckets

    url = nimbus.aws("s3", "presign", "s3://e2e-cli/small.txt", "--expires-in", "60").stdout.strip()
    with urllib.request.urlopen(url) as resp:
        assert resp.read() == b"small file\n"

    nimbus.aws("s3", "rm", "s3://e2e-cli/", "--recursive")
    assert nimbus.aws("s3", "ls", "s3://e2e-cli/", check=False).stdout.strip() == ""
    nimbus.aws("s3", "rb", "s3://e2e-cli")


def test_s3api_errors_through_the_cli(nimbus):
    r = nimbus.aws("s3api", "head-bucket", "--bucket", "e2e-missing", check=False)
    assert r.returncode != 0 and "404" in r.stderr, r.stderr
    r = nimbus.aws("s3api", "create-bucket", "--bucket", "Bad_Name", check=False)
    assert "InvalidBucketName" in r.stderr, r.stderr


def test_kill_9_during_an_upload_leaves_no_partial_object(tmp_path):
    data_dir = tmp_path / "data"
    n = start_nimbus(data_dir=str(data_dir))
    try:
        s3 = n.client("s3")
        s3.create_bucket(Bucket="e2e-crash")
        s3.put_object(Bucket="e2e-crash", Key="k", Body=b"committed")
        host, port = n.endpoint.removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)))
        sock.sendall(
            b"PUT /e2e-crash/k HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10000000\r\n\r\n" + b"x" * 4_000_000
        )
        time.sleep(0.3)
        n.proc.send_signal(signal.SIGKILL)
        n.proc.wait(timeout=10)
        sock.close()
    finally:
        n.stop()
    n2 = start_nimbus(data_dir=str(data_dir))
    try:
        s3 = n2.client("s3")
        assert s3.get_object(Bucket="e2e-crash", Key="k")["Body"].read() == b"committed"
        assert list((Path(data_dir) / "s3" / "tmp").iterdir()) == []
    finally:
        n2.stop()


def test_strict_auth_cli_copies_up_and_down(tmp_path):
    key, secret = "AKIDS3E2E", "s3-e2e/secret+KEY"
    n = start_nimbus("--auth", "strict", "--credential", f"{key}:{secret}:123456789012")
    try:
        def aws(*args, **kw):
            return n.aws(*args, access_key=key, secret_key=secret, **kw)

        aws("s3", "mb", "s3://e2e-strict")
        small = tmp_path / "small.txt"
        small.write_text("strictly signed\n")
        aws("s3", "cp", str(small), "s3://e2e-strict/small.txt")
        big = tmp_path / "big.bin"
        big.write_bytes(os.urandom(20 * 1024 * 1024))  # multipart: signed UploadPart requests
        aws("s3", "cp", str(big), "s3://e2e-strict/big.bin")
        for name, src in [("small.txt", small), ("big.bin", big)]:
            back = tmp_path / ("back-" + name)
            aws("s3", "cp", f"s3://e2e-strict/{name}", str(back))
            assert hashlib.sha256(back.read_bytes()).digest() == hashlib.sha256(src.read_bytes()).digest()
        listed = aws("s3", "ls", "s3://e2e-strict/").stdout
        assert "small.txt" in listed and "big.bin" in listed, listed

        # A wrong secret is refused, and nothing is written.
        bad = n.aws("s3", "cp", str(small), "s3://e2e-strict/intruder.txt", access_key=key, secret_key="wrong", check=False)
        assert bad.returncode != 0 and "SignatureDoesNotMatch" in bad.stderr, bad.stderr
        assert "intruder.txt" not in aws("s3", "ls", "s3://e2e-strict/").stdout

        # A SigV4 presigned URL (boto3 with signature_version="s3v4") is verified.
        s3 = boto3.client(
            "s3",
            endpoint_url=n.endpoint,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            region_name="us-east-1",
            config=Config(signature_version="s3v4"),
        )
        url = s3.generate_presigned_url("get_object", Params={"Bucket": "e2e-strict", "Key": "small.txt"}, ExpiresIn=60)
        with urllib.request.urlopen(url) as resp:
            assert resp.read() == b"strictly signed\n"

        # `aws s3 presign` (CLI v1) presigns with SigV2 (AWSAccessKeyId/Signature/Expires),
        # which S3 verifies like AWS: the URL is served, a tampered Signature is refused.
        url = aws("s3", "presign", "s3://e2e-strict/small.txt", "--expires-in", "60").stdout.strip()
        assert "AWSAccessKeyId=" in url and "Signature=" in url and "Expires=" in url, url
        with urllib.request.urlopen(url) as resp:
            assert resp.read() == b"strictly signed\n"
        prefix, sig = url.split("Signature=", 1)
        sig, rest = (sig.split("&", 1) + [""])[:2]
        tampered = prefix + "Signature=" + ("A" if not sig.startswith("A") else "B") + sig[1:] + ("&" + rest if rest else "")
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(tampered)
        body = e.value.read().decode()
        assert e.value.code == 403, (e.value.code, body)
        assert "<Code>SignatureDoesNotMatch</Code>" in body, body
        assert "<StringToSign>GET\n\n\n" in body, body

        # boto3 signing headers with SigV2 (`Authorization: AWS key:signature`).
        v2 = boto3.client(
            "s3",
            endpoint_url=n.endpoint,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            region_name="us-east-1",
            config=Config(signature_version="s3"),
        )
        seen = []
        v2.meta.events.register("before-send.s3", lambda request, **kw: seen.append(request.headers.get("Authorization")))
        v2.put_object(Bucket="e2e-strict", Key="v2/obj.txt", Body=b"sigv2 header", ContentType="text/plain", Metadata={"k": "v"})
        got = v2.get_object(Bucket="e2e-strict", Key="v2/obj.txt")
        assert got["Body"].read() == b"sigv2 header"
        assert got["Metadata"] == {"k": "v"}
        assert [o["Key"] for o in v2.list_objects(Bucket="e2e-strict", Prefix="v2/")["Contents"]] == ["v2/obj.txt"]
        v2.put_object_tagging(Bucket="e2e-strict", Key="v2/obj.txt", Tagging={"TagSet": [{"Key": "t", "Value": "1"}]})
        assert v2.get_object_tagging(Bucket="e2e-strict", Key="v2/obj.txt")["TagSet"] == [{"Key": "t", "Value": "1"}]
        assert seen and all(a is not None and (a.decode() if isinstance(a, bytes) else a).startswith(f"AWS {key}:") for a in seen), seen
        wrong = boto3.client(
            "s3",
            endpoint_url=n.endpoint,
            aws_access_key_id=key,
            aws_secret_access_key="wrong",
            region_name="us-east-1",
            config=Config(signature_version="s3"),
        )
        with pytest.raises(botocore.exceptions.ClientError) as e:
            wrong.put_object(Bucket="e2e-strict", Key="v2/intruder.txt", Body=b"x")
        assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    finally:
        assert n.stop() == 0


def test_cli_presign_works_with_auth_off(nimbus):
    # With auth off, CLI v1's SigV2 presigned URLs are served unverified (as SigV4 ones are),
    # in the account their access key selects (here the default one).
    nimbus.aws("s3", "mb", "s3://e2e-presign")
    s3 = nimbus.client("s3")
    s3.put_object(Bucket="e2e-presign", Key="dir/a b.txt", Body=b"presigned body")
    url = nimbus.aws("s3", "presign", "s3://e2e-presign/dir/a b.txt", "--expires-in", "60").stdout.strip()
    assert "AWSAccessKeyId=" in url, url
    with urllib.request.urlopen(url) as resp:
        assert resp.status == 200
        assert resp.read() == b"presigned body"
    missing = url.replace("a%20b.txt", "missing.txt")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(missing)
    assert e.value.code == 404
