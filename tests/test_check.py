"""`judge check`: the mutants, equivalence, the four checks, and the run over every exercise."""

import ast
import os
import shutil
import subprocess
import sys
import time

import pytest

from conftest import ROOT
from grader import check
from grader.check import mutate
from grader.declare import exercise
from helpers import BEGIN, END, case_file

# ---------------------------------------------------------------- mutants

SOURCE = f'''import numpy as np


class Layer:
    def __init__(self, stride=1):
        self.stride = stride
        self.total = dout = 0

    def backward(self, dout):
        {BEGIN}
        d = dout.T.sum(axis=0)
        e = np.dot(d, self.w) + self.stride
        self.acc += e
        f = -e.reshape(3, 4)[1:3]
        g = f.transpose(1, 0) @ self.w
        if g.size == 12:
            g = g / 2
        return g
        {END}
'''


@pytest.fixture(scope="module")
def found():
    return mutate.mutants(SOURCE, {"stride": "stride"})


def changed(found, operator):
    return {m.after for m in found if m.operator == operator}


@pytest.mark.parametrize("operator, after", [
    ("transpose", "d = dout.sum(axis=0)"),
    ("transpose", "g = f @ self.w"),
    ("transpose", "g = f.transpose(0, 1) @ self.w"),
    ("axis", "d = dout.T.sum(axis=1)"),
    ("axis", "d = dout.T.sum(axis=-1)"),
    ("axis", "d = dout.T.sum()"),
    ("reduction", "d = dout.T.mean(axis=0)"),
    ("matmul", "e = np.dot(self.w, d) + self.stride"),
    ("matmul", "g = self.w @ f.transpose(1, 0)"),
    ("hyperparameter", "e = np.dot(d, self.w) + 0"),
    ("hyperparameter", "e = np.dot(d, self.w) + 1"),
    ("accumulate", "self.acc = e"),
    ("sign", "self.acc -= e"),
    ("sign", "e = np.dot(d, self.w) - self.stride"),
    ("sign", "f = e.reshape(3, 4)[1:3]"),
    ("off_by_one", "f = -e.reshape(4, 4)[1:3]"),
    ("off_by_one", "f = -e.reshape(3, 3)[1:3]"),
    ("off_by_one", "f = -e.reshape(3, 4)[0:3]"),
    ("off_by_one", "f = -e.reshape(3, 4)[1:4]"),
    ("off_by_one", "g = g / 3"),
    ("scale", "g = g"),
    ("compare", "if g.size != 12:"),
    ("delete", "pass"),
])
def test_each_operator_makes_its_mistake(found, operator, after):
    assert after in changed(found, operator), sorted(changed(found, operator))


def test_mutants_change_only_the_student_region(found):
    lines = SOURCE.split("\n")
    begin = next(i for i, line in enumerate(lines) if BEGIN in line)
    end = next(i for i, line in enumerate(lines) if END in line)
    tail = len(lines) - end
    assert len(found) > 30
    for m in found:
        new = m.source.split("\n")
        assert new[:begin + 1] == lines[:begin + 1], m.diff()      # __init__ is never touched
        assert new[-tail:] == lines[-tail:], m.diff()
        ast.parse(m.source)
        assert m.source != SOURCE
    assert len({m.source for m in found}) == len(found)              # no duplicates


def test_a_mutant_names_its_line_and_the_change(found):
    m = next(m for m in found if m.operator == "accumulate")
    assert SOURCE.split("\n")[m.line - 1].strip() == m.before == "self.acc += e"
    assert m.diff() == f"line {m.line}: `self.acc += e` -> `self.acc = e`"
    hyper = [m for m in found if m.operator == "hyperparameter"]
    assert {(m.param, m.value) for m in hyper} == {("stride", 0), ("stride", 1)}


def test_minus_one_wildcards_and_axes_are_left_alone():
    source = SOURCE.replace("e.reshape(3, 4)", "e.reshape(-1, 4)")
    afters = {m.after for m in mutate.mutants(source)}
    assert not any("reshape(1, 4)" in a or "reshape(0, 4)" in a or "reshape(-2, 4)" in a for a in afters)


def test_precedence_is_kept_when_an_operand_changes():
    source = SOURCE.replace("g = g / 2", "g = 3 * (g - 2)")
    afters = {m.after for m in mutate.mutants(source)}
    assert "g = 3 * (g + 2)" in afters
    assert "g = 3 * g - 2" not in afters


