"""The sandbox's layers, its modes, and the judge's own robustness around it."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT
from grader.box import kernel, seccomp
from grader.box.worker import UID_BASE
from grader.pipeline.verdict import Verdict
from helpers import SEED_CONV, fill, write

CORPUS = ROOT / "tests" / "adversarial"
CONV_CASES = str(CORPUS / "conv_cases.yaml")
SEED_FILE = str(ROOT / "tests" / "submissions" / "conv_backward" / "correct_seed.py")

PROBE = """
import os
facts = {"uid": os.getuid(), "pid": os.getpid(), "cwd": os.getcwd(),
         "procs": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}
def attempt(name, action):
    try:
        action()
        facts[name] = "ok"
    except OSError as err:
        facts[name] = type(err).__name__
attempt("read_reference", lambda: open(REFERENCE).read())
attempt("read_cases", lambda: open(CASES).read())
attempt("write_tmp", lambda: open("/tmp/judge-probe-planted", "w").write("x"))
attempt("write_workdir", lambda: open("mine.txt", "w").write("x"))
def tmp_listing():
    import numpy, sys
    allowed = {p.split("/")[2] for p in (sys.executable, numpy.__file__, os.__file__)
               if p.startswith("/tmp/")}
    extra = set(os.listdir("/tmp")) - allowed
    facts["tmp_listing"] = f"{len(extra)} other entries" if extra else "only allowed folders"
try:
    tmp_listing()
except OSError as err:
    facts["tmp_listing"] = type(err).__name__
def fork_and_leave():
    if os.fork() == 0:
        os._exit(0)
attempt("fork", fork_and_leave)
import socket
attempt("socket", socket.socket)
print(repr(facts))
""" + SEED_CONV


def probe(tmp_path, grade_file, mode):
    body = PROBE.replace("REFERENCE", repr(str(ROOT / "reference" / "conv_backward.py"))).replace(
        "CASES", repr(CONV_CASES))
    path = write(tmp_path, "probe.py", fill("conv_backward", body))
    report = grade_file(path, cases=CONV_CASES, sandbox=mode)
    assert report.verdict is Verdict.AC, report.cases[0].message
    return eval(report.cases[0].output.strip().splitlines()[-1])   # noqa: S307 - our own dict


def test_auto_mode_isolates_the_run(tmp_path):
    if os.path.exists("/tmp/judge-probe-planted"):
        os.unlink("/tmp/judge-probe-planted")
    from grader.pipeline.grade import Options, grade
    from grader.pipeline.run import Worker
    with Worker().start() as fresh:                 # a new box, whichever tests ran before
        facts = probe(tmp_path, lambda path, exercise="conv_backward", **options: grade(
            str(path), exercise, Options(**options), worker=fresh), "auto")
    assert facts["read_reference"] == "FileNotFoundError"       # covered by an empty folder
    assert facts["read_cases"] == "FileNotFoundError"           # --cases files too
    # no /tmp in the box; or, when the interpreter or numpy lives below /tmp (a checkout
    # there), only the read-only folders on the way to them
    assert facts["write_tmp"] in ("FileNotFoundError", "OSError")
    assert facts["tmp_listing"] in ("FileNotFoundError", "only allowed folders")
    assert facts["write_workdir"] == "ok"
    assert facts["fork"] == "PermissionError" and facts["socket"] == "PermissionError"
    assert facts["procs"] == [1, 2] and facts["pid"] == 2       # its own PID namespace, under our PID 1
    if os.geteuid() == 0:
        assert facts["uid"] >= UID_BASE                # not root
    assert not os.path.exists("/tmp/judge-probe-planted")


def test_off_mode_keeps_limits_but_not_isolation(tmp_path, grade_file):
    facts = probe(tmp_path, grade_file, "off")
    if os.path.exists("/tmp/judge-probe-planted"):
        os.unlink("/tmp/judge-probe-planted")
    assert facts["read_reference"] == "ok" and facts["write_workdir"] == "ok"
    assert facts["uid"] == os.getuid() and facts["pid"] not in (1, 2)
    body = "big = np.ones((64, 1024, 1024, 8))\n" + SEED_CONV
    report = grade_file(write(tmp_path, "hog.py", fill("conv_backward", body)), cases=CONV_CASES,
                        sandbox="off")
    assert report.verdict is Verdict.MLE


def test_without_the_sandbox_the_reference_attack_would_win(grade_file):
    """The corpus' file attacks are real: with isolation off, reading the reference gives AC."""
    path = CORPUS / "read_reference.py"
    assert grade_file(path, cases=CONV_CASES, sandbox="off").verdict is Verdict.AC
    assert grade_file(path, cases=CONV_CASES, sandbox="auto").verdict is Verdict.WA


