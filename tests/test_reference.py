"""The hidden reference solutions (reference/*.py).

Each is checked against two independent oracles:
- the naive loop implementations of tests/numerics/naive.py (forward and
  backward, every output);
- central finite differences of L = sum(out * dout) through the reference's
  own forward (tests/numerics/fd.py).
Integer-valued pooling inputs (tied maxima) are compared with the naive
version only: at a tie max pooling is not differentiable.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import utils  # noqa: F401  (exercises/lib, put on sys.path by conftest.py)
from numerics import fd, naive

ROOT = Path(__file__).resolve().parent.parent


def load_reference(name):
    """Import reference/<name>.py as module ``reference_<name>``."""
    path = ROOT / "reference" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"reference_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


conv_ref = load_reference("conv_backward")
pool_ref = load_reference("maxpool_backward")

NAIVE_TOL = 1e-10     # same sums in another order
FD_TOL = 1e-8         # relative to the largest entry of the gradient


def assert_close(got, want, tol, what):
    got = np.asarray(got)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    err = float(np.max(np.abs(got - want), initial=0.0))
    assert err <= tol * scale, f"{what}: max error {err:.3e} (scale {scale:.3g})"


# ---------------------------------------------------------------- convolution

# x shape, W shape, stride, pad
CONV_CASES = [
    ((1, 1, 4, 4), (1, 1, 3, 3), 1, 0),
    ((2, 3, 7, 6), (4, 3, 3, 2), 1, 1),      # batch, channels, H != W, non-square kernel
    ((2, 2, 8, 8), (3, 2, 3, 3), 2, 1),      # stride 2, (8 + 2 - 3) not divisible by 2
    ((3, 2, 7, 9), (2, 2, 2, 3), 2, 0),      # non-divisible in both directions
    ((2, 3, 9, 7), (2, 3, 4, 3), 3, 2),      # stride 3, big pad
    ((3, 2, 5, 6), (3, 2, 1, 1), 1, 0),      # 1x1 kernel
    ((2, 2, 5, 5), (3, 2, 1, 1), 2, 1),      # 1x1 kernel reading padding only on the border
    ((1, 2, 3, 4), (2, 2, 5, 4), 1, 1),      # kernel as tall as the padded input
    ((1, 1, 3, 3), (2, 1, 2, 2), 1, 2),      # some windows entirely in the padding
    ((2, 1, 6, 5), (1, 1, 2, 2), 3, 0),      # stride > kernel: skipped input positions
]
CONV_IDS = [f"x{x}-W{w}-s{s}-p{p}" for x, w, s, p in CONV_CASES]


def conv_inputs(case, seed):
    x_shape, w_shape, stride, pad = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    W = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    oh = naive.out_size(x_shape[2], w_shape[2], stride, pad)
    ow = naive.out_size(x_shape[3], w_shape[3], stride, pad)
    dout = rng.standard_normal((x_shape[0], w_shape[0], oh, ow))
    return x, W, b, dout, stride, pad


def run_conv(x, W, b, dout, stride, pad):
    layer = conv_ref.Convolution(W, b, stride=stride, pad=pad)
    out = layer.forward(x)
    dx = layer.backward(dout)
    return out, dx, layer.dW, layer.db


@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_conv_matches_naive(case):
    x, W, b, dout, stride, pad = conv_inputs(case, seed=10)
    got = run_conv(x, W, b, dout, stride, pad)
    want = (naive.conv_forward(x, W, b, stride, pad),) + naive.conv_backward(x, W, b, dout, stride, pad)
    for name, g, w in zip(("out", "dx", "dW", "db"), got, want):
        assert_close(g, w, NAIVE_TOL, name)
    assert got[1].shape == x.shape and got[2].shape == W.shape and got[3].shape == b.shape


@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_conv_matches_finite_differences(case):
    x, W, b, dout, stride, pad = conv_inputs(case, seed=20)
    _, dx, dW, db = run_conv(x, W, b, dout, stride, pad)
    forward = lambda x_, W_, b_: conv_ref.Convolution(W_, b_, stride, pad).forward(x_)
    num = fd.conv_grads(forward, x, W, b, dout)
    for name, g, n in zip(("dx", "dW", "db"), (dx, dW, db), num):
        assert_close(g, n, FD_TOL, name)


def test_conv_does_not_need_contiguous_dout():
    x, W, b, dout, stride, pad = conv_inputs(CONV_CASES[2], seed=30)
    want = run_conv(x, W, b, dout, stride, pad)
    odd = np.asfortranarray(dout)
    got = run_conv(x, W, b, odd, stride, pad)
    for name, g, w in zip(("out", "dx", "dW", "db"), got, want):
        assert_close(g, w, 1e-12, name)


# ---------------------------------------------------------------- max pooling

# x shape, pool_h, pool_w, stride, pad
POOL_CASES = [
    ((1, 1, 4, 4), 2, 2, 2, 0),
    ((2, 3, 6, 7), 2, 2, 2, 0),      # batch, channels, H != W, non-divisible W
    ((2, 2, 5, 5), 3, 3, 1, 1),      # overlapping windows, padding
    ((2, 3, 7, 6), 3, 2, 2, 1),      # non-square window, overlap along H
    ((1, 2, 5, 5), 3, 3, 2, 1),      # overlapping windows with stride 2
    ((2, 2, 6, 6), 1, 1, 1, 0),      # 1x1 window
    ((2, 2, 7, 8), 2, 3, 3, 1),      # stride > window: gaps, non-divisible
    ((1, 1, 4, 4), 2, 2, 1, 1),      # padding in every border window
    ((2, 1, 3, 5), 4, 2, 1, 1),      # window as tall as the padded input
    ((1, 2, 2, 2), 2, 2, 1, 2),      # windows entirely in the padding
]
POOL_IDS = [f"x{x}-{ph}x{pw}-s{s}-p{p}" for x, ph, pw, s, p in POOL_CASES]


def pool_dout(case, rng):
    x_shape, ph, pw, stride, pad = case
    oh = naive.out_size(x_shape[2], ph, stride, pad)
    ow = naive.out_size(x_shape[3], pw, stride, pad)
    return rng.standard_normal((x_shape[0], x_shape[1], oh, ow))


def run_pool(x, dout, ph, pw, stride, pad):
    layer = pool_ref.MaxPool(ph, pw, stride=stride, pad=pad)
    out = layer.forward(x)
    dx = layer.backward(dout)
    return out, dx


def check_pool_against_naive(x, dout, ph, pw, stride, pad):
    out, dx = run_pool(x, dout, ph, pw, stride, pad)
    assert_close(out, naive.maxpool_forward(x, ph, pw, stride, pad), NAIVE_TOL, "out")
    assert_close(dx, naive.maxpool_backward(x, dout, ph, pw, stride, pad), NAIVE_TOL, "dx")
    return out, dx


@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_pool_matches_naive(case):
    rng = np.random.default_rng(40)
    x = rng.standard_normal(case[0])
    check_pool_against_naive(x, pool_dout(case, rng), *case[1:])


@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_pool_matches_finite_differences(case):
    rng = np.random.default_rng(50)
    x = fd.spaced_values(case[0], rng)
    dout = pool_dout(case, rng)
    ph, pw, stride, pad = case[1:]
    _, dx = run_pool(x, dout, ph, pw, stride, pad)
    num = fd.pool_grad(lambda x_: pool_ref.MaxPool(ph, pw, stride, pad).forward(x_), x, dout)
    assert_close(dx, num, FD_TOL, "dx")


@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
@pytest.mark.parametrize("seed", [60, 61, 62])
def test_pool_tied_maxima_go_to_the_first(case, seed):
    """Integer inputs: many ties, the gradient goes to the first maximum only."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, size=case[0]).astype(np.float64)
    check_pool_against_naive(x, pool_dout(case, rng), *case[1:])


