"""Every default, bound and environment variable of the judge, in one place.

``DEFAULTS`` holds the defaults and bounds, which no environment changes;
``current()`` adds what the environment says (the ``JUDGE_*`` variables of
``ENVIRONMENT``) and is read afresh each time, so a test or a caller that
changes the environment is heard. The README's table of settings is this
module, word for word (a test compares them).

The box keeps its own limits (``grader.box.limits``: files, tasks, open files,
its folder), because the untrusted side imports nothing of the judge's; they
are listed here as ``BOX_LIMITS`` so that this page shows them all.
"""

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from grader.box import limits as _box_limits
from grader.errors import JudgeError

SANDBOX_MODES = ("auto", "strict", "off")
VIEWS = ("student", "instructor")


@dataclass(frozen=True)
class Variable:
    name: str
    field: str                  # the Settings field it sets
    meaning: str


ENVIRONMENT = (
    Variable("JUDGE_HOME", "home",
             "folder holding exercises/, reference/ and cases/ (default: the checkout the judge runs from)"),
    Variable("JUDGE_SANDBOX", "sandbox", "isolation of submissions: auto, strict or off (default auto)"),
    Variable("JUDGE_CACHE_DIR", "cache_dir",
             "where expected results are kept (default $XDG_CACHE_HOME/dl-judge or ~/.cache/dl-judge)"),
    Variable("JUDGE_DEBUG", "debug", "set to 1: tracebacks of the judge's own faults instead of one line"),
    Variable("JUDGE_DEBUG_LOG", "debug_log", "a file where workers write their own faults"),
    Variable("NO_COLOR", "colour", "set: no colour in text reports (so does TERM=dumb)"),
    Variable("JUDGE_DATA", "data_dir",
             "the service's data folder (default $XDG_DATA_HOME/dl-judge or ~/.local/share/dl-judge)"),
    Variable("JUDGE_SERVER", "server", "`judge submit`: the service's address"),
    Variable("JUDGE_TOKEN", "token", "`judge submit`: your token"),
    Variable("JUDGE_LANG", "lang",
             "language of every message, zh or en (default: --lang, else this, else the locale "
             "LC_ALL/LC_MESSAGES/LANG, else en)"),
)


def _setting(default, meaning):
    return field(default=default, metadata={"meaning": meaning})


@dataclass(frozen=True)
class Settings:
    # defaults of an exercise and its cases
    time_limit: float = _setting(5.0, "seconds per case, unless the exercise or case says otherwise")
    memory_limit: int = _setting(1024, "megabytes per case, unless the exercise or case says otherwise")
    atol: float = _setting(1e-5, "absolute tolerance: |got - expected| <= atol + rtol * |expected|")
    rtol: float = _setting(1e-5, "relative tolerance")
    # bounds on what an exercise, a case, a command line or a submission may ask
    max_time_limit: float = _setting(120.0, "largest time limit of an exercise, a case or --time-limit")
    min_memory_limit: int = _setting(16, "smallest memory limit (megabytes)")
    max_memory_limit: int = _setting(16384, "largest memory limit (megabytes)")
    max_tolerance: float = _setting(1.0, "largest atol or rtol")
    max_case_elements: int = _setting(20_000_000, "values in all inputs of one case together")
    max_yaml_nodes: int = _setting(100_000, "values in one YAML document, anchors and aliases expanded")
    max_submission_bytes: int = _setting(256 * 1024, "size of a submitted file")
    output_limit: int = _setting(1 << 20, "bytes a case may print before it is OLE")
    output_lines: int = _setting(12, "lines of printed output shown on a public case")
    mle_margin: float = _setting(0.9, "a crash above this share of the memory limit is MLE")
    # the judge's own processes
    worker_boot_seconds: float = _setting(30.0, "longest a worker may take to start and build its box")
    worker_backstop_seconds: float = _setting(15.0, "beyond a case's own limit: the worker is hung")
    worker_close_seconds: float = _setting(2.0, "a worker told to stop has this long to end by itself")
    judge_stop_seconds: float = _setting(3.0, "a batch's judge process told to stop has this long")
    # from the environment (ENVIRONMENT)
    home: str = _setting(None, "")
    sandbox: str = _setting("auto", "")
    cache_dir: str = _setting(None, "")
    debug: bool = _setting(False, "")
    debug_log: str = _setting(None, "")
    colour: bool = _setting(True, "")
    data_dir: str = _setting(None, "")
    server: str = _setting(None, "")
    token: str = _setting(None, "")
    lang: str = _setting(None, "")

    @property
    def project_root(self):
        """The folder holding exercises/, reference/ and cases/."""
        if self.home:
            return Path(self.home).resolve()
        return Path(__file__).resolve().parent.parent

    @property
    def data_root(self):
        if self.data_dir:
            return Path(self.data_dir)
        base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
        return Path(base) / "dl-judge"

    @property
    def cache_root(self):
        if self.cache_dir:
            return Path(self.cache_dir)
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        return Path(base) / "dl-judge"


DEFAULTS = Settings()

BOX_LIMITS = {
    "file_size": _box_limits.FILE_SIZE_LIMIT,
    "workdir_bytes": _box_limits.WORKDIR_LIMIT,
    "workdir_files": _box_limits.WORKDIR_FILES,
    "open_files": _box_limits.OPEN_FILES_LIMIT,
    "tasks": _box_limits.TASK_LIMIT,
    "cpu_slack_seconds": _box_limits.CPU_SLACK_SECONDS,
}


def variable(field_name):
    """The environment variable that sets a field (for click's ``envvar=``)."""
    return next(v.name for v in ENVIRONMENT if v.field == field_name)


def sandbox_mode(value, where="JUDGE_SANDBOX"):
    """A sandbox mode given by a person; JudgeError names a bad one."""
    mode = (value or "").strip().lower()
    if not mode:
        return DEFAULTS.sandbox
    if mode not in SANDBOX_MODES:
        raise JudgeError(f"{where}={value!r}: must be auto, strict or off; fix or unset it")
    return mode


def current(environ=None):
    """The settings as the environment makes them now; JudgeError for a bad value."""
    env = os.environ if environ is None else environ
    return replace(
        DEFAULTS,
        home=env.get("JUDGE_HOME") or None,
        sandbox=sandbox_mode(env.get("JUDGE_SANDBOX")),
        cache_dir=env.get("JUDGE_CACHE_DIR") or None,
        debug=bool(env.get("JUDGE_DEBUG")),
        debug_log=env.get("JUDGE_DEBUG_LOG") or None,
        colour=not (env.get("NO_COLOR") or env.get("TERM") == "dumb"),
        data_dir=env.get("JUDGE_DATA") or None,
        server=env.get("JUDGE_SERVER") or None,
        token=env.get("JUDGE_TOKEN") or None,
        lang=env.get("JUDGE_LANG") or None,
    )


def debug():
    """Whether the judge's own faults show their traceback (JUDGE_DEBUG)."""
    return bool(os.environ.get("JUDGE_DEBUG"))


def table():
    """The README's table: every setting, its default and what it means or which variable sets it."""
    by_field = {v.field: v for v in ENVIRONMENT}
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for f in fields(Settings):
        variable = by_field.get(f.name)
        meaning = f"`{variable.name}`: {variable.meaning}" if variable else f.metadata["meaning"]
        rows.append(f"| `{f.name}` | `{getattr(DEFAULTS, f.name)!r}` | {meaning} |")
    for name, value in BOX_LIMITS.items():
        rows.append(f"| `box.{name}` | `{value!r}` | set by the box itself (grader/box/limits.py) |")
    return "\n".join(rows)
