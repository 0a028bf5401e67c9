"""The shipped Gradescope autograder scripts produce a valid results.json."""

import json
import os
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT, SUBMISSIONS

HERE = ROOT / "examples" / "gradescope"


def autograder(tmp_path, files, preexec=None):
    """Gradescope's folder layout, with a stand-in for the venv's judge."""
    (tmp_path / "source").symlink_to(ROOT)
    (tmp_path / "submission").mkdir()
    for name, text in files.items():
        (tmp_path / "submission" / name).write_text(text)
    judge = tmp_path / "venv" / "bin" / "judge"
    judge.parent.mkdir(parents=True)
    judge.write_text(f"#!/bin/sh\nexec {sys.executable} {ROOT / 'judge.py'} \"$@\"\n")
    judge.chmod(0o755)
    (judge.parent / "python").symlink_to(sys.executable)
    done = subprocess.run(["bash", str(HERE / "run_autograder")], capture_output=True, text=True,
                          env=dict(os.environ, AUTOGRADER_ROOT=str(tmp_path)), timeout=300,
                          preexec_fn=preexec)
    assert done.returncode == 0, done.stderr
    return json.loads((tmp_path / "results" / "results.json").read_text())


def test_run_autograder_grades_the_submission(tmp_path):
    doc = autograder(tmp_path, {"conv.py": (SUBMISSIONS / "conv_backward" / "correct_seed.py").read_text()})
    assert doc["score"] == 100.0
    assert len(doc["tests"]) == 12 and all(t["status"] == "passed" for t in doc["tests"])


def test_run_autograder_in_a_container_without_namespaces_refuses_with_a_message(tmp_path):
    """The default mode never grades with the reference in reach: the student
    gets a results.json that says why nothing was graded."""
    from test_sandbox import _without_namespaces
    doc = autograder(tmp_path, {"conv.py": (SUBMISSIONS / "conv_backward" / "correct_seed.py").read_text()},
                     preexec=_without_namespaces)
    assert doc["score"] == 0.0 and doc["tests"] == []
    assert doc["output"].startswith("The autograder could not grade this submission: judge: --sandbox auto: "
                                    "this machine cannot isolate submissions (")
    assert "Please tell your instructor." in doc["output"]


def test_run_autograder_grades_the_file_with_markers_among_several_and_says_so(tmp_path):
    seed = (SUBMISSIONS / "conv_backward" / "correct_seed.py").read_text()
    doc = autograder(tmp_path, {"a_notes.py": "x = 1\n", "b_helper.py": "def f():\n    pass\n",
                                "conv.py": seed})
    assert doc["score"] == 100.0, doc["output"]
    first = doc["output"].split("\n")[0]
    assert first == ("You uploaded 3 .py files (a_notes.py, b_helper.py, conv.py); graded conv.py "
                     "(the first with the Begin/End markers). Upload only your filled-in skeleton "
                     "to be sure.")
    assert len(doc["tests"]) == 12


def test_run_autograder_with_several_files_and_no_markers_says_so(tmp_path):
    doc = autograder(tmp_path, {"a.py": "x = 1\n", "b.py": "y = 2\n"})
    assert doc["score"] == 0.0
    assert doc["output"].startswith("You uploaded 2 .py files (a.py, b.py); graded a.py "
                                    "(none has the Begin/End markers).")


def test_batch_gradescope_writes_a_results_json_per_student(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "alice.py").write_text((SUBMISSIONS / "conv_backward" / "correct_seed.py").read_text())
    (klass / "bob.py").write_text((SUBMISSIONS / "conv_backward" / "wrong_sign_flip.py").read_text())
    out = tmp_path / "gradescope"
    done = subprocess.run([sys.executable, str(ROOT / "judge.py"), "batch", str(klass), "-e",
                           "conv_backward", "--format", "gradescope", "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["alice", "bob"]
    for student, score in (("alice", 100.0), ("bob", 0.0)):
        doc = json.loads((out / student / "results.json").read_text())
        # Gradescope's results.json: a top-level score (or per-test scores), tests with
        # name, score, max_score, status, output and visibility
        assert doc["score"] == score
        assert set(doc) >= {"score", "execution_time", "output", "tests"}
        for test in doc["tests"]:
            assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
            assert test["status"] in ("passed", "failed")
            assert test["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
        assert not any(t["name"] in hidden_names() for t in doc["tests"])


def hidden_names():
    from grader.declare import cases as case_files, exercise
    ex = exercise.load("conv_backward")
    return [c.name for c in case_files.load(ex) if not c.public]


def test_run_autograder_without_a_python_file(tmp_path):
    doc = autograder(tmp_path, {"notes.txt": "hello"})
    assert doc["score"] == 0.0 and "No .py file was submitted" in doc["output"]


def test_run_autograder_with_a_broken_file(tmp_path):
    doc = autograder(tmp_path, {"conv.py": "def broken(:\n"})
    assert doc["score"] == 0.0
    assert "CE" in doc["output"] and all(t["status"] == "failed" for t in doc["tests"])


def test_make_zip_puts_scripts_at_the_root(tmp_path):
    out = tmp_path / "ag.zip"
    done = subprocess.run(["bash", str(HERE / "make_zip.sh"), "maxpool_backward", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        assert {"setup.sh", "run_autograder", "judge.py", "pyproject.toml"} <= names
        assert "reference/maxpool_backward.py" in names
        assert archive.read("examples/gradescope/EXERCISE").decode().strip() == "maxpool_backward"
    bad = subprocess.run(["bash", str(HERE / "make_zip.sh"), "nope", str(out)],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "unknown exercise 'nope'" in bad.stderr
