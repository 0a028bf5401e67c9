"""Name the likely mistake behind a wrong answer on a public case.

An exercise's known mistakes are hand-written wrong answers kept with the
references, in ``reference/mistakes/<exercise>/*.py``: the skeleton filled in
the wrong way, with comment lines at the top

    # mistake: what went wrong and how to put it right   (shown to students)
    # catch: the kind of case that exposes it            (for `judge check`)

When a submission's output on a public case is wrong, and equals (within the
case's tolerance) what a known mistake outputs on that case, the feedback
names the mistake. The known mistakes are instructor code, as secret as the
reference: they run in the judge, like the reference, never in a worker that
later runs student code; their outputs are kept per case, so each runs once
per process.
Hidden cases never get a hint.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader import settings
from grader.declare import exercise as exercises
from grader.pipeline import compare, splice

HEADER = re.compile(r"^#\s*(mistake|catch)\s*:\s*(.+?)\s*$")

_OUTPUTS = {}


@dataclass(frozen=True)
class Mistake:
    path: Path
    text: str
    description: str = ""       # the `# mistake:` line: what to tell a student
    catch: str = ""             # the `# catch:` line: the kind of case that exposes it

    @property
    def name(self):
        return self.path.stem


def folder(ex):
    return exercises.project_root() / "reference" / "mistakes" / ex.id


def known(ex):
    """The exercise's hand-written wrong answers, in file-name order (none if no folder)."""
    base = folder(ex)
    if not base.is_dir():
        return []
    found = []
    for path in sorted(base.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        fields = {}
        for line in text.split("\n"):
            if not line.startswith("#"):
                break
            match = HEADER.match(line)
            if match:
                fields.setdefault(match.group(1), match.group(2))
        found.append(Mistake(path, text, fields.get("mistake", ""), fields.get("catch", "")))
    return found


def recognise(ex, item, got, worker, options=None, source=None):
    """What a wrong answer on a public case most likely comes from, or ''.

    First the known mistakes: the description of one whose output equals
    the submission's wrong output. Then, when exercise.yaml declares
    ``hints: {ties: {input: x, advice: TEXT}}`` and that input holds equal
    values, ``source`` (the spliced submission) is run once more on the same
    case with that input redrawn without ties: right there means the ties
    are what it gets wrong, and the advice is given.

    ``item`` is the grade.Prepared case, ``got`` the outputs the run handed
    back ({output: array or None}, as decoded for the verdict). Never raises:
    a hint is a courtesy, not a verdict.
    """
    try:
        case = item.case
        mistakes = [m for m in known(ex) if m.description]
        for name in ex.outputs:
            mine, want = got.get(name), item.expected[name]
            if mine is None or compare.within(mine, want, case.atol, case.rtol):
                continue
            for mistake in mistakes:
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
    from grader.answers import expected
    from grader.pipeline import grade
    from grader.declare import inputs
    values = item.arrays[name]
    if np.unique(values).size == values.size:
        return False
    arrays = dict(item.arrays)
    arrays[name] = inputs.distinct(values.shape, item.case.seed, name)
    want = expected.compute(ex, item.case, arrays)
    got = grade.run_source(ex, item.case, source, arrays, want, worker, options)
    case = item.case
    return got is not None and all(
        got[out] is not None and compare.within(got[out], want[out], case.atol, case.rtol) for out in ex.outputs)


def _outputs(ex, mistake, item):
    """The known mistake's outputs on the case, computed once per process, in the judge."""
    from grader.answers import expected
    key = (ex.id, str(mistake.path), mistake.path.stat().st_mtime_ns, repr(item.case))
    if key not in _OUTPUTS:
        skeleton = ex.skeleton.read_text(encoding="utf-8")
        try:
            source = splice.splice(skeleton, mistake.text, who=str(mistake.path)).source
        except splice.SpliceError:
            _OUTPUTS[key] = None
        else:
            _OUTPUTS[key] = expected.trusted_outputs(ex, source, str(mistake.path), item.case,
                                                     item.arrays)
    return _OUTPUTS[key]
