"""The sandbox as the judge sees it: its modes, the default, and what it says.

The box itself (namespaces, the allow-list root, identity, the system call
filter, limits) is built on the untrusted side, in ``grader.box``; SECURITY.md
describes it. ``auto`` uses every layer the machine offers and refuses to
grade when one that keeps files out of reach is missing; ``strict`` refuses
without every layer; ``off`` keeps only the limits and a private folder.
"""

import sys

from grader import settings
from grader.box.worker import describe_missing

def default_mode():
    """The mode from JUDGE_SANDBOX, or auto; JudgeError names a bad value."""
    return settings.current().sandbox


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


def warn_missing(box):
    """Say once, on stderr, which optional layers auto mode had to do without."""
    if not isinstance(box, dict) or box.get("mode") != "auto" or not box.get("missing"):
        return
    try:
        missing = describe_missing(dict(box["missing"]))
    except (TypeError, ValueError, AttributeError):
        return
    warn_once(f"judge: warning: --sandbox auto runs submissions with less isolation "
              f"here: {missing}; use --sandbox strict to refuse")
