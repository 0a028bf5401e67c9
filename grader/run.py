"""The judge's side of running student code: a warm worker and its channel.

A worker is forked from the judge while the judge still holds no reference
and no expected arrays. Once those are loaded, a replacement worker is
started from a fresh interpreter instead, so it never inherits them, and the
judge makes itself non-dumpable. The judge sends one case at a time and
waits with its own deadline: a worker that stops answering is killed and
replaced, and the case is reported. A request marked ``trusted`` (instructor
code such as a mutant of the reference) retires its worker afterwards, so
that no student code ever runs in a process that held it.
"""

import os
import signal
import subprocess
import sys
import time

from . import channel, sandbox
from .errors import InternalError

BACKSTOP_SECONDS = 15.0          # beyond the case's own limit: building a box, a hung worker
RESPONSE_CAP = 1 << 31

_secrets_loaded = False


def secrets_loaded():
    """Called when the judge loads a reference: from now on, never fork a worker,
    and no other process of the same user may read the judge's memory."""
    global _secrets_loaded
    if not _secrets_loaded:
        sandbox.protect_self()
    _secrets_loaded = True


class WorkerLost(Exception):
    """The worker died or stopped answering while running a case."""


class Worker:
    def __init__(self):
        self.pid = None
        self.process = None
        self.request_w = None
        self.reader = None

    def start(self):
        request_r, request_w = os.pipe()
        response_r, response_w = os.pipe()
        if _secrets_loaded:
            self.process = _spawn(request_r, response_w)
            self.pid = self.process.pid
        else:
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                os.close(request_w)
                os.close(response_r)
                from . import worker
                worker.serve(request_r, response_w)
            self.pid = pid
        os.close(request_r)
        os.close(response_w)
        self.request_w = request_w
        self.reader = channel.FrameReader(response_r)
        return self

    def run(self, request, arrays):
        """Run one case; return (envelope, result bytes, output bytes)."""
        if self.pid is None:
            self.start()
        payload = channel.json_frame(dict(request, inputs=list(arrays))) + b"".join(
            channel.frame(channel.encode_array(a)) for a in arrays.values())
        deadline = time.monotonic() + float(request["time_limit"]) + BACKSTOP_SECONDS
        try:
            channel.write_all(self.request_w, payload)
            parts = []
            for _ in range(3):
                part = self.reader.read(deadline, RESPONSE_CAP)
                if part is None:
                    raise EOFError("the worker ended")
                parts.append(part)
        except (OSError, EOFError, TimeoutError, channel.ChannelError) as err:
            self.kill()                 # the next case starts a new worker
            raise WorkerLost(str(err) or type(err).__name__) from None
        envelope = channel.decode_json(parts[0])
        if request.get("trusted"):
            secrets_loaded()
            # Instructor code (a reference-derived file) has been through this
            # worker's memory: no student code may run in it after that.
            self.close()
        return envelope, parts[1], parts[2]

    def kill(self):
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._reap()

    def close(self):
        if self.pid is None:
            return
        try:
            os.close(self.request_w)
        except OSError:
            pass
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            if self._reap(block=False):
                return
            time.sleep(0.005)
        self.kill()

    def _reap(self, block=True):
        try:
            pid, _ = os.waitpid(self.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            pid = self.pid
        if pid == 0:
            return False
        self.reader.close()
        os.close(self.reader.fd)
        if self.request_w is not None:
            try:
                os.close(self.request_w)
            except OSError:
                pass
        self.pid = self.process = self.request_w = self.reader = None
        return True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _spawn(request_r, response_w):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    boot = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "from grader import worker; worker.serve(int(sys.argv[2]), int(sys.argv[3]))")
    try:
        return subprocess.Popen(
            [sys.executable, "-I", "-c", boot, root, str(request_r), str(response_w)],
            pass_fds=(request_r, response_w), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    except OSError as err:
        raise InternalError(f"cannot start a worker: {err}") from None
