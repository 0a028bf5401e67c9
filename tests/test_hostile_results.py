"""Hostile runs that forge results, hunt for hidden cases, or stall a batch."""

import shutil
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SUBMISSIONS
from grader.pipeline.verdict import Verdict
from helpers import case_file, fill, write

CASES = """
cases:
  - {name: pub, seed: 1, params: {N: 2, C: 2, H: 5, W: 6, FN: 3, FH: 3, FW: 2, stride: 2, pad: 1}, points: 5, time_limit: 2}
  - {name: secret, seed: 2, params: {N: 1, C: 1, H: 9, W: 11, FN: 7, FH: 2, FW: 3, pad: 1}, points: 5, visibility: hidden, time_limit: 2}
"""

FORGE = """import io, json, os, struct
def frame(data):
    return struct.pack(">Q", len(data)) + data
{header}
os.write(3, frame(payload))
os._exit(0)"""

HUGE_SHAPE = """header = json.dumps({"status": "ok", "values": {n: {"kind": "array"} for n in ("out", "dx", "dW", "db")}}).encode()
b = io.BytesIO()
np.lib.format.write_array_header_1_0(b, {"descr": "<f8", "fortran_order": False, "shape": (0, 10 ** 30)})
payload = frame(header) + frame(b.getvalue()) * 4"""

BAD_DTYPE = """header = json.dumps({"status": "ok", "values": {n: {"kind": "array"} for n in ("out", "dx", "dW", "db")}}).encode()
b = io.BytesIO()
np.lib.format.write_array_header_1_0(b, {"descr": "<f8", "fortran_order": False, "shape": (2,)})
payload = frame(header) + frame(b.getvalue().replace(b"<f8", b"<f7") + bytes(16)) * 4"""

HUGE_INTEGER = """payload = frame(b'{"status": "ok", "values": ' + b"9" * 5000 + b"}")"""

HUGE_LINE = """header = json.dumps({"status": "error", "phase": "backward", "type": "ValueError",
                     "message": "x", "frames": [["submission.py", 10 ** 12, "backward"]]}).encode()
payload = frame(header)"""


@pytest.fixture
def cases(tmp_path):
    return str(case_file(tmp_path, CASES))


@pytest.mark.parametrize("forged", [HUGE_SHAPE, BAD_DTYPE, HUGE_INTEGER, HUGE_LINE],
                         ids=["huge-shape", "bad-dtype", "huge-integer", "huge-line-number"])
def test_forged_results_never_crash_or_hang_the_judge(grade_file, tmp_path, cases, forged):
    path = write(tmp_path, "forge.py", fill("conv_backward", FORGE.format(header=forged)))
    started = time.monotonic()
    report = grade_file(path, cases=cases)
    assert time.monotonic() - started < 20
    assert report.cases[0].verdict in (Verdict.WA, Verdict.RE)
    assert all(c.verdict not in (Verdict.AC, Verdict.IE) for c in report.cases)
    seed = grade_file(SUBMISSIONS / "conv_backward" / "correct_seed.py", cases=cases)
    assert seed.verdict is Verdict.AC


HUNT = """import gc, sys
found = set()
def walk(value, depth=0):
    if isinstance(value, np.ndarray):
        found.add("shape" + repr(value.shape))
    elif isinstance(value, dict) and depth < 4:
        found.add(repr(value)[:5000])
        for inner in list(value.values()):
            walk(inner, depth + 1)
    elif isinstance(value, (list, tuple)) and depth < 4:
        for inner in value:
            walk(inner, depth + 1)
    else:
        found.add(repr(value)[:5000])
frame = sys._getframe()
while frame is not None:
    walk(dict(frame.f_locals))
    frame = frame.f_back
for obj in gc.get_objects():
    if isinstance(obj, dict) and ("params" in obj or "H" in obj):
        walk(obj)
for name, module in list(sys.modules.items()):
    if name.startswith("grader"):
        walk(dict(vars(module)))
nine, eleven = 4 + 5, 12 - 1          # the hidden case's sizes, never written out here
secrets = ["'H': %d" % nine, "'W': %d" % eleven, "'FN': %d" % (eleven - 4),
           "shape(1, 1, %d, %d)" % (nine, eleven), "shape(%d, 1, 2, 3)" % (eleven - 4)]
print("own case seen:", "shape(2, 2, 5, 6)" in found)
print("hidden case seen:", [s for s in secrets if any(s in text for text in found)])
""" + "\n"


def test_a_public_case_cannot_reach_a_hidden_case(grade_file, tmp_path, cases):
    """What a public case prints is shown: the hidden case's parameters and
    inputs must not be anywhere the run can reach while it runs."""
    path = write(tmp_path, "hunt.py", fill("conv_backward", HUNT + "dx = None"))
    report = grade_file(path, cases=cases)
    printed = report.cases[0].output
    assert "own case seen: True" in printed        # the hunt works: it finds its own case
    assert "hidden case seen: []" in printed


def test_a_forging_submission_does_not_stall_a_parallel_batch(tmp_path, cases):
    folder = tmp_path / "class"
    folder.mkdir()
    write(folder, "evil.py", fill("conv_backward", FORGE.format(header=HUGE_SHAPE)))
    for i in range(4):
        shutil.copy(SUBMISSIONS / "conv_backward" / "correct_seed.py", folder / f"ok{i}.py")
    done = subprocess.run([sys.executable, str(ROOT / "judge.py"), "batch", str(folder), "-e",
                           "conv_backward", "--cases", cases, "-j", "3"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = [row for row in done.stdout.splitlines()[1:] if row]
    assert sorted(r.split(",")[1] for r in rows) == ["AC", "AC", "AC", "AC", "WA"]


def _gone(pid, seconds=5.0):
    import os
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except OSError:
            return True
        time.sleep(0.01)
    return False


@pytest.mark.parametrize("mode", ["auto", "off"])
def test_a_killed_worker_leaves_nothing_behind(tmp_path, cases, mode):
    """The box dies with its worker; in auto mode it never had a folder on the
    host, in mode off its runs' folder is removed."""
    import os
    import signal
    from grader.pipeline.grade import Options, grade
    from grader.pipeline.run import Worker
    worker = Worker().start()
    try:
        report = grade(str(SUBMISSIONS / "conv_backward" / "correct_seed.py"), "conv_backward",
                       Options(cases=cases, sandbox=mode), worker=worker)
        assert report.verdict is Verdict.AC
        box, scratch = worker.box_pid, worker.scratch
        assert isinstance(box, int) and box > 1
        if mode == "auto":
            assert scratch is None
        else:
            assert os.path.isdir(scratch)
        os.kill(worker.pid, signal.SIGKILL)
        worker.kill()
        assert _gone(box), "the box outlived its worker"
        if mode == "off":
            assert not os.path.exists(scratch)
    finally:
        worker.close()
