"""Exercises are data: a folder under ``exercises/`` with an ``exercise.yaml``.

The declaration says which class the student writes, which hyper-parameters
a case sets, which arrays are drawn, how the object is built and called, and
which results are compared. Nothing in the engine knows a particular layer.
"""

from pathlib import Path

from grader.declare import build, schema
from grader.declare.spec import (
    DEFAULT_LIMITS, DEFAULT_TOLERANCE, DISTRIBUTIONS, ID_PATTERN, INPUT_KINDS, MUTATION_OPERATORS,
    PARAM_KINDS, CheckSpec, Exercise, InputSpec, Param, Step, project_root)
from grader.errors import JudgeError

__all__ = ["available", "load", "display", "exercises_dir", "project_root", "Exercise", "Param",
           "InputSpec", "CheckSpec", "Step", "DEFAULT_LIMITS", "DEFAULT_TOLERANCE", "DISTRIBUTIONS",
           "ID_PATTERN", "INPUT_KINDS", "MUTATION_OPERATORS", "PARAM_KINDS"]


def exercises_dir():
    return project_root() / "exercises"


def available():
    """Ids of every exercise folder that has an exercise.yaml."""
    base = exercises_dir()
    if not base.is_dir():
        return []
    return sorted(p.parent.name for p in base.glob("*/exercise.yaml"))


_CACHE = {}


def load(exercise_id):
    """Load and check an exercise; raise JudgeError with a one-line message."""
    known = available()
    if exercise_id not in known:
        raise JudgeError(
            f"unknown exercise {exercise_id!r}{schema.suggest(exercise_id, known)}; "
            f"known exercises: {', '.join(known) or 'none'} (see `judge list`)")
    path = exercises_dir() / exercise_id / "exercise.yaml"
    stamp = path.stat().st_mtime_ns
    cached = _CACHE.get(exercise_id)
    if cached and cached[0] == stamp:
        return cached[1]
    data, problem = schema.load_yaml(path)
    if problem:
        raise JudgeError(f"{display(path)}: {problem}")
    problems = []
    exercise = build.build(exercise_id, path.parent, data, problems)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise JudgeError(f"{display(path)}: {problems[0]}{more}")
    _CACHE[exercise_id] = (stamp, exercise)
    return exercise


def display(path):
    """A path as a person wants it: relative to the current folder when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
