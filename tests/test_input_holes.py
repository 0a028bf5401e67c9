"""Bad input is a one-line error and loses nothing: links, odd names, YAML bombs, SIGTERM, helper typos."""

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SUBMISSIONS
from grader import batch
from grader.declare import exercise, schema
from grader.pipeline import read
from grader.errors import JudgeError
from grader.pipeline.verdict import Verdict
from helpers import SEED_CONV, descendants, fill, write

SEED = SUBMISSIONS / "conv_backward" / "correct_seed.py"
WRONG = SUBMISSIONS / "conv_backward" / "wrong_sign_flip.py"
CASES = str(ROOT / "tests" / "adversarial" / "conv_cases.yaml")


def judge(*args, timeout=180, **kwargs):
    return subprocess.run([sys.executable, str(ROOT / "judge.py"), *args], capture_output=True,
                          text=True, timeout=timeout, env=dict(os.environ, NO_COLOR="1"), **kwargs)


# ------------------------------------------------------------ symbolic links

def test_a_link_to_the_reference_is_not_graded_as_the_reference(tmp_path, grade_file):
    link = tmp_path / "mine.py"
    link.symlink_to(ROOT / "reference" / "conv_backward.py")
    submission = read.read(link)
    assert submission.text is None
    assert submission.problem == f"{link}: is a symbolic link; hand in the file itself"
    report = grade_file(link, cases=CASES)
    assert report.verdict is Verdict.CE and report.score == 0
    done = judge("grade", str(link), "-e", "conv_backward", "--cases", CASES)
    assert done.returncode == 1 and "CE" in done.stdout and "symbolic link" in done.stdout


