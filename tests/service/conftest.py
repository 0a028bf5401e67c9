"""Shared builders for the service's tests: a data folder with accounts, the
app under a test client, a pool of real judge processes, a real `judge serve`."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = ROOT / "tests" / "submissions"
CONV_WRONG = SUBMISSIONS / "conv_backward" / "wrong_db_mean.py"
JUDGE = "import sys; sys.argv[0] = 'judge'; from grader.cli import main; main()"
CONV_RIGHT = SUBMISSIONS / "conv_backward" / "correct_seed.py"


@pytest.fixture
def data(tmp_path):
    from grader.service.store import Store
    folder = tmp_path / "data"
    folder.mkdir()
    return Store(folder)


@pytest.fixture
def tokens(data):
    from grader.service import accounts
    return {"alice": accounts.add(data, "alice"), "bob": accounts.add(data, "bob"),
            "prof": accounts.add(data, "prof", "instructor")}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def make_client(data):
    from fastapi.testclient import TestClient
    from grader.service.app import Settings, create_app

    def build(**settings):
        return TestClient(create_app(Settings(data.folder, **settings)))
    return build


@pytest.fixture
def client(make_client):
    return make_client()


@pytest.fixture
def pool(data):
    """Two real judge processes grading from the test's store."""
    from grader.service.judges import Pool
    running = Pool(data.folder, 2, log=lambda text: None).start()
    yield running
    running.stop()


def wait_done(store, ids, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        marks = ",".join("?" * len(ids))
        rows = store.all(f"SELECT id FROM submissions WHERE id IN ({marks}) AND "
                         f"status IN ('done', 'failed')", list(ids))
        if len(rows) == len(set(ids)):
            return
        time.sleep(0.05)
    raise AssertionError(f"submissions {ids} not graded within {timeout} s")


class Served:
    """`judge serve` in its own process group on a free port of 127.0.0.1."""

    def __init__(self, folder, jobs=2, env=None):
        self.folder, self.jobs, self.env = folder, jobs, env
        self.process, self.url = None, None

    def start(self):
        env = dict(os.environ, **(self.env or {}))
        self.process = subprocess.Popen(
            [sys.executable, "-c", JUDGE, "serve", "--port", "0", "--data", str(self.folder),
             "--jobs", str(self.jobs)],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, start_new_session=True)
        line = self.process.stderr.readline()
        found = re.search(r"serving (http://[\d.]+:\d+)/", line)
        assert found, f"judge serve did not start: {line}{self.process.stderr.read()}"
        self.url = found.group(1)
        return self

    def kill(self):
        """SIGKILL to the whole process group: the server and its judges."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process.stderr.close()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        try:
            os.killpg(self.process.pid, signal.SIGKILL)        # nothing of it may be left behind
        except (ProcessLookupError, PermissionError):
            pass
        if self.process.stderr and not self.process.stderr.closed:
            self.process.stderr.close()


@pytest.fixture
def serve(tmp_path):
    started = []

    def start(folder, jobs=2):
        server = Served(folder, jobs).start()
        started.append(server)
        return server
    yield start
    for server in started:
        server.stop()
