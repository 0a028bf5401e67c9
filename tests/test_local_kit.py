"""The student's kit on their own machine: `judge init` writes the helpers the
skeleton imports beside it, and `judge case` writes a public case's inputs and
expected outputs to an .npz for a notebook."""

import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, SUBMISSIONS
from grader.answers import expected
from grader.box import wire
from grader.declare import cases, exercise
from helpers import SEED_CONV, fill, skeleton


def judge(*args, cwd=None):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([sys.executable, str(ROOT / "judge.py"), *args], capture_output=True,
                          text=True, env=env, timeout=120, cwd=cwd)


def plain_python(code_or_file, cwd, *args):
    """Python as a student runs it: no PYTHONPATH, nothing of the judge's checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    is_code = "\n" in code_or_file or code_or_file.startswith("import")
    command = [sys.executable, *(["-c", code_or_file] if is_code else [code_or_file]), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


# ---------------------------------------------------------------- init writes the helpers

@pytest.mark.parametrize("name", exercise.available())
def test_a_fresh_folder_runs_the_skeleton_with_plain_python(tmp_path, name):
    done = judge("init", name, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    ex = exercise.load(name)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted([f"{name}.py"] + [f"{h}.py" for h in ex.helpers])
    for helper in ex.helpers:
        assert (tmp_path / f"{helper}.py").read_text(encoding="utf-8") == \
            (ROOT / "exercises" / "lib" / f"{helper}.py").read_text(encoding="utf-8")
        assert f"{helper}.py" in done.stdout
    ran = plain_python(f"{name}.py", tmp_path)
    assert ran.returncode == 0, ran.stderr
    imported = plain_python(f"import {name}, sys; print({name}.{ex.class_name}.__name__, "
                            f"{name}.__file__)", tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.split()[0] == ex.class_name
    assert imported.stdout.split()[1].startswith(str(tmp_path))


def test_the_kit_runs_a_whole_layer_on_the_students_machine(tmp_path):
    assert judge("init", "conv_backward", "layer.py", cwd=tmp_path).returncode == 0
    (tmp_path / "layer.py").write_text(fill("conv_backward", SEED_CONV), encoding="utf-8")
    code = ("import numpy as np, layer, utils\n"
            "rng = np.random.default_rng(0)\n"
            "x, W, b = rng.normal(size=(2, 3, 5, 5)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)\n"
            "conv = layer.Convolution(W, b, stride=2, pad=1)\n"
            "out = conv.forward(x)\n"
            "dx = conv.backward(np.ones_like(out))\n"
            "print(out.shape, dx.shape, utils.__file__)\n")
    ran = plain_python(code, tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("(2, 4, 3, 3) (2, 3, 5, 5) " + str(tmp_path))


def test_init_never_overwrites_a_different_helper(tmp_path):
    (tmp_path / "utils.py").write_text("# my own utils\n")
    done = judge("init", "conv_backward", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "utils.py: already exists" in done.stderr and "--force" in done.stderr
    assert (tmp_path / "utils.py").read_text() == "# my own utils\n"
    assert not (tmp_path / "conv_backward.py").exists()          # nothing written at all
    forced = judge("init", "conv_backward", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "utils.py").read_text(encoding="utf-8") == \
        (ROOT / "exercises" / "lib" / "utils.py").read_text(encoding="utf-8")


def test_exercises_sharing_a_helper_share_a_folder(tmp_path):
    assert judge("init", "conv_backward", cwd=tmp_path).returncode == 0
    second = judge("init", "maxpool_backward", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "utils.py" not in second.stdout                       # already there, the same
    assert (tmp_path / "maxpool_backward.py").read_text(encoding="utf-8") == skeleton("maxpool_backward")


def test_init_refuses_a_file_named_like_the_helper(tmp_path):
    done = judge("init", "conv_backward", "utils.py", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "helper module" in done.stderr
    assert not (tmp_path / "utils.py").exists()


# ---------------------------------------------------------------- judge case writes a public case

CORRECT = {name: next(p for p in sorted((SUBMISSIONS / name).glob("correct_*.py")))
           for name in exercise.available()}


def first_public(name):
    return next(c for c in cases.load(exercise.load(name)) if c.public)


@pytest.mark.parametrize("name", exercise.available())
def test_the_npz_holds_what_the_judge_feeds_and_expects(tmp_path, name):
    ex = exercise.load(name)
    case = first_public(name)
    done = judge("case", name, case.name, "-o", "mine.npz", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("wrote mine.npz: ")
    prepared = next(p for p in expected.prepare(ex, cases.load(ex)) if p.case.name == case.name)
    with np.load(tmp_path / "mine.npz", allow_pickle=False) as found:
        want = dict(prepared.arrays)
        want.update({f"param_{k}": np.asarray(v) for k, v in case.params.items()})
        want.update({f"expected_{k}": v for k, v in prepared.expected.items()})
        assert sorted(found.files) == sorted(want)
        for key, value in want.items():
            assert found[key].dtype == value.dtype and found[key].shape == value.shape, key
            assert np.array_equal(found[key], value), key
    for input_name in ex.inputs:                 # the exact bytes the worker gets
        assert wire.encode_array(np.load(tmp_path / "mine.npz")[input_name]) == \
            prepared.inputs_npy()[input_name]


@pytest.mark.parametrize("name", exercise.available())
def test_the_printed_lines_check_a_layer_in_a_notebook(tmp_path, name):
    assert judge("init", name, cwd=tmp_path).returncode == 0
    (tmp_path / f"{name}.py").write_text(CORRECT[name].read_text(encoding="utf-8"), encoding="utf-8")
    case = first_public(name)
    done = judge("case", name, case.name, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / f"{case.name}.npz").is_file()
    lines = done.stdout.splitlines()
    code = "\n".join(line[4:] for line in lines[lines.index(next(l for l in lines
                                                                if l.startswith("In Python"))) + 1:])
    assert "assert_allclose" in code
    ran = plain_python(code + "\nprint('all close')\n", tmp_path)
    assert ran.returncode == 0 and ran.stdout == "all close\n", ran.stderr
    # the same lines catch a wrong layer: the unfilled skeleton
    (tmp_path / f"{name}.py").write_text(skeleton(name), encoding="utf-8")
    ran = plain_python(code, tmp_path)
    assert ran.returncode == 1 and "assert_allclose" in ran.stderr, ran.stderr


def test_a_hidden_case_is_refused_like_an_unknown_one(tmp_path):
    ex = exercise.load("conv_backward")
    found = cases.load(ex)
    hidden = next(c for c in found if not c.public).name
    public = [c.name for c in found if c.public]
    refused = judge("case", "conv_backward", hidden, cwd=tmp_path)
    unknown = judge("case", "conv_backward", "zz_no_case", cwd=tmp_path)
    for done, asked in ((refused, hidden), (unknown, "zz_no_case")):
        assert done.returncode == 2 and done.stderr.count("\n") == 1 and done.stdout == ""
        assert f"no public case {asked!r}" in done.stderr
        assert "public cases: " + ", ".join(public) in done.stderr
        assert "Traceback" not in done.stderr
    assert refused.stderr.replace(repr(hidden), "NAME") == unknown.stderr.replace("'zz_no_case'", "NAME")
    assert hidden not in refused.stderr.replace(repr(hidden), "")   # said back, nothing more
    assert list(tmp_path.iterdir()) == []


def test_case_never_overwrites_without_force(tmp_path):
    name = first_public("affine_backward").name
    (tmp_path / "c.npz").write_text("mine")
    done = judge("case", "affine_backward", name, "-o", "c.npz", cwd=tmp_path)
    assert done.returncode == 2 and "c.npz: already exists; pass --force" in done.stderr
    assert (tmp_path / "c.npz").read_text() == "mine"
    forced = judge("case", "affine_backward", name, "-o", "c.npz", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert "x" in np.load(tmp_path / "c.npz", allow_pickle=False).files


def test_case_writes_exactly_the_path_given(tmp_path):
    name = first_public("affine_backward").name
    assert judge("case", "affine_backward", name, "-o", "case.data", cwd=tmp_path).returncode == 0
    assert [p.name for p in tmp_path.iterdir()] == ["case.data"]


@pytest.mark.parametrize("lang, heading", [("en", "On your machine:"), ("zh", "在自己的电脑上：")])
def test_the_statement_says_how_to_work_locally(lang, heading):
    done = judge("show", "conv_backward", "--lang", lang)
    assert done.returncode == 0, done.stderr
    section = done.stdout[done.stdout.index(heading):]
    assert "judge init conv_backward" in section and "utils.py" in section
    assert "judge case conv_backward NAME [-o FILE.npz]" in section
