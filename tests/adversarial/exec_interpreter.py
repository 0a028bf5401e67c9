# attack: starts a new program (os.execv of the interpreter and /bin/sh, posix_spawn, subprocess, raw fork and execve) that reads the reference and computes the answer
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
        import ctypes, json, os, subprocess, sys, textwrap
        import utils
        # The program it starts: load the reference it can reach, compute the case, and either
        # print the arrays (when a parent waits) or hand them back as the run itself would (after exec).
        HELPER = r'''
        import io, json, os, struct, sys
        import numpy as np
        task = json.loads(sys.argv[1])
        sys.path.insert(0, task["lib"])
        for path in task["references"]:
            try:
                namespace = {}
                with open(path) as handle:
                    exec(compile(handle.read(), path, "exec"), namespace)
                break
            except OSError:
                continue
        else:
            sys.exit(7)
        saved = np.load(task["inputs"])
        layer = namespace["Convolution"](saved["W"], saved["b"], stride=int(saved["stride"]), pad=int(saved["pad"]))
        out = layer.forward(saved["x"])
        dx = layer.backward(saved["dout"])
        arrays = {"out": out, "dx": dx, "dW": layer.dW, "db": layer.db}
        if task["how"] == "print":
            np.savez(sys.stdout.buffer, **arrays)
            sys.exit(0)
        frame = lambda b: struct.pack(">Q", len(b)) + b
        pieces = [frame(json.dumps({"status": "ok", "elapsed_ms": 1.0,
                                    "values": {n: {"kind": "array"} for n in arrays}}).encode())]
        for name in ("out", "dx", "dW", "db"):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            pieces.append(frame(buffer.getvalue()))
        body = b"".join(pieces)
        os.write(3, frame(body))
        os._exit(0)
        '''
        HELPER = textwrap.dedent(HELPER)
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(utils.__file__))))
        references = [os.path.join(root, "reference", "conv_backward.py")]
        try:
            with open("/proc/self/cmdline", "rb") as handle:
                last = handle.read().split(b"\0")[-2].decode()
            references.append(os.path.join(last, "reference", "conv_backward.py"))
        except (OSError, IndexError, UnicodeDecodeError):
            pass
        inputs = os.path.abspath("inputs.npz")
        np.savez(inputs, x=self.x, W=self.W, b=self.b, dout=dout, stride=self.stride, pad=self.pad)

        def task(how):
            return json.dumps({"lib": os.path.dirname(os.path.abspath(utils.__file__)),
                               "references": references, "inputs": inputs, "how": how})

        def answer(data):
            import io
            with np.load(io.BytesIO(data)) as got:
                self.dW, self.db = got["dW"], got["db"]
                return got["dx"]

        tried = {}
        public = self.x.shape[0] == 2
        waiting = [("subprocess", lambda: subprocess.run([sys.executable, "-c", HELPER, task("print")],
                                                          capture_output=True, timeout=5).stdout),
                   ("posix_spawn", None), ("fork+execve", None)]
        replacing = ["syscall 59", "os.execv interpreter", "os.execv /bin/sh"]
        # The public case tries the ways that keep this process first, the hidden case the ways that replace it.
        for name in (["subprocess", "posix_spawn", "fork+execve"] + replacing if public
                     else replacing + ["subprocess", "posix_spawn", "fork+execve"]):
            try:
                if name == "subprocess":
                    data = dict(waiting)[name]()
                    if data:
                        return answer(data)
                    tried[name] = "ran, no answer"
                elif name == "posix_spawn":
                    r, w = os.pipe()
                    pid = os.posix_spawn(sys.executable, [sys.executable, "-c", HELPER, task("print")], {},
                                         file_actions=[(os.POSIX_SPAWN_DUP2, w, 1)])
                    os.close(w)
                    data = b""
                    while True:
                        chunk = os.read(r, 1 << 16)
                        if not chunk:
                            break
                        data += chunk
                    os.close(r)
                    os.waitpid(pid, 0)
                    if data:
                        return answer(data)
                    tried[name] = "ran, no answer"
                elif name == "fork+execve":
                    libc = ctypes.CDLL(None, use_errno=True)
                    r, w = os.pipe()
                    pid = libc.syscall(57)
                    if pid == 0:
                        os.dup2(w, 1)
                        os.execv(sys.executable, [sys.executable, "-c", HELPER, task("print")])
                    if pid < 0:
                        raise OSError(ctypes.get_errno(), "fork")
                    os.close(w)
                    data = b""
                    while True:
                        chunk = os.read(r, 1 << 16)
                        if not chunk:
                            break
                        data += chunk
                    os.waitpid(pid, 0)
                    if data:
                        return answer(data)
                    tried[name] = "ran, no answer"
                elif name == "syscall 59":
                    libc = ctypes.CDLL(None, use_errno=True)
                    args = [sys.executable.encode(), b"-c", HELPER.encode(), task("frame").encode()]
                    argv = (ctypes.c_char_p * (len(args) + 1))(*args, None)
                    envp = (ctypes.c_char_p * 1)(None)
                    libc.syscall(59, ctypes.c_char_p(args[0]), argv, envp)
                    raise OSError(ctypes.get_errno(), "execve")
                elif name == "os.execv interpreter":
                    os.execv(sys.executable, [sys.executable, "-c", HELPER, task("frame")])
                else:
                    os.execv("/bin/sh", ["/bin/sh", "-c", f"exec {sys.executable} -c \"$0\" \"$1\"", HELPER, task("frame")])
            except Exception as err:
                tried[name] = f"{type(err).__name__}: {err}"
        print(f"no new program ran: {tried}")
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)
        return np.zeros_like(self.x)
        ########## End ##########
