"""Probes: inputs beyond the cases, to tell an equivalent mutant from a survivor.

exercise.yaml ``check.probes`` lists parameter sets (or whole cases); each is
parsed like a case of a case file, seeded from PROBE_SEED + its index, and
drawn with the ``check.distinct`` inputs free of ties. A Probe carries what
the trusted reference and finite differences make of its inputs.
"""

from dataclasses import dataclass

from grader.answers import expected
from grader.check.gradients import numeric_gradients
from grader.declare import cases as case_files
from grader.declare import inputs

SPACING = 0.1                   # between the distinct values drawn for `check.distinct` inputs
PROBE_SEED = 7_000_000          # probes draw their inputs from PROBE_SEED + index


@dataclass
class Probe:
    """Inputs beyond the cases, with what the reference and finite differences make of them."""
    label: str
    case: object
    arrays: dict
    expected: dict
    numeric: dict               # output -> gradient from finite differences (may be empty)


def probe_cases(ex):
    """The probes of exercise.yaml parsed as cases; (cases, problems)."""
    label = f"{case_files.display(ex.folder / 'exercise.yaml')}: check.probes"
    found, problems = [], []
    for index, raw in enumerate(ex.check.probes):
        item = dict(raw) if "params" in raw else {"params": dict(raw)}
        item.setdefault("name", f"{index + 1}")
        item.setdefault("seed", PROBE_SEED + index)
        case, case_problems = case_files.parse_case(item, index, ex, f"{label}[{index}]")
        problems += case_problems
        if case is not None:
            found.append(case)
    return found, problems


def draw(ex, case):
    """The case's inputs, with `check.distinct` inputs redrawn without ties."""
    arrays = inputs.draw(ex, case)
    for name in ex.check.distinct:
        arrays[name] = inputs.distinct(arrays[name].shape, case.seed, name, SPACING)
    return arrays


def probe(ex, cls, case, label):
    """The case drawn, with the reference's outputs and (when declared) finite differences."""
    arrays = draw(ex, case)
    want = expected.compute(ex, case, arrays, cls)
    numeric = numeric_gradients(ex, cls, case, arrays) if ex.check.gradients else {}
    return Probe(label, case, arrays, want, numeric)
