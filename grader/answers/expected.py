"""Expected results: the reference's outputs on a case, and every case prepared once.

``prepare`` draws each case's inputs and finds its expected results, from the
disk cache when it holds them, else by running the reference here, in the
judge (never in a worker).
"""

from dataclasses import dataclass

import numpy as np

from grader.answers import cache, reference, secrecy
from grader.box import drive
from grader.box import wire
from grader.declare import inputs
from grader.errors import InternalError


@dataclass
class Prepared:
    """What the judge knows about a case before running anything."""
    case: object
    arrays: dict
    expected: dict
    encoded: dict = None        # the inputs as npy bytes, made once for every submission

    def inputs_npy(self):
        if self.encoded is None:
            self.encoded = {name: wire.encode_array(a) for name, a in self.arrays.items()}
        return self.encoded


def prepare(ex, case_list, use_cache=True):
    """Inputs and expected results of every case, computed once per case set."""
    cached = cache.load(ex, case_list) if use_cache else None
    drawn = [inputs.draw(ex, case) for case in case_list]
    if cached is None:
        cls = reference.reference_class(ex)
        cached = [compute(ex, case, arrays, cls) for case, arrays in zip(case_list, drawn)]
        if use_cache:
            cache.store(ex, case_list, cached)
    else:
        secrecy.loaded()
    return [Prepared(case, arrays, found) for case, arrays, found in zip(case_list, drawn, cached)]


def compute(ex, case, arrays, cls=None):
    """The reference's outputs for one case, as plain float64/int arrays."""
    cls = cls or reference.reference_class(ex)
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
