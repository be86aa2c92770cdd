"""Relative paths given to nimbus (the data directory, --config, a hot-reload code directory)
mean what they mean in the directory nimbus was started in; and a function that fails says
why as AWS says it: the error type and message in nimbus's log, AWS's init error types, and
tracebacks with the user's frames under /var/task."""

import json
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from conftest import package, start_nimbus

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
HANDLER = "def lambda_handler(event, context):\n    return {'ok': event.get('n', 0) + 1}\n"


@pytest.fixture
def workdir():
    d = Path(tempfile.mkdtemp(prefix="nimbus-cwd-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def invoke_ok(lam, name):
    r = lam.invoke(FunctionName=name, Payload=b'{"n": 41}')
    body = r["Payload"].read()
    assert "FunctionError" not in r, body
    assert json.loads(body) == {"ok": 42}


@pytest.mark.parametrize("runtime", ["python3.12", "nodejs20.x"])
def test_a_relative_data_dir_runs_functions(workdir, runtime):
    n = start_nimbus(data_dir="dp", cwd=workdir)
    try:
        assert f"(data in {workdir.resolve()}/dp," in n.ready_line, n.ready_line
        lam = n.client("lambda")
        if runtime.startswith("python"):
            code, handler = {"lambda_function.py": HANDLER}, "lambda_function.lambda_handler"
        else:
            code = {"index.js": "exports.handler = async (e) => ({ ok: (e.n || 0) + 1 });\n"}
            handler = "index.handler"
        lam.create_function(
            FunctionName="rel", Runtime=runtime, Role=ROLE, Handler=handler, Code={"ZipFile": package(code)}
        )
        invoke_ok(lam, "rel")
    finally:
        assert n.stop() == 0, n.stderr()
    assert (workdir / "dp" / "lambda").is_dir()


def test_a_relative_config_file_and_its_relative_data_dir(workdir):
    (workdir / "lab.toml").write_text('data-dir = "state"\n')
    n = start_nimbus("--config", "lab.toml", data_dir=False, cwd=workdir)
    try:
        assert f"(data in {workdir.resolve()}/state," in n.ready_line, n.ready_line
        lam = n.client("lambda")
        lam.create_function(
            FunctionName="cfg",
            Runtime="python3.12",
            Role=ROLE,
            Handler="lambda_function.lambda_handler",
            Code={"ZipFile": package({"lambda_function.py": HANDLER})},
        )
        invoke_ok(lam, "cfg")
    finally:
        assert n.stop() == 0, n.stderr()


def test_a_relative_hot_reload_directory(workdir):
    (workdir / "fn").mkdir()
    (workdir / "fn" / "lambda_function.py").write_text(HANDLER)
    n = start_nimbus(data_dir="dp", cwd=workdir)
    try:
        lam = n.client("lambda")
        lam.create_function(
            FunctionName="hot",
            Runtime="python3.12",
            Role=ROLE,
            Handler="lambda_function.lambda_handler",
            Code={"S3Bucket": "hot-reload", "S3Key": "fn"},
        )
        invoke_ok(lam, "hot")
        with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
            lam.create_function(
                FunctionName="nowhere",
                Runtime="python3.12",
                Role=ROLE,
                Handler="lambda_function.lambda_handler",
                Code={"S3Bucket": "hot-reload", "S3Key": "no/such/dir"},
            )
        assert str(workdir.resolve()) in e.value.response["Error"]["Message"]
    finally:
        assert n.stop() == 0, n.stderr()


def test_handler_errors_read_as_aws_prints_them(nimbus):
    lam, logs = nimbus.client("lambda"), nimbus.client("logs")
    src = "def helper(key):\n    raise RuntimeError('cannot process ' + key)\n\n\ndef lambda_handler(event, context):\n    helper(event['key'])\n"
    lam.create_function(
        FunctionName="boom", Runtime="python3.12", Role=ROLE, Handler="lambda_function.lambda_handler",
        Code={"ZipFile": package({"lambda_function.py": src})},
    )
    r = lam.invoke(FunctionName="boom", Payload=b'{"key": "poison.txt"}')
    assert r["FunctionError"] == "Unhandled"
    doc = json.loads(r["Payload"].read())
    assert doc["errorType"] == "RuntimeError" and doc["errorMessage"] == "cannot process poison.txt"
    assert doc["stackTrace"] == [
        '  File "/var/task/lambda_function.py", line 6, in lambda_handler\n    helper(event[\'key\'])\n',
        '  File "/var/task/lambda_function.py", line 2, in helper\n    raise RuntimeError(\'cannot process \' + key)\n',
    ], doc
    events = [e["message"] for e in logs.filter_log_events(logGroupName="/aws/lambda/boom")["events"]]
    (err,) = [m for m in events if m.startswith("[ERROR]")]
    assert err.splitlines() == [
        "[ERROR] RuntimeError: cannot process poison.txt",
        "Traceback (most recent call last):",
        '  File "/var/task/lambda_function.py", line 6, in lambda_handler',
        "    helper(event['key'])",
        '  File "/var/task/lambda_function.py", line 2, in helper',
        "    raise RuntimeError('cannot process ' + key)",
    ], err

    # Node: the user's frames under /var/task, the runtime's own left out.
    lam.create_function(
        FunctionName="nboom", Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
        Code={"ZipFile": package({"index.js": "exports.handler = async (e) => { throw new TypeError('bad ' + e.key); };\n"})},
    )
    r = lam.invoke(FunctionName="nboom", Payload=b'{"key": "x"}')
    doc = json.loads(r["Payload"].read())
    assert doc["errorType"] == "TypeError" and doc["errorMessage"] == "bad x", doc
    assert doc["trace"][0] == "TypeError: bad x", doc
    assert doc["trace"][1].startswith("    at ") and "(/var/task/index.js:1:" in doc["trace"][1], doc
    assert not any("bootstrap" in t or ".nimbus" in t or "nimbus-e2e" in t for t in doc["trace"]), doc


@pytest.mark.parametrize(
    "files,handler,error_type,message",
    [
        ({"other.py": HANDLER}, "lambda_function.lambda_handler", "Runtime.ImportModuleError",
         "Unable to import module 'lambda_function': No module named 'lambda_function'"),
        ({"lambda_function.py": HANDLER}, "lambda_function.handler", "Runtime.HandlerNotFound",
         "Handler 'handler' missing on module 'lambda_function'"),
        ({"lambda_function.py": "def lambda_handler(e, c)\n    return 1\n"}, "lambda_function.lambda_handler",
         "Runtime.UserCodeSyntaxError", "Syntax error in module 'lambda_function': "),
        ({"lambda_function.py": "import sys\nsys.exit(3)\n"}, "lambda_function.lambda_handler",
         "Runtime.ExitError", "Runtime exited with error: exit status 3"),
    ],
    ids=["import", "handler-not-found", "syntax", "exit"],
)
def test_init_failures_name_aws_error_types(nimbus, files, handler, error_type, message):
    lam = nimbus.client("lambda")
    lam.create_function(
        FunctionName="broken", Runtime="python3.12", Role=ROLE, Handler=handler, Code={"ZipFile": package(files)}
    )
    r = lam.invoke(FunctionName="broken", Payload=b"{}")
    assert r["FunctionError"] == "Unhandled"
    doc = json.loads(r["Payload"].read())
    assert doc["errorType"] == error_type, doc
    assert message in doc["errorMessage"], doc
    text = json.dumps(doc)
    assert "bootstrap.py" not in text and nimbus.data_dir not in text, doc
    if error_type == "Runtime.UserCodeSyntaxError":
        assert doc["stackTrace"][0].startswith('  File "/var/task/lambda_function.py" Line 1'), doc


def test_a_failed_asynchronous_invocation_says_why_in_the_server_log(nimbus):
    lam = nimbus.client("lambda")
    lam.create_function(
        FunctionName="async-boom", Runtime="python3.12", Role=ROLE, Handler="lambda_function.lambda_handler",
        Code={"ZipFile": package({"lambda_function.py": "def lambda_handler(e, c):\n    raise ValueError('no good\\nsecond line')\n"})},
    )
    assert lam.invoke(FunctionName="async-boom", InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    deadline = time.time() + 30
    while time.time() < deadline and "will retry" not in nimbus.stderr():
        time.sleep(0.2)
    line = next((l for l in nimbus.stderr().splitlines() if "will retry" in l), "")
    assert re.search(r"asynchronous invocation failed \(ValueError: no good\); will retry", line), nimbus.stderr()
