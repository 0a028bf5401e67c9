"""Errors that reach a person as one line, never as a traceback."""


class JudgeError(Exception):
    """A problem with the judge's input: a file, a case, an exercise id.

    ``str(err)`` is a complete one-line message that names the file and
    says how to fix it.
    """


class InternalError(Exception):
    """A fault of the judge itself (never caused by a submission)."""
