"""Resource limits of a run (the table in SECURITY.md gives each and how it is measured)."""

import math
import os
import resource

FILE_SIZE_LIMIT = 16 * 1024 * 1024      # largest file a run may write
WORKDIR_LIMIT = 64 * 1024 * 1024        # all files of a run together (its private tmpfs)
WORKDIR_FILES = 1024
OPEN_FILES_LIMIT = 64
TASK_LIMIT = 64                         # processes and threads of one run's user
CPU_SLACK_SECONDS = 2                   # the hard CPU limit lies this far past the run's budgets


def cpu_budget(time_limit):
    """CPU seconds a case may use: its time limit rounded up, and one more."""
    return max(1, math.ceil(float(time_limit))) + 1


def virtual_size():
    """Bytes this process maps now (the interpreter, numpy, the inputs)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _set(limit, soft, hard=None):
    hard = soft if hard is None else hard
    current_soft, current_hard = resource.getrlimit(limit)
    if current_hard != resource.RLIM_INFINITY:
        hard = min(hard, current_hard)
        soft = min(soft, hard)
    resource.setrlimit(limit, (soft, hard))


def apply(cpu_seconds, memory_mb):
    """Every limit of a run; raises OSError or ValueError when one cannot be set.

    The address space may grow by ``memory_mb`` beyond what the process maps
    now (the interpreter, numpy and the inputs), so a hog gets a MemoryError
    long before the machine would swap.
    """
    _set(resource.RLIMIT_CPU, int(cpu_seconds), int(cpu_seconds) + CPU_SLACK_SECONDS)
    memory = virtual_size() + int(memory_mb) * 1024 * 1024
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
    below the hard end: one case's budget at a time."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        target = math.ceil(seconds)
        if hard != resource.RLIM_INFINITY:
            target = min(target, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (target, hard))
    except (ValueError, OSError):
        pass
