"""The worker: a fresh interpreter, started by the judge, that runs submissions in its box.

It starts with a minimal environment and reads one boot message (the mode
and the exercise's helper files) before anything else. Still holding nothing
but that, it takes its namespaces (a user namespace when not root, then a PID
namespace for its children) and forks the box's PID 1 (``zygote``), which
builds the box's root. Only then does it read requests. For each group of
one submission's cases it gives a run its own pipes, sends the request into
the run's pipe, keeps each case's clock, caps what the run prints and hands
back, and ends a run that overruns by asking PID 1 to kill everything in the
box. It reports facts it measured itself (see SECURITY.md for every state);
it never decides a verdict.

    judge --pipes--> worker --fork--> PID 1 --fork--> run
"""

import importlib.util
import os
import select
import selectors
import signal
import socket
import sys
import time
import traceback

from . import kernel, root, seccomp, wire, zygote

SETUP_SECONDS = 10.0            # longest a run may take to read its request and lock itself in
EXIT_SECONDS = 2.0              # longest a run may take to end after its last case
KILL_SECONDS = 5.0              # longest PID 1 may take to end a run it was asked to kill
OUTPUT_KEEP = 8 * 1024          # bytes of printed output sent back for feedback
UID_BASE = 0x70000000           # as root, runs take uid/gid UID_BASE + the worker's pid

MODES = ("auto", "strict", "off")
LAYERS = {
    "namespaces": "PID, mount, network, IPC and UTS namespaces",
    "identity": "an unprivileged user with no capabilities",
    "filesystem": "a private root holding only the interpreter, numpy and the helpers",
    "proc": "a private /proc",
    "seccomp": "a system call filter (no new processes, no sockets, nothing aimed at other processes)",
}
REQUIRED = {"auto": ("namespaces", "identity", "filesystem", "proc"), "strict": tuple(LAYERS), "off": ()}
# As an ordinary user the run keeps PID 1's uid: then only the filter keeps
# it from changing PID 1's limits, and so every later run's.
REQUIRED_SHARING_UID = {"auto": REQUIRED["auto"] + ("seccomp",)}
HOW_TO_ENABLE = ("enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 "
                 "and user.max_user_namespaces > 0) or run the judge as root; on a machine that "
                 "cannot isolate at all, --sandbox off grades trusted code only")


class BoxFault(Exception):
    """The box stopped working: a fault of the judge's side, never the submission's."""


def describe_missing(missing):
    return "; ".join(f"{LAYERS.get(k, k)}: {v}" for k, v in sorted(missing.items()))


def refusal(mode, missing, shares_uid=False):
    """Why ``mode`` cannot grade with these layers missing ({layer: reason}), or None.

    ``shares_uid``: the run would have PID 1's uid (a user namespace)."""
    needed = REQUIRED_SHARING_UID.get(mode, REQUIRED[mode]) if shares_uid else REQUIRED[mode]
    required = {k: v for k, v in missing.items() if k in needed}
    if not required:
        return None
    return f"{describe_missing(required)}; {HOW_TO_ENABLE}"


# ---------------------------------------------------------------- start

def main(request_fd, response_fd):
    """The worker process. Never returns."""
    code = 0
    log = None
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        kernel.die_with_parent()
        reader = wire.FrameReader(request_fd)
        boot = wire.decode_json(reader.read(None, wire.MAX_JSON) or b"{}")
        log = _open_log(boot.get("debug_log"))
        _quiet()
        box = Box(boot)
        hello = box.start()
        wire.write_all(response_fd, wire.json_frame(hello))
        if "ready" in hello:
            box.serve(reader, response_fd)
    except BaseException:
        _log_fault(log)
        code = 3
    os._exit(code)


def _open_log(path):
    """Operators may name a file (JUDGE_DEBUG_LOG) where workers write their own faults."""
    if not path:
        return None
    try:
        return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return None


def _log_fault(fd):
    if fd is None:
        return
    try:
        os.write(fd, traceback.format_exc().encode("utf-8", "replace"))
    except BaseException:
        pass


def _quiet():
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    if null > 2:
        os.close(null)


def load_helpers(helpers):
    """Import the exercise's student-visible helper modules once, so every run inherits them."""
    modules = {}
    for name, path in sorted(helpers.items()):
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        modules[name] = module
    return modules


