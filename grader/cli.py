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
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class Terminated(BaseException):
    """SIGTERM: stop like Ctrl-C, with every worker and folder cleaned up on the way out."""


def _terminate(signum, frame):
    raise Terminated


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
        except KeyboardInterrupt:
            fail("interrupted; nothing was graded to the end", EXIT_INTERRUPTED)
        except Terminated:
            fail("terminated; nothing was graded to the end", EXIT_TERMINATED)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as err:  # a bug of the judge: say so in one line, keep details on request
            if "JUDGE_DEBUG" in __import__("os").environ:
                traceback.print_exc()
            fail(f"internal error: {type(err).__name__}: {err} (set JUDGE_DEBUG=1 for details)",
                 EXIT_INTERNAL)
    return wrapper


sandbox_option = click.option(
    "--sandbox", "sandbox_mode", type=click.Choice(["auto", "strict", "off"]),
    help="Isolation of submissions: auto (the strongest this machine offers, with a "
         "warning when it must do with less), strict (refuse to grade without full "
         "isolation), off (limits only, for trusted code). Default: JUDGE_SANDBOX or auto.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="judge")
def main():
    """Grade numpy deep-learning exercises (backward passes of layers)."""
    import signal
    signal.signal(signal.SIGTERM, _terminate)


@main.command()
@click.argument("submission", type=click.Path(exists=True, dir_okay=False))
@click.option("--exercise", "-e", "exercise_id", required=True, help="Exercise id (see `judge list`).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "gradescope", "junit"]),
              default="text", show_default=True,
              help="gradescope writes Gradescope's results.json; junit a JUnit XML report.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True, max=600),
              help="Seconds per case, overriding the cases' own limits.")
@click.option("--memory-limit", type=click.IntRange(min=16, max=65536),
              help="Megabytes per case, overriding the cases' own limits.")
@click.option("--cases", "cases_path", type=click.Path(), help="A case file or folder instead of the shipped cases.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to this file.")
@click.option("--cache/--no-cache", default=True, show_default=True,
              help="Reuse expected results stored on disk (see JUDGE_CACHE_DIR).")
@click.option("--view", type=click.Choice(["student", "instructor"]), default="student",
              show_default=True,
              help="student names hidden cases only by number; instructor shows their real names.")
@sandbox_option
@guarded
def grade(submission, exercise_id, fmt, time_limit, memory_limit, cases_path, output, cache,
          view, sandbox_mode):
    """Grade SUBMISSION, a filled-in skeleton file."""
    from . import sandbox
    from .grade import Options, grade as run_grade
    mode = sandbox_mode or sandbox.default_mode()
    result = run_grade(submission, exercise_id,
                       Options(cases_path, time_limit, memory_limit, use_cache=cache, sandbox=mode))
    if fmt == "text":
        text = report.to_text(result, colour=output is None and report.use_colour(), view=view)
    else:
        text = _render(fmt, [(_student_id(submission), result)], single=True, view=view)
    _emit(text, output)
    if str(result.verdict) == "IE":
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_AC if str(result.verdict) == "AC" else EXIT_NOT_AC)


def _student_id(path):
    from pathlib import Path
    from .inert import inert
    return inert(Path(path).stem)                  # as judge batch does: a file name is the student's


def _render(fmt, results, single=False, view="instructor"):
    from . import export
    if fmt == "json":
        return report.to_json(results[0][1], view) if single else export.to_batch_json(results)
    if fmt == "gradescope":
        return export.to_gradescope(results[0][1]) if single else export.to_batch_gradescope(results)
    if fmt == "junit":
        return export.to_junit(results)
    return export.to_csv(results)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--exercise", "-e", "exercise_id", required=True, help="Exercise id (see `judge list`).")
@click.option("--jobs", "-j", type=click.IntRange(min=1, max=256),
              help="Submissions graded at once [default: the machine's cores].")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "junit", "gradescope"]),
              default="csv", show_default=True)
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True, max=600),
              help="Seconds per case, overriding the cases' own limits.")
@click.option("--memory-limit", type=click.IntRange(min=16, max=65536),
              help="Megabytes per case, overriding the cases' own limits.")
@click.option("--cases", "cases_path", type=click.Path(), help="A case file or folder instead of the shipped cases.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write the grades to this file (default: standard output).")
@click.option("--cache/--no-cache", default=True, show_default=True,
              help="Reuse expected results stored on disk (see JUDGE_CACHE_DIR).")
