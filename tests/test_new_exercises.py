"""The exercises added as data: avgpool_backward, conv_forward, affine_backward,
softmax_with_loss_backward. Their references against independent oracles,
their declarations (list parameters, labels), their sample submissions, and
the commands that start a student or an instructor off (init, show, new-case).
"""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, SUBMISSIONS
from grader.declare import cases, exercise, expr, inputs
from grader.pipeline import splice
from grader.errors import JudgeError
from grader.pipeline.verdict import Verdict
from helpers import case_file, skeleton, write
from numerics import fd, naive

NEW = ["avgpool_backward", "conv_forward", "affine_backward", "softmax_with_loss_backward"]
CLASSES = {"avgpool_backward": "AvgPool", "conv_forward": "Convolution",
           "affine_backward": "Affine", "softmax_with_loss_backward": "SoftmaxWithLoss"}


def reference(name):
    path = ROOT / "reference" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"reference_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def close(got, want, tol=1e-10):
    got = np.asarray(got)
    assert got.shape == np.shape(want)
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    assert float(np.max(np.abs(got - want), initial=0.0)) <= tol * scale


# ---------------------------------------------------------------- references vs oracles

def avgpool_naive(x, dout, ph, pw, stride, pad):
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = naive.out_size(H, ph, stride, pad), naive.out_size(W, pw, stride, pad)
    out = np.zeros((N, C, oh, ow))
    dxp = np.zeros_like(xp)
    for i in range(oh):
        for j in range(ow):
            rows, cols = slice(i * stride, i * stride + ph), slice(j * stride, j * stride + pw)
            out[:, :, i, j] = xp[:, :, rows, cols].mean(axis=(2, 3))
            dxp[:, :, rows, cols] += dout[:, :, i:i + 1, j:j + 1] / (ph * pw)
    return out, dxp[:, :, pad:pad + H, pad:pad + W]


@pytest.mark.parametrize("shape, ph, pw, stride, pad", [
    ((2, 3, 5, 6), 2, 2, 2, 0), ((2, 2, 5, 5), 3, 3, 1, 1), ((1, 2, 7, 6), 3, 2, 2, 1),
    ((2, 1, 8, 7), 2, 2, 3, 0), ((1, 1, 2, 2), 2, 2, 1, 2), ((2, 2, 4, 5), 4, 5, 1, 0),
])
def test_avgpool_reference(shape, ph, pw, stride, pad):
    ref = reference("avgpool_backward")
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape)
    dout = rng.standard_normal((shape[0], shape[1], naive.out_size(shape[2], ph, stride, pad),
                                naive.out_size(shape[3], pw, stride, pad)))
    layer = ref.AvgPool(ph, pw, stride, pad)
    out, dx = layer.forward(x), layer.backward(dout)
    want_out, want_dx = avgpool_naive(x, dout, ph, pw, stride, pad)
    close(out, want_out)
    close(dx, want_dx)
    numeric = fd.pool_grad(lambda x_: ref.AvgPool(ph, pw, stride, pad).forward(x_), x, dout)
    close(dx, numeric, 1e-8)


@pytest.mark.parametrize("x_shape, w_shape, stride, pad", [
    ((2, 3, 5, 6), (4, 3, 3, 3), 1, 0), ((2, 3, 5, 7), (4, 3, 3, 2), 2, 1),
    ((1, 1, 3, 3), (2, 1, 2, 2), 1, 2), ((3, 2, 9, 8), (2, 2, 3, 3), 3, 1),
])
def test_conv_forward_reference(x_shape, w_shape, stride, pad):
    ref = reference("conv_forward")
    rng = np.random.default_rng(4)
    x, W, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    close(ref.Convolution(W, b, stride, pad).forward(x), naive.conv_forward(x, W, b, stride, pad))


