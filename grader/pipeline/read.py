"""Read a submission file: a size cap, then strict UTF-8.

Problems here are the student's to fix, so they become a compile error (CE)
with a message that says what to do, not an exception.
"""

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from grader.inert import inert
from grader.settings import DEFAULTS

MAX_BYTES = DEFAULTS.max_submission_bytes


@dataclass(frozen=True)
class Submission:
    path: str
    text: str = None
    problem: str = None         # set when the file cannot be graded (CE)


def read(path, max_bytes=MAX_BYTES):
    path = Path(path)
    label = inert(str(path))
    link = f"{label}: is a symbolic link; hand in the file itself"
    try:
        if path.is_symlink():              # a link to the reference would be graded as it
            return Submission(label, problem=link)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with open(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if stat.S_ISDIR(mode):
                return Submission(label, problem=f"{label}: is a folder; hand in the .py file itself")
            if not stat.S_ISREG(mode):
                return Submission(label, problem=f"{label}: is not a regular file; hand in the .py "
                                                 f"file itself")
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        return Submission(label, problem=f"{label}: no such file")
    except PermissionError:
        return Submission(label, problem=f"{label}: cannot be read (permission denied)")
    except OSError as err:
        if err.errno == errno.ELOOP:       # it became a link after the check above
            return Submission(label, problem=link)
        return Submission(label, problem=f"{label}: cannot be read ({err.strerror})")
    if len(raw) > max_bytes:
        return Submission(label, problem=(
            f"{label}: larger than {max_bytes // 1024} KB; hand in only the skeleton "
            f"with your code between the markers"))
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        return Submission(label, problem=(
            f"{label}: line {line} is not UTF-8 text (byte 0x{raw[err.start]:02x}); "
            f"save the file as UTF-8"))
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        return Submission(label, problem=f"{label}: line {line} contains a NUL byte; "
                                         f"remove it and save the file as plain text")
    return Submission(label, text=text.replace("\r\n", "\n").replace("\r", "\n"))
