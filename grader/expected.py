"""Expected results: the hidden reference, driven in the judge's own process.

Only the judge imports this module. Loading a reference marks the judge as
holding secrets, so no worker is forked from it afterwards.
"""

import importlib.util
import sys

import numpy as np

from . import drive, run
from .errors import InternalError

_CLASSES = {}


def _load_module(path, name, helpers):
    """Import ``path`` as ``name`` with the exercise's helper modules importable."""
    saved = {h: sys.modules.get(h) for h in helpers}
    try:
        for helper, helper_path in helpers.items():
            spec = importlib.util.spec_from_file_location(helper, helper_path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            sys.modules[helper] = module
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        for helper, previous in saved.items():
            if previous is None:
                sys.modules.pop(helper, None)
            else:
                sys.modules[helper] = previous


def helper_paths(ex):
    return {name: str(ex.helpers_dir / f"{name}.py") for name in ex.helpers}


def reference_class(ex):
    key = (ex.id, str(ex.reference))
    if key not in _CLASSES:
        run.secrets_loaded()
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


def compute(ex, case, arrays, cls=None):
    """The reference's outputs for one case, as plain float64/int arrays."""
    cls = cls or reference_class(ex)
    names = dict(case.params)
    names.update({k: v.copy() for k, v in arrays.items()})
    try:
        values = drive.drive(cls, drive.plan(ex), names)
    except drive.StepFailed as failed:
        raise InternalError(f"the reference of {ex.id} failed on case {case.name!r} in "
                            f"{failed.phase}: {type(failed.error).__name__}: {failed.error}") from None
    results = {}
    for name, value in values.items():
        if value is drive.MISSING or value is None:
            raise InternalError(f"the reference of {ex.id} gives no {name!r} on case {case.name!r}")
        array = np.array(value, copy=True)
        if array.dtype.kind not in "biuf" or not np.all(np.isfinite(array)):
            raise InternalError(f"the reference of {ex.id} gives a non-finite or non-numeric "
                                f"{name!r} on case {case.name!r}")
        results[name] = array
    return results