@pytest.mark.parametrize("x_shape, M", [((3, 5), 4), ((2, 3, 4, 5), 6), ((1, 2, 3), 3), ((4, 1, 1, 2, 2), 1)])
def test_affine_reference(x_shape, M):
    ref = reference("affine_backward")
    rng = np.random.default_rng(5)
    D = int(np.prod(x_shape[1:]))
    x, W, b = rng.standard_normal(x_shape), rng.standard_normal((D, M)), rng.standard_normal(M)
    dout = rng.standard_normal((x_shape[0], M))
    layer = ref.Affine(W, b)
    out = layer.forward(x)
    dx = layer.backward(dout)
    flat = x.reshape(x_shape[0], D)
    close(out, flat @ W + b)
    close(dx, (dout @ W.T).reshape(x_shape))
    close(layer.dW, sum(np.outer(flat[n], dout[n]) for n in range(x_shape[0])))
    close(layer.db, dout.sum(axis=0))
    forward = lambda x_, W_, b_: ref.Affine(W_, b_).forward(x_)  # noqa: E731
    for got, numeric in zip((dx, layer.dW, layer.db), fd.conv_grads(forward, x, W, b, dout)):
        close(got, numeric, 1e-8)


@pytest.mark.parametrize("N, C", [(4, 3), (1, 5), (6, 6)])
@pytest.mark.parametrize("onehot", [False, True])
def test_softmax_with_loss_reference(N, C, onehot):
    ref = reference("softmax_with_loss_backward")
    rng = np.random.default_rng(6)
    x = rng.standard_normal((N, C)) * 3
    labels = rng.integers(0, C, N)
    T = np.eye(C)[labels]
    t = T if onehot else labels
    layer = ref.SoftmaxWithLoss()
    loss = layer.forward(x, t)
    dx = layer.backward()
    p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    close(loss, -np.mean(np.log(p[np.arange(N), labels])))
    close(dx, (p - T) / N)
    numeric = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        a, b = x.copy(), x.copy()
        a[k] += 1e-6
        b[k] -= 1e-6
        numeric[k] = (ref.SoftmaxWithLoss().forward(a, t) - ref.SoftmaxWithLoss().forward(b, t)) / 2e-6
    close(dx, numeric, 1e-7)
    assert not np.shares_memory(dx, layer.y)


# ---------------------------------------------------------------- declarations

@pytest.mark.parametrize("name", NEW)
def test_files_of_an_exercise(name):
    ex = exercise.load(name)
    assert ex.class_name == CLASSES[name]
    assert set(ex.title) == {"en", "zh"}
    text = (ROOT / "reference" / f"{name}.py").read_text(encoding="utf-8")
    assert splice.splice(skeleton(name), text).outside_changes == []
    for lang in ("en", "zh"):
        statement = ex.statement(lang).read_text(encoding="utf-8")
        assert CLASSES[name] in statement and "Begin" in statement and "atol" in statement
    found = cases.load(ex)
    assert sum(c.points for c in found) == 100
    assert {c.visibility for c in found} == {"public", "hidden"}
    assert ex.check.probes


def test_list_parameter_gives_inputs_of_any_rank():
    ex = exercise.load("affine_backward")
    assert ex.params["dims"].kind == "list"
    for dims, x_shape in (([5], (3, 5)), ([3, 4, 5], (3, 3, 4, 5))):
        case = cases.parse_case({"name": "a", "seed": 1, "params": {"N": 3, "dims": dims, "M": 2}},
                                 0, ex, "f.yaml")[0]
        shapes = case.shapes(ex)
        assert shapes["x"] == x_shape and shapes["W"] == (int(np.prod(dims)), 2)
        drawn = inputs.draw(ex, case)
        assert drawn["x"].shape == x_shape and drawn["dout"].shape == (3, 2)


