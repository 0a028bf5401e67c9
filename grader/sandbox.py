"""Isolation for the processes that run student code.

A worker builds a *box* once and runs every submission inside it (see ``worker``):

* the box's setup process unshares mount, PID, network, IPC and UTS
  namespaces (through a user namespace when not root), hides the project tree
  and the case files behind empty mounts, and makes every other mount
  read-only; its first child is PID 1 of the new PID namespace and mounts a
  private ``/proc``;
* for each request (a group of one submission's cases) PID 1 mounts a fresh
  size-capped tmpfs as the working folder and forks the run; the run drops
  to an unprivileged identity, sets resource limits, ``no_new_privs`` and a
  system call filter, then runs the student's code on the cases one after
  the other; when it ends, PID 1 kills whatever else is left in the box.

``mode`` is ``auto`` (every layer the machine offers; one warning line for
each one it lacks), ``strict`` (refuse to run without every layer) or ``off``
(resource limits and a private folder only). Nothing here imports the
reference or the judge's comparison code.
"""

import ctypes
import errno
import math
import os
import platform
import resource
import signal
import struct
import sys

MODES = ("auto", "strict", "off")
DEFAULT_MODE = "auto"
MODE_VARIABLE = "JUDGE_SANDBOX"

FILE_SIZE_LIMIT = 16 * 1024 * 1024      # largest file a run may write
WORKDIR_LIMIT = 64 * 1024 * 1024        # all files of a run together (the private tmpfs)
WORKDIR_FILES = 1024
OPEN_FILES_LIMIT = 64
TASK_LIMIT = 64                         # processes and threads of one run's user
UID_BASE = 0x70000000                   # root: runs take uid/gid UID_BASE + pid of their box

LAYERS = {
    "namespaces": "mount, PID, network, IPC and UTS namespaces",
    "identity": "an unprivileged user with no capabilities",
    "filesystem": "project tree and case files hidden, everything else read-only",
    "proc": "a private /proc",
    "seccomp": "a system call filter (no new processes, no ptrace, no sockets, no signals to others)",
}

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_NEWCGROUP = 0x02000000
CLONE_THREAD = 0x00010000
NAMESPACES = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
AT_FDCWD = -100
AT_RECURSIVE = 0x8000
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_NOSUID = 0x2
SYS_MOUNT_SETATTR = 442
SYS_CAPSET = 126
LINUX_CAPABILITY_VERSION_3 = 0x20080522


class Unavailable(Exception):
    """``strict`` mode and a layer this machine cannot give."""


def default_mode():
    """The mode from JUDGE_SANDBOX, or auto; JudgeError names a bad value."""
    value = os.environ.get(MODE_VARIABLE, "").strip().lower()
    if not value:
        return DEFAULT_MODE
    if value not in MODES:
        from .errors import JudgeError
        raise JudgeError(f"{MODE_VARIABLE}={os.environ[MODE_VARIABLE]!r}: must be auto, strict or off; "
                         f"fix or unset it")
    return value


_warned = set()


def warn_once(message):
    """One line on stderr, at most once per process for the same message."""
    if message in _warned:
        return
    _warned.add(message)
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


# ------------------------------------------------------------------ libc

_libc = None


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)     # the C library the interpreter runs on
    return _libc


def _check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _prctl(option, value, arg3=0):
    try:
        return libc().prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(arg3), 0, 0) == 0
    except (OSError, AttributeError):
        return False


def protect_self():
    """Make this process non-dumpable: other processes of the same user can
    then neither ptrace it nor read its memory through /proc."""
    _prctl(PR_SET_DUMPABLE, 0)


