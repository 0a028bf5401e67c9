"""The command line as students, instructors and scripts use it."""

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, SUBMISSIONS
from helpers import SEED_CONV, case_file, fill, write

SEED = str(SUBMISSIONS / "conv_backward" / "correct_seed.py")
WRONG = str(SUBMISSIONS / "conv_backward" / "wrong_sign_flip.py")


def judge(*args, env=None):
    full_env = dict(os.environ, NO_COLOR="1")
    full_env.update(env or {})
    return subprocess.run([sys.executable, str(ROOT / "judge.py"), *args], capture_output=True,
                          text=True, env=full_env, timeout=120)


def test_grade_json_document_shape():
    done = judge("grade", SEED, "--exercise", "conv_backward", "--format", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    for key, kind in [("exercise", str), ("submission", str), ("verdict", str), ("score", int),
                      ("max_score", int), ("passed", int), ("total", int), ("cases", list)]:
        assert isinstance(doc[key], kind), key
    assert doc["verdict"] == "AC" and doc["score"] == doc["max_score"] == 100
    assert doc["passed"] == doc["total"] == len(doc["cases"])
    for case in doc["cases"]:
        assert {"name", "verdict", "score", "max_score", "time_ms", "visibility", "message"} <= set(case)
        assert case["visibility"] in ("public", "hidden")
        assert isinstance(case["time_ms"], float)
    assert done.stderr == ""


def test_grade_wrong_answer_exit_code_and_text():
    done = judge("grade", WRONG, "--exercise", "conv_backward")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("conv_backward: ")
    assert lines[-1].startswith("Result: WA (wrong answer)  score 0/100")
    assert "likely mistake: dx: every value has the wrong sign" in done.stdout
    assert "correct: out, dW, db" in done.stdout
    assert "\033[" not in done.stdout
    assert "First failing public case" in done.stdout


def test_hidden_case_details_never_reach_json():
    done = judge("grade", WRONG, "--exercise", "conv_backward", "--format", "json")
    doc = json.loads(done.stdout)
    hidden = [case for case in doc["cases"] if case["visibility"] == "hidden"]
    assert hidden
    for case in hidden:
        assert case["details"] == [] and case["output"] is None and case["hint"] is None
        assert "expected" not in case["message"]


def test_output_file(tmp_path):
    target = tmp_path / "report.json"
    done = judge("grade", SEED, "-e", "conv_backward", "--format", "json", "-o", str(target))
    assert done.returncode == 0 and done.stdout == ""
    assert json.loads(target.read_text())["verdict"] == "AC"


def test_compile_error_exit_code(tmp_path):
    path = write(tmp_path, "s.py", "print('no markers')\n")
    done = judge("grade", str(path), "-e", "conv_backward")
    assert done.returncode == 1
    assert "CE" in done.stdout and "no `########## Begin ##########`" in done.stdout


@pytest.mark.parametrize("args, words", [
    (["grade", SEED, "-e", "conv_backwards"], "unknown exercise 'conv_backwards' (did you mean 'conv_backward'?)"),
    (["grade", SEED, "-e", "conv_backward", "--cases", "/nonexistent/x.yaml"], "no such file or folder"),
    (["grade", SEED], "Missing option '--exercise'"),
    (["grade", SEED, "-e", "conv_backward", "--time-limit", "0"], "--time-limit"),
    (["grade", SEED, "-e", "conv_backward", "--format", "xml"], "'xml' is not one of"),
])
def test_usage_errors_are_one_line_exit_2(args, words):
    done = judge(*args)
    assert done.returncode == 2
    assert words in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_broken_case_file_is_usage_error(tmp_path):
    bad = case_file(tmp_path, "cases:\n  - {name: a, seed: x}\n")
    done = judge("grade", SEED, "-e", "conv_backward", "--cases", str(bad))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "case 'a': seed: expected a whole number" in done.stderr


def test_list():
    done = judge("list")
    assert done.returncode == 0
    assert "conv_backward" in done.stdout and "maxpool_backward" in done.stdout
    assert "cases (" in done.stdout


def test_cases_validate_ok_and_problems(tmp_path):
    done = judge("cases", "validate")
    assert done.returncode == 0 and done.stdout.startswith("ok: ")
    folder = tmp_path / "cases" / "conv_backward"
    folder.mkdir(parents=True)
    case_file(folder, "cases:\n  - {name: a, seed: -1}\n  - {name: b, seed: 1, points: x}\n")
    done = judge("cases", "validate", str(folder))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any("case 'a': seed: must be at least 0" in line for line in lines)
    assert any("case 'b': points: expected a whole number" in line for line in lines)
    assert "Traceback" not in done.stdout + done.stderr


def test_colour_only_on_a_terminal_and_never_with_no_color():
    from grader.output import report
    class Tty:
        def isatty(self):
            return True
    env = dict(os.environ)
    os.environ.pop("NO_COLOR", None)
    try:
        assert report.use_colour(Tty())
        os.environ["NO_COLOR"] = "1"
        assert not report.use_colour(Tty())
    finally:
        os.environ.clear()
        os.environ.update(env)
