"""The one door from the service to the judge's pipeline.

Every name the service uses from the rest of ``grader`` is taken here, so a
reorganisation of the pipeline changes this file only.

What the HTTP process may use is imported at the top: exercises, case files,
statements, reports and exports, none of which loads a reference or an
expected array. What grades (``grade``, which pulls in the expected results,
their cache and the hints) is reached only through ``grading()``, called by
judge processes alone.
"""

import hashlib
from types import SimpleNamespace

from grader import scaffold as _scaffold
from grader.declare import cases as _cases
from grader.declare import exercise as _exercise
from grader.errors import InternalError, JudgeError
from grader.inert import inert
from grader.output import export as _export
from grader.output import report as _report
from grader.pipeline.splice import BEGIN, END
from grader.pipeline.verdict import MEANING, CaseResult, Report, Verdict, case_labels
from grader.settings import DEFAULTS

__all__ = ["InternalError", "JudgeError", "inert", "BEGIN", "END", "MEANING", "CaseResult", "Report",
           "Verdict", "MAX_BYTES"]

MAX_BYTES = DEFAULTS.max_submission_bytes     # the judge's own size cap for a submission

available = _exercise.available
load_exercise = _exercise.load
load_cases = _cases.load
statement = _scaffold.statement
LANGUAGES = _scaffold.LANGUAGES
as_dict = _report.as_dict
from_dict = _report.from_dict
to_text = _report.to_text
use_colour = _report.use_colour
summary = _export.summary
to_csv = _export.to_csv
to_batch_json = _export.to_batch_json
to_junit = _export.to_junit
to_batch_gradescope = _export.to_batch_gradescope


def case_names(case_list):
    """What a student sees as each case's name: public cases by name, hidden ones ``hidden 1``, ..."""
    return case_labels(case_list)


def case_set_version(ex):
    """A short stamp of what an exercise's results depend on besides the
    submission: its declaration, skeleton and case files (read as bytes)."""
    digest = hashlib.sha256()
    files = [ex.folder / "exercise.yaml", ex.skeleton]
    if ex.cases_dir.is_dir():
        files += sorted(p for p in ex.cases_dir.iterdir() if p.suffix in (".yaml", ".yml"))
    for path in files:
        digest.update(path.name.encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"missing")
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def grading():
    """The grading half of the pipeline, for judge processes only: importing it
    loads the modules that compute and hold expected results."""
    from grader.pipeline import grade, read, run, sandbox
    return SimpleNamespace(Options=grade.Options, ready=grade.ready, grade_text=grade.grade_text,
                           Worker=run.Worker, read=read.read, default_mode=sandbox.default_mode)
