"""The judge run by a real ordinary user (uid 65534 through setpriv, see unprivileged.py).

The whole adversarial corpus on one worker in strict mode, ``judge grade`` in auto and
strict, and ``judge batch`` of a class full of attackers (that one also as root): every
verdict as expected, nothing left running below the worker, no file of the project
changed, and the next submission graded normally by the same box.
"""

import csv
import io
import json
import os
import secrets
import shutil
import sys

import pytest

from conftest import ROOT
from unprivileged import User, ordinary_user  # noqa: F401 - the fixture

CORPUS = ROOT / "tests" / "adversarial"
ATTACKS = sorted(CORPUS.glob("*.py"))
LAYERS = {"namespaces", "identity", "seccomp", "filesystem", "proc"}


def expectation(path):
    lines = path.read_text(encoding="utf-8").split("\n")[:3]
    return lines[1].split(": ", 1)[1].strip(), lines[2].split(": ", 1)[1].strip()


def test_the_whole_corpus_as_an_ordinary_user(ordinary_user):
    user = ordinary_user
    done = user.run(user.project / "tests" / "corpus_as_user.py", user.project, "strict", timeout=600,
                    env={"JUDGE_SECRET": secrets.token_hex(16)})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    facts = json.loads(done.stdout)
    assert facts["uid"] == user.uid != 0 and int(facts["caps"], 16) == 0
    if user.prefix:
        assert facts["gid"] == 65534 and facts["groups"] == []
    assert sorted(facts["attacks"]) == [p.stem for p in ATTACKS]
    for name, got in facts["attacks"].items():
        label = f"{name}: {got['cases']}"
        assert got["seed_before"] == "AC", label
        assert set(got["box"]["layers"]) == LAYERS and not got["box"]["missing"], got["box"]
        assert got["verdict"] == got["expect"], label
        verdicts = [verdict for verdict, _ in got["cases"]]
        assert "IE" not in verdicts and "CE" not in verdicts, label
        if got["expect"] != "AC":
            assert verdicts[0] == got["expect"], label
        assert got["left"] == [], f"{name}: processes left below the worker: {got['left']}"
        assert got["changed"] == [], f"{name}: files of the project changed: {got['changed']}"
        assert got["seeds_after"] == {"conv_backward": "AC", "maxpool_backward": "AC"}, label
        assert got["same_box"], f"{name}: the worker or its box was replaced"


GRADED = [("correct_seed", "AC", 0), ("read_reference", "WA", 1), ("read_classmate", "WA", 1),
          ("env_and_argv", "WA", 1), ("exec_interpreter", "WA", 1), ("kill_everything", "AC", 0),
          ("memory_numpy", "MLE", 1), ("loop_forever", "TLE", 1)]


@pytest.mark.parametrize("mode", ["auto", "strict"])
def test_judge_grade_as_an_ordinary_user(ordinary_user, mode):
    user = ordinary_user
    cases = user.project / "tests" / "adversarial" / "conv_cases.yaml"
    for name, verdict, code in GRADED:
        folder = "submissions/conv_backward" if name.startswith("correct") else "adversarial"
        path = user.project / "tests" / folder / f"{name}.py"
        done = user.judge("grade", path, "-e", "conv_backward", "--cases", cases, "--sandbox", mode,
                          env={"JUDGE_SECRET": secrets.token_hex(16)}, timeout=120)
        assert done.returncode == code, f"{name}: {done.returncode} {done.stderr}"
        assert done.stderr == "", f"{name}: {done.stderr}"
        last = done.stdout.rstrip("\n").split("\n")[-1]
        assert last.startswith(f"Result: {verdict} ("), f"{name}: {last}"
        assert "Traceback" not in done.stdout


CLASSMATES = ["correct_seed", "correct_einsum_tensordot", "correct_kernel_loops", "wrong_sign_flip",
              "wrong_db_mean", "wrong_col2im_no_pad", "wrong_returns_none"]


@pytest.fixture(params=["own user", "ordinary user"])
def grader_user(request, tmp_path):
    """The test's own user (root on this machine) running the checkout, or the ordinary user."""
    if request.param == "ordinary user":
        return request.getfixturevalue("ordinary_user")
    home = tmp_path / "home"
    home.mkdir()
    return User(f"uid {os.getuid()}", os.getuid(), ROOT, home, sys.executable)


def _row(report):
    """What a CSV row of ``judge batch`` holds for a report (instructor's JSON)."""
    return [report["verdict"], str(report["score"]), str(report["max_score"]),
            *[case["verdict"] for case in report["cases"]]]


def test_batch_of_a_class_full_of_attackers(grader_user):
    user = grader_user
    klass = user.home / "class"
    klass.mkdir()
    for name in CLASSMATES:
        shutil.copy(ROOT / "tests" / "submissions" / "conv_backward" / f"{name}.py", klass / f"{name}.py")
    attackers = {}
    for path in ATTACKS:
        expect, exercise = expectation(path)
        if exercise == "conv_backward":
            shutil.copy(path, klass / path.name)
            attackers[path.stem] = expect
    assert len(attackers) >= 40
    user.give(klass)
    cases = user.project / "tests" / "adversarial" / "conv_cases.yaml"
    grades = user.home / "grades.csv"
    secret = {"JUDGE_SECRET": secrets.token_hex(16)}
    done = user.judge("batch", klass, "-e", "conv_backward", "--cases", cases, "-j", "2", "-o", grades,
                      env=secret, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stdout + done.stderr
    rows = [row for row in csv.reader(io.StringIO(grades.read_text(encoding="utf-8"))) if row]
    assert rows[0] == ["student", "verdict", "score", "max_score", "public_small", "hidden_small"]
    by_student = {row[0]: row[1:] for row in rows[1:]}
    assert sorted(by_student) == sorted(CLASSMATES + list(attackers))
    wrong = {name: by_student[name] for name, expect in attackers.items()
             if by_student[name][0] != expect or {"IE", "CE"} & set(by_student[name])}
    assert not wrong, f"attackers without their verdict: {wrong}"
    for name in CLASSMATES:
        alone = user.judge("grade", klass / f"{name}.py", "-e", "conv_backward", "--cases", cases,
                           "--format", "json", "--view", "instructor", env=secret, timeout=120)
        assert alone.returncode in (0, 1), alone.stderr
        assert by_student[name] == _row(json.loads(alone.stdout)), name
    assert by_student["correct_seed"][0] == "AC" and by_student["wrong_sign_flip"][0] == "WA"