# ---------------------------------------------------------------- the shipped exercises: CI

@pytest.fixture(scope="module")
def everything(worker):
    started = time.monotonic()
    results = check.check_all(worker)
    return results, time.monotonic() - started


def test_every_exercise_is_ready_with_a_full_mutation_score(everything):
    results, seconds = everything
    assert {r.exercise for r in results} == set(exercise.available())
    assert len(results) >= 6
    for result in results:
        text = check.render(result)
        assert result.ok, text
        assert [line.ok for line in result.lines] == [True] * 4, text
        assert result.score == 1.0, text
        assert result.count("survived") == 0 and result.count("stillborn") == 0
        assert result.count("killed") >= 15, text
        assert result.count("equivalent") == text.count("equivalent  line"), text
        assert "100.0% mutation score" in result.lines[3].text
    known = sum(1 for r in results for o in r.outcomes if o.wrong.operator == "known")
    assert known >= 6 * 4
    print(f"\njudge check --all: {seconds:.1f} s")


# ---------------------------------------------------------------- weak cases are found out

WEAK_CONV = """
cases:
  - {name: a, seed: 1, params: {N: 2, C: 3, H: 5, W: 6, FN: 4, FH: 3, FW: 3}, points: 50}
  - {name: b, seed: 2, params: {N: 1, C: 1, H: 4, W: 4, FN: 1, FH: 2, FW: 2}, points: 50, visibility: hidden}
"""


@pytest.fixture(scope="module")
def weak_conv(tmp_path_factory):
    from grader.pipeline.run import Worker
    folder = tmp_path_factory.mktemp("weak") / "conv_backward"
    folder.mkdir()
    case_file(folder, WEAK_CONV)
    with Worker().start() as worker:
        return check.check("conv_backward", worker, folder)


def survivor(result, words):
    return next((o for o in result.outcomes if o.status == "survived" and words in o.wrong.what), None)


def test_a_case_set_without_stride_padding_or_rectangles_is_weak(weak_conv):
    result = weak_conv
    assert not result.ok
    assert [line.ok for line in result.lines] == [True, True, True, False]
    killed, survived = result.count("killed"), result.count("survived")
    assert survived >= 4
    assert result.lines[3].text.startswith(f"{100 * killed / (killed + survived):.1f}% mutation score: "
                                           f"{killed}/{killed + survived} killed")
    stride = survivor(result, "FH, FW, 1, self.pad)")
    pad = survivor(result, "self.stride, 0)")
    swap = survivor(result, "FW, FH, self.stride")
    assert stride and stride.wrong.advice == "a case with stride > 1"
    assert pad and pad.wrong.advice == "a case with pad > 0"
    assert swap and swap.wrong.advice == "a case where `FH` and `FW` differ"
    for o in (stride, pad, swap):
        assert "probe" in o.by and "stride=2" in o.by, o.by        # where it goes wrong


def test_survivors_are_listed_with_change_and_advice(weak_conv):
    text = check.render(weak_conv)
    lines = [line for line in text.split("\n") if "survivor" in line]
    assert len(lines) == weak_conv.count("survived")
    assert any(line.strip().startswith("survivor    line 75 [hyperparameter]: `dx = col2im(") and
               "add a case with stride > 1" in line for line in lines), text
    assert text.split("\n")[0].startswith("conv_backward: FAILED (")


def test_equivalent_mutants_are_told_apart_from_survivors(everything):
    result = next(r for r in everything[0] if r.exercise == "avgpool_backward")
    equivalent = [o for o in result.outcomes if o.status == "equivalent"]
    assert equivalent and all("np.repeat" in o.wrong.what for o in equivalent)
    assert result.score == 1.0


def test_a_known_mistake_that_survives_is_never_equivalent(worker, tmp_path):
    folder = tmp_path / "maxpool_backward"
    folder.mkdir()
    case_file(folder, "cases:\n  - {name: a, seed: 1, points: 1, params: "
                      "{N: 2, C: 3, H: 5, W: 6, PH: 3, PW: 3, stride: 1, pad: 1}}\n")
    result = check.check("maxpool_backward", worker, folder)
    ties = next(o for o in result.outcomes if "every_tied_maximum" in o.wrong.what)
    assert ties.status == "survived"
    assert ties.wrong.advice == "integer inputs, so that windows hold tied maxima"
    assert "survivor    reference/mistakes/maxpool_backward/every_tied_maximum.py" in check.render(result)


