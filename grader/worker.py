"""The untrusted side: a warm process that runs student code inside a box.

The worker is forked from the judge before the judge loads any reference or
expected array, so it holds neither. It builds a box (``sandbox``): a setup
process that isolates itself and forks the box's PID 1, which forks one run
per submission; the run goes through the cases one after the other. The worker sends each case into the box, watches the run's clock
and output with its own deadline, and reports what happened; it never
decides a verdict. A run that overruns its time or output is ended by
killing the whole box, which the next case rebuilds.

    judge --pipe-- worker --fork--> setup --fork--> PID 1 --fork--> run (student code)
"""

import fcntl
import os
import selectors
import shutil
import signal
import sys
import tempfile
import time
import traceback
import types
import importlib.util
import math

import numpy as np

from . import channel, drive, sandbox

OUTPUT_KEEP = 8 * 1024          # bytes of printed output sent back for feedback
SETUP_SECONDS = 10.0            # longest a box may take to start
EXIT_SECONDS = 2.0              # longest a run may take to end after its last case
RESULT_FD, SETUP_FD = 3, 4      # in a run: fd 3 takes the results, fd 4 the setup report

_exit = os._exit
_write_all = channel.write_all


# ---------------------------------------------------------------- worker loop

_SCRATCH = None                 # where boxes keep their folders; the judge removes it


def serve(request_fd, response_fd, scratch=None):
    """Answer requests until the judge closes the pipe. Never returns.

    ``scratch`` is a folder the judge made for this worker: every box's folder
    goes in it, so nothing is left behind even when the worker is killed."""
    global _SCRATCH
    _SCRATCH = scratch
    try:
        sandbox.protect_self()
        sandbox.die_with_parent()
        sandbox.become_subreaper()               # what a box leaves behind comes back here
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        if null > 2:
            os.close(null)
        reader = channel.FrameReader(request_fd)
        while True:
            payload = reader.read(None, 1 << 31)
            if payload is None:
                break
            request = channel.decode_json(payload)
            del payload                          # a box forked later must not find it
            if request.get("op") == "warm":
                _warm(request)
                continue
            frames = [_inputs_of(case, reader) for case in request["cases"]]
            _CURRENT[:] = [request, frames]
            for envelope, result, output in run_cases(request, frames):
                _write_all(response_fd, channel.json_frame(envelope) + channel.frame(result)
                           + channel.frame(output))
            _CURRENT.clear()
            del request, frames
    except BaseException:
        _log_fault()
        _close_box()
        _exit(3)
    _close_box()
    _exit(0)


_CURRENT = []                   # the request being served and its input frames


def _inputs_of(case, reader):
    """The case's input frames, as the judge sent them."""
    return [reader.read(None, 1 << 31) for _ in case["inputs"]]


def _forget_current():
    """In a process forked from the worker (a new box): drop every reference to
    the request being served, so no run can reach other cases' inputs."""
    for item in _CURRENT:
        if isinstance(item, (list, dict)):
            for inner in (item if isinstance(item, list) else []):
                if isinstance(inner, list):
                    inner.clear()
            item.clear()
    _CURRENT.clear()


def _log_fault():
    """Operators may set JUDGE_DEBUG_LOG to a file to see why a worker failed."""
    path = os.environ.get("JUDGE_DEBUG_LOG")
    if path:
        try:
            with open(path, "a") as handle:
                traceback.print_exc(file=handle)
        except BaseException:
            pass


_HELPERS = {}


def load_helpers(helpers):
    """Import student-visible helper modules once, so every run inherits them.

    Returns True when one was (re)loaded, so that a box built before is stale.
    """
    changed = False
    for name, path in helpers.items():
        stamp = os.stat(path).st_mtime_ns
        if _HELPERS.get(name, (None, None))[0] != (path, stamp):
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            _HELPERS[name] = ((path, stamp), module)
            changed = True
        sys.modules[name] = _HELPERS[name][1]
    return changed


# ---------------------------------------------------------------- the box, seen from the worker

_BOX = None
_DISABLED = {}                  # layers that broke while being set up: {layer: reason}


def _close_box():
    global _BOX
    if _BOX is not None:
        _BOX.kill()
        _BOX = None
    _reap_strays()


