"""The run: one process, forked by the box's PID 1, for one request.

It reads its own request (and nothing else) from its request pipe, locks
itself in (descriptors, session, identity, limits, no_new_privs, the system
call filter), reports on its status pipe that it is ready, and only then
loads the student's code and goes through the cases one after the other,
writing each case's results as one frame on descriptor 3. Everything it
writes is untrusted once student code has run: the judge checks it all.

Descriptors in the run: 0 /dev/null, 1 and 2 the output pipe, 3 the results.
"""

import fcntl
import os
import signal
import sys
import time
import traceback
import types

import numpy as np

from . import drive, kernel, limits, seccomp, wire

RESULT_FD = 3
REQUEST_CAP = 1 << 31
KEEP_ENV = ("PATH", "LANG", "LC_ALL", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
            "MKL_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def main(fds, box, helpers, _exit=os._exit, _kill=os.kill, _getpid=os.getpid):
    """The body of a run process. Never returns: the ways out are bound here,
    where student code that replaces os._exit cannot reach them.

    ``fds``: {"request", "results", "output", "status"}; ``box``: what the
    box's PID 1 knows (mode, layers, the run's identity, its working folder);
    ``helpers``: the helper modules PID 1 loaded, {name: module}.
    """
    try:
        _run(fds, box, helpers, _exit)
    finally:
        _exit(70)
        _kill(_getpid(), signal.SIGKILL)


def read_request(fd):
    """The request's JSON header and its cases' input arrays, read to the pipe's end."""
    data = bytearray()
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        data += chunk
        if len(data) > REQUEST_CAP:
            raise ValueError("the request is too large")
    os.close(fd)
    frames = wire.split_frames(bytes(data), max_frames=1 << 20)
    request = wire.decode_json(frames[0])
    arrays, index = [], 1
    for case in request["cases"]:
        found = {}
        for name in case["inputs"]:
            found[name] = wire.decode_array(frames[index], REQUEST_CAP)
            index += 1
        arrays.append(found)
    return request, arrays


def _run(fds, box, helpers, _exit):
    status = fds["status"]
    ready = False
    try:
        kernel.keep_only_fds(fds.values())
        request, arrays = read_request(fds["request"])
        cases = request["cases"]
        moved = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (fds["results"], fds["output"], status)]
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(moved[1], 1)
        os.dup2(moved[1], 2)
        os.dup2(moved[0], RESULT_FD)
        status = moved[2]
        kernel.keep_only_fds({RESULT_FD, status})
        budgets = [limits.cpu_budget(case["time_limit"]) for case in cases]
        lock_in(box, sum(budgets), max(int(case["memory_limit"]) for case in cases))
        os.write(status, b"ok")
        os.close(status)
        ready = True
        sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)
        sys.stdin = open(0, "r", closefd=False)
        for name in helpers:
            sys.modules.pop(name, None)
        for name in request.get("helpers", ()):
            if name in helpers:
                sys.modules[name] = helpers[name]
        signal.signal(SAMPLE_SIGNAL, _sample)
        run_cases(request, arrays, budgets)
    except BaseException as err:
        if not ready:
            try:
                os.write(status, f"run setup failed: {kernel.reason(err)}".encode("utf-8", "replace")[:300])
            except BaseException:
                pass
        _exit(70)
    _exit(0)


SAMPLE_SIGNAL = signal.SIGUSR2          # PID 1 sends it when a case is out of time


def _sample(signum, frame):
    """Where a case stuck past its limit is: the innermost line of submission.py,
    handed back as a result frame of its own just before the run is killed (a
    run that replaces this handler simply tells nothing)."""
    line = None
    while frame is not None:
        if frame.f_code.co_filename == "submission.py":
            line = frame.f_lineno
            break
        frame = frame.f_back
    try:
        wire.write_case(RESULT_FD, {"status": "stuck", "line": line}, [])
    except BaseException:
        pass


def lock_in(box, cpu_seconds, memory_mb):
    """Everything a run does to itself before student code; raises on any failure."""
    os.setsid()
    os.chdir(box["workdir"])
    os.umask(0o077)
    for name in list(os.environ):
        if name not in KEEP_ENV:
            del os.environ[name]
    os.environ["HOME"] = os.environ["TMPDIR"] = box["workdir"]
    if box.get("uid") is not None:
        os.setgroups([])
        os.setresgid(box["gid"], box["gid"], box["gid"])
        os.setresuid(box["uid"], box["uid"], box["uid"])
        if os.getuid() != box["uid"] or kernel.capabilities():
            raise OSError(1, "the run kept its privileges")
    elif box.get("userns"):
        kernel.drop_capabilities()
        if kernel.capabilities():
            raise OSError(1, "the run kept its capabilities")
    kernel.die_with_parent()
    if os.getppid() != box["pid1"]:
        raise OSError(3, "the box ended")
    limits.apply(cpu_seconds, memory_mb)
    if box["mode"] != "off":
        if not kernel.prctl(kernel.PR_SET_NO_NEW_PRIVS, 1):
            raise OSError(1, "no_new_privs")
        if box.get("seccomp"):
            seccomp.install(os.getpid())


def run_cases(request, arrays, budgets):
    cls, failure = load_student(request)
    used = 0.0
    for case, case_arrays, budget in zip(request["cases"], arrays, budgets):
        limits.cpu_soft_limit(used + budget)
        if failure is not None:
            header, values = failure, []
        else:
            header, values = run_case(cls, request, case, case_arrays)
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
        wire.write_case(RESULT_FD, header, values)
        used += budget


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
        return None, error_header("load", err)
    cls = module.__dict__.get(request["class"])
    if not isinstance(cls, type):
        return None, {"status": "error", "phase": "class", "type": "NameError",
                      "message": f"the file does not define class {request['class']}"}
    return cls, None


def run_case(cls, request, case, arrays):
    """Drive the student's class on one case; return (header, arrays)."""
    names = dict(case["params"])
    names.update(arrays)
    started = time.perf_counter()
    try:
        results = drive.drive(cls, request, names)
    except drive.StepFailed as failed:
        return error_header(failed.phase, failed.error), []
    elapsed = round((time.perf_counter() - started) * 1000, 3)
    header, values = {"status": "ok", "values": {}, "elapsed_ms": elapsed}, []
    for name in request["outputs"]:
        info, array = export(results[name])
        header["values"][name] = info
        if array is not None:
            values.append(array)
    return header, values


def export(value):
    if value is drive.MISSING:
        return {"kind": "missing"}, None
    if value is None:
        return {"kind": "none"}, None
    try:
        if isinstance(value, (np.ndarray, np.generic, int, float)) and not isinstance(value, bool):
            array = np.array(value, copy=True, subok=False)
            if array.dtype.kind not in wire.NUMERIC_KINDS or array.dtype.hasobject:
                return {"kind": "dtype", "dtype": str(array.dtype)}, None
            return {"kind": "array"}, array
    except BaseException:
        pass
    return {"kind": "type", "type": type(value).__name__[:60]}, None


def error_header(phase, err):
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
