"""Finite differences: the gradients of the declared scalar loss, taken numerically.

exercise.yaml ``check:`` names the loss (an output saved by one of the
steps), an optional weight input and the (output, input) pairs that are
gradients. The class is driven in the judge, on the trusted reference, up to
the step that saves the loss; each entry of an input is moved by ±FD_STEP
and the two losses give the central difference. `relative_error` is how far
a gradient may be from it (FD_LIMIT).
"""

import numpy as np

from grader.box import drive
from grader.errors import InternalError

FD_LIMIT = 1e-6                 # relative error allowed between a gradient and finite differences
FD_STEP = 1e-6                  # central differences: (L(a + h) - L(a - h)) / 2h


def relative_error(got, want):
    """max |got - want| / max(|got|, |want|); 0 when both are 0, inf when shapes differ."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return float("inf")
    if not np.all(np.isfinite(got)):
        return float("inf")
    scale = max(float(np.max(np.abs(got), initial=0.0)), float(np.max(np.abs(want), initial=0.0)))
    if scale == 0.0:
        return 0.0
    return float(np.max(np.abs(got - want))) / scale


def entries(ex, case):
    """How many entries finite differences move on this case (one loss pair each)."""
    shapes = case.shapes(ex)
    return sum(int(np.prod(shapes[name])) for _, name in ex.check.gradients)


def _forward_plan(ex):
    """How to drive the class up to the step that saves the loss."""
    plan = drive.plan(ex)
    steps = []
    for step in plan["steps"]:
        steps.append(step)
        if step[2] == ex.check.loss:
            break
    plan["steps"], plan["outputs"] = steps, [ex.check.loss]
    return plan


def numeric_gradients(ex, cls, case, arrays, step=FD_STEP):
    """{output: central finite differences of the loss} for every declared gradient."""
    plan = _forward_plan(ex)
    work = {name: np.array(value, copy=True) for name, value in arrays.items()}
    names = dict(case.params)
    names.update(work)
    weight = work.get(ex.check.weight) if ex.check.weight else None

    def loss_terms():
        try:
            value = drive.drive(cls, plan, names)[ex.check.loss]
        except drive.StepFailed as failed:
            raise InternalError(f"the reference of {ex.id} failed on case {case.name!r} while "
                                f"taking finite differences: {type(failed.error).__name__}: "
                                f"{failed.error}") from None
        return np.array(value, dtype=np.float64, copy=True)

    numeric = {}
    for output, name in ex.check.gradients:
        values = work[name]
        gradient = np.zeros(values.shape)
        for index in np.ndindex(values.shape):
            old = values[index]
            values[index] = old + step
            plus = loss_terms()
            values[index] = old - step
            minus = loss_terms()
            values[index] = old
            change = plus - minus          # formed first: terms the entry does not touch cancel
            total = np.sum(change * weight) if weight is not None else np.sum(change)
            gradient[index] = total / (2 * step)
        numeric[output] = gradient
    return numeric
