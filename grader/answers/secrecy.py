"""Whether this process holds answers: a reference, a known mistake or expected results.

Loading one makes the process non-dumpable, so no other process of the same
user can read its memory; and a judge that holds answers starts no worker.
"""

from grader.box import kernel

_held = False


def loaded():
    """Called when the judge loads a reference or expected results."""
    global _held
    if not _held:
        kernel.set_dumpable(False)
    _held = True


def held():
    """Whether this process has loaded a reference or expected results."""
    return _held
