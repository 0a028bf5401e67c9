"""The textbook's straightforward im2col / col2im, written plainly.

A baseline for the tests (exercises/lib/utils.py must agree with it) and for
bench/im2col_bench.py (utils must be faster).  Loop over the kernel offsets;
each iteration copies (or, in col2im, adds) one strided slice of the whole
batch:

- im2col pads with np.pad, fills a (N, C, fh, fw, out_h, out_w) buffer, then
  transposes it to (N, out_h, out_w, C, fh, fw) and flattens it;
- col2im does the reverse with += into a zero buffer of height
  H + 2*pad + stride - 1 (and likewise for the width), then crops the padding
  away.  The crop is a view: the result is not C-contiguous.
"""

import numpy as np


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1

    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    buf = np.zeros((N, C, filter_h, filter_w, out_h, out_w))
    for ky in range(filter_h):
        y_stop = ky + stride * out_h
        for kx in range(filter_w):
            x_stop = kx + stride * out_w
            buf[:, :, ky, kx, :, :] = img[:, :, ky:y_stop:stride, kx:x_stop:stride]
    return buf.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1

    buf = col.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1))
    for ky in range(filter_h):
        y_stop = ky + stride * out_h
        for kx in range(filter_w):
            x_stop = kx + stride * out_w
            img[:, :, ky:y_stop:stride, kx:x_stop:stride] += buf[:, :, ky, kx, :, :]
    return img[:, :, pad:H + pad, pad:W + pad]
