"""Naive loop implementations of the layers, used as an independent oracle.

Nothing here uses im2col / col2im or any vectorised trick: every output
element is computed by explicit Python loops over the batch, the channels,
the output positions and the kernel taps, reading the unpadded input and
treating any tap that falls outside it as a zero.  Slow, but obviously right;
keep the shapes small.

Conventions (those of the exercises):
- out_h = (H + 2*pad - kernel_h) // stride + 1, same for the width;
- max pooling: the padding zeros take part in the maximum; the maximum of a
  window is its *first* largest value in row-major (ky, kx) order, like
  np.argmax; when that maximum is a padding zero its gradient is dropped.
"""

import numpy as np


def out_size(size, k, stride, pad):
    """Number of window positions along one axis."""
    return (size + 2 * pad - k) // stride + 1


def _tap(i, k, stride, pad):
    """Input index read by tap k of window i (may fall into the padding)."""
    return i * stride + k - pad


# --------------------------------------------------------------- convolution

def conv_forward(x, W, b, stride=1, pad=0):
    """out[n, f, i, j] = b[f] + sum_{c, ky, kx} W[f, c, ky, kx] * xp[n, c, i*S+ky, j*S+kx]."""
    N, C, H, Wd = x.shape
    FN, _, FH, FW = W.shape
    OH, OW = out_size(H, FH, stride, pad), out_size(Wd, FW, stride, pad)
    out = np.zeros((N, FN, OH, OW))
    for n in range(N):
        for f in range(FN):
            for i in range(OH):
                for j in range(OW):
                    acc = float(b[f])
                    for c in range(C):
                        for ky in range(FH):
                            y = _tap(i, ky, stride, pad)
                            if not 0 <= y < H:
                                continue
                            for kx in range(FW):
                                xx = _tap(j, kx, stride, pad)
                                if 0 <= xx < Wd:
                                    acc += float(W[f, c, ky, kx]) * float(x[n, c, y, xx])
                    out[n, f, i, j] = acc
    return out


def conv_backward(x, W, b, dout, stride=1, pad=0):
    """Gradients (dx, dW, db) of L = sum(conv_forward(x, W, b) * dout)."""
    N, C, H, Wd = x.shape
    FN, _, FH, FW = W.shape
    OH, OW = out_size(H, FH, stride, pad), out_size(Wd, FW, stride, pad)
    dx = np.zeros(x.shape)
    dW = np.zeros(W.shape)
    db = np.zeros(np.shape(b))
    for n in range(N):
        for f in range(FN):
            for i in range(OH):
                for j in range(OW):
                    g = float(dout[n, f, i, j])
                    db[f] += g
                    for c in range(C):
                        for ky in range(FH):
                            y = _tap(i, ky, stride, pad)
                            if not 0 <= y < H:
                                continue
                            for kx in range(FW):
                                xx = _tap(j, kx, stride, pad)
                                if 0 <= xx < Wd:
                                    dx[n, c, y, xx] += float(W[f, c, ky, kx]) * g
                                    dW[f, c, ky, kx] += float(x[n, c, y, xx]) * g
    return dx, dW, db


# --------------------------------------------------------------- max pooling

def _window_max(x, n, c, i, j, pool_h, pool_w, stride, pad):
    """(value, (y, x) or None) of the first maximum of one window.

    None means the maximum is a padding zero.
    """
    H, W = x.shape[2:]
    best, where = None, None
    for ky in range(pool_h):
        y = _tap(i, ky, stride, pad)
        for kx in range(pool_w):
            xx = _tap(j, kx, stride, pad)
            inside = 0 <= y < H and 0 <= xx < W
            v = float(x[n, c, y, xx]) if inside else 0.0
            if best is None or v > best:          # strict: the first max wins
                best, where = v, ((y, xx) if inside else None)
    return best, where


def maxpool_forward(x, pool_h, pool_w, stride=1, pad=0):
    """out[n, c, i, j] = max of window (i, j) of the zero-padded input."""
    N, C, H, W = x.shape
    OH, OW = out_size(H, pool_h, stride, pad), out_size(W, pool_w, stride, pad)
    out = np.zeros((N, C, OH, OW))
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    out[n, c, i, j] = _window_max(x, n, c, i, j, pool_h, pool_w, stride, pad)[0]
    return out


def maxpool_backward(x, dout, pool_h, pool_w, stride=1, pad=0):
    """dx: each dout[n, c, i, j] added at the first maximum of its window."""
    N, C, H, W = x.shape
    OH, OW = out_size(H, pool_h, stride, pad), out_size(W, pool_w, stride, pad)
    dx = np.zeros(x.shape)
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    where = _window_max(x, n, c, i, j, pool_h, pool_w, stride, pad)[1]
                    if where is not None:
                        dx[n, c, where[0], where[1]] += float(dout[n, c, i, j])
    return dx


def coverage(shape, kernel_h, kernel_w, stride=1, pad=0):
    """How many windows read each input position (col2im of all ones)."""
    N, C, H, W = shape
    OH, OW = out_size(H, kernel_h, stride, pad), out_size(W, kernel_w, stride, pad)
    count = np.zeros(shape)
    for i in range(OH):
        for j in range(OW):
            for ky in range(kernel_h):
                y = _tap(i, ky, stride, pad)
                for kx in range(kernel_w):
                    xx = _tap(j, kx, stride, pad)
                    if 0 <= y < H and 0 <= xx < W:
                        count[:, :, y, xx] += 1
    return count
