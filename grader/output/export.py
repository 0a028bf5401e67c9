"""Grades in the formats other tools read: CSV gradebooks, JUnit XML, Gradescope.

Each function takes finished Reports (one per student in a batch) and returns
text; nothing here grades or reads submissions.
"""

import csv
import io
import json
import statistics
import xml.etree.ElementTree as ET
from collections import Counter

from grader.output import report as text_report
from grader.pipeline.verdict import MEANING, Verdict

# Gradescope shows "after_published" tests to students only once grades are
# published, and never shows "hidden" ones; hidden cases use the former so
# students learn their results after the deadline without seeing them early.
GRADESCOPE_HIDDEN = "after_published"


def _safe_cell(value):
    """Keep spreadsheets from reading a student-controlled cell as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(results):
    """One row per student: id, verdict, score, max score, then one column per case.

    ``results`` is a list of (student id, Report). Case columns hold the case's
    verdict; the score column is what a gradebook imports.
    """
    case_names = []
    for _, report in results:
        for case in report.cases:
            if case.name not in case_names:
                case_names.append(case.name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "verdict", "score", "max_score", *case_names])
    for student, report in results:
        by_name = {c.name: str(c.verdict) for c in report.cases}
        writer.writerow([_safe_cell(student), str(report.verdict), report.score, report.max_score,
                         *[by_name.get(name, "") for name in case_names]])
    return buffer.getvalue()


# ---------------------------------------------------------------- LMS gradebooks

# Canvas's gradebook import: the student columns it matches on (any one of ID,
# SIS User ID and SIS Login ID), Section, then one column per assignment; a
# "Points Possible" row under the header gives the assignment's maximum.
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")

# Moodle's assignment "offline grading worksheet", as its upload reads it: rows
# found by "Identifier" ("Participant N"), the grade from "Grade", the
# feedback from "Feedback comments".
MOODLE_COLUMNS = ("Identifier", "Full name", "Status", "Grade", "Maximum Grade",
                  "Grade can be changed", "Feedback comments")


def _csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


def to_canvas(results, assignment, people=None):
    """Canvas's gradebook CSV. ``people`` maps a student id to (name, Canvas user ID)
    as --id-pattern found them; without a Canvas ID, the student id goes in SIS User ID."""
    people = people or {}
    top = max((r.max_score for _, r in results), default=0)
    rows = [[*CANVAS_COLUMNS, assignment],
            ["Points Possible", "", "", "", "", top]]
    for student, report in results:
        name, lms_id = people.get(student, (None, None))
        rows.append([_safe_cell(name or student), lms_id or "", "" if lms_id else _safe_cell(student),
                     "", "", report.score])
    return _csv(rows)


def feedback_line(report):
    """One line a student may read: the verdict, the score, the first failing public case."""
    line = (f"{report.verdict} ({MEANING[report.verdict]}): {report.score}/{report.max_score}, "
            f"{report.passed}/{report.total} cases passed")
    if report.compile_error:
        return f"{line}. {report.compile_error}"
    failing = [c for c in report.cases if c.verdict not in (Verdict.AC, Verdict.CE)
               and c.visibility == "public"]
    if failing:
        line += f". First failing public case, {failing[0].name}: {failing[0].message}"
    elif report.verdict is not Verdict.AC:
        line += ". Every public case passed; a hidden case did not."
    return line


def to_moodle(results, people=None):
    """Moodle's offline grading worksheet, ready to upload into the assignment."""
    people = people or {}
    rows = [list(MOODLE_COLUMNS)]
    for student, report in results:
        name, _ = people.get(student, (None, None))
        rows.append([f"Participant {_safe_cell(student)}", _safe_cell(name or student), "Graded",
                     f"{report.score:.2f}", f"{report.max_score:.2f}", "Yes",
                     _safe_cell(feedback_line(report))])
    return _csv(rows)


def summary(results):
    """Counts per verdict, mean and median score, and the most failed cases."""
    scores = [report.score for _, report in results]
    counts = Counter(str(report.verdict) for _, report in results)
    failed = Counter()
    for _, report in results:
        for case in report.cases:
            if case.verdict is not Verdict.AC:
                failed[case.name] += 1
    return {
        "submissions": len(results),
        "verdicts": {v.value: counts[v.value] for v in Verdict if counts[v.value]},
        "mean_score": round(statistics.fmean(scores), 2) if scores else 0.0,
        "median_score": statistics.median(scores) if scores else 0,
        "max_score": max((r.max_score for _, r in results), default=0),
        "most_failed": failed.most_common(5),
    }


