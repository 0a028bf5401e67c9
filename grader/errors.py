"""Errors that reach a person as one line, never as a traceback, and the exit codes.

Each error carries its exit code; the command line turns it into its one line
and that code in one place (``grader.cli.group``).
"""

EXIT_AC = 0             # graded: accepted (or: everything asked for is fine)
EXIT_NOT_AC = 1         # graded: not accepted (or: problems were found and listed)
EXIT_USAGE = 2          # a problem with the judge's input: a file, a case, an exercise id
EXIT_INTERNAL = 3       # a fault of the judge itself
EXIT_INTERRUPTED = 130  # Ctrl-C
EXIT_TERMINATED = 143   # SIGTERM


class JudgeError(Exception):
    """A problem with the judge's input: a file, a case, an exercise id.

    ``str(err)`` is a complete one-line message that names the file and
    says how to fix it.
    """
    exit_code = EXIT_USAGE

    def line(self):
        return f"judge: {self}"


class InternalError(Exception):
    """A fault of the judge itself (never caused by a submission)."""
    exit_code = EXIT_INTERNAL

    def line(self):
        return f"judge: internal error: {self}"
