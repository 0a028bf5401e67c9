"""`judge check`: is an exercise ready to be graded, and are its cases strong?

Four checks, one line each; the exercise is ready only when all four hold.

1. Every case file validates (and so do the probes declared in exercise.yaml).
2. The reference passes every case, run in the worker like a submission, and
   its gradients agree with central finite differences of the declared scalar
   loss (exercise.yaml ``check:``) on the small cases and on the probes.
3. The unfilled skeleton fails every case.
4. Case strength. Mutants of the reference (grader.check.mutate) and the
   hand-written wrong answers (reference/mistakes/<id>/) are graded against
   the cases, in the worker. A mutant that no case catches is run on the
   probes: when its gradients still agree with finite differences there (or,
   for an exercise without gradients, all its outputs agree with the
   reference), it is equivalent to the reference and listed apart. Otherwise
   it survives: the report shows the change and the kind of case that would
   catch it. A hand-written wrong answer is never equivalent. The mutation
   score is killed / (mutants - equivalent); mutants that do not compile
   ("stillborn") are left out of it and counted apart.

Expected results and finite differences are computed in the judge from the
trusted reference; everything else runs in the worker.
"""

import ast
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from grader.declare import cases as case_files
from grader.declare import exercise, inputs
from grader.answers import expected
from grader.pipeline import compare, hints, read, splice
from grader.check import mutate
from grader.box import drive
from grader.errors import InternalError, JudgeError
from grader.pipeline.grade import Options, Prepared, grade_text, run_source
from grader.pipeline.run import Worker
from grader.pipeline.verdict import Verdict

FD_LIMIT = 1e-6                 # relative error allowed between a gradient and finite differences
FD_STEP = 1e-6                  # central differences: (L(a + h) - L(a - h)) / 2h
SPACING = 0.1                   # between the distinct values drawn for `check.distinct` inputs
PROBE_SEED = 7_000_000          # probes draw their inputs from PROBE_SEED + index

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


@dataclass(frozen=True)
class Wrong:
    """One wrong answer tried against the cases: a mutant or a known mistake."""
    what: str                   # one line: the change, or the mistake's file and description
    source: str                 # the whole file
    operator: str               # a key of mutate.OPERATORS, or "known"
    advice: str                 # the kind of case that would catch it


@dataclass
class Outcome:
    wrong: Wrong
    status: str                 # killed | survived | equivalent | stillborn
    by: str = ""                # the case that killed it, or where a survivor is wrong


@dataclass
class Line:
    ok: bool
    text: str


@dataclass
class Result:
    exercise: str
    lines: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self):
        return bool(self.lines) and all(line.ok for line in self.lines)

    def count(self, status):
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def score(self):
        """killed / (mutants - equivalent), stillborn ones left out; None when nothing was tried."""
        counted = self.count("killed") + self.count("survived")
        return self.count("killed") / counted if counted else None


@dataclass
class Probe:
    """Inputs beyond the cases, with what the reference and finite differences make of them."""
    label: str
    case: object
    arrays: dict
    expected: dict
    numeric: dict               # output -> gradient from finite differences (may be empty)


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
        _run(ex, worker, cases_path, jobs, result)
    finally:
        result.seconds = time.monotonic() - started
    return result


def _run(ex, worker, cases_path, jobs, result):
    for path, what, fix in ((ex.skeleton, "skeleton", "write it with the Begin/End markers around "
                             "the part students fill in"),
                            (ex.reference, "reference", "copy the skeleton there and fill in the "
                             "part between the markers")):
        if not path.is_file():
            raise JudgeError(f"{_display(path)}: the {what} of {ex.id} is missing; {fix}")
    steps = (_check_cases, _check_reference, _check_skeleton, _check_strength)
    state = {"cases_path": cases_path, "worker": worker, "jobs": jobs}
    for step in steps:
        line = step(ex, state, result)
        result.lines.append(line)
        if not line.ok and step is not _check_skeleton:
            return                          # later checks would only repeat the problem


def _check_cases(ex, state, result):
    """1. every case file and probe validates."""
    try:
        case_list = case_files.load(ex, state["cases_path"])
    except case_files.CaseFileError as err:
        return Line(False, f"{len(err.problems)} problem(s) in the case files; first: "
                           f"{err.problems[0]} (run `judge cases validate`)")
    except JudgeError as err:
        return Line(False, f"0 cases: {err}")
    probe_cases, problems = _probe_cases(ex)
    if problems:
        return Line(False, f"{len(problems)} problem(s) in the probes; first: {problems[0]}")
    state.update(case_list=case_list, probe_cases=probe_cases)
    public = [c for c in case_list if c.public]
    files = len({c.file for c in case_list})
    return Line(True, f"{len(case_list)} cases valid ({files} file{'s' * (files != 1)}, "
                      f"{sum(c.points for c in case_list)} points: {len(public)} public, "
                      f"{len(case_list) - len(public)} hidden); {len(probe_cases)} probes valid")


