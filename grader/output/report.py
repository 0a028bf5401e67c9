"""Render a Report for people (text) and for programs (JSON)."""

import json
import sys

from grader import settings
from grader.messages import _
from grader.pipeline.verdict import MEANING, CaseResult, Report, Verdict

COLOURS = {
    Verdict.AC: "32", Verdict.WA: "31", Verdict.RE: "35", Verdict.TLE: "33",
    Verdict.MLE: "33", Verdict.OLE: "33", Verdict.CE: "31", Verdict.IE: "41;97",
}


def use_colour(stream=None):
    stream = stream or sys.stdout
    if not settings.current().colour:
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _paint(text, verdict, colour):
    return f"\033[{COLOURS[verdict]}m{text}\033[0m" if colour else text


VIEWS = settings.VIEWS


def as_dict(report, view="student", reveal=False):
    """The report as data. A student's view names hidden cases only by number;
    an instructor's keeps every real name (and the numbered label), and with
    ``reveal`` what each hidden case said (its message, details, real time)."""
    if reveal and view != "instructor":
        raise ValueError("hidden cases are revealed only in an instructor's view")
    data = {
        "exercise": report.exercise,
        "submission": report.submission,
        "verdict": str(report.verdict),
        "score": report.score,
        "max_score": report.max_score,
        "passed": report.passed,
        "total": report.total,
        "compile_error": report.compile_error or None,
        "notes": list(report.notes),
        "cases": [
            {
                "name": c.shown_name(view),
                **({"label": c.label or None} if view == "instructor" else {}),
                "verdict": str(c.verdict),
                "score": c.score,
                "max_score": c.max_score,
                "time_ms": c.time_ms,
                "visibility": c.visibility,
                "message": c.message,
                "details": list(c.details),
                "hint": c.hint or None,
                "output": c.output or None,
                **({"revealed": c.revealed} if reveal and c.revealed else {}),
            }
            for c in report.cases
        ],
    }
    return data


def from_dict(data):
    """The Report that as_dict() described (for reports passed between judge processes)."""
    cases = [CaseResult(c["name"], Verdict(c["verdict"]), c["score"], c["max_score"], c["time_ms"],
                        c["visibility"], c["message"], list(c["details"]), c["output"] or "",
                        c["hint"] or "", c.get("label") or "", c.get("revealed"))
             for c in data["cases"]]
    return Report(data["exercise"], data["submission"], cases, verdict=Verdict(data["verdict"]),
                  notes=list(data["notes"]), compile_error=data["compile_error"] or "")


def to_json(report, view="student", reveal=False):
    return json.dumps(as_dict(report, view, reveal), indent=2, ensure_ascii=False)


def _time(case):
    """A public case's time as measured; a hidden case's only as the coarse bound it is."""
    if case.visibility == "hidden":
        return f"{'<=' + format(case.time_ms, 'g'):>7} ms"
    return f"{case.time_ms:>7.1f} ms"


def _header(exercise, submission):
    return f"{exercise}: {submission}"


def _case_line(c, width, colour, view):
    tag = _paint(f"{str(c.verdict):<3}", c.verdict, colour)
    hidden = _(" (hidden)") if c.visibility == "hidden" else ""
    message = "" if c.verdict is Verdict.AC else f"  {c.message}"
    return (f"  {tag} {c.shown_name(view):<{width}} {c.score:>3}/{c.max_score:<3} "
            f"{_time(c)}{hidden}{message}")


class LiveText:
    """The text report written as grading goes: the header when the cases are
    known, each case's line as soon as it and the cases before it are decided,
    the rest at the end. What it writes adds up to ``to_text`` of the report."""

    def __init__(self, write, colour=False, view="student"):
        self.write, self.colour, self.view = write, colour, view
        self.lines, self.waiting, self.width, self.next = [], {}, 4, 0

    def start(self, exercise, submission, names):
        """``names``: (name, label) of every case, in the report's order."""
        shown = [name if self.view == "instructor" or not label else label for name, label in names]
        self.width = max((len(n) for n in shown), default=4)
        self._emit(_header(exercise, submission))

    def case(self, index, result):
        self.waiting[index] = result
        while self.lines and self.next in self.waiting:
            self._emit(_case_line(self.waiting.pop(self.next), self.width, self.colour, self.view))
            self.next += 1

    def finish(self, report):
        """Write what is left of the whole text report (all of it when what was
        written so far is not how it begins, as after a compile error)."""
        text = to_text(report, self.colour, self.view)
        done = "".join(line + "\n" for line in self.lines)
        self.write(text[len(done):] + "\n" if text.startswith(done) else "\n" + text + "\n")

    def _emit(self, line):
        self.lines.append(line)
        self.write(line + "\n")


def _revealed(report):
    """For an instructor: what every failing hidden case said (never shown to students)."""
    lines = []
    for c in report.cases:
        if c.visibility != "hidden" or c.verdict in (Verdict.AC, Verdict.CE) or not c.revealed:
            continue
        lines.append("")
        lines.append(_("Hidden case {name} ({label}, {meaning}, {ms} ms; instructors only):",
                       name=c.name, label=c.label, meaning=MEANING[c.verdict],
                       ms=f"{c.revealed.get('time_ms', 0):.1f}"))
        for detail in c.revealed.get("details") or [c.revealed.get("message", "")]:
            lines.append(f"  {detail}")
        if c.revealed.get("output"):
            lines.append("  " + _("it printed:"))
            lines += [f"    | {line}" for line in c.revealed["output"].split("\n")]
    return lines


def to_text(report, colour=False, view="student", reveal=False):
    if reveal and view != "instructor":
        raise ValueError("hidden cases are revealed only in an instructor's view")
    lines = [_header(report.exercise, report.submission)]
    if report.compile_error:
        lines.append(_paint("CE", Verdict.CE, colour) + f"  {report.compile_error}")
    else:
        width = max((len(c.shown_name(view)) for c in report.cases), default=4)
        for c in report.cases:
            lines.append(_case_line(c, width, colour, view))
    for note in report.notes:
        lines.append(_("note: {note}", note=note))
    failing = [c for c in report.cases if c.verdict not in (Verdict.AC, Verdict.CE)
               and c.visibility == "public"]
    if failing:
        c = failing[0]
        lines.append("")
        lines.append(_("First failing public case, {name} ({meaning}):", name=c.name,
                       meaning=MEANING[c.verdict]))
        for detail in c.details or [c.message]:
            lines.append(f"  {detail}")
        if c.hint:
            lines.append("  " + _("likely mistake: {hint}", hint=c.hint))
        if c.output:
            lines.append("  " + _("your program printed:"))
            lines += [f"    | {line}" for line in c.output.split("\n")]
    if reveal:
        lines += _revealed(report)
    lines.append("")
    verdict = _paint(str(report.verdict), report.verdict, colour)
    lines.append(_("Result: {verdict} ({meaning})  score {score}/{max_score}  passed {passed}/{total} cases",
                   verdict=verdict, meaning=MEANING[report.verdict], score=report.score,
                   max_score=report.max_score, passed=report.passed, total=report.total))
    return "\n".join(lines)
