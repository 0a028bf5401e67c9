"""The four checks of `judge check`, run in order over one Context.

Each check is a step that reads what the earlier steps put into the
Context and returns one Line. A failed step ends the run, except the
skeleton check: the strength of the cases is still worth knowing when the
unfilled skeleton passes one of them.
"""

import time
from dataclasses import dataclass, field
from typing import Callable, NamedTuple, Optional

from grader.answers import expected
from grader.answers.reference import reference_class
from grader.check import gradients, probes, wrongs
from grader.check.wrongs import Status
from grader.declare import cases as case_files
from grader.declare import exercise, inputs
from grader.errors import InternalError, JudgeError
from grader.pipeline import read, splice
from grader.answers.expected import Prepared
from grader.pipeline.grade import Options, grade_text
from grader.pipeline.run import Worker
from grader.pipeline.verdict import Verdict


@dataclass
class Line:
    """One check: whether it holds, and the sentence printed for it."""
    ok: bool
    text: str


@dataclass
class Result:
    exercise: str
    lines: list = field(default_factory=list)       # of Line, one per check run
    outcomes: list = field(default_factory=list)    # of wrongs.Outcome, from the strength check
    seconds: float = 0.0

    @property
    def ok(self):
        return bool(self.lines) and all(line.ok for line in self.lines)

    def count(self, status):
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def score(self):
        """killed / (mutants - equivalent), stillborn ones left out; None when nothing was tried."""
        counted = self.count(Status.KILLED) + self.count(Status.SURVIVED)
        return self.count(Status.KILLED) / counted if counted else None


@dataclass
class Context:
    """What one run of the checks knows; each step fills in its part."""
    ex: exercise.Exercise
    worker: Worker
    cases_path: Optional[str]
    jobs: int
    result: Result
    cases: list = field(default_factory=list)           # 1. the cases, validated
    probe_cases: list = field(default_factory=list)     # 1. the probes, parsed as cases
    reference: str = ""                                 # 2. the reference's text
    prepared: list = field(default_factory=list)        # 2. every case with its expected results
    probes: list = field(default_factory=list)          # 2. probes.Probe, drawn and computed


# ---------------------------------------------------------------- entry points

def check(exercise_id, worker=None, cases_path=None, jobs=1):
    """Run the four checks on one exercise; return a Result. JudgeError for bad input."""
    own = worker is None
    if own:
        worker = Worker().start()
    try:
        return _check(exercise.load(exercise_id), worker, cases_path, jobs)
    finally:
        if own:
            worker.close()


def check_all(worker=None, jobs=1):
    """check() on every exercise, sharing one worker."""
    own = worker is None
    if own:
        worker = Worker().start()
    try:
        return [check(exercise_id, worker, jobs=jobs) for exercise_id in exercise.available()]
    finally:
        if own:
            worker.close()


def _check(ex, worker, cases_path, jobs):
    started = time.monotonic()
    result = Result(ex.id)
    try:
        _require_files(ex)
        context = Context(ex, worker, cases_path, jobs, result)
        for step in STEPS:
            line = step.run(context)
            result.lines.append(line)
            if not line.ok and step.stops:
                break                       # later checks would only repeat the problem
    finally:
        result.seconds = time.monotonic() - started
    return result


def _require_files(ex):
    for path, what, fix in ((ex.skeleton, "skeleton", "write it with the Begin/End markers around "
                             "the part students fill in"),
                            (ex.reference, "reference", "copy the skeleton there and fill in the "
                             "part between the markers")):
        if not path.is_file():
            raise JudgeError(f"{case_files.display(path)}: the {what} of {ex.id} is missing; {fix}")


# ---------------------------------------------------------------- the four checks

def check_cases(context):
    """1. every case file and probe validates."""
    ex = context.ex
    try:
        case_list = case_files.load(ex, context.cases_path)
    except case_files.CaseFileError as err:
        return Line(False, f"{len(err.problems)} problem(s) in the case files; first: "
                           f"{err.problems[0]} (run `judge cases validate`)")
    except JudgeError as err:
        return Line(False, f"0 cases: {err}")
    probe_cases, problems = probes.probe_cases(ex)
    if problems:
        return Line(False, f"{len(problems)} problem(s) in the probes; first: {problems[0]}")
    context.cases, context.probe_cases = case_list, probe_cases
    public = [c for c in case_list if c.public]
    files = len({c.file for c in case_list})
    return Line(True, f"{len(case_list)} cases valid ({files} file{'s' * (files != 1)}, "
                      f"{sum(c.points for c in case_list)} points: {len(public)} public, "
                      f"{len(case_list) - len(public)} hidden); {len(probe_cases)} probes valid")


