"""PID 1 of the box: builds the box's root, then forks one run per request.

It is forked by the worker before the worker reads any request, so its
memory holds nothing but the interpreter, numpy, the helper modules and the
box's settings; and it never reads a request itself: each run gets its own
pipes from the worker (over a socket, as file descriptors) and reads its own
request. Between runs it kills whatever a run left in the box, reaps it, and
gives the next run a fresh working folder.

Messages on the worker's socket (SOCK_SEQPACKET, one JSON object each):
  worker -> PID 1: {"op": "run"} with four descriptors (request, results, output, status);
                   {"op": "kill"} ends the current run and everything in the box
  PID 1 -> worker: {"ready": {...}} or {"refused": why} or {"failed": why}, once;
                   {"ended": {...}} for each run: its status and resources, measured here
"""

import json
import os
import resource
import select
import shutil
import signal
import socket
import time

from . import kernel, root, runner

MESSAGE_MAX = 1 << 16
RLIMITS = [getattr(resource, name) for name in dir(resource) if name.startswith("RLIMIT_")]
NAMESPACES = kernel.CLONE_NEWNS | kernel.CLONE_NEWNET | kernel.CLONE_NEWIPC | kernel.CLONE_NEWUTS


def send(sock, message, fds=()):
    data = json.dumps(message, separators=(",", ":")).encode()
    if fds:
        socket.send_fds(sock, [data], list(fds))
    else:
        sock.send(data)


def receive(sock):
    """(message, descriptors); (None, []) when the other side has gone."""
    data, fds, _, _ = socket.recv_fds(sock, MESSAGE_MAX, 8)
    if not data:
        for fd in fds:
            os.close(fd)
        return None, []
    return json.loads(data), fds


def main(sock, box, allow, helpers):
    """Run by the box's first process. Never returns.

    ``box`` holds the mode, the layers already in place and the run's identity;
    ``allow`` the allow-list (None in mode off); ``helpers`` {name: module}.
    """
    code = 0
    try:
        kernel.die_with_parent()
        kernel.set_dumpable(False)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        box["pid1"] = os.getpid()
        failure = _enter(box, allow)
        if failure is not None:
            send(sock, failure)
            os._exit(0)
        send(sock, {"ready": {key: box[key] for key in ("mode", "layers", "missing")}})
        _serve(sock, box, helpers)
    except BaseException:
        code = 70
    os._exit(code)


def _enter(box, allow):
    """Put the box's namespaces and root in place; a refusal or failure message, or None."""
    if box["mode"] == "off":
        kernel.become_subreaper()
        return None
    try:
        kernel.unshare(NAMESPACES)
        kernel.mount(None, "/", None, kernel.MS_REC | kernel.MS_PRIVATE)
        root.build(allow)
        root.enter()
    except OSError as err:
        return {"refused": f"the box's private root could not be built ({kernel.reason(err)})"}
    box["layers"] += ["filesystem", "proc"]
    box["workdir"] = root.WORKDIR
    return None


def own_settings():
    """What a run inherits from PID 1 and must find as PID 1 started: its
    resource limits, priority and CPUs. A run that could change them (one
    without the filter, with PID 1's uid) would change every later run's."""
    return ([resource.getrlimit(limit) for limit in RLIMITS], os.getpriority(os.PRIO_PROCESS, 0),
            sorted(os.sched_getaffinity(0)))


def _serve(sock, box, helpers):
    count = 0
    settings = own_settings()
    while True:
        message, fds = receive(sock)
        if message is None:
            return
        if message.get("op") != "run" or len(fds) != 4:
            for fd in fds:
                os.close(fd)
            continue
        count += 1
        if own_settings() != settings:
            for fd in fds:
                os.close(fd)
            send(sock, {"ended": {"state": "box_fault",
                                  "reason": "the box's own limits were changed by a run"}})
            return
        send(sock, {"ended": _one_run(sock, box, helpers, fds, count)})


def _one_run(sock, box, helpers, fds, count):
    """Fork a run on ``fds``, wait for it (or for a kill), clear the box; return its facts."""
    try:
        workdir = _workdir(box, count)
    except OSError as err:
        for fd in fds:
            os.close(fd)
        return {"state": "box_fault", "reason": f"no working folder: {kernel.reason(err)}"}
    run_box = dict(box, workdir=workdir)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        sock.close()
        runner.main(dict(zip(("request", "results", "output", "status"), fds)), run_box, helpers)
    for fd in fds:
        os.close(fd)
    status, usage = _wait(sock, pid, box)
    wall = time.monotonic() - started
    _clear(box, pid)
    _release(box, workdir)
    return {
        "state": "signaled" if os.WIFSIGNALED(status) else "exited",
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "wall_ms": round(wall * 1000, 3),
        "cpu_ms": round((usage.ru_utime + usage.ru_stime) * 1000, 3),
        "peak_rss_kb": usage.ru_maxrss,
    }


def _wait(sock, pid, box):
    """Wait for the run to end, killing the box's processes when the worker asks."""
    pidfd = os.pidfd_open(pid)
    try:
        while True:
            ready, _, _ = select.select([pidfd, sock], [], [])
            if pidfd in ready:
                break
            message, fds = receive(sock)
            for fd in fds:
                os.close(fd)
            if message is None:                      # the worker is gone: so is the box
                _kill_all(box, pid)
                os._exit(0)
            if message.get("op") == "kill":
                _kill_all(box, pid)
            elif message.get("op") == "sample":      # a case ran out of time: where is it?
                try:
                    os.kill(pid, runner.SAMPLE_SIGNAL)
                except OSError:
                    pass
    finally:
        os.close(pidfd)
    while True:
        try:
            _, status, usage = os.wait4(pid, 0)
            return status, usage
        except InterruptedError:
            continue


def _kill_all(box, run_pid):
    if box["mode"] != "off":
        try:
            os.kill(-1, signal.SIGKILL)              # PID 1 of its own namespace: only the box
        except OSError:
            pass
    else:
        try:
            os.killpg(run_pid, signal.SIGKILL)
        except OSError:
            pass


def _clear(box, run_pid):
    """After a run: nothing it started may remain; reap everything."""
    _kill_all(box, run_pid)
    if box["mode"] == "off":                         # a subreaper: orphans come back here
        for _ in range(100):
            children = _children()
            if not children:
                break
            for child in children:
                try:
                    os.kill(child, signal.SIGKILL)
                except OSError:
                    pass
            _reap(block=False)
            time.sleep(0.001)
    _reap(block=box["mode"] != "off")


def _children():
    pids = []
    try:
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/children") as handle:
                pids += [int(p) for p in handle.read().split()]
    except (OSError, ValueError):
        pass
    return pids


def _reap(block):
    while True:
        try:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _workdir(box, count):
    if box["mode"] != "off":
        return root.fresh_workdir(box.get("uid"), box.get("gid"))
    path = os.path.join(box["scratch"], f"run-{count}")
    os.mkdir(path, 0o700)
    return path


def _release(box, workdir):
    if box["mode"] != "off":
        root.release_workdir()
    else:
        shutil.rmtree(workdir, ignore_errors=True)
