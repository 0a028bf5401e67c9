"""Loading the instructor's code, the reference and the known mistakes, into the judge's process.

Only the judge imports this module. Loading any of it marks the process as
holding answers (grader.answers.secrecy).
"""

import contextlib
import importlib.util
import sys
import types
from dataclasses import dataclass

import numpy as np

from grader.answers import secrecy
from grader.box import drive
from grader.errors import InternalError

_CLASSES = {}


@contextlib.contextmanager
def _helpers_importable(helpers):
    """Make the exercise's helper modules importable by their plain names."""
    saved = {h: sys.modules.get(h) for h in helpers}
    try:
        for helper, helper_path in helpers.items():
            spec = importlib.util.spec_from_file_location(helper, helper_path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            sys.modules[helper] = module
        yield
    finally:
        for helper, previous in saved.items():
            if previous is None:
                sys.modules.pop(helper, None)
            else:
                sys.modules[helper] = previous


def _load_module(path, name, helpers):
    """Import ``path`` as ``name`` with the exercise's helper modules importable."""
    with _helpers_importable(helpers):
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


_TRUSTED = {}


def trusted_outputs(ex, source, label, case, arrays):
    """Outputs of instructor code (a known mistake) on one case, run here like
    the reference: {output: array or None}, or None when it does not load or run.

    Known mistakes are the instructor's own files, as trusted as the reference
    and just as secret, so they run in the judge and never pass through a
    process that later runs student code. `judge check` runs them in the
    sandbox, with limits, like any submission.
    """
    found = trusted_run(ex, source, label, case, arrays)
    return found if isinstance(found, dict) else None


@dataclass(frozen=True)
class TrustedError:
    """How instructor code failed on a case, in the words a run in the box
    would report it: the phase, the exception's type name and its text."""
    phase: str
    kind: str
    message: str


def trusted_run(ex, source, label, case, arrays):
    """Like ``trusted_outputs``, but a call that raises gives a TrustedError
    (phase, type, message cut as the box cuts them) rather than None."""
    key = (ex.id, label, hash(source))
    if key not in _TRUSTED:
        secrecy.loaded()
        try:
            with _helpers_importable(helper_paths(ex)):
                module = types.ModuleType(f"_mistake_{ex.id}")
                exec(compile(source, label, "exec"), module.__dict__)
            _TRUSTED[key] = getattr(module, ex.class_name, None)
        except Exception:  # noqa: BLE001 - a broken known mistake gives no hint, not a crash
            _TRUSTED[key] = None
    cls = _TRUSTED[key]
    if not isinstance(cls, type):
        return None
    names = dict(case.params)
    names.update({k: v.copy() for k, v in arrays.items()})
    try:
        values = drive.drive(cls, drive.plan(ex), names)
    except drive.StepFailed as failed:
        try:
            message = str(failed.error)
        except Exception:  # noqa: BLE001
            message = ""
        return TrustedError(failed.phase, type(failed.error).__name__[:80], message[:500])
    found = {}
    for name, value in values.items():
        try:
            array = None if value is drive.MISSING or value is None else np.array(value, copy=True)
        except Exception:  # noqa: BLE001
            array = None
        found[name] = array if array is not None and array.dtype.kind in "biuf" else None
    return found


def helper_paths(ex):
    return {name: str(ex.helpers_dir / f"{name}.py") for name in ex.helpers}


def reference_class(ex):
    key = (ex.id, str(ex.reference))
    if key not in _CLASSES:
        secrecy.loaded()
        if not ex.reference.is_file():
            raise InternalError(f"{ex.reference}: the reference for {ex.id} is missing")
        try:
            module = _load_module(ex.reference, f"_reference_{ex.id}", helper_paths(ex))
        except Exception as err:
            raise InternalError(f"{ex.reference}: the reference does not load: "
                                f"{type(err).__name__}: {err}") from None
        cls = getattr(module, ex.class_name, None)
        if not isinstance(cls, type):
            raise InternalError(f"{ex.reference}: defines no class {ex.class_name}")
        _CLASSES[key] = cls
    return _CLASSES[key]
