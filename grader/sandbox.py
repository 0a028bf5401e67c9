"""Isolation for the process that runs student code.

Called inside the freshly forked child, before any student code runs: a new
session, death with its parent, resource limits, a private working folder,
and a scrubbed environment. Nothing here imports the reference or the judge's
comparison code.
"""

import ctypes
import ctypes.util
import math
import os
import resource
import signal

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4

FILE_SIZE_LIMIT = 16 * 1024 * 1024
OPEN_FILES_LIMIT = 64

_libc = None


def _prctl(option, value):
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        return _libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def protect_self():
    """Make this process non-dumpable: other processes of the same user can
    then neither ptrace it nor read its memory through /proc."""
    _prctl(PR_SET_DUMPABLE, 0)


def die_with_parent():
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _virtual_size():
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
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


def apply_limits(time_limit, memory_mb):
    """Resource limits for the child: CPU, address space, files, core dumps."""
    cpu = max(1, math.ceil(time_limit)) + 1
    _set(resource.RLIMIT_CPU, cpu, cpu + 1)
    _set(resource.RLIMIT_AS, _virtual_size() + memory_mb * 1024 * 1024)
    _set(resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT)
    _set(resource.RLIMIT_CORE, 0)
    _set(resource.RLIMIT_NOFILE, OPEN_FILES_LIMIT)


def enter(workdir, time_limit, memory_mb):
    """Everything the child does to itself before running student code."""
    os.setsid()
    die_with_parent()
    os.chdir(workdir)
    os.umask(0o077)
    for name in list(os.environ):
        if name not in ("PATH", "LANG", "LC_ALL", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                        "MKL_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
            del os.environ[name]
    os.environ["HOME"] = workdir
    os.environ["TMPDIR"] = workdir
    apply_limits(time_limit, memory_mb)
