"""The command line: `judge grade`, `batch`, `check`, ... (exit codes: grader.errors)."""

from grader.cli.group import main
from grader.cli import authoring, grading  # noqa: F401 - they add their commands to main

__all__ = ["main"]
