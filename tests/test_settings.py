"""One settings object: defaults, bounds and environment variables agree everywhere."""

import ast
import re
import shutil
from pathlib import Path

import pytest

from grader import settings
from grader.declare import cases, exercise
from grader.errors import JudgeError
from grader.settings import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent


def project(tmp_path, monkeypatch, limits):
    for sub in ("exercises", "reference", "cases"):
        shutil.copytree(ROOT / sub, tmp_path / sub, copy_function=shutil.copy)
    path = tmp_path / "exercises" / "affine_backward" / "exercise.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("\nlimits: {time: 5.0, memory: 1024}\n") == 1
    path.write_text(text.replace("\nlimits: {time: 5.0, memory: 1024}\n", f"\nlimits: {limits}\n"),
                    encoding="utf-8")
    monkeypatch.setenv("JUDGE_HOME", str(tmp_path))


def test_an_exercise_may_not_declare_a_limit_its_cases_may_not_have(tmp_path, monkeypatch):
    """Once an exercise could say `time: 300` and then every one of its cases was rejected."""
    project(tmp_path, monkeypatch, "{time: 300}")
    with pytest.raises(JudgeError) as err:
        exercise.load("affine_backward")
    assert str(err.value).endswith("exercise.yaml: limits.time: must be at most 120.0, got 300")


def test_the_largest_limit_an_exercise_may_declare_is_one_its_cases_accept(tmp_path, monkeypatch):
    project(tmp_path, monkeypatch, f"{{time: {DEFAULTS.max_time_limit:g}, memory: {DEFAULTS.max_memory_limit}}}")
    ex = exercise.load("affine_backward")
    found = cases.load(ex)
    assert found and {c.time_limit for c in found} == {DEFAULTS.max_time_limit}
    assert {c.memory_limit for c in found} == {DEFAULTS.max_memory_limit}


def test_defaults_of_an_exercise_come_from_the_settings():
    ex = exercise.load("conv_backward")
    assert ex.tolerance == {"atol": DEFAULTS.atol, "rtol": DEFAULTS.rtol}
    assert ex.limits == {"time": DEFAULTS.time_limit, "memory": DEFAULTS.memory_limit}


def test_current_reads_the_environment_each_time():
    env = {"JUDGE_HOME": "/somewhere", "JUDGE_SANDBOX": " Strict ", "JUDGE_CACHE_DIR": "/c",
           "JUDGE_DEBUG": "1", "JUDGE_DEBUG_LOG": "/log", "NO_COLOR": "1"}
    now = settings.current(env)
    assert (now.home, now.sandbox, now.cache_dir, now.debug, now.debug_log, now.colour) == \
        ("/somewhere", "strict", "/c", True, "/log", False)
    assert now.project_root == Path("/somewhere")
    assert now.cache_root == Path("/c")
    bare = settings.current({})
    assert (bare.home, bare.sandbox, bare.cache_dir, bare.debug, bare.colour) == (None, "auto", None, False, True)
    assert bare.project_root == ROOT
    assert settings.current({"TERM": "dumb"}).colour is False


def test_a_bad_sandbox_variable_is_named_with_its_fix():
    with pytest.raises(JudgeError) as err:
        settings.current({"JUDGE_SANDBOX": "sometimes"})
    assert str(err.value) == "JUDGE_SANDBOX='sometimes': must be auto, strict or off; fix or unset it"


def test_every_variable_names_a_field():
    names = {f for f in settings.Settings.__dataclass_fields__}
    assert all(v.field in names for v in settings.ENVIRONMENT)
    assert [v.name for v in settings.ENVIRONMENT] == sorted(set(v.name for v in settings.ENVIRONMENT),
                                                              key=[v.name for v in settings.ENVIRONMENT].index)


def _environment_reads(path):
    """Names of environment variables a module reads, from its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and re.fullmatch(r"(JUDGE_[A-Z_]+|NO_COLOR|XDG_CACHE_HOME)", node.value):
            found.add(node.value)
    return found


def test_no_module_but_settings_reads_a_judge_variable():
    grader = ROOT / "grader"
    readers = {str(p.relative_to(grader)): _environment_reads(p) for p in grader.rglob("*.py")}
    readers = {name: found for name, found in readers.items() if found}
    assert set(readers) == {"settings.py"}, readers


def test_the_readme_table_is_the_settings():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings.table() in readme
