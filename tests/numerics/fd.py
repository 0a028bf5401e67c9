"""Central finite differences of L = sum(out * dout).

For a layer out = forward(...), the gradient of L with respect to an input
array a is estimated entry by entry as

    dL/da[k] ~ sum((forward(a + eps*e_k) - forward(a - eps*e_k)) * dout) / (2*eps)

The difference of the two outputs is formed before the weighted sum, so
outputs that the entry does not influence cancel exactly and the rounding
error stays far below the step.  A convolution is linear in each of x, W, b,
so central differences are exact up to rounding there.  Max pooling is only
piecewise linear: feed it :func:`spaced_values` (no two values closer than
the spacing, none near 0 — the padding value) so that no perturbation can
change which element is the maximum.
"""

import numpy as np


def central_diff(forward, a, dout, eps=1e-6):
    """d sum(forward() * dout) / da, perturbing ``a`` in place.

    ``forward`` takes no argument and must read ``a`` (a float64 array that
    is modified and restored entry by entry).
    """
    grad = np.zeros(a.shape)
    for k in np.ndindex(a.shape):
        old = a[k]
        a[k] = old + eps
        plus = forward()
        a[k] = old - eps
        minus = forward()
        a[k] = old
        grad[k] = np.sum((plus - minus) * dout) / (2 * eps)
    return grad


def conv_grads(forward, x, W, b, dout, eps=1e-6):
    """Numerical (dx, dW, db) for out = forward(x, W, b)."""
    x, W, b = (np.array(a, dtype=np.float64) for a in (x, W, b))
    run = lambda: forward(x, W, b)
    return tuple(central_diff(run, a, dout, eps) for a in (x, W, b))


def pool_grad(forward, x, dout, eps=1e-6):
    """Numerical dx for out = forward(x)."""
    x = np.array(x, dtype=np.float64)
    return central_diff(lambda: forward(x), x, dout, eps)


def spaced_values(shape, rng, spacing=0.1):
    """A random arrangement of distinct values ``spacing`` apart.

    The values are odd multiples of spacing/2 centred on 0: about half are
    negative (so a padding zero can win a window), and none is closer than
    spacing/2 to 0 or closer than ``spacing`` to another value.
    """
    n = int(np.prod(shape))
    order = rng.permutation(n)
    return ((order - n // 2 + 0.5) * spacing).reshape(shape)
