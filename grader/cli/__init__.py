"""The command line: `judge grade`, `batch`, `check`, `serve`, ... (exit codes: grader.errors)."""

from grader.cli.group import add_lang_option, main
from grader.cli import authoring, grading, service

for _command in service.COMMANDS:       # they import the server's libraries only when they run
    main.add_command(_command)
add_lang_option(main)                   # --lang on every command

__all__ = ["main", "authoring", "grading"]
