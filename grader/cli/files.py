"""Where a command's output goes: standard output, or a file written atomically."""

import click

from grader.errors import JudgeError


def emit(text, output):
    """``text`` to ``output`` (atomically) or to standard output."""
    if output:
        try:
            write_atomically(output, text + "\n")
        except OSError as err:
            raise JudgeError(f"{output}: cannot write the report ({err.strerror}); "
                             f"choose another --output path") from None
    else:
        click.echo(text)


def check_output(output):
    """Refuse, before any grading starts, an --output path that cannot be written:
    its folder missing, not a folder, or not writable (tried for real, so that
    root on a read-only file system is refused too), or the path a folder."""
    if not output:
        return
    import errno
    import os
    import tempfile
    folder = os.path.dirname(os.path.abspath(output)) or "."
    if os.path.isdir(output):
        raise JudgeError(f"{output}: is a folder; give a file name for --output")
    if not os.path.exists(folder):
        raise JudgeError(f"{output}: the folder {folder} does not exist; create it first "
                         f"(mkdir -p {folder}) or choose another --output path")
    if not os.path.isdir(folder):
        raise JudgeError(f"{output}: {folder} is not a folder; choose another --output path")
    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(output)}.", suffix=".tmp")
    except OSError as err:
        why = "permission denied" if err.errno in (errno.EACCES, errno.EPERM) else err.strerror
        raise JudgeError(f"{output}: cannot write into {folder} ({why}); "
                         f"choose another --output path") from None
    os.close(handle)
    os.unlink(probe)
    if os.path.exists(output) and not os.access(output, os.W_OK) and os.geteuid() != 0:
        raise JudgeError(f"{output}: exists and is read-only; choose another --output path")


def prepare_folder(folder, option):
    """The folder an option writes files into, created (its parent must exist)
    and tried for writing before any grading starts; None when not given."""
    if not folder:
        return None
    import os
    from pathlib import Path
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise JudgeError(f"{folder}: is a file, not a folder; choose another {option}")
    if not path.exists():
        if not path.parent.is_dir():
            raise JudgeError(f"{folder}: the folder {path.parent} does not exist; create it first "
                             f"or choose another {option}")
        try:
            path.mkdir()
        except OSError as err:
            raise JudgeError(f"{folder}: cannot be created ({err.strerror}); choose another {option}") from None
    check_output(os.path.join(folder, "probe"))
    return path


def write_atomically(path, text):
    """Write ``text`` to ``path`` through a temporary file in the same folder:
    readers see the old file or the whole new one, never a part; a failure
    leaves the old one as it was."""
    import os
    import tempfile
    folder = os.path.dirname(os.path.abspath(path))
    handle, temp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(handle, 0o666 & ~umask)
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
