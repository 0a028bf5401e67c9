"""Helpers for the loss exercises: ``softmax`` and ``cross_entropy_error``.

Students import them with ``from functions import softmax, cross_entropy_error``.

Both work on a batch: ``x`` and ``y`` have shape ``(N, C)``, one row per
sample, one column per class. Labels ``t`` are either class indices, an
integer array of shape ``(N,)``, or one-hot rows, shape ``(N, C)``.
"""

import numpy as np

__all__ = ["softmax", "cross_entropy_error"]


def softmax(x):
    """Row-wise softmax: y[n, k] = exp(x[n, k]) / sum_j exp(x[n, j]).

    The row maximum is subtracted first; that leaves the result unchanged
    and keeps exp() from overflowing.
    """
    x = np.asarray(x, dtype=np.float64)
    shifted = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    """Mean over the batch of -log y[n, t_n], the probability given to the true class.

    ``t`` holds class indices (shape (N,)) or one-hot rows (shape (N, C)).
    No small constant is added inside the logarithm, so the gradient with
    respect to the softmax input is exactly (y - onehot(t)) / N.
    """
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = np.reshape(t, (1, -1)) if np.size(t) == y.size else np.reshape(t, (1,))
    if np.size(t) == y.size:
        t = np.argmax(t, axis=1)
    n = y.shape[0]
    return float(-np.sum(np.log(y[np.arange(n), np.asarray(t, dtype=np.int64)])) / n)