def summary_text(info):
    verdicts = ", ".join(f"{k} {v}" for k, v in info["verdicts"].items()) or "none"
    lines = [f"{info['submissions']} submissions: {verdicts}",
             f"score: mean {info['mean_score']:g}, median {info['median_score']:g} "
             f"(of {info['max_score']})"]
    if info["most_failed"]:
        lines.append("most failed cases: " + ", ".join(
            f"{name} ({count})" for name, count in info["most_failed"]))
    return "\n".join(lines)


def to_batch_json(results, reveal=False):
    return json.dumps({
        "summary": summary(results),
        "submissions": [dict(text_report.as_dict(report, "instructor", reveal), student=student)
                        for student, report in results],
    }, indent=2, ensure_ascii=False)


# ---------------------------------------------------------------- JUnit

def _testsuite(student, report, reveal=False):
    failures = sum(1 for c in report.cases if c.verdict is Verdict.WA)
    errors = sum(1 for c in report.cases if c.verdict not in (Verdict.AC, Verdict.WA))
    seconds = sum(c.time_ms for c in report.cases) / 1000
    suite = ET.Element("testsuite", {
        "name": student, "tests": str(len(report.cases)), "failures": str(failures),
        "errors": str(errors), "skipped": "0", "time": f"{seconds:.3f}",
    })
    props = ET.SubElement(suite, "properties")
    for key, value in (("exercise", report.exercise), ("verdict", str(report.verdict)),
                       ("score", str(report.score)), ("max_score", str(report.max_score))):
        ET.SubElement(props, "property", {"name": key, "value": value})
    for case in report.cases:
        element = ET.SubElement(suite, "testcase", {
            "classname": f"{report.exercise}.{student}", "name": case.name,
            "time": f"{case.time_ms / 1000:.3f}",
        })
        if case.verdict is Verdict.AC:
            continue
        tag = "failure" if case.verdict is Verdict.WA else "error"
        message = report.compile_error if case.verdict is Verdict.CE else case.message
        details = case.details
        if reveal and case.revealed:                 # an instructor's own report only
            message, details = case.revealed.get("message", message), case.revealed.get("details", [])
        node = ET.SubElement(element, tag, {"message": _xml_text(message),
                                            "type": str(case.verdict)})
        node.text = _xml_text("\n".join([f"{case.verdict}: {MEANING[case.verdict]}", message,
                                         *details]))
    return suite


def _xml_text(text):
    """XML 1.0 cannot hold most control characters: drop them."""
    return "".join(ch for ch in str(text) if ch in "\t\n\r" or ord(ch) >= 0x20)


def to_junit(results, reveal=False):
    """A <testsuites> document: one testsuite per submission, one testcase per case."""
    root = ET.Element("testsuites", {"name": "dl-judge"})
    for student, report in results:
        root.append(_testsuite(student, report, reveal))
    root.set("tests", str(sum(len(r.cases) for _, r in results)))
    root.set("failures", str(sum(int(s.get("failures")) for s in root)))
    root.set("errors", str(sum(int(s.get("errors")) for s in root)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


# ---------------------------------------------------------------- Gradescope

def gradescope(report):
    """Gradescope's results.json for one submission."""
    tests = []
    for number, case in enumerate(report.cases, 1):
        lines = [f"{case.verdict} ({MEANING[case.verdict]})"]
        if case.verdict is not Verdict.AC:
            lines.append(report.compile_error if case.verdict is Verdict.CE else case.message)
            lines += case.details
            if case.hint:
                lines.append(f"likely mistake: {case.hint}")
            if case.output:
                lines.append("your program printed:\n" + case.output)
        tests.append({
            "name": case.shown_name("student"),      # students read it: hidden cases by number
            "number": str(number),
            "score": float(case.score),
            "max_score": float(case.max_score),
            "status": "passed" if case.verdict is Verdict.AC else "failed",
            "output": "\n".join(line for line in lines if line),
            "visibility": "visible" if case.visibility == "public" else GRADESCOPE_HIDDEN,
        })
    overview = [f"{report.exercise}: {report.verdict} ({MEANING[report.verdict]}), "
                f"{report.passed}/{report.total} cases passed"]
    if report.compile_error:
        overview.append(report.compile_error)
    overview += report.notes
    return {
        "score": float(report.score),
        "execution_time": round(sum(c.time_ms for c in report.cases) / 1000, 3),
        "output": "\n".join(overview),
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def to_gradescope(report):
    return json.dumps(gradescope(report), indent=2, ensure_ascii=False)


def to_batch_gradescope(results):
    """One results.json document per student, keyed by student id."""
    return json.dumps({student: gradescope(report) for student, report in results},
                      indent=2, ensure_ascii=False)
