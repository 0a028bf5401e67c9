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
