"""The package layout is the architecture: imports go only downward, and never in a circle.

The graph is read from the source, every import statement wherever it stands
(lazy imports inside functions included), the way click guards its own
boundary in tests/test_imports.py.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRADER = ROOT / "grader"

# lower layers first; a module may import its own layer and the ones below it
LAYERS = (
    ("grader", "grader.box"),                                   # the untrusted side: imports only itself
    ("grader.errors", "grader.inert", "grader.messages", "grader.processes", "grader.settings"),
    ("grader.declare",),                                        # what an exercise and its cases declare
    ("grader.answers",),                                        # the reference, expected results, mistakes
    ("grader.pipeline",),                                       # one submission: read ... decide
    ("grader.output",),                                         # text, JSON and exports of reports
    ("grader.check", "grader.batch", "grader.scaffold"),        # tools over the pipeline
    ("grader.service",),                                        # the online judge
    ("grader.cli",),                                            # the command line
)


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in GRADER.rglob("*.py")}


def layer(module):
    best = None
    for rank, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (
                    best is None or len(prefix) > best[1]):
                best = (rank, len(prefix))
    assert best is not None, f"{module} belongs to no layer: add it to LAYERS"
    return best[0]


def imports_of(module):
    """The grader modules ``module`` imports, lazily or not."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()

    def add(name):
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name and name != module:
            found.add(name)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "grader":
                    add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            if source.split(".")[0] != "grader":
                continue
            for alias in node.names:
                add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__" \
                and node.args and isinstance(node.args[0], ast.Constant) \
                and str(node.args[0].value).startswith("grader"):
            add(node.args[0].value)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def test_every_module_has_a_layer():
    for module in MODULES:
        layer(module)


def test_imports_go_only_downward():
    upward = sorted(f"{m} -> {target}" for m, targets in GRAPH.items() for target in targets
                    if layer(target) > layer(m))
    assert not upward, "imports that climb back up:\n" + "\n".join(upward)


def test_there_is_no_import_cycle():
    state, stack, cycles = {}, [], []

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == "open":
                cycles.append(" -> ".join(stack[stack.index(target):] + [target]))
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_untrusted_side_imports_only_itself():
    for module, targets in GRAPH.items():
        if module.startswith("grader.box"):
            assert all(t.startswith("grader.box") or t == "grader" for t in targets), (module, targets)


def test_declarations_hold_no_answers():
    for module, targets in GRAPH.items():
        if module.startswith("grader.declare"):
            assert not [t for t in targets if t.startswith(("grader.answers", "grader.pipeline"))]


def test_the_reader_sees_a_lazy_import(tmp_path, monkeypatch):
    text = "def f():\n    from grader.pipeline import grade\n    __import__('grader.answers.cache')\n"
    monkeypatch.setitem(MODULES, "grader.declare.lazy_probe", tmp_path / "lazy_probe.py")
    (tmp_path / "lazy_probe.py").write_text(text)
    assert imports_of("grader.declare.lazy_probe") == {"grader.pipeline.grade", "grader.answers.cache"}


def test_no_module_is_much_over_400_lines():
    long = {m: n for m, p in MODULES.items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 420}
    assert not long, long


def test_the_readme_names_every_module():
    import re
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("| package | module | holds |")
    rows = readme[start:readme.index("\n\n", start)].splitlines()[2:]
    named, package = set(), None
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        package = cells[0].strip("`") if cells[0] else package
        prefix = "" if package == "(top)" else package
        named.update(prefix + name for name in re.findall(r"`([a-z0-9_]+\.py)`", cells[1]))
    modules = {str(p.relative_to(GRADER)) for p in GRADER.rglob("*.py") if p.name != "__init__.py"}
    assert named == modules, (sorted(modules - named), sorted(named - modules))
