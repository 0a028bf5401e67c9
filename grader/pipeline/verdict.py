"""Verdicts, per-case results and the whole report, with the rules that combine them."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from grader.messages import _


class Verdict(str, Enum):
    AC = "AC"       # accepted
    WA = "WA"       # wrong answer
    RE = "RE"       # runtime error
    TLE = "TLE"     # time limit exceeded
    MLE = "MLE"     # memory limit exceeded
    OLE = "OLE"     # output limit exceeded
    CE = "CE"       # the file cannot be compiled or spliced
    IE = "IE"       # the judge's own fault

    def __str__(self):
        return self.value


def _meanings():
    return {
        Verdict.AC: _("accepted"),
        Verdict.WA: _("wrong answer"),
        Verdict.RE: _("runtime error"),
        Verdict.TLE: _("time limit exceeded"),
        Verdict.MLE: _("memory limit exceeded"),
        Verdict.OLE: _("output limit exceeded"),
        Verdict.CE: _("compile error"),
        Verdict.IE: _("internal error of the judge"),
    }


class _Meaning(Mapping):
    """A verdict's meaning in words, in the reader's language at the time it is read."""

    def __getitem__(self, verdict):
        return _meanings()[Verdict(verdict)]

    def __iter__(self):
        return iter(Verdict)

    def __len__(self):
        return len(Verdict)


MEANING = _Meaning()


@dataclass
class CaseResult:
    name: str
    verdict: Verdict
    score: int
    max_score: int
    time_ms: float
    visibility: str
    message: str                                 # one line
    details: list = field(default_factory=list)  # more lines, public cases only
    output: str = ""                             # what the student printed (public cases only)
    hint: str = ""                               # the likely mistake (public cases only)
    label: str = ""                              # the name a student sees ("hidden 2")
    # a hidden case's own words, for instructors who ask (--reveal-hidden):
    # {"message", "details", "time_ms", "output"}; never in anything a student gets
    revealed: dict = None

    def shown_name(self, view="student"):
        """The case's name for ``view``: instructors see every real name,
        students see hidden cases only by number."""
        return self.name if view == "instructor" or not self.label else self.label


@dataclass
class Report:
    exercise: str
    submission: str
    cases: list
    verdict: Verdict = None
    notes: list = field(default_factory=list)    # lines about the whole file
    compile_error: str = ""

    def __post_init__(self):
        if self.verdict is None:
            self.verdict = overall(self.cases)

    @property
    def score(self):
        return sum(c.score for c in self.cases)

    @property
    def max_score(self):
        return sum(c.max_score for c in self.cases)

    @property
    def passed(self):
        return sum(1 for c in self.cases if c.verdict is Verdict.AC)

    @property
    def total(self):
        return len(self.cases)


def overall(cases):
    """AC when every case is AC, else the verdict of the first failing case."""
    for case in cases:
        if case.verdict is not Verdict.AC:
            return case.verdict
    return Verdict.AC


def case_labels(case_list):
    """What a student sees as each case's name: public cases their own, hidden
    ones ``hidden 1``, ``hidden 2``, ... (a hidden case's name may spell out its
    parameters)."""
    labels, hidden = [], 0
    for case in case_list:
        if case.public:
            labels.append(case.name)
        else:
            hidden += 1
            labels.append(f"hidden {hidden}")     # a stable name: JSON, CSV and the service key on it
    return labels
