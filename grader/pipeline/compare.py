"""Compare one received array with the expected one and explain any difference.

Checks, in order: present, a numpy array, a real number type, the exact shape
(no broadcasting), finite values, then ``|got - expected| <= atol + rtol*|expected|``
element by element. The first check that fails is the one reported, with the
numbers a student needs: where, expected, got, by how much.
"""

import itertools
from dataclasses import dataclass

import numpy as np

from grader.messages import _


@dataclass
class Mismatch:
    name: str
    kind: str          # missing | none | type | dtype | shape | nonfinite | value
    message: str       # one line, safe to show for a public case
    bad: int = 0       # elements outside the tolerance
    total: int = 0


def within(got, want, atol, rtol):
    """The one tolerance rule: the same shape, every value finite and
    ``|got - want| <= atol + rtol*|want|``."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        return False
    got, want = got.astype(np.float64), want.astype(np.float64)
    if not np.all(np.isfinite(got)):
        return False
    return bool(np.all(np.abs(got - want) <= allowed(want, atol, rtol)))


def allowed(want, atol, rtol):
    """How far each value may be from ``want``."""
    return atol + rtol * np.abs(want)


def fmt(value):
    return f"{value:.6g}" if np.isfinite(value) else str(value)


def where(index):
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def compare(name, info, got, expected, atol, rtol, source="returned"):
    """None when ``got`` matches ``expected``; else a Mismatch.

    ``info`` is the worker's description of the value ({kind: array|missing|
    none|type|dtype}); ``got`` the parsed array or None. ``source`` says how
    the value reaches the judge: "returned" by a call or an "attribute".
    """
    want = _("a numpy array of shape {shape}", shape=tuple(expected.shape))
    kind = info.get("kind")
    if kind in ("missing", "none") or (kind == "array" and got is None):
        if source == "attribute":
            return Mismatch(name, "missing", _("self.{name} is not set (still None): store {want} in "
                                               "self.{name}", name=name, want=want))
        said = (_("{call} returned", call=source[:-len(" returned")]) if source.endswith(" returned")
                else _("returned"))
        return Mismatch(name, "missing", _("{name} is None: {source} nothing; return {want}",
                                           name=name, source=said, want=want))
    if kind == "type":
        return Mismatch(name, "type", _("{name} is a {type}, expected {want}", name=name,
                                        type=info.get("type", "value"), want=want))
    if kind == "dtype":
        return Mismatch(name, "dtype", _("{name} has dtype {dtype}; expected real numbers ({expected})",
                                         name=name, dtype=info.get("dtype"), expected=expected.dtype))
    if kind != "array":
        return Mismatch(name, "type", _("{name} could not be read back from your program", name=name))
    if got.dtype.kind == "b" and expected.dtype.kind != "b":
        return Mismatch(name, "dtype", _("{name} holds booleans; expected real numbers ({expected})",
                                         name=name, expected=expected.dtype))
    if got.shape != expected.shape:
        return Mismatch(name, "shape", _shape_message(name, got.shape, expected.shape))
    total = expected.size
    got64 = got.astype(np.float64)
    exp64 = expected.astype(np.float64)
    finite = np.isfinite(got64)
    if not finite.all():
        index = np.unravel_index(int(np.argmin(finite)), got.shape) if got.ndim else ()
        count = int(total - finite.sum())
        return Mismatch(name, "nonfinite", _("{name} contains {value} at {where} ({count} of {total} "
                                             "values are not finite)", name=name, value=fmt(got64[index]),
                                             where=where(index), count=count, total=total),
                        count, total)
    error = np.abs(got64 - exp64)
    limit = allowed(exp64, atol, rtol)
    outside = error > limit
    if not outside.any():
        return None
    count = int(outside.sum())
    flat = int(np.argmax(np.where(outside, error - limit, -np.inf)))
    index = np.unravel_index(flat, got.shape) if got.ndim else ()
    e, g = float(exp64[index]), float(got64[index])
    abs_err = abs(g - e)
    rel_text = f"{abs_err / abs(e):.2e}" if e != 0 else _("n/a, expected 0")
    message = _("{name}: {count} of {total} values are off; worst at {where}: expected {expected}, "
                "got {got} (abs error {abs_err}, rel error {rel}; allowed {atol} + {rtol}*|expected|)",
                name=name, count=count, total=total, where=where(index), expected=fmt(e), got=fmt(g),
                abs_err=f"{abs_err:.2e}", rel=rel_text, atol=f"{atol:g}", rtol=f"{rtol:g}")
    return Mismatch(name, "value", message, count, total)


def _shape_message(name, got, want):
    message = _("{name} has shape {got} but must have shape {want}", name=name, got=tuple(got),
                want=tuple(want))
    if [d for d in got if d != 1] == [d for d in want if d != 1]:
        message += _(" (an extra or a missing axis of size 1: keepdims=True, or a reshape?)")
    elif np.prod(got, dtype=np.int64) == np.prod(want, dtype=np.int64):
        if sorted(got) == sorted(want):
            message += _(" (same sizes in another order: a transpose or reshape is off)")
        else:
            message += _(" (same number of values: reshape it to the expected shape)")
    elif len(got) > len(want) and (tuple(got[:len(want)]) == tuple(want)
                                   or tuple(got[len(got) - len(want):]) == tuple(want)):
        extra = len(got) - len(want)
        if extra > 1:
            message += _(" ({extra} axes too many: should the sum run over them too?)", extra=extra)
        else:
            message += _(" (1 axis too many: should the sum run over it too?)")
    elif len(got) != len(want):
        message += _(" ({got} dimensions instead of {want})", got=len(got), want=len(want))
    return message


def pattern(got, expected):
    """A generic observation about a wrong array, or ''. Not exercise-specific."""
    if got is None or got.shape != expected.shape or expected.size == 0:
        return ""
    got = got.astype(np.float64)
    exp = expected.astype(np.float64)
    scale = np.abs(exp).max()
    if scale == 0:
        return ""
    if np.allclose(got, -exp, rtol=1e-6, atol=1e-9 * scale):
        return _("every value has the wrong sign")
    if not got.any():
        return _("every value is zero: is the result computed and returned?")
    dot = float(np.vdot(exp, exp))
    ratio = float(np.vdot(got, exp)) / dot if dot else 0.0
    if ratio and abs(ratio - 1) > 1e-6 and np.allclose(got, ratio * exp, rtol=1e-6, atol=1e-9 * scale):
        return _("every value is {ratio} times the expected one (a sum/mean mix-up or an extra factor?)",
                 ratio=f"{ratio:.4g}")
    close = lambda a, b: np.allclose(a, b, rtol=1e-6, atol=1e-9 * scale)  # noqa: E731
    for axes in itertools.permutations(range(exp.ndim)):
        if axes != tuple(range(exp.ndim)) and exp.transpose(axes).shape == got.shape \
                and close(got, exp.transpose(axes)):
            how = _("transposed") if exp.ndim == 2 else _("with its axes in the order {axes}", axes=axes)
            return _("the right values, {how}: check the axes of a transpose or the order of a product",
                     how=how)
    if exp.ndim >= 1 and exp.shape[0] > 1 and close(got[0], exp[0]) and not close(got[1:], exp[1:]):
        return _("only the first entry along axis 0 (the first sample) is right: "
                 "is every sample of the batch handled, not only the first?")
    if close(np.sort(got, axis=None), np.sort(exp, axis=None)) and np.unique(exp).size > 2:
        return _("every expected value is there but some are in the wrong place: an axis order "
                 "in a transpose or reshape, or values sent to the wrong position")
    return ""
