"""The attacks of the corpus are real: against a weaker box each one wins.

An attack that cannot win proves nothing when it loses. Each attack below is
graded once where the box lacks exactly the layer that stops it (its files in
reach, the judge's memory in reach, a worker that inherits the judge's
environment, a judge that sends every case to one run, a box without the
system call filter whose run shares PID 1's uid) and must then win; graded in
the real box, it loses (the adversarial suite checks that on every attack).
"""

import os
import secrets

import pytest

from conftest import ROOT
from grader.pipeline import run
from grader.errors import JudgeError
from grader.pipeline.grade import Options, grade
from grader.pipeline.run import Worker
from grader.pipeline.verdict import Verdict
from helpers import SEED_CONV, fill, write

CORPUS = ROOT / "tests" / "adversarial"
CONV_CASES = str(CORPUS / "conv_cases.yaml")


def attack(name):
    return CORPUS / f"{name}.py"


@pytest.mark.parametrize("name", ["read_classmate", "find_reference_anywhere", "exec_interpreter"])
def test_with_the_files_in_reach_the_attack_wins(name, grade_file):
    """--sandbox off: classmates, the reference and new programs are all there."""
    weak = grade_file(attack(name), cases=CONV_CASES, sandbox="off")
    assert [c.verdict for c in weak.cases] == [Verdict.AC, Verdict.AC], weak.cases[0].output
    boxed = grade_file(attack(name), cases=CONV_CASES, sandbox="auto")
    assert [c.verdict for c in boxed.cases] == [Verdict.WA, Verdict.WA], boxed.cases[0].message


@pytest.mark.skipif(os.geteuid() != 0, reason="as an ordinary user the judge is not dumpable, so its "
                                              "memory is out of reach even with --sandbox off")
@pytest.mark.parametrize("name", ["env_and_argv", "hidden_params_in_memory"])
def test_with_the_judges_memory_in_reach_the_attack_wins(name, grade_file):
    """--sandbox off as root: the run may read its ancestors' memory, the judge's among them,
    which holds the secret and the hidden case's name."""
    os.environ.setdefault("JUDGE_SECRET", secrets.token_hex(16))
    weak = grade_file(attack(name), cases=CONV_CASES, sandbox="off")
    assert weak.cases[0].verdict is Verdict.AC, weak.cases[0].output
    assert "found: " in weak.cases[0].output
    boxed = grade_file(attack(name), cases=CONV_CASES, sandbox="auto")
    assert boxed.cases[0].verdict is Verdict.WA, boxed.cases[0].message
    assert "nothing found" in boxed.cases[0].output


def test_a_worker_that_inherits_the_judges_environment_would_leak_the_secret(monkeypatch):
    """In the run's own memory: what a worker started with the judge's environment would hold."""
    monkeypatch.setenv("JUDGE_SECRET", secrets.token_hex(16))
    monkeypatch.setattr(run, "worker_environment", lambda: dict(os.environ))
    with Worker().start() as worker:
        report = grade(str(attack("env_and_argv")), "conv_backward",
                       Options(cases=CONV_CASES, sandbox="strict"), worker=worker)
    assert [c.verdict for c in report.cases] == [Verdict.AC, Verdict.AC], report.cases[0].output
    assert "own memory" in report.cases[0].output


def test_a_judge_that_sends_every_case_to_one_run_would_leak_the_hidden_parameters(tmp_path, grade_file):
    """The same cases, but all in one run (as if hidden cases went with the public ones):
    the hidden case's parameters are in the public case's memory, and the attack finds them."""
    text = (CORPUS / "conv_cases.yaml").read_text(encoding="utf-8")
    assert text.count("visibility: hidden") == 1
    together = write(tmp_path, "together.yaml", text.replace("visibility: hidden", "visibility: public"))
    report = grade_file(attack("hidden_params_in_memory"), cases=str(together))
    assert report.cases[0].verdict is Verdict.AC, report.cases[0].output
    assert "own memory" in report.cases[0].output
    apart = grade_file(attack("hidden_params_in_memory"), cases=CONV_CASES)
    assert apart.cases[0].verdict is Verdict.WA
    assert "nothing found" in apart.cases[0].output


WEAK_BOOT = ("from grader.box import kernel, seccomp; seccomp.supported = lambda: False; "
             "kernel.can_change_identity = lambda: False; ")
ALLOW_WEAK = ("import grader.box.worker as w; w.REQUIRED_SHARING_UID['auto'] = w.REQUIRED['auto']; ")


def test_without_the_filter_a_run_with_pid_1s_uid_is_refused_or_caught(monkeypatch, tmp_path, worker,
                                                                       grade_file):
    """A box without the system call filter whose run has PID 1's uid (an ordinary user's
    box on a machine without the filter; as root the run is made to keep root's uid):
    prlimit_box can lower PID 1's limits, and with them every later run's. So auto refuses
    such a box; and a box forced to grade anyway notices its changed limits before the next
    run and is replaced, so no later submission inherits them. In the real box every call
    is refused and the same box grades the next submission."""
    seed = write(tmp_path, "seed.py", fill("conv_backward", SEED_CONV))
    assert grade_file(seed, cases=CONV_CASES).verdict is Verdict.AC
    box = (worker.pid, worker.box_pid)
    real = grade_file(attack("prlimit_box"), cases=CONV_CASES)
    assert real.verdict is Verdict.AC and "'ok" not in real.cases[0].output, real.cases[0].output
    assert grade_file(seed, cases=CONV_CASES).verdict is Verdict.AC
    assert (worker.pid, worker.box_pid) == box

    options = Options(cases=CONV_CASES, sandbox="auto")
    monkeypatch.setattr(run, "BOOT", run.BOOT.replace("from grader.box import worker;",
                                                      WEAK_BOOT + "from grader.box import worker;"))
    with Worker().start() as weak:
        with pytest.raises(JudgeError) as refused:
            grade(str(seed), "conv_backward", options, worker=weak)
        assert str(refused.value).startswith("--sandbox auto: this machine cannot isolate submissions "
                                             "(a system call filter")

    monkeypatch.setattr(run, "BOOT", run.BOOT.replace(WEAK_BOOT, WEAK_BOOT + ALLOW_WEAK))
    with Worker().start() as weak:
        assert grade(str(seed), "conv_backward", options, worker=weak).verdict is Verdict.AC
        assert "seccomp" in weak.box()["missing"]
        first = (weak.pid, weak.box_pid)
        report = grade(str(attack("prlimit_box")), "conv_backward", options, worker=weak)
        output = report.cases[0].output
        assert "prlimit: {'ok': 4, 'ok on pid 1': 4" in output, output
        assert "prlimit64: {'ok': 4, 'ok on pid 1': 4" in output, output
        # Its hidden case found the box's limits changed: it was graded on a new box.
        assert [c.verdict for c in report.cases] == [Verdict.AC, Verdict.AC]
        assert (weak.pid, weak.box_pid) != first
        # it lowered the new box's limits too; the next submission never runs under them
        assert grade(str(seed), "conv_backward", options, worker=weak).verdict is Verdict.AC
