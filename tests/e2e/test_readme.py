"""The README is a contract: its commands, run as written from a fresh directory with every
default (no --data-dir, no flags, the default port 4566), must work.

Each test reads the ```sh blocks of one Markdown file and runs them with bash, in order, the
way a newcomer pastes them: the README's `cargo run --release -- up` is the built binary
started with no flags in a fresh working directory (so the data directory is the relative
default `./.nimbus`), and the AWS CLI and awslocal are the pinned ones. A command that is
changed in a README changes what runs here; a line this file does not know how to run fails
the test, so a new command cannot slip past it.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, VENV_BIN, start_nimbus

DEFAULT_ENDPOINT = "http://127.0.0.1:4566"
START_LINE = "cargo run --release -- up"
# The test command itself: this suite is part of what it runs.
TEST_COMMAND = "./scripts/test"


def sh_blocks(md):
    """The ```sh blocks of a Markdown file, in order."""
    text = (ROOT / md).read_text()
    return [m.group(1) for m in re.finditer(r"^```sh\n(.*?)^```", text, re.S | re.M)]


def command_lines(block):
    """The block's commands, one per logical line, without trailing comments."""
    joined = block.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def user_env():
    """A newcomer's shell: PATH has the pinned AWS CLI and awslocal; no NIMBUS_* settings,
    no AWS profile or endpoint from the machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NIMBUS_", "AWS_", "LOCALSTACK_"))}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["AWS_CONFIG_FILE"] = "/nonexistent"
    env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
    env["AWS_PAGER"] = ""
    return env


def start_default():
    """`nimbus up` with no flags in a fresh directory, what the README's first command does:
    on port 4566, with its data in the relative default `./.nimbus`."""
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 4566)) == 0:
            pytest.fail("port 4566 is in use: the README's commands need nimbus on its default port")
    cwd = Path(tempfile.mkdtemp(prefix="nimbus-readme-"))
    n = start_nimbus(data_dir=False, cwd=cwd, port=None)
    assert n.endpoint == DEFAULT_ENDPOINT, n.ready_line
    # The data directory is the default, said absolute.
    assert f"(data in {cwd.resolve()}/.nimbus," in n.ready_line, n.ready_line
    n.data_dir = str(cwd)
    return n


def stop_default(n):
    assert n.stop(timeout=20) == 0, n.stderr()
    shutil.rmtree(n.data_dir, ignore_errors=True)


@pytest.fixture
def default_nimbus():
    n = start_default()
    yield n
    stop_default(n)


def run_bash(script, cwd=ROOT, timeout=600, env=None):
    """Runs `script` with bash -e, as pasted into a terminal; names the failing command."""
    prologue = "set -eo pipefail\ntrap 'echo \"README command failed: $BASH_COMMAND\" >&2' ERR\n"
    r = subprocess.run(
        ["bash", "-c", prologue + script],
        cwd=cwd,
        env=env or user_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return r


def assert_ran(r, nimbus, script):
    assert r.returncode == 0, (
        f"README commands failed ({r.returncode}):\n--- script\n{script}\n--- stdout\n{r.stdout}\n"
        f"--- stderr\n{r.stderr}\n--- nimbus\n{nimbus.stderr()}"
    )


def wait_until(what, probe, seconds):
    deadline = time.time() + seconds
    last = None
    while time.time() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"{what} did not happen within {seconds}s (last: {last!r})")


def log_messages(logs, group):
    try:
        return [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]
    except logs.exceptions.ResourceNotFoundException:
        return []


def test_every_readme_with_commands_is_run_here():
    """A new README with command blocks needs its test in this file."""
    covered = {
        "README.md",
        "functions/README.md",
        "examples/class-pipeline/README.md",
        "examples/autoscaling/README.md",
    }
    found = {"README.md", "functions/README.md"} | {
        str(p.relative_to(ROOT)) for p in ROOT.glob("examples/*/README.md")
    }
    assert {f for f in found if sh_blocks(f)} == covered


def test_readme_two_commands_and_the_60_second_tour(default_nimbus):
    blocks = sh_blocks("README.md")
    # Block 1, "Two commands": the start command is what the fixture ran; the test command is
    # this very suite.
    assert command_lines(blocks[0]) == [START_LINE, TEST_COMMAND], blocks[0]
    # Block 2, the tour, exactly as written.
    tour = blocks[1]
    r = run_bash(tour)
    assert_ran(r, default_nimbus, tour)
    out = r.stdout
    assert '"Account": "000000000000"' in out, out
    assert '"RoleName": "lambda-role"' in out, out
    assert '"QueueUrl": "http://localhost:4566/000000000000/jobs"' in out, out
    assert '"Body": "hello"' in out, out
    health = json.loads(out.strip().splitlines()[-1])
    assert health["status"] == "ok" and set(health["services"]) >= {"s3", "sqs", "lambda"}, health
    # Every command of the tour is accounted for (a new one needs an assertion above).
    assert len(command_lines(tour)) == 7, command_lines(tour)
    # Block 3, "Metrics and alarms", in the tour's shell (its first line sets the keys).
    metrics = blocks[2]
    r = run_bash(command_lines(tour)[0] + "\n" + metrics)
    assert_ran(r, default_nimbus, metrics)
    assert '"MetricName": "Orders"' in r.stdout and '"Namespace": "Lab"' in r.stdout, r.stdout
    assert "lab_orders_sum{" in r.stdout, r.stdout
    assert len(command_lines(metrics)) == 3, command_lines(metrics)
    assert len(blocks) == 3, "a new README block needs its test here"


def test_functions_readme_deploys_and_invokes(default_nimbus):
    (block,) = sh_blocks("functions/README.md")
    r = run_bash(block)
    assert_ran(r, default_nimbus, block)
    assert '\\"message\\": \\"hello nimbus\\"' in r.stdout, r.stdout
    assert '"StatusCode": 200' in r.stdout, r.stdout
    assert "FunctionError" not in r.stdout, r.stdout


def test_class_pipeline_readme_step_by_step(default_nimbus):
    blocks = sh_blocks("examples/class-pipeline/README.md")
    assert command_lines(blocks[0]) == [START_LINE], blocks[0]
    steps, all_at_once = blocks[1:-1], blocks[-1]
    assert all("run.sh" in line for line in command_lines(all_at_once)), all_at_once
    script = "\n".join(steps)
    r = run_bash(script)
    assert_ran(r, default_nimbus, script)
    # The steps built a working pipeline: hello.txt reached f1; poison.txt, after three
    # receives 30 s apart (the README's visibility timeout), reached lambdaDLQ.
    logs, sqs = default_nimbus.client("logs"), default_nimbus.client("sqs")
    wait_until(
        "f1's invocation for hello.txt",
        lambda: [m for m in log_messages(logs, "/aws/lambda/f1") if "class-pipeline/hello.txt (receive 1)" in m],
        60,
    )
    dlq = sqs.get_queue_url(QueueName="lambdaDLQ")["QueueUrl"]
    moved = wait_until(
        "the move of poison.txt to lambdaDLQ",
        lambda: sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=5, VisibilityTimeout=0).get("Messages"),
        150,
    )
    assert "poison.txt" in moved[0]["Body"], moved
    f1 = log_messages(logs, "/aws/lambda/f1")
    # A failure reads as AWS prints it: the [ERROR] line, then the traceback on the lines
    # below, with the user's frames under /var/task and none of the runtime's own.
    errors = [m for m in f1 if m.startswith("[ERROR] RuntimeError: cannot process poison.txt")]
    assert len(errors) == 3, f1
    lines = errors[0].splitlines()
    assert lines[1] == "Traceback (most recent call last):", errors[0]
    assert lines[2].startswith('  File "/var/task/lambda_function.py", line '), errors[0]
    assert "bootstrap.py" not in errors[0] and ".nimbus" not in errors[0], errors[0]
    # The server's log says why the consumer failed.
    assert "RuntimeError: cannot process poison.txt" in default_nimbus.stderr(), default_nimbus.stderr()


def test_autoscaling_readme_step_by_step(default_nimbus):
    """The second lab's steps as written, on the real clock (about two minutes: a minute's
    metric is published when the minute ends)."""
    blocks = sh_blocks("examples/autoscaling/README.md")
    start = command_lines(blocks[0])
    assert start[0] == START_LINE, blocks[0]
    assert len(blocks) == 6, "a new block of the lab needs its assertions here"
    script = "\n".join(start[1:] + blocks[1:])
    r = run_bash(script, timeout=600)
    assert_ran(r, default_nimbus, script)
    out = r.stdout
    assert "Threshold Crossed: 1 out of the last 1 datapoints [100.0 (" in out, out
    # Step 5: the action raised the mapping's MaximumConcurrency from 2 to 5.
    assert '"MaximumConcurrency": 5' in out, out
    assert "Successfully executed action arn:aws:lambda:us-east-1:000000000000:function:scale-out" in out, out


@pytest.mark.parametrize("line_no", [0, 1, 2], ids=["endpoint", "awslocal", "visibility-timeout-1"])
def test_class_pipeline_readme_all_at_once(line_no):
    (all_at_once,) = sh_blocks("examples/class-pipeline/README.md")[-1:]
    lines = command_lines(all_at_once)
    assert len(lines) == 3, lines
    # Each line on a fresh nimbus, as the README says.
    n = start_default()
    try:
        r = run_bash(lines[line_no], timeout=900)
        assert_ran(r, n, lines[line_no])
        assert "== done" in r.stdout, r.stdout
    finally:
        stop_default(n)
