"""The foundation, from the outside: the binary, its configuration, signals, the data-dir
lock, STS through the AWS CLI, boto3 and awslocal, and strict auth."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import botocore.exceptions
import pytest

from conftest import VENV_BIN, cli_env, start_nimbus


def test_nimbus_alone_prints_help(binary):
    r = subprocess.run([str(binary)], capture_output=True, text=True, timeout=10)
    out = r.stdout + r.stderr
    assert "Usage" in out and "up" in out, out
    assert r.returncode in (0, 2)


def test_bad_flags_and_config_give_one_line_and_exit_2(binary, tmp_path):
    for args in (["up", "--port", "notaport"], ["up", "--auth", "maybe"], ["up", "--account", "12"], ["up", "--bogus"]):
        r = subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=10)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert "error" in r.stderr.lower(), r.stderr
    bad = tmp_path / "nimbus.toml"
    bad.write_text("prot = 1\n")
    r = subprocess.run([str(binary), "up", "--config", str(bad)], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("nimbus: error:"), r.stderr


def test_ready_line_is_quick_and_says_how_to_use_it(nimbus):
    line = nimbus.ready_line
    assert "aws --endpoint-url" in line, line

    def started_ms(ready_line):
        return int(ready_line.split("started in ")[1].split(" ms")[0])

    # The fastest of up to three fresh starts: one start on a machine busy with other work
    # measures the machine; the bound itself is unchanged.
    times = [started_ms(line)]
    while min(times) >= 100 and len(times) < 3:
        again = start_nimbus()
        try:
            times.append(started_ms(again.ready_line))
        finally:
            again.stop()
            shutil.rmtree(again.data_dir, ignore_errors=True)
    assert min(times) < 100, times


def test_env_vars_and_config_file_configure_it(tmp_path):
    (tmp_path / "nimbus.toml").write_text('region = "eu-west-1"\naccount = "222233334444"\n')
    env = dict(os.environ, NIMBUS_LOG_FORMAT="json")
    data = tmp_path / "data"
    from conftest import BINARY, READY

    proc = subprocess.Popen(
        [str(BINARY), "up", "--port", "0", "--data-dir", str(data), "--config", str(tmp_path / "nimbus.toml")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        line = proc.stdout.readline()
        endpoint = READY.search(line).group(1)
        import boto3

        sts = boto3.client("sts", endpoint_url=endpoint, aws_access_key_id="x", aws_secret_access_key="y", region_name="eu-west-1")
        assert sts.get_caller_identity()["Account"] == "222233334444"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0


def test_sts_get_caller_identity_with_cli_boto3_and_awslocal(nimbus):
    out = json.loads(nimbus.aws("sts", "get-caller-identity").stdout)
    assert out["Account"] == "000000000000"
    assert out["Arn"].startswith("arn:aws:")
    assert nimbus.client("sts").get_caller_identity()["Account"] == "000000000000"
    # A 12-digit access key selects that account (multi-account tests).
    assert nimbus.client("sts", access_key="111122223333").get_caller_identity()["Account"] == "111122223333"
    # awslocal, as LocalStack users run it.
    host = nimbus.endpoint.removeprefix("http://")
    env = cli_env()
    env["LOCALSTACK_HOST"] = host
    env["AWS_ENDPOINT_URL"] = nimbus.endpoint
    r = subprocess.run([str(VENV_BIN / "awslocal"), "sts", "get-caller-identity"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Account"] == "000000000000"


def test_unserved_service_gets_a_clear_400(nimbus):
    r = nimbus.aws("dynamodb", "list-tables", check=False)
    assert r.returncode != 0
    assert "UnsupportedService" in r.stderr, r.stderr
    assert "dynamodb" in r.stderr and "sqs" in r.stderr, r.stderr
    with pytest.raises(botocore.exceptions.ClientError) as e:
        nimbus.client("sns").list_topics()
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert e.value.response["Error"]["Code"] == "UnsupportedService"


def test_strict_auth_checks_signatures():
    n = start_nimbus("--auth", "strict", "--credential", "AKIDE2E:good-secret:123456789012")
    try:
        ok = json.loads(n.aws("sts", "get-caller-identity", access_key="AKIDE2E", secret_key="good-secret").stdout)
        assert ok["Account"] == "123456789012"
        bad = n.aws("sts", "get-caller-identity", access_key="AKIDE2E", secret_key="wrong", check=False)
        assert bad.returncode != 0 and "SignatureDoesNotMatch" in bad.stderr, bad.stderr
        with pytest.raises(botocore.exceptions.ClientError) as e:
            n.client("sts", access_key="AKIDE2E", secret_key="wrong").get_caller_identity()
        assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
        with pytest.raises(botocore.exceptions.ClientError) as e:
            n.client("sts", access_key="NOSUCHKEY", secret_key="x").get_caller_identity()
        assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"
    finally:
        assert n.stop() == 0


def test_second_instance_on_the_same_data_dir_refuses(nimbus, binary):
    r = subprocess.run(
        [str(binary), "up", "--port", "0", "--data-dir", str(nimbus.data_dir)],
        capture_output=True, text=True, timeout=15,
    )
    assert r.returncode != 0
    assert "in use by another nimbus" in r.stderr, r.stderr
    assert str(nimbus.proc.pid) in r.stderr
    # The first one is unharmed.
    assert nimbus.client("sts").get_caller_identity()["Account"] == "000000000000"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_it_cleanly(sig):
    n = start_nimbus()
    n.client("sts").get_caller_identity()
    t = time.time()
    assert n.stop(sig) == 0
    assert time.time() - t < 5
    # The lock is released: a new instance starts on the same data dir.
    again = start_nimbus(data_dir=n.data_dir)
    assert again.stop() == 0
    shutil.rmtree(n.data_dir, ignore_errors=True)


def test_json_logs_one_object_per_line():
    n = start_nimbus("--log-format", "json", "--log-level", "debug")
    try:
        n.client("sts").get_caller_identity()
    finally:
        n.stop()
    lines = [l for l in n.stderr().splitlines() if l.strip()]
    assert lines, "no log lines"
    objs = [json.loads(l) for l in lines]
    reqs = [o for o in objs if o.get("message") == "request completed"]
    assert reqs, objs
    span = reqs[0]["span"]
    assert span["service"] == "sts" and span["operation"] == "GetCallerIdentity" and span["status"] == 200, span
    assert "latency_ms" in span and "request_id" in span
