"""exercises/lib/utils.py: im2col / col2im, the helpers students import.

They must be drop-in replacements for the textbook versions
(tests/numerics/book.py): same signatures, same layout, same numbers.
"""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import utils
from numerics import book, naive

ROOT = Path(__file__).resolve().parent.parent

# (N, C, H, W), filter_h, filter_w, stride, pad
SHAPES = [
    ((1, 1, 4, 4), 2, 2, 1, 0),
    ((1, 1, 4, 4), 4, 4, 1, 0),           # one window
    ((2, 3, 5, 5), 3, 3, 1, 1),
    ((2, 3, 7, 6), 3, 2, 1, 1),           # H != W, non-square kernel
    ((2, 2, 8, 8), 3, 3, 2, 1),           # stride 2, (8 + 2 - 3) odd
    ((3, 2, 7, 9), 2, 3, 2, 0),           # non-divisible in both directions
    ((2, 2, 9, 7), 4, 3, 3, 2),           # stride 3, big pad
    ((2, 3, 6, 5), 1, 1, 1, 0),           # 1x1
    ((2, 3, 6, 5), 1, 1, 2, 1),           # 1x1 reading pure padding rows
    ((1, 2, 6, 6), 2, 2, 3, 0),           # stride > kernel: gaps between windows
    ((1, 1, 3, 3), 2, 2, 1, 2),           # windows entirely in the padding
    ((1, 2, 3, 4), 5, 4, 1, 1),           # kernel == padded height
    ((1, 1, 1, 1), 1, 1, 1, 0),
    ((4, 5, 10, 12), 5, 5, 2, 2),         # wide filter path
    ((2, 2, 11, 9), 7, 4, 3, 1),          # wide filter, stride 3
    ((2, 64, 6, 6), 3, 3, 1, 1),          # many channels
]

ids = [f"{s}-k{fh}x{fw}-s{st}-p{p}" for s, fh, fw, st, p in SHAPES]


def out_hw(shape, fh, fw, stride, pad):
    return (naive.out_size(shape[2], fh, stride, pad), naive.out_size(shape[3], fw, stride, pad))


def test_utils_is_the_exercise_helper():
    assert Path(utils.__file__).resolve() == ROOT / "exercises" / "lib" / "utils.py"


@pytest.mark.parametrize("shape, fh, fw, stride, pad", SHAPES, ids=ids)
def test_im2col_matches_book(shape, fh, fw, stride, pad):
    x = np.random.default_rng(0).standard_normal(shape)
    got = utils.im2col(x, fh, fw, stride, pad)
    want = book.im2col(x, fh, fw, stride, pad)
    oh, ow = out_hw(shape, fh, fw, stride, pad)
    assert got.shape == want.shape == (shape[0] * oh * ow, shape[1] * fh * fw)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("shape, fh, fw, stride, pad", SHAPES, ids=ids)
def test_col2im_matches_book(shape, fh, fw, stride, pad):
    oh, ow = out_hw(shape, fh, fw, stride, pad)
    col = np.random.default_rng(1).standard_normal((shape[0] * oh * ow, shape[1] * fh * fw))
    got = utils.col2im(col, shape, fh, fw, stride, pad)
    want = book.col2im(col, shape, fh, fw, stride, pad)
    assert got.shape == want.shape == shape
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    # Same additions in the same order: even the rounding agrees.
    assert np.array_equal(got, want)


@pytest.mark.parametrize("shape, fh, fw, stride, pad", SHAPES, ids=ids)
def test_layout_is_rows_n_y_x_columns_c_ky_kx(shape, fh, fw, stride, pad):
    """col.reshape(N, oh, ow, C, fh, fw)[n, i, j, c, ky, kx] == xp[n, c, i*S+ky, j*S+kx]."""
    x = np.random.default_rng(2).standard_normal(shape)
    col = utils.im2col(x, fh, fw, stride, pad)
    N, C, H, W = shape
    oh, ow = out_hw(shape, fh, fw, stride, pad)
    six = col.reshape(N, oh, ow, C, fh, fw)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    xp[:, :, pad:pad + H, pad:pad + W] = x
    for i in range(oh):
        for j in range(ow):
            window = xp[:, :, i * stride:i * stride + fh, j * stride:j * stride + fw]
            assert np.array_equal(six[:, i, j], window)


