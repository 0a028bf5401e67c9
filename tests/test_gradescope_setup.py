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