def _reap_strays(keep=None):
    """Kill and reap every child of the worker but ``keep``: processes of dead
    boxes that were handed to the worker (a subreaper) when their parent died."""
    for pid in sandbox._children():
        if pid == keep:
            continue
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass


def run_cases(request, frames):
    """Run every case of one submission in the box (built on demand).

    Yields (envelope, result, output) per case, in order, as each ends.
    ``frames`` holds each case's inputs as the judge sent them (npy bytes, one
    per name in the case's ``inputs``); the box's PID 1 checks and decodes them.
    All cases run in one process, one after the other; when a case ends that
    process (a time limit, a crash, an exit), the cases after it start again
    in a new one.
    """
    _reap_strays(keep=_BOX.pid if _BOX is not None else None)
    if load_helpers(request.get("helpers", {})):
        _close_box()
    key, mode, hide = _box_key(request)
    pending = list(range(len(request["cases"])))
    while pending:
        if _BOX is not None and (_BOX.key != key or not _BOX.alive()
                                 or (not _BOX.info.get("seccomp") and _BOX.source != request["source"])):
            _close_box()                         # without a filter, one box per submission
        if _BOX is None:
            failure = _build_box(key, mode, hide)
            if failure is not None:
                for _ in pending:
                    yield failure, b"", b""
                return
        _BOX.source = request["source"]
        for envelope, result, output in _BOX.run(request, pending, frames):
            if _BOX is not None:
                envelope["sandbox"] = _BOX.summary()
            yield envelope, bytes(result), bytes(output)
            pending.pop(0)
        if _BOX is not None and not _BOX.alive():
            _close_box()


def _box_key(request):
    mode = request.get("sandbox")
    if mode not in sandbox.MODES:
        mode = sandbox.DEFAULT_MODE
    hide = tuple(sandbox.hidden_paths(request.get("hide") or ()))
    return (mode, hide), mode, hide


def _warm(request):
    """Build the box ahead of the first submission, while the judge prepares
    its cases; a failure here is reported by the first real request instead."""
    if load_helpers(request.get("helpers", {})):
        _close_box()
    key, mode, hide = _box_key(request)
    if _BOX is None:
        _build_box(key, mode, hide)


def _build_box(key, mode, hide):
    """Start the box; None when it runs, else the envelope that says why not."""
    global _BOX
    for _ in range(3):
        box = Box(key, mode, hide)
        try:
            box.start()
        except sandbox.Broken as broken:
            _DISABLED[broken.layer] = broken.reason
            continue
        except Refused as refused:
            return {"state": "refused", "reason": str(refused)[:500]}
        except BoxFailed as failed:
            return {"state": "sandbox_error", "reason": str(failed)[:500]}
        _BOX = box
        return None
    return {"state": "sandbox_error", "reason": "the box broke three times"}


class Refused(Exception):
    """strict mode on a machine that lacks a layer."""


class BoxFailed(Exception):
    """The box could not be started: a fault of the judge, not of the submission."""


