"""Options shared by several commands, declared once."""

import click

from grader import settings
from grader.settings import DEFAULTS


def _sandbox(ctx, param, value):
    """The mode from --sandbox or the environment (click reads the variable), checked once."""
    if ctx.get_parameter_source(param.name) is click.core.ParameterSource.ENVIRONMENT:
        return settings.sandbox_mode(value)
    return click.Choice(settings.SANDBOX_MODES).convert(value, param, ctx) if value else DEFAULTS.sandbox


sandbox = click.option(
    "--sandbox", "sandbox_mode", envvar=settings.variable("sandbox"), show_envvar=True, callback=_sandbox,
    metavar="[auto|strict|off]",
    help="Isolation of submissions: auto (the strongest this machine offers, with a "
         "warning when it must do with less), strict (refuse to grade without full "
         "isolation), off (limits only, for trusted code). Default: auto.")

exercise = click.option("--exercise", "-e", "exercise_id", required=True,
                        help="Exercise id (see `judge list`).")

time_limit = click.option(
    "--time-limit", type=click.FloatRange(min=0, min_open=True, max=DEFAULTS.max_time_limit),
    help="Seconds per case, overriding the cases' own limits.")

memory_limit = click.option(
    "--memory-limit", type=click.IntRange(min=DEFAULTS.min_memory_limit, max=DEFAULTS.max_memory_limit),
    help="Megabytes per case, overriding the cases' own limits.")

cases = click.option("--cases", "cases_path", type=click.Path(),
                     help="A case file or folder instead of the exercise's own cases.")

cache = click.option("--cache/--no-cache", default=True, show_default=True,
                     help="Reuse expected results stored on disk (see JUDGE_CACHE_DIR).")


def grading(command):
    """The options of every command that grades: limits, cases, cache, sandbox."""
    for option in (sandbox, cache, cases, memory_limit, time_limit):
        command = option(command)
    return command
