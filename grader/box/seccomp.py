"""The run's system call filter (x86-64): what it denies is listed in SECURITY.md.

A classic BPF program, assembled here from a few tables: calls denied
outright, calls allowed only when they aim at the run itself (a pid argument
of 0 or the run's own pid), and thread creation without new processes.
"""

import ctypes
import errno
import os
import platform
import struct
import sys

from . import kernel

AUDIT_ARCH_X86_64 = 0xC000003E
RET_ALLOW = 0x7FFF0000
RET_KILL = 0x80000000
SYS_SECCOMP = 317
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_FILTER_FLAG_TSYNC = 1

# Denied outright with EPERM: new programs and processes, debugging or
# reading other processes, mounting, namespaces, kernel modules and keyrings,
# BPF, io_uring, System V / POSIX IPC and memfd (memory outside the address
# space limit), sockets, pidfds.
DENY = {
    "execve": 59, "execveat": 322, "fork": 57, "vfork": 58,
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312,
    "pidfd_open": 434, "pidfd_getfd": 438, "pidfd_send_signal": 424, "tkill": 200,
    "process_madvise": 440, "process_mrelease": 448,
    "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "mount_setattr": 442,
    "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
    "fspick": 433, "unshare": 272, "setns": 308, "open_by_handle_at": 304,
    "name_to_handle_at": 303, "swapon": 167, "swapoff": 168, "reboot": 169,
    "sethostname": 170, "setdomainname": 171, "iopl": 172, "ioperm": 173, "quotactl": 179,
    "acct": 163, "syslog": 103, "fanotify_init": 300, "vhangup": 153, "lookup_dcookie": 212,
    "uselib": 134, "modify_ldt": 154, "personality": 135, "mknod": 133, "mknodat": 259,
    "init_module": 175, "finit_module": 313, "delete_module": 176, "kexec_load": 246,
    "kexec_file_load": 320, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
    "keyctl": 250, "add_key": 248, "request_key": 249,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "shmget": 29, "shmat": 30, "shmctl": 31, "semget": 64, "semop": 65, "semctl": 66,
    "semtimedop": 220, "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71,
    "mq_open": 240, "mq_unlink": 241, "memfd_create": 319, "memfd_secret": 447,
    "socket": 41, "socketpair": 53,
}
# Allowed only on the run itself: the first argument must be its own pid.
OWN_PID_ONLY = {"kill": 62, "rt_sigqueueinfo": 129, "tgkill": 234, "rt_tgsigqueueinfo": 297}
# Allowed on the run itself: the first argument 0 (the caller) or its own pid.
SELF_OR_ZERO = {
    "prlimit64": 302, "sched_setaffinity": 203, "sched_setparam": 142,
    "sched_setscheduler": 144, "sched_setattr": 314, "migrate_pages": 256, "move_pages": 279,
    "get_robust_list": 274,
}
# (which, who): allowed only for one process, the caller.
BY_WHICH = {"setpriority": (141, 0), "ioprio_set": (251, 1)}   # PRIO_PROCESS, IOPRIO_WHO_PROCESS
CLONE, CLONE3 = 56, 435
NAMESPACE_FLAGS = (kernel.CLONE_NEWNS | kernel.CLONE_NEWUTS | kernel.CLONE_NEWIPC |
                   kernel.CLONE_NEWPID | kernel.CLONE_NEWNET | kernel.CLONE_NEWUSER |
                   kernel.CLONE_NEWCGROUP)

LD, JEQ, JSET, JGE, RET = 0x20, 0x15, 0x45, 0x35, 0x06
ARG0, ARG1 = 16, 24                                 # offsets of the low words of args[0], args[1]


def supported():
    return sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")


def errno_ret(code):
    return 0x00050000 | code


def assemble(items):
    """Resolve label names in jumps to the relative offsets BPF wants."""
    positions, pos = {}, 0
    for item in items:
        if item[0] == "label":
            positions[item[1]] = pos
        else:
            pos += 1
    assembled, pos = [], 0
    for item in items:
        if item[0] == "label":
            continue
        code, jt, jf, k = item
        jt, jf = (t if isinstance(t, int) else positions[t] - pos - 1 for t in (jt, jf))
        if not (0 <= jt < 256 and 0 <= jf < 256):
            raise ValueError(f"a jump of the filter is out of range at instruction {pos}")
        assembled.append((code, jt, jf, k))
        pos += 1
    return assembled


def program(own_pid):
    """The filter for a run whose pid (as it sees it) is ``own_pid``: a list of (code, jt, jf, k)."""
    deny = errno_ret(errno.EPERM)
    own = own_pid & 0xFFFFFFFF
    items = [
        (LD, 0, 0, 4),                              # arch
        (JEQ, 1, 0, AUDIT_ARCH_X86_64),
        (RET, 0, 0, RET_KILL),
        (LD, 0, 0, 0),                              # system call number
        (JGE, 0, 1, 0x40000000),                    # the x32 ABI
        (RET, 0, 0, RET_KILL),
    ]
    for number in sorted(set(DENY.values())):
        items += [(JEQ, 0, 1, number), (RET, 0, 0, deny)]
    items += [(JEQ, 0, 1, CLONE3), (RET, 0, 0, errno_ret(errno.ENOSYS))]   # libc falls back to clone
    items += [
        (JEQ, 0, "after_clone", CLONE),
        (LD, 0, 0, ARG0),                           # the flags
        (JSET, "deny", 0, NAMESPACE_FLAGS),
        (JSET, "allow", "deny", kernel.CLONE_THREAD),
        ("label", "after_clone"),
    ]
    for number in sorted(OWN_PID_ONLY.values()):
        items += [
            (JEQ, 0, f"next_{number}", number),
            (LD, 0, 0, ARG0),
            (JEQ, "allow", "deny", own),
            ("label", f"next_{number}"),
        ]
    for number in sorted(SELF_OR_ZERO.values()):
        items += [
            (JEQ, 0, f"next_{number}", number),
            (LD, 0, 0, ARG0),
            (JEQ, "allow", 0, 0),
            (JEQ, "allow", "deny", own),
            ("label", f"next_{number}"),
        ]
    for number, which in sorted(BY_WHICH.values()):
        items += [
            (JEQ, 0, f"next_{number}", number),
            (LD, 0, 0, ARG0),
            (JEQ, 0, "deny", which),
            (LD, 0, 0, ARG1),
            (JEQ, "allow", 0, 0),
            (JEQ, "allow", "deny", own),
            ("label", f"next_{number}"),
        ]
    items += [
        ("label", "allow"), (RET, 0, 0, RET_ALLOW),
        ("label", "deny"), (RET, 0, 0, deny),
    ]
    return assemble(items)


def install(own_pid):
    """Load the filter into this process, every thread of it (no_new_privs must be set)."""
    code = program(own_pid)
    raw = b"".join(struct.pack("HBBI", *ins) for ins in code)
    buf = ctypes.create_string_buffer(raw, len(raw))
    fprog = struct.pack("HxxxxxxQ", len(code), ctypes.addressof(buf))
    fbuf = ctypes.create_string_buffer(fprog, len(fprog))
    result = kernel.libc().syscall(ctypes.c_long(SYS_SECCOMP), ctypes.c_uint(SECCOMP_SET_MODE_FILTER),
                                   ctypes.c_uint(SECCOMP_FILTER_FLAG_TSYNC),
                                   ctypes.c_void_p(ctypes.addressof(fbuf)))
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"seccomp: {os.strerror(err)}")


def kernel_has_seccomp():
    try:
        with open("/proc/self/status") as handle:
            return "Seccomp:" in handle.read()
    except OSError:
        return False