def judge(*args, env=None, preexec=None, timeout=120, prefix=()):
    full_env = dict(os.environ, NO_COLOR="1")
    full_env.update(env or {})
    return subprocess.run([*prefix, sys.executable, str(ROOT / "judge.py"), *args], capture_output=True,
                          text=True, env=full_env, timeout=timeout, preexec_fn=preexec)


def _without_namespaces():
    """Like a container's default filter: unshare and setns fail with EPERM."""
    import ctypes
    deny = 0x00050000 | 1
    program = seccomp.assemble([
        (0x20, 0, 0, 0),
        (0x15, 0, 1, 272), (0x06, 0, 0, deny),
        (0x15, 0, 1, 308), (0x06, 0, 0, deny),
        (0x06, 0, 0, 0x7FFF0000),
    ])
    import struct
    raw = b"".join(struct.pack("HBBI", *ins) for ins in program)
    buf = ctypes.create_string_buffer(raw, len(raw))
    fprog = ctypes.create_string_buffer(struct.pack("HxxxxxxQ", len(program), ctypes.addressof(buf)), 16)
    kernel.prctl(kernel.PR_SET_NO_NEW_PRIVS, 1)
    kernel.libc().prctl(22, ctypes.c_ulong(2), ctypes.c_void_p(ctypes.addressof(fprog)), 0, 0)


@pytest.mark.skipif(not seccomp.supported(), reason="the filter is written for x86-64")
@pytest.mark.parametrize("mode", ["auto", "strict"])
def test_without_namespaces_auto_and_strict_refuse_in_one_line(mode):
    """Where the box cannot be built, no mode but off grades: the reference
    would be in reach."""
    done = judge("grade", SEED_FILE, "-e", "conv_backward", "--sandbox", mode,
                 preexec=_without_namespaces)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith(f"judge: --sandbox {mode}: this machine cannot isolate submissions (")
    assert "namespaces" in done.stderr and "--sandbox off" in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


@pytest.mark.skipif(not seccomp.supported(), reason="the filter is written for x86-64")
def test_without_namespaces_off_still_grades_trusted_code():
    done = judge("grade", SEED_FILE, "-e", "conv_backward", "--sandbox", "off",
                 preexec=_without_namespaces)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and "Result: AC" in done.stdout


def test_auto_needs_every_layer_that_hides_files_and_warns_for_the_rest(capsys):
    from grader.pipeline import sandbox as judge_sandbox
    from grader.box.worker import refusal
    assert refusal("auto", {"seccomp": "no filter for riscv64"}) is None
    # as an ordinary user the run has PID 1's uid: only the filter keeps PID 1's limits its own
    assert refusal("auto", {"seccomp": "no filter for riscv64"}, shares_uid=True).startswith(
        "a system call filter")
    assert refusal("strict", {"seccomp": "no filter for riscv64"}).startswith(
        "a system call filter (no new processes, no sockets, nothing aimed at other processes): "
        "no filter for riscv64; ")
    for layer in ("namespaces", "identity", "filesystem", "proc"):
        assert refusal("auto", {layer: "why"}) and refusal("strict", {layer: "why"})
    assert refusal("off", {"namespaces": "why"}) is None
    judge_sandbox.warn_missing({"mode": "auto", "layers": [], "missing": {"seccomp": "no filter"}})
    judge_sandbox.warn_missing({"mode": "auto", "layers": [], "missing": {"seccomp": "no filter"}})
    err = capsys.readouterr().err
    assert err == ("judge: warning: --sandbox auto runs submissions with less isolation here: "
                   "a system call filter (no new processes, no sockets, nothing aimed at other "
                   "processes): no filter; use --sandbox strict to refuse\n")


def test_sandbox_option_and_environment_default():
    done = judge("grade", SEED_FILE, "-e", "conv_backward", "--sandbox", "strict", "--format", "json")
    assert done.returncode == 0 and done.stderr == ""
    assert json.loads(done.stdout)["verdict"] == "AC"
    done = judge("grade", SEED_FILE, "-e", "conv_backward", env={"JUDGE_SANDBOX": "sometimes"})
    assert done.returncode == 2
    assert done.stderr == ("judge: JUDGE_SANDBOX='sometimes': must be auto, strict or off; "
                           "fix or unset it\n")
    done = judge("grade", SEED_FILE, "-e", "conv_backward", "--sandbox", "maybe")
    assert done.returncode == 2 and "'maybe' is not one of" in done.stderr


