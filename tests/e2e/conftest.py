"""End-to-end fixtures: start the built `nimbus` binary as a user would and drive it with
boto3 and the AWS CLI (both pinned in requirements.txt)."""

import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("NIMBUS_BIN", ROOT / "target" / "debug" / "nimbus"))
VENV_BIN = Path(os.environ.get("E2E_VENV_BIN", Path(os.sys.executable).parent))
READY = re.compile(r"ready on (http://[0-9.]+:\d+)")


class Nimbus:
    """A running nimbus process."""

    def __init__(self, proc, endpoint, data_dir, ready_line, stderr_path):
        self.proc = proc
        self.endpoint = endpoint
        self.data_dir = data_dir
        self.ready_line = ready_line
        self.stderr_path = stderr_path

    def client(self, service, access_key="test", secret_key="test", region="us-east-1"):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
            config=Config(retries={"max_attempts": 1}),
        )

    def aws(self, *args, access_key="test", secret_key="test", check=True, extra_env=None):
        """Runs the pinned AWS CLI against this nimbus; returns CompletedProcess."""
        env = cli_env(access_key, secret_key)
        env.update(extra_env or {})
        cmd = [str(VENV_BIN / "aws"), "--endpoint-url", self.endpoint, *args]
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        return r

    def stderr(self):
        return Path(self.stderr_path).read_text()

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("nimbus did not exit after %s" % sig)
        return self.proc.returncode


def cli_env(access_key="test", secret_key="test"):
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID=access_key,
        AWS_SECRET_ACCESS_KEY=secret_key,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_PAGER="",
        AWS_CONFIG_FILE="/nonexistent",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
    )
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_ENDPOINT_URL", None)
    return env


def package(files):
    """A function's zip package from {name: text}."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def start_nimbus(*args, data_dir=None, cwd=None, port=0, timeout=10.0):
    """Starts `nimbus up` in `cwd`; waits for its ready line. `data_dir`: a fresh temporary
    directory when None, as given otherwise (relative paths too), and no `--data-dir` flag at
    all when False; `port`: a free one (0) by default, no `--port` flag when None. No
    `NIMBUS_*` setting of the test runner's environment reaches it."""
    if data_dir is None:
        data_dir = tempfile.mkdtemp(prefix="nimbus-e2e-")
    stderr_file = tempfile.NamedTemporaryFile(prefix="nimbus-e2e-stderr-", delete=False)
    dir_args = [] if data_dir is False else ["--data-dir", str(data_dir)]
    port_args = [] if port is None else ["--port", str(port)]
    cmd = [str(BINARY), "up", *port_args, *dir_args, *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIMBUS_")}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr_file, text=True, cwd=cwd, env=env)
    deadline = time.time() + timeout
    line = proc.stdout.readline()
    if not line:
        proc.wait(timeout=5)
        raise AssertionError(
            f"nimbus exited ({proc.returncode}) before ready: {Path(stderr_file.name).read_text()}"
        )
    m = READY.search(line)
    assert m, f"unexpected first line: {line!r}"
    assert time.time() < deadline
    return Nimbus(proc, m.group(1), data_dir, line, stderr_file.name)


@pytest.fixture
def nimbus():
    n = start_nimbus()
    yield n
    n.stop()
    shutil.rmtree(n.data_dir, ignore_errors=True)


@pytest.fixture
def binary():
    return BINARY
