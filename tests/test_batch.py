"""Grading a whole class, and the formats grades leave the judge in."""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from conftest import ROOT, SUBMISSIONS
from grader import batch
from grader.answers import cache
from grader.declare import exercise
from grader.output import export
from grader.declare.cases import load as load_cases
from grader.errors import JudgeError
from grader.answers.expected import prepare
from grader.pipeline.grade import Options
from grader.pipeline.verdict import Verdict
from helpers import SEED_CONV, case_file, fill, write

QUICK = """
cases:
  - {name: pub, seed: 1, params: {N: 2, C: 2, H: 5, W: 6, FN: 3, FH: 3, FW: 2, stride: 2, pad: 1}, points: 6, time_limit: 1}
  - {name: hid, seed: 2, params: {N: 1, C: 3, H: 4, W: 5, FN: 2, FH: 2, FW: 3, pad: 1}, points: 4, visibility: hidden, time_limit: 1}
"""


@pytest.fixture
def klass(tmp_path):
    """A folder of mixed submissions, as an instructor downloads them."""
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("correct_seed", "correct_einsum_tensordot", "wrong_sign_flip", "wrong_db_mean",
                 "wrong_returns_none", "wrong_col2im_no_pad"):
        shutil.copy(SUBMISSIONS / "conv_backward" / f"{name}.py", folder / f"{name}.py")
    write(folder, "loops_forever.py", fill("conv_backward", "while True:\n    pass"))
    write(folder, "no_markers.py", "print('hello')\n")
    write(folder, "crashes.py", fill("conv_backward", "raise RuntimeError('x')"))
    nested = folder / "zoe"
    nested.mkdir()
    write(nested, "my_conv.py", fill("conv_backward", SEED_CONV))
    return folder


def test_collect_files_folders_and_globs(klass):
    entries = batch.collect([str(klass)])
    students = [e.student for e in entries]
    assert students == sorted(students)
    assert "zoe" in students and len(entries) == 10
    assert dict((e.student, e.path) for e in entries)["zoe"].endswith("zoe/my_conv.py")
    globbed = batch.collect([str(klass / "wrong_*.py")])
    assert [e.student for e in globbed] == ["wrong_col2im_no_pad", "wrong_db_mean",
                                           "wrong_returns_none", "wrong_sign_flip"]
    single = batch.collect([str(klass / "crashes.py")])
    assert single == [batch.Entry("crashes", str(klass / "crashes.py"))]


def test_collect_errors_are_one_line(tmp_path, klass):
    with pytest.raises(JudgeError, match="no file matches this pattern"):
        batch.collect([str(tmp_path / "*.nothing")])
    with pytest.raises(JudgeError, match="no such file or folder"):
        batch.collect([str(tmp_path / "missing")])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(JudgeError, match="no .py files or student folders inside"):
        batch.collect([str(empty)])
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(klass / "crashes.py", other / "crashes.py")
    with pytest.raises(JudgeError, match="student id 'crashes' is also used by"):
        batch.collect([str(klass), str(other)])


def test_batch_verdicts_match_single_grading(klass, tmp_path, grade_file):
    cases = str(case_file(tmp_path, QUICK))
    entries = batch.collect([str(klass)])
    done = []
    results = batch.grade_all("conv_backward", entries, Options(cases=cases), jobs=2,
                              on_done=lambda entry, report: done.append(entry.student))
    assert sorted(done) == sorted(e.student for e in entries)
    assert [student for student, _ in results] == [e.student for e in entries]
    for entry, (student, report) in zip(entries, results):
        single = grade_file(entry.path, cases=cases)
        assert report.verdict is single.verdict, student
        assert [c.verdict for c in report.cases] == [c.verdict for c in single.cases], student
        assert report.score == single.score
    verdicts = {student: report.verdict for student, report in results}
    assert verdicts["correct_seed"] is Verdict.AC and verdicts["zoe"] is Verdict.AC
    assert verdicts["loops_forever"] is Verdict.TLE
    assert verdicts["no_markers"] is Verdict.CE
    assert verdicts["crashes"] is Verdict.RE
    assert verdicts["wrong_sign_flip"] is Verdict.WA


