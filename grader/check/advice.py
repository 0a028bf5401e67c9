"""Advice: for a wrong answer no case catches, the kind of case that would.

One text per mutation operator (grader.check.mutate.OPERATORS), unless
exercise.yaml ``check.suggest`` gives its own for the operator; a known
mistake carries its own in its ``# catch:`` header, else ADVICE["known"].
"""

ADVICE = {
    "transpose": "a case where the axes have different sizes (N > 1, C > 1, H != W)",
    "axis": "a case where the axes have different sizes (N > 1, C > 1, H != W)",
    "reduction": "a case with more than one term in every sum (N > 1)",
    "sign": "a case where the changed value is not zero",
    "scale": "a case where `{value}` is not 1",
    "off_by_one": "a case where the sizes involved differ from each other",
    "accumulate": "a case where several contributions add up in the same element "
                  "(e.g. overlapping windows: stride < window)",
    "matmul": "a case where no two matrix sizes are equal",
    "swap_args": "a case where `{a}` and `{b}` differ",
    "delete": "a case on which this statement changes the result",
    "compare": "cases on both sides of this comparison",
    "known": "a case on which this known mistake fails",
}


def for_mutant(ex, m):
    """The kind of case that would catch mutant ``m`` (a grader.check.mutate.Mutant)."""
    custom = dict(ex.check.suggest)
    if m.operator in custom:
        return custom[m.operator]
    if m.operator == "hyperparameter":
        spec = ex.params.get(m.param)
        low = spec.min if spec else 0
        return (f"a case with {m.param} > {m.value}" if m.value <= low
                else f"a case with {m.param} != {m.value}")
    if m.operator == "swap_args":
        return ADVICE["swap_args"].format(a=m.value[0], b=m.value[1])
    if m.operator == "scale":
        return ADVICE["scale"].format(value=m.value)
    return ADVICE.get(m.operator, ADVICE["delete"])


def for_known(mistake):
    """The kind of case that would catch a hand-written wrong answer."""
    return mistake.catch or ADVICE["known"]
