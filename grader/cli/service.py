"""``judge serve``, ``judge users ...`` and ``judge submit``.

Nothing heavy is imported here at module level: ``judge grade`` registers these
commands without loading the server's libraries, which ``serve`` imports
only when it runs.
"""

import os
import sys

import click

from grader import settings
from grader.cli import options

data_option = click.option(
    "--data", "data", type=click.Path(file_okay=False), envvar=settings.variable("data_dir"),
    help="The service's data folder [default: JUDGE_DATA, else ~/.local/share/dl-judge].")


def _store(data):
    from grader.service.store import Store, data_dir
    return Store(data_dir(data))


# ---------------------------------------------------------------- users

@click.group()
def users():
    """Accounts of the service: add, import a roster, revoke, list."""


@users.command("add")
@click.argument("name")
@click.option("--instructor", is_flag=True, help="An instructor: sees every submission and detail.")
@data_option
def users_add(name, instructor, data):
    """Create the account NAME and print its token (the last line)."""
    from grader.service import accounts
    role = "instructor" if instructor else "student"
    token = accounts.add(_store(data), name, role)
    click.echo(f"added {role} {name}; the token below is shown only once (keep it, or revoke it "
               f"with `judge users revoke {name}`)")
    click.echo(token)


@users.command("import")
@click.argument("roster", type=click.Path(dir_okay=False))
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Write name,token rows to this CSV file (mode 0600) instead of printing them.")
@data_option
def users_import(roster, output, data):
    """Create a student account for every row of ROSTER, a CSV file whose
    header row has a `name` column (or `student`, `student_id`, `id`)."""
    from grader.service import accounts
    from grader.service.pipeline import JudgeError
    names = accounts.read_roster(roster)
    if output and os.path.exists(output):
        raise JudgeError(f"{output}: already exists; choose another file or delete it first")
    store = _store(data)
    if output:
        try:
            fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as err:
            raise JudgeError(f"{output}: cannot write the tokens ({err.strerror}); choose another "
                             f"--output") from None
        try:
            made = accounts.add_many(store, names)
        except BaseException:
            os.close(fd)
            os.unlink(output)
            raise
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            _write_tokens(stream, made)
        click.echo(f"added {len(made)} students; their tokens are in {output}")
    else:
        made = accounts.add_many(store, names)
        _write_tokens(sys.stdout, made)


def _write_tokens(stream, made):
    import csv
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["name", "token"])
    writer.writerows(made)
    stream.flush()


@users.command("revoke")
@click.argument("name")
@data_option
def users_revoke(name, data):
    """Revoke NAME's token and end its sessions (its submissions are kept)."""
    from grader.service import accounts
    accounts.revoke(_store(data), name)
    click.echo(f"revoked {name}: its token no longer works; `judge users add` makes a new account")


@users.command("list")
@data_option
def users_list(data):
    """List the accounts."""
    from grader.service import accounts
    from grader.service.views import iso
    rows = accounts.listing(_store(data))
    if not rows:
        click.echo("no accounts yet; add one with `judge users add NAME`")
    for row in rows:
        state = "revoked" if row["revoked"] else "active"
        click.echo(f"{row['name']}\t{row['role']}\t{state}\t{iso(row['created'])}")


# ---------------------------------------------------------------- serve

@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free one, printed).")
@data_option
@click.option("--jobs", "-j", type=click.IntRange(min=1, max=64),
              help="Judge processes grading at once [default: the machine's cores].")
@options.sandbox
def serve(host, port, data, jobs, sandbox_mode):
    """Serve the judge for a class: web pages, the API and a pool of judges."""
    from grader.service.server import run
    run(host, port, data, jobs, sandbox_mode)


# ---------------------------------------------------------------- submit

@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--exercise", "-e", "exercise_id", required=True, help="Exercise id.")
@click.option("--server", envvar=settings.variable("server"), required=True,
              help="The service's address, e.g. http://judge.example.edu:8000 [env JUDGE_SERVER].")
@click.option("--token", envvar=settings.variable("token"), help="Your token [default: JUDGE_TOKEN].")
def submit(file, exercise_id, server, token):
    """Hand FILE in to a `judge serve` and print its report as `judge grade` does,
    case by case as it is graded. Exit 0 accepted, 1 not accepted."""
    from grader.service.client import submit as send
    sys.exit(send(file, exercise_id, server, token))


COMMANDS = (serve, users, submit)
