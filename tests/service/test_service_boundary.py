"""The HTTP process never loads what holds answers: the grading modules stay
in the judge processes."""

import ast
import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

FORBIDDEN = ("grader.answers", "grader.pipeline.grade", "grader.pipeline.execute", "grader.pipeline.hints",
             "grader.pipeline.run", "grader.check", "grader.batch")
SERVICE = ROOT / "grader" / "service"

# Builds the app, serves every kind of request in this process, then lists
# the judge's modules it holds.
PROBE = r"""
import json, sys, tempfile
from fastapi.testclient import TestClient
from grader.service import accounts, queue
from grader.service.app import Settings, create_app
from grader.service.store import Store
folder = tempfile.mkdtemp()
store = Store(folder)
student, prof = accounts.add(store, "s"), accounts.add(store, "p", "instructor")
client = TestClient(create_app(Settings(folder)))
S, P = {"Authorization": "Bearer " + student}, {"Authorization": "Bearer " + prof}
made = client.post("/api/v1/submissions", headers=S, files={"file": ("a.py", b"x")},
                   data={"exercise": "conv_backward"}).json()["id"]
job = queue.claim(store, "probe")
report = {"exercise": "conv_backward", "submission": "a.py", "verdict": "CE", "score": 0,
          "max_score": 0, "passed": 0, "total": 0, "compile_error": "x", "notes": [], "cases": []}
queue.record(store, job, "v", report, report)
for path in ("/api/v1/exercises", "/api/v1/exercises/conv_backward", f"/api/v1/submissions/{made}",
             f"/api/v1/submissions/{made}/events", "/api/v1/submissions", "/exercises",
             "/exercises/conv_backward", f"/submissions/{made}", "/submissions", "/class",
             "/api/v1/healthz"):
    assert client.get(path, headers=P).status_code == 200, path
for fmt in ("csv", "json", "junit", "gradescope"):
    assert client.get(f"/api/v1/gradebook?exercise=conv_backward&format={fmt}", headers=P).status_code == 200
assert client.post("/api/v1/rejudge", headers=P, json={"exercise": "conv_backward"}).status_code == 202
print(json.dumps(sorted(m for m in sys.modules if m.startswith("grader"))))
"""


def test_the_http_process_loads_nothing_that_holds_answers():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    modules = json.loads(out.stdout.strip().splitlines()[-1])
    assert "grader.service.app" in modules and "grader.service.pages" in modules
    assert not [m for m in modules if m in FORBIDDEN or m.startswith(tuple(f + "." for f in FORBIDDEN))]
    assert "grader.service.judges" not in modules


def _imports(path):
    """(grader module imported, the function it is imported in or None) for every
    import in ``path``; ``from grader.pipeline import grade`` names grader.pipeline.grade."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = "grader.service"
    found = []

    def module_exists(name):
        base = ROOT / Path(*name.split("."))
        return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Import):
                found.extend((alias.name, function) for alias in child.names
                             if alias.name.startswith("grader"))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.rsplit(".", child.level - 1)[0] if child.level > 1 else package
                    source = f"{base}.{child.module}" if child.module else base
                else:
                    source = child.module or ""
                if source.startswith("grader"):
                    for alias in child.names:
                        name = f"{source}.{alias.name}"
                        found.append((name if module_exists(name) else source, function))
            visit(child, inner)
    visit(tree, None)
    return found


def _forbidden(module):
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


def test_only_the_adapter_reaches_the_pipeline_and_grading_only_in_judges():
    """Every import of the rest of grader goes through grader/service/pipeline.py,
    and there what grades is imported only inside grading(), which only the
    judge processes call."""
    seen_grading = []
    for path in sorted(SERVICE.glob("*.py")):
        for module, function in _imports(path):
            if path.name == "pipeline.py":
                if _forbidden(module):
                    assert function == "grading", f"pipeline.py: {module} outside grading()"
                    seen_grading.append(module)
                continue
            assert module in ("grader", "grader.settings") or module.startswith("grader.service"), \
                f"{path.name} imports {module}; go through pipeline.py"
    assert "grader.pipeline.grade" in seen_grading        # the reader sees what grading() imports
    callers = [p.name for p in SERVICE.glob("*.py") if "grading()" in p.read_text(encoding="utf-8")
               and p.name != "pipeline.py"]
    assert callers == ["judges.py"]


def test_judge_grade_does_not_import_the_server():
    probe = ("import sys, grader.cli; "
             "print(any(m.split('.')[0] in ('fastapi', 'starlette', 'uvicorn', 'jinja2') "
             "for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "False", out.stderr