class Box:
    def __init__(self, key, mode, hide):
        self.key, self.mode, self.hide = key, mode, hide
        self.pid = self.pidfd = None
        self.info = {}
        self.source = None
        self.dir = None
        self.fds = {}

    def summary(self):
        return {"mode": self.mode, "layers": list(self.info.get("layers", [])),
                "missing": dict(self.info.get("missing", {}))}

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="judge-box-", dir=_SCRATCH)
        req_r, req_w = channel.wide_pipe()
        ctl_r, ctl_w = os.pipe()
        res_r, res_w = channel.wide_pipe()
        out_r, out_w = os.pipe()
        worker_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            _forget_current()
            _setup(self.mode, self.hide, self.dir, dict(_DISABLED), worker_pid,
                   req_r, ctl_w, res_w, out_w)
        for fd in (req_r, ctl_w, res_w, out_w):
            os.close(fd)
        self.pid = pid
        self.pidfd = os.pidfd_open(pid)
        self.fds = {"req": req_w, "ctl": ctl_r, "res": res_r, "out": out_r}
        for fd in (ctl_r, res_r, out_r):
            os.set_blocking(fd, False)
        self.control = channel.FrameReader(ctl_r)
        try:
            payload = self.control.read(time.monotonic() + SETUP_SECONDS, channel.MAX_JSON)
        except (TimeoutError, channel.ChannelError, OSError) as err:
            self.kill()
            raise BoxFailed(f"the box did not start ({type(err).__name__})") from None
        if payload is None:
            self.kill()
            raise BoxFailed("the box ended while starting")
        hello = channel.decode_json(payload)
        if "broken" in hello:
            self.kill()
            raise sandbox.Broken(hello["broken"], hello.get("reason", ""))
        if "refused" in hello:
            self.kill()
            raise Refused(hello["refused"])
        if "failed" in hello:
            self.kill()
            raise BoxFailed(hello["failed"])
        self.info = hello
        return self

    def alive(self):
        if self.pid is None:
            return False
        try:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid = self.pid
        if pid:
            self.pid = None
            self.kill()
            return False
        return True

    def kill(self):
        """End the box: its setup process, PID 1, and with it every run."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                _, status = os.waitpid(self.pid, 0)
            except ChildProcessError:
                status = 0
            box_pid = self.info.get("box_pid")
            if os.WIFSIGNALED(status) and isinstance(box_pid, int) and box_pid > 1:
                # The setup process died before reaping PID 1, so PID 1 is now
                # the worker's child: its pid cannot have been reused.
                try:
                    os.kill(box_pid, signal.SIGKILL)
                    os.waitpid(box_pid, 0)
                except OSError:
                    pass
            self.pid = None
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None
        for fd in self.fds.values():
            try:
                os.close(fd)
            except OSError:
                pass
        self.fds = {}
        if self.dir:
            _remove_folder(self.dir)
            self.dir = None

    def run(self, request, indices, frames):
        """Hand cases ``indices`` to one run; yield (envelope, result, output) per case.

        Stops after the first case that does not end with its results (its
        time or output ran out, the run crashed or exited): the caller starts
        the rest again. Always yields at least one case.
        """
        cases = [request["cases"][i] for i in indices]
        payload = channel.json_frame(dict(request, cases=cases)) + b"".join(
            channel.frame(f) for i in indices for f in frames[i])
        try:
            _write_all(self.fds["req"], payload)
        except OSError:
            self.kill()
            yield {"state": "lost", "reason": "the box ended"}, b"", b""
            return
        yield from self._supervise(cases)

    def _supervise(self, cases):
        res_r, out_r, ctl_r = self.fds["res"], self.fds["out"], self.fds["ctl"]
        pending = bytearray()                   # result bytes not yet split into cases
        output = bytearray()
        counts = {"output": 0}
        state, report, index = None, None, 0
        started = time.monotonic()              # each case's clock: from the end of the one before
        deadline = started + float(cases[0]["time_limit"])
        selector = selectors.DefaultSelector()
        for fd in (res_r, out_r, ctl_r, self.pidfd):
            selector.register(fd, selectors.EVENT_READ)

        def pump_output():
            """Read what the run printed; False when nothing more is there now."""
            nonlocal state
            try:
                chunk = os.read(out_r, 1 << 16)
            except BlockingIOError:
                return False
            if not chunk:
                return False
            counts["output"] += len(chunk)
            if len(output) < OUTPUT_KEEP:
                output.extend(chunk[:OUTPUT_KEEP - len(output)])
            if counts["output"] > int(cases[min(index, len(cases) - 1)]["output_limit"]):
                state = "ole"
            return True

        def finished():
            """Complete results for the current case, or None; flags an oversized one."""
            nonlocal state
            if len(pending) < channel.HEADER.size:
                return None
            (size,) = channel.HEADER.unpack_from(pending, 0)
            if size > int(cases[index]["result_limit"]):
                state = "result_overflow"
                return None
            if len(pending) < channel.HEADER.size + size:
                return None
            payload = bytes(pending[channel.HEADER.size:channel.HEADER.size + size])
            del pending[:channel.HEADER.size + size]
            return payload

        def envelope(case_state, now, **more):
            result = {"state": case_state, "exit_code": None, "signal": None,
                      "wall_ms": round((now - started) * 1000, 3), "cpu_ms": None,
                      "maxrss_kb": None, "output_bytes": counts["output"]}
            result.update(more)
            return result

        try:
            while state is None and report is None:
                while index < len(cases) and state is None:
                    payload = finished()
                    if payload is None:
                        break
                    while state is None and pump_output():   # what it printed before
                        pass
                    if state is not None:
                        break
                    now = time.monotonic()
                    yield envelope("exited", now, exit_code=0), payload, bytes(output)
                    index += 1
                    output.clear()
                    counts["output"] = 0
                    started = now
                    if index < len(cases):
                        deadline = now + float(cases[index]["time_limit"])
                    else:                        # every case is in: the run only has to end
                        deadline = now + EXIT_SECONDS
                if state is not None:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    state = "timeout"
                    break
                for key, _ in selector.select(remaining):
                    if key.fd == ctl_r:
                        try:
                            payload = self.control.read(deadline, channel.MAX_JSON)
                        except TimeoutError:
                            state = "timeout"
                            break
                        except (channel.ChannelError, OSError):
                            payload = None
                        if payload is None:
                            state = "lost"
                        else:
                            report = channel.decode_json(payload)
                    elif key.fd == self.pidfd:
                        state = "lost"
                    elif key.fd == res_r:
                        try:
                            chunk = os.read(res_r, channel.PIPE_SIZE)
                        except BlockingIOError:
                            chunk = None
                        if chunk:
                            pending.extend(chunk)
                    else:
                        pump_output()
                    if state is not None:
                        break
            if report is not None and state is None:
                while True:                      # every writer has ended: take what is left
                    try:
                        chunk = os.read(res_r, channel.PIPE_SIZE)
                    except BlockingIOError:
                        break
                    if not chunk:
                        break
                    pending.extend(chunk)
                while state is None and pump_output():
                    pass
                while index < len(cases) and state is None:
                    payload = finished()
                    if payload is None:
                        break
                    yield envelope("exited", time.monotonic(), exit_code=0), payload, bytes(output)
                    index += 1
                    output.clear()
                    counts["output"] = 0
                    started = time.monotonic()
        finally:
            selector.close()
        if index >= len(cases) and state in (None, "timeout"):
            if state == "timeout":
                self.kill()                      # it would not end after its last case
            return
        now = time.monotonic()
        if state is not None:
            self.kill()                          # the run and all it started end here
            yield envelope(state, now), b"", bytes(output)
            return
        more = {key: report.get(key) for key in ("exit_code", "signal", "cpu_ms", "maxrss_kb",
                                                 "base_rss_kb", "reason")}
        yield envelope(report.get("state"), now, **more), b"", bytes(output)


def _remove_folder(path):
    try:
        os.rmdir(path)
    except OSError:
        shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------- inside: setup and PID 1

def _keep_only(keep):
    """Close every descriptor but ``keep`` (the judge's pipes above all)."""
    top = max(keep) if keep else 2
    last = 3
    for fd in sorted(keep):
        if fd >= last:
            os.closerange(last, fd)
            last = fd + 1
    os.closerange(max(last, top + 1), os.sysconf("SC_OPEN_MAX"))


def _setup(mode, hide, box_dir, disabled, worker_pid, req_r, ctl_w, res_w, out_w):
    """The box's setup process (forked from the worker). Never returns."""
    try:
        _keep_only({0, 1, 2, req_r, ctl_w, res_w, out_w})
        sandbox.die_with_parent()
        if os.getppid() != worker_pid:
            _exit(0)
        try:
            info = sandbox.build(mode, list(hide), disabled, box_dir)
        except sandbox.Broken as broken:
            _write_all(ctl_w, channel.json_frame({"broken": broken.layer, "reason": broken.reason}))
            _exit(0)
        if mode == "strict" and info["missing"]:
            _write_all(ctl_w, channel.json_frame({"refused": sandbox.describe_missing(info["missing"])}))
            _exit(0)
        alive_r, alive_w = os.pipe()
        setup_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            os.close(alive_w)
            _box_init(info, box_dir, setup_pid, alive_r, req_r, ctl_w, res_w, out_w)
        for fd in (req_r, ctl_w, res_w, out_w, alive_r):
            os.close(fd)
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
        _exit(0)
    except BaseException:
        _log_fault()
        try:
            _write_all(ctl_w, channel.json_frame({"failed": "the box setup failed"}))
        except BaseException:
            pass
        _exit(70)


def _box_init(info, box_dir, setup_pid, alive_r, req_r, ctl_w, res_w, out_w):
    """PID 1 of the box: one run per request (a submission's cases). Never returns."""
    try:
        sandbox.die_with_parent()
        import select
        poller = select.poll()
        poller.register(alive_r, select.POLLIN)
        if poller.poll(0):                       # the setup process is already gone
            _exit(0)
        if not info["ns"]:
            sandbox.become_subreaper()
        info["box_pid"] = sandbox.own_pid()      # as the worker sees it, before /proc changes
        try:
            sandbox.enter_box(info)
        except sandbox.Unavailable as err:
            _write_all(ctl_w, channel.json_frame({"refused": str(err)}))
            _exit(0)
        _write_all(ctl_w, channel.json_frame(info))
        reader = channel.FrameReader(req_r)
        os.set_blocking(req_r, True)
        count = 0
        while True:
            payload = reader.read(None, 1 << 31)
            if payload is None:
                break
            request = channel.decode_json(payload)
            arrays = [{name: channel.decode_array(reader.read(None, 1 << 31), 1 << 31)
                       for name in case["inputs"]} for case in request["cases"]]
            count += 1
            report = _box_case(info, box_dir, count, request, arrays, res_w, out_w,
                               (req_r, ctl_w, alive_r))
            del request, arrays
            _write_all(ctl_w, channel.json_frame(report))
    except BaseException:
        _log_fault()
        _exit(70)
    _exit(0)


def _box_case(info, box_dir, count, request, arrays, res_w, out_w, close):
    """Fork one run for the request's cases, wait for it, clear the box; return its report."""
    try:
        workdir = sandbox.fresh_workdir(info, box_dir, count)
    except OSError as err:
        return {"state": "sandbox_error", "reason": f"no working folder: {err}"}
    setup_r, setup_w = os.pipe()
    base_rss = sandbox.resident_kb()
    box_pid = os.getpid()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        for fd in close + (setup_r,):
            os.close(fd)
        _run(request, arrays, info, workdir, res_w, out_w, setup_w, box_pid)
    os.close(setup_w)
    while True:
        try:
            _, status, usage = os.wait4(pid, 0)
            break
        except InterruptedError:
            continue
    wall = time.monotonic() - started
    setup = b""
    while True:
        chunk = os.read(setup_r, 4096)
        if not chunk or len(setup) > 4096:
            break
        setup += chunk
    os.close(setup_r)
    sandbox.clear_box(info, pid)
    sandbox.release_workdir(info, workdir)
    report = {
        "state": "signaled" if os.WIFSIGNALED(status) else "exited",
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "wall_ms": round(wall * 1000, 3),
        "cpu_ms": round((usage.ru_utime + usage.ru_stime) * 1000, 3),
        "maxrss_kb": usage.ru_maxrss,
        "base_rss_kb": base_rss,
    }
    if not setup.startswith(b"ok"):
        report["state"] = "sandbox_error"
        report["reason"] = (setup.decode("utf-8", "replace") or
                            f"the run ended before it was isolated (status {status})")[:300]
    return report


# ---------------------------------------------------------------- the run

def _run(request, arrays, info, workdir, res_w, out_w, setup_w, box_pid,
         _exit=os._exit, _kill=os.kill, _getpid=os.getpid):
    """Runs in the forked run process. Never returns: the ways out are bound
    here, where student code that replaces os._exit cannot reach them."""
    try:
        _run_body(request, arrays, info, workdir, res_w, out_w, setup_w, box_pid, _exit)
    finally:
        _exit(70)
        _kill(_getpid(), signal.SIGKILL)


def _run_body(request, arrays, info, workdir, res_w, out_w, setup_w, box_pid, _exit):
    ready = False
    cases = request["cases"]
    try:
        # fds: 0 /dev/null, 1 and 2 the output pipe, 3 the results, 4 the setup report
        moved = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (res_w, out_w, setup_w)]
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(moved[1], 1)
        os.dup2(moved[1], 2)
        os.dup2(moved[0], RESULT_FD)
        os.dup2(moved[2], SETUP_FD)
        _keep_only({0, 1, 2, RESULT_FD, SETUP_FD})
        budgets = [cpu_budget(case["time_limit"]) for case in cases]
        sandbox.enter_run(info, workdir, sum(budgets),
                          max(int(case["memory_limit"]) for case in cases), box_pid)
        os.write(SETUP_FD, b"ok")
        os.close(SETUP_FD)
        ready = True
        sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)
        sys.stdin = open(0, "r", closefd=False)
        cls, failure = load_student(request)
        used = 0.0
        for case, case_arrays, budget in zip(cases, arrays, budgets):
            sandbox.cpu_soft_limit(used + budget)
            if failure is not None:
                header, values = failure, []
            else:
                header, values = run_case_of(cls, request, case, case_arrays)
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except BaseException:
                pass
            channel.write_case(RESULT_FD, header, values)
            used += budget
    except BaseException as err:
        if not ready:
            try:
                os.write(SETUP_FD, f"run setup failed: {err}".encode("utf-8", "replace")[:300])
            except BaseException:
                pass
        _exit(70)
    _exit(0)


