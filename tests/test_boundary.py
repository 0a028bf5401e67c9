"""The line between trusted and untrusted code: grader.box loads nothing that holds or computes answers.

Checked three ways: every import in the package's source (lazy ones inside
functions included), the modules a fresh worker interpreter loads, and the
modules a run sees from inside, read by a probe submission.
"""

import ast
import json
import subprocess
import sys

from conftest import ROOT
from grader.pipeline.verdict import Verdict
from helpers import SEED_CONV, fill, write

BOX = ROOT / "grader" / "box"
ALLOWED = ("grader.box",)


def _imports(path):
    """Every module ``path`` imports, absolute, wherever the import statement is."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = "grader.box"
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
                if not node.module:
                    found.update(f"{base}.{alias.name}" for alias in node.names)
                    continue
            else:
                module = node.module
            found.add(module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            if node.args and isinstance(node.args[0], ast.Constant):
                found.add(node.args[0].value)
    return found


def _ours(modules):
    return sorted(m for m in modules if m == "grader" or m.startswith("grader."))


def test_the_box_package_imports_only_itself_from_the_judge():
    files = sorted(BOX.glob("*.py"))
    assert {p.stem for p in files} >= {"worker", "zygote", "runner", "root", "seccomp", "wire"}
    for path in files:
        for module in _ours(_imports(path)):
            assert module.startswith(ALLOWED), f"{path.name} imports {module}"


def test_the_static_check_would_see_a_lazy_import(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    from ..answers import expected\n    import grader.answers.cache\n"
                      "    __import__('grader.pipeline.hints')\n")
    assert _ours(_imports(sneaky)) == ["grader.answers", "grader.answers.cache", "grader.pipeline.hints"]


PROBE = ("import sys; sys.path.insert(0, sys.argv[1]); import grader.box.worker; "
         "import json; print(json.dumps(sorted(m for m in sys.modules if m.startswith('grader'))))")


def test_a_fresh_worker_loads_nothing_that_holds_answers():
    done = subprocess.run([sys.executable, "-I", "-c", PROBE, str(ROOT)], capture_output=True,
                          text=True, check=True, timeout=60)
    loaded = json.loads(done.stdout)
    assert "grader.box.worker" in loaded
    assert all(m == "grader" or m.startswith(ALLOWED) for m in loaded), loaded


SEEN = """import sys, json
print("modules:", json.dumps(sorted(m for m in sys.modules if m.startswith("grader"))))
""" + SEED_CONV


def test_a_run_sees_no_module_that_holds_answers(grade_file, tmp_path):
    report = grade_file(write(tmp_path, "seen.py", fill("conv_backward", SEEN)))
    assert report.verdict is Verdict.AC
    line = next(l for l in report.cases[0].output.splitlines() if l.startswith("modules: "))
    seen = json.loads(line[len("modules: "):])
    assert "grader.box.runner" in seen
    assert all(m == "grader" or m.startswith(ALLOWED) for m in seen), seen