@pytest.mark.parametrize("dims, words", [
    ("5", "params.dims: expected a list of whole numbers, e.g. [3, 4], got 5"),
    ("[]", "params.dims: needs at least 1 numbers, got 0"),
    ("[1, 2, 3, 4, 5]", "params.dims: takes at most 4 numbers, got 5"),
    ("[2, 0]", "params.dims[1]: must be at least 1, got 0"),
    ("[2, x]", "params.dims[1]: expected a whole number, got 'x'"),
])
def test_list_parameter_problems(tmp_path, dims, words):
    path = case_file(tmp_path, f"cases:\n  - {{name: a, seed: 1, params: {{N: 1, dims: {dims}, M: 2}}}}\n")
    _, problems = cases.parse_file(path, exercise.load("affine_backward"))
    assert len(problems) == 1 and words in problems[0], problems


def test_prod_in_expressions():
    assert expr.evaluate("prod(dims) * M", {"dims": [2, 3], "M": 4}) == 24
    assert expr.names("prod(dims) + 1") == {"dims"}
    for bad in ("sum(dims)", "prod(2)", "prod(dims, M)", "prod(dims=1)"):
        with pytest.raises(expr.ExprError, match="the only call allowed is prod"):
            expr.parse(bad)
    with pytest.raises(expr.ExprError, match="'dims' is a list; use prod"):
        expr.evaluate("dims + 1", {"dims": [2]})


def test_star_must_name_a_list_parameter(tmp_path, monkeypatch):
    import shutil
    for sub in ("exercises", "reference", "cases"):
        shutil.copytree(ROOT / sub, tmp_path / sub, copy_function=shutil.copy)
    path = tmp_path / "exercises" / "affine_backward" / "exercise.yaml"
    path.write_text(path.read_text().replace('"*dims"', '"*M"'))
    monkeypatch.setenv("JUDGE_HOME", str(tmp_path))
    with pytest.raises(JudgeError, match=r"inputs.x.shape\[1\]: '\*M' must name a list parameter"):
        exercise.load("affine_backward")


def test_labels_as_indices_or_one_hot():
    ex = exercise.load("softmax_with_loss_backward")
    for onehot in (0, 1):
        case = cases.parse_case({"name": "a", "seed": 3, "params": {"N": 50, "C": 4, "onehot": onehot}},
                                 0, ex, "f.yaml")[0]
        t = inputs.draw(ex, case)["t"]
        if onehot:
            assert t.shape == (50, 4) and t.dtype == np.float64
            assert np.all(t.sum(axis=1) == 1) and set(np.unique(t)) == {0.0, 1.0}
        else:
            assert t.shape == (50,) and t.dtype == np.int64
            assert set(np.unique(t)) == {0, 1, 2, 3}


# ---------------------------------------------------------------- sample submissions

def files(prefix):
    return [pytest.param(path, id=f"{path.parent.name}/{path.stem}")
            for name in NEW for path in sorted((SUBMISSIONS / name).glob(f"{prefix}_*.py"))]


def test_there_are_enough_variants():
    for name in NEW:
        assert len(list((SUBMISSIONS / name).glob("correct_*.py"))) >= 4
        assert len(list((SUBMISSIONS / name).glob("wrong_*.py"))) >= 8
        for path in (SUBMISSIONS / name).glob("wrong_*.py"):
            assert path.read_text(encoding="utf-8").startswith("# mistake: "), path


@pytest.mark.parametrize("path", files("correct"))
def test_correct_variants_are_accepted(grade_file, path):
    report = grade_file(path, path.parent.name)
    assert report.verdict is Verdict.AC, [(c.name, c.message) for c in report.cases]
    assert report.score == report.max_score == 100


@pytest.mark.parametrize("path", files("wrong"))
def test_wrong_variants_fail_a_public_and_a_hidden_case(grade_file, path):
    report = grade_file(path, path.parent.name)
    failed = [c for c in report.cases if c.verdict is not Verdict.AC]
    assert report.score < 100
    assert any(c.visibility == "public" for c in failed), "a student would get no visible hint"
    assert any(c.visibility == "hidden" for c in failed)
    assert all(c.verdict in (Verdict.WA, Verdict.RE) for c in failed)


