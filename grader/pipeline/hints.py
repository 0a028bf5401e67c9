"""Name the likely mistake behind a wrong answer on a public case.

Hints work on the results as already decoded for the verdict, and never
call back into the grading of the submission. When a submission's output on a public case is wrong, and equals (within the
case's tolerance) what a known mistake outputs on that case, the feedback
names the mistake. The known mistakes (grader.answers.mistakes) are instructor code, as secret as the
reference: they run in the judge, like the reference, never in a worker that
later runs student code; their outputs are kept per case, so each runs once
per process.
A run error on a public case gets the same treatment: a known mistake that
raises the same error on the same inputs is named (``recognise_error``).
Hidden cases never get a hint.
"""

import numpy as np

from grader import settings
from grader.answers import expected, mistakes, reference
from grader.declare import inputs
from grader.pipeline import compare, execute, splice

_OUTPUTS = {}


def recognise(ex, item, got, worker, options=None, source=None):
    """What a wrong answer on a public case most likely comes from, or ''.

    First the known mistakes: the description of one whose output equals
    the submission's wrong output. Then, when exercise.yaml declares
    ``hints: {ties: {input: x, advice: TEXT}}`` and that input holds equal
    values, ``source`` (the spliced submission) is run once more on the same
    case with that input redrawn without ties: right there means the ties
    are what it gets wrong, and the advice is given.

    ``item`` is the expected.Prepared case, ``got`` the outputs the run handed
    back ({output: array or None}, as decoded for the verdict). Never raises:
    a hint is a courtesy, not a verdict.
    """
    try:
        case = item.case
        known = [m for m in mistakes.known(ex) if m.description]
        for name in ex.outputs:
            mine, want = got.get(name), item.expected[name]
            if mine is None or compare.within(mine, want, case.atol, case.rtol):
                continue
            for mistake in known:
                theirs = (_outputs(ex, mistake, item) or {}).get(name)
                if theirs is None or compare.within(theirs, want, case.atol, case.rtol):
                    continue
                if compare.within(mine, theirs, case.atol, case.rtol):
                    return mistake.description
        ties = (ex.extra.get("hints") or {}).get("ties")
        if ties and source is not None and _right_without_ties(ex, item, ties["input"], source,
                                                               worker, options):
            return ties["advice"]
        return ""
    except Exception:  # noqa: BLE001 - no hint rather than no grade
        if settings.debug():
            raise
        return ""


def _right_without_ties(ex, item, name, source, worker, options):
    """Whether ``source`` is right on the case once input ``name`` has no equal values."""
    values = item.arrays[name]
    if np.unique(values).size == values.size:
        return False
    arrays = dict(item.arrays)
    arrays[name] = inputs.distinct(values.shape, item.case.seed, name)
    want = expected.compute(ex, item.case, arrays)
    got = execute.run_source(ex, item.case, source, arrays, want, worker, options)
    case = item.case
    return got is not None and all(
        got[out] is not None and compare.within(got[out], want[out], case.atol, case.rtol) for out in ex.outputs)


def recognise_error(ex, item, raised):
    """The known mistake that raises the same error as the submission on a
    public case, or ''.

    ``raised`` is the decode.Raised of the run: a known mistake run on the
    same inputs that fails in the same phase with the same exception type and
    the same text (which names the shapes involved) is the likely cause.
    Never raises.
    """
    try:
        for mistake in mistakes.known(ex):
            if not mistake.description:
                continue
            theirs = _run(ex, mistake, item)
            if isinstance(theirs, reference.TrustedError) and (
                    theirs.phase, theirs.kind, theirs.message) == (raised.phase, raised.kind,
                                                                   raised.message):
                return mistake.description
        return ""
    except Exception:  # noqa: BLE001 - no hint rather than no grade
        if settings.debug():
            raise
        return ""


def _outputs(ex, mistake, item):
    """The known mistake's outputs on the case, or None when it raised."""
    found = _run(ex, mistake, item)
    return found if isinstance(found, dict) else None


def _run(ex, mistake, item):
    """The known mistake run on the case, computed once per process, in the judge:
    its outputs, a reference.TrustedError, or None when it does not load."""
    key = (ex.id, str(mistake.path), mistake.path.stat().st_mtime_ns, repr(item.case))
    if key not in _OUTPUTS:
        skeleton = ex.skeleton.read_text(encoding="utf-8")
        try:
            source = splice.splice(skeleton, mistake.text, who=str(mistake.path)).source
        except splice.SpliceError:
            _OUTPUTS[key] = None
        else:
            _OUTPUTS[key] = reference.trusted_run(ex, source, str(mistake.path), item.case,
                                                  item.arrays)
    return _OUTPUTS[key]
