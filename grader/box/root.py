"""The box's root: an empty tmpfs holding only what running the exercise needs.

Built the way nsjail and isolate build theirs: in a private mount namespace
a new tmpfs receives read-only bind mounts of an allow-list, then
``pivot_root`` makes it the root and the host's tree is detached. SECURITY.md
lists exactly what is mounted; ``allow_list`` computes it, ``build`` and
``enter`` mount it. Everything not on the list does not exist in the box.
"""

import os
import sys
from dataclasses import dataclass, field

import numpy

from . import kernel
from .limits import WORKDIR_FILES, WORKDIR_LIMIT

WORKDIR = "/box"                        # the run's private working folder (a tmpfs per run)
STAGING = "/tmp"                        # where the new root is assembled, in the private namespace
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom")
ROOT_OPTIONS = "size=1m,nr_inodes=4096,mode=0755"
MASK_OPTIONS = "size=4k,nr_inodes=16,mode=0755"


@dataclass
class AllowList:
    folders: list = field(default_factory=list)     # bound with what they hold
    files: list = field(default_factory=list)       # bound one by one
    masks: list = field(default_factory=list)       # folders inside a bound one, shown empty

    def paths(self):
        return sorted(self.folders + self.files)


def _under(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _covered(path, folders, masks):
    """Whether a bound folder already shows ``path``: the deepest folder or
    mask that holds it is a folder."""
    holders = [(len(f), True) for f in folders if _under(path, f)]
    holders += [(len(m), False) for m in masks if _under(path, m)]
    return bool(holders) and max(holders)[1]


def mapped_files():
    """Files this process has mapped: the interpreter, its shared libraries, extension modules."""
    found = set()
    try:
        with open("/proc/self/maps") as handle:
            for line in handle:
                parts = line.split(None, 5)
                if len(parts) == 6 and parts[5].startswith("/"):
                    path = parts[5].rstrip("\n")
                    if not path.endswith(" (deleted)"):
                        found.add(path)
    except OSError:
        pass
    return found


def allow_list(helpers):
    """What the box holds, from what this process (numpy and the helpers
    imported) has loaded: the standard library (its site-packages shown
    empty), numpy and the libraries it bundles, every mapped library, the
    interpreter, the exercise's helper files, and a few devices."""
    stdlib = os.path.realpath(os.path.dirname(os.__file__))
    numpy_dir = os.path.realpath(os.path.dirname(numpy.__file__))
    folders = [stdlib, numpy_dir]
    if os.path.isdir(numpy_dir + ".libs"):
        folders.append(numpy_dir + ".libs")
    masks = [os.path.join(stdlib, name) for name in ("site-packages", "dist-packages")
             if os.path.isdir(os.path.join(stdlib, name))]
    files = {os.path.realpath(sys.executable)} | {os.path.realpath(p) for p in helpers}
    files |= {os.path.realpath(p) for p in mapped_files()}
    files = sorted(f for f in files if os.path.isfile(f) and not _covered(f, folders, masks))
    files += [d for d in DEVICES if os.path.exists(d)]
    return AllowList(sorted(set(folders)), files, masks)


def build(allow, staging=STAGING):
    """Mount a fresh tmpfs on ``staging`` and bind the allow-list into it, read-only later.

    Sources are opened before the tmpfs covers ``staging``, so an allowed file
    that lies below it (a virtualenv in /tmp) is still found."""
    held = []
    try:
        for path in allow.paths():
            held.append((path, os.open(path, os.O_PATH | os.O_CLOEXEC)))
        kernel.mount("tmpfs", staging, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV, ROOT_OPTIONS)
        os.umask(0o022)
        order = sorted(held, key=lambda item: (item[0].count("/"), item[0]))
        masks = set(allow.masks)
        masked = []
        for path, fd in order:
            target = staging + path
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                os.makedirs(target, exist_ok=True)
                _bind(fd, target, folder=True)
                for mask in sorted(m for m in masks if _under(m, path) and m != path):
                    kernel.mount("tmpfs", staging + mask, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV,
                                 MASK_OPTIONS)
                    masked.append(mask)
            else:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                if not os.path.exists(target):
                    os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o644))
                _bind(fd, target, folder=False)
        for name in ("proc", WORKDIR.lstrip("/")):
            os.makedirs(os.path.join(staging, name), exist_ok=True)
    finally:
        for _, fd in held:
            os.close(fd)


def _bind(fd, target, folder):
    source = f"/proc/self/fd/{fd}"
    try:
        kernel.mount(source, target, None, kernel.MS_BIND)
    except OSError:
        if not folder:
            raise
        kernel.mount(source, target, None, kernel.MS_BIND | kernel.MS_REC)    # locked submounts


def enter(staging=STAGING, proc=True):
    """Mount the box's own /proc (the caller is PID 1 of the box's PID namespace),
    make ``staging`` the root, detach the host's tree, and make it all read-only."""
    if proc:
        kernel.mount("proc", staging + "/proc", "proc",
                     kernel.MS_NOSUID | kernel.MS_NODEV | kernel.MS_NOEXEC)
    os.chdir(staging)
    kernel.pivot_root(".", ".")
    kernel.umount_checked(".")                    # the old root, stacked on top of the new one
    os.chdir("/")
    kernel.mount_setattr_tree("/", kernel.MOUNT_ATTR_RDONLY | kernel.MOUNT_ATTR_NOSUID)


def fresh_workdir(uid, gid):
    """A new, empty, size-capped working folder for one run, owned by the run's user."""
    owner = f",uid={uid},gid={gid}" if uid is not None else ""
    kernel.mount("tmpfs", WORKDIR, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV,
                 f"size={WORKDIR_LIMIT},nr_inodes={WORKDIR_FILES},mode=0700{owner}")
    return WORKDIR


def release_workdir():
    kernel.umount(WORKDIR)
