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
from grader.messages import _
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
    link = _("{file}: is a symbolic link; hand in the file itself", file=label)
    try:
        if path.is_symlink():              # a link to the reference would be graded as it
            return Submission(label, problem=link)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with open(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if stat.S_ISDIR(mode):
                return Submission(label, problem=_("{file}: is a folder; hand in the .py file itself",
                                                   file=label))
            if not stat.S_ISREG(mode):
                return Submission(label, problem=_("{file}: is not a regular file; hand in the .py "
                                                   "file itself", file=label))
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        return Submission(label, problem=_("{file}: no such file", file=label))
    except PermissionError:
        return Submission(label, problem=_("{file}: cannot be read (permission denied)", file=label))
    except OSError as err:
        if err.errno == errno.ELOOP:       # it became a link after the check above
            return Submission(label, problem=link)
        return Submission(label, problem=_("{file}: cannot be read ({why})", file=label, why=err.strerror))
    if len(raw) > max_bytes:
        return Submission(label, problem=(
            _("{file}: larger than {kb} KB; hand in only the skeleton with your code between the markers",
              file=label, kb=max_bytes // 1024)))
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        return Submission(label, problem=(
            _("{file}: line {line} is not UTF-8 text (byte 0x{byte}); save the file as UTF-8",
              file=label, line=line, byte=f"{raw[err.start]:02x}")))
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        return Submission(label, problem=_("{file}: line {line} contains a NUL byte; remove it and save "
                                           "the file as plain text", file=label, line=line))
    return Submission(label, text=text.replace("\r\n", "\n").replace("\r", "\n"))