def test_parallel_workers_give_the_same_outcome(weak_conv, tmp_path):
    case_file(tmp_path, WEAK_CONV)
    result = check.check("conv_backward", None, tmp_path, jobs=2)
    assert [(o.wrong.what, o.status) for o in result.outcomes] == \
           [(o.wrong.what, o.status) for o in weak_conv.outcomes]


def test_a_broken_case_file_stops_at_the_first_check(worker, tmp_path):
    case_file(tmp_path, "cases:\n  - {name: a, seed: -1, params: {N: 1}}\n")
    result = check.check("conv_backward", worker, tmp_path)
    assert len(result.lines) == 1 and not result.lines[0].ok
    assert "seed: must be at least 0" in result.lines[0].text
    assert "judge cases validate" in result.lines[0].text


# ---------------------------------------------------------------- a private copy of the project

@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of exercises/, reference/ and cases/ that a test may break (JUDGE_HOME)."""
    for name in ("exercises", "reference", "cases"):
        shutil.copytree(ROOT / name, tmp_path / name, copy_function=shutil.copy)
    monkeypatch.setenv("JUDGE_HOME", str(tmp_path))
    return tmp_path


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_reference_with_a_wrong_gradient_fails_finite_differences(project, worker):
    edit(project / "reference" / "affine_backward.py", "np.sum(dout, axis=0)", "np.mean(dout, axis=0)")
    result = check.check("affine_backward", worker)
    assert [line.ok for line in result.lines] == [True, False]
    assert "finite differences DISAGREE" in result.lines[1].text
    assert "db on case" in result.lines[1].text


def test_a_reference_must_match_the_skeleton_outside_the_markers(project, worker):
    edit(project / "reference" / "affine_backward.py", "self.x = x\n", "self.x = x.copy()\n")
    result = check.check("affine_backward", worker)
    assert not result.lines[1].ok
    assert "differ from the skeleton outside the markers" in result.lines[1].text


def test_a_skeleton_that_passes_a_case_is_reported(project, worker):
    shutil.copy(project / "reference" / "affine_backward.py",
                project / "exercises" / "affine_backward" / "skeleton.py")
    result = check.check("affine_backward", worker)
    assert not result.lines[2].ok
    assert result.lines[2].text.startswith("0/9 cases failed by the unfilled skeleton; it passes ")


def test_broken_check_section_is_one_line_naming_the_file(project):
    edit(project / "exercises" / "affine_backward" / "exercise.yaml",
         "gradients: {dx: x, dW: W, db: b}", "gradients: {dx: y}")
    done = judge("check", "affine_backward", env={"JUDGE_HOME": str(project)})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "exercise.yaml: check.gradients.dx: 'y' is not a real-valued input" in done.stderr


RELU_YAML = """
id: relu_backward
title: {en: "ReLU: backward pass"}
class: Relu
params:
  N: {min: 1, doc: batch size}
  D: {min: 1, doc: features}
inputs:
  x: {shape: [N, D]}
  dout: {shape: [N, D]}
steps:
  - {call: forward, args: [x], save: out}
  - {call: backward, args: [dout], save: dx}
outputs: [out, dx]
check:
  loss: {output: out, weight: dout}
  gradients: {dx: x}
  probes: [{N: 2, D: 3}, {N: 3, D: 1}]
"""

RELU_SKELETON = f"""import numpy as np


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        {BEGIN}
        pass
        {END}
