"""Each verdict, from what a student might hand in."""

import json

import pytest

from grader.pipeline.verdict import Verdict
from helpers import SEED_CONV, SEED_POOL, case_file, fill, skeleton, write

TWO_CASES = """
cases:
  - {name: one, seed: 1, params: {N: 2, C: 2, H: 5, W: 6, FN: 3, FH: 3, FW: 2, stride: 2, pad: 1}, points: 10}
  - {name: two, seed: 2, params: {N: 1, C: 1, H: 4, W: 4, FN: 1, FH: 2, FW: 2}, points: 5, visibility: hidden}
"""


@pytest.fixture
def cases(tmp_path):
    return str(case_file(tmp_path, TWO_CASES))


def submit(tmp_path, text, name="sub.py"):
    return write(tmp_path, name, text)


def test_seed_answer_is_accepted(grade_file, tmp_path, cases):
    report = grade_file(submit(tmp_path, fill("conv_backward", SEED_CONV)), cases=cases)
    assert report.verdict is Verdict.AC
    assert (report.score, report.max_score, report.passed, report.total) == (15, 15, 2, 2)


def test_syntax_error_points_at_the_students_line(grade_file, tmp_path, cases):
    text = fill("conv_backward", "FN, C, FH, FW = self.W.shape\ndx = (1 +\nreturn dx")
    report = grade_file(submit(tmp_path, text), cases=cases)
    assert report.verdict is Verdict.CE
    opened = text.split("\n").index("        dx = (1 +") + 1          # where the bracket is left open
    assert report.compile_error == f"line {opened}: SyntaxError: '(' was never closed ->  dx = (1 +"
    assert all(c.verdict is Verdict.CE and c.score == 0 for c in report.cases)


def test_syntax_error_line_counts_lines_the_student_added_above(grade_file, tmp_path, cases):
    text = "# my name\n# my id\n" + fill("conv_backward", "x = = 1")
    report = grade_file(submit(tmp_path, text), cases=cases)
    line = text.split("\n").index("        x = = 1") + 1
    assert report.compile_error.startswith(f"line {line}:")


@pytest.mark.parametrize("text, words", [
    ("import numpy as np\n", "no `########## Begin"),
    ("########## Begin ##########\npass\n", "has no End marker"),
    ("########## End ##########\n########## Begin ##########\n", "End marker with no Begin"),
    ("########## Begin ##########\n########## Begin ##########\n########## End ##########\n",
     "opens a Begin region again"),
    ("########## Begin ##########\n########## End ##########\n"
     "########## Begin ##########\n########## End ##########\n", "found 2 Begin/End regions"),
])
def test_marker_problems_are_compile_errors(grade_file, tmp_path, cases, text, words):
    report = grade_file(submit(tmp_path, text), cases=cases)
    assert report.verdict is Verdict.CE
    assert words in report.compile_error
    assert "\n" not in report.compile_error


def test_non_utf8_file_is_compile_error(grade_file, tmp_path, cases):
    path = tmp_path / "sub.py"
    path.write_bytes(fill("conv_backward", SEED_CONV).encode("utf-8") + b"# \xff\xfe\n")
    report = grade_file(path, cases=cases)
    assert report.verdict is Verdict.CE
    assert "not UTF-8" in report.compile_error


def test_oversized_file_is_compile_error(grade_file, tmp_path, cases):
    text = fill("conv_backward", SEED_CONV) + "#" * 300_000
    report = grade_file(submit(tmp_path, text), cases=cases)
    assert report.verdict is Verdict.CE
    assert "larger than" in report.compile_error


def test_missing_file_is_compile_error(grade_file, tmp_path, cases):
    report = grade_file(tmp_path / "nope.py", cases=cases)
    assert report.verdict is Verdict.CE
    assert "no such file" in report.compile_error


def test_changes_outside_the_markers_are_ignored_and_reported(grade_file, tmp_path, cases):
    text = fill("conv_backward", SEED_CONV).replace(
        "        out = np.dot(col, col_W) + self.b", "        out = np.dot(col, col_W) * 0")
    report = grade_file(submit(tmp_path, text), cases=cases)
    assert report.verdict is Verdict.AC
    line = text.split("\n").index("        out = np.dot(col, col_W) * 0") + 1
    assert any(f"lines {line} outside" in note for note in report.notes)


def test_exception_is_runtime_error_with_line_and_frames(grade_file, tmp_path, cases):
    text = fill("conv_backward", "FN, C, FH, FW = self.W.shape\nraise ValueError('boom')")
    report = grade_file(submit(tmp_path, text), cases=cases)
    assert report.verdict is Verdict.RE
    public = report.cases[0]
    assert public.message == "ValueError: boom in backward"
    line = text.split("\n").index("        raise ValueError('boom')") + 1
    assert public.details == [f"line {line}, in backward: raise ValueError('boom')"]
    hidden = report.cases[1]
    assert hidden.verdict is Verdict.RE and "boom" not in hidden.message and not hidden.details


def test_error_inside_a_helper_names_the_helper(grade_file, tmp_path, cases):
    text = fill("conv_backward", "return col2im(dout, self.x.shape, 3, 3)")
    report = grade_file(submit(tmp_path, text), cases=cases)
    assert report.verdict is Verdict.RE
    assert any("utils.py" in d and "col2im" in d for d in report.cases[0].details)


def test_infinite_loop_is_time_limit_and_other_cases_still_run(grade_file, tmp_path):
    cases = case_file(tmp_path, TWO_CASES.replace("points: 10}", "points: 10, time_limit: 0.5}"))
    body = "if dout.shape[0] == 2:\n    while True:\n        pass\n" + SEED_CONV
    report = grade_file(submit(tmp_path, fill("conv_backward", body)), cases=str(cases))
    assert [c.verdict for c in report.cases] == [Verdict.TLE, Verdict.AC]
    assert report.verdict is Verdict.TLE
    assert 450 <= report.cases[0].time_ms < 3000
    assert report.score == 5


