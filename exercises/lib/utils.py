"""Helpers available to every exercise: ``im2col`` and ``col2im``.

Students import them with ``from utils import im2col, col2im``.

The column layout
=================

``im2col`` unrolls every window of a batch of images ``x`` of shape
``(N, C, H, W)`` into one row of a 2-D matrix ``col``::

    out_h = (H + 2*pad - filter_h) // stride + 1
    out_w = (W + 2*pad - filter_w) // stride + 1
    col.shape == (N * out_h * out_w, C * filter_h * filter_w)

Rows are ordered ``(n, i, j)`` and columns ``(c, ky, kx)``, the last index
varying fastest.  With ``xp`` the input zero-padded by ``pad`` on every side
of H and W::

    col.reshape(N, out_h, out_w, C, filter_h, filter_w)[n, i, j, c, ky, kx]
        == xp[n, c, i*stride + ky, j*stride + kx]

So a convolution is ``col @ W.reshape(FN, -1).T`` (one row of the result per
output pixel, one column per filter) and a max pooling is a maximum along the
rows of ``col.reshape(-1, filter_h * filter_w)``, whose rows are then ordered
``(n, i, j, c)``.

``col2im`` is the adjoint (the transpose) of ``im2col``: every entry of a
matrix shaped like ``col`` goes back to the input position it was read from,
and entries landing on the same position (overlapping windows) are summed.
Entries that were read from the padding are dropped, and input positions that
no window covers (possible when ``H + 2*pad - filter_h`` is not a multiple of
``stride``) receive 0.  Consequently ``col2im(im2col(x))`` is *not* ``x`` in
general: each position is multiplied by the number of windows that cover it.

Both functions always return new, C-contiguous float64 arrays, whatever the
dtype and memory layout of their argument.

Speed
=====

The textbook version copies the image once per kernel offset into a
``(N, C, filter_h, filter_w, out_h, out_w)`` buffer and then transposes that
buffer, so the big matrix is written twice; its ``col2im`` reads the big
matrix with large strides.  Here:

* ``im2col`` writes the big matrix exactly once, already in its final order:
  from a strided *view* of all windows when the filter is wide, otherwise
  one kernel offset at a time;
* ``col2im`` accumulates directly into an unpadded result (the taps that
  fall into the padding are skipped rather than added and cropped);
* both visit the batch in slices of about ``_CHUNK_BYTES`` of ``col``, so
  that the repeated passes over it (one per kernel offset) hit the cache;
* with stride 1 the image is kept channels-last, so that each copy or
  addition runs over contiguous stretches of channels.

The summation order is the textbook's (kernel offsets in row-major order,
starting from zeros), so the results agree with it bit for bit.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["im2col", "col2im"]

# Amount of ``col`` handled per slice of the batch when it is visited once per
# kernel offset: small enough to stay in cache during those passes.
_CHUNK_BYTES = 2 ** 20

# From this filter width on, im2col copies all windows in one go.
_WIDE_FILTER = 4


def _out_size(size, k, stride, pad):
    """Number of window positions along one axis."""
    if stride < 1 or pad < 0 or k < 1:
        raise ValueError(
            f"need filter >= 1, stride >= 1 and pad >= 0 "
            f"(got filter={k}, stride={stride}, pad={pad})")
    if size + 2 * pad < k:
        raise ValueError(
            f"filter of size {k} does not fit in an input of size {size} "
            f"padded by {pad}")
    return (size + 2 * pad - k) // stride + 1


def _tap_slices(k, size, out, stride, pad):
    """Where kernel offset ``k`` reads, restricted to the unpadded input.

    Window ``i`` reads input index ``i*stride + k - pad``.  Returns the slice
    of window indices for which that index lies in ``[0, size)`` and the
    matching slice of input indices (both empty if no window qualifies,
    e.g. a tap that only ever reads padding).
    """
    first = max(0, -((k - pad) // stride))          # ceil((pad - k) / stride)
    stop = min(out, (size - 1 + pad - k) // stride + 1)
    if stop <= first:
        return slice(0, 0), slice(0, 0)
    start_in = first * stride + k - pad
    last_in = (stop - 1) * stride + k - pad
    return slice(first, stop), slice(start_in, last_in + 1, stride)


def _batches(n, bytes_per_image):
    """Slices of the batch axis holding about _CHUNK_BYTES of col each."""
    step = max(1, _CHUNK_BYTES // max(1, bytes_per_image))
    return [slice(n0, n0 + step) for n0 in range(0, n, step)]


def _zeros_nchw(shape, channels_last):
    """float64 zeros seen as (N, C, H, W), stored (N, H, W, C) if asked.

    numpy picks the loop order of an operation from the memory layout, so
    the same indexing code runs over contiguous channels in one case and
    over contiguous image rows in the other.
    """
    N, C, H, W = shape
    if channels_last:
        return np.zeros((N, H, W, C)).transpose(0, 3, 1, 2)
    return np.zeros((N, C, H, W))


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    """Unroll the windows of a batch of images into the rows of a matrix.

    Parameters
    - input_data: array of shape (N, C, H, W), any real dtype and layout
    - filter_h, filter_w: window height and width
    - stride: step between two windows, in both directions
    - pad: zeros added on each side of H and W

    Returns
    - col: float64 array of shape (N*out_h*out_w, C*filter_h*filter_w), rows
      ordered (n, out_y, out_x), columns ordered (c, ky, kx); see the module
      docstring.
    """
    x = np.asarray(input_data)
    N, C, H, W = x.shape
    out_h = _out_size(H, filter_h, stride, pad)
    out_w = _out_size(W, filter_w, stride, pad)

    # Zero-padded float64 copy of the input.  It is the size of the input
    # only, and it takes care of integer / float32 / non-contiguous
    # arguments.  With stride 1 it is stored channels-last (see below).
    padded = _zeros_nchw((N, C, H + 2 * pad, W + 2 * pad), stride == 1)
    padded[:, :, pad:pad + H, pad:pad + W] = x

    col = np.empty((N, out_h, out_w, C, filter_h, filter_w))
    if filter_w >= _WIDE_FILTER:
        # Copy a strided view of all windows, straight into the final order:
        # windows[n, c, i, j, ky, kx] == padded[n, c, i*S + ky, j*S + kx]
        windows = sliding_window_view(padded, (filter_h, filter_w), axis=(2, 3))
        windows = windows[:, :, ::stride, ::stride]
        col[...] = windows.transpose(0, 2, 3, 1, 4, 5)
    else:
        # Narrow windows: numpy would copy the view above in runs of only
        # filter_w values.  Copy one kernel offset at a time instead, in
        # runs of C values (stride 1, channels-last) or of out_w values,
        # a slice of the batch at a time so that col stays in cache.
        target = col.transpose(0, 3, 4, 5, 1, 2)     # (N, C, fh, fw, oh, ow)
        for b in _batches(N, out_h * out_w * C * filter_h * filter_w * 8):
            for ky in range(filter_h):
                rows = slice(ky, ky + stride * out_h, stride)
                for kx in range(filter_w):
                    cols = slice(kx, kx + stride * out_w, stride)
                    target[b, :, ky, kx] = padded[b, :, rows, cols]
    return col.reshape(N * out_h * out_w, C * filter_h * filter_w)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """Send the rows of ``col`` back to the image, summing overlaps.

    This is the adjoint of :func:`im2col` with the same arguments: for any
    ``x`` of shape ``input_shape`` and any ``c`` shaped like ``im2col(x, ...)``,
    ``sum(im2col(x) * c) == sum(x * col2im(c))``.

    Parameters
    - col: array of shape (N*out_h*out_w, C*filter_h*filter_w), laid out as
      im2col produces it
    - input_shape: (N, C, H, W), the shape of the image to rebuild
    - filter_h, filter_w, stride, pad: as given to im2col

    Returns
    - float64 array of shape exactly ``input_shape``.  Values that came from
      the padding are dropped; positions covered by no window are 0.
    """
    N, C, H, W = (int(d) for d in input_shape)
    out_h = _out_size(H, filter_h, stride, pad)
    out_w = _out_size(W, filter_w, stride, pad)
    col = np.asarray(col)
    expected = (N * out_h * out_w, C * filter_h * filter_w)
    if col.size != expected[0] * expected[1]:
        raise ValueError(f"col has shape {col.shape}, expected {expected} "
                         f"for input shape {(N, C, H, W)}")

    # windows[n, i, j, c, ky, kx], as in im2col (a view when col is contiguous)
    windows = col.reshape(N, out_h, out_w, C, filter_h, filter_w)

    # For each kernel offset: the windows whose tap lands inside the input
    # (taps in the padding are skipped), and the input indices they hit.
    rows = [_tap_slices(ky, H, out_h, stride, pad) for ky in range(filter_h)]
    cols = [_tap_slices(kx, W, out_w, stride, pad) for kx in range(filter_w)]
    taps = [(ky, kx, r_out, c_out, r_in, c_in)
            for ky, (r_out, r_in) in enumerate(rows)
            for kx, (c_out, c_in) in enumerate(cols)]

    # With stride 1 neighbouring windows overlap heavily; accumulating into
    # a channels-last image makes the target of each addition contiguous
    # runs of out_w * C values (one transposition at the end).  With a larger
    # stride the targets are strided anyway and a channels-first image saves
    # that transposition.
    img = _zeros_nchw((N, C, H, W), stride == 1)
    source = windows.transpose(0, 3, 4, 5, 1, 2)     # (N, C, fh, fw, oh, ow)
    for b in _batches(N, out_h * out_w * C * filter_h * filter_w * 8):
        for ky, kx, r_out, c_out, r_in, c_in in taps:
            img[b, :, r_in, c_in] += source[b, :, ky, kx, r_out, c_out]
    return np.ascontiguousarray(img)