def test_batch_command_csv_and_summary(klass, tmp_path):
    cases = str(case_file(tmp_path, QUICK))
    target = tmp_path / "grades.csv"
    done = subprocess.run([sys.executable, str(ROOT / "judge.py"), "batch", str(klass), "-e",
                           "conv_backward", "--cases", cases, "-o", str(target), "-j", "2"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == 10
    assert list(rows[0]) == ["student", "verdict", "score", "max_score", "pub", "hid"]
    by_student = {r["student"]: r for r in rows}
    assert by_student["correct_seed"]["score"] == "10" and by_student["correct_seed"]["max_score"] == "10"
    assert by_student["loops_forever"]["pub"] == "TLE"
    assert all(r["score"].isdigit() for r in rows)
    assert "10 submissions: AC 3" in done.stdout
    assert "score: mean" in done.stdout and "most failed cases: " in done.stdout
    assert "Traceback" not in done.stderr


def _reports(grade_file, tmp_path, names):
    cases = str(case_file(tmp_path, QUICK))
    return [(name, grade_file(SUBMISSIONS / "conv_backward" / f"{name}.py", cases=cases))
            for name in names]


def test_gradescope_results_json(grade_file, tmp_path):
    (_, good), (_, bad) = _reports(grade_file, tmp_path, ["correct_seed", "wrong_sign_flip"])
    doc = json.loads(export.to_gradescope(bad))
    assert isinstance(doc["score"], float) and doc["score"] == 0.0
    assert isinstance(doc["execution_time"], (int, float))
    assert isinstance(doc["output"], str) and isinstance(doc["tests"], list)
    assert len(doc["tests"]) == 2
    for test in doc["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
    pub, hid = doc["tests"]
    assert pub["visibility"] == "visible" and "dx" in pub["output"]
    assert hid["visibility"] == "after_published" and "expected" not in hid["output"]
    good_doc = json.loads(export.to_gradescope(good))
    assert good_doc["score"] == sum(t["score"] for t in good_doc["tests"]) == 10.0
    assert all(t["status"] == "passed" for t in good_doc["tests"])


def test_junit_report(grade_file, tmp_path):
    results = _reports(grade_file, tmp_path, ["correct_seed", "wrong_sign_flip", "wrong_returns_none"])
    root = ET.fromstring(export.to_junit(results).encode())
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["correct_seed", "wrong_sign_flip", "wrong_returns_none"]
    for suite in suites:
        cases = suite.findall("testcase")
        assert len(cases) == int(suite.get("tests")) == 2
        assert all(c.get("name") and c.get("classname") and float(c.get("time")) >= 0 for c in cases)
        assert int(suite.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
    assert suites[0].get("failures") == "0"
    failure = suites[1].find("testcase").find("failure")
    assert failure.get("type") == "WA" and "dx" in failure.get("message")
    assert int(root.get("tests")) == 6


def test_junit_survives_control_characters(grade_file, tmp_path):
    text = fill("conv_backward", "print('\\x01\\x1b[31m')\nraise ValueError('bad \\x07 bell')")
    report = grade_file(write(tmp_path, "s.py", text), cases=str(case_file(tmp_path, QUICK)))
    xml = export.to_junit([("s", report)])
    assert [ch for ch in xml if ord(ch) < 32 and ch != "\n"] == []
    public = ET.fromstring(xml.encode()).find("testsuite").find("testcase")
    assert public.get("name") == "pub"
    assert public.find("error").get("message") == "ValueError: bad \\x07 bell in backward"


def test_csv_quotes_and_neutralises_formulas(grade_file, tmp_path):
    (_, report), = _reports(grade_file, tmp_path, ["correct_seed"])
    text = export.to_csv([("=HYPERLINK(1)", report), ("smith, jo", report)])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == "'=HYPERLINK(1)"
    assert rows[2][0] == "smith, jo"
    assert len(rows) == 3 and all(len(r) == len(rows[0]) for r in rows)


def test_batch_gradescope_and_json_documents(grade_file, tmp_path):
    results = _reports(grade_file, tmp_path, ["correct_seed", "wrong_db_mean"])
    doc = json.loads(export.to_batch_gradescope(results))
    assert set(doc) == {"correct_seed", "wrong_db_mean"} and doc["correct_seed"]["score"] == 10.0
    full = json.loads(export.to_batch_json(results))
    assert full["summary"]["submissions"] == 2
    assert full["summary"]["verdicts"] == {"AC": 1, "WA": 1}
    assert [s["student"] for s in full["submissions"]] == ["correct_seed", "wrong_db_mean"]


def test_expected_results_are_cached_and_keyed(tmp_path):
    ex = exercise.load("conv_backward")
    cases = load_cases(ex, case_file(tmp_path, QUICK))
    assert cache.load(ex, cases) is None
    first = prepare(ex, cases)
    stored = cache.load(ex, cases)
    assert stored is not None
    for item, found in zip(first, stored):
        for name in ex.outputs:
            np.testing.assert_array_equal(item.expected[name], found[name])
    other = load_cases(ex, case_file(tmp_path, QUICK.replace("seed: 1,", "seed: 9,"), "b.yaml"))
    assert cache.load(ex, other) is None
    files = list(cache.folder().glob("conv_backward-*.npz"))
    assert files and oct(cache.folder().stat().st_mode & 0o777) == "0o700"
    for file in files:
        file.write_bytes(b"garbage")
    assert cache.load(ex, cases) is None
    again = prepare(ex, cases)
    np.testing.assert_array_equal(again[0].expected["dx"], first[0].expected["dx"])


def test_batch_sandbox_option_and_a_bad_default(tmp_path):
    folder = tmp_path / "two"
    folder.mkdir()
    for name in ("correct_seed", "wrong_sign_flip"):
        shutil.copy(SUBMISSIONS / "conv_backward" / f"{name}.py", folder / f"{name}.py")
    cases = str(case_file(tmp_path, QUICK))
    base = [sys.executable, str(ROOT / "judge.py"), "batch", str(folder), "-e", "conv_backward",
            "--cases", cases, "-j", "2"]
    done = subprocess.run(base + ["--sandbox", "strict"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert {row.split(",")[0]: row.split(",")[1] for row in done.stdout.splitlines()[1:] if row} == {
        "correct_seed": "AC", "wrong_sign_flip": "WA"}
    bad = subprocess.run(base, capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, JUDGE_SANDBOX="bogus"))
    assert bad.returncode == 2
    assert bad.stderr == "judge: JUDGE_SANDBOX='bogus': must be auto, strict or off; fix or unset it\n"