"""


def test_a_new_exercise_needs_only_files(project):
    """exercises/<id>/ (exercise.yaml, skeleton.py), reference/<id>.py, cases/<id>/: nothing in grader/."""
    folder = project / "exercises" / "relu_backward"
    folder.mkdir()
    (folder / "exercise.yaml").write_text(RELU_YAML)
    (folder / "skeleton.py").write_text(RELU_SKELETON)
    (folder / "statement.en.md").write_text("# ReLU\n\nReturn dout where x > 0, else 0.\n")
    (project / "reference" / "relu_backward.py").write_text(RELU_SKELETON.replace(
        "        pass\n", "        dx = dout.copy()\n        dx[self.mask] = 0\n        return dx\n"))
    (project / "cases" / "relu_backward").mkdir()
    case_file(project / "cases" / "relu_backward",
              "cases:\n  - {name: a, seed: 1, params: {N: 3, D: 4}, points: 60}\n"
              "  - {name: b, seed: 2, params: {N: 1, D: 5}, points: 40, visibility: hidden}\n")
    env = {"JUDGE_HOME": str(project)}
    listed = judge("list", env=env)
    assert "relu_backward" in listed.stdout and "ReLU: backward pass" in listed.stdout
    done = judge("check", "relu_backward", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "100.0% mutation score" in done.stdout
    graded = judge("grade", str(project / "reference" / "relu_backward.py"), "-e", "relu_backward",
                   env=env)
    assert graded.returncode == 0, graded.stdout


# ---------------------------------------------------------------- the command line

def judge(*args, env=None):
    full = dict(os.environ, NO_COLOR="1")
    full.update(env or {})
    return subprocess.run([sys.executable, str(ROOT / "judge.py"), *args], capture_output=True,
                          text=True, env=full, timeout=300)


def test_check_command_one_exercise():
    done = judge("check", "softmax_with_loss_backward")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("softmax_with_loss_backward: ok (")
    assert [line[:6] for line in lines[1:5]] == ["  ok  "] * 4
    assert "cases valid" in lines[1] and "passed by the reference" in lines[2]
    assert "failed by the unfilled skeleton" in lines[3] and "mutation score" in lines[4]
    assert done.stderr == ""


def test_check_command_exit_1_on_weak_cases(tmp_path):
    folder = tmp_path / "conv_backward"
    folder.mkdir()
    case_file(folder, WEAK_CONV)
    done = judge("check", "conv_backward", "--cases", str(folder))
    assert done.returncode == 1
    assert "FAIL" in done.stdout and "survivor" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("args, words", [
    ([], "give one EXERCISE_ID or --all"),
    (["conv_backward", "--all"], "give one EXERCISE_ID or --all"),
    (["--all", "--cases", "x"], "--cases works with one EXERCISE_ID"),
    (["conv_backwards"], "unknown exercise 'conv_backwards' (did you mean 'conv_backward'?)"),
    (["conv_backward", "--cases", "/nonexistent/x.yaml"], None),
])
def test_check_usage_errors(args, words):
    done = judge("check", *args)
    if words is None:       # a missing case path is reported by check 1, exit 1
        assert done.returncode == 1 and "no such file or folder" in done.stdout
        return
    assert done.returncode == 2
    assert words in done.stderr and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_unknown_advice_kind_is_one_line_naming_the_file(project):
    edit(project / "exercises" / "maxpool_backward" / "exercise.yaml",
         "    accumulate: ", "    acumulate: ")
    done = judge("check", "maxpool_backward", env={"JUDGE_HOME": str(project)})
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "exercise.yaml: check.suggest.acumulate: unknown key (did you mean 'accumulate'?)" in done.stderr


def test_a_missing_reference_is_one_line_naming_the_file(project):
    (project / "reference" / "conv_forward.py").unlink()
    done = judge("check", "conv_forward", env={"JUDGE_HOME": str(project)})
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "reference/conv_forward.py: the reference of conv_forward is missing" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_a_reference_that_raises_fails_the_second_check(project, worker):
    edit(project / "reference" / "softmax_with_loss_backward.py",
         "batch_size = self.t.shape[0]", "batch_size = self.t.shape[0] // 0")
    result = check.check("softmax_with_loss_backward", worker)
    assert [line.ok for line in result.lines] == [True, False]
    assert "failed on case" in result.lines[1].text and "ZeroDivisionError" in result.lines[1].text


# ---------------------------------------------------------------- the package's own layers

LAYERS = ("mutate", "gradients", "probes", "advice", "wrongs", "render", "orchestrate")


def check_imports(path):
    """The grader.check modules a file imports, lazy imports included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[:2] == ["grader", "check"]:
                found.add(parts[2] if len(parts) > 2 else "grader.check itself")
    return found


def test_the_check_modules_import_only_the_layers_below_them():
    folder = ROOT / "grader" / "check"
    assert {p.stem for p in folder.glob("*.py")} == set(LAYERS) | {"__init__"}
    for index, name in enumerate(LAYERS):
        imported = check_imports(folder / f"{name}.py")
        assert imported <= set(LAYERS[:index]), f"{name} imports {sorted(imported - set(LAYERS[:index]))}"
    assert check_imports(folder / "__init__.py") <= set(LAYERS)