def _check_reference(ex, state, result):
    """2. the reference passes every case and agrees with finite differences."""
    reference = ex.reference.read_text(encoding="utf-8")
    problem = _reference_problem(ex, reference, ex.skeleton.read_text(encoding="utf-8"))
    if problem:
        return Line(False, problem)
    case_list = state["case_list"]
    try:
        cls = expected.reference_class(ex)
        prepared = [Prepared(c, a, expected.compute(ex, c, a, cls))
                    for c in case_list for a in [inputs.draw(ex, c)]]
        small = [_probe(ex, cls, c, f"case {c.name}") for c in case_list
                 if ex.check.gradients and _entries(ex, c) <= ex.check.small]
        probes = [_probe(ex, cls, c, f"probe {c.name}") for c in state["probe_cases"]]
    except InternalError as err:            # the instructor's reference, not the judge, is at fault
        return Line(False, str(err))
    state.update(reference=reference, prepared=prepared, probes=probes)
    report = grade_text(ex, read.Submission(_display(ex.reference), text=reference), prepared,
                        Options(hints=False), state["worker"])
    passed = f"{report.passed}/{report.total} cases passed by the reference"
    failed = [c for c in report.cases if c.verdict is not Verdict.AC]
    if failed:
        return Line(False, f"{passed}; {failed[0].name}: {failed[0].verdict} {failed[0].message}")
    if not ex.check.gradients:
        return Line(True, f"{passed}; no gradients declared, so no finite differences "
                          f"(equivalence: agreement with the reference on {len(probes)} probes)")
    worst, where = 0.0, ""
    for probe in small + probes:
        for name, numeric in probe.numeric.items():
            error = relative_error(probe.expected[name], numeric)
            if error >= worst:
                worst, where = error, f"{name} on {probe.label}"
    ok = worst < FD_LIMIT
    return Line(ok, f"{passed}; finite differences {'agree' if ok else 'DISAGREE'} on "
                    f"{len(small)} small cases + {len(probes)} probes (max rel. error "
                    f"{worst:.1e} {'<' if ok else '>='} {FD_LIMIT:.0e}{'' if ok else ', ' + where})")


def _check_skeleton(ex, state, result):
    """3. the unfilled skeleton fails every case."""
    text = ex.skeleton.read_text(encoding="utf-8")
    report = grade_text(ex, read.Submission(_display(ex.skeleton), text=text), state["prepared"],
                        Options(hints=False), state["worker"])
    passing = [c.name for c in report.cases if c.verdict is Verdict.AC]
    return Line(not passing, f"{report.total - len(passing)}/{report.total} cases failed by the "
                             f"unfilled skeleton" + (f"; it passes {', '.join(passing)}: those "
                                                     f"cases test nothing" if passing else ""))


def _check_strength(ex, state, result):
    """4. every mutant and known mistake is caught by a case or equivalent to the reference."""
    reference = state["reference"]
    wrongs = _wrongs(ex, reference, _hyper(ex, reference))
    order = sorted(state["prepared"], key=lambda p: sum(a.size for a in p.arrays.values()))
    result.outcomes = _grade_wrongs(ex, wrongs, order, state["probes"], state["worker"],
                                    state["jobs"])
    killed, survived = result.count("killed"), result.count("survived")
    known = sum(1 for w in wrongs if w.operator == "known")
    score = result.score
    shown = "n/a" if score is None else f"{100 * score:.1f}%"
    return Line(survived == 0,
                f"{shown} mutation score: {killed}/{killed + survived} killed "
                f"({len(wrongs) - known} mutants + {known} known mistakes; "
                f"{result.count('equivalent')} equivalent, {survived} surviving, "
                f"{result.count('stillborn')} stillborn)")


# ---------------------------------------------------------------- the reference

def _reference_problem(ex, reference, skeleton):
    """'' when the reference is the skeleton with its regions filled in."""
    try:
        spliced = splice.splice(skeleton, reference, who=_display(ex.reference))
    except splice.SpliceError as err:
        return str(err)
    if spliced.outside_changes:
        return (f"{_display(ex.reference)}: lines {splice.describe_lines(spliced.outside_changes)} "
                f"differ from the skeleton outside the markers; keep them identical")
    return ""


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


def _entries(ex, case):
    shapes = case.shapes(ex)
    return sum(int(np.prod(shapes[name])) for _, name in ex.check.gradients)


def _probe_cases(ex):
    """The probes of exercise.yaml parsed as cases; (cases, problems)."""
    label = f"{_display(ex.folder / 'exercise.yaml')}: check.probes"
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


def _display(path):
    return case_files.display(path)


def _draw(ex, case):
    """The case's inputs, with `check.distinct` inputs redrawn without ties."""
    arrays = inputs.draw(ex, case)
    for name in ex.check.distinct:
        arrays[name] = inputs.distinct(arrays[name].shape, case.seed, name, SPACING)
    return arrays


def _probe(ex, cls, case, label):
    arrays = _draw(ex, case)
    want = expected.compute(ex, case, arrays, cls)
    numeric = numeric_gradients(ex, cls, case, arrays) if ex.check.gradients else {}
    return Probe(label, case, arrays, want, numeric)


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


