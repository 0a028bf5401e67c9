"""The commands around grading: `judge list`, `show`, `init`, `cases validate`,
`new-case` and, for instructors, `check`."""

import sys

import click

from grader.cli import options
from grader.cli.files import emit
from grader import messages
from grader.cli.group import main


def group_lang(value):
    """`show --lang`: the statement's language is every message's language."""
    if value is not None:
        messages.use(value)
    return messages.current()
from grader.declare import cases as case_files
from grader.declare import exercise
from grader.errors import EXIT_AC, EXIT_NOT_AC, JudgeError
from grader.messages import _


@main.command("list")
def list_exercises():
    """List the exercises with their titles and case counts."""
    ids = exercise.available()
    if not ids:
        raise JudgeError("no exercises found under exercises/")
    rows = []
    broken = 0
    for exercise_id in ids:
        try:
            ex = exercise.load(exercise_id)
        except JudgeError as err:        # one broken exercise.yaml hides none of the others
            broken += 1
            rows.append((exercise_id, _("(broken)"), _("cannot be loaded: {error}", error=err)))
            continue
        try:
            found = case_files.load(ex)
            count = _("{count} cases ({public} public)", count=len(found),
                      public=sum(c.public for c in found))
        except JudgeError as err:
            broken += 1
            count = _("cases broken: {error}", error=err)
        rows.append((exercise_id, ex.display_title(messages.current()), count))
    width = max(len(r[0]) for r in rows)
    title_width = max(len(r[1]) for r in rows)
    for exercise_id, title, count in rows:
        click.echo(f"{exercise_id:<{width}}  {title:<{title_width}}  {count}")
    if broken:
        sys.exit(EXIT_NOT_AC)            # listed, and a script still hears that something is wrong


@main.group()
def cases():
    """Work with YAML case files."""


@cases.command("validate")
@click.argument("path", required=False, type=click.Path())
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
def new_case(exercise_id, output):
    """Print a commented case-file template with EXERCISE_ID's parameters."""
    from grader import scaffold
    ex = exercise.load(exercise_id)
    text = scaffold.case_template(ex, _cases_or_none(ex))
    if output:
        from pathlib import Path
        if Path(output).exists():
            raise JudgeError(f"{output}: already exists; choose another file name or delete it first")
        emit(text.rstrip("\n"), output)
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
def init(exercise_id, file, force):
    """Write the skeleton of EXERCISE_ID to FILE (default: EXERCISE_ID.py) to fill in.

    The helper modules it imports (such as utils.py) are written beside it,
    so that it runs with plain python on your machine.
    """
    from grader import scaffold
    ex = exercise.load(exercise_id)
    target, *helpers = scaffold.write_skeleton(ex, file or f"{ex.id}.py", force)
    click.echo(_("wrote {file}: write your code between the Begin and End markers, then run "
                 "`judge grade {file} -e {id}`", file=target, id=ex.id))
    if helpers:
        click.echo(_("wrote {files} beside it: the helpers it imports, so that `python {file}` works "
                     "on your machine", files=", ".join(str(h) for h in helpers), file=target))


@main.command("show")
@click.argument("exercise_id")
@click.option("--lang", type=click.Choice(["en", "zh"]),
              callback=lambda ctx, param, value: group_lang(value),
              help="Language of the statement and every message [default: JUDGE_LANG, else the "
                   "locale, else en].")
def show(exercise_id, lang):
    """Print the statement of EXERCISE_ID and its public cases."""
    from grader import scaffold
    ex = exercise.load(exercise_id)
    text = scaffold.statement(ex, lang)
    click.echo(text)
    click.echo("")
    click.echo(scaffold.public_table(ex, case_files.load(ex)))
    click.echo("")
    click.echo(scaffold.on_your_machine(ex, lang))


@main.command("case")
@click.argument("exercise_id")
@click.argument("name")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Write the case to this file (default: NAME.npz).")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
def case(exercise_id, name, output, force):
    """Write the public case NAME of EXERCISE_ID to an .npz for a notebook.

    It holds the inputs the judge feeds your layer (each under its own name),
    the case's parameters (param_NAME) and the expected outputs
    (expected_NAME); the lines that load it and check your layer are printed.
    Hidden cases are never written out.
    """
    from pathlib import Path
    from grader import scaffold
    ex = exercise.load(exercise_id)
    found = scaffold.public_case(ex, case_files.load(ex), name)
    target = Path(output or f"{found.name}.npz")
    arrays = scaffold.write_case(ex, found, target, force)
    keys = ", ".join(arrays)
    click.echo(f"wrote {target}: {keys}")
    click.echo(f"In Python, beside the file `judge init {ex.id}` wrote:")
    for line in scaffold.case_snippet(ex, found, target, ex.id).splitlines():
        click.echo("    " + line)


@main.command("check")
@click.argument("exercise_id", required=False)
@click.option("--all", "check_all", is_flag=True, help="Check every exercise.")
@options.cases
@click.option("--jobs", "-j", type=click.IntRange(min=1, max=64), default=1, show_default=True,
              help="Workers grading mutants at once.")
def check(exercise_id, check_all, cases_path, jobs):
    """For instructors: is EXERCISE_ID ready, and are its cases strong?

    Exit 0 only when, for each exercise, the case files validate, the
    reference passes every case and agrees with finite differences, the
    unfilled skeleton fails, and every mutant of the reference is caught by
    a case or shown equivalent to it.
    """
    import time
    from grader import check as checking
    from grader.pipeline.run import Worker
    if check_all == bool(exercise_id):
        raise JudgeError("give one EXERCISE_ID or --all (see `judge list`)")
    if check_all and cases_path:
        raise JudgeError("--cases works with one EXERCISE_ID, not with --all")
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
