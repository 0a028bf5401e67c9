"""`judge check`: is an exercise ready to be graded, and are its cases strong?

Four checks, one line each; the exercise is ready only when all four hold.

1. Every case file validates (and so do the probes declared in exercise.yaml).
2. The reference passes every case, run in the worker like a submission, and
   its gradients agree with central finite differences of the declared scalar
   loss (exercise.yaml ``check:``) on the small cases and on the probes.
3. The unfilled skeleton fails every case.
4. Case strength. Mutants of the reference and the hand-written wrong answers
   (reference/mistakes/<id>/) are graded against the cases, in the worker. A
   mutant no case catches is equivalent when it agrees with finite
   differences (or the reference) on the probes, else it survives and the
   report says what kind of case would catch it. A hand-written wrong answer
   is never equivalent. The mutation score is killed / (mutants - equivalent);
   mutants that do not compile ("stillborn") are counted apart.

Expected results and finite differences are computed in the judge from the
trusted reference; everything else runs in the worker.

Modules, each importing only those listed before it: mutate (the mutation
operators), gradients (finite differences), probes, advice (what case would
catch a wrong answer), wrongs (mutants and known mistakes, graded), render
(the printed text), orchestrate (the four checks as steps, the entry points).
"""

from grader.check.gradients import numeric_gradients, relative_error
from grader.check.orchestrate import Line, Result, check, check_all
from grader.check.render import render
from grader.check.wrongs import Outcome, Status, Wrong

__all__ = ["check", "check_all", "render", "Result", "Line", "Outcome", "Status", "Wrong",
           "relative_error", "numeric_gradients"]