def die_with_parent():
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _mount(source, target, fstype, flags, data=None):
    enc = lambda s: None if s is None else os.fsencode(s)  # noqa: E731
    _check(libc().mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def umount(target):
    libc().umount2(os.fsencode(target), MNT_DETACH)


def _unshare(flags):
    _check(libc().unshare(flags), "unshare")


def _make_readonly():
    """Every mount of this mount namespace read-only and nosuid, in one call."""
    attr = struct.pack("QQQQ", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0, 0, 0)
    buf = ctypes.create_string_buffer(attr, len(attr))
    res = libc().syscall(ctypes.c_long(SYS_MOUNT_SETATTR), ctypes.c_int(AT_FDCWD), b"/",
                         ctypes.c_uint(AT_RECURSIVE), buf, ctypes.c_size_t(len(attr)))
    _check(res, "mount_setattr")


def _drop_capabilities():
    header = (ctypes.c_uint32 * 2)(LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(libc().syscall(ctypes.c_long(SYS_CAPSET), header, data), "capset")


def _write(path, text):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


# ------------------------------------------------------------------ limits

def _virtual_size():
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def resident_kb():
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return 0


def _set(limit, soft, hard=None):
    hard = soft if hard is None else hard
    try:
        current_soft, current_hard = resource.getrlimit(limit)
        if current_hard != resource.RLIM_INFINITY:
            hard = min(hard, current_hard)
            soft = min(soft, hard)
        resource.setrlimit(limit, (soft, hard))
    except (ValueError, OSError):
        pass


def apply_limits(time_limit, memory_mb, virtual_size=None):
    """Resource limits for a run: CPU, memory, files, core dumps, tasks.

    The address space may grow by ``memory_mb`` beyond what the process maps
    when it starts (the interpreter, numpy and the inputs), so a hog gets a
    MemoryError long before the machine would swap.
    """
    cpu = max(1, math.ceil(time_limit)) + 1
    _set(resource.RLIMIT_CPU, cpu, cpu + 1)
    memory = (virtual_size or _virtual_size()) + memory_mb * 1024 * 1024
    _set(resource.RLIMIT_AS, memory)
    _set(resource.RLIMIT_DATA, memory)
    _set(resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT)
    _set(resource.RLIMIT_CORE, 0)
    _set(resource.RLIMIT_NOFILE, OPEN_FILES_LIMIT)
    _set(resource.RLIMIT_NPROC, TASK_LIMIT)
    _set(resource.RLIMIT_MEMLOCK, 0)
    _set(resource.RLIMIT_MSGQUEUE, 0)


def cpu_soft_limit(seconds):
    """Move the CPU limit's soft end (SIGXCPU) to ``seconds`` of CPU in all,
    below the hard end set by apply_limits: one case's budget at a time."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        target = math.ceil(seconds)
        if hard != resource.RLIM_INFINITY:
            target = min(target, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (target, hard))
    except (ValueError, OSError):
        pass


# ------------------------------------------------------------------ seccomp (x86-64)

AUDIT_ARCH_X86_64 = 0xC000003E
_RET_ALLOW = 0x7FFF0000
_RET_KILL = 0x80000000


def _errno(code):
    return 0x00050000 | code


# Denied outright with EPERM: debugging other processes, mounting, namespaces,
# kernel modules and keyrings, BPF, io_uring, System V / POSIX IPC (memory
# outside the address-space limit), memfd, sockets, starting processes.
_DENY_X86_64 = {
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "pidfd_getfd": 438,
    "pidfd_send_signal": 424, "tkill": 200,
    "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "mount_setattr": 442,
    "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
    "fspick": 433, "unshare": 272, "setns": 308, "open_by_handle_at": 304,
    "name_to_handle_at": 303, "swapon": 167, "swapoff": 168, "reboot": 169,
    "sethostname": 170, "setdomainname": 171, "iopl": 172, "ioperm": 173, "quotactl": 179,
    "acct": 163, "syslog": 103, "fanotify_init": 300, "vhangup": 153, "lookup_dcookie": 212,
    "uselib": 134, "modify_ldt": 154, "personality": 135,
    "init_module": 175, "finit_module": 313, "delete_module": 176, "kexec_load": 246,
    "kexec_file_load": 320, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
    "keyctl": 250, "add_key": 248, "request_key": 249,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "shmget": 29, "shmat": 30, "shmctl": 31, "semget": 64, "semop": 65, "semctl": 66,
    "semtimedop": 220, "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71,
    "mq_open": 240, "mq_unlink": 241, "memfd_create": 319,
    "socket": 41, "fork": 57, "vfork": 58,
}
_CLONE, _CLONE3 = 56, 435
_SELF_SIGNAL = {"kill": 62, "rt_sigqueueinfo": 129}          # arg0 is a pid
_GROUP_SIGNAL = {"tgkill": 234, "rt_tgsigqueueinfo": 297}    # arg0 is a thread group


def seccomp_supported():
    return sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")


def _assemble(items):
    """Resolve label names in jumps to the relative offsets BPF wants."""
    positions, pos = {}, 0
    for item in items:
        if item[0] == "label":
            positions[item[1]] = pos
        else:
            pos += 1
    program, pos = [], 0
    for item in items:
        if item[0] == "label":
            continue
        code, jt, jf, k = item
        jt, jf = (t if isinstance(t, int) else positions[t] - pos - 1 for t in (jt, jf))
        program.append((code, jt, jf, k))
        pos += 1
    return program


def seccomp_program(own_pid):
    """A classic BPF program (a list of (code, jt, jf, k)) for x86-64.

    Threads may be created (clone with CLONE_THREAD and no namespace flag),
    processes may not; signals may be sent only to the run's own process.
    """
    LD, JEQ, JSET, JGE, RET = 0x20, 0x15, 0x45, 0x35, 0x06
    deny = _errno(errno.EPERM)
    items = [
        (LD, 0, 0, 4),                              # arch
        (JEQ, 1, 0, AUDIT_ARCH_X86_64),
        (RET, 0, 0, _RET_KILL),
        (LD, 0, 0, 0),                              # system call number
        (JGE, 0, 1, 0x40000000),                    # the x32 ABI
        (RET, 0, 0, _RET_KILL),
    ]
    for number in sorted(set(_DENY_X86_64.values())):
        items += [(JEQ, 0, 1, number), (RET, 0, 0, deny)]
    items += [(JEQ, 0, 1, _CLONE3), (RET, 0, 0, _errno(errno.ENOSYS))]   # libc falls back to clone
    items += [
        (JEQ, 0, "after_clone", _CLONE),
        (LD, 0, 0, 16),                             # args[0], low word: the flags
        (JSET, "clone_deny", 0, NAMESPACES | CLONE_NEWUSER | CLONE_NEWCGROUP),
        (JSET, "clone_allow", "clone_deny", CLONE_THREAD),
        ("label", "clone_allow"), (RET, 0, 0, _RET_ALLOW),
        ("label", "clone_deny"), (RET, 0, 0, deny),
        ("label", "after_clone"),
    ]
    for number in sorted(list(_SELF_SIGNAL.values()) + list(_GROUP_SIGNAL.values())):
        items += [
            (JEQ, 0, f"next_{number}", number),
            (LD, 0, 0, 16),                         # args[0], low word: the pid the kernel uses
            (JEQ, f"own_{number}", 0, own_pid & 0xFFFFFFFF),
            (RET, 0, 0, deny),
            ("label", f"own_{number}"), (RET, 0, 0, _RET_ALLOW),
            ("label", f"next_{number}"),
        ]
    items.append((RET, 0, 0, _RET_ALLOW))
    return _assemble(items)


def install_seccomp(own_pid):
    """Load the filter into this process (no_new_privs must be set)."""
    program = seccomp_program(own_pid)
    raw = b"".join(struct.pack("HBBI", *ins) for ins in program)
    buf = ctypes.create_string_buffer(raw, len(raw))
    fprog = struct.pack("HxxxxxxQ", len(program), ctypes.addressof(buf))
    fbuf = ctypes.create_string_buffer(fprog, len(fprog))
    _check(libc().prctl(PR_SET_SECCOMP, ctypes.c_ulong(SECCOMP_MODE_FILTER),
                        ctypes.c_void_p(ctypes.addressof(fbuf)), 0, 0), "seccomp")


# ------------------------------------------------------------------ the box

def hidden_paths(extra=()):
    """What a run must not see: the project tree, the judge's package, the
    cache of expected results, and ``extra`` (case files given by path)."""
    package = os.path.dirname(os.path.abspath(__file__))
    home = os.environ.get("JUDGE_HOME")
    root = os.path.realpath(home) if home else os.path.dirname(package)
    paths = {root, os.path.realpath(package)}
    checkout = os.path.dirname(os.path.realpath(package))
    if os.path.isdir(os.path.join(checkout, "reference")):     # JUDGE_HOME elsewhere: hide both
        paths.add(checkout)
    try:                                   # expected results stored on disk
        from . import cache
        folder = os.path.realpath(cache.folder())
        os.makedirs(folder, mode=0o700, exist_ok=True)
        paths.add(folder)
    except Exception:  # noqa: BLE001 - a cache that cannot be located holds nothing to hide
        pass
    paths.update(os.path.realpath(p) for p in extra if p)
    return sorted(paths)


def _under(path, folder):
    return path != folder and path.startswith(folder.rstrip("/") + "/")


def _runtime_folders():
    """Folders the interpreter and numpy are loaded from (kept visible)."""
    import site
    folders = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    try:
        folders.update(site.getsitepackages())
    except AttributeError:
        pass
    numpy = sys.modules.get("numpy")
    if numpy is not None and getattr(numpy, "__file__", None):
        folders.add(os.path.dirname(os.path.dirname(numpy.__file__)))
    return sorted(os.path.realpath(f) for f in folders if f and os.path.isdir(f))


def _capabilities():
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("CapEff:"):
                    return int(line.split()[1], 16)
    except (OSError, ValueError):
        pass
    return 0


def _can_change_identity():
    caps = _capabilities()
    return os.geteuid() == 0 and caps & (1 << 6) and caps & (1 << 7)   # CAP_SETGID, CAP_SETUID


def _reason(err):
    return err.strerror if isinstance(err, OSError) and err.strerror else str(err)


class Broken(Exception):
    """Setup went half way (a namespace without its mapping): start over without it."""

    def __init__(self, layer, reason):
        super().__init__(f"{layer}: {reason}")
        self.layer = layer
        self.reason = reason


def build(mode, hide, disabled=(), box_dir=None):
    """Run by the box's setup process before it forks PID 1.

    Returns ``info``: which layers hold, why the others do not, and what the
    box's PID 1 and its runs need to know. Raises Unavailable in strict mode
    when a layer is missing, Broken when the process must be thrown away.
    """
    info = {"mode": mode, "layers": [], "missing": {}, "ns": None, "uid": None, "gid": None,
            "seccomp": False}
    if mode == "off":
        return info
    missing = info["missing"]
    uid, gid = os.getuid(), os.getgid()
    if "namespaces" in disabled:
        missing["namespaces"] = disabled["namespaces"]
    else:
        try:
            _unshare(NAMESPACES)
            info["ns"] = "root"
        except OSError:
            try:
                _unshare(CLONE_NEWUSER | NAMESPACES)
            except OSError as err:
                missing["namespaces"] = f"unshare: {_reason(err)}"
            else:
                try:
                    _write("/proc/self/setgroups", "deny")
                    _write("/proc/self/uid_map", f"{uid} {uid} 1")
                    _write("/proc/self/gid_map", f"{gid} {gid} 1")
                except OSError as err:
                    raise Broken("namespaces", f"user namespace mapping: {_reason(err)}") from None
                info["ns"] = "user"
    if info["ns"]:
        info["layers"].append("namespaces")
    # identity
    if info["ns"] != "user" and _can_change_identity():
        info["uid"] = info["gid"] = UID_BASE + os.getpid()
        info["layers"].append("identity")
    elif info["ns"] == "user":
        info["layers"].append("identity")
    elif os.geteuid() == 0:
        missing["identity"] = "root without CAP_SETUID/CAP_SETGID"
    else:
        missing["identity"] = "runs as the judge's own user (no user namespace)"
    # filesystem
    if info["ns"]:
        try:
            _mount(None, "/", None, MS_REC | MS_PRIVATE)
            _hide(hide, [box_dir] if box_dir else [], closed=info["uid"] is not None)
            _make_readonly()
            info["layers"].append("filesystem")
        except OSError as err:
            missing["filesystem"] = _reason(err)
    else:
        missing["filesystem"] = "needs a mount namespace"
    # seccomp
    if not seccomp_supported():
        missing["seccomp"] = f"no filter for {platform.machine() or 'this machine'}"
    elif not os.path.exists("/proc/self/status") or "Seccomp:" not in open("/proc/self/status").read():
        missing["seccomp"] = "the kernel has no seccomp"
    else:
        info["seccomp"] = True
        info["layers"].append("seccomp")
    if not info["ns"]:
        missing["proc"] = "needs PID and mount namespaces"
    return info


def _hide(paths, also_keep=(), closed=False):
    """Cover each folder with an empty tmpfs, each file with /dev/null; folders
    the interpreter needs that lie inside (a virtualenv) stay visible.

    ``closed``: the run takes another user, so a folder on the way to the
    interpreter that others may not enter (root's home) is covered too, with
    only the interpreter's folders put back.
    """
    keep = _runtime_folders() + [os.path.realpath(k) for k in also_keep]
    paths = set(paths)
    if closed:
        for folder in keep:
            parent = os.path.dirname(folder)
            while parent not in ("/", ""):
                try:
                    if not os.stat(parent).st_mode & 0o001:
                        paths.add(parent)
                except OSError:
                    pass
                parent = os.path.dirname(parent)
    for path in sorted(paths, key=len):
        if not os.path.lexists(path):
            continue
        if not os.path.isdir(path):
            _mount("/dev/null", path, None, MS_BIND)
            continue
        inner = [k for k in keep if _under(k, path)]
        held = [(k, os.open(k, os.O_PATH | os.O_DIRECTORY)) for k in inner]
        try:
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV,
                   "size=1m,nr_inodes=1024,mode=0755")
            for folder, fd in held:
                os.makedirs(folder, exist_ok=True)
                _mount(f"/proc/self/fd/{fd}", folder, None, MS_BIND | MS_REC)
        finally:
            for _, fd in held:
                os.close(fd)


def enter_box(info):
    """Run by the box's PID 1: a private /proc. Returns the info, completed."""
    if info["ns"]:
        try:
            _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
            info["layers"].append("proc")
        except OSError as err:
            try:                               # no /proc at all is private too
                _mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
                       "size=4k,mode=0555")
                info["layers"].append("proc")
            except OSError:
                info["missing"]["proc"] = f"cannot mount /proc: {_reason(err)}"
    if info["mode"] == "strict" and info["missing"]:
        raise Unavailable(describe_missing(info["missing"]))
    return info


def describe_missing(missing):
    return "; ".join(f"{LAYERS.get(k, k)}: {v}" for k, v in sorted(missing.items()))


def fresh_workdir(info, box_dir, index):
    """A new private working folder for one run, owned by the run's user."""
    if info["ns"]:
        umount(box_dir)
        owner = f",uid={info['uid']},gid={info['gid']}" if info["uid"] is not None else ""
        _mount("tmpfs", box_dir, "tmpfs", MS_NOSUID | MS_NODEV,
               f"size={WORKDIR_LIMIT},nr_inodes={WORKDIR_FILES},mode=0700{owner}")
        return box_dir
    path = os.path.join(box_dir, f"run-{index}")
    os.chmod(box_dir, 0o711)
    os.mkdir(path, 0o700)
    if info["uid"] is not None:
        os.chown(path, info["uid"], info["gid"])
    return path


def release_workdir(info, path):
    if info["ns"]:
        umount(path)
    else:
        import shutil
        shutil.rmtree(path, ignore_errors=True)


def clear_box(info, run_pid):
    """After a run: kill everything it left and reap it (run by the box's PID 1)."""
    if info["ns"]:
        try:
            os.kill(-1, signal.SIGKILL)          # PID 1 of its own namespace: only the box
        except OSError:
            pass
    else:                                        # a subreaper: orphans come back to us
        try:
            os.killpg(run_pid, signal.SIGKILL)
        except OSError:
            pass
        for _ in range(100):
            children = _children()
            if not children:
                break
            for pid in children:
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except OSError:
                    pass
    _reap(block=bool(info["ns"]))


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


def own_pid():
    """This process's pid in the outermost PID namespace /proc shows."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("NSpid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return os.getpid()


def become_subreaper():
    _prctl(36, 1)                                # PR_SET_CHILD_SUBREAPER


KEEP_ENV = ("PATH", "LANG", "LC_ALL", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
            "MKL_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def enter_run(info, workdir, time_limit, memory_mb, parent_pid, virtual_size=None):
    """Everything a run does to itself before student code: raises OSError on failure."""
    os.setsid()
    os.chdir(workdir)
    os.umask(0o077)
    for name in list(os.environ):
        if name not in KEEP_ENV:
            del os.environ[name]
    os.environ["HOME"] = workdir
    os.environ["TMPDIR"] = workdir
    if info["uid"] is not None:
        os.setgroups([])
        os.setresgid(info["gid"], info["gid"], info["gid"])
        os.setresuid(info["uid"], info["uid"], info["uid"])
        if os.getuid() != info["uid"] or _capabilities():
            raise OSError(errno.EPERM, "the run kept its privileges")
    elif info["ns"] == "user":
        _drop_capabilities()
    die_with_parent()
    if os.getppid() != parent_pid:
        raise OSError(errno.ESRCH, "the box ended")
    apply_limits(time_limit, memory_mb, virtual_size)
    if info["mode"] != "off":
        if not _prctl(PR_SET_NO_NEW_PRIVS, 1):
            raise OSError(errno.EPERM, "no_new_privs")
        if info["seccomp"]:
            install_seccomp(os.getpid())
