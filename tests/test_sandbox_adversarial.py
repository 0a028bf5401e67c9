"""The adversarial corpus: submissions that attack the judge instead of solving the exercise.

Each file in tests/adversarial/ starts with ``# attack: ...``,
``# expect: VERDICT`` and ``# exercise: ID``. Graded in the default mode (auto) on two small cases,
each must get exactly that verdict, and afterwards the judge must be intact:
no process of the run left anywhere, no file of the project changed (a private
copy of the project that the attacks aim at), no large file left in a
temporary folder, and the model answer still graded AC by the same worker and
the same box (a box an attack broke would be replaced by a new one, unseen).
The judge's environment holds a secret (JUDGE_SECRET) that no run may find.
"""

import os
import secrets
import shutil
import time
from pathlib import Path

import pytest

from conftest import ROOT
from grader.box.worker import UID_BASE
from grader.pipeline.verdict import Verdict
from helpers import SEED_CONV, SEED_POOL, box_strays, descendants, fill

CORPUS = ROOT / "tests" / "adversarial"
FILES = sorted(CORPUS.glob("*.py"))
CASES = {"conv_backward": CORPUS / "conv_cases.yaml", "maxpool_backward": CORPUS / "maxpool_cases.yaml"}
WATCHED = ("reference", "cases", "grader", "exercises", "tests/adversarial")
SEEDS = {"conv_backward": SEED_CONV, "maxpool_backward": SEED_POOL}
MARKER = "judge-attack"             # the process name attacks give the processes they start
# A secret in the judge's environment, set when the tests are collected, before any worker
# starts: env_and_argv hunts it everywhere a run can look and must never find it.
JUDGE_SECRET = secrets.token_hex(16)
os.environ["JUDGE_SECRET"] = JUDGE_SECRET


def expectation(path):
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[0].startswith("# attack: ") and lines[1].startswith("# expect: "), path.name
    assert lines[2].startswith("# exercise: "), path.name
    verdict = Verdict(lines[1][len("# expect: "):].strip())
    return lines[0][len("# attack: "):], verdict, lines[2][len("# exercise: "):].strip()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A private copy of the project (JUDGE_HOME) for the attacks to aim at, so that
    the check that no file changed cannot be confused by anybody else's edits."""
    home = tmp_path_factory.mktemp("judge-home")
    for folder in WATCHED:
        shutil.copytree(ROOT / folder, home / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "judge.py", home / "judge.py")
    saved = os.environ.get("JUDGE_HOME")
    os.environ["JUDGE_HOME"] = str(home)
    try:
        yield home
    finally:
        if saved is None:
            os.environ.pop("JUDGE_HOME", None)
        else:
            os.environ["JUDGE_HOME"] = saved


def tree_snapshot(root=ROOT):
    snapshot = {}
    for folder in WATCHED:
        for path in (root / folder).rglob("*"):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            info = path.stat()
            snapshot[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns)
    for path in root.iterdir():
        if path.is_file():
            info = path.stat()
            snapshot[path.name] = (info.st_size, info.st_mtime_ns)
    return snapshot


def large_new_files(since, owners=None, folders=("/tmp", "/var/tmp", "/dev/shm"), size=1 << 20):
    """Files of 1 MB or more written since ``since`` (test runs' own folders aside), by one of
    ``owners`` (uids) when given: other judges on the machine write large files there too."""
    found = []
    for folder in folders:
        for base, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith("pytest-of-")]
            if base.count(os.sep) - folder.count(os.sep) >= 3:
                dirs[:] = []
            for name in files:
                path = os.path.join(base, name)
                try:
                    info = os.lstat(path)
                except OSError:
                    continue
                if info.st_size >= size and info.st_mtime >= since and (
                        owners is None or info.st_uid in owners):
                    found.append(path)
    return found


def assert_healthy(worker, grade_file, project, before, started, label, box=None):
    # Only the worker's box is left under the worker: its PID 1.
    deadline = time.monotonic() + 2.0
    while True:
        extra = [(pid, depth) for pid, depth in descendants(worker.pid) if depth > 1]
        strays = box_strays(worker)
        if not extra and not strays or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert not extra, f"{label}: processes left under the worker: {extra}"
    assert not strays, f"{label}: processes of the run left on the machine: {strays}"
    after = tree_snapshot(project)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert not changed, f"{label}: project files changed: {changed}"
    # As root a run's files belong to its own uid (no capability could make them root's);
    # as an ordinary user, to that user.
    owners = {UID_BASE + worker.pid} if os.geteuid() == 0 else {os.getuid()}
    assert not large_new_files(started, owners), f"{label}: large files left behind"
    for exercise, seed in SEEDS.items():
        report = grade_file(_write_seed(exercise, seed), exercise, cases=str(CASES[exercise]))
        assert report.verdict is Verdict.AC, f"{label}: the next submission was not graded normally"
    if box is not None:                  # by the same box: a broken one would be replaced unseen
        assert (worker.pid, worker.box_pid) == box, f"{label}: the worker or its box was replaced"


_SEEDS = {}


def _write_seed(exercise, body):
    if exercise not in _SEEDS:
        import tempfile
        handle, path = tempfile.mkstemp(prefix="judge-seed-", suffix=".py")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(fill(exercise, body))
        _SEEDS[exercise] = path
    return _SEEDS[exercise]


def test_the_corpus_is_large_and_covers_every_verdict():
    assert len(FILES) >= 30
    verdicts = {expectation(path)[1] for path in FILES}
    assert {Verdict.TLE, Verdict.MLE, Verdict.RE, Verdict.OLE, Verdict.WA, Verdict.AC} <= verdicts


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_attack_gets_its_verdict_and_the_judge_stays_healthy(path, worker, grade_file, project):
    attack, verdict, exercise = expectation(path)
    seed = grade_file(_write_seed(exercise, SEEDS[exercise]), exercise, cases=str(CASES[exercise]))
    assert seed.verdict is Verdict.AC
    box = (worker.pid, worker.box_pid)
    before = tree_snapshot(project)
    started = time.time() - 1
    cases = project / CASES[exercise].relative_to(ROOT)
    report = grade_file(path, exercise, cases=str(cases))
    got = [c.verdict for c in report.cases]
    assert report.verdict is verdict, (
        f"{path.name} ({attack}): expected {verdict}, got {report.verdict}: "
        f"{[(c.verdict.value, c.message) for c in report.cases]}")
    assert Verdict.IE not in got and Verdict.CE not in got
    if verdict is Verdict.AC:
        assert report.score == report.max_score
    else:
        assert report.cases[0].verdict is verdict, report.cases[0].message
        assert report.score < report.max_score
    for case in report.cases:
        assert "\n" not in case.message and len(case.message) < 400, case.message
        assert "Traceback" not in case.message + case.output
    assert_healthy(worker, grade_file, project, before, started, path.name, box)


@pytest.mark.parametrize("mode", ["auto", "off"])
def test_memory_far_past_the_limit_is_mle_on_every_case(mode, grade_file):
    """Not only the first case: each group of cases runs anew and each one hits the limit
    (which --sandbox off keeps too)."""
    report = grade_file(CORPUS / "memory_far_past_limit.py", "conv_backward",
                        cases=str(CASES["conv_backward"]), sandbox=mode)
    assert len(report.cases) == 2
    assert [c.verdict for c in report.cases] == [Verdict.MLE, Verdict.MLE], \
        [(c.verdict.value, c.message) for c in report.cases]
    assert "256 MB" in report.cases[0].message
