"""The untrusted side: a warm process that runs one case of student code at a time.

The worker is forked from the judge before the judge loads any reference or
expected array, so it holds neither. For each case it forks a child, which
isolates itself (``sandbox``), runs the student's class on the inputs the
judge sent, and writes plain arrays back. The worker watches the child's
clock and output and reports what happened; it never decides a verdict.
"""

import io
import json
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

import numpy as np

from . import channel, drive, sandbox

OUTPUT_KEEP = 8 * 1024          # bytes of printed output sent back for feedback

_exit = os._exit
_write_all = channel.write_all


# ---------------------------------------------------------------- worker loop

def serve(request_fd, response_fd):
    """Answer requests until the judge closes the pipe. Never returns."""
    try:
        sandbox.protect_self()
        sandbox.die_with_parent()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        reader = channel.FrameReader(request_fd)
        while True:
            payload = reader.read(None, 1 << 31)
            if payload is None:
                break
            request = channel.decode_json(payload)
            arrays = {}
            for name in request["inputs"]:
                arrays[name] = channel.decode_array(reader.read(None, 1 << 31), 1 << 31)
            envelope, result, output = run_case(request, arrays)
            _write_all(response_fd, channel.json_frame(envelope) + channel.frame(result)
                       + channel.frame(output))
    except BaseException:
        _log_fault()
        _exit(3)
    _exit(0)


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
    """Import student-visible helper modules once, so every child inherits them."""
    for name, path in helpers.items():
        stamp = os.stat(path).st_mtime_ns
        if _HELPERS.get(name, (None, None))[0] != (path, stamp):
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            _HELPERS[name] = ((path, stamp), module)
        sys.modules[name] = _HELPERS[name][1]


def run_case(request, arrays):
    """Fork a child for one case and supervise it; return (envelope, result, output)."""
    load_helpers(request.get("helpers", {}))
    workdir = tempfile.mkdtemp(prefix="judge-case-")
    result_r, result_w = os.pipe()
    output_r, output_w = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(request, arrays, workdir, result_w, output_w, (result_r, output_r))
    os.close(result_w)
    os.close(output_w)
    try:
        envelope, result, output = _supervise(pid, result_r, output_r, request, started)
    finally:
        os.close(result_r)
        os.close(output_r)
        shutil.rmtree(workdir, ignore_errors=True)
    return envelope, bytes(result), bytes(output)


def _supervise(pid, result_r, output_r, request, started):
    deadline = started + float(request["time_limit"])
    output_limit = int(request["output_limit"])
    result_limit = int(request["result_limit"])
    pidfd = os.pidfd_open(pid)
    selector = selectors.DefaultSelector()
    for fd in (result_r, output_r):
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    selector.register(pidfd, selectors.EVENT_READ)
    result, output, output_total, state, exited = bytearray(), bytearray(), 0, None, False

    def pump(fd):
        nonlocal output_total, state
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return True
        if not chunk:
            selector.unregister(fd)
            return False
        if fd == result_r:
            result.extend(chunk)
            if len(result) > result_limit:
                state = "result_overflow"
        else:
            output_total += len(chunk)
            if len(output) < OUTPUT_KEEP:
                output.extend(chunk[:OUTPUT_KEEP - len(output)])
            if output_total > output_limit:
                state = "ole"
        return True

    try:
        while state is None and not exited:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                state = "timeout"
                break
            for key, _ in selector.select(remaining):
                if key.fd == pidfd:
                    exited = True
                elif state is None:
                    pump(key.fd)
        if exited and state is None:
            for fd in (result_r, output_r):       # what the child wrote before it ended
                while state is None and fd in selector.get_map() and pump(fd):
                    pass
    finally:
        selector.close()
    _kill_tree(pid)
    _, status, usage = os.wait4(pid, 0)
    os.close(pidfd)
    wall = time.monotonic() - started
    envelope = {
        "state": state or ("signaled" if os.WIFSIGNALED(status) else "exited"),
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "wall_ms": round(wall * 1000, 3),
        "cpu_ms": round((usage.ru_utime + usage.ru_stime) * 1000, 3),
        "maxrss_kb": usage.ru_maxrss,
        "output_bytes": output_total,
    }
    return envelope, result, output


def _kill_tree(pid):
    """Kill the child and everything in its session."""
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


# ---------------------------------------------------------------- the child

def _child(request, arrays, workdir, result_w, output_w, close):
    """Runs in the forked child. Never returns."""
    try:
        for fd in close:
            os.close(fd)
        os.dup2(output_w, 1)
        os.dup2(output_w, 2)
        os.close(output_w)
        keep = {0, 1, 2, result_w}
        for fd in range(3, 1024):
            if fd not in keep:
                try:
                    os.close(fd)
                except OSError:
                    pass
        sandbox.enter(workdir, float(request["time_limit"]), int(request["memory_limit"]))
        sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)
        sys.stdin = open(os.devnull)
        header, values = run_student(request, arrays)
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
        payload = channel.json_frame(header) + b"".join(
            channel.frame(channel.encode_array(v)) for v in values)
        _write_all(result_w, payload)
    except BaseException:
        _exit(70)
    _exit(0)


def run_student(request, arrays):
    """Compile, load and drive the student's class; return (header, arrays)."""
    try:
        code = compile(request["source"], "submission.py", "exec", dont_inherit=True)
    except SyntaxError as err:
        return {"status": "error", "phase": "compile", "type": type(err).__name__,
                "message": str(err.msg), "line": err.lineno, "offset": err.offset}, []
    except (ValueError, RecursionError, MemoryError, OverflowError) as err:
        return {"status": "error", "phase": "compile", "type": type(err).__name__,
                "message": str(err)[:300], "line": None}, []
    module = types.ModuleType("submission")
    module.__file__ = "submission.py"
    sys.modules["submission"] = module
    try:
        exec(code, module.__dict__)
    except BaseException as err:  # noqa: B902 - SystemExit and KeyboardInterrupt are the student's too
        return _error("load", err), []
    cls = module.__dict__.get(request["class"])
    if not isinstance(cls, type):
        return {"status": "error", "phase": "class", "type": "NameError",
                "message": f"the file does not define class {request['class']}"}, []
    names = dict(request["params"])
    names.update(arrays)
    try:
        results = drive.drive(cls, request, names)
    except drive.StepFailed as failed:
        return _error(failed.phase, failed.error), []
    header, values = {"status": "ok", "values": {}}, []
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