def test_ctrl_c_ends_the_judge_with_one_line(tmp_path):
    path = write(tmp_path, "slow.py", fill("conv_backward", "import time\ntime.sleep(30)\n" + SEED_CONV))
    process = subprocess.Popen([sys.executable, str(ROOT / "judge.py"), "grade", str(path), "-e",
                                "conv_backward", "--time-limit", "20"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, env=dict(os.environ, NO_COLOR="1"))
    time.sleep(2.0)
    os.killpg(process.pid, signal.SIGINT)          # what a terminal sends to the whole group
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err == "judge: interrupted; nothing was graded to the end\n"
    assert "Traceback" not in out + err


def test_the_judge_itself_is_not_dumpable(grade_file):
    """Once it holds a reference, another process of the same user cannot read its memory."""
    from grader.answers import secrecy
    grade_file(SEED_FILE, cases=CONV_CASES)
    assert secrecy.held()
    assert kernel.libc().prctl(3, 0, 0, 0, 0) == 0       # PR_GET_DUMPABLE


@pytest.mark.parametrize("when", ["before the case", "during the case"])
def test_a_lost_worker_is_replaced_and_its_case_graded_again(tmp_path, when):
    """A worker that dies is the judge's fault: the case it was running is
    graded again, on a new worker, and counts as if nothing had happened."""
    import threading
    from grader.pipeline.grade import Options, grade
    from grader.pipeline.run import Worker
    body = "if dout.shape[0] == 2:\n    import time\n    time.sleep(0.8)\n" + SEED_CONV
    path = write(tmp_path, "slow_public.py", fill("conv_backward", body))
    worker = Worker().start()
    try:
        first = worker.pid
        if when == "before the case":
            os.kill(first, signal.SIGKILL)
            while os.waitid(os.P_PID, first, os.WEXITED | os.WNOWAIT) is None:
                time.sleep(0.01)
        else:
            threading.Timer(0.5, os.kill, (first, signal.SIGKILL)).start()
        report = grade(str(path), "conv_backward", Options(cases=CONV_CASES), worker=worker)
        assert [c.verdict for c in report.cases] == [Verdict.AC, Verdict.AC]
        assert worker.pid not in (None, first)
    finally:
        worker.close()


def test_a_worker_lost_twice_on_a_case_is_an_internal_error_not_the_students(tmp_path):
    import threading
    from grader.pipeline.grade import Options, grade
    from grader.pipeline.run import Worker
    body = "if dout.shape[0] == 2:\n    import time\n    time.sleep(3)\n" + SEED_CONV
    path = write(tmp_path, "slow_public.py", fill("conv_backward", body))
    worker = Worker().start()
    killed = []

    def kill_each_new_worker():
        deadline = time.monotonic() + 20
        while len(killed) < 2 and time.monotonic() < deadline:
            pid = worker.pid
            if pid and pid not in killed and worker.hello is not None:
                time.sleep(0.5)                   # well inside the sleeping case
                if worker.pid == pid:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
            time.sleep(0.02)

    killer = threading.Thread(target=kill_each_new_worker)
    killer.start()
    try:
        report = grade(str(path), "conv_backward", Options(cases=CONV_CASES, time_limit=5), worker=worker)
    finally:
        killer.join()
        worker.close()
    assert len(killed) == 2
    first = report.cases[0]
    assert first.verdict is Verdict.IE, first.message
    assert "does not count" in first.message
    assert report.verdict is Verdict.IE


def test_a_run_whose_setup_fails_gets_a_new_box_and_is_the_judges_fault():
    """A run that cannot lock itself in never runs student code: the worker
    reports a fault of the box, the judge replaces the worker (a new box)
    and tries once more, then says so; the worker after it grades normally."""
    from grader.declare import exercise as exercises
    from grader.pipeline import execute, grade as grading
    from grader.pipeline.run import Worker
    ex = exercises.load("conv_backward")
    source = (ROOT / "tests" / "submissions" / "conv_backward" / "correct_seed.py").read_text()
    shared = execute.shared_request(ex, source, grading.Options())
    spec = {"params": {}, "time_limit": 1, "memory_limit": "lots", "output_limit": 1 << 20,
            "result_limit": 1 << 20}
    with Worker().start() as worker:
        first = worker.pid
        (envelope, result, output), = list(worker.run_cases(shared, [(spec, {})]))
        assert envelope["state"] == "box_fault" and "run setup failed" in envelope["reason"]
        assert result == b"" and output == b""
        report = grading.grade(SEED_FILE, "conv_backward", grading.Options(cases=CONV_CASES),
                               worker=worker)
        assert report.verdict is Verdict.AC
        assert worker.pid not in (None, first)