def cpu_budget(time_limit):
    """CPU seconds a case may use: its time limit rounded up, and one more."""
    return max(1, math.ceil(float(time_limit))) + 1


def load_student(request):
    """Compile and load the submission: (its class, None) or (None, an error header)."""
    try:
        code = compile(request["source"], "submission.py", "exec", dont_inherit=True)
    except SyntaxError as err:
        return None, {"status": "error", "phase": "compile", "type": type(err).__name__,
                      "message": str(err.msg), "line": err.lineno, "offset": err.offset}
    except (ValueError, RecursionError, MemoryError, OverflowError) as err:
        return None, {"status": "error", "phase": "compile", "type": type(err).__name__,
                      "message": str(err)[:300], "line": None}
    module = types.ModuleType("submission")
    module.__file__ = "submission.py"
    sys.modules["submission"] = module
    try:
        exec(code, module.__dict__)
    except BaseException as err:  # noqa: B902 - SystemExit and KeyboardInterrupt are the student's too
        return None, _error("load", err)
    cls = module.__dict__.get(request["class"])
    if not isinstance(cls, type):
        return None, {"status": "error", "phase": "class", "type": "NameError",
                      "message": f"the file does not define class {request['class']}"}
    return cls, None


def run_case_of(cls, request, case, arrays):
    """Drive the student's class on one case; return (header, arrays)."""
    names = dict(case["params"])
    names.update(arrays)
    started = time.perf_counter()
    try:
        results = drive.drive(cls, request, names)
    except drive.StepFailed as failed:
        return _error(failed.phase, failed.error), []
    elapsed = round((time.perf_counter() - started) * 1000, 3)
    header, values = {"status": "ok", "values": {}, "elapsed_ms": elapsed}, []
    for name in request["outputs"]:
        info, array = _export(results[name])
        header["values"][name] = info
        if array is not None:
            values.append(array)
    return header, values