@pytest.mark.parametrize("shape, fh, fw, stride, pad", SHAPES, ids=ids)
def test_col2im_of_ones_counts_windows(shape, fh, fw, stride, pad):
    """Positions no window covers (non-divisible sizes) stay 0."""
    oh, ow = out_hw(shape, fh, fw, stride, pad)
    ones = np.ones((shape[0] * oh * ow, shape[1] * fh * fw))
    got = utils.col2im(ones, shape, fh, fw, stride, pad)
    assert np.array_equal(got, naive.coverage(shape, fh, fw, stride, pad))


def test_uncovered_positions_are_zero():
    # H = W = 6, 3x3 windows, stride 2, no pad: windows cover rows/cols 0..4.
    shape = (1, 1, 6, 6)
    col = np.full((4, 9), 7.0)
    img = utils.col2im(col, shape, 3, 3, 2, 0)
    assert img.shape == shape
    assert np.all(img[..., 5, :] == 0) and np.all(img[..., :, 5] == 0)
    assert np.all(img[..., :5, :5] > 0)


@pytest.mark.parametrize("chunk_bytes", [1, 3000, 10**9])
@pytest.mark.parametrize("shape, fh, fw, stride, pad", SHAPES[:8], ids=ids[:8])
def test_batch_slicing_does_not_matter(monkeypatch, chunk_bytes, shape, fh, fw, stride, pad):
    """utils works on slices of the batch; force one image, a few, or all per slice."""
    monkeypatch.setattr(utils, "_CHUNK_BYTES", chunk_bytes)
    rng = np.random.default_rng(9)
    x = rng.standard_normal((5,) + shape[1:])
    col = utils.im2col(x, fh, fw, stride, pad)
    np.testing.assert_array_equal(col, book.im2col(x, fh, fw, stride, pad))
    c = rng.standard_normal(col.shape)
    np.testing.assert_array_equal(utils.col2im(c, x.shape, fh, fw, stride, pad),
                                  book.col2im(c, x.shape, fh, fw, stride, pad))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float32, np.uint8, bool])
def test_any_dtype_gives_float64(dtype):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 5, size=(2, 3, 5, 6)).astype(dtype)
    col = utils.im2col(x, 3, 2, 2, 1)
    assert col.dtype == np.float64
    np.testing.assert_array_equal(col, book.im2col(x.astype(np.float64), 3, 2, 2, 1))
    c = rng.integers(0, 5, size=col.shape).astype(dtype)
    img = utils.col2im(c, x.shape, 3, 2, 2, 1)
    assert img.dtype == np.float64
    np.testing.assert_array_equal(img, book.col2im(c.astype(np.float64), x.shape, 3, 2, 2, 1))


def test_float32_values_are_not_rounded():
    x = np.random.default_rng(4).standard_normal((2, 2, 5, 5)).astype(np.float32)
    np.testing.assert_array_equal(utils.im2col(x, 2, 2, 1, 1),
                                  book.im2col(x.astype(np.float64), 2, 2, 1, 1))


