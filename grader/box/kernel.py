"""The system calls the box is built from, through the C library (see SECURITY.md).

Thin wrappers only: each raises OSError with the call's name on failure, so
the layer that needed it can say what is missing and why.
"""

import ctypes
import os
import signal
import struct

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_SECUREBITS = 28
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_THREAD = 0x00010000

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
AT_FDCWD = -100
AT_RECURSIVE = 0x8000
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_NOSUID = 0x2

SYS_PIVOT_ROOT = 155
SYS_CAPSET = 126
SYS_MOUNT_SETATTR = 442
LINUX_CAPABILITY_VERSION_3 = 0x20080522
CAP_LAST_CAP = 63
SECBIT_ALL_LOCKED = 0x3F                    # NOROOT, NO_SETUID_FIXUP, KEEP_CAPS and their locks

_libc = None


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)     # the C library the interpreter runs on
    return _libc


def _check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def prctl(option, value=0, arg3=0):
    """True when the call succeeded."""
    try:
        return libc().prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(arg3), 0, 0) == 0
    except (OSError, AttributeError):
        return False


def set_dumpable(on):
    """Off: processes of the same user can neither ptrace this one nor read its memory."""
    prctl(PR_SET_DUMPABLE, 1 if on else 0)


def die_with_parent():
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def become_subreaper():
    prctl(PR_SET_CHILD_SUBREAPER, 1)


def unshare(flags):
    _check(libc().unshare(flags), "unshare")


def _enc(text):
    return None if text is None else os.fsencode(text)


def mount(source, target, fstype, flags, data=None):
    _check(libc().mount(_enc(source), _enc(target), _enc(fstype), ctypes.c_ulong(flags), _enc(data)),
           f"mount {target}")


def umount(target):
    libc().umount2(os.fsencode(target), MNT_DETACH)


def umount_checked(target):
    _check(libc().umount2(os.fsencode(target), MNT_DETACH), f"umount {target}")


def pivot_root(new_root, put_old):
    _check(libc().syscall(ctypes.c_long(SYS_PIVOT_ROOT), _enc(new_root), _enc(put_old)),
           "pivot_root")


def mount_setattr_tree(path, flags):
    """Set mount attributes on ``path`` and every mount below it, in one call."""
    attr = struct.pack("QQQQ", flags, 0, 0, 0)
    buf = ctypes.create_string_buffer(attr, len(attr))
    _check(libc().syscall(ctypes.c_long(SYS_MOUNT_SETATTR), ctypes.c_int(AT_FDCWD), _enc(path),
                          ctypes.c_uint(AT_RECURSIVE), buf, ctypes.c_size_t(len(attr))),
           "mount_setattr")


def capabilities():
    """This process's effective capability set, as a number (0 when unreadable)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("CapEff:"):
                    return int(line.split()[1], 16)
    except (OSError, ValueError):
        pass
    return 0


def can_change_identity():
    caps = capabilities()
    return os.geteuid() == 0 and bool(caps & (1 << 6)) and bool(caps & (1 << 7))  # SETGID, SETUID


def drop_capabilities():
    """No capability now, none to regain: bounding and ambient sets emptied,
    effective, permitted and inheritable sets cleared, root's exec rules locked off."""
    for cap in range(CAP_LAST_CAP + 1):
        prctl(PR_CAPBSET_DROP, cap)                 # EINVAL past the kernel's last cap: fine
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    prctl(PR_SET_SECUREBITS, SECBIT_ALL_LOCKED)
    header = (ctypes.c_uint32 * 2)(LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(libc().syscall(ctypes.c_long(SYS_CAPSET), header, data), "capset")


def write_file(path, text):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def keep_only_fds(keep):
    """Close every descriptor but ``keep`` (and 0, 1, 2)."""
    keep = sorted(set(keep) | {0, 1, 2})
    last = 0
    for fd in keep:
        if fd > last:
            os.closerange(last, fd)
        last = fd + 1
    os.closerange(last, os.sysconf("SC_OPEN_MAX"))


def reason(err):
    """The short reason of an OSError, for a one-line message."""
    return err.strerror if isinstance(err, OSError) and err.strerror else str(err)
