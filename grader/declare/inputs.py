"""Draw a case's input arrays from its seed, the same on every machine.

Each input gets its own stream, seeded from (case seed, input name), so adding
an input to an exercise does not change the others. Values are built from the
raw 64-bit output of PCG64, which numpy keeps stable across versions, rather
than from numpy's distribution methods, which it does not promise to keep.
"""

import zlib

import numpy as np

from grader.declare import expr
from grader.declare.cases import dims, input_shape


def _uniform(seed, name, count):
    """``count`` doubles in [0, 1) from the stream of (seed, name)."""
    sequence = np.random.SeedSequence([seed, zlib.crc32(name.encode("utf-8"))])
    raw = np.random.PCG64(sequence).random_raw(count)
    return (raw >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def draw_one(spec, draw, params, seed):
    shape = input_shape(spec, params)
    count = int(np.prod(shape, dtype=np.int64))
    if spec.kind == "labels":
        classes = expr.evaluate(spec.classes, params)
        labels_shape = tuple(dims(spec.shape, params))
        n = int(np.prod(labels_shape, dtype=np.int64))
        labels = np.floor(_uniform(seed, spec.name, n) * classes).astype(np.int64)
        labels = np.minimum(labels, classes - 1).reshape(labels_shape)
        if spec.onehot and expr.evaluate(spec.onehot, params):
            return np.eye(classes, dtype=np.float64)[labels]
        return labels
    args = dict(draw.args)
    if draw.dist == "normal":
        half = (count + 1) // 2
        u = _uniform(seed, spec.name, 2 * half)
        radius = np.sqrt(-2.0 * np.log1p(-u[:half]))      # 1 - u lies in (0, 1]
        angle = 2.0 * np.pi * u[half:]
        values = np.concatenate([radius * np.cos(angle), radius * np.sin(angle)])[:count]
        values = args["mean"] + args["std"] * values
    elif draw.dist == "uniform":
        values = args["low"] + (args["high"] - args["low"]) * _uniform(seed, spec.name, count)
    elif draw.dist == "integers":
        span = args["high"] - args["low"] + 1
        values = np.floor(_uniform(seed, spec.name, count) * span)
        values = args["low"] + np.minimum(values, span - 1)
    else:  # pragma: no cover - the case parser only lets known names through
        raise ValueError(f"unknown distribution {draw.dist!r}")
    return np.ascontiguousarray(values, dtype=np.float64).reshape(shape)


def distinct(shape, seed, name, spacing=0.1):
    """Values all different from one another and from 0, ``spacing`` apart, in a seeded order.

    For inputs that must have no ties (a maximum that finite differences or a
    tie check can rely on): odd multiples of spacing/2, about half negative.
    """
    count = int(np.prod(shape, dtype=np.int64))
    order = np.argsort(_uniform(seed, f"distinct:{name}", count), kind="stable")
    return ((order - count // 2 + 0.5) * spacing).reshape(shape)


def draw(ex, case):
    """Every input of ``case``, in the exercise's order."""
    return {name: draw_one(spec, case.draw.get(name), case.params, case.seed)
            for name, spec in ex.inputs.items()}