def test_command_line_time_limit_overrides_cases(grade_file, tmp_path, cases):
    body = "import time\ntime.sleep(2)\n" + SEED_CONV
    report = grade_file(submit(tmp_path, fill("conv_backward", body)), cases=cases, time_limit=0.3)
    assert [c.verdict for c in report.cases] == [Verdict.TLE, Verdict.TLE]


@pytest.mark.parametrize("call, raised", [("sys.exit(0)", "SystemExit"), ("exit()", "SystemExit"),
                                          ("raise SystemExit", "SystemExit"),
                                          ("raise KeyboardInterrupt", "KeyboardInterrupt")])
def test_exiting_early_is_a_runtime_error(grade_file, tmp_path, cases, call, raised):
    text = fill("conv_backward", f"import sys\n{call}")
    report = grade_file(submit(tmp_path, text), cases=cases)
    assert report.verdict is Verdict.RE
    assert report.cases[0].message == (f"raised {raised} in backward; do not call exit(), quit() "
                                       f"or sys.exit() in your code")


def test_hard_exit_zero_is_a_runtime_error(grade_file, tmp_path, cases):
    text = fill("conv_backward", "import os\nos._exit(0)")
    report = grade_file(submit(tmp_path, text), cases=cases)
    assert report.verdict is Verdict.RE
    assert "ended before handing back its results (exit code 0)" in report.cases[0].message


def test_missing_weight_gradient_is_wrong_answer(grade_file, tmp_path, cases):
    body = SEED_CONV.replace("self.dW = self.dW.transpose(1, 0).reshape(FN, C, FH, FW)",
                             "self.dW = None")
    report = grade_file(submit(tmp_path, fill("conv_backward", body)), cases=cases)
    assert report.verdict is Verdict.WA
    assert "self.dW is not set" in report.cases[0].message
    assert "correct: out, dx, db" in report.cases[0].details


def test_backward_returning_none_is_wrong_answer(grade_file, tmp_path, cases):
    body = SEED_CONV.replace("return dx", "pass")
    report = grade_file(submit(tmp_path, fill("conv_backward", body)), cases=cases)
    assert report.verdict is Verdict.WA
    assert "dx is None: backward() returned nothing" in report.cases[0].message


def test_no_broadcasting_of_shapes(grade_file, tmp_path, cases):
    body = SEED_CONV.replace("self.db = np.sum(dout, axis=0)", "self.db = np.sum(dout, axis=0, keepdims=True)")
    report = grade_file(submit(tmp_path, fill("conv_backward", body)), cases=cases)
    assert report.verdict is Verdict.WA
    assert "db has shape (1, 3) but must have shape (3,)" in report.cases[0].message


@pytest.mark.parametrize("ret, words", [
    ("return dx.tolist()", "dx is a list"),
    ("return dx.astype(complex)", "dtype complex128"),
    ("return dx * np.nan", "contains nan"),
    ("return dx + 1e-3", "values are off"),
    ("return str(dx)", "dx is a str"),
    ("return dx.astype(object)", "dtype object"),
])
def test_wrong_kinds_of_results(grade_file, tmp_path, cases, ret, words):
    body = SEED_CONV.replace("return dx", ret)
    report = grade_file(submit(tmp_path, fill("conv_backward", body)), cases=cases)
    assert report.verdict is Verdict.WA
    assert words in report.cases[0].message


def test_wrong_value_message_names_index_and_errors(grade_file, tmp_path, cases):
    body = SEED_CONV.replace("return dx", "dx[1, 0, 2, 3] += 0.5\nreturn dx")
    report = grade_file(submit(tmp_path, fill("conv_backward", body)), cases=cases)
    message = report.cases[0].message
    assert message.startswith("dx: 1 of 120 values are off; worst at [1, 0, 2, 3]")
    assert "abs error 5.00e-01" in message


def test_tolerance_is_inclusive_and_per_case(grade_file, tmp_path):
    body = SEED_CONV.replace("return dx", "return dx + 5e-6")
    path = submit(tmp_path, fill("conv_backward", body))
    assert grade_file(path, cases=str(case_file(tmp_path, TWO_CASES))).verdict is Verdict.AC
    tight = TWO_CASES.replace("points: 5,", "points: 5, tolerance: {atol: 1.0e-6, rtol: 0},")
    report = grade_file(path, cases=str(case_file(tmp_path, tight, "tight.yaml")))
    assert [c.verdict for c in report.cases] == [Verdict.AC, Verdict.WA]


def test_printed_output_is_shown_for_public_cases_only(grade_file, tmp_path, cases):
    body = "print('debug shape', dout.shape)\n" + SEED_CONV.replace("return dx", "return -dx")
    report = grade_file(submit(tmp_path, fill("conv_backward", body)), cases=cases)
    public, hidden = report.cases
    assert "debug shape (2, 3, 3, 4)" in public.output
    assert hidden.output == "" and hidden.details == []
    assert public.hint == "dx: every value has the wrong sign"


def test_memory_hog_is_memory_limit(grade_file, tmp_path, cases):
    body = "big = np.ones((64, 1024, 1024, 8))\n" + SEED_CONV
    report = grade_file(submit(tmp_path, fill("conv_backward", body)), cases=cases, memory_limit=256)
    assert report.cases[0].verdict is Verdict.MLE


def test_max_pool_seed_answer_is_accepted(grade_file, tmp_path):
    report = grade_file(submit(tmp_path, fill("maxpool_backward", SEED_POOL)), "maxpool_backward")
    assert report.verdict is Verdict.AC
