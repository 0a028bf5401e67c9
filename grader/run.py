"""The judge's side of running student code: a warm worker and its channel.

A worker is forked from the judge while the judge still holds no reference
and no expected arrays. Once those are loaded, a replacement worker is
started from a fresh interpreter instead, so it never inherits them, and the
judge makes itself non-dumpable. A request carries all the cases of one
submission; the worker answers case by case as each ends, and the judge
waits for each answer with its own deadline: a worker that stops answering
is killed and replaced, and the cases it did not answer are reported.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import sys
import time

from . import channel, sandbox
from .errors import InternalError

BACKSTOP_SECONDS = 15.0          # beyond the case's own limit: building a box, a hung worker
RESPONSE_CAP = 1 << 31
CASE_KEYS = ("params", "time_limit", "memory_limit", "output_limit", "result_limit")

_secrets_loaded = False


def secrets_loaded():
    """Called when the judge loads a reference: from now on, never fork a worker,
    and no other process of the same user may read the judge's memory."""
    global _secrets_loaded
    if not _secrets_loaded:
        sandbox.protect_self()
    _secrets_loaded = True


def secrets_held():
    """Whether this process has loaded a reference or expected results."""
    return _secrets_loaded


class WorkerLost(Exception):
    """The worker died or stopped answering while running a case."""


class Worker:
    def __init__(self):
        self.pid = None
        self.process = None
        self.request_w = None
        self.reader = None
        self.scratch = None

    def start(self):
        request_r, request_w = channel.wide_pipe()
        response_r, response_w = channel.wide_pipe()
        self.scratch = tempfile.mkdtemp(prefix="judge-worker-")
        os.chmod(self.scratch, 0o711)            # runs, under another uid, pass through it
        if _secrets_loaded:
            self.process = _spawn(request_r, response_w, self.scratch)
            self.pid = self.process.pid
        else:
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                os.close(request_w)
                os.close(response_r)
                from . import worker
                worker.serve(request_r, response_w, self.scratch)
            self.pid = pid
        os.close(request_r)
        os.close(response_w)
        self.request_w = request_w
        self.reader = channel.FrameReader(response_r)
        return self

    def run_cases(self, request, cases, restarts=2):
        """Run one submission's cases; yield (envelope, result bytes, output bytes) per case.

        ``request`` holds what every case shares (the source, the class, how to
        drive it, the sandbox); ``cases`` is a list of (case request, input
        arrays), a case request holding its ``params`` and limits; an array
        may come already encoded (npy bytes). Results come as each case
        ends, so the judge can compare one while the next runs. When the
        worker is lost, the case it was running says so and the cases after
        it go to a new worker (at most ``restarts`` times).
        """
        if self.pid is None:
            self.start()
        specs = [dict(spec, inputs=list(arrays)) for spec, arrays in cases]
        payload = channel.json_frame(dict(request, cases=specs)) + b"".join(
            channel.frame(a if isinstance(a, bytes) else channel.encode_array(a))
            for _, arrays in cases for a in arrays.values())
        done, lost = 0, None
        try:
            channel.write_all(self.request_w, payload)
            for spec in specs:
                deadline = time.monotonic() + float(spec["time_limit"]) + BACKSTOP_SECONDS
                parts = []
                for _ in range(3):
                    part = self.reader.read(deadline, RESPONSE_CAP)
                    if part is None:
                        raise EOFError("the worker ended")
                    parts.append(part)
                envelope = channel.decode_json(parts[0])
                done += 1
                yield envelope, parts[1], parts[2]
        except (OSError, EOFError, TimeoutError, channel.ChannelError) as err:
            self.kill()                 # a new worker takes the cases after this one
            lost = str(err) or type(err).__name__
        finally:
            if lost is None and done < len(specs):
                self.kill()             # left unread: the stream would be out of step
        if lost is None:
            return
        done += 1
        yield {"state": "lost", "reason": lost}, b"", b""
        rest = cases[done:]
        if rest and restarts > 0:
            yield from self.run_cases(request, rest, restarts - 1)
        else:
            for _ in rest:
                yield {"state": "lost", "reason": lost}, b"", b""

    def warm(self, request):
        """Let the worker build its sandbox now, for the sandbox settings and
        helpers of ``request``, while the judge prepares; nothing is answered."""
        if self.pid is None:
            self.start()
        settings = {key: request[key] for key in ("sandbox", "hide", "helpers") if key in request}
        try:
            channel.write_all(self.request_w, channel.json_frame(dict(settings, op="warm")))
        except OSError:
            self.kill()

    def run(self, request, arrays):
        """Run a request for one case (its params and limits at the top); return
        (envelope, result bytes, output bytes), or raise WorkerLost."""
        spec = {key: request[key] for key in CASE_KEYS if key in request}
        shared = {key: value for key, value in request.items() if key not in CASE_KEYS}
        (envelope, result, output), = self.run_cases(shared, [(spec, arrays)])
        if envelope.get("state") == "lost":
            raise WorkerLost(envelope.get("reason", ""))
        return envelope, result, output

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
        self.request_w = None
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
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None
        self.pid = self.process = self.request_w = self.reader = None
        return True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _spawn(request_r, response_w, scratch):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    boot = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "from grader import worker; worker.serve(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])")
    try:
        return subprocess.Popen(
            [sys.executable, "-I", "-c", boot, root, str(request_r), str(response_w), scratch],
            pass_fds=(request_r, response_w), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    except OSError as err:
        raise InternalError(f"cannot start a worker: {err}") from None
