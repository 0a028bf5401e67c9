"""The judge's side of running student code: a worker process and its pipes.

A worker is always a fresh interpreter (``grader.box.worker``) started with
a minimal environment, so nothing of the judge's memory, environment or
arguments is in it. It boots with the sandbox mode and the exercise's helper
files, builds its box and then answers requests: one request holds the cases
of one group of one submission; the answer comes case by case, and the
judge waits for each with its own deadline. A worker that dies, hangs or
reports a fault of its box is replaced, and the cases it did not grade are
run once more on the new one; a second fault is the judge's (IE), never the
student's.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import grader
from grader import processes
from grader import settings as judge_settings
from grader.pipeline import sandbox
from grader.box import wire
from grader.errors import InternalError, JudgeError
from grader.pipeline.decide import State
from grader.settings import DEFAULTS

BACKSTOP_SECONDS = DEFAULTS.worker_backstop_seconds
CLOSE_SECONDS = DEFAULTS.worker_close_seconds
BOOT_SECONDS = DEFAULTS.worker_boot_seconds
RESPONSE_CAP = 1 << 31
CASE_KEYS = ("params", "time_limit", "memory_limit", "output_limit", "result_limit")
WORKER_ENV = ("LANG", "LC_ALL", "LD_LIBRARY_PATH")
BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); del sys.argv[1:]; "
        "from grader.box import worker; worker.main({request}, {response})")

class WorkerLost(Exception):
    """The worker died or stopped answering while running a case."""


def worker_environment():
    env = {name: os.environ[name] for name in WORKER_ENV if name in os.environ}
    env["PATH"] = "/usr/bin:/bin"
    env.setdefault("LANG", "C.UTF-8")
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def boot_settings(request):
    """What a worker boots with: the mode and the helper files (with their
    stamps, so that an edited helper gets a new worker)."""
    helpers = dict(request.get("helpers") or {})
    stamps = {}
    for name, path in helpers.items():
        try:
            stamps[name] = os.stat(path).st_mtime_ns
        except OSError:
            stamps[name] = None
    return {"mode": request.get("sandbox") or sandbox.default_mode(), "helpers": helpers,
            "stamps": stamps}


class Worker:
    def __init__(self):
        self.process = None
        self.request_w = None
        self.reader = None
        self.settings = None                      # what it booted with
        self.hello = None                         # its answer to the boot message
        self.scratch = None                       # mode off: the folder of its runs
        self.box_pid = None

    @property
    def pid(self):
        return self.process.pid if self.process is not None else None

    def start(self):
        """Start the interpreter now; it boots with the first request's settings."""
        if self.process is None:
            self._spawn()
        return self

    def _spawn(self):
        request_r, request_w = wire.wide_pipe()
        response_r, response_w = wire.wide_pipe()
        package_root = os.path.dirname(os.path.dirname(os.path.abspath(grader.__file__)))
        boot = BOOT.format(request=request_r, response=response_w)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-c", boot, package_root], pass_fds=(request_r, response_w),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env=worker_environment(), cwd="/", start_new_session=False)
        except OSError as err:
            for fd in (request_r, request_w, response_r, response_w):
                os.close(fd)
            raise InternalError(f"cannot start a worker: {err}") from None
        os.close(request_r)
        os.close(response_w)
        self.request_w = request_w
        self.reader = wire.FrameReader(response_r)
        self.settings = self.hello = None

    def _boot(self, settings):
        """Send the boot message (once per process); the answer is read when needed."""
        if self.process is not None and self.settings is not None and self.settings != settings:
            self.kill()                            # another mode or other helpers: a new worker
        if self.process is None:
            self._spawn()
        if self.settings is None:
            message = {"mode": settings["mode"], "helpers": settings["helpers"]}
            if settings["mode"] == "off":
                self.scratch = tempfile.mkdtemp(prefix="judge-worker-")
                os.chmod(self.scratch, 0o700)
                message["scratch"] = self.scratch
            if judge_settings.current().debug_log:
                message["debug_log"] = judge_settings.current().debug_log
            self.settings = settings
            try:
                wire.write_all(self.request_w, wire.json_frame(message))
            except OSError:
                self.kill()
                raise WorkerLost("the worker ended before it booted") from None

    def _ready(self):
        """Wait for the worker's box; raises JudgeError when the mode cannot be had."""
        if self.hello is None:
            try:
                payload = self.reader.read(time.monotonic() + BOOT_SECONDS, wire.MAX_JSON)
            except (OSError, TimeoutError, wire.ChannelError) as err:
                self.kill()
                raise WorkerLost(f"the worker did not start ({type(err).__name__})") from None
            if payload is None:
                self.kill()
                raise WorkerLost("the worker ended while building its box")
            self.hello = wire.decode_json(payload)
            self.box_pid = self.hello.get("box_pid")
            sandbox.warn_missing(self.hello.get("ready"))
        if "refused" in self.hello:
            mode = self.settings["mode"]
            reason = self.hello["refused"]
            self.kill()
            raise JudgeError(f"--sandbox {mode}: this machine cannot isolate submissions ({reason})")
        return self.hello

    def warm(self, request):
        """Boot now, for the sandbox mode and helpers of ``request``, while the
        judge prepares its cases; nothing is waited for."""
        try:
            self._boot(boot_settings(request))
        except WorkerLost:
            pass

    def box(self):
        """The box's layers as the worker reported them ({mode, layers, missing})."""
        return (self.hello or {}).get("ready")

    def run_cases(self, request, cases, retries=1):
        """Run one group of one submission's cases; yield (envelope, result bytes,
        output bytes) per case, as each ends.

        ``request`` holds what every case shares (the source, the class, how to
        drive it, the sandbox, the helpers); ``cases`` is a list of (case request,
        input arrays), a case request holding its ``params`` and limits; an array
        may come already encoded (npy bytes). A case the worker could not
        grade (it was lost, or its box failed) is graded again, with the cases
        after it, on a new worker, ``retries`` times; after that its envelope
        says ``box_fault``.
        """
        settings = boot_settings(request)
        answers, lost = [], None
        try:
            self._boot(settings)
            self._ready()
            asked = self._ask(request, cases)
            try:
                for answer in asked:
                    if answer[0].get("state") == State.BOX_FAULT.value:
                        lost = answer[0].get("reason") or "the box failed"
                        break
                    answers.append(answer)
                    yield answer
            finally:
                asked.close()
        except WorkerLost as err:
            lost = str(err) or "the worker was lost"
        if lost is None:
            return
        self.kill()
        rest = cases[len(answers):]
        if retries > 0:
            yield from self.run_cases(request, rest, retries - 1)
            return
        for _ in rest:
            yield {"state": State.BOX_FAULT.value, "reason": lost, "wall_ms": 0.0}, b"", b""

    def _ask(self, request, cases):
        specs = [dict(spec, inputs=list(arrays)) for spec, arrays in cases]
        shared = {key: value for key, value in request.items() if key != "sandbox"}
        payload = wire.json_frame(dict(shared, cases=specs)) + b"".join(
            wire.frame(a if isinstance(a, bytes) else wire.encode_array(a))
            for _, arrays in cases for a in arrays.values())
        done = 0
        try:
            wire.write_all(self.request_w, payload)
            for spec in specs:
                deadline = time.monotonic() + float(spec["time_limit"]) + BACKSTOP_SECONDS
                parts = []
                for _ in range(3):
                    part = self.reader.read(deadline, RESPONSE_CAP)
                    if part is None:
                        raise EOFError("the worker ended")
                    parts.append(part)
                envelope = wire.decode_json(parts[0])
                done += 1
                yield envelope, parts[1], parts[2]
        except (OSError, EOFError, TimeoutError, wire.ChannelError) as err:
            raise WorkerLost(str(err) or type(err).__name__) from None
        finally:
            if done < len(specs):
                self.kill()                        # left unread: the stream would be out of step

    def run(self, request, arrays):
        """Run a request for one case (its params and limits at the top); return
        (envelope, result bytes, output bytes), or raise WorkerLost."""
        spec = {key: request[key] for key in CASE_KEYS if key in request}
        shared = {key: value for key, value in request.items() if key not in CASE_KEYS}
        (envelope, result, output), = self.run_cases(shared, [(spec, arrays)])
        if envelope.get("state") == State.BOX_FAULT.value:
            raise WorkerLost(envelope.get("reason", ""))
        return envelope, result, output

    def kill(self):
        """End the worker at once (and with it its box)."""
        if self.process is not None:
            self._end(grace=0)

    def close(self):
        """Let the worker end by itself (no more requests), then kill what is left."""
        if self.process is not None:
            self._end(grace=CLOSE_SECONDS)

    def _end(self, grace):
        try:
            os.close(self.request_w)
        except (OSError, TypeError):
            pass
        self.request_w = None
        status = processes.end(self.process.pid, grace)
        self.process.returncode = status if status is not None else -signal.SIGKILL
        self.reader.close()
        os.close(self.reader.fd)
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)
        self.process = self.request_w = self.reader = self.settings = self.hello = None
        self.scratch = self.box_pid = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