def check_reference(context):
    """2. the reference passes every case and agrees with finite differences."""
    ex = context.ex
    reference = ex.reference.read_text(encoding="utf-8")
    problem = _reference_problem(ex, reference, ex.skeleton.read_text(encoding="utf-8"))
    if problem:
        return Line(False, problem)
    try:
        cls = reference_class(ex)
        prepared = [Prepared(c, a, expected.compute(ex, c, a, cls))
                    for c in context.cases for a in [inputs.draw(ex, c)]]
        small = [probes.probe(ex, cls, c, f"case {c.name}") for c in context.cases
                 if ex.check.gradients and gradients.entries(ex, c) <= ex.check.small]
        drawn = [probes.probe(ex, cls, c, f"probe {c.name}") for c in context.probe_cases]
    except InternalError as err:            # the instructor's reference, not the judge, is at fault
        return Line(False, str(err))
    context.reference, context.prepared, context.probes = reference, prepared, drawn
    report = grade_text(ex, read.Submission(case_files.display(ex.reference), text=reference),
                        prepared, Options(hints=False), context.worker)
    passed = f"{report.passed}/{report.total} cases passed by the reference"
    failed = [c for c in report.cases if c.verdict is not Verdict.AC]
    if failed:
        return Line(False, f"{passed}; {failed[0].name}: {failed[0].verdict} {failed[0].message}")
    if not ex.check.gradients:
        return Line(True, f"{passed}; no gradients declared, so no finite differences "
                          f"(equivalence: agreement with the reference on {len(drawn)} probes)")
    worst, where = 0.0, ""
    for probe in small + drawn:
        for name, numeric in probe.numeric.items():
            error = gradients.relative_error(probe.expected[name], numeric)
            if error >= worst:
                worst, where = error, f"{name} on {probe.label}"
    ok = worst < gradients.FD_LIMIT
    return Line(ok, f"{passed}; finite differences {'agree' if ok else 'DISAGREE'} on "
                    f"{len(small)} small cases + {len(drawn)} probes (max rel. error "
                    f"{worst:.1e} {'<' if ok else '>='} {gradients.FD_LIMIT:.0e}"
                    f"{'' if ok else ', ' + where})")


def check_skeleton(context):
    """3. the unfilled skeleton fails every case."""
    ex = context.ex
    text = ex.skeleton.read_text(encoding="utf-8")
    report = grade_text(ex, read.Submission(case_files.display(ex.skeleton), text=text),
                        context.prepared, Options(hints=False), context.worker)
    passing = [c.name for c in report.cases if c.verdict is Verdict.AC]
    return Line(not passing, f"{report.total - len(passing)}/{report.total} cases failed by the "
                             f"unfilled skeleton" + (f"; it passes {', '.join(passing)}: those "
                                                     f"cases test nothing" if passing else ""))


def check_strength(context):
    """4. every mutant and known mistake is caught by a case or equivalent to the reference."""
    ex, result = context.ex, context.result
    found = wrongs.wrongs(ex, context.reference)
    order = sorted(context.prepared, key=lambda p: sum(a.size for a in p.arrays.values()))
    result.outcomes = wrongs.grade_all(ex, found, order, context.probes, context.worker,
                                       context.jobs)
    killed, survived = result.count(Status.KILLED), result.count(Status.SURVIVED)
    known = sum(1 for w in found if w.operator == wrongs.KNOWN)
    score = result.score
    shown = "n/a" if score is None else f"{100 * score:.1f}%"
    return Line(survived == 0,
                f"{shown} mutation score: {killed}/{killed + survived} killed "
                f"({len(found) - known} mutants + {known} known mistakes; "
                f"{result.count(Status.EQUIVALENT)} equivalent, {survived} surviving, "
                f"{result.count(Status.STILLBORN)} stillborn)")


def _reference_problem(ex, reference, skeleton):
    """'' when the reference is the skeleton with its regions filled in."""
    shown = case_files.display(ex.reference)
    try:
        spliced = splice.splice(skeleton, reference, who=shown)
    except splice.SpliceError as err:
        return str(err)
    if spliced.outside_changes:
        return (f"{shown}: lines {splice.describe_lines(spliced.outside_changes)} "
                f"differ from the skeleton outside the markers; keep them identical")
    return ""


class Step(NamedTuple):
    run: Callable[[Context], Line]
    stops: bool                     # a failure here ends the run


STEPS = (Step(check_cases, True), Step(check_reference, True),
         Step(check_skeleton, False), Step(check_strength, True))
