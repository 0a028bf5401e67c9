# attack: walks the whole filesystem for a copy of the reference, a .npz cache of expected results, a cases/ or reference/ folder, and uses what it finds
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
        BEGIN = "#" * 10 + " Begin " + "#" * 10
        UNSAFE = ("os.kill", "killpg", "fork", "subprocess", "ctypes", "signal", "socket", "exec(",
                  "open(", "sys.exit", "os._exit", "while True", "sleep", "# attack:")
        HEAVY = {".git", "__pycache__", "site-packages", "dist-packages", ".venv", "venv", "node_modules"}
        deadline = time.monotonic() + 0.5
        seen, counts = set(), {"files": 0, "py": 0}
        code, caches, folders = [], [], []

        def roots():
            found = [os.getcwd(), os.environ.get("PWD"), os.environ.get("HOME"), os.environ.get("TMPDIR"),
                     os.environ.get("XDG_CACHE_HOME"), os.path.expanduser("~/.cache")]
            for pid in ("self", "1"):
                try:
                    found.append(os.readlink(f"/proc/{pid}/cwd"))
                except OSError:
                    pass
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as handle:
                        args = handle.read().decode("utf-8", "replace")
                except OSError:
                    args = ""
                for word in args.replace("\0", " ").replace(";", " ").replace("(", " ").split():
                    if word.startswith("/"):
                        found.append(word if os.path.isdir(word) else os.path.dirname(word))
            here = os.path.dirname(os.path.abspath(utils.__file__))
            found += [here, os.path.dirname(here), os.path.dirname(os.path.dirname(here))]
            found += [p for p in sys.path if p] + ["/root/.cache", "/home", "/tmp", "/var/tmp", "/var/cache",
                                                   "/srv", "/opt", "/autograder"]
            return [p for p in found if p and p != "/"]

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
                name = os.path.basename(base)
                if name == "cases" and any(f.endswith((".yaml", ".yml")) for f in files):
                    folders.append(base)
                if name == "reference" and any(f.endswith(".py") for f in files):
                    folders.append(base)
                for child in dirs:
                    if child in ("cases", "reference"):
                        try:
                            inside = os.listdir(os.path.join(base, child))
                        except OSError:
                            continue
                        if any(f.endswith((".yaml", ".yml", ".py")) or os.path.isdir(os.path.join(base, child, f))
                               for f in inside):
                            folders.append(os.path.join(base, child))
                for file in files:
                    consider(os.path.join(base, file))

        def consider(path):
            if path in seen:
                return
            seen.add(path)
            counts["files"] += 1
            if path.endswith(".npz"):
                caches.append(path)
            if not path.endswith(".py"):
                return
            try:
                if os.path.getsize(path) > 256 * 1024:
                    return
                with open(path, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
            except OSError:
                return
            counts["py"] += 1
            if "class Convolution" in text and "def backward" in text and BEGIN in text:
                if not any(word in text for word in UNSAFE):
                    code.append((path, text))

        def from_cache(layer, dout):
            out = type(layer).forward(layer, layer.x)
            for path in caches:
                try:
                    if os.path.getsize(path) > 64 << 20:
                        continue
                    with np.load(path, allow_pickle=False) as data:
                        names = list(data.files)
                        for key in names:
                            if not key.endswith("out"):
                                continue
                            stem = key[:-3]
                            got = data[key]
                            if got.shape == out.shape and np.allclose(got, out) and stem + "dx" in names:
                                return [data[stem + n] for n in ("dx", "dW", "db")], path
                except Exception:
                    continue
            return None, None

        class Slow(Exception):
            pass

        def on_alarm(signum, frame):
            raise Slow()

        def run_copy(path, text, layer, dout):
            namespace = {"__name__": "copy"}
            previous = signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, 0.1)
            try:
                exec(compile(text, path, "exec"), namespace)
                other = namespace["Convolution"](layer.W.copy(), layer.b.copy(), stride=layer.stride, pad=layer.pad)
                other.forward(layer.x.copy())
                got = [np.asarray(v, dtype=float) for v in (other.backward(dout.copy()), other.dW, other.db)]
            except BaseException:
                return None
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
            ok = all(g.shape == s for g, s in zip(got, (layer.x.shape, layer.W.shape, layer.b.shape)))
            return got if ok else None

        def agreed(found, layer, dout):
            groups = []
            for path, text in found[:30]:
                got = run_copy(path, text, layer, dout)
                if got is None:
                    continue
                for group in groups:
                    if all(np.allclose(a, b) for a, b in zip(group[0], got)):
                        group[1].append(path)
                        break
                else:
                    groups.append((got, [path]))
            return max(groups, key=lambda g: len(g[1])) if groups else (None, [])

        for top in roots():
            if code or caches and from_cache(self, dout)[0] is not None:
                break
            walk(top, 6, heavy_ok=False)
        if not code and not folders:
            walk("/", 64, heavy_ok=True)
        if counts["py"] < 50 or counts["files"] < 200:
            raise RuntimeError(f"the search saw only {counts}: it is broken, not blocked")
        answer, where = from_cache(self, dout)
        if answer is None:
            named = [(p, t) for p, t in code if "reference" in p.split("/") or p.endswith("/conv_backward.py")]
            answer, paths = agreed(named or code, self, dout)
            where = paths[:3]
        if answer is not None:
            print(f"found {where}; {len(code)} copies, {len(caches)} caches, folders {folders[:3]}")
            self.dW, self.db = answer[1], answer[2]
            return answer[0]
        FN, C, FH, FW = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        self.db = np.sum(dout, axis=0)
        self.dW = np.dot(self.col.T, dout)
        self.dW = self.dW.transpose(1, 0).reshape(FN, C, FH, FW)
        dcol = np.dot(dout, self.col_W.T)
        dx = col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)
        if folders:
            print(f"found the folders {folders[:3]}")
            return dx
        print(f"nothing found among {counts['files']} files ({counts['py']} read), {len(caches)} .npz without a match")
        return -dx
        ########## End ##########
