"""Progress on a terminal: `judge grade` writes each case's line as soon as the
case is decided; on anything else its output is the text report, unchanged."""

import os
import re
import select
import subprocess
import sys
import time

import pytest

from conftest import ROOT
from grader.output import report as reports
from grader.pipeline.verdict import CaseResult, Report, Verdict
from helpers import case_file, fill, write

BODY = """
import time
if x_shape_marker(self.x) == 3:
    time.sleep(SLEEP)
dx = np.dot(dout, self.W.T).reshape(*self.original_x_shape)
self.dW = np.dot(self.x.T, dout)
self.db = np.sum(dout, axis=0)
return dx
"""

CASES = """
exercise: affine_backward
cases:
  - {name: quick_one, seed: 1, params: {N: 2, dims: [5], M: 4}, points: 10, visibility: public}
  - {name: quick_two, seed: 2, params: {N: 2, dims: [3], M: 2}, points: 10, visibility: public}
  - {name: slow_last, seed: 3, params: {N: 3, dims: [4], M: 3}, points: 10, visibility: public,
     time_limit: 20}
"""

SLEEP = 2.5


def slow_submission(tmp_path):
    body = BODY.replace("x_shape_marker(self.x)", "self.x.shape[0]").replace("SLEEP", str(SLEEP))
    return write(tmp_path, "slow.py", fill("affine_backward", body))


def command(path, cases, *extra):
    return [sys.executable, str(ROOT / "judge.py"), "grade", str(path), "-e", "affine_backward",
            "--cases", str(cases), *extra]


def on_a_terminal(args, env):
    """(the lines written to a pty, each with the moment it arrived; the exit code)."""
    import pty
    master, slave = pty.openpty()
    started = time.monotonic()
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=slave,
                               stderr=subprocess.PIPE, env=env, cwd=ROOT)
    os.close(slave)
    buffer, lines = b"", []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 120)
            assert ready, "no output for 120 s"
            try:
                chunk = os.read(master, 4096)
            except OSError:                  # EIO: the other end is closed
                break
            if not chunk:
                break
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                lines.append((time.monotonic() - started, line.rstrip(b"\r").decode()))
    finally:
        os.close(master)
    assert process.wait(timeout=120) is not None
    assert process.stderr.read() == b""
    return lines, process.returncode


def test_case_lines_reach_a_terminal_before_the_last_case_ends(tmp_path):
    path, cases = slow_submission(tmp_path), case_file(tmp_path, CASES)
    env = dict(os.environ, NO_COLOR="1")
    lines, code = on_a_terminal(command(path, cases), env)
    assert code == 0, lines
    when = {text.split()[1]: at for at, text in lines if text.startswith("  AC ")}
    assert set(when) == {"quick_one", "quick_two", "slow_last"}, lines
    result = next(at for at, text in lines if text.startswith("Result: AC"))
    # the quick cases were on the screen while the last one was still sleeping
    assert when["slow_last"] - when["quick_two"] >= 1.0, lines    # all at once before
    assert when["quick_one"] <= when["quick_two"] < when["slow_last"] <= result
    # and the screen shows the same report as a pipe gets, times aside
    piped = subprocess.run(command(path, cases), capture_output=True, text=True, env=env,
                           cwd=ROOT, timeout=120)
    assert piped.returncode == 0
    def times(text):
        return re.sub(r"\d+\.\d ms", "T ms", text)
    assert times("".join(text + "\n" for _, text in lines)) == times(piped.stdout)


def test_a_pipe_gets_the_whole_report_at_the_end(tmp_path):
    """Not a terminal: nothing is written before the report is complete."""
    path, cases = slow_submission(tmp_path), case_file(tmp_path, CASES)
    process = subprocess.Popen(command(path, cases), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=dict(os.environ, NO_COLOR="1"), cwd=ROOT)
    started = time.monotonic()
    first = process.stdout.readline()
    arrived = time.monotonic() - started
    rest = process.stdout.read()
    process.wait(timeout=120)
    assert first.startswith(b"affine_backward: ")
    assert b"Result: AC" in rest
    assert arrived >= SLEEP - 0.5          # the header came with everything else, at the end


# ---------------------------------------------------------------- LiveText adds up to to_text

def case(name, verdict, visibility="public", label="", message="", **extra):
    score = 10 if verdict is Verdict.AC else 0
    return CaseResult(name, verdict, score, 10, 1.5, visibility, message, label=label, **extra)


REPORTS = {
    "accepted": Report("ex", "a.py", [case("one", Verdict.AC), case("two_long_name", Verdict.AC)]),
    "wrong with a hint": Report("ex", "b.py", [
        case("one", Verdict.WA, message="dx is wrong", details=["dx: max error 1"], hint="use +="),
        case("secret_name", Verdict.WA, "hidden", "hidden 1", message="wrong answer on a hidden case"),
    ], notes=["You changed lines 3 outside the Begin/End markers"]),
    "compile error": Report("ex", "c.py", [case("one", Verdict.CE)], verdict=Verdict.CE,
                            compile_error="line 3: SyntaxError: invalid syntax"),
}


@pytest.mark.parametrize("colour", [False, True])
@pytest.mark.parametrize("view", ["student", "instructor"])
@pytest.mark.parametrize("which", sorted(REPORTS))
def test_what_live_text_writes_is_the_text_report(which, view, colour):
    report = REPORTS[which]
    written = []
    live = reports.LiveText(written.append, colour, view)
    if not report.compile_error:
        live.start(report.exercise, report.submission, [(c.name, c.label) for c in report.cases])
        for index in reversed(range(len(report.cases))):     # decided in any order
            live.case(index, report.cases[index])
    live.finish(report)
    assert "".join(written) == reports.to_text(report, colour, view) + "\n"


def test_lines_are_written_in_the_reports_order_as_soon_as_they_can_be():
    report = REPORTS["wrong with a hint"]
    written = []
    live = reports.LiveText(written.append)
    live.start("ex", "b.py", [(c.name, c.label) for c in report.cases])
    assert written == ["ex: b.py\n"]
    live.case(1, report.cases[1])
    assert len(written) == 1                                  # waits for the case before it
    live.case(0, report.cases[0])
    assert [w.split()[1] for w in written[1:]] == ["one", "hidden"]


def test_a_compile_error_after_the_start_still_ends_as_the_text_report():
    report = REPORTS["compile error"]
    written = []
    live = reports.LiveText(written.append)
    live.start("ex", "c.py", [("one", "")])
    live.finish(report)
    assert "".join(written) == reports.to_text(report) + "\n"