def test_pool_all_equal_input_with_padding():
    """All zeros: every window ties; where its first element is padding the gradient is lost."""
    x = np.zeros((1, 1, 3, 3))
    dout = np.arange(1.0, 17.0).reshape(1, 1, 4, 4)         # 2x2 windows, stride 1, pad 1
    _, dx = check_pool_against_naive(x, dout, 2, 2, 1, 1)
    # Window (i, j) starts at padded (i, j), i.e. at input (i-1, j-1): inside
    # the input only when i, j >= 1.
    np.testing.assert_array_equal(dx[0, 0], dout[0, 0, 1:, 1:])


def test_pool_padding_can_win_the_max():
    """Negative input: border windows pick a padding zero and pass no gradient."""
    x = -1.0 - np.arange(16.0).reshape(1, 1, 4, 4)
    dout = np.ones((1, 1, 3, 3))
    out, dx = check_pool_against_naive(x, dout, 2, 2, 2, 1)
    assert np.all(out[0, 0, [0, 2], :] == 0) and np.all(out[0, 0, :, [0, 2]] == 0)
    assert dx.sum() == 1.0                      # only the centre window reaches the input
    assert dx[0, 0, 1, 1] == 1.0                # at its first (largest) element, x = -6


def test_pool_overlapping_windows_accumulate():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0                         # the max of every 2x2 window
    dout = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    _, dx = check_pool_against_naive(x, dout, 2, 2, 1, 0)
    assert dx[0, 0, 1, 1] == 10.0 and dx.sum() == 10.0


def test_pool_does_not_need_contiguous_dout():
    case = POOL_CASES[3]
    rng = np.random.default_rng(70)
    x = rng.standard_normal(case[0])
    dout = pool_dout(case, rng)
    _, want = run_pool(x, dout, *case[1:])
    _, got = run_pool(x, np.asfortranarray(dout), *case[1:])
    assert_close(got, want, 1e-12, "dx")


# ---------------------------------------------------------------- the oracles themselves

def test_naive_conv_agrees_with_numpy_correlate():
    """Tiny sanity check of the naive oracle on a 1-channel, 1-filter case."""
    rng = np.random.default_rng(80)
    x = rng.standard_normal((1, 1, 1, 7))
    W = rng.standard_normal((1, 1, 1, 3))
    out = naive.conv_forward(x, W, np.zeros(1))
    np.testing.assert_allclose(out[0, 0, 0], np.correlate(x[0, 0, 0], W[0, 0, 0], "valid"), rtol=1e-12)


def test_spaced_values_have_no_near_ties():
    v = np.sort(fd.spaced_values((2, 3, 5, 5), np.random.default_rng(0)).ravel())
    assert np.min(np.diff(v)) >= 0.1 - 1e-12
    assert np.min(np.abs(v)) >= 0.05 - 1e-12
    assert v[0] < 0 < v[-1]