@pytest.mark.parametrize("name", NEW)
def test_unfilled_skeleton_fails_everywhere(grade_file, tmp_path, name):
    report = grade_file(write(tmp_path, "skeleton.py", skeleton(name)), name)
    assert report.verdict is Verdict.WA and report.score == 0
    public = next(c for c in report.cases if c.visibility == "public")
    assert "is None" in public.message


# ---------------------------------------------------------------- init, show, new-case

def judge(*args, cwd=None):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([sys.executable, str(ROOT / "judge.py"), *args], capture_output=True,
                          text=True, env=env, timeout=120, cwd=cwd)


def test_init_writes_the_skeleton_and_never_overwrites(tmp_path):
    done = judge("init", "avgpool_backward", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    target = tmp_path / "avgpool_backward.py"
    assert target.read_text(encoding="utf-8") == skeleton("avgpool_backward")
    assert "judge grade avgpool_backward.py -e avgpool_backward" in done.stdout
    target.write_text("my work")
    again = judge("init", "avgpool_backward", cwd=tmp_path)
    assert again.returncode == 2 and again.stderr.count("\n") == 1
    assert "avgpool_backward.py: already exists; pass --force" in again.stderr
    assert target.read_text() == "my work"
    forced = judge("init", "avgpool_backward", str(target), "--force")
    assert forced.returncode == 0 and target.read_text(encoding="utf-8") == skeleton("avgpool_backward")


def test_init_unknown_exercise_is_one_line(tmp_path):
    done = judge("init", "avgpool", str(tmp_path / "a.py"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "unknown exercise 'avgpool'" in done.stderr
    assert not (tmp_path / "a.py").exists()


SHOWN = {   # show --lang is the statement's language and every message's
    "en": ("## Task", "Public cases (4 of 9; 45 of 100 points):", "+ 5 hidden cases (55 points)"),
    "zh": ("## 任务", "公开测试点（共 9 个中的 4 个；100 分中的 45 分）：", "+ 5 个隐藏测试点（55 分）"),
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_show_prints_the_statement_and_only_public_cases(lang):
    words, table, hidden = SHOWN[lang]
    done = judge("show", "affine_backward", "--lang", lang)
    assert done.returncode == 0, done.stderr
    assert words in done.stdout
    found = cases.load(exercise.load("affine_backward"))
    for case in found:
        assert (case.name in done.stdout) == case.public
    assert table in done.stdout
    assert "images_2x3x4x5_to_6  N=2 dims=[3,4,5] M=6" in done.stdout
    assert hidden in done.stdout


def test_show_rejects_an_unknown_language():
    done = judge("show", "affine_backward", "--lang", "fr")
    assert done.returncode == 2 and "'fr' is not one of" in done.stderr


@pytest.mark.parametrize("name", exercise.available())
def test_new_case_template_validates_as_it_is(tmp_path, name):
    target = tmp_path / "new.yaml"
    done = judge("new-case", name, "-o", str(target))
    assert done.returncode == 0, done.stderr
    text = target.read_text(encoding="utf-8")
    ex = exercise.load(name)
    for pname, spec in ex.params.items():
        assert f"      {pname}: " in text
        assert spec.doc in text
    assert cases.validate(target) == (1, [])
    optional = tmp_path / "optional.yaml"          # the commented-out keys are valid too
    optional.write_text(text.replace("    # tolerance:", "    tolerance:")
                        .replace("    # time_limit:", "    time_limit:")
                        .replace("    # memory_limit:", "    memory_limit:"), encoding="utf-8")
    assert "    tolerance: {atol: " in optional.read_text(encoding="utf-8")
    assert cases.validate(optional) == (1, [])
    again = judge("new-case", name, "-o", str(target))
    assert again.returncode == 2 and "already exists" in again.stderr


def test_new_case_prints_a_commented_template():
    done = judge("new-case", "conv_backward")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0].startswith("# A new case for conv_backward")
    assert "      stride: 1" in done.stdout and "default 1" in done.stdout
    assert "must hold: H + 2*pad >= FH" in done.stdout
    assert "    draw: normal" in done.stdout and "x, W, b, dout" in done.stdout
