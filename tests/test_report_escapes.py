"""What a submission prints or raises cannot repaint the report: the text shows escapes, not controls.

The escape_sequences attack prints sequences that would clear the screen and draw a fake
all-AC report, a bidirectional override and carriage returns; a submission raising an
exception whose message carries the same gets RE. In the text report (the student's and
the instructor's view) and the JSON one, no raw control character is left, and the
escaped forms are there instead (which also shows that the bytes did reach the judge).
"""

import json

import pytest

from conftest import ROOT
from grader.output import report as reports
from grader.pipeline.verdict import Verdict
from helpers import SEED_CONV, fill, write

CONV_CASES = str(ROOT / "tests" / "adversarial" / "conv_cases.yaml")
RAW = ("\x1b", "\r", "\u202e", "\x9b", "\x07", "\u2066", "\u200f")

RAISE = """msg = "\\x1b[2J\\x1b[H\\x1b[32mAC all good\\x1b[0m \\u202e51/0\\u202c\\rResult: AC (accepted)"
raise ValueError(msg)
""" + SEED_CONV


def _texts(report):
    return {"student": reports.to_text(report), "instructor": reports.to_text(report, view="instructor"),
            "json": reports.to_json(report),
            "json decoded": json.dumps(json.loads(reports.to_json(report)), ensure_ascii=False)}


def _assert_inert(report, escaped):
    for view, text in _texts(report).items():
        for char in RAW:
            assert char not in text, f"{view}: raw {char!r} in the report"
    text = reports.to_text(report)
    for form in escaped:
        assert form in text, f"{form} is not shown in the report"


def test_printed_escape_sequences_are_shown_escaped(grade_file):
    report = grade_file(ROOT / "tests" / "adversarial" / "escape_sequences.py", cases=CONV_CASES)
    assert [c.verdict for c in report.cases] == [Verdict.WA, Verdict.WA]
    _assert_inert(report, ["\\x1b[2J", "\\x1b[32m", "\\u202e", "\\x0d", "\\x9b", "\\x07"])
    assert reports.to_text(report).rstrip().endswith("Result: WA (wrong answer)  score 0/15  "
                                                     "passed 0/2 cases")


@pytest.mark.parametrize("name", ["raises.py", "ra\x1b[2Jises\u202e.py"])
def test_an_exception_message_with_escape_sequences_is_shown_escaped(tmp_path, grade_file, name):
    path = write(tmp_path, name, fill("conv_backward", RAISE))
    report = grade_file(path, cases=CONV_CASES)
    assert [c.verdict for c in report.cases] == [Verdict.RE, Verdict.RE]
    assert report.cases[0].message.startswith("ValueError: ")
    _assert_inert(report, ["\\x1b[2J", "\\x1b[32mAC all good", "\\u202e", "\\x0d"])


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "gradescope"])
def test_a_file_name_with_escape_sequences_is_shown_escaped_in_every_format(tmp_path, fmt):
    """judge grade names the student after the file in JUnit (and the file in the others)."""
    import subprocess
    import sys
    path = write(tmp_path, "ev\x1b[2Jil\u202e.py", fill("conv_backward", SEED_CONV))
    out = tmp_path / "report.out"
    done = subprocess.run([sys.executable, str(ROOT / "judge.py"), "grade", str(path), "-e", "conv_backward",
                           "--cases", CONV_CASES, "--format", fmt, "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "\x1b" not in text and "\u202e" not in text
    if fmt == "json":
        text = json.loads(text)["submission"]
    if fmt != "gradescope":                         # its results.json names no file
        assert "ev\\x1b[2Jil\\u202e" in text