def _export(value):
    if value is drive.MISSING:
        return {"kind": "missing"}, None
    if value is None:
        return {"kind": "none"}, None
    try:
        if isinstance(value, (np.ndarray, np.generic, int, float)) and not isinstance(value, bool):
            array = np.array(value, copy=True, subok=False)
            if array.dtype.kind not in channel.NUMERIC_KINDS or array.dtype.hasobject:
                return {"kind": "dtype", "dtype": str(array.dtype)}, None
            return {"kind": "array"}, array
    except BaseException:
        pass
    return {"kind": "type", "type": type(value).__name__[:60]}, None


def _error(phase, err):
    frames = []
    try:
        extracted = traceback.extract_tb(err.__traceback__)
        for frame in extracted:
            if frame.filename == "submission.py":
                frames.append(["submission.py", frame.lineno, frame.name])
        if extracted and extracted[-1].filename != "submission.py":
            last = extracted[-1]
            frames.append([os.path.basename(last.filename), last.lineno, last.name])
    except BaseException:
        pass
    try:
        message = str(err)
    except BaseException:
        message = ""
    kind = "MemoryError" if isinstance(err, MemoryError) else type(err).__name__
    return {"status": "error", "phase": phase, "type": kind[:80],
            "message": message[:500], "frames": frames[-8:]}
