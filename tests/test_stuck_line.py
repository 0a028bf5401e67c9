"""A case out of time says which line of the student's file was running."""

import pytest

from grader.box import wire
from grader.pipeline import decode
from grader.pipeline.feedback import hidden_message
from grader.pipeline.verdict import Verdict
from helpers import fill, write

CASES = """
cases:
  - {name: pub, seed: 1, params: {N: 1, C: 1, H: 4, W: 4, FN: 1, FH: 2, FW: 2}, points: 50}
  - {name: hid, seed: 2, params: {N: 1, C: 1, H: 4, W: 4, FN: 1, FH: 2, FW: 2}, points: 50, visibility: hidden}
"""


def line_of(text, needle):
    return next(n for n, line in enumerate(text.split("\n"), 1) if needle in line)


@pytest.fixture
def cases(tmp_path):
    return write(tmp_path, "cases.yaml", CASES)


@pytest.mark.parametrize("body, needle", [
    ("i = 0\nwhile True:\n    i += 1", None),                 # a busy loop: the loop's lines
    ("import time\ntime.sleep(100)", "time.sleep(100)"),      # waiting: the clock's limit
    ("def spin(n):\n    while n >= 0:\n        n = n * 1\n    return n\nreturn spin(3)",
     None),                                                   # in a function of the student's
])
def test_a_case_out_of_time_names_the_running_line(grade_file, tmp_path, cases, body, needle):
    text = fill("conv_backward", body)
    path = write(tmp_path, "stuck.py", text)
    report = grade_file(path, cases=str(cases), time_limit=0.5)
    public, hidden = report.cases
    assert public.verdict is Verdict.TLE and hidden.verdict is Verdict.TLE
    assert public.message.startswith("took longer than the 0.5 s time limit; it was running line ")
    number = int(public.message.split("running line ")[1].split(":")[0])
    shown = text.split("\n")[number - 1].strip()
    assert public.message.endswith(f": {shown}")
    if needle:
        assert number == line_of(text, needle)
    else:                                     # one of the lines of the loop, in the markers
        begin, end = line_of(text, "Begin ####"), line_of(text, "End ####")
        assert begin < number < end and shown != "i = 0"
    assert public.details[0] == f"line {number} was running when the time ran out: {shown}"
    assert public.score == 0 and report.score == 0
    assert hidden.message == hidden_message(Verdict.TLE)        # a hidden case says no more
    assert not hidden.details


def test_a_run_that_refuses_to_say_is_still_tle(grade_file, tmp_path, cases):
    body = "import signal\nsignal.signal(signal.SIGUSR2, signal.SIG_IGN)\nwhile True:\n    pass"
    report = grade_file(write(tmp_path, "quiet.py", fill("conv_backward", body)), cases=str(cases),
                        time_limit=0.5)
    assert [c.verdict for c in report.cases] == [Verdict.TLE, Verdict.TLE]
    assert report.cases[0].message == "took longer than the 0.5 s time limit"


def frame(header):
    return wire.json_frame(header)


@pytest.mark.parametrize("result, line", [
    (frame({"status": "stuck", "line": 12}), 12),
    (frame({"status": "stuck", "line": None}), None),
    (frame({"status": "stuck", "line": True}), None),
    (frame({"status": "stuck", "line": -3}), None),
    (frame({"status": "stuck", "line": 10 ** 9}), None),
    (frame({"status": "stuck", "line": "12"}), None),
    (frame({"status": "ok", "line": 12}), None),
    (frame({"status": "stuck", "line": 12}) + frame({"x": 1}), None),   # more than one frame
    (b"\x00\x00\x00\x00\x00\x00\x00\x09{garbled", None),
    (b"", None),
])
def test_the_stuck_line_is_read_strictly(result, line):
    assert decode.stuck_line(result) == line
