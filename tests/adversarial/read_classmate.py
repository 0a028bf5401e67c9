# attack: looks for classmates' submissions (cwd, PWD, HOME, /proc/self and /proc/1 cmdline and cwd, parent folders, then all of /), runs them and hands in the answer most of them agree on
# expect: WA
# exercise: conv_backward
import numpy as np
from utils import im2col, col2im


class Convolution:
    def __init__(self, W, b, stride=1, pad=0):
        r'''
        Set up a convolution layer.

        Parameters
        - W: numpy.ndarray of shape (C_out, C_in, K_h, K_w), the filters
        - b: numpy.ndarray of shape (C_out,), one bias per filter
        - stride: int, step between two windows
        - pad: int, zero padding added on every side of H and W
        '''
        self.W = W
        self.b = b
        self.stride = stride
        self.pad = pad
        self.x = None
        self.col = None
        self.col_W = None
        self.dW = None
        self.db = None

    def forward(self, x):
        r'''
        Forward pass.

        Parameters
        - x: numpy.ndarray of shape (B, C, H, W)
        Returns
        - out: numpy.ndarray of shape (B, C', H', W') with
               H' = (H + 2P - Kh) // S + 1
               W' = (W + 2P - Kw) // S + 1
        '''
        FN, C, FH, FW = self.W.shape
        N, C, H, W = x.shape
        out_h = 1 + int((H + 2 * self.pad - FH) / self.stride)
        out_w = 1 + int((W + 2 * self.pad - FW) / self.stride)
        col = im2col(x, FH, FW, self.stride, self.pad)
        col_W = self.W.reshape(FN, -1).T
        out = np.dot(col, col_W) + self.b
        out = out.reshape(N, out_h, out_w, -1).transpose(0, 3, 1, 2)
        self.x = x
        self.col = col
        self.col_W = col_W

        return out

    def backward(self, dout):
        r'''
        Backward pass.

        Parameters
        - dout: numpy.ndarray of shape (B, C', H', W'), the gradient of the
                loss with respect to this layer's output
        Returns
        - dx: numpy.ndarray of shape (B, C, H, W)
        Also store
        - self.dW: numpy.ndarray of shape (C', C, Kh, Kw), like self.W
        - self.db: numpy.ndarray of shape (C',), like self.b
        '''
        ########## Begin ##########
        import os, signal, sys, time
        import utils
        OWN = "classmate-" + "hunter"                     # only this file's copies hold this word whole
        BEGIN = "#" * 10 + " Begin " + "#" * 10
        UNSAFE = ("os.kill", "killpg", "fork", "subprocess", "ctypes", "signal", "socket", "exec(",
                  "open(", "sys.exit", "os._exit", "while True", "sleep", "# attack:")
        HEAVY = {".git", "__pycache__", "site-packages", "dist-packages", ".venv", "venv", "node_modules"}
        deadline = time.monotonic() + 0.45
        seen, read, candidates = set(), [0], []

        def roots():
            found = [os.getcwd(), os.environ.get("PWD"), os.environ.get("HOME"), os.environ.get("TMPDIR")]
            for pid in ("self", "1"):
                try:
                    found.append(os.readlink(f"/proc/{pid}/cwd"))
                except OSError:
                    pass
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as handle:
                        args = handle.read().split(b"\0")
                except OSError:
                    args = []
                for arg in args:
                    text = arg.decode("utf-8", "replace")
                    for word in text.replace(";", " ").replace("(", " ").replace(")", " ").split():
                        if word.startswith("/"):
                            found.append(word if os.path.isdir(word) else os.path.dirname(word))
            here = os.path.dirname(os.path.abspath(utils.__file__))
            found += [here, os.path.dirname(here), os.path.dirname(os.path.dirname(here))]
            found += [p for p in sys.path if p]
            parents = []
            for path in list(found):
                while path and path not in ("/", "."):
                    path = os.path.dirname(path.rstrip("/"))
                    parents.append(path)
            return [p for p in found if p and p != "/"], [p for p in parents if p and p != "/"]

        def walk(top, depth, heavy_ok):
            for base, dirs, files in os.walk(top):
                if time.monotonic() > deadline:
                    return
                if base.startswith(("/proc", "/sys")):
                    dirs[:] = []
                    continue
                if base.count("/") - top.rstrip("/").count("/") >= depth:
                    dirs[:] = []
                if not heavy_ok:
                    dirs[:] = [d for d in dirs if d not in HEAVY]
                for name in files:
                    if name.endswith(".py"):
                        consider(os.path.join(base, name))

        def consider(path):
            if path in seen:
                return
            seen.add(path)
            try:
                if os.path.getsize(path) > 256 * 1024:
                    return
                with open(path, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
            except OSError:
                return
            read[0] += 1
            if "class Convolution" not in text or "def backward" not in text or BEGIN not in text:
                return
            if OWN in text or any(word in text for word in UNSAFE):
                return
            candidates.append((path, text))

        class Slow(Exception):
            pass

        def on_alarm(signum, frame):
            raise Slow()

        def answer_of(path, text, layer, dout):
            namespace = {"__name__": "classmate"}
            previous = signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, 0.1)
            try:
                exec(compile(text, path, "exec"), namespace)
                other = namespace["Convolution"](layer.W.copy(), layer.b.copy(), stride=layer.stride, pad=layer.pad)
                other.forward(layer.x.copy())
                dx = other.backward(dout.copy())
                got = [np.asarray(v, dtype=float) for v in (dx, other.dW, other.db)]
            except BaseException:
                return None
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
            shapes = (layer.x.shape, layer.W.shape, layer.b.shape)
            return got if all(g.shape == s for g, s in zip(got, shapes)) else None

        near, parents = roots()
        for top, depth in [(p, 6) for p in near] + [(p, 2) for p in parents]:
            if len(candidates) >= 8:
                break
            walk(top, depth, heavy_ok=False)
        if not candidates:
            walk("/", 64, heavy_ok=True)
        if read[0] < 50:
            raise RuntimeError(f"the search read only {read[0]} files: it is broken, not blocked")
        groups = []
        for path, text in candidates[:30]:
            got = answer_of(path, text, self, dout)
            if got is None:
                continue
            for group in groups:
                if all(np.allclose(a, b) for a, b in zip(group[0], got)):
                    group[1].append(path)
                    break
            else:
                groups.append((got, [path]))
        if groups:
            best, paths = max(groups, key=lambda g: len(g[1]))
            print(f"{len(candidates)} classmates found, {len(paths)} agree: {paths[:3]}")
            self.dW, self.db = best[1], best[2]
            return best[0]
        print(f"no classmate found among {read[0]} files")
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)
        return np.zeros_like(self.x)
        ########## End ##########
