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
import signal
import socket
import sys
import time
import traceback

from . import kernel, root, seccomp, wire, zygote
from .session import SETUP_SECONDS, BoxFault, Session, envelope

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
            for facts, result, output in self.run_cases(request, frames):
                broken = broken or facts["state"] == "box_fault"
                wire.write_all(response_fd, wire.json_frame(facts) + wire.frame(result)
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
                    yield envelope("box_fault", 0.0, reason=str(fault)[:300]), b"", b""
                return