class Box:
    def __init__(self, boot):
        mode = boot.get("mode")
        self.mode = mode if mode in MODES else "strict"
        self.helper_paths = {str(k): str(v) for k, v in (boot.get("helpers") or {}).items()}
        self.scratch = boot.get("scratch")
        self.sock = None
        self.pid1 = None
        self.info = {"mode": self.mode, "layers": [], "missing": {}, "uid": None, "gid": None,
                     "userns": False, "seccomp": False, "scratch": self.scratch}

    def summary(self):
        return {"mode": self.mode, "layers": list(self.info["layers"]),
                "missing": dict(self.info["missing"])}

    def start(self):
        """Take the namespaces, fork PID 1 and wait until it has built the box.

        Returns the message for the judge: {"ready": summary, "box_pid": pid}
        or {"refused": why}."""
        helpers = load_helpers(self.helper_paths)
        allow = None
        if self.mode != "off":
            self._namespaces()
            self._identity()
            if seccomp.supported() and seccomp.kernel_has_seccomp():
                self.info["seccomp"] = True
                self.info["layers"].append("seccomp")
            else:
                self.info["missing"]["seccomp"] = (f"no filter for {os.uname().machine}"
                                                   if not seccomp.supported() else "the kernel has no seccomp")
            if "namespaces" in self.info["layers"]:
                allow = root.allow_list(self.helper_paths.values())
            else:
                self.info["missing"]["filesystem"] = "needs a mount namespace"
                self.info["missing"]["proc"] = "needs PID and mount namespaces"
            refusal = self._refusal()
            if refusal:
                return {"refused": refusal}
        kernel.set_dumpable(False)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            ours.close()
            zygote.main(theirs, dict(self.info), allow, helpers)
        theirs.close()
        self.sock, self.pid1 = ours, pid
        self.pidfd = os.pidfd_open(pid)
        hello = self._receive(time.monotonic() + SETUP_SECONDS)
        if hello is None or "ready" not in hello:
            why = (hello or {}).get("refused") or (hello or {}).get("failed") or "the box did not start"
            self.info["missing"]["filesystem"] = why
            return {"refused": self._refusal() or why}
        self.info["layers"] = list(hello["ready"]["layers"])
        self.info["missing"].update(hello["ready"].get("missing", {}))
        return {"ready": self.summary(), "box_pid": pid, "scratch": self.scratch}

    def _namespaces(self):
        """A PID namespace for the box's processes; through a user namespace when not root."""
        uid, gid = os.getuid(), os.getgid()
        try:
            if not kernel.can_change_identity():
                kernel.unshare(kernel.CLONE_NEWUSER)
                kernel.write_file("/proc/self/setgroups", "deny")     # needs a dumpable process
                kernel.write_file("/proc/self/uid_map", f"{uid} {uid} 1")
                kernel.write_file("/proc/self/gid_map", f"{gid} {gid} 1")
                self.info["userns"] = True
            kernel.unshare(kernel.CLONE_NEWPID)
        except OSError as err:
            self.info["missing"]["namespaces"] = kernel.reason(err)
            return
        self.info["layers"].append("namespaces")

    def _identity(self):
        if self.info["userns"]:
            self.info["layers"].append("identity")
        elif "namespaces" in self.info["layers"] and kernel.can_change_identity():
            self.info["uid"] = self.info["gid"] = UID_BASE + os.getpid()
            self.info["layers"].append("identity")
        elif os.geteuid() == 0:
            self.info["missing"]["identity"] = "root without CAP_SETUID/CAP_SETGID"
        else:
            self.info["missing"]["identity"] = "runs as the judge's own user (no user namespace)"

    def _refusal(self):
        return refusal(self.mode, self.info["missing"], self.info["userns"])

    def _receive(self, deadline):
        """The next message from PID 1, or None when it is gone or past ``deadline``."""
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.sock, self.pidfd], [], [], remaining)
            if self.sock in ready:
                try:
                    message, fds = zygote.receive(self.sock)
                except (OSError, ValueError):
                    return None
                for fd in fds:
                    os.close(fd)
                return message
            if not ready or self.pidfd in ready:
                return None

    # ------------------------------------------------------------ requests

    def serve(self, reader, response_fd):
        """Answer requests until the judge closes its pipe."""
        while True:
            payload = reader.read(None, 1 << 31)
            if payload is None:
                return
            request = wire.decode_json(payload)
            frames = [[reader.read(None, 1 << 31) for _ in case["inputs"]] for case in request["cases"]]
            broken = False
            for envelope, result, output in self.run_cases(request, frames):
                broken = broken or envelope["state"] == "box_fault"
                wire.write_all(response_fd, wire.json_frame(envelope) + wire.frame(result)
                               + wire.frame(output))
            del request, frames
            if broken:                                # the judge starts a new worker
                return

    def run_cases(self, request, frames):
        """Yield (envelope, result bytes, output bytes) for every case, in order.

        All cases go to one run; when a case ends that run (a limit, a crash,
        an exit), the cases after it go to a new run in the same box."""
        pending = list(range(len(request["cases"])))
        while pending:
            try:
                for answer in Session(self, request, pending, frames).answers():
                    yield answer
                    pending.pop(0)
            except BoxFault as fault:
                for _ in pending:
                    yield _envelope("box_fault", 0.0, reason=str(fault)[:300]), b"", b""
                return