@sandbox_option
@guarded
def batch(paths, exercise_id, jobs, fmt, time_limit, memory_limit, cases_path, output, cache,
          sandbox_mode):
    """Grade every submission in PATHS (files, folders or globs) in parallel.

    The student id is the file name without .py, or the name of the student's
    folder. Prints the grades (CSV by default) and a summary; exit 0 once
    every submission is graded.
    """
    from . import batch as batching, export, sandbox
    from .grade import Options
    entries = batching.collect(paths)
    options = Options(cases_path, time_limit, memory_limit, use_cache=cache,
                      sandbox=sandbox_mode or sandbox.default_mode())
    summary_stream = sys.stdout if output else sys.stderr
    if sys.stderr.isatty():
        with click.progressbar(length=len(entries), label="grading", file=sys.stderr,
                               show_pos=True, show_eta=True) as bar:
            results = batching.grade_all(exercise_id, entries, options, jobs,
                                         on_done=lambda entry, result: bar.update(1))
    else:
        results = batching.grade_all(exercise_id, entries, options, jobs)
    _emit(_render(fmt, results), output)
    click.echo(export.summary_text(export.summary(results)), file=summary_stream)


def _emit(text, output):
    if output:
        try:
            write_atomically(output, text + "\n")
        except OSError as err:
            fail(f"{output}: cannot write the report ({err.strerror}); choose another --output path")
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


@main.command("new-case")
@click.argument("exercise_id")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Write the template to this file (refuses to overwrite one).")
@guarded
def new_case(exercise_id, output):
    """Print a commented case-file template with EXERCISE_ID's parameters."""
    from . import scaffold
    ex = exercise.load(exercise_id)
    text = scaffold.case_template(ex, _cases_or_none(ex))
    if output:
        from pathlib import Path
        if Path(output).exists():
            fail(f"{output}: already exists; choose another file name or delete it first")
        _emit(text.rstrip("\n"), output)
        click.echo(f"wrote {output}: fill it in, then run `judge cases validate {output}`")
    else:
        click.echo(text, nl=False)


def _cases_or_none(ex):
    try:
        return case_files.load(ex)
    except JudgeError:
        return []


@main.command("init")
@click.argument("exercise_id")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@guarded
def init(exercise_id, file, force):
    """Write the skeleton of EXERCISE_ID to FILE (default: EXERCISE_ID.py) to fill in."""
    from . import scaffold
    ex = exercise.load(exercise_id)
    target = scaffold.write_skeleton(ex, file or f"{ex.id}.py", force)
    click.echo(f"wrote {target}: write your code between the Begin and End markers, then run "
               f"`judge grade {target} -e {ex.id}`")


@main.command("show")
@click.argument("exercise_id")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the statement.")
@guarded
def show(exercise_id, lang):
    """Print the statement of EXERCISE_ID and its public cases."""
    from . import scaffold
    ex = exercise.load(exercise_id)
    text = scaffold.statement(ex, lang)
    click.echo(text)
    click.echo("")
    click.echo(scaffold.public_table(ex, case_files.load(ex)))


@main.command("check")
@click.argument("exercise_id", required=False)
@click.option("--all", "check_all", is_flag=True, help="Check every exercise.")
@click.option("--cases", "cases_path", type=click.Path(),
              help="A case file or folder instead of the exercise's own cases.")
@click.option("--jobs", "-j", type=click.IntRange(min=1, max=64), default=1, show_default=True,
              help="Workers grading mutants at once.")
@guarded
def check(exercise_id, check_all, cases_path, jobs):
    """For instructors: is EXERCISE_ID ready, and are its cases strong?

    Exit 0 only when, for each exercise, the case files validate, the
    reference passes every case and agrees with finite differences, the
    unfilled skeleton fails, and every mutant of the reference is caught by
    a case or shown equivalent to it.
    """
    import time
    from . import check as checking
    from .run import Worker
    if check_all == bool(exercise_id):
        fail("give one EXERCISE_ID or --all (see `judge list`)")
    if check_all and cases_path:
        fail("--cases works with one EXERCISE_ID, not with --all")
    ids = exercise.available() if check_all else [exercise_id]
    for one in ids:
        exercise.load(one)                  # every id and declaration is fine before any work
    started = time.monotonic()
    results = []
    with Worker().start() as worker:
        for one in ids:
            result = checking.check(one, worker, cases_path, jobs)
            results.append(result)
            click.echo(checking.render(result))
    ready = sum(r.ok for r in results)
    if len(results) > 1:
        click.echo(f"{len(results)} exercises: {ready} ready, {len(results) - ready} not ready "
                   f"({time.monotonic() - started:.1f} s)")
    sys.exit(EXIT_AC if ready == len(results) else EXIT_NOT_AC)


def _add_service_commands():
    """`judge serve`, `judge users`, `judge submit` (grader/service); they import
    the server's libraries only when they run."""
    try:
        from .service.commands import COMMANDS
    except ImportError:  # pragma: no cover - a partial install: the rest still works
        return
    for command in COMMANDS:
        main.add_command(command)


_add_service_commands()
