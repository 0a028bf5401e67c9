"""Time exercises/lib/utils.py against the textbook im2col / col2im.

Both versions run side by side in the same process, alternating, and the
best of several repeats is kept for each.  The results must agree to 1e-12.

    python bench/im2col_bench.py                      # (32, 64, 32, 32), 3x3, pad 1
    python bench/im2col_bench.py --shape 8 3 64 64 --kernel 5 5 --stride 2 --pad 2
    python bench/im2col_bench.py --min-ratio 1.3      # exit 1 if slower than that
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "exercises" / "lib"), str(ROOT / "tests")]

import utils                      # noqa: E402
from numerics import book         # noqa: E402


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", type=int, nargs=4, default=[32, 64, 32, 32],
                        metavar=("N", "C", "H", "W"))
    parser.add_argument("--kernel", type=int, nargs=2, default=[3, 3], metavar=("FH", "FW"))
    parser.add_argument("--stride", type=int, default=1)
    parser.add_argument("--pad", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--min-ratio", type=float, default=None,
                        help="exit with status 1 if book/utils for im2col+col2im is below this")
    args = parser.parse_args(argv)

    shape, (fh, fw), s, p = tuple(args.shape), args.kernel, args.stride, args.pad
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    out_h = (shape[2] + 2 * p - fh) // s + 1
    out_w = (shape[3] + 2 * p - fw) // s + 1
    dcol = rng.standard_normal((shape[0] * out_h * out_w, shape[1] * fh * fw))

    best = {(who, op): float("inf") for who in ("book", "utils") for op in ("im2col", "col2im")}
    results = {}
    for _ in range(args.repeats):
        for who, mod in (("book", book), ("utils", utils)):
            t, results[who, "im2col"] = timed(mod.im2col, x, fh, fw, s, p)
            best[who, "im2col"] = min(best[who, "im2col"], t)
            t, results[who, "col2im"] = timed(mod.col2im, dcol, shape, fh, fw, s, p)
            best[who, "col2im"] = min(best[who, "col2im"], t)
            results.pop((who, "im2col"))           # keep memory use down

    # Correctness, outside the timed region.
    col_u, col_b = utils.im2col(x, fh, fw, s, p), book.im2col(x, fh, fw, s, p)
    err_im2col = float(np.max(np.abs(col_u - col_b)))
    del col_u, col_b
    err_col2im = float(np.max(np.abs(results["utils", "col2im"] - results["book", "col2im"])))
    same = err_im2col <= 1e-12 and err_col2im <= 1e-12

    print(f"input {shape}, kernel {fh}x{fw}, stride {s}, pad {p}; "
          f"col {dcol.shape}, {dcol.nbytes / 2**20:.0f} MiB; best of {args.repeats}")
    print(f"{'':10s}{'book':>10s}{'utils':>10s}{'ratio':>8s}")
    for op in ("im2col", "col2im"):
        b, u = best["book", op], best["utils", op]
        print(f"{op:10s}{b * 1e3:8.2f}ms{u * 1e3:8.2f}ms{b / u:7.2f}x")
    b = best["book", "im2col"] + best["book", "col2im"]
    u = best["utils", "im2col"] + best["utils", "col2im"]
    ratio = b / u
    print(f"{'both':10s}{b * 1e3:8.2f}ms{u * 1e3:8.2f}ms{ratio:7.2f}x")
    print(f"max |utils - book|: im2col {err_im2col:.1e}, col2im {err_col2im:.1e} "
          f"({'identical' if same else 'MISMATCH'} to 1e-12)")

    if not same:
        return 1
    if args.min_ratio is not None and ratio < args.min_ratio:
        print(f"ratio {ratio:.2f} below the required {args.min_ratio}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
