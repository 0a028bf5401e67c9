"""What a report shows: inert text, hidden cases by number, hidden times measured outside and coarse."""

import json

import pytest

from conftest import SUBMISSIONS
from grader.output import export, report as reports
from grader.pipeline.feedback import coarse_ms
from grader.pipeline.grade import case_labels
from grader.inert import inert
from grader.pipeline.verdict import Verdict
from helpers import SEED_CONV, case_file, fill, write

CASES = """
cases:
  - {name: pub, seed: 1, params: {N: 2, C: 2, H: 5, W: 6, FN: 3, FH: 3, FW: 2, stride: 2, pad: 1}, points: 5}
  - {name: secret_H9_W11, seed: 2, params: {N: 1, C: 1, H: 9, W: 11, FN: 7, FH: 2, FW: 3, pad: 1},
     points: 5, visibility: hidden}
  - {name: secret_H4, seed: 3, params: {N: 1, C: 1, H: 4, W: 4, FN: 1, FH: 2, FW: 2},
     points: 5, visibility: hidden}
"""


def test_inert_escapes_what_could_repaint_a_terminal():
    assert inert("\x1b[2J\x1b[HAC\r") == "\\x1b[2J\\x1b[HAC\\x0d"
    assert inert("a\u202eb\u200bc") == "a\\u202eb\\u200bc"
    assert inert("line 1\nline\t2", lines=True) == "line 1\nline\t2"
    assert inert("line 1\nline 2") == "line 1\\x0aline 2"
    assert inert("stud\udcffent") == "stud\\xffent"                   # a byte of a file name
    assert inert("卷积层的反向传播") == "卷积层的反向传播"
    assert inert(None) == "" and inert("") == ""


def test_coarse_times_step_1_2_5():
    assert [coarse_ms(t) for t in (0, 0.3, 1.0, 1.2, 2.0, 3, 7, 14.2, 20, 21, 499, 501, 4100)] == \
        [1, 1, 1, 2, 2, 5, 10, 20, 20, 50, 500, 1000, 5000]


def test_hidden_cases_are_numbered_for_students():
    from grader.declare.cases import Case
    made = [Case(name=n, seed=1, params={}, draw={}, points=1, visibility=v,
                 atol=1e-5, rtol=1e-5, time_limit=1.0, memory_limit=64)
            for n, v in (("a", "public"), ("h_x", "hidden"), ("b", "public"), ("h_y", "hidden"))]
    assert case_labels(made) == ["a", "hidden 1", "b", "hidden 2"]


@pytest.fixture
def cases(tmp_path):
    return str(case_file(tmp_path, CASES))


def test_a_student_never_sees_a_hidden_cases_name_an_instructor_does(grade_file, cases):
    report = grade_file(SUBMISSIONS / "conv_backward" / "correct_seed.py", cases=cases)
    student = reports.to_text(report) + reports.to_json(report) + export.to_gradescope(report)
    assert "secret" not in student
    assert "hidden 1" in student and "hidden 2" in student
    instructor = reports.to_text(report, view="instructor") + export.to_csv([("s", report)])
    assert "secret_H9_W11" in instructor and "secret_H4" in instructor
    back = reports.from_dict(json.loads(reports.to_json(report, "instructor")))
    assert [c.shown_name() for c in back.cases] == ["pub", "hidden 1", "hidden 2"]
    assert [c.name for c in back.cases] == ["pub", "secret_H9_W11", "secret_H4"]


ENCODE = """import time
if self.x.shape[0] == 1:                     # a hidden case: spell out its size in time
    time.sleep(0.013 * self.x.shape[2] + 0.001 * self.x.shape[3])
""" + SEED_CONV

FORGE_TIME = SEED_CONV.replace("return dx", """import sys
real = sys.modules["grader.box.wire"].write_case
def lying(fd, header, values):
    if isinstance(header, dict) and "elapsed_ms" in header:
        header["elapsed_ms"] = 1234.567
    return real(fd, header, values)
sys.modules["grader.box.wire"].write_case = lying
return dx""")


def test_a_hidden_cases_time_is_measured_outside_and_coarse(grade_file, cases, tmp_path):
    report = grade_file(write(tmp_path, "encode.py", fill("conv_backward", ENCODE)), cases=cases)
    assert report.verdict is Verdict.AC
    assert len(report.cases) >= 2
    for case in report.cases[1:]:
        assert case.time_ms in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000), case.time_ms
        assert case.time_ms >= 20                    # it slept at least this long: the worker's clock
    text = reports.to_text(report)
    assert "<=" in text
    # the run's own figure is never shown for a hidden case
    forged = grade_file(write(tmp_path, "forge.py", fill("conv_backward", FORGE_TIME)), cases=cases)
    assert forged.verdict is Verdict.AC
    assert all(c.time_ms != 1234.6 for c in forged.cases[1:])
    assert forged.cases[1].time_ms <= 1000


PAINT = """print("\\x1b[2J\\x1b[H  AC  everything  \\u202e\\r")
raise ValueError("\\x1b[32mAC\\x1b[0m all good")
"""


def test_printed_output_and_messages_are_inert(grade_file, cases, tmp_path):
    report = grade_file(write(tmp_path, "paint.py", fill("conv_backward", PAINT)), cases=cases)
    assert report.cases[0].verdict is Verdict.RE
    for text in (reports.to_text(report), reports.to_text(report, view="instructor")):
        assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
        assert "\\x1b[2J" in text and "\\x1b[32mAC" in text