def _envelope(state, wall_ms, **more):
    facts = {"state": state, "exit_code": None, "signal": None, "wall_ms": round(wall_ms, 3),
             "cpu_ms": None, "peak_rss_kb": None}
    facts.update(more)
    return facts


class Session:
    """One run of some of a request's cases, seen from the worker."""

    def __init__(self, box, request, indices, frames):
        self.box = box
        self.cases = [request["cases"][i] for i in indices]
        self.payload = wire.json_frame(dict(request, cases=self.cases)) + b"".join(
            wire.frame(f) for i in indices for f in frames[i])
        self.pending = bytearray()               # result bytes not yet split into cases
        self.output = bytearray()
        self.printed = 0
        self.index = 0
        self.ended = None                        # PID 1's facts once the run has ended

    def answers(self):
        fds = self._start()
        try:
            yield from self._supervise(fds)
        finally:
            if self.ended is None:               # left early: the run must not outlive it
                try:
                    self._end_run(kill=True)
                except BoxFault:
                    pass
            for fd in fds.values():
                try:
                    os.close(fd)
                except OSError:
                    pass

    def _start(self):
        req_r, req_w = wire.wide_pipe()
        res_r, res_w = wire.wide_pipe()
        out_r, out_w = os.pipe()
        st_r, st_w = os.pipe()
        try:
            zygote.send(self.box.sock, {"op": "run"}, [req_r, res_w, out_w, st_w])
        except OSError as err:
            for fd in (req_r, req_w, res_r, res_w, out_r, out_w, st_r, st_w):
                os.close(fd)
            raise BoxFault(f"the box's PID 1 is gone ({kernel.reason(err)})") from None
        for fd in (req_r, res_w, out_w, st_w):
            os.close(fd)
        deadline = time.monotonic() + SETUP_SECONDS
        fds = {"res": res_r, "out": out_r}
        try:
            _write_until(req_w, self.payload, deadline)
        except OSError:
            pass                                  # the run ended early: its status says why
        finally:
            os.close(req_w)
        self.payload = None
        status = _read_all(st_r, deadline, 4096)
        os.close(st_r)
        if status != b"ok":
            self._end_run(kill=True)
            for fd in fds.values():
                os.close(fd)
            why = status.decode("utf-8", "replace") if status else "the run did not start"
            raise BoxFault(why)
        for fd in fds.values():
            os.set_blocking(fd, False)
        return fds

    def _end_run(self, kill):
        """Ask PID 1 to kill the run (when ``kill``) and wait for its facts."""
        if self.ended is not None:
            return self.ended
        if kill:
            try:
                zygote.send(self.box.sock, {"op": "kill"})
            except OSError:
                raise BoxFault("the box's PID 1 is gone") from None
        message = self.box._receive(time.monotonic() + KILL_SECONDS)
        if message is None or "ended" not in message:
            raise BoxFault("the box's PID 1 did not end the run")
        self.ended = message["ended"]
        if self.ended.get("state") == "box_fault":
            raise BoxFault(self.ended.get("reason", "the box failed"))
        return self.ended

    def _supervise(self, fds):
        cases = self.cases
        res_r, out_r = fds["res"], fds["out"]
        sock = self.box.sock
        selector = selectors.DefaultSelector()
        for fd in (res_r, out_r, sock.fileno(), self.box.pidfd):
            selector.register(fd, selectors.EVENT_READ)
        started = time.monotonic()               # each case's clock: from the end of the one before
        deadline = started + float(cases[0]["time_limit"])
        state = None
        try:
            while state is None and self.ended is None:
                for payload in self._finished():
                    if isinstance(payload, str):
                        state = payload
                        break
                    now = time.monotonic()
                    self._pump(out_r)             # what it printed before handing back
                    if self._over_output():
                        state = "output_limit"
                        break
                    yield _envelope("exited", (now - started) * 1000, exit_code=0), payload, bytes(self.output)
                    self._next_case()
                    started = now
                    deadline = now + (float(cases[self.index]["time_limit"]) if self.index < len(cases)
                                      else EXIT_SECONDS)
                if state is not None:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    state = "timeout"
                    break
                for key, _ in selector.select(remaining):
                    if key.fd == res_r:
                        self._pump_results(res_r)
                    elif key.fd == out_r:
                        self._pump(out_r)
                        if self._over_output():
                            state = "output_limit"
                    elif key.fd == self.box.pidfd:
                        raise BoxFault("the box's PID 1 ended")
                    else:
                        self._end_run(kill=False)
                if state is None and self.index >= len(cases) and self.ended is not None:
                    return
        finally:
            selector.close()
        now = time.monotonic()
        if state is not None:                     # the worker ends it: a limit was reached
            self._end_run(kill=True)
            if self.index >= len(cases):          # every case is in; it only would not end
                return
            yield _envelope(state, (now - started) * 1000), b"", bytes(self.output)
            return
        # The run ended by itself: what it handed back before, then why it stopped.
        while self._pump_results(res_r):
            pass
        while self._pump(out_r):
            pass
        for payload in self._finished():
            if isinstance(payload, str) or self._over_output():
                state = payload if isinstance(payload, str) else "output_limit"
                yield _envelope(state, (time.monotonic() - started) * 1000), b"", bytes(self.output)
                return
            yield _envelope("exited", (time.monotonic() - started) * 1000, exit_code=0), payload, \
                bytes(self.output)
            self._next_case()
            started = time.monotonic()
        if self.index >= len(cases):
            return
        facts = {key: self.ended.get(key) for key in ("state", "exit_code", "signal", "cpu_ms", "peak_rss_kb")}
        if facts["state"] not in ("exited", "signaled"):
            raise BoxFault("the box reported a run it could not account for")
        yield _envelope(wall_ms=(now - started) * 1000, **facts), b"", bytes(self.output)

    def _next_case(self):
        self.index += 1
        self.output.clear()
        self.printed = 0

    def _over_output(self):
        case = self.cases[min(self.index, len(self.cases) - 1)]
        return self.printed > int(case["output_limit"])

    def _pump(self, fd):
        """Read what the run printed; False when nothing more is there now."""
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return False
        if not chunk:
            return False
        self.printed += len(chunk)
        if len(self.output) < OUTPUT_KEEP:
            self.output.extend(chunk[:OUTPUT_KEEP - len(self.output)])
        return True

    def _pump_results(self, fd):
        try:
            chunk = os.read(fd, wire.PIPE_SIZE)
        except BlockingIOError:
            return False
        if not chunk:
            return False
        self.pending.extend(chunk)
        return True

    def _finished(self):
        """Complete result frames for the cases in order; "result_limit" for an oversized one."""
        while self.index < len(self.cases) and len(self.pending) >= wire.HEADER.size:
            (size,) = wire.HEADER.unpack_from(self.pending, 0)
            if size > int(self.cases[self.index]["result_limit"]):
                yield "result_limit"
                return
            if len(self.pending) < wire.HEADER.size + size:
                return
            payload = bytes(self.pending[wire.HEADER.size:wire.HEADER.size + size])
            del self.pending[:wire.HEADER.size + size]
            yield payload


def _write_until(fd, data, deadline):
    """Write all of ``data`` to a pipe before ``deadline``; OSError when the reader is gone."""
    os.set_blocking(fd, False)
    view = memoryview(data)
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_WRITE)
    try:
        while view:
            try:
                written = os.write(fd, view)
                view = view[written:]
                continue
            except BlockingIOError:
                pass
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise OSError(110, "the run did not read its request")
    finally:
        selector.close()


def _read_all(fd, deadline, cap):
    """Everything a pipe holds until its writer closes it (at most ``cap`` bytes, until ``deadline``)."""
    data = b""
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    try:
        while len(data) < cap:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                break
            chunk = os.read(fd, cap)
            if not chunk:
                break
            data += chunk
    finally:
        selector.close()
    return data[:cap]