def _non_contiguous_variants(base):
    yield "reversed", base[:, :, ::-1, ::-1]
    yield "strided", base[:, :, ::2, 1::2]
    yield "fortran", np.asfortranarray(base)
    yield "transposed", base.transpose(0, 1, 3, 2)
    yield "channels_last", np.ascontiguousarray(base.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    yield "broadcast", np.broadcast_to(base[:1], base.shape)


@pytest.mark.parametrize("stride, pad", [(1, 0), (1, 1), (2, 1), (3, 2)])
def test_non_contiguous_input(stride, pad):
    base = np.random.default_rng(5).standard_normal((2, 3, 8, 10))
    for name, x in _non_contiguous_variants(base):
        dense = np.array(x, order="C")
        for fh, fw in [(1, 1), (2, 3), (3, 3), (5, 4)]:
            if x.shape[2] + 2 * pad < fh or x.shape[3] + 2 * pad < fw:
                continue
            got = utils.im2col(x, fh, fw, stride, pad)
            np.testing.assert_array_equal(got, book.im2col(dense, fh, fw, stride, pad), err_msg=name)
            c = np.random.default_rng(6).standard_normal(got.shape)
            for cname, cv in [("fortran", np.asfortranarray(c)), ("reversed", c[::-1, ::-1].copy()[::-1, ::-1]),
                              ("transposed", np.ascontiguousarray(c.T).T)]:
                img = utils.col2im(cv, x.shape, fh, fw, stride, pad)
                np.testing.assert_array_equal(img, book.col2im(c, x.shape, fh, fw, stride, pad),
                                              err_msg=f"{name}/{cname}")


def test_outputs_are_fresh_contiguous_writable_and_inputs_untouched():
    x = np.random.default_rng(7).standard_normal((2, 3, 6, 6))
    x0 = x.copy()
    for fh, fw, s, p in [(1, 1, 1, 0), (3, 3, 1, 1), (2, 2, 2, 0), (5, 5, 1, 2)]:
        col = utils.im2col(x, fh, fw, s, p)
        assert col.flags.c_contiguous and col.flags.writeable
        assert not np.shares_memory(col, x)
        col0 = col.copy()
        img = utils.col2im(col, x.shape, fh, fw, s, p)
        assert img.flags.c_contiguous and img.flags.writeable
        assert not np.shares_memory(img, col)
        np.testing.assert_array_equal(col, col0)
        col[...] = 1.0              # writing into the result must be harmless
    np.testing.assert_array_equal(x, x0)


def test_col2im_accepts_shape_as_list_or_array():
    col = np.ones((2 * 3 * 3, 2 * 4))
    a = utils.col2im(col, [2, 2, 4, 4], 2, 2, 1, 0)
    b = utils.col2im(col, np.array([2, 2, 4, 4]), 2, 2, 1, 0)
    assert a.shape == b.shape == (2, 2, 4, 4)
    np.testing.assert_array_equal(a, b)


def test_keyword_arguments_like_the_book():
    x = np.random.default_rng(8).standard_normal((1, 2, 5, 5))
    col = utils.im2col(input_data=x, filter_h=3, filter_w=3, stride=2, pad=1)
    img = utils.col2im(col=col, input_shape=x.shape, filter_h=3, filter_w=3, stride=2, pad=1)
    np.testing.assert_array_equal(img, book.col2im(col, x.shape, 3, 3, 2, 1))


@pytest.mark.parametrize("args", [
    ((1, 1, 3, 3), 4, 1, 1, 0),     # too tall
    ((1, 1, 3, 3), 1, 6, 1, 1),     # too wide even with padding
    ((1, 1, 3, 3), 1, 1, 0, 0),     # stride 0
    ((1, 1, 3, 3), 1, 1, 1, -1),    # negative pad
])
def test_impossible_geometry_is_rejected(args):
    shape, fh, fw, s, p = args
    with pytest.raises(ValueError):
        utils.im2col(np.zeros(shape), fh, fw, s, p)
    with pytest.raises(ValueError):
        utils.col2im(np.zeros((1, 1)), shape, fh, fw, s, p)


def test_col2im_rejects_wrong_size():
    with pytest.raises(ValueError):
        utils.col2im(np.zeros((5, 4)), (1, 1, 3, 3), 2, 2, 1, 0)


# ------------------------------------------------------------------ property based

geometry = st.tuples(
    st.integers(1, 3), st.integers(1, 4),           # N, C
    st.integers(1, 9), st.integers(1, 9),           # H, W
    st.integers(1, 5), st.integers(1, 5),           # filter_h, filter_w
    st.integers(1, 4), st.integers(0, 3),           # stride, pad
)


@settings(max_examples=150, deadline=None)
@given(geometry, st.integers(0, 2**32 - 1))
def test_matches_book_property(g, seed):
    N, C, H, W, fh, fw, s, p = g
    assume(H + 2 * p >= fh and W + 2 * p >= fw)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W))
    col = utils.im2col(x, fh, fw, s, p)
    np.testing.assert_allclose(col, book.im2col(x, fh, fw, s, p), rtol=0, atol=1e-12)
    c = rng.standard_normal(col.shape)
    img = utils.col2im(c, x.shape, fh, fw, s, p)
    assert img.shape == x.shape
    np.testing.assert_allclose(img, book.col2im(c, x.shape, fh, fw, s, p), rtol=0, atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(geometry, st.integers(0, 2**32 - 1))
def test_col2im_is_the_adjoint_of_im2col(g, seed):
    """<im2col(x), c> == <x, col2im(c)> for every x and c."""
    N, C, H, W, fh, fw, s, p = g
    assume(H + 2 * p >= fh and W + 2 * p >= fw)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W))
    col = utils.im2col(x, fh, fw, s, p)
    c = rng.standard_normal(col.shape)
    lhs = np.sum(col * c)
    rhs = np.sum(x * utils.col2im(c, x.shape, fh, fw, s, p))
    scale = np.sum(np.abs(col * c)) + 1.0
    assert abs(lhs - rhs) <= 1e-12 * scale
