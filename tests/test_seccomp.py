"""The run's system call filter, evaluated instruction by instruction, and loaded for real."""

import errno
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from grader.box import kernel, seccomp

OWN = 2                                          # the run's pid as it sees it
ALLOW, DENY, KILL = "allow", "deny", "kill"


def evaluate(program, nr, args=(), arch=seccomp.AUDIT_ARCH_X86_64):
    """Run the classic BPF program on one system call, as the kernel would."""
    args = list(args) + [0] * (6 - len(args))
    data = {0: nr, 4: arch}
    for i, value in enumerate(args):
        data[16 + 8 * i] = value & 0xFFFFFFFF
        data[20 + 8 * i] = (value >> 32) & 0xFFFFFFFF
    acc, pc = 0, 0
    while True:
        code, jt, jf, k = program[pc]
        if code == seccomp.LD:
            acc = data[k]
        elif code == seccomp.RET:
            if k == seccomp.RET_ALLOW:
                return ALLOW
            if k == seccomp.RET_KILL:
                return KILL
            assert k & 0xFFFF0000 == 0x00050000, hex(k)
            return DENY if k & 0xFFFF == errno.EPERM else f"errno {k & 0xFFFF}"
        elif code in (seccomp.JEQ, seccomp.JSET, seccomp.JGE):
            hit = {seccomp.JEQ: acc == k, seccomp.JSET: bool(acc & k), seccomp.JGE: acc >= k}[code]
            pc += jt if hit else jf
        else:
            raise AssertionError(f"unknown instruction {code:#x}")
        pc += 1


@pytest.fixture(scope="module")
def program():
    return seccomp.program(OWN)


def test_the_program_is_small_and_every_jump_lands_inside(program):
    assert len(program) < 4096
    jumps = [(pc, jt, jf) for pc, (code, jt, jf, _) in enumerate(program)
             if code in (seccomp.JEQ, seccomp.JSET, seccomp.JGE)]
    assert jumps
    for pc, jt, jf in jumps:
        assert pc + 1 + max(jt, jf) < len(program)


def test_other_architectures_and_the_x32_abi_are_killed(program):
    assert evaluate(program, 0, arch=0x40000003) == KILL                # i386
    assert evaluate(program, 0x40000000 + 1) == KILL                     # x32


@pytest.mark.parametrize("name", sorted(seccomp.DENY))
def test_every_listed_call_is_denied(program, name):
    assert evaluate(program, seccomp.DENY[name]) == DENY


@pytest.mark.parametrize("name,nr", [("read", 0), ("write", 1), ("mmap", 9), ("brk", 12),
                                     ("getpid", 39), ("futex", 202), ("exit_group", 231)])
def test_ordinary_calls_are_allowed(program, name, nr):
    assert evaluate(program, nr, [1, 2, 3]) == ALLOW


def test_threads_yes_processes_and_namespaces_no(program):
    thread = 0x3D0F00                            # what glibc passes for pthread_create
    assert evaluate(program, seccomp.CLONE, [thread]) == ALLOW
    assert evaluate(program, seccomp.CLONE, [0x11]) == DENY                  # fork()
    assert evaluate(program, seccomp.CLONE, [thread | kernel.CLONE_NEWUSER]) == DENY
    assert evaluate(program, seccomp.CLONE3) == f"errno {errno.ENOSYS}"      # glibc falls back


@pytest.mark.parametrize("name", sorted(seccomp.OWN_PID_ONLY))
def test_signals_reach_only_the_run_itself(program, name):
    nr = seccomp.OWN_PID_ONLY[name]
    assert evaluate(program, nr, [OWN, 9]) == ALLOW
    for target in (1, 0, -1 & 0xFFFFFFFFFFFFFFFF, 3, OWN + (1 << 32)):
        expected = ALLOW if target & 0xFFFFFFFF == OWN else DENY
        assert evaluate(program, nr, [target, 9]) == expected, target


@pytest.mark.parametrize("name", sorted(seccomp.SELF_OR_ZERO))
def test_calls_on_a_process_act_only_on_the_run(program, name):
    nr = seccomp.SELF_OR_ZERO[name]
    assert evaluate(program, nr, [0, 1, 2]) == ALLOW
    assert evaluate(program, nr, [OWN, 1, 2]) == ALLOW
    assert evaluate(program, nr, [1, 1, 2]) == DENY           # the box's PID 1
    assert evaluate(program, nr, [7, 1, 2]) == DENY


def test_priorities_only_for_the_run_itself(program):
    setpriority, prio_process, prio_pgrp, prio_user = seccomp.BY_WHICH["setpriority"][0], 0, 1, 2
    assert evaluate(program, setpriority, [prio_process, 0, 19]) == ALLOW
    assert evaluate(program, setpriority, [prio_process, OWN, 19]) == ALLOW
    assert evaluate(program, setpriority, [prio_process, 1, 19]) == DENY
    assert evaluate(program, setpriority, [prio_user, 0, 19]) == DENY       # every process of the user
    assert evaluate(program, setpriority, [prio_pgrp, 0, 19]) == DENY
    ioprio_set = seccomp.BY_WHICH["ioprio_set"][0]
    assert evaluate(program, ioprio_set, [1, 0, 0]) == ALLOW
    assert evaluate(program, ioprio_set, [1, 1, 0]) == DENY
    assert evaluate(program, ioprio_set, [3, 0, 0]) == DENY                 # IOPRIO_WHO_USER


@pytest.mark.skipif(not seccomp.supported(), reason="the filter is written for x86-64")
def test_the_loaded_filter_denies_what_it_says():
    script = f"""
import os, resource, signal, socket, sys, threading
sys.path.insert(0, {str(ROOT)!r})
from grader.box import kernel, seccomp
kernel.prctl(kernel.PR_SET_NO_NEW_PRIVS, 1)
seccomp.install(os.getpid())
results = []
def attempt(action):
    try:
        action()
        results.append("ok")
    except OSError as err:
        results.append(err.errno)
attempt(os.fork)
attempt(socket.socket)
attempt(lambda: os.kill(os.getppid(), 0))
attempt(lambda: os.kill(-1, 0))
attempt(lambda: os.kill(0, 0))
attempt(lambda: os.kill(os.getpid(), 0))
thread = threading.Thread(target=lambda: None)
attempt(lambda: (thread.start(), thread.join()))
attempt(lambda: os.memfd_create("x"))
attempt(lambda: resource.prlimit(os.getppid(), resource.RLIMIT_CPU))
attempt(lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)))
attempt(lambda: os.setpriority(os.PRIO_USER, 0, 19))
attempt(lambda: os.setpriority(os.PRIO_PROCESS, 0, 1))
attempt(lambda: os.sched_setaffinity(os.getppid(), {{0}}))
attempt(lambda: os.execv(sys.executable, [sys.executable, "-c", "pass"]))
attempt(lambda: os.pidfd_open(os.getppid()))
print(results)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[1, 1, 1, 1, 1, 'ok', 'ok', 1, 1, 'ok', 1, 'ok', 1, 1, 1]"