def test_links_in_a_class_folder_are_listed_as_ce_never_dropped(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(SEED, folder / "alice.py")
    (folder / "bob.py").symlink_to(ROOT / "reference" / "conv_backward.py")
    (folder / "carol.py").symlink_to(tmp_path / "gone.py")                 # dangling
    (folder / "dave").mkdir()
    (folder / "dave" / "submission.py").symlink_to(SEED)
    (folder / "erin").symlink_to(ROOT / "reference")                       # a linked folder
    entries = batch.collect([str(folder)])
    assert [e.student for e in entries] == ["alice", "bob", "carol", "dave", "erin"]
    done = judge("batch", str(folder), "-e", "conv_backward", "--cases", CASES, "-j", "2")
    assert done.returncode == 0, done.stderr
    rows = {row["student"]: row for row in csv.DictReader(io.StringIO(done.stdout))}
    assert rows["alice"]["verdict"] == "AC"
    for student in ("bob", "carol", "dave", "erin"):
        assert rows[student]["verdict"] == "CE" and rows[student]["score"] == "0", student


# ------------------------------------------------------------ names that are not UTF-8

def test_a_file_name_that_is_not_utf8_is_escaped_and_the_gradebook_written(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(SEED, folder / "alice.py")
    odd = os.fsdecode(b"stud\xffent\x1b[31m.py")
    shutil.copy(WRONG, os.path.join(folder, odd))
    out = tmp_path / "grades.csv"
    done = judge("batch", str(folder), "-e", "conv_backward", "--cases", CASES, "-o", str(out))
    assert done.returncode == 0, done.stderr
    rows = {row["student"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    assert set(rows) == {"alice", "stud\\xffent\\x1b[31m"}
    assert rows["alice"]["verdict"] == "AC" and rows["stud\\xffent\\x1b[31m"]["verdict"] == "WA"
    assert "\x1b" not in out.read_text(encoding="utf-8")
    shown = "stud\\xffent\\x1b[31m"
    for fmt in ("json", "junit", "gradescope"):
        done = judge("batch", str(folder), "-e", "conv_backward", "--cases", CASES, "--format", fmt)
        assert done.returncode == 0, (fmt, done.stderr)
        assert "\x1b" not in done.stdout and "\udcff" not in done.stdout, fmt
    import json
    done = judge("batch", str(folder), "-e", "conv_backward", "--cases", CASES, "--format", "json")
    assert {s["student"] for s in json.loads(done.stdout)["submissions"]} == {"alice", shown}


def test_a_report_that_cannot_be_written_keeps_the_old_file(tmp_path):
    out = tmp_path / "grades.csv"
    out.write_text("the old gradebook\n")
    os.chmod(tmp_path, 0o500)                    # no new file can be made next to it
    try:
        done = judge("grade", str(SEED), "-e", "conv_backward", "--cases", CASES, "-o", str(out))
    finally:
        os.chmod(tmp_path, 0o700)
    if os.geteuid() == 0:                         # root writes anyway: then the write is whole
        assert done.returncode == 0 and "Result: AC" in out.read_text()
    else:
        assert done.returncode == 2
        assert done.stderr.startswith(f"judge: {out}: cannot write the report (") and \
            done.stderr.count("\n") == 1
        assert out.read_text() == "the old gradebook\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]      # no temporary file left


def test_a_batch_that_fails_leaves_the_old_gradebook(tmp_path):
    out = tmp_path / "grades.csv"
    out.write_text("the old gradebook\n")
    broken = write(tmp_path, "broken.yaml", "cases: [{name: x}]\n")
    done = judge("batch", str(SEED), "-e", "conv_backward", "--cases", str(broken), "-o", str(out))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert out.read_text() == "the old gradebook\n"


# ------------------------------------------------------------ YAML bombs

BOMB = """exercise: conv_backward
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
cases: [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

ANCHORED = """exercise: conv_backward
cases:
  - &base {name: a, seed: 1, points: 5, params: {N: 2, C: 2, H: 5, W: 6, FN: 3, FH: 3, FW: 2}}
  - {<<: *base, name: b, seed: 2}
"""


def test_an_alias_bomb_is_refused_before_it_is_expanded(tmp_path):
    path = write(tmp_path, "bomb.yaml", BOMB)
    assert len(BOMB) < 700
    data, problem = schema.load_yaml(path)
    assert data is None
    assert problem == (f"more than {schema.MAX_NODES} values once anchors and aliases are expanded; "
                       f"write the values out or split the file")
    done = judge("cases", "validate", str(path), timeout=60)
    assert done.returncode == 1
    assert done.stdout == f"{path}: {problem}\n"


def test_ordinary_anchors_and_merge_keys_still_work(tmp_path):
    path = write(tmp_path, "anchored.yaml", ANCHORED)
    done = judge("cases", "validate", str(path))
    assert done.returncode == 0 and done.stdout == "ok: 2 cases valid\n", done.stdout + done.stderr
    data, _ = schema.load_yaml(write(tmp_path, "dup.yaml", "a: 1\na: 2\n"))
    assert data is None                           # a key written twice is still refused


# ------------------------------------------------------------ SIGTERM

@pytest.mark.parametrize("command", ["grade", "batch"])
def test_sigterm_ends_the_judge_like_ctrl_c(tmp_path, command):
    slow = write(tmp_path, "slow.py", fill("conv_backward", "import time\ntime.sleep(30)\n" + SEED_CONV))
    target = str(slow) if command == "grade" else str(tmp_path)
    process = subprocess.Popen([sys.executable, str(ROOT / "judge.py"), command, target, "-e",
                                "conv_backward", "--time-limit", "20"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, NO_COLOR="1"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(depth >= 2 for _, depth in descendants(process.pid)):
        time.sleep(0.05)                          # until a run is under way
    below = [pid for pid, _ in descendants(process.pid)]
    assert below, "nothing was running"
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 143
    assert err == "judge: terminated; nothing was graded to the end\n"
    assert "Traceback" not in out + err
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(pid) for pid in below):
        time.sleep(0.05)
    assert not [pid for pid in below if _alive(pid)], "a process of the judge outlived it"


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# ------------------------------------------------------------ helper names

def test_a_helper_that_does_not_exist_is_named_when_the_exercise_loads(tmp_path, monkeypatch):
    for folder in ("exercises", "reference", "cases"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    path = tmp_path / "exercises" / "conv_backward" / "exercise.yaml"
    path.write_text(path.read_text().replace("helpers: [utils]", "helpers: [utilz]"))
    monkeypatch.setenv("JUDGE_HOME", str(tmp_path))
    with pytest.raises(JudgeError) as caught:
        exercise.load("conv_backward")
    message = str(caught.value)
    assert message.endswith("exercise.yaml: helpers: no module 'utilz' in exercises/lib (did you mean "
                            "'utils'?) (there: functions, utils); fix the name or add "
                            "exercises/lib/utilz.py")
    done = subprocess.run([sys.executable, str(ROOT / "judge.py"), "grade", str(SEED), "-e",
                           "conv_backward"], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, JUDGE_HOME=str(tmp_path)))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "utilz" in done.stderr


@pytest.mark.parametrize("how", ["SIGTERM", "Ctrl-C"])
def test_a_stopped_parallel_batch_leaves_no_process_and_no_folder(tmp_path, how):
    """Mode off keeps its runs' folders on disk: stopping a batch of several judge
    processes must remove them all, whatever is running at that moment."""
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("a", "b", "c"):
        write(folder, f"{name}.py", fill("conv_backward", "import time\ntime.sleep(30)\n" + SEED_CONV))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = subprocess.Popen([sys.executable, str(ROOT / "judge.py"), "batch", str(folder), "-e",
                                "conv_backward", "-j", "2", "--time-limit", "20", "--sandbox", "off"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True,
                               env=dict(os.environ, NO_COLOR="1", TMPDIR=str(scratch)))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and sum(1 for p in scratch.iterdir()) < 2:
        time.sleep(0.05)                          # both judge processes' workers are running
    assert len(list(scratch.iterdir())) >= 2, "the workers did not start"
    time.sleep(0.5)
    below = [pid for pid, _ in descendants(process.pid)]
    if how == "SIGTERM":
        process.send_signal(signal.SIGTERM)
    else:
        os.killpg(process.pid, signal.SIGINT)     # what a terminal sends to the whole group
    out, err = process.communicate(timeout=60)
    assert (process.returncode, err) == (
        (143, "judge: terminated; nothing was graded to the end\n") if how == "SIGTERM" else
        (130, "judge: interrupted; nothing was graded to the end\n"))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(pid) for pid in below):
        time.sleep(0.05)
    assert not [pid for pid in below if _alive(pid)], "a process of the judge outlived it"
    assert list(scratch.iterdir()) == [], "folders left behind"
