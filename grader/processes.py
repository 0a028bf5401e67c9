"""Ending a child process of the judge: one way, used by every part that starts one."""

import os
import signal
import time

POLL_SECONDS = 0.01


def end(pid, grace=None, first=None):
    """Make sure child ``pid`` is gone and reaped; return its wait status, or
    None when it had been reaped already.

    ``first`` (e.g. SIGTERM) is sent at once, to ask it to clean up. It then has
    ``grace`` seconds to exit before SIGKILL; ``grace=None`` waits as long as it
    takes and never kills, ``grace=0`` kills at once.
    """
    if first is not None:
        _send(pid, first)
    if grace is None:
        return _wait(pid, 0)[1]
    deadline = time.monotonic() + grace
    ended, status = _wait(pid, os.WNOHANG)
    while not ended and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        ended, status = _wait(pid, os.WNOHANG)
    if not ended:
        _send(pid, signal.SIGKILL)
        ended, status = _wait(pid, 0)
    return status


def _wait(pid, flags):
    """(whether ``pid`` has ended, its wait status or None when it is not ours to wait for)."""
    while True:
        try:
            found, status = os.waitpid(pid, flags)
        except ChildProcessError:
            return True, None
        except InterruptedError:
            continue
        return (True, status) if found else (False, None)


def _send(pid, sig):
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
