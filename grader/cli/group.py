"""The `judge` command group: where every error becomes its one line and exit code."""

import signal
import traceback

import click

from grader import __version__, messages, settings
from grader.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_TERMINATED, InternalError, JudgeError


class Terminated(BaseException):
    """SIGTERM: stop like Ctrl-C, with every worker and folder cleaned up on the way out."""


def _terminate(signum, frame):
    raise Terminated


def _speak_click(lang):
    """Click's own words ("Usage:", "Error: ...") from our catalogue: click asks the
    stdlib's gettext for them through a module-level name, which we point at ours."""
    import importlib
    for name in ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui"):
        module = importlib.import_module(f"click.{name}")
        if getattr(module, "_", None) is not None:
            module._ = messages.gettext_for_click
        if getattr(module, "ngettext", None) is not None:
            module.ngettext = messages.ngettext_for_click


def _lang_in(args):
    """The --lang a command line asks for, read before click parses it (so that
    click's own usage errors are in that language too)."""
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def _set_lang(ctx, param, value):
    if value is not None:
        messages.use(value)
    return value


LANG_OPTION = click.Option(["--lang"], type=click.Choice(messages.LANGS), callback=_set_lang,
                           expose_value=False, is_eager=True,
                           help="Language of every message: zh or en [default: JUDGE_LANG, else "
                                "the locale, else en].")


def add_lang_option(command):
    """--lang on ``command`` and every command under it (a command with its own keeps it)."""
    if not any(p.name == "lang" for p in command.params):
        command.params.append(LANG_OPTION)
    for sub in getattr(command, "commands", {}).values():
        add_lang_option(sub)


class JudgeGroup(click.Group):
    """A click group whose commands raise JudgeError / InternalError for people's mistakes
    and the judge's faults; this is the only place those become output and an exit code."""

    def main(self, args=None, **kwargs):
        import sys
        args = sys.argv[1:] if args is None else list(args)
        messages.use(messages.choose(_lang_in(args)))
        _speak_click(messages.current())
        return super().main(args, **kwargs)

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
