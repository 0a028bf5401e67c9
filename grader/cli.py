"""The command line: ``judge grade``, ``judge list``, ``judge cases validate``.

Exit codes: 0 accepted, 1 graded and not accepted, 2 usage error (a bad
file, case or exercise id), 3 internal error of the judge.
"""

import sys
import traceback

import click

from . import __version__
from . import cases as case_files
from . import exercise, report
from .errors import InternalError, JudgeError

EXIT_AC, EXIT_NOT_AC, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def fail(message, code=EXIT_USAGE):
    click.echo(f"judge: {message}", err=True)
    sys.exit(code)


def guarded(func):
    """Turn every error into one line and an exit code; never a traceback."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except JudgeError as err:
            fail(str(err), EXIT_USAGE)
        except InternalError as err:
            fail(f"internal error: {err}", EXIT_INTERNAL)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as err:  # a bug of the judge: say so in one line, keep details on request
            if "JUDGE_DEBUG" in __import__("os").environ:
                traceback.print_exc()
            fail(f"internal error: {type(err).__name__}: {err} (set JUDGE_DEBUG=1 for details)",
                 EXIT_INTERNAL)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="judge")
def main():
    """Grade numpy deep-learning exercises (backward passes of layers)."""


@main.command()
@click.argument("submission", type=click.Path(dir_okay=False))
@click.option("--exercise", "-e", "exercise_id", required=True, help="Exercise id (see `judge list`).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True, max=600),
              help="Seconds per case, overriding the cases' own limits.")
@click.option("--memory-limit", type=click.IntRange(min=16, max=65536),
              help="Megabytes per case, overriding the cases' own limits.")
@click.option("--cases", "cases_path", type=click.Path(), help="A case file or folder instead of the shipped cases.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to this file.")
@guarded
def grade(submission, exercise_id, fmt, time_limit, memory_limit, cases_path, output):
    """Grade SUBMISSION, a filled-in skeleton file."""
    from .grade import Options, grade as run_grade
    result = run_grade(submission, exercise_id, Options(cases_path, time_limit, memory_limit))
    if fmt == "json":
        text = report.to_json(result)
    else:
        text = report.to_text(result, colour=output is None and report.use_colour())
    _emit(text, output)
    sys.exit(EXIT_AC if str(result.verdict) == "AC" else EXIT_NOT_AC)


def _emit(text, output):
    if output:
        try:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
        except OSError as err:
            fail(f"{output}: cannot write the report ({err.strerror}); choose another --output path")
    else:
        click.echo(text)


@main.command("list")
@guarded
def list_exercises():
    """List the exercises with their titles and case counts."""
    ids = exercise.available()
    if not ids:
        fail("no exercises found under exercises/")
    rows = []
    for exercise_id in ids:
        ex = exercise.load(exercise_id)
        try:
            found = case_files.load(ex)
            count = f"{len(found)} cases ({sum(c.public for c in found)} public)"
        except JudgeError as err:
            count = f"cases broken: {err}"
        rows.append((exercise_id, ex.display_title("en"), count))
    width = max(len(r[0]) for r in rows)
    title_width = max(len(r[1]) for r in rows)
    for exercise_id, title, count in rows:
        click.echo(f"{exercise_id:<{width}}  {title:<{title_width}}  {count}")


@main.group()
def cases():
    """Work with YAML case files."""


@cases.command("validate")
@click.argument("path", required=False, type=click.Path())
@guarded
def validate(path):
    """Check case files (default: every exercise's cases) against the schema."""
    count, problems = case_files.validate(path)
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found "
                   f"({count} valid cases)", err=True)
        sys.exit(EXIT_NOT_AC)
    click.echo(f"ok: {count} cases valid")