# ---------------------------------------------------------------- wrong answers

def _hyper(ex, reference):
    """{attribute of self: exercise parameter} for the integer hyper-parameters of the class."""
    tree = ast.parse(reference)
    cls = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == ex.class_name), None)
    init = next((n for n in (cls.body if cls else []) if isinstance(n, ast.FunctionDef)
                 and n.name == "__init__"), None)
    if init is None:
        return {}
    arguments = [a.arg for a in init.args.args[1:]]
    bound = dict(zip(arguments, ex.construct_args))
    bound.update(ex.construct_kwargs)
    integer = {arg: name for arg, name in bound.items()
               if name in ex.params and ex.params[name].kind == "int"}
    hyper = {}
    for node in ast.walk(init):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) \
                and node.value.id in integer:
            for target in node.targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                        and target.value.id == "self":
                    hyper[target.attr] = integer[node.value.id]
    return hyper


def _wrongs(ex, reference, hyper):
    found = []
    for m in mutate.mutants(reference, hyper):
        found.append(Wrong(f"line {m.line} [{m.operator}]: `{m.before}` -> `{m.after}`", m.source,
                           m.operator, _advice(ex, m)))
    for mistake in hints.known(ex):
        what = f"{_display(mistake.path)}" + (f": {mistake.description}" if mistake.description else "")
        found.append(Wrong(what, mistake.text, "known", mistake.catch or ADVICE["known"]))
    return found


def _advice(ex, m):
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


def _grade_wrongs(ex, wrongs, order, probes, worker, jobs):
    if jobs <= 1 or len(wrongs) < 2:
        return [_try(ex, w, order, probes, worker) for w in wrongs]
    extra = [Worker().start() for _ in range(jobs - 1)]
    try:
        pools = [worker] + extra
        chunks = [wrongs[i::len(pools)] for i in range(len(pools))]
        with ThreadPoolExecutor(len(pools)) as executor:
            done = list(executor.map(
                lambda pair: [_try(ex, w, order, probes, pair[1]) for w in pair[0]],
                zip(chunks, pools)))
        by_wrong = {id(o.wrong): o for chunk in done for o in chunk}
        return [by_wrong[id(w)] for w in wrongs]
    finally:
        for w in extra:
            w.close()


def _try(ex, wrong, order, probes, worker):
    options = Options(hints=False)
    submission = read.Submission(wrong.what, text=wrong.source)
    for item in order:
        report = grade_text(ex, submission, [item], options, worker)
        if report.verdict is Verdict.CE:
            return Outcome(wrong, "stillborn", report.compile_error)
        if report.verdict is not Verdict.AC:
            return Outcome(wrong, "killed", item.case.name)
    if wrong.operator == "known":
        return Outcome(wrong, "survived", "")
    where = _disagreement(ex, wrong, probes, worker, options)
    return Outcome(wrong, "survived", where) if where else Outcome(wrong, "equivalent")


def _disagreement(ex, wrong, probes, worker, options):
    """'' when the wrong answer agrees on every probe; else where it first does not."""
    skeleton = ex.skeleton.read_text(encoding="utf-8")
    source = splice.splice(skeleton, wrong.source).source
    if not probes:
        return "no probes declared to tell whether it is equivalent"
    for probe in probes:
        got = run_source(ex, probe.case, source, probe.arrays, probe.expected, worker, options)
        where = f"{probe.label} ({_params(probe.case)})"
        if got is None:
            return f"it fails to run on {where}"
        for name in ex.outputs:
            want = probe.expected[name]
            if got[name] is None:
                return f"{name} is missing on {where}"
            if np.shape(got[name]) != np.shape(want):
                return f"{name} has shape {np.shape(got[name])}, not {np.shape(want)}, on {where}"
            if name in probe.numeric:
                error = relative_error(got[name], probe.numeric[name])
                if not error < FD_LIMIT:
                    return f"{name} is off on {where}: rel. error {error:.1e} against finite differences"
            elif not compare.within(got[name], want, probe.case.atol, probe.case.rtol):
                return f"{name} is off on {where}"
    return ""


def _params(case):
    return " ".join(f"{k}={v}" if not isinstance(v, list) else f"{k}=[{','.join(map(str, v))}]"
                    for k, v in case.params.items())


# ---------------------------------------------------------------- text

def render(result):
    """The lines printed for one exercise."""
    status = "ok" if result.ok else "FAILED"
    out = [f"{result.exercise}: {status} ({result.seconds:.1f} s)"]
    for line in result.lines:
        out.append(f"  {'ok  ' if line.ok else 'FAIL'}  {line.text}")
    for o in result.outcomes:
        if o.status == "equivalent":
            out.append(f"        equivalent  {o.wrong.what}")
    for o in result.outcomes:
        if o.status == "survived":
            where = f"; {o.by}" if o.by else ""
            out.append(f"        survivor    {o.wrong.what}: add {o.wrong.advice}{where}")
    for o in result.outcomes:
        if o.status == "stillborn":
            out.append(f"        stillborn   {o.wrong.what}: {o.by}")
    return "\n".join(out)
