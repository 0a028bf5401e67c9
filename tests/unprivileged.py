"""A real ordinary user for the tests: uid and gid 65534 through setpriv, not a user namespace.

Run from root, the tests switch to uid/gid 65534 with ``setpriv --reuid --regid
--clear-groups`` for each command, so the judge really is an ordinary user: no
capability anywhere, its box built through an unprivileged user namespace. That
user cannot enter /root (mode 0700), where this machine's interpreter and maybe
the checkout live, nor pytest's own temporary folders (0700), so the fixture
prepares what it needs in one world-readable folder:

* a copy of the project (``grader``, ``exercises``, ``reference``, ``cases``,
  ``judge.py``, ``tests/adversarial``, ``tests/submissions``, ``tests/helpers.py``
  and the scripts the tests run there), owned by that user as a checkout would be;
* a home folder owned by that user (its HOME and the judge's cache);
* an interpreter it can run: a ``venv --without-pip`` of the system Python (the same
  minor version, so the same ABI as the project's) holding copies of the numpy,
  numpy.libs, click, yaml and _yaml folders of this test run's own site-packages.

Run by an ordinary user already, the tests use that user and this interpreter as
they are. A missing prerequisite (setpriv, a usable system Python) skips the tests
with the reason, except under CI=true, where it fails them.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import ROOT

UID = GID = 65534
COPIED = ("grader", "exercises", "reference", "cases", "judge.py", "tests/adversarial",
          "tests/submissions", "tests/helpers.py", "tests/corpus_as_user.py")
PACKAGES = ("numpy", "numpy.libs", "click", "yaml", "_yaml")


def missing(reason):
    """A prerequisite of the ordinary-user tests is missing: fail under CI, else skip."""
    message = f"cannot run the tests as an ordinary user: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: this must not be skipped)", pytrace=False)
    pytest.skip(message)


@dataclass
class User:
    """Who runs the commands, with what interpreter, on which copy of the project."""
    name: str
    uid: int
    project: Path
    home: Path
    python: str
    prefix: list = field(default_factory=list)      # setpriv ..., or nothing

    def environment(self, **more):
        env = {"HOME": str(self.home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "NO_COLOR": "1",
               "JUDGE_CACHE_DIR": str(self.home / "cache"), "JUDGE_HOME": str(self.project)}
        if os.environ.get("LD_LIBRARY_PATH"):
            env["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]
        env.update(more)
        return env

    def run(self, *args, timeout=300, env=None, cwd=None):
        """Run ``python ARGS`` as this user; a CompletedProcess with text output."""
        return subprocess.run([*self.prefix, self.python, *map(str, args)], capture_output=True,
                              text=True, timeout=timeout, env=self.environment(**(env or {})),
                              cwd=str(cwd or self.home))

    def judge(self, *args, **kwargs):
        return self.run(self.project / "judge.py", *args, **kwargs)

    def give(self, path):
        """Hand a file or folder this user should own (as a submission it wrote would be)."""
        if os.geteuid() == 0 and self.uid != 0:
            for base, dirs, files in os.walk(path):
                for name in [base, *(os.path.join(base, n) for n in dirs + files)]:
                    os.chown(name, self.uid, GID, follow_symlinks=False)
        return path


def _site_packages_of(name):
    module = __import__(name)
    folder = Path(module.__file__).resolve().parent
    return folder.parent


def _copy_project(target):
    for item in COPIED:
        source, dest = ROOT / item, target / item
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, dest)


def _system_python():
    """A system interpreter of this run's minor version that can make a venv, or a reason."""
    wanted = f"{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (f"/usr/bin/python{wanted}", "/usr/bin/python3", "/usr/local/bin/python3"):
        if not os.access(candidate, os.X_OK):
            continue
        done = subprocess.run([candidate, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip() == wanted:
            return candidate, None
    return None, f"no system Python {wanted} with the venv module in /usr/bin or /usr/local/bin"


def _make_interpreter(base):
    python, why = _system_python()
    if python is None:
        return None, why
    venv = base / "venv"
    done = subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], capture_output=True, text=True)
    if done.returncode != 0:
        return None, f"{python} -m venv --without-pip failed: {done.stderr.strip()[-300:]}"
    found = list((venv / "lib").glob("python*/site-packages"))
    if len(found) != 1:
        return None, f"the venv made by {python} has no single site-packages folder"
    sources = {name: _site_packages_of("yaml" if name == "_yaml" else name.split(".")[0])
               for name in PACKAGES}
    for name, folder in sources.items():
        if (folder / name).is_dir():
            shutil.copytree(folder / name, found[0] / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif name != "numpy.libs":                     # only some numpy wheels bundle libraries
            return None, f"{folder / name} is missing"
    return str(venv / "bin" / "python"), None


@pytest.fixture(scope="session")
def ordinary_user():
    """The ordinary user the tests run the judge as (see the module's docstring)."""
    base = Path(tempfile.mkdtemp(prefix="judge-ordinary-user-"))
    try:
        os.chmod(base, 0o755)
        project, home = base / "project", base / "home"
        home.mkdir()
        _copy_project(project)
        if os.geteuid() != 0:
            user = User(f"uid {os.getuid()}", os.getuid(), project, home, sys.executable)
        else:
            setpriv = shutil.which("setpriv")
            if not setpriv:
                missing("setpriv (util-linux) is not installed")
            python, why = _make_interpreter(base)
            if python is None:
                missing(why)
            for path in (base / "venv",):
                subprocess.run(["chmod", "-R", "a+rX", str(path)], check=True)
            prefix = [setpriv, f"--reuid={UID}", f"--regid={GID}", "--clear-groups", "--"]
            user = User(f"uid {UID}", UID, project, home, python, prefix)
            user.give(project)
            user.give(home)
        probe = user.run("-c", "import os, numpy, click, yaml, _yaml; print(os.getuid(), os.getgid())",
                         timeout=60)
        if probe.returncode != 0:
            missing(f"{user.python} does not run as {user.name}: {probe.stderr.strip()[-300:]}")
        assert int(probe.stdout.split()[0]) == user.uid != 0, probe.stdout
        yield user
    finally:
        shutil.rmtree(base, ignore_errors=True)
