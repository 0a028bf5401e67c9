"""Wrong answers tried against the cases: mutants of the reference and known mistakes.

Each one is graded in the worker case by case, smallest case first, until a
case catches it (killed) or it fails to compile (stillborn). A mutant no
case catches is run on the probes: when it agrees there with finite
differences (or, without gradients, with the reference) it is equivalent to
the reference; otherwise it survives, with where it first goes wrong. A
hand-written wrong answer that no case catches always survives. With
``jobs`` > 1 the wrong answers are shared out over that many workers.
"""

import ast
import enum
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from grader import scaffold
from grader.check import advice, mutate
from grader.check.gradients import FD_LIMIT, relative_error
from grader.declare import cases as case_files
from grader.answers import mistakes
from grader.pipeline import compare, read, splice
from grader.pipeline.execute import run_source
from grader.pipeline.grade import Options, grade_text
from grader.pipeline.run import Worker
from grader.pipeline.verdict import Verdict

KNOWN = "known"                 # the operator of a hand-written wrong answer


class Status(str, enum.Enum):
    """What became of one wrong answer; the value is the word used for it."""
    KILLED = "killed"           # a case caught it
    SURVIVED = "survived"       # no case caught it, and it is not equivalent
    EQUIVALENT = "equivalent"   # no case caught it, and it agrees with the reference on the probes
    STILLBORN = "stillborn"     # it does not compile

    def __str__(self):
        return self.value


@dataclass(frozen=True)
class Wrong:
    """One wrong answer tried against the cases: a mutant or a known mistake."""
    what: str                   # one line: the change, or the mistake's file and description
    source: str                 # the whole file
    operator: str               # a key of mutate.OPERATORS, or KNOWN
    advice: str                 # the kind of case that would catch it


@dataclass
class Outcome:
    wrong: Wrong
    status: Status
    by: str = ""                # the case that killed it, or where a survivor is wrong


# ---------------------------------------------------------------- finding them

def hyper_parameters(ex, reference):
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


def wrongs(ex, reference):
    """The mutants of the reference, then the exercise's known mistakes."""
    found = []
    for m in mutate.mutants(reference, hyper_parameters(ex, reference)):
        found.append(Wrong(f"line {m.line} [{m.operator}]: `{m.before}` -> `{m.after}`", m.source,
                           m.operator, advice.for_mutant(ex, m)))
    for mistake in mistakes.known(ex):
        what = case_files.display(mistake.path) + (f": {mistake.description}"
                                                   if mistake.description else "")
        found.append(Wrong(what, mistake.text, KNOWN, advice.for_known(mistake)))
    return found


# ---------------------------------------------------------------- grading them

def grade_all(ex, found, order, probes, worker, jobs):
    """An Outcome for every wrong answer, in the order given; ``order`` is the prepared cases."""
    if jobs <= 1 or len(found) < 2:
        return [grade_one(ex, w, order, probes, worker) for w in found]
    extra = [Worker().start() for _ in range(jobs - 1)]
    try:
        pools = [worker] + extra
        chunks = [found[i::len(pools)] for i in range(len(pools))]
        with ThreadPoolExecutor(len(pools)) as executor:
            done = list(executor.map(
                lambda pair: [grade_one(ex, w, order, probes, pair[1]) for w in pair[0]],
                zip(chunks, pools)))
        by_wrong = {id(o.wrong): o for chunk in done for o in chunk}
        return [by_wrong[id(w)] for w in found]
    finally:
        for w in extra:
            w.close()


def grade_one(ex, wrong, order, probes, worker):
    options = Options(hints=False)
    submission = read.Submission(wrong.what, text=wrong.source)
    for item in order:
        report = grade_text(ex, submission, [item], options, worker)
        if report.verdict is Verdict.CE:
            return Outcome(wrong, Status.STILLBORN, report.compile_error)
        if report.verdict is not Verdict.AC:
            return Outcome(wrong, Status.KILLED, item.case.name)
    if wrong.operator == KNOWN:
        return Outcome(wrong, Status.SURVIVED, "")
    where = disagreement(ex, wrong, probes, worker, options)
    return Outcome(wrong, Status.SURVIVED, where) if where else Outcome(wrong, Status.EQUIVALENT)


def disagreement(ex, wrong, probes, worker, options):
    """'' when the wrong answer agrees on every probe; else where it first does not."""
    skeleton = ex.skeleton.read_text(encoding="utf-8")
    source = splice.splice(skeleton, wrong.source).source
    if not probes:
        return "no probes declared to tell whether it is equivalent"
    for probe in probes:
        got = run_source(ex, probe.case, source, probe.arrays, probe.expected, worker, options)
        where = f"{probe.label} ({scaffold.params_text(probe.case.params)})"
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
