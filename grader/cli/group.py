"""The `judge` command group: where every error becomes its one line and exit code."""

import signal
import traceback

import click

from grader import __version__, settings
from grader.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_TERMINATED, InternalError, JudgeError


class Terminated(BaseException):
    """SIGTERM: stop like Ctrl-C, with every worker and folder cleaned up on the way out."""


def _terminate(signum, frame):
    raise Terminated


class JudgeGroup(click.Group):
    """A click group whose commands raise JudgeError / InternalError for people's mistakes
    and the judge's faults; this is the only place those become output and an exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (JudgeError, InternalError) as err:
            _say(err.line(), err.exit_code)
        except KeyboardInterrupt:
            _say("judge: interrupted; nothing was graded to the end", EXIT_INTERRUPTED)
        except Terminated:
            _say("judge: terminated; nothing was graded to the end", EXIT_TERMINATED)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except Exception as err:  # a bug of the judge: say so in one line, keep details on request
            if settings.debug():
                traceback.print_exc()
            _say(f"judge: internal error: {type(err).__name__}: {err} (set JUDGE_DEBUG=1 for details)",
                 EXIT_INTERNAL)


def _say(line, code):
    click.echo(line, err=True)
    raise click.exceptions.Exit(code)


@click.group(cls=JudgeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="judge")
def main():
    """Grade numpy deep-learning exercises (backward passes of layers)."""
    signal.signal(signal.SIGTERM, _terminate)
