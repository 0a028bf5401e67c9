"""``judge serve``, ``judge users ...`` and ``judge submit``.

Nothing heavy is imported here at module level: ``judge grade`` registers these
commands without loading the server's libraries, which ``serve`` imports
only when it runs.
"""

import functools
import os
import sys

import click

EXIT_USAGE, EXIT_INTERNAL = 2, 3
data_option = click.option(
    "--data", "data", type=click.Path(file_okay=False), envvar="JUDGE_DATA",
    help="The service's data folder [default: JUDGE_DATA, else ~/.local/share/dl-judge].")


def guarded(func):
    """Every problem becomes one line `judge: ...` and an exit code, never a traceback."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .pipeline import InternalError, JudgeError
        try:
            return func(*args, **kwargs)
        except JudgeError as err:
            _fail(str(err), EXIT_USAGE)
        except InternalError as err:
            _fail(f"internal error: {err}", EXIT_INTERNAL)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as err:  # noqa: BLE001 - a bug of the judge: one line
            if os.environ.get("JUDGE_DEBUG"):
                import traceback
                traceback.print_exc()
            _fail(f"internal error: {type(err).__name__}: {err} (set JUDGE_DEBUG=1 for details)",
                  EXIT_INTERNAL)
    return wrapper


def _fail(message, code):
    click.echo(f"judge: {message}", err=True)
    sys.exit(code)


def _store(data):
    from .store import Store, data_dir
    return Store(data_dir(data))


# ---------------------------------------------------------------- users

@click.group()
def users():
    """Accounts of the service: add, import a roster, revoke, list."""


@users.command("add")
@click.argument("name")
@click.option("--instructor", is_flag=True, help="An instructor: sees every submission and detail.")
@data_option
@guarded
def users_add(name, instructor, data):
    """Create the account NAME and print its token (the last line)."""
    from . import accounts
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
@guarded
def users_import(roster, output, data):
    """Create a student account for every row of ROSTER, a CSV file whose
    header row has a `name` column (or `student`, `student_id`, `id`)."""
    from . import accounts
    from .pipeline import JudgeError
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
@guarded
def users_revoke(name, data):
    """Revoke NAME's token and end its sessions (its submissions are kept)."""
    from . import accounts
    accounts.revoke(_store(data), name)
    click.echo(f"revoked {name}: its token no longer works; `judge users add` makes a new account")


@users.command("list")
@data_option
@guarded
def users_list(data):
    """List the accounts."""
    from . import accounts
    from .views import iso
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
@click.option("--sandbox", "sandbox_mode", type=click.Choice(["auto", "strict", "off"]),
              help="Isolation of submissions, as for `judge grade` [default: JUDGE_SANDBOX or auto].")
@guarded
def serve(host, port, data, jobs, sandbox_mode):
    """Serve the judge for a class: web pages, the API and a pool of judges."""
    from .server import run
    run(host, port, data, jobs, sandbox_mode)


# ---------------------------------------------------------------- submit

@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--exercise", "-e", "exercise_id", required=True, help="Exercise id.")
@click.option("--server", envvar="JUDGE_SERVER", required=True,
              help="The service's address, e.g. http://judge.example.edu:8000 [env JUDGE_SERVER].")
@click.option("--token", envvar="JUDGE_TOKEN", help="Your token [default: JUDGE_TOKEN].")
@guarded
def submit(file, exercise_id, server, token):
    """Hand FILE in to a `judge serve` and print its report as `judge grade` does,
    case by case as it is graded. Exit 0 accepted, 1 not accepted."""
    from .client import submit as send
    sys.exit(send(file, exercise_id, server, token))


COMMANDS = (serve, users, submit)
